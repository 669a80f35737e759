var e,t,n,r,i,a,o,s,c,l,u=Symbol.for(`pv`),d={},f=[],p=/^m(i|n|o|s|text|space)$/,m=Array.isArray,h=f.slice,g=Object.assign;function _(e){e&&e.parentNode&&e.remove()}function v(n,r,i,a,o){var s={type:n,props:r,key:i,ref:a,__k:null,__:null,__b:0,__e:null,__c:null,constructor:u,__v:o||++t,__i:-1,__u:0};return!o&&e.vnode&&e.vnode(s),s}function y(e){return e.children}function b(e,t){this.props=e,this.context=t,this.__g=0}function x(e,t){if(t==null)return e.__&&x(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!=`function`||e.props.__P?null:x(e)}function S(t){var n,r=t.__v,i=r.__e,a=[],o=[],s=t.__P;s&&((n=g({constructor:u},r)).__v=r.__v+1,e.vnode&&e.vnode(n),te(s,n,r,t.__n,s.namespaceURI,32&r.__u?[i]:null,a,i||x(r),32&r.__u,o),n.__v=r.__v,n.__.__k[n.__i]=n,ie(a,n,o),r.__=r.__e=null,n.__e!=i&&C(n))}function C(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),C(e)}function w(t){(8&t.__g||(t.__g|=8,n.push(t),i++))&&r==e.debounceRendering||((r=e.debounceRendering)||queueMicrotask)(T)}function T(){try{for(var e,t=1;n.length;)n.length>t&&n.sort(a),e=n.shift(),t=n.length,8&e.__g&&S(e)}finally{(i=n.length)&&(r||queueMicrotask)(T)}}function E(e,t,n,r,i,a,o,s,c,l,u){var p,m,h,g,_,v,y=r.__k||f,b=t.length;for(c=D(n,t,y,c,b),p=0;p<b;p++)(h=n.__k[p])!=null&&(m=~h.__i&&y[h.__i]||d,h.__i=p,v=te(e,h,m,i,a,o,s,c,l,u),g=h.__e,(m.ref!=h.ref||8&m.__u)&&(m.ref&&M(m.ref,null,h,m),h.ref&&u.push(h.ref,h.__c||g,h)),_||=g,4&h.__u?(c=O(h,c,e,!m.__v),m.__e&&(m.__e=null)):typeof h.type==`function`&&v!==void 0?c=v:g&&(c=g.nextSibling),h.__u&=-21);return n.__e=_,c}function D(e,t,n,r,i){var a,o,s,c,l,d,f,p,h,g=n.length,_=g,b=0,S=0,C=e.__k=Array(i);for(a=0;a<i;a++)(o=t[a])!=null&&typeof o!=`boolean`&&typeof o!=`function`?(typeof o!=`object`||o.constructor===String?o=C[a]=v(null,o):m(o)?o=C[a]=v(y,{children:o}):o.constructor===u&&o.__b?o=C[a]=v(o.type,o.props,o.key,o.ref,o.__v):C[a]=o,c=a+b,o.__=e,o.__b=e.__b+1,s=null,~(l=o.__i=k(o,n,c,_))&&(_--,(s=n[l])&&(s.__u|=2)),s&&s.__v?(o.__u|=16,l==c-1?b--:l==c+1?b++:l!=c&&(l>c?b--:b++,S=1)):(~l||(i>g?b--:i<g&&b++),typeof o.type!=`function`&&(o.__u|=4))):C[a]=null;if(S){for(d=[],f=[],a=0;a<i;a++)if((o=C[a])&&16&o.__u){for(b=0,p=d.length;b<p;)d[h=b+p>>1]<o.__i?b=h+1:p=h;d[b]=o.__i,f[a]=b+1}for(b=d.length;a--;)f[a]&&(f[a]==b?b--:C[a].__u|=4)}if(_)for(a=0;a<g;a++)!(s=n[a])||2&s.__u||(s.__e==r&&(r=x(s)),N(s,s));return r}function O(e,t,n,r){var i,a,o,s;if(typeof e.type==`function`){if(e.props.__P)return t;if(i=e.__k)for(a=0;a<i.length;a++)i[a]&&(i[a].__=e,t=O(i[a],t,n,!1));return t}for(t&&!t.parentNode&&(t=x(e))&&!t.parentNode&&(t=null),o=e.__e,s=t;s&&s.nodeType==8;)s=s.nextSibling;for(o!=s&&(!r&&n.moveBefore&&o.parentNode?n.moveBefore(o,t):n.insertBefore(o,t||null)),t=o;(t&&=t.nextSibling)&&t.nodeType==8&&!t.data.startsWith(`$s`););return t}function k(e,t,n,r){var i,a=e.key,o=e.type,s=t[n],c=s&&!(2&s.__u);if(s===null&&a==null||c&&a==s.key&&o==s.type)return n;if(r>+!!c){for(i=n-1;i>=0;i--)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i;for(i=n+1;i<t.length;i++)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i}return-1}function A(e,t,n){n??=``,t[0]==`-`?e.setProperty(t,n):e[t]=n}function j(e,t,n,r,i){var a,o;if(t==`style`){if(typeof n==`string`)e.style.cssText=n;else{if(typeof r==`string`&&(e.style.cssText=r=``),r)for(t in r)n&&t in n||A(e.style,t);if(n)for(t in n)r&&n[t]==r[t]||A(e.style,t,n[t])}}else if(t[0]==`o`&&t[1]==`n`)typeof n!=`function`&&(n=null),typeof r!=`function`&&(r=null),(e.__e||={})[t]=n,n&&r||(o=l[t]||(l[t]=ee(t)),(e.__a||={})[t]=c,a=t!=(t=t.replace(s,`$1`)),(t=t.slice(2))[0]<`a`&&(t=t.toLowerCase()),n?e.addEventListener(t,o,a):e.removeEventListener(t,o,a));else{if(i==`http://www.w3.org/2000/svg`)t=t.replace(/xlink(H|:h)/,`h`).replace(/sName$/,`s`);else if(t!=`width`&&t!=`height`&&t!=`href`&&t!=`list`&&t!=`form`&&t!=`tabIndex`&&t!=`download`&&t!=`rowSpan`&&t!=`colSpan`&&t!=`role`&&t!=`popover`&&t in e)try{e[t]=n??``;return}catch{}if(typeof n==`function`)return;n==null||!1===n&&t[4]!=`-`?e.removeAttribute(t):e.setAttribute(t,t==`popover`&&n==1?``:n)}}function ee(t){return function(n){var r=this.__e;if(r){if(r=r[t],n[o]==null)n[o]=c++;else if(n[o]<this.__a[t])return;return r(e.event?e.event(n):n)}}}function te(t,n,r,i,a,o,s,c,l,d){var p,h,v,S,C,w,T,D,O,k,A,j,ee,te,ie,M,P,F,I=n.type;if(n.constructor!==u)return null;128&r.__u&&(l=32&r.__u,p=r.__c.__z)&&(n.__u|=l,h=o=[],p.nodeType==8?c=ne(p,o):o.push(p),c=o[0]||c),(p=e.__b)&&p(n);e:if(typeof I==`function`){v=s.length;try{if(D=n.props,O=(p=I.prototype)&&p.render,k=(p=I.contextType)&&i[p.__c],A=p?k?k.props.value:p.__:i,(S=r.__c)?(n.__c=S,2&S.__g&&(S.__g|=1)):(O?n.__c=S=new I(D,A):(n.__c=S=new b(D,A),S.constructor=I,S.render=oe),k&&k.sub(S),S.state||(S.state={}),S.__n=i,S.__g|=8,S.__h=[],S.__k=[]),O&&(S.__s||(S.__s=S.state),I.getDerivedStateFromProps&&(S.__s==S.state&&(S.__s=g({},S.__s)),g(S.__s,I.getDerivedStateFromProps(D,S.__s)))),C=S.props,w=S.state,S.__v=n,r.__c){if(D!==C&&O&&!I.getDerivedStateFromProps&&S.componentWillReceiveProps&&S.componentWillReceiveProps(D,A),n.__v==r.__v&&!(8&S.__g)||!(4&S.__g)&&S.shouldComponentUpdate&&!1===S.shouldComponentUpdate(D,S.__s,A)){n.__v!=r.__v&&(S.props=D,S.state=S.__s,S.__g&=-9),n.__e=r.__e,n.__k=r.__k,n.__k.some(function(e){e&&(e.__=n)}),f.push.apply(S.__h,S.__k),S.__k=[],S.__h.length&&s.push(S),c=x(r);break e}S.componentWillUpdate&&S.componentWillUpdate(D,S.__s,A),O&&S.componentDidUpdate&&S.__h.push(function(){S.componentDidUpdate(C,w,T)})}else O&&!I.getDerivedStateFromProps&&S.componentWillMount&&S.componentWillMount(),O&&S.componentDidMount&&S.__h.push(S.componentDidMount);S.context=A,S.props=D,S.__P=t,S.__g&=-5,j=e.__r,ee=O?25:0;do S.__g&=-9,j&&j(n),p=S.render(S.props,S.state=S.__s,S.context);while(8&S.__g&&++ee<25);O&&(f.push.apply(S.__h,S.__k),S.__k=[]),S.state=S.__s,S.getChildContext&&(i=g({},i,S.getChildContext())),O&&r.__c&&S.getSnapshotBeforeUpdate&&(T=S.getSnapshotBeforeUpdate(C,w)),te=p&&p.type===y&&p.key==null?p.props.children:p,D.__P&&(p=c,a=(t=D.__P).namespaceURI,l=o=null,r.props&&r.props.__P!=t&&(r.__k.some(function(e){e&&N(e,e)}),r.__k=null),c=r.__k?x(r,0):null),c=E(t,m(te)?te:[te],n,r,i,a,o,s,c,l,d),D.__P&&(n.__e=null,c=p),n.__u&=-161,h&&h.some(_),S.__h.length&&s.push(S),1&S.__g&&(S.__g&=-4)}catch(t){if(s.length=v,n.__v=null,l||o){if(t&&t.then){if(n.__u|=128|l,o){for(~(P=o.indexOf(c||void 0))||(P=o.length);(F=o[P-1])&&F.nodeType==8;)P--;for(;P<o.length;P++)if(F=o[P]){if(o[P]=null,ie){if(F==M)break}else{if(F.nodeType!=8)break;F.data.startsWith(`$s`)&&(M=ne(ie=F))}}}if(!ie){for(;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;ie=c}(p=ne(ie=n.__c.__z||(n.__c.__z=ie)))?(n.__e=ie,c=p):n.__e=c,c&&=c.nextSibling}else o&&o.some(_)}else n.__e=r.__e;n.__k||=r.__k||[],t&&t.then||re(n),e.__e(t,n,r)}}else c=n.__e=ae(r.__e,n,r,i,a,o,s,l,d,t);return(p=e.diffed)&&p(n),c}function ne(e,t){if(e&&e.nodeType==8&&e.data.startsWith(`$s`))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith(`$s`))n++;else if(e.data.startsWith(`/$s`)&&!--n)return e}t&&t.push(e)}}function re(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(re))}function ie(t,n,r){for(var i=0;i<r.length;)M(r[i++],r[i++],r[i++]);e.__c&&e.__c(n,t),t.some(function(n){try{t=n.__h,n.__h=[],t.some(function(e){e.call(n)})}catch(t){e.__e(t,n.__v)}})}function ae(t,n,r,i,a,o,s,c,l,u){var f,g,v,y,b,S,C,w,T=r.props||d,D=n.props,O=n.type;if(O==`svg`?a=`http://www.w3.org/2000/svg`:O==`math`?a=`http://www.w3.org/1998/Math/MathML`:a||=`http://www.w3.org/1999/xhtml`,o){for(f=0;f<o.length;f++)if((b=o[f])&&(O?b.localName==O:b.nodeType==3)){t=b,o[f]=null;break}}if(!t){if(w=u.ownerDocument||document,!O)return w.createTextNode(D);t=w.createElementNS(a,O,D.is?D:u),c&&=(e.__m&&e.__m(n,o),!1),o=null}if(O){if(u=O==`template`&&t.content||t,o=O==`textarea`&&D.defaultValue!=null?null:o&&h.call(u.childNodes),!c&&o)for(T={},f=0;f<t.attributes.length;f++)T[(b=t.attributes[f]).name]=b.value;for(f in T)b=T[f],f==`dangerouslySetInnerHTML`?v=b:f==`children`||f in D||f==`value`&&`defaultValue`in D||f==`checked`&&`defaultChecked`in D||j(t,f,null,b,a);for(f in D)b=D[f],f==`children`?y=b:f==`dangerouslySetInnerHTML`?g=b:f==`value`?S=b:f==`checked`?C=b:c&&typeof b!=`function`||T[f]===b||j(t,f,b,T[f],a);g?(c||v&&(g.__html==v.__html||g.__html==t.innerHTML)||(t.innerHTML=g.__html),n.__k=[]):(v&&(t.textContent=``),(O==`foreignObject`||a==`http://www.w3.org/1998/Math/MathML`&&p.test(O))&&(a=`http://www.w3.org/1999/xhtml`),E(u,m(y)?y:[y],n,r,i,a,o,s,o?o[0]:r.__k&&x(r,0),c,l),o&&o.some(_)),c&&O!=`textarea`||(f=`value`,O==`progress`&&S==null?t.removeAttribute(f):S==null||S===t[f]&&(O!=`progress`||S)||j(t,f,S,T[f],a),f=`checked`,C!=null&&C!=t[f]&&j(t,f,C,T[f],a))}else T===D||c&&t.data==D||(t.data=D);return t}function M(t,n,r,i){try{typeof t==`function`?n?n.__x=t(n)||1:(i&&=i.__c||i.__e)&&(n=i.__x)&&(i.__x=null,typeof n==`function`?n():t(null)):t.current=n}catch(t){e.__e(t,r)}}function N(t,n,r){var i,a,o,s;if(e.unmount&&e.unmount(t),!(i=t.ref)||i.current&&i.current!=t.__e||M(i,null,n,t),i=t.__c){if(i.componentWillUnmount)try{i.componentWillUnmount()}catch(t){e.__e(t,n)}i.__P=i.__n=null}if(i=t.__k)for(s=0;s<i.length;s++)i[s]&&N(i[s],n,typeof t.type!=`function`||r&&!t.props.__P);!r&&(i=t.__c)&&(i=i.__z)&&(a=ne(i,o=[]))&&(i==t.__e&&o.some(_),_(a),_(i)),r||_(t.__e),t.__e=t.__c=t.__=null}function oe(e,t,n){return this.constructor(e,n)}function P(t,n){var r,i,a,o;e.__&&e.__(t,n),n.nodeType==9&&(n=n.documentElement),i=(r=t&&32&t.__u)?null:n.__k,n.__k=v(y,{children:[t]}),a=[],o=[],te(n,n.__k,i||d,d,n.namespaceURI,i?null:n.firstChild?h.call(n.childNodes):null,a,i?i.__e:n.firstChild,r,o),ie(a,n.__k,o),n.__k.props.children=null}e={__e:function(e,t,n,r){for(var a,o,s;t=t.__;)if((a=t.__c)&&!(1&a.__g)){a.__g|=4;try{if((s=(o=a.constructor)&&o.getDerivedStateFromError)&&a.setState(o.getDerivedStateFromError(e)),a.componentDidCatch&&(a.componentDidCatch(e,r||{}),s=1),s&&8&a.__g)return void(a.__g|=2)}catch(t){e=t}}throw i=0,e}},t=0,b.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=g({},this.state)),typeof e==`function`&&(e=e(g({},n),this.props)),e&&(g(n,e),this.__v&&(t&&this.__k.push(t),w(this)))},b.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),w(this))},b.prototype.render=y,n=[],i=0,a=function(e,t){return e.__v.__b-t.__v.__b},o=Symbol(),s=/(PointerCapture)$|Capture$/i,c=0,l={};var F,I,se,ce,le=Object.is,ue=0,de=[],fe=[],L=e,pe=L.__b,me=L.__r,he=L.diffed,ge=L.__c,_e=L.unmount,ve=L.__;function ye(e,t){L.__h&&L.__h(I,e,ue||t),ue=0;var n=I.__H||(I.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function R(e){return ue=1,be(ke,e)}function be(e,t,n){var r=ye(F++,2);if(r.t=e,!r.__c&&(r.__=[n?n(t):ke(void 0,t),function(e){var t=(r.__N||r.__)[0],n=r.t(t,e);le(t,n)||(r.__N=[n,r.__[1]],r.__c.setState({}))}],r.__c=I,!I.__f)){I.__f=!0;var i=I.shouldComponentUpdate;I.shouldComponentUpdate=function(e,t,n){var r=this.__H;if(!r)return!0;var a=!1,o=this.props!=e;if(r.__.some(function(e){e.__N&&(a=!0,le(e.__[0],e.__N[0])||(o=!0))}),i){var s=i.call(this,e,t,n);return a?s||o:s}return!a||o}}return r.__}function z(e,t){var n=ye(F++,3);!L.__s&&Oe(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,I.__H.__h.push(n))}function B(e){return ue=5,xe(function(){return{current:e}},[])}function xe(e,t){var n=ye(F++,7);return Oe(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function Se(){var e;do{for(;e=fe.shift();)try{Ee(e)}catch(t){L.__e(t,{__:(e=e.__P)&&e.__v})}for(;e=de.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(Ee),t.__h.some(De),t.__h=[]}catch(n){t.__h=[],L.__e(n,e.__v)}}}while(fe.length)}L.__b=function(e){I=null,pe&&pe(e)},L.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),ve&&ve(e,t)},L.__r=function(e){me&&me(e),F=0;var t=(I=e.__c).__H;t&&(se==I?I.__h=[]:(t.__h.some(Ee),t.__h.some(De),F=0),t.__h=[],t.__.some(function(e){e.__N&&(e.__=e.__N),e.u=e.__N=void 0})),se=I},L.diffed=function(e){he&&he(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&Te(de.push(t)),t.__H.__.some(function(e){e.u&&(e.__H=e.u)})),se=I=null},L.__c=function(e,t){t.some(function(e){try{e.__h.some(Ee),e.__h=e.__h.filter(function(e){return!e.__||De(e)})}catch(t){e.__h=[function(){throw t}]}}),ge&&ge(e,t)},L.unmount=function(e){_e&&_e(e);var t,n,r=e.__c;r&&r.__H&&(r.__H.__.some(function(r){try{if(r.__P&&r.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n&&=n.__c}r.__P=n,Te(fe.push(r))}else Ee(r)}catch(e){t=e}}),r.__H=void 0,t&&L.__e(t,r.__v))};var Ce=typeof requestAnimationFrame==`function`;function we(e){var t,n=function(){clearTimeout(r),Ce&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);Ce&&(t=requestAnimationFrame(n))}function Te(e){e!=1&&ce==L.requestAnimationFrame||((ce=L.requestAnimationFrame)||we)(Se)}function Ee(e){var t=I,n=e.__c;typeof n==`function`&&(e.__c=void 0,n()),I=t}function De(e){var t=I;e.__c=e.__(),I=t}function Oe(e,t){return!e||e.length!=t.length||t.some(function(t,n){return!le(t,e[n])})}function ke(e,t){return typeof t==`function`?t(e):t}function Ae(e){return e===null?`null`:Array.isArray(e)?`array`:typeof e}function je(e){return Ae(e)===`object`}function Me(e){return Array.isArray(e)&&e.length>0&&e.every(e=>`message`in e)}function Ne(e,t){return e.length<124?e:t}var Pe=(e=>(e[e.InternalServerError=4500]=`InternalServerError`,e[e.InternalClientError=4005]=`InternalClientError`,e[e.BadRequest=4400]=`BadRequest`,e[e.BadResponse=4004]=`BadResponse`,e[e.Unauthorized=4401]=`Unauthorized`,e[e.Forbidden=4403]=`Forbidden`,e[e.SubprotocolNotAcceptable=4406]=`SubprotocolNotAcceptable`,e[e.ConnectionInitialisationTimeout=4408]=`ConnectionInitialisationTimeout`,e[e.ConnectionAcknowledgementTimeout=4504]=`ConnectionAcknowledgementTimeout`,e[e.SubscriberAlreadyExists=4409]=`SubscriberAlreadyExists`,e[e.TooManyInitialisationRequests=4429]=`TooManyInitialisationRequests`,e))(Pe||{}),Fe=(e=>(e.ConnectionInit=`connection_init`,e.ConnectionAck=`connection_ack`,e.Ping=`ping`,e.Pong=`pong`,e.Subscribe=`subscribe`,e.Next=`next`,e.Error=`error`,e.Complete=`complete`,e))(Fe||{});function Ie(e){if(!je(e))throw Error(`Message is expected to be an object, but got ${Ae(e)}`);if(!e.type)throw Error(`Message is missing the 'type' property`);if(typeof e.type!=`string`)throw Error(`Message is expects the 'type' property to be a string, but got ${Ae(e.type)}`);switch(e.type){case`connection_init`:case`connection_ack`:case`ping`:case`pong`:if(e.payload!=null&&!je(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object or nullish or missing, but got "${e.payload}"`);break;case`subscribe`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${Ae(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!je(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${Ae(e.payload)}`);if(typeof e.payload.query!=`string`)throw Error(`"${e.type}" message payload expects the 'query' property to be a string, but got ${Ae(e.payload.query)}`);if(e.payload.variables!=null&&!je(e.payload.variables))throw Error(`"${e.type}" message payload expects the 'variables' property to be a an object or nullish or missing, but got ${Ae(e.payload.variables)}`);if(e.payload.operationName!=null&&Ae(e.payload.operationName)!==`string`)throw Error(`"${e.type}" message payload expects the 'operationName' property to be a string or nullish or missing, but got ${Ae(e.payload.operationName)}`);if(e.payload.extensions!=null&&!je(e.payload.extensions))throw Error(`"${e.type}" message payload expects the 'extensions' property to be a an object or nullish or missing, but got ${Ae(e.payload.extensions)}`);break;case`next`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${Ae(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!je(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${Ae(e.payload)}`);break;case`error`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${Ae(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!Me(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an array of GraphQL errors, but got ${JSON.stringify(e.payload)}`);break;case`complete`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${Ae(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);break;default:throw Error(`Invalid message 'type' property "${e.type}"`)}return e}function Le(e,t){return Ie(typeof e==`string`?JSON.parse(e,t):e)}function Re(e,t){return Ie(e),JSON.stringify(e,t)}function ze(e){let{url:t,connectionParams:n,lazy:r=!0,onNonLazyError:i=console.error,lazyCloseTimeout:a=0,keepAlive:o=0,disablePong:s,connectionAckWaitTimeout:c=0,retryAttempts:l=5,retryWait:u=async function(e){let t=2**e;await new Promise(e=>setTimeout(e,t*1e3+Math.floor(Math.random()*2700+300)))},shouldRetry:d=Ve,on:f,webSocketImpl:p,generateID:m=function(){return`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.replace(/[xy]/g,e=>{let t=Math.random()*16|0;return(e==`x`?t:t&3|8).toString(16)})},jsonMessageReplacer:h,jsonMessageReviver:g}=e,_;if(p){if(!Ue(p))throw Error(`Invalid WebSocket implementation provided`);_=p}else typeof WebSocket<`u`?_=WebSocket:typeof global<`u`?_=global.WebSocket||global.MozWebSocket:typeof window<`u`&&(_=window.WebSocket||window.MozWebSocket);if(!_)throw Error("WebSocket implementation missing; on Node you can `import WebSocket from 'ws';` and pass `webSocketImpl: WebSocket` to `createClient`");let v=_,y=(()=>{let e=(()=>{let e={};return{on(t,n){return e[t]=n,()=>{delete e[t]}},emit(t){`id`in t&&e[t.id]?.(t)}}})(),t={connecting:f?.connecting?[f.connecting]:[],opened:f?.opened?[f.opened]:[],connected:f?.connected?[f.connected]:[],ping:f?.ping?[f.ping]:[],pong:f?.pong?[f.pong]:[],message:f?.message?[e.emit,f.message]:[e.emit],closed:f?.closed?[f.closed]:[],error:f?.error?[f.error]:[]};return{onMessage:e.on,on(e,n){let r=t[e];return r.push(n),()=>{let e=r.indexOf(n);e>-1&&r.splice(e,1)}},emit(e,...n){for(let r of[...t[e]])r(...n)}}})();function b(e){let t=[y.on(`error`,n=>{t.forEach(e=>e()),e(n)}),y.on(`closed`,n=>{t.forEach(e=>e()),e(n)})];return()=>t.forEach(e=>e())}let x,S=0,C,w=!1,T=0,E=!1;async function D(){clearTimeout(C);let[e,r]=await(x??=new Promise((e,r)=>(async()=>{if(w){if(await u(T),!S)return x=void 0,r({code:1e3,reason:`All Subscriptions Gone`});T++}y.emit(`connecting`,w);let i=new v(typeof t==`function`?await t():t,`graphql-transport-ws`),a,l;function d(){isFinite(o)&&o>0&&(clearTimeout(l),l=setTimeout(()=>{i.readyState===v.OPEN&&(i.send(Re({type:Fe.Ping})),y.emit(`ping`,!1,void 0))},o))}b(e=>{x=void 0,clearTimeout(a),clearTimeout(l),r(e),e instanceof Be&&(i.close(4499,`Terminated`),i.onerror=null,i.onclose=null)}),i.onerror=e=>y.emit(`error`,e),i.onclose=e=>y.emit(`closed`,e),i.onopen=async()=>{try{y.emit(`opened`,i);let e=typeof n==`function`?await n():n;if(i.readyState!==v.OPEN)return;i.send(Re(e?{type:Fe.ConnectionInit,payload:e}:{type:Fe.ConnectionInit},h)),isFinite(c)&&c>0&&(a=setTimeout(()=>{i.close(Pe.ConnectionAcknowledgementTimeout,`Connection acknowledgement timeout`)},c)),d()}catch(e){y.emit(`error`,e),i.close(Pe.InternalClientError,Ne(e instanceof Error?e.message:String(e),`Internal client error`))}};let f=!1;i.onmessage=({data:t})=>{try{let n=Le(t,g);if(y.emit(`message`,n),n.type===`ping`||n.type===`pong`){y.emit(n.type,!0,n.payload),n.type===`pong`?d():s||(i.send(Re(n.payload?{type:Fe.Pong,payload:n.payload}:{type:Fe.Pong},h)),y.emit(`pong`,!1,n.payload));return}if(f)return;if(n.type!==Fe.ConnectionAck)throw Error(`First message cannot be of type ${n.type}`);clearTimeout(a),f=!0,y.emit(`connected`,i,n.payload,w),w=!1,T=0;let r=new Promise((e,t)=>b(t));r.catch(()=>{}),e([i,r])}catch(e){i.onmessage=null,y.emit(`error`,e),i.close(Pe.BadResponse,Ne(e instanceof Error?e.message:String(e),`Bad response`))}}})()));e.readyState===v.CLOSING&&await r;let i=()=>{},l=new Promise(e=>i=e);return[e,i,new Promise((t,n)=>{let i=b(n);e.readyState!==v.OPEN&&r.catch(n),l.then(()=>{if(i(),!S){let t=()=>e.close(1e3,`Normal Closure`);isFinite(a)&&a>0?(clearTimeout(C),C=setTimeout(()=>{!S&&e.readyState===v.OPEN&&t()},a)):t()}t()})})]}function O(e){if(Ve(e)&&(He(e.code)||[Pe.InternalServerError,Pe.InternalClientError,Pe.BadRequest,Pe.BadResponse,Pe.Unauthorized,Pe.SubprotocolNotAcceptable,Pe.SubscriberAlreadyExists,Pe.TooManyInitialisationRequests].includes(e.code)))throw e;if(E)return!1;if(Ve(e)&&e.code===1e3)return S>0;if(!l||T>=l||!d(e))throw e;return w=!0}r||(async()=>{for(S++;;)try{let[,,e]=await D();await e}catch(e){try{if(!O(e))return}catch(e){return i?.(e)}}})();function k(e,t){let n=m(e),r=!1,i=!1,a=()=>{S--,r=!0};return(async()=>{for(S++;;)try{let[o,s,c]=await D();if(r)return c.catch(()=>{}),s();let l=y.onMessage(n,e=>{switch(e.type){case Fe.Next:t.next(e.payload);return;case Fe.Error:i=!0,r=!0,t.error(e.payload),a();return;case Fe.Complete:r=!0,a();return}});o.send(Re({id:n,type:Fe.Subscribe,payload:e},h)),a=()=>{!r&&o.readyState===v.OPEN&&o.send(Re({id:n,type:Fe.Complete},h)),S--,r=!0,s()},await c.finally(l);return}catch(e){if(!O(e))return}})().then(()=>{i||t.complete()}).catch(e=>{t.error(e)}),()=>{r||a()}}return{on:y.on,subscribe:k,iterate(e){let t=[],n={done:!1,error:null,resolve:()=>{}},r=k(e,{next(e){t.push(e),n.resolve()},error(e){n.done=!0,n.error=e,n.resolve()},complete(){n.done=!0,n.resolve()}}),i=async function*(){for(;;){for(t.length||await new Promise(e=>n.resolve=e);t.length;)yield t.shift();if(n.error)throw n.error;if(n.done)return}}();return i.throw=async e=>(n.done||(n.done=!0,n.error=e,n.resolve()),{done:!0,value:void 0}),i.return=async()=>(r(),{done:!0,value:void 0}),i},async dispose(){if(E=!0,x){let[e]=await x;e.close(1e3,`Normal Closure`)}},terminate(){x&&y.emit(`closed`,new Be)}}}var Be=class extends Error{name=`TerminatedCloseEvent`;message=`4499: Terminated`;code=4499;reason=`Terminated`;wasClean=!1};function Ve(e){return je(e)&&`code`in e&&`reason`in e}function He(e){return![1e3,1001,1006,1005,1012,1013,1014].includes(e)&&e>=1e3&&e<=1999}function Ue(e){return typeof e==`function`&&`constructor`in e&&`CLOSED`in e&&`CLOSING`in e&&`CONNECTING`in e&&`OPEN`in e}var We=class extends Error{code;constructor(e,t){super(e),this.code=t}},Ge=`mlgraph.token`;function Ke(){return sessionStorage.getItem(Ge)}function qe(e){e?sessionStorage.setItem(Ge,e):sessionStorage.removeItem(Ge),Ze?.dispose(),Ze=null}function Je(){let e={"content-type":`application/json`,accept:`application/graphql-response+json, application/json`},t=Ke();return t&&(e.authorization=`Bearer ${t}`),e}function Ye(e){let t=e[0];return new We(t?.message??`unknown error`,t?.extensions?.code??`ERROR`)}async function Xe(e,t){let n;try{n=await fetch(`/graphql`,{method:`POST`,headers:Je(),body:JSON.stringify({query:e.toString(),variables:t})})}catch(e){throw new We(`the server is unreachable (${String(e)})`,`NETWORK`)}let r;try{r=await n.json()}catch{throw new We(`HTTP ${n.status}`,`HTTP_${n.status}`)}if(r.errors?.length)throw Ye(r.errors);if(r.data==null)throw new We(`HTTP ${n.status}`,`HTTP_${n.status}`);return r.data}var Ze=null;function Qe(){return Ze||=ze({url:`${location.protocol===`https:`?`wss`:`ws`}://${location.host}/graphql`,lazy:!0,retryAttempts:1/0,connectionParams:()=>{let e=Ke();return e?{authorization:`Bearer ${e}`}:{}}}),Ze}function $e(e,t,n,r){return Qe().subscribe({query:e.toString(),variables:t},{next:e=>{e.errors?.length?r(Ye(e.errors)):e.data&&n(e.data)},error:e=>r(Array.isArray(e)?Ye(e):new We(e instanceof Error?e.message:`the live connection closed`,`LIVE`)),complete:()=>{}})}var V=class extends String{__apiType;value;__meta__;constructor(e,t){super(e),this.value=e,this.__meta__=t}toString(){return this.value}};new V(`
    fragment JobRow on TrainingJob {
  id
  ns
  name
  status
  progress
  currentStep
  worker
  heartbeatAt
  revision
  updatedAt
  model {
    id
    name
  }
}
    `,{fragmentName:`JobRow`}),new V(`
    fragment Label on Node {
  ... on Model {
    name
    ns
  }
  ... on ModelVersion {
    version
    model {
      id
      name
    }
  }
  ... on Dataset {
    name
    ns
  }
  ... on DatasetVersion {
    version
    dataset {
      id
      name
    }
  }
  ... on Experiment {
    name
  }
  ... on TrainingJob {
    name
    status
  }
  ... on Endpoint {
    name
    environment
  }
  ... on Workflow {
    name
  }
  ... on Deployment {
    trafficPercent
    endpoint {
      name
    }
  }
  ... on ExperimentRun {
    runNumber
  }
  ... on Artifact {
    path
  }
}
    `,{fragmentName:`Label`});var et=new V(`
    query Me {
  me {
    authentication
    semanticSearch
    actor
    user {
      id
      email
      fullName
      isSuperuser
    }
  }
}
    `),tt=new V(`
    mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    token
    expiresAt
    user {
      email
    }
  }
}
    `),nt=new V(`
    mutation Logout {
  logout
}
    `),rt=new V(`
    query Search($text: String!, $types: [SearchType!], $hybrid: Boolean!) {
  search(text: $text, types: $types, first: 30, hybrid: $hybrid) {
    totalCount
    nodes {
      rank
      snippet
      node {
        id
        __typename
        ... on Model {
          name
          ns
        }
        ... on ModelVersion {
          version
          ns
          model {
            id
            name
          }
        }
        ... on Dataset {
          name
          ns
        }
        ... on DatasetVersion {
          version
          ns
          dataset {
            id
            name
          }
        }
        ... on Experiment {
          name
          ns
        }
        ... on TrainingJob {
          name
          ns
        }
        ... on Endpoint {
          name
          ns
        }
        ... on Workflow {
          name
          ns
        }
      }
    }
  }
}
    `),it=new V(`
    query Models($filter: ModelFilter, $asOf: DateTime) {
  models(filter: $filter, first: 100, orderBy: [{field: NAME}], asOf: $asOf) {
    totalCount
    nodes {
      id
      ns
      name
      framework
      task
      status
      latestVersionNumber
      updatedAt
      versions(first: 50, orderBy: [{field: VERSION, direction: DESC}]) {
        nodes {
          id
          version
          stage
          aliases
        }
      }
    }
  }
}
    `),at=new V(`
    query ModelPage($id: ID!, $asOf: DateTime) {
  model(id: $id, asOf: $asOf) {
    id
    ns
    name
    description
    framework
    task
    status
    riskClass
    createdBy
    createdAt
    updatedAt
    tags
    versions(first: 100, orderBy: [{field: VERSION, direction: ASC}]) {
      totalCount
      nodes {
        id
        version
        stage
        aliases
        metrics
        params
        createdBy
        createdAt
        deployments(first: 20) {
          nodes {
            id
            trafficPercent
            status
            endpoint {
              id
              name
              environment
              p95LatencyMs24h
              predictionVolume24h
              cost24h {
                currency
                total
              }
            }
          }
        }
        artifacts(first: 20) {
          nodes {
            id
            path
            sizeBytes
            sha256
            status
          }
        }
        approvals(first: 10, orderBy: [{field: CREATED_AT, direction: DESC}]) {
          nodes {
            id
            status
            targetStage
            justification
            requestedBy
            reviewedBy
            reviewComment
            createdAt
            decidedAt
            checks {
              id
              check
              result
              blocking
              evidence
              createdAt
            }
          }
        }
      }
    }
    history(first: 30) {
      nodes {
        id
        action
        actor
        createdAt
        entityType
      }
    }
  }
  lineage(of: $id, direction: BOTH, depth: 2, first: 200, asOf: $asOf) {
    totalCount
    nodes {
      id
      nodeType
      distance
      direction
      node {
        id
        __typename
        ...Label
      }
    }
    edges {
      upstream
      downstream
      kind
    }
  }
}
    fragment Label on Node {
  ... on Model {
    name
    ns
  }
  ... on ModelVersion {
    version
    model {
      id
      name
    }
  }
  ... on Dataset {
    name
    ns
  }
  ... on DatasetVersion {
    version
    dataset {
      id
      name
    }
  }
  ... on Experiment {
    name
  }
  ... on TrainingJob {
    name
    status
  }
  ... on Endpoint {
    name
    environment
  }
  ... on Workflow {
    name
  }
  ... on Deployment {
    trafficPercent
    endpoint {
      name
    }
  }
  ... on ExperimentRun {
    runNumber
  }
  ... on Artifact {
    path
  }
}`),ot=new V(`
    query ArtifactDownload($id: ID!) {
  artifact(id: $id) {
    id
    path
    downloadUrl
  }
}
    `),st=new V(`
    query TrainingJobs($asOf: DateTime) {
  trainingJobs(
    first: 100
    orderBy: [{field: CREATED_AT, direction: DESC}]
    asOf: $asOf
  ) {
    totalCount
    nodes {
      ...JobRow
    }
  }
  events(first: 1) {
    nodes {
      cursor
    }
  }
}
    fragment JobRow on TrainingJob {
  id
  ns
  name
  status
  progress
  currentStep
  worker
  heartbeatAt
  revision
  updatedAt
  model {
    id
    name
  }
}`),ct=new V(`
    subscription WatchTrainingJobs($after: String) {
  trainingJobs(after: $after) {
    ...JobRow
  }
}
    fragment JobRow on TrainingJob {
  id
  ns
  name
  status
  progress
  currentStep
  worker
  heartbeatAt
  revision
  updatedAt
  model {
    id
    name
  }
}`),lt=new V(`
    query Approvals($asOf: DateTime) {
  approvals(
    first: 100
    orderBy: [{field: CREATED_AT, direction: DESC}]
    asOf: $asOf
  ) {
    totalCount
    nodes {
      id
      status
      targetStage
      justification
      requestedBy
      reviewedBy
      reviewComment
      revision
      createdAt
      decidedAt
      modelVersion {
        id
        version
        model {
          id
          name
        }
      }
      checks {
        id
        check
        result
        blocking
        evidence
      }
    }
  }
}
    `),ut=new V(`
    mutation ReviewApproval($input: ReviewApprovalInput!) {
  reviewApproval(input: $input) {
    id
    status
    reviewedBy
    revision
  }
}
    `),dt=new V(`
    query Lineage($id: ID!, $depth: Int!, $asOf: DateTime) {
  start: node(id: $id, asOf: $asOf) {
    id
    __typename
    ...Label
  }
  lineage(of: $id, direction: BOTH, depth: $depth, first: 500, asOf: $asOf) {
    totalCount
    isPartial
    nodes {
      id
      nodeType
      distance
      direction
      node {
        id
        __typename
        ...Label
      }
    }
    edges {
      upstream
      downstream
      kind
    }
  }
}
    fragment Label on Node {
  ... on Model {
    name
    ns
  }
  ... on ModelVersion {
    version
    model {
      id
      name
    }
  }
  ... on Dataset {
    name
    ns
  }
  ... on DatasetVersion {
    version
    dataset {
      id
      name
    }
  }
  ... on Experiment {
    name
  }
  ... on TrainingJob {
    name
    status
  }
  ... on Endpoint {
    name
    environment
  }
  ... on Workflow {
    name
  }
  ... on Deployment {
    trafficPercent
    endpoint {
      name
    }
  }
  ... on ExperimentRun {
    runNumber
  }
  ... on Artifact {
    path
  }
}`),ft=new V(`
    query Datasets($filter: DatasetFilter, $asOf: DateTime) {
  datasets(filter: $filter, first: 100, orderBy: [{field: NAME}], asOf: $asOf) {
    totalCount
    nodes {
      id
      ns
      name
      dataType
      format
      latestVersionNumber
      personalData
      updatedAt
    }
  }
}
    `),pt=new V(`
    query DatasetPage($id: ID!, $asOf: DateTime) {
  dataset(id: $id, asOf: $asOf) {
    id
    ns
    name
    description
    dataType
    format
    storageUri
    personalData
    legalBasis
    retentionDays
    createdBy
    createdAt
    versions(first: 50, orderBy: [{field: VERSION, direction: DESC}]) {
      totalCount
      nodes {
        id
        version
        split
        uploadStatus
        contentType
        numRows
        numColumns
        sizeBytes
        validationErrors
        createdAt
        schemaDeductions(first: 3, orderBy: [{field: CREATED_AT, direction: DESC}]) {
          nodes {
            id
            status
            confidence
            proposedSchema
            rejectionReason
            agentVersion
          }
        }
        edaReports(first: 1, orderBy: [{field: CREATED_AT, direction: DESC}]) {
          nodes {
            id
            status
            error
            summary
            report
            generationSeconds
          }
        }
      }
    }
    history(first: 20) {
      nodes {
        id
        action
        actor
        createdAt
      }
    }
  }
}
    `),mt=new V(`
    mutation AcceptSchemaDeduction($id: ID!) {
  acceptSchemaDeduction(id: $id) {
    id
    status
  }
}
    `),ht=new V(`
    mutation RejectSchemaDeduction($id: ID!, $reason: String!) {
  rejectSchemaDeduction(id: $id, reason: $reason) {
    id
    status
    rejectionReason
  }
}
    `),gt=new V(`
    query Endpoints($asOf: DateTime) {
  endpoints(first: 100, orderBy: [{field: NAME}], asOf: $asOf) {
    totalCount
    nodes {
      id
      ns
      name
      environment
      status
      p95LatencyMs24h
      predictionVolume24h
      cost24h {
        currency
        total
      }
      deployments(first: 10) {
        nodes {
          id
          trafficPercent
          modelVersion {
            id
            version
            model {
              id
              name
            }
          }
        }
      }
    }
  }
}
    `),_t=new V(`
    query EndpointPage($id: ID!, $from: DateTime!, $to: DateTime!, $asOf: DateTime) {
  endpoint(id: $id, asOf: $asOf) {
    id
    ns
    name
    description
    environment
    region
    url
    status
    p95LatencyMs24h
    predictionVolume24h
    cost24h {
      currency
      total
    }
    deployments(first: 20) {
      nodes {
        id
        trafficPercent
        status
        machineType
        minReplicas
        maxReplicas
        modelVersion {
          id
          version
          stage
          model {
            id
            name
          }
        }
      }
    }
  }
  predictionStats(filter: {endpoint: {eq: $id}}, groupBy: HOUR, limit: 168) {
    key
    count
    avgLatencyMs
    maxLatencyMs
  }
  costTrends(bucket: DAY, from: $from, to: $to, filter: {endpoint: $id}) {
    bucket
    currency
    total
    change
  }
}
    `),vt=new V(`
    query Experiments($asOf: DateTime) {
  experiments(first: 100, orderBy: [{field: NAME}], asOf: $asOf) {
    totalCount
    nodes {
      id
      ns
      name
      experimentType
      status
      updatedAt
    }
  }
}
    `),yt=new V(`
    query ExperimentPage($id: ID!, $asOf: DateTime) {
  experiment(id: $id, asOf: $asOf) {
    id
    ns
    name
    description
    experimentType
    status
    config
    createdBy
    createdAt
    trainingJobs(first: 50) {
      nodes {
        id
        name
        status
        runs(first: 50) {
          nodes {
            id
            runNumber
            status
            hyperparameters
            metrics
            durationSeconds
          }
        }
      }
    }
    jobRuns(first: 100) {
      nodes {
        id
        name
        source
        state
        startedAt
        endedAt
        params
        metrics
      }
    }
    curves: jobRuns(first: 10) {
      nodes {
        id
        metricHistory(maxPoints: 100) {
          key
          logged
          points {
            step
            value
          }
        }
      }
    }
  }
}
    `),bt=new V(`
    query AbResult($experiment: ID!, $metric: String!) {
  abTestResult(experiment: $experiment, metric: $metric) {
    metric
    test
    higherIsBetter
    significanceLevel
    pValue
    significant
    reason
    winner {
      id
      version
      model {
        name
      }
    }
    arms {
      modelVersion {
        id
        version
        model {
          name
        }
      }
      samples
      mean
      stdDev
      costTotal
      costCurrency
    }
  }
}
    `),xt=new V(`
    query Admin($ns: String!) {
  users {
    id
    email
    fullName
    kind
    isActive
    isSuperuser
    lastLoginAt
    lockedUntil
    grants {
      id
      ns
      role
    }
    apiKeys {
      id
      name
      kind
      expiresAt
      lastUsedAt
      revokedAt
    }
  }
  governancePolicy(ns: $ns) {
    ns
    version
    approvalTtlHours
    requireApprovalFor
    checks {
      check
      blocking
      threshold
      metric
    }
  }
}
    `),St=new V(`
    mutation RevokeApiKey($id: ID!) {
  revokeApiKey(id: $id) {
    id
    revokedAt
  }
}
    `),Ct=new V(`
    mutation RevokeGrant($id: ID!) {
  revokeGrant(id: $id) {
    id
  }
}
    `);function wt(){let[e,t]=(location.hash.replace(/^#/,``)||`/`).split(`?`,2);return{path:e.split(`/`).filter(Boolean).map(decodeURIComponent),params:new URLSearchParams(t??``)}}function Tt(){let[e,t]=R(wt);return z(()=>{let e=()=>t(wt());return addEventListener(`hashchange`,e),()=>removeEventListener(`hashchange`,e)},[]),e}function H(e,t={}){let n=wt().params,r=new URLSearchParams,i=`asOf`in t?t.asOf:n.get(`asOf`);i&&r.set(`asOf`,i);for(let[e,n]of Object.entries(t))e!==`asOf`&&n&&r.set(e,n);let a=r.toString();return`#${e}${a?`?${a}`:``}`}function Et(e,t={}){location.hash=H(e,t)}var Dt=Symbol.for(`pv`),Ot=0;Array.isArray;function U(t,n,r,i,a,o){n||={};var s,c,l=n;if(`ref`in l&&typeof t!=`function`)for(c in l={},n)c==`ref`?s=n[c]:l[c]=n[c];var u={type:t,props:l,key:r,ref:s,__k:null,__:null,__b:0,__e:null,__c:null,constructor:Dt,__v:--Ot,__i:-1,__u:0};return(a||o)&&(u.__source=a,u.__self=o),e.vnode&&e.vnode(u),u}function kt(e){let{q:t}=e;return t.error?U(At,{error:t.error}):t.data?U(y,{children:e.children(t.data)}):U(`p`,{class:`muted`,"aria-busy":`true`,children:`Loading…`})}function At(e){return U(`div`,{role:`alert`,class:`error`,children:[e.error.message,` `,U(`code`,{class:`code`,children:e.error.code})]})}function jt(e){return U(`p`,{class:`empty`,children:e.children})}function W(e){return U(`span`,{class:`badge ${e.kind??``}`,children:e.children})}function Mt(e){if(!e.at)return U(`span`,{class:`muted`,children:`—`});let t=new Date(e.at);return U(`time`,{dateTime:e.at,title:e.at,children:t.toLocaleString()})}function Nt(e){if(e==null)return`—`;let t=[`B`,`KB`,`MB`,`GB`,`TB`],n=0,r=e;for(;r>=1024&&n<t.length-1;)r/=1024,n++;return`${r.toFixed(+!!n)} ${t[n]}`}function Pt(e,t){if(!e)return`—`;let n=Math.max(0,Math.round((t-Date.parse(e))/1e3));return n<60?`${n}s ago`:n<3600?`${Math.floor(n/60)}m ago`:`${Math.floor(n/3600)}h ago`}function Ft(e){switch(e.__typename){case`Dataset`:return H(`/datasets/${e.id}`);case`DatasetVersion`:return e.dataset?.id?H(`/datasets/${e.dataset.id}`):H(`/lineage/${e.id}`);case`Model`:return H(`/models/${e.id}`);case`ModelVersion`:return e.model?.id?H(`/models/${e.model.id}`):H(`/lineage/${e.id}`);case`TrainingJob`:return H(`/jobs`);case`Experiment`:return H(`/experiments/${e.id}`);case`Endpoint`:return H(`/endpoints/${e.id}`);default:return H(`/lineage/${e.id}`)}}function It(e){return U(`section`,{children:[U(`h2`,{children:e.title}),e.children]})}function Lt(e,t){let n=JSON.stringify(t),[r,i]=R({loading:!0}),[a,o]=R(0);return z(()=>{let n=!0;return i(e=>({data:e.data,loading:!0})),Xe(e,t).then(e=>n&&i({data:e,loading:!1}),e=>n&&i({error:e,loading:!1})),()=>{n=!1}},[n,a]),{...r,reload:()=>o(e=>e+1)}}function Rt(e){let[t,n]=R(Date.now());return z(()=>{let t=setInterval(()=>n(Date.now()),e);return()=>clearInterval(t)},[e]),t}function zt(){let[e,t]=R(`acme.com`),n=Lt(xt,{ns:e}),[r,i]=R(null),a=async e=>{i(null);try{await e(),n.reload()}catch(e){i(e)}};return U(`div`,{children:[U(`h1`,{children:`Administration`}),r&&U(At,{error:r}),U(kt,{q:n,children:n=>U(y,{children:[U(It,{title:`Users (${n.users.length})`,children:n.users.length===0?U(jt,{children:"No users: create one with createUser or `mlgraph admin create-user`."}):U(`div`,{class:`scroll`,children:U(`table`,{id:`users`,children:[U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`User`}),U(`th`,{scope:`col`,children:`Kind`}),U(`th`,{scope:`col`,children:`Grants`}),U(`th`,{scope:`col`,children:`API keys`}),U(`th`,{scope:`col`,children:`Last login`})]})}),U(`tbody`,{children:n.users.map(e=>U(`tr`,{"data-id":e.id,children:[U(`td`,{children:[e.email,` `,e.isSuperuser&&U(W,{kind:`warn`,children:`superuser`}),` `,!e.isActive&&U(W,{kind:`archived`,children:`inactive`}),e.lockedUntil&&U(W,{kind:`failed`,children:`locked`}),U(`div`,{class:`muted small`,children:e.fullName??``})]}),U(`td`,{children:e.kind}),U(`td`,{children:e.grants.map(e=>U(`div`,{children:[e.role,` on `,e.ns,` `,U(`button`,{type:`button`,class:`danger`,onClick:()=>a(()=>Xe(Ct,{id:e.id})),children:[`Revoke `,U(`span`,{class:`sr`,children:[e.role,` on `,e.ns]})]})]}))}),U(`td`,{children:e.apiKeys.map(e=>U(`div`,{children:[e.name,` (`,e.kind,`)`,` `,e.revokedAt?U(W,{kind:`archived`,children:`revoked`}):U(`button`,{type:`button`,class:`danger`,onClick:()=>a(()=>Xe(St,{id:e.id})),children:[`Revoke `,U(`span`,{class:`sr`,children:[`key `,e.name]})]}),U(`div`,{class:`muted small`,children:[`last used `,U(Mt,{at:e.lastUsedAt})]})]}))}),U(`td`,{children:U(Mt,{at:e.lastLoginAt})})]}))})]})})}),U(It,{title:`Governance policy`,children:[U(`label`,{children:[`Namespace `,U(`input`,{value:e,onChange:e=>t(e.currentTarget.value)})]}),n.governancePolicy?U(`div`,{id:`policy`,children:[U(`p`,{children:[`Version `,n.governancePolicy.version,` (from `,n.governancePolicy.ns,`): approval needed for`,` `,n.governancePolicy.requireApprovalFor.join(`, `)||`no stage`,`; approvals valid`,` `,n.governancePolicy.approvalTtlHours,` h.`]}),U(`ul`,{children:n.governancePolicy.checks.map(e=>U(`li`,{children:[e.check,` `,e.blocking?`(blocking)`:`(advisory)`,e.threshold==null?``:`, threshold ${e.threshold}`,e.metric?`, metric ${e.metric}`:``]}))})]}):U(jt,{children:[`No policy on `,e,`: set one with setGovernancePolicy.`]})]})]})})]})}function Bt(e){let t=Lt(lt,{asOf:e.asOf}),[n,r]=R({}),[i,a]=R(null),o=async(e,r,i)=>{a(null);try{await Xe(ut,{input:{id:e,decision:i,expectedRevision:r,comment:n[e]||null}}),t.reload()}catch(e){a(e)}};return U(`div`,{children:[U(`h1`,{children:`Approvals`}),i&&U(At,{error:i}),U(kt,{q:t,children:t=>{let i=[...t.approvals.nodes].sort((e,t)=>Number(t.status===`PENDING`)-Number(e.status===`PENDING`));return i.length===0?U(jt,{children:`No approval requests: a version's promotion asks for one (requestApproval).`}):U(`ul`,{id:`approvals`,class:`cards`,children:i.map(t=>U(`li`,{"data-id":t.id,"data-status":t.status,children:[U(`h2`,{children:[t.modelVersion.model?U(`a`,{href:H(`/models/${t.modelVersion.model.id}`),children:t.modelVersion.model.name}):`?`,` `,`v`,t.modelVersion.version,` → `,t.targetStage,` `,U(W,{kind:t.status.toLowerCase(),children:t.status})]}),U(`p`,{children:[`Requested by `,t.requestedBy,` `,U(Mt,{at:t.createdAt}),t.justification?`: “${t.justification}”`:``]}),t.reviewedBy&&U(`p`,{children:[`Reviewed by `,t.reviewedBy,` `,U(Mt,{at:t.decidedAt}),t.reviewComment?`: “${t.reviewComment}”`:``]}),t.checks.length>0&&U(`ul`,{class:`checks`,"aria-label":`Compliance checks`,children:t.checks.map(e=>U(`li`,{children:[U(W,{kind:e.result.toLowerCase(),children:e.result}),` `,e.check,e.blocking?` (blocking)`:``]}))}),t.status===`PENDING`&&!e.asOf&&U(`div`,{class:`review`,children:[U(`label`,{children:[`Comment`,U(`input`,{value:n[t.id]??``,onInput:e=>r({...n,[t.id]:e.currentTarget.value})})]}),U(`button`,{type:`button`,onClick:()=>o(t.id,t.revision,`APPROVE`),children:`Approve`}),U(`button`,{type:`button`,class:`danger`,onClick:()=>o(t.id,t.revision,`REJECT`),children:`Reject`})]})]}))})}})]})}var Vt=!0,Ht=`uplot`,Ut=`u-hz`,Wt=`u-vt`,Gt=`u-title`,Kt=`u-wrap`,qt=`u-under`,Jt=`u-over`,Yt=`u-axis`,Xt=`u-off`,Zt=`u-select`,Qt=`u-cursor-x`,$t=`u-cursor-y`,en=`u-cursor-pt`,tn=`u-legend`,nn=`u-live`,rn=`u-inline`,an=`u-series`,on=`u-marker`,sn=`u-label`,cn=`u-value`,ln=`width`,un=`height`,dn=`top`,fn=`bottom`,pn=`left`,mn=`right`,hn=`#000`,gn=`#0000`,_n=`mousemove`,vn=`mousedown`,yn=`mouseup`,bn=`mouseenter`,xn=`mouseleave`,Sn=`dblclick`,Cn=`resize`,wn=`scroll`,Tn=`change`,En=`dppxchange`,Dn=`--`,On=typeof window<`u`,kn=On?document:null,An=On?window:null,jn=On?navigator:null,G,Mn;function Nn(){let e=devicePixelRatio;G!=e&&(G=e,Mn&&Gn(Tn,Mn,Nn),Mn=matchMedia(`(min-resolution: ${G-.001}dppx) and (max-resolution: ${G+.001}dppx)`),Wn(Tn,Mn,Nn),An.dispatchEvent(new CustomEvent(En)))}function Pn(e,t){if(t!=null){let n=e.classList;!n.contains(t)&&n.add(t)}}function Fn(e,t){let n=e.classList;n.contains(t)&&n.remove(t)}function K(e,t,n){e.style[t]=n+`px`}function In(e,t,n,r){let i=kn.createElement(e);return t!=null&&Pn(i,t),n?.insertBefore(i,r),i}function Ln(e,t){return In(`div`,e,t)}var Rn=new WeakMap;function zn(e,t,n,r,i){let a=`translate(`+t+`px,`+n+`px)`;a!=Rn.get(e)&&(e.style.transform=a,Rn.set(e,a),t<0||n<0||t>r||n>i?Pn(e,Xt):Fn(e,Xt))}var Bn=new WeakMap;function Vn(e,t,n){let r=t+n;r!=Bn.get(e)&&(Bn.set(e,r),e.style.background=t,e.style.borderColor=n)}var Hn=new WeakMap;function Un(e,t,n,r){let i=t+``+n;i!=Hn.get(e)&&(Hn.set(e,i),e.style.height=n+`px`,e.style.width=t+`px`,e.style.marginLeft=r?-t/2+`px`:0,e.style.marginTop=r?-n/2+`px`:0)}var q={passive:!0},J={...q,capture:!0};function Wn(e,t,n,r){t.addEventListener(e,n,r?J:q)}function Gn(e,t,n,r){t.removeEventListener(e,n,q)}On&&Nn();function Kn(e,t,n,r){let i;n||=0,r||=t.length-1;let a=r<=0x7fffffff;for(;r-n>1;)i=a?n+r>>1:fr((n+r)/2),t[i]<e?n=i:r=i;return e-t[n]<=t[r]-e?n:r}function qn(e){return(t,n,r)=>{let i=-1,a=-1;for(let a=n;a<=r;a++)if(e(t[a])){i=a;break}for(let i=r;i>=n;i--)if(e(t[i])){a=i;break}return[i,a]}}var Jn=e=>e!=null,Yn=e=>e!=null&&e>0,Xn=qn(Jn),Y=qn(Yn);function Zn(e,t,n,r=0,i=!1){let a=i?Y:Xn,o=i?Yn:Jn;[t,n]=a(e,t,n);let s=e[t],c=e[t];if(t>-1){if(r==1)s=e[t],c=e[n];else if(r==-1)s=e[n],c=e[t];else for(let r=t;r<=n;r++){let t=e[r];o(t)&&(t<s?s=t:t>c&&(c=t))}}return[s??Cr,c??-Cr]}function Qn(e,t,n,r){let i=vr(e),a=vr(t);e==t&&(i==-1?(e*=n,t/=n):(e/=n,t*=n));let o=n==10?yr:br,s=i==1?fr:mr,c=a==1?mr:fr,l=s(o(dr(e))),u=c(o(dr(t))),d=_r(n,l),f=_r(n,u);return n==10&&(l<0&&(d=Q(d,-l)),u<0&&(f=Q(f,-u))),r||n==2?(e=d*i,t=f*a):(e=Lr(e,d),t=Ir(t,f)),[e,t]}function $n(e,t,n,r){let i=Qn(e,t,n,r);return e==0&&(i[0]=0),t==0&&(i[1]=0),i}var er=.1,tr={mode:3,pad:er},nr={pad:0,soft:null,mode:0},rr={min:nr,max:nr};function ir(e,t,n,r){return Jr(n)?or(e,t,n):(nr.pad=n,nr.soft=r?0:null,nr.mode=r?3:0,or(e,t,rr))}function X(e,t){return e??t}function ar(e,t,n){for(t=X(t,0),n=X(n,e.length-1);t<=n;){if(e[t]!=null)return!0;t++}return!1}function or(e,t,n){let r=n.min,i=n.max,a=X(r.pad,0),o=X(i.pad,0),s=X(r.hard,-Cr),c=X(i.hard,Cr),l=X(r.soft,Cr),u=X(i.soft,-Cr),d=X(r.mode,0),f=X(i.mode,0),p=t-e,m=yr(p),h=gr(dr(e),dr(t)),g=dr(yr(h)-m);(p<1e-24||g>10)&&(p=0,(e==0||t==0)&&(p=1e-24,d==2&&l!=Cr&&(a=0),f==2&&u!=-Cr&&(o=0)));let _=p||h||1e3,v=_r(10,fr(yr(_))),y=Q(Lr(e-_*(p==0?e==0?.1:1:a),v/10),24),b=e>=l&&(d==1||d==3&&y<=l||d==2&&y>=l)?l:Cr,x=gr(s,y<b&&e>=b?b:hr(b,y)),S=Q(Ir(t+_*(p==0?t==0?.1:1:o),v/10),24),C=t<=u&&(f==1||f==3&&S>=u||f==2&&S<=u)?u:-Cr,w=hr(c,S>C&&t<=C?C:gr(C,S));return x==w&&x==0&&(w=100),[x,w]}var sr=new Intl.NumberFormat(On?jn.language:`en-US`),cr=e=>sr.format(e),lr=Math,ur=lr.PI,dr=lr.abs,fr=lr.floor,pr=lr.round,mr=lr.ceil,hr=lr.min,gr=lr.max,_r=lr.pow,vr=lr.sign,yr=lr.log10,br=lr.log2,xr=(e,t=1)=>lr.sinh(e)*t,Sr=(e,t=1)=>lr.asinh(e/t),Cr=1/0;function wr(e){return(yr((e^e>>31)-(e>>31))|0)+1}function Tr(e,t,n){return hr(gr(e,t),n)}function Er(e){return typeof e==`function`}function Z(e){return Er(e)?e:()=>e}var Dr=()=>{},Or=e=>e,kr=(e,t)=>t,Ar=e=>null,jr=e=>!0,Mr=(e,t)=>e==t,Nr=/\.\d*?(?=9{6,}|0{6,})/gm,Pr=e=>{if(Gr(e)||Rr.has(e))return e;let t=`${e}`,n=t.match(Nr);if(n==null)return e;let r=n[0].length-1;if(t.indexOf(`e-`)!=-1){let[e,n]=t.split(`e`);return+`${Pr(e)}e${n}`}return Q(e,r)};function Fr(e,t){return Pr(Q(Pr(e/t))*t)}function Ir(e,t){return Pr(mr(Pr(e/t))*t)}function Lr(e,t){return Pr(fr(Pr(e/t))*t)}function Q(e,t=0){if(Gr(e))return e;let n=10**t;return pr(e*n*(1+2**-52))/n}var Rr=new Map;function zr(e){return((``+e).split(`.`)[1]||``).length}function Br(e,t,n,r){let i=[],a=r.map(zr);for(let o=t;o<n;o++){let t=dr(o),n=Q(_r(e,o),t);for(let s=0;s<r.length;s++){let c=e==10?+`${r[s]}e${o}`:r[s]*n,l=(o>=0?0:t)+(o>=a[s]?0:a[s]),u=e==10?c:Q(c,l);i.push(u),Rr.set(u,l)}}return i}var Vr={},Hr=[],Ur=[null,null],Wr=Array.isArray,Gr=Number.isInteger,Kr=e=>e===void 0;function qr(e){return typeof e==`string`}function Jr(e){let t=!1;if(e!=null){let n=e.constructor;t=n==null||n==Object}return t}function Yr(e){return typeof e==`object`&&!!e}var Xr=Object.getPrototypeOf(Uint8Array),Zr=`__proto__`;function Qr(e,t=Jr){let n;if(Wr(e)){let r=e.find(e=>e!=null);if(Wr(r)||t(r)){n=Array(e.length);for(let r=0;r<e.length;r++)n[r]=Qr(e[r],t)}else n=e.slice()}else if(e instanceof Xr)n=e.slice();else if(t(e)){n={};for(let r in e)r!=Zr&&(n[r]=Qr(e[r],t))}else n=e;return n}function $r(e){let t=arguments;for(let n=1;n<t.length;n++){let r=t[n];for(let t in r)t!=Zr&&(Jr(e[t])?$r(e[t],Qr(r[t])):e[t]=Qr(r[t]))}return e}var ei=0,ti=1,ni=2;function ri(e,t,n){for(let r=0,i,a=-1;r<t.length;r++){let o=t[r];if(o>a){for(i=o-1;i>=0&&e[i]==null;)e[i--]=null;for(i=o+1;i<n&&e[i]==null;)e[a=i++]=null}}}var ii=typeof queueMicrotask>`u`?e=>Promise.resolve().then(e):queueMicrotask;function ai(e){let t=e[0],n=t.length,r=Array(n);for(let e=0;e<r.length;e++)r[e]=e;r.sort((e,n)=>t[e]-t[n]);let i=[];for(let t=0;t<e.length;t++){let a=e[t],o=Array(n);for(let e=0;e<n;e++)o[e]=a[r[e]];i.push(o)}return i}function oi(e){let t=e[0][0],n=t.length;for(let r=1;r<e.length;r++){let i=e[r][0];if(i.length!=n)return!1;if(i!=t){for(let e=0;e<n;e++)if(i[e]!=t[e])return!1}}return!0}function si(e,t=100){let n=e.length;if(n<=1)return!0;let r=0,i=n-1;for(;r<=i&&e[r]==null;)r++;for(;i>=r&&e[i]==null;)i--;if(i<=r)return!0;let a=gr(1,fr((i-r+1)/t));for(let t=e[r],n=r+a;n<=i;n+=a){let r=e[n];if(r!=null){if(r<=t)return!1;t=r}}return!0}var ci=[`January`,`February`,`March`,`April`,`May`,`June`,`July`,`August`,`September`,`October`,`November`,`December`],li=[`Sunday`,`Monday`,`Tuesday`,`Wednesday`,`Thursday`,`Friday`,`Saturday`];function ui(e){return e.slice(0,3)}var di=li.map(ui),fi={MMMM:ci,MMM:ci.map(ui),WWWW:li,WWW:di};function pi(e){return(e<10?`0`:``)+e}function mi(e){return(e<10?`00`:e<100?`0`:``)+e}var hi={YYYY:e=>e.getFullYear(),YY:e=>(e.getFullYear()+``).slice(2),MMMM:(e,t)=>t.MMMM[e.getMonth()],MMM:(e,t)=>t.MMM[e.getMonth()],MM:e=>pi(e.getMonth()+1),M:e=>e.getMonth()+1,DD:e=>pi(e.getDate()),D:e=>e.getDate(),WWWW:(e,t)=>t.WWWW[e.getDay()],WWW:(e,t)=>t.WWW[e.getDay()],HH:e=>pi(e.getHours()),H:e=>e.getHours(),h:e=>{let t=e.getHours();return t==0?12:t>12?t-12:t},AA:e=>e.getHours()>=12?`PM`:`AM`,aa:e=>e.getHours()>=12?`pm`:`am`,a:e=>e.getHours()>=12?`p`:`a`,mm:e=>pi(e.getMinutes()),m:e=>e.getMinutes(),ss:e=>pi(e.getSeconds()),s:e=>e.getSeconds(),fff:e=>mi(e.getMilliseconds())};function gi(e,t){t||=fi;let n=[],r=/\{([a-z]+)\}|[^{]+/gi,i;for(;i=r.exec(e);)n.push(i[0][0]==`{`?hi[i[1]]:i[0]);return e=>{let r=``;for(let i=0;i<n.length;i++)r+=typeof n[i]==`string`?n[i]:n[i](e,t);return r}}var _i=new Intl.DateTimeFormat().resolvedOptions().timeZone,vi=e=>e%1==0,yi=[1,2,2.5,5],bi=Br(10,-32,0,yi),xi=Br(10,0,32,yi),Si=xi.filter(vi),Ci=bi.concat(xi),wi=`
`,Ti=`{YYYY}`,Ei=wi+Ti,Di=`{M}/{D}`,Oi=wi+Di,ki=Oi+`/{YY}`,Ai=`{aa}`,ji=`{h}:{mm}`+Ai,Mi=wi+ji,Ni=`:{ss}`,$=null;function Pi(e){let t=e*1e3,n=t*60,r=n*60,i=r*24,a=i*30,o=i*365,s=(e==1?Br(10,0,3,yi).filter(vi):Br(10,-3,0,yi)).concat([t,t*5,t*10,t*15,t*30,n,n*5,n*10,n*15,n*30,r,r*2,r*3,r*4,r*6,r*8,r*12,i,i*2,i*3,i*4,i*5,i*6,i*7,i*8,i*9,i*10,i*15,a,a*2,a*3,a*4,a*6,o,o*2,o*5,o*10,o*25,o*50,o*100]),c=[[o,Ti,$,$,$,$,$,$,1],[i*28,`{MMM}`,Ei,$,$,$,$,$,1],[i,Di,Ei,$,$,$,$,$,1],[r,`{h}`+Ai,ki,$,Oi,$,$,$,1],[n,ji,ki,$,Oi,$,$,$,1],[t,Ni,ki+` `+ji,$,Oi+` `+ji,$,Mi,$,1],[e,Ni+`.{fff}`,ki+` `+ji,$,Oi+` `+ji,$,Mi,$,1]];function l(t){return(s,c,l,u,d,f)=>{let p=[],m=d>=o,h=d>=a&&d<o,g=t(l),_=Q(g*e,3),v=Wi(g.getFullYear(),m?0:g.getMonth(),h||m?1:g.getDate()),y=Q(v*e,3);if(h||m){let n=h?d/a:0,r=m?d/o:0,i=_==y?_:Q(Wi(v.getFullYear()+r,v.getMonth()+n,1)*e,3),s=new Date(pr(i/e)),c=s.getFullYear(),l=s.getMonth();for(let a=0;i<=u;a++){let o=Wi(c+r*a,l+n*a,1),s=o-t(Q(o*e,3));i=Q((+o+s)*e,3),i<=u&&p.push(i)}}else{let a=d>=i?i:d,o=y+(fr(l)-fr(_))+Ir(_-y,a);p.push(o);let m=t(o),h=m.getHours()+m.getMinutes()/n+m.getSeconds()/r,g=d/r,v=f/s.axes[c]._space;for(;o=Q(o+d,e==1?0:3),!(o>u);)if(g>1){let e=fr(Q(h+g,6))%24,n=t(o).getHours()-e;n>1&&(n=-1),o-=n*r,h=(h+g)%24;let i=p[p.length-1];Q((o-i)/d,3)*v>=.7&&p.push(o)}else p.push(o)}return p}}return[s,c,l]}var[Fi,Ii,Li]=Pi(1),[Ri,zi,Bi]=Pi(.001);Br(2,-53,53,[1]);function Vi(e,t){return e.map(e=>e.map((n,r)=>r==0||r==8||n==null?n:t(r==1||e[8]==0?n:e[1]+n)))}function Hi(e,t){return(n,r,i,a,o)=>{let s=t.find(e=>o>=e[0])||t[t.length-1],c,l,u,d,f,p;return r.map(t=>{let n=e(t),r=n.getFullYear(),i=n.getMonth(),a=n.getDate(),o=n.getHours(),m=n.getMinutes(),h=n.getSeconds(),g=r!=c&&s[2]||i!=l&&s[3]||a!=u&&s[4]||o!=d&&s[5]||m!=f&&s[6]||h!=p&&s[7]||s[1];return c=r,l=i,u=a,d=o,f=m,p=h,g(n)})}}function Ui(e,t){let n=gi(t);return(t,r,i,a,o)=>r.map(t=>n(e(t)))}function Wi(e,t,n){return new Date(e,t,n)}function Gi(e,t){return t(e)}var Ki=`{YYYY}-{MM}-{DD} {h}:{mm}{aa}`;function qi(e,t){return(n,r,i,a)=>a==null?Dn:t(e(r))}function Ji(e,t){let n=e.series[t];return n.width?n.stroke(e,t):n.points.width?n.points.stroke(e,t):null}function Yi(e,t){return e.series[t].fill(e,t)}var Xi={show:!0,live:!0,isolate:!1,mount:Dr,markers:{show:!0,width:2,stroke:Ji,fill:Yi,dash:`solid`},idx:null,idxs:null,values:[]};function Zi(e,t){let n=e.cursor.points,r=Ln(),i=n.size(e,t);K(r,ln,i),K(r,un,i);let a=i/-2;K(r,`marginLeft`,a),K(r,`marginTop`,a);let o=n.width(e,t,i);return o&&K(r,`borderWidth`,o),r}function Qi(e,t){let n=e.series[t].points;return n._fill||n._stroke}function $i(e,t){let n=e.series[t].points;return n._stroke||n._fill}function ea(e,t){return e.series[t].points.size}var ta=[0,0];function na(e,t,n){return ta[0]=t,ta[1]=n,ta}function ra(e,t,n,r=!0){return e=>{e.button!=0||r&&e.target!=t||n(e)}}function ia(e,t,n,r=!0){return e=>{r&&e.target!=t||n(e)}}var aa={show:!0,x:!0,y:!0,lock:!1,move:na,points:{one:!1,show:Zi,size:ea,width:0,stroke:$i,fill:Qi},bind:{mousedown:ra,mouseup:ra,click:ra,dblclick:ra,mousemove:ia,mouseleave:ia,mouseenter:ia},drag:{setScale:!0,x:!0,y:!1,dist:0,uni:null,click:(e,t)=>{t.stopPropagation(),t.stopImmediatePropagation()},_x:!1,_y:!1},focus:{dist:(e,t,n,r,i)=>r-i,prox:-1,bias:0},hover:{skip:[void 0],prox:null,bias:0},left:-10,top:-10,idx:null,dataIdx:null,idxs:null,event:null},oa={show:!0,stroke:`rgba(0,0,0,0.07)`,width:2},sa=$r({},oa,{filter:kr}),ca=$r({},sa,{size:10}),la=$r({},oa,{show:!1}),ua=`12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Segoe UI Symbol", "Noto Color Emoji"`,da=`bold `+ua,fa=1.5,pa={show:!0,scale:`x`,stroke:hn,space:50,gap:5,alignTo:1,size:50,labelGap:0,labelSize:30,labelFont:da,side:2,grid:sa,ticks:ca,border:la,font:ua,lineGap:fa,rotate:0},ma=`Value`,ha=`Time`,ga={show:!0,scale:`x`,auto:!1,sorted:1,min:Cr,max:-1/0,idxs:[]};function _a(e,t,n,r,i){return t.map(e=>e==null?``:cr(e))}function va(e,t,n,r,i,a,o){let s=[],c=Rr.get(i)||0;n=o?n:Q(Ir(n,i),c);for(let e=n;e<=r;e=Q(e+i,c))s.push(Object.is(e,-0)?0:e);return s}function ya(e,t,n,r,i,a,o){let s=[],c=e.scales[e.axes[t].scale].log;i=_r(c,fr((c==10?yr:br)(n))),c==10&&(i=Ci[Kn(i,Ci)]);let l=n,u=i*c;c==10&&(u=Ci[Kn(u,Ci)]);do s.push(l),l+=i,c==10&&!Rr.has(l)&&(l=Q(l,Rr.get(i))),l>=u&&(i=l,u=i*c,c==10&&(u=Ci[Kn(u,Ci)]));while(l<=r);return s}function ba(e,t,n,r,i,a,o){let s=e.scales[e.axes[t].scale].asinh,c=r>s?ya(e,t,gr(s,n),r,i):[s],l=r>=0&&n<=0?[0]:[];return(n<-s?ya(e,t,gr(s,-r),-n,i):[s]).reverse().map(e=>-e).concat(l,c)}var xa=/./,Sa=/[12357]/,Ca=/[125]/,wa=/1/,Ta=(e,t,n,r)=>e.map((e,i)=>t==4&&e==0||i%r==0&&n.test(e.toExponential()[+(e<0)])?e:null);function Ea(e,t,n,r,i){let a=e.axes[n],o=a.scale,s=e.scales[o],c=e.valToPos,l=a._space,u=c(10,o),d=c(9,o)-u>=l?xa:c(7,o)-u>=l?Sa:c(5,o)-u>=l?Ca:wa;if(d==wa){let e=dr(c(1,o)-u);if(e<l)return Ta(t.slice().reverse(),s.distr,d,mr(l/e)).reverse()}return Ta(t,s.distr,d,1)}function Da(e,t,n,r,i){let a=e.axes[n],o=a.scale,s=a._space,c=e.valToPos,l=dr(c(1,o)-c(2,o));return l<s?Ta(t.slice().reverse(),3,xa,mr(s/l)).reverse():t}function Oa(e,t,n,r){return r==null?Dn:t==null?``:cr(t)}var ka={show:!0,scale:`y`,stroke:hn,space:30,gap:5,alignTo:1,size:50,labelGap:0,labelSize:30,labelFont:da,side:3,grid:sa,ticks:ca,border:la,font:ua,lineGap:fa,rotate:0};function Aa(e,t){return Q((3+(e||1)*2)*t,3)}function ja(e,t){let{scale:n,idxs:r}=e.series[0],i=e._data[0],a=e.valToPos(i[r[0]],n,!0),o=dr(e.valToPos(i[r[1]],n,!0)-a)/(e.series[t].points.space*G);return r[1]-r[0]<=o}var Ma={scale:null,auto:!0,sorted:0,min:Cr,max:-1/0},Na=(e,t,n,r,i)=>i,Pa={show:!0,auto:!0,sorted:0,gaps:Na,alpha:1,facets:[$r({},Ma,{scale:`x`}),$r({},Ma,{scale:`y`})]},Fa={scale:`y`,auto:!0,sorted:0,show:!0,spanGaps:!1,gaps:Na,alpha:1,points:{show:ja,filter:null},values:null,min:Cr,max:-1/0,idxs:[],path:null,clip:null};function Ia(e,t,n,r,i){return n/10}var La={time:Vt,auto:!0,distr:1,log:10,asinh:1,min:null,max:null,dir:1,ori:0},Ra=$r({},La,{time:!1,ori:1}),za={};function Ba(e,t){let n=za[e];return n||(n={key:e,plots:[],sub(e){n.plots.push(e)},unsub(e){n.plots=n.plots.filter(t=>t!=e)},pub(e,t,r,i,a,o,s){for(let c=0;c<n.plots.length;c++)n.plots[c]!=t&&n.plots[c].pub(e,t,r,i,a,o,s)}},e!=null&&(za[e]=n)),n}var Va=1,Ha=2;function Ua(e,t,n){let r=e.mode,i=e.series[t],a=r==2?e._data[t]:e._data,o=e.scales,s=e.bbox,c=a[0],l=r==2?a[1]:a[t],u=r==2?o[i.facets[0].scale]:o[e.series[0].scale],d=r==2?o[i.facets[1].scale]:o[i.scale],f=s.left,p=s.top,m=s.width,h=s.height,g=e.valToPosH,_=e.valToPosV;return u.ori==0?n(i,c,l,u,d,g,_,f,p,m,h,Qa,eo,no,io,oo):n(i,c,l,u,d,_,g,p,f,h,m,$a,to,ro,ao,so)}function Wa(e,t){let n=0,r=0,i=X(e.bands,Hr);for(let e=0;e<i.length;e++){let a=i[e];a.series[0]==t?n=a.dir:a.series[1]==t&&(a.dir==1?r|=1:r|=2)}return[n,r==1?-1:r==2?1:r==3?2:0]}function Ga(e,t,n,r,i){let a=e.mode,o=e.series[t],s=a==2?o.facets[1].scale:o.scale,c=e.scales[s];return i==-1?c.min:i==1?c.max:c.distr==3?c.dir==1?c.min:c.max:0}function Ka(e,t,n,r,i,a){return Ua(e,t,(e,t,o,s,c,l,u,d,f,p,m)=>{let h=e.pxRound,g=s.dir*(s.ori==0?1:-1),_=s.ori==0?eo:to,v,y;g==1?(v=n,y=r):(v=r,y=n);let b=h(l(t[v],s,p,d)),x=h(u(o[v],c,m,f)),S=h(l(t[y],s,p,d)),C=h(u(a==1?c.max:c.min,c,m,f)),w=new Path2D(i);return _(w,S,C),_(w,b,C),_(w,b,x),w})}function qa(e,t,n,r,i,a){let o=null;if(e.length>0){o=new Path2D;let s=t==0?no:ro,c=n;for(let t=0;t<e.length;t++){let n=e[t];if(n[1]>n[0]){let e=n[0]-c;e>0&&s(o,c,r,e,r+a),c=n[1]}}let l=n+i-c;l>0&&s(o,c,r-5,l,r+a+10)}return o}function Ja(e,t,n){let r=e[e.length-1];r&&r[0]==t?r[1]=n:e.push([t,n])}function Ya(e,t,n,r,i,a,o){let s=[],c=e.length;for(let l=i==1?n:r;l>=n&&l<=r;l+=i)if(t[l]===null){let u=l,d=l;if(i==1)for(;++l<=r&&t[l]===null;)d=l;else for(;--l>=n&&t[l]===null;)d=l;let f=a(e[u]),p=d==u?f:a(e[d]),m=u-i;f=o<=0&&m>=0&&m<c?a(e[m]):f;let h=d+i;p=o>=0&&h>=0&&h<c?a(e[h]):p,p>=f&&s.push([f,p])}return s}function Xa(e){return e==0?Or:e==1?pr:t=>Fr(t,e)}function Za(e){let t=e==0?Qa:$a,n=e==0?(e,t,n,r,i,a)=>{e.arcTo(t,n,r,i,a)}:(e,t,n,r,i,a)=>{e.arcTo(n,t,i,r,a)},r=e==0?(e,t,n,r,i)=>{e.rect(t,n,r,i)}:(e,t,n,r,i)=>{e.rect(n,t,i,r)};return(e,i,a,o,s,c=0,l=0)=>{c==0&&l==0?r(e,i,a,o,s):(c=hr(c,o/2,s/2),l=hr(l,o/2,s/2),t(e,i+c,a),n(e,i+o,a,i+o,a+s,c),n(e,i+o,a+s,i,a+s,l),n(e,i,a+s,i,a,l),n(e,i,a,i+o,a,c),e.closePath())}}var Qa=(e,t,n)=>{e.moveTo(t,n)},$a=(e,t,n)=>{e.moveTo(n,t)},eo=(e,t,n)=>{e.lineTo(t,n)},to=(e,t,n)=>{e.lineTo(n,t)},no=Za(0),ro=Za(1),io=(e,t,n,r,i,a)=>{e.arc(t,n,r,i,a)},ao=(e,t,n,r,i,a)=>{e.arc(n,t,r,i,a)},oo=(e,t,n,r,i,a,o)=>{e.bezierCurveTo(t,n,r,i,a,o)},so=(e,t,n,r,i,a,o)=>{e.bezierCurveTo(n,t,i,r,o,a)};function co(e){return(e,t,n,r,i)=>Ua(e,t,(t,a,o,s,c,l,u,d,f,p,m)=>{let{pxRound:h,points:g}=t,_,v;s.ori==0?(_=Qa,v=io):(_=$a,v=ao);let y=Q(g.width*G,3),b=(g.size-g.width)/2*G,x=Q(b*2,3),S=new Path2D,C=new Path2D,{left:w,top:T,width:E,height:D}=e.bbox;no(C,w-x,T-x,E+x*2,D+x*2);let O=e=>{if(o[e]!=null){let t=h(l(a[e],s,p,d)),n=h(u(o[e],c,m,f));_(S,t+b,n),v(S,t,n,b,0,ur*2)}};if(i)i.forEach(O);else for(let e=n;e<=r;e++)O(e);return{stroke:y>0?S:null,fill:S,clip:C,flags:3}})}function lo(e){return(t,n,r,i,a,o)=>{r!=i&&(a!=r&&o!=r&&e(t,n,r),a!=i&&o!=i&&e(t,n,i),e(t,n,o))}}var uo=lo(eo),fo=lo(to);function po(e){let t=X(e?.alignGaps,0);return(e,n,r,i)=>Ua(e,n,(a,o,s,c,l,u,d,f,p,m,h)=>{[r,i]=Xn(s,r,i);let g=a.pxRound,_=e=>g(u(e,c,m,f)),v=e=>g(d(e,l,h,p)),y,b;c.ori==0?(y=eo,b=uo):(y=to,b=fo);let x=c.dir*(c.ori==0?1:-1),S={stroke:new Path2D,fill:null,clip:null,band:null,gaps:null,flags:Va},C=S.stroke,w=!1;if(i-r>=m*4){let t=t=>e.posToVal(t,c.key,!0),n=null,a=null,l,u,d,f=_(o[x==1?r:i]),p=_(o[r]),m=_(o[i]),h=t(x==1?p+1:m-1);for(let e=x==1?r:i;e>=r&&e<=i;e+=x){let r=o[e],i=(x==1?r<h:r>h)?f:_(r),c=s[e];i==f?c==null?c===null&&(w=!0):(u=c,n==null?(y(C,i,v(u)),l=n=a=u):u<n?n=u:u>a&&(a=u)):(n!=null&&b(C,f,v(n),v(a),v(l),v(u)),c==null?(n=a=null,c===null&&(w=!0)):(u=c,y(C,i,v(u)),n=a=l=u),f=i,h=t(f+x))}n!=null&&n!=a&&d!=f&&b(C,f,v(n),v(a),v(l),v(u))}else for(let e=x==1?r:i;e>=r&&e<=i;e+=x){let t=s[e];t===null?w=!0:t!=null&&y(C,_(o[e]),v(t))}let[T,E]=Wa(e,n);if(a.fill!=null||T!=0){let t=S.fill=new Path2D(C),s=v(a.fillTo(e,n,a.min,a.max,T)),c=_(o[r]),l=_(o[i]);x==-1&&([l,c]=[c,l]),y(t,l,s),y(t,c,s)}if(!a.spanGaps){let l=[];w&&l.push(...Ya(o,s,r,i,x,_,t)),S.gaps=l=a.gaps(e,n,r,i,l),S.clip=qa(l,c.ori,f,p,m,h)}return E!=0&&(S.band=E==2?[Ka(e,n,r,i,C,-1),Ka(e,n,r,i,C,1)]:Ka(e,n,r,i,C,E)),S})}function mo(e){let t=X(e.align,1),n=X(e.ascDesc,!1),r=X(e.alignGaps,0),i=X(e.extend,!1);return(e,a,o,s)=>Ua(e,a,(c,l,u,d,f,p,m,h,g,_,v)=>{[o,s]=Xn(u,o,s);let y=c.pxRound,{left:b,width:x}=e.bbox,S=e=>y(p(e,d,_,h)),C=e=>y(m(e,f,v,g)),w=d.ori==0?eo:to,T={stroke:new Path2D,fill:null,clip:null,band:null,gaps:null,flags:Va},E=T.stroke,D=d.dir*(d.ori==0?1:-1),O=C(u[D==1?o:s]),k=S(l[D==1?o:s]),A=k,j=k;i&&t==-1&&(j=b,w(E,j,O)),w(E,k,O);for(let e=D==1?o:s;e>=o&&e<=s;e+=D){let n=u[e];if(n==null)continue;let r=S(l[e]),i=C(n);t==1?w(E,r,O):w(E,A,i),w(E,r,i),O=i,A=r}let ee=A;i&&t==1&&(ee=b+x,w(E,ee,O));let[te,ne]=Wa(e,a);if(c.fill!=null||te!=0){let t=T.fill=new Path2D(E),n=C(c.fillTo(e,a,c.min,c.max,te));w(t,ee,n),w(t,j,n)}if(!c.spanGaps){let i=[];i.push(...Ya(l,u,o,s,D,S,r));let f=c.width*G/2,p=n||t==1?f:-f,m=n||t==-1?-f:f;i.forEach(e=>{e[0]+=p,e[1]+=m}),T.gaps=i=c.gaps(e,a,o,s,i),T.clip=qa(i,d.ori,h,g,_,v)}return ne!=0&&(T.band=ne==2?[Ka(e,a,o,s,E,-1),Ka(e,a,o,s,E,1)]:Ka(e,a,o,s,E,ne)),T})}function ho(e,t,n,r,i,a,o=Cr){if(e.length>1){let s=null;for(let c=0,l=1/0;c<e.length;c++)if(t[c]!==void 0){if(s!=null){let t=dr(e[c]-e[s]);t<l&&(l=t,o=dr(n(e[c],r,i,a)-n(e[s],r,i,a)))}s=c}}return o}function go(e){e||=Vr;let t=X(e.size,[.6,Cr,1]),n=e.align||0,r=e.gap||0,i=e.radius;i=i==null?[0,0]:typeof i==`number`?[i,0]:i;let a=Z(i),o=1-t[0],s=X(t[1],Cr),c=X(t[2],1),l=X(e.disp,Vr),u=X(e.each,e=>{}),{fill:d,stroke:f}=l;return(e,t,i,p)=>Ua(e,t,(m,h,g,_,v,y,b,x,S,C,w)=>{let T=m.pxRound,E=n,D=r*G,O=s*G,k=c*G,A,j;_.ori==0?[A,j]=a(e,t):[j,A]=a(e,t);let ee=_.dir*(_.ori==0?1:-1),te=_.ori==0?no:ro,ne=_.ori==0?u:(e,t,n,r,i,a,o)=>{u(e,t,n,i,r,o,a)},re=X(e.bands,Hr).find(e=>e.series[0]==t),ie=re==null?0:re.dir,ae=m.fillTo(e,t,m.min,m.max,ie),M=T(b(ae,v,w,S)),N,oe,P,F=C,I=T(m.width*G),se=!1,ce=null,le=null,ue=null,de=null;d!=null&&(I==0||f!=null)&&(se=!0,ce=d.values(e,t,i,p),le=new Map,new Set(ce).forEach(e=>{e!=null&&le.set(e,new Path2D)}),I>0&&(ue=f.values(e,t,i,p),de=new Map,new Set(ue).forEach(e=>{e!=null&&de.set(e,new Path2D)})));let{x0:fe,size:L}=l;if(fe!=null&&L!=null){E=1,h=fe.values(e,t,i,p),fe.unit==2&&(h=h.map(t=>e.posToVal(x+t*C,_.key,!0)));let n=L.values(e,t,i,p);oe=L.unit==2?n[0]*C:y(n[0],_,C,x)-y(0,_,C,x),F=ho(h,g,y,_,C,x,F),P=F-oe+D}else F=ho(h,g,y,_,C,x,F),P=F*o+D,oe=F-P;P<1&&(P=0),I>=oe/2&&(I=0),P<5&&(T=Or);let pe=P>0,me=F-P-(pe?I:0);oe=T(Tr(me,k,O)),N=(E==0?oe/2:E==ee?0:oe)-E*ee*((E==0?D/2:0)+(pe?I/2:0));let he={stroke:null,fill:null,clip:null,band:null,gaps:null,flags:0},ge=se?null:new Path2D,_e=null;if(re!=null)_e=e.data[re.series[1]];else{let{y0:n,y1:r}=l;n!=null&&r!=null&&(g=r.values(e,t,i,p),_e=n.values(e,t,i,p))}let ve=A*oe,ye=j*oe;for(let n=ee==1?i:p;n>=i&&n<=p;n+=ee){let r=g[n];if(r==null)continue;if(_e!=null){let e=_e[n]??0;if(r-e==0)continue;M=b(e,v,w,S)}let i=y(_.distr!=2||l!=null?h[n]:n,_,C,x),a=b(X(r,ae),v,w,S),o=T(i-N),s=T(gr(a,M)),c=T(hr(a,M)),u=s-c;if(r!=null){let i=r<0?ye:ve,a=r<0?ve:ye;se?(I>0&&ue[n]!=null&&te(de.get(ue[n]),o,c+fr(I/2),oe,gr(0,u-I),i,a),ce[n]!=null&&te(le.get(ce[n]),o,c+fr(I/2),oe,gr(0,u-I),i,a)):te(ge,o,c+fr(I/2),oe,gr(0,u-I),i,a),ne(e,t,n,o-I/2,c,oe+I,u)}}return I>0?he.stroke=se?de:ge:se||(he._fill=m.width==0?m._fill:m._stroke??m._fill,he.width=0),he.fill=se?le:ge,he})}function _o(e,t){let n=X(t?.alignGaps,0);return(t,r,i,a)=>Ua(t,r,(o,s,c,l,u,d,f,p,m,h,g)=>{[i,a]=Xn(c,i,a);let _=o.pxRound,v=e=>_(d(e,l,h,p)),y=e=>_(f(e,u,g,m)),b,x,S;l.ori==0?(b=Qa,S=eo,x=oo):(b=$a,S=to,x=so);let C=l.dir*(l.ori==0?1:-1),w=v(s[C==1?i:a]),T=w,E=[],D=[];for(let e=C==1?i:a;e>=i&&e<=a;e+=C)if(c[e]!=null){let t=v(s[e]);E.push(T=t),D.push(y(c[e]))}let O={stroke:e(E,D,b,S,x,_),fill:null,clip:null,band:null,gaps:null,flags:Va},k=O.stroke,[A,j]=Wa(t,r);if(o.fill!=null||A!=0){let e=O.fill=new Path2D(k),n=y(o.fillTo(t,r,o.min,o.max,A));S(e,T,n),S(e,w,n)}if(!o.spanGaps){let e=[];e.push(...Ya(s,c,i,a,C,v,n)),O.gaps=e=o.gaps(t,r,i,a,e),O.clip=qa(e,l.ori,p,m,h,g)}return j!=0&&(O.band=j==2?[Ka(t,r,i,a,k,-1),Ka(t,r,i,a,k,1)]:Ka(t,r,i,a,k,j)),O})}function vo(e){return _o(yo,e)}function yo(e,t,n,r,i,a){let o=e.length;if(o<2)return null;let s=new Path2D;if(n(s,e[0],t[0]),o==2)r(s,e[1],t[1]);else{let n=Array(o),r=Array(o-1),a=Array(o-1),c=Array(o-1);for(let n=0;n<o-1;n++)a[n]=t[n+1]-t[n],c[n]=e[n+1]-e[n],r[n]=a[n]/c[n];n[0]=r[0];for(let e=1;e<o-1;e++)r[e]===0||r[e-1]===0||r[e-1]>0!=r[e]>0?n[e]=0:(n[e]=3*(c[e-1]+c[e])/((2*c[e]+c[e-1])/r[e-1]+(c[e]+2*c[e-1])/r[e]),isFinite(n[e])||(n[e]=0));n[o-1]=r[o-2];for(let r=0;r<o-1;r++)i(s,e[r]+c[r]/3,t[r]+n[r]*c[r]/3,e[r+1]-c[r]/3,t[r+1]-n[r+1]*c[r]/3,e[r+1],t[r+1])}return s}var bo=new Set;function xo(){for(let e of bo)e.syncRect(!0)}On&&(Wn(Cn,An,xo),Wn(wn,An,xo,!0),Wn(En,An,()=>{Lo.pxRatio=G}));var So=po(),Co=co();function wo(e,t,n,r){return(r?[e[0],e[1]].concat(e.slice(2)):[e[0]].concat(e.slice(1))).map((e,r)=>Eo(e,r,t,n))}function To(e,t){return e.map((e,n)=>n==0?{}:$r({},t,e))}function Eo(e,t,n,r){return $r({},t==0?n:r,e)}function Do(e,t,n){return t==null?Ur:[t,n]}var Oo=Do;function ko(e,t,n){return t==null?Ur:ir(t,n,er,!0)}function Ao(e,t,n,r){return t==null?Ur:Qn(t,n,e.scales[r].log,!1)}var jo=Ao;function Mo(e,t,n,r){return t==null?Ur:$n(t,n,e.scales[r].log,!1)}var No=Mo;function Po(e,t,n,r,i){let a=gr(wr(e),wr(t)),o=t-e,s=Kn(i/r*o,n);do{let e=n[s],t=r*e/o;if(t>=i&&a+(e<5?Rr.get(e):0)<=17)return[e,t]}while(++s<n.length);return[0,0]}function Fo(e){let t,n;return e=e.replace(/(\d+)px/,(e,r)=>(t=pr((n=+r)*G))+`px`),[e,t,n]}function Io(e){e.show&&[e.font,e.labelFont].forEach(e=>{let t=Q(e[2]*G,1);e[0]=e[0].replace(/[0-9.]+px/,t+`px`),e[1]=t})}function Lo(e,t,n){let r={mode:X(e.mode,1)},i=r.mode;function a(e,t,n,r){let i=t.valToPct(e);return r+n*(t.dir==-1?1-i:i)}function o(e,t,n,r){let i=t.valToPct(e);return r+n*(t.dir==-1?i:1-i)}function s(e,t,n,r){return t.ori==0?a(e,t,n,r):o(e,t,n,r)}r.valToPosH=a,r.valToPosV=o;let c=!1;r.status=0;let l=r.root=Ln(Ht);if(e.id!=null&&(l.id=e.id),Pn(l,e.class),e.title){let t=Ln(Gt,l);t.textContent=e.title}let u=In(`canvas`),d=r.ctx=u.getContext(`2d`),f=Ln(Kt,l);Wn(`click`,f,e=>{e.target===m&&(q!=Nn||J!=Rn)&&Jn.click(r,e)},!0);let p=r.under=Ln(qt,f);f.appendChild(u);let m=r.over=Ln(Jt,f);e=Qr(e);let h=+X(e.pxAlign,1),g=Xa(h);(e.plugins||[]).forEach(t=>{t.opts&&(e=t.opts(r,e)||e)});let _=e.ms||.001,v=r.series=i==1?wo(e.series||[],ga,Fa,!1):To(e.series||[null],Pa),y=r.axes=wo(e.axes||[],pa,ka,!0),b=r.scales={},x=r.bands=e.bands||[];x.forEach(e=>{e.fill=Z(e.fill||null),e.dir=X(e.dir,-1)});let S=i==2?v[1].facets[0].scale:v[0].scale,C={axes:Pt,series:H},w=(e.drawOrder||[`axes`,`series`]).map(e=>C[e]);function T(e){let t=e.distr==3?t=>yr(t>0?t:e.clamp(r,t,e.min,e.max,e.key)):e.distr==4?t=>Sr(t,e.asinh):e.distr==100?t=>e.fwd(t):e=>e;return n=>{let r=t(n),{_min:i,_max:a}=e,o=a-i;return(r-i)/o}}function E(t){let n=b[t];if(n==null){let r=(e.scales||Vr)[t]||Vr;if(r.from!=null){E(r.from);let e=$r({},b[r.from],r,{key:t});e.valToPct=T(e),b[t]=e}else{n=b[t]=$r({},t==S?La:Ra,r),n.key=t;let e=n.time,a=n.range,o=Wr(a);if((t!=S||i==2&&!e)&&(o&&(a[0]==null||a[1]==null)&&(a={min:a[0]==null?tr:{mode:1,hard:a[0],soft:a[0]},max:a[1]==null?tr:{mode:1,hard:a[1],soft:a[1]}},o=!1),!o&&Jr(a))){let e=a;a=(t,n,r)=>n==null?Ur:ir(n,r,e)}n.range=Z(a||(e?Oo:t==S?n.distr==3?jo:n.distr==4?No:Do:n.distr==3?Ao:n.distr==4?Mo:ko)),n.auto=Z(!o&&n.auto),n.clamp=Z(n.clamp||Ia),n._min=n._max=null,n.valToPct=T(n)}}}E(`x`),E(`y`),i==1&&v.forEach(e=>{E(e.scale)}),y.forEach(e=>{E(e.scale)});for(let t in e.scales)E(t);let D=b[S],O=D.distr,k,A;D.ori==0?(Pn(l,Ut),k=a,A=o):(Pn(l,Wt),k=o,A=a);let j={};for(let e in b){let t=b[e];(t.min!=null||t.max!=null)&&(j[e]={min:t.min,max:t.max},t.min=t.max=null)}let ee=e.tzDate||(e=>new Date(pr(e/_))),te=e.fmtDate||gi,ne=_==1?Li(ee):Bi(ee),re=Hi(ee,Vi(_==1?Ii:zi,te)),ie=qi(ee,Gi(Ki,te)),ae=[],M=r.legend=$r({},Xi,e.legend),N=r.cursor=$r({},aa,{drag:{y:i==2}},e.cursor),oe=M.show,P=N.show,F=M.markers;M.idxs=ae,F.width=Z(F.width),F.dash=Z(F.dash),F.stroke=Z(F.stroke),F.fill=Z(F.fill);let I,se,ce,le=[],ue=[],de,fe=!1,L={};if(M.live){let e=v[1]?v[1].values:null;fe=e!=null,de=fe?e(r,1,0):{_:0};for(let e in de)L[e]=Dn}if(oe){if(I=In(`table`,tn,l),ce=In(`tbody`,null,I),M.mount(r,I),fe){se=In(`thead`,null,I,ce);let e=In(`tr`,null,se);for(var pe in In(`th`,null,e),de)In(`th`,sn,e).textContent=pe}else Pn(I,rn),M.live&&Pn(I,nn)}let me={show:!0},he={show:!1};function ge(e,t){if(t==0&&(fe||!M.live||i==2))return Ur;let n=[],a=In(`tr`,an,ce,ce.childNodes[t]);Pn(a,e.class),e.show||Pn(a,Xt);let o=In(`th`,null,a);if(F.show){let e=Ln(on,o);if(t>0){let n=F.width(r,t);n&&(e.style.border=n+`px `+F.dash(r,t)+` `+F.stroke(r,t)),e.style.background=F.fill(r,t)}}let s=Ln(sn,o);for(var c in e.label instanceof HTMLElement?s.appendChild(e.label):s.textContent=e.label,t>0&&(F.show||(s.style.color=e.width>0?F.stroke(r,t):F.fill(r,t)),ve(`click`,o,t=>{if(N._lock)return;He(t);let n=v.indexOf(e);if((t.ctrlKey||t.metaKey)!=M.isolate){let e=v.some((e,t)=>t>0&&t!=n&&e.show);v.forEach((t,r)=>{r>0&&cr(r,e?r==n?me:he:me,!0,xi.setSeries)})}else cr(n,{show:!e.show},!0,xi.setSeries)},!1),Ge&&ve(bn,o,t=>{N._lock||(He(t),cr(v.indexOf(e),wr,!0,xi.setSeries))},!1)),de){let e=In(`td`,cn,a);e.textContent=`--`,n.push(e)}return[a,n]}let _e=new Map;function ve(e,t,n,i=!0){let a=_e.get(t)||{},o=N.bind[e](r,t,n,i);o&&(Wn(e,t,a[e]=o),_e.set(t,a))}function ye(e,t,n){let r=_e.get(t)||{};for(let n in r)(e==null||n==e)&&(Gn(n,t,r[n]),delete r[n]);e??_e.delete(t)}let R=0,be=0,z=0,B=0,xe=0,Se=0,Ce=xe,we=Se,Te=z,Ee=B,De=0,Oe=0,ke=0,Ae=0;r.bbox={};let je=!1,Me=!1,Ne=!1,Pe=!1,Fe=!1,Ie=!1;function Le(e,t,n){(n||e!=r.width||t!=r.height)&&Re(e,t),Ft(!1),Ne=!0,Me=!0,Bt()}function Re(e,t){r.width=R=z=e,r.height=be=B=t,xe=Se=0,Be(),Ve();let n=r.bbox;De=n.left=Fr(xe*G,.5),Oe=n.top=Fr(Se*G,.5),ke=n.width=Fr(z*G,.5),Ae=n.height=Fr(B*G,.5)}function ze(){let e=!1,t=0;for(;!e;){t++;let n=Mt(t),i=Nt(t);e=t==3||n&&i,e||(Re(r.width,r.height),Me=!0)}}r.setSize=function({width:e,height:t}){Le(e,t)};function Be(){let e=!1,t=!1,n=!1,r=!1;y.forEach((i,a)=>{if(i.show&&i._show){let{side:a,_size:o}=i,s=a%2,c=o+(i.label==null?0:i.labelSize);c>0&&(s?(z-=c,a==3?(xe+=c,r=!0):n=!0):(B-=c,a==0?(Se+=c,e=!0):t=!0))}}),Qe[0]=e,Qe[1]=n,Qe[2]=t,Qe[3]=r,z-=tt[1]+tt[3],xe+=tt[3],B-=tt[2]+tt[0],Se+=tt[0]}function Ve(){let e=xe+z,t=Se+B,n=xe,r=Se;function i(i,a){switch(i){case 1:return e+=a,e-a;case 2:return t+=a,t-a;case 3:return n-=a,n+a;case 0:return r-=a,r+a}}y.forEach((e,t)=>{if(e.show&&e._show){let t=e.side;e._pos=i(t,e._size),e.label!=null&&(e._lpos=i(t,e.labelSize))}})}if(N.dataIdx==null){let e=N.hover,n=e.skip=new Set(e.skip??[]);n.add(void 0);let r=e.prox=Z(e.prox),i=e.bias??=0;N.dataIdx=(e,a,o,s)=>{if(a==0)return o;let c=o,l=r(e,a,o,s)??Cr,u=l>=0&&l<Cr,d=D.ori==0?z:B,f=N.left,p=t[0],m=t[a];if(n.has(m[o])){c=null;let e=null,t=null,r;if(i==0||i==-1)for(r=o;e==null&&r-->0;)n.has(m[r])||(e=r);if(i==0||i==1)for(r=o;t==null&&r++<m.length;)n.has(m[r])||(t=r);if(e!=null||t!=null){if(u){let n=e==null?-1/0:k(p[e],D,d,0),r=t==null?1/0:k(p[t],D,d,0),i=f-n,a=r-f;i<=a?i<=l&&(c=e):a<=l&&(c=t)}else c=t==null?e:e==null?t:o-e<=t-o?e:t}}else u&&dr(f-k(p[o],D,d,0))>l&&(c=null);return c}}let He=e=>{N.event=e};N.idxs=ae,N._lock=!1;let Ue=N.points;Ue.show=Z(Ue.show),Ue.size=Z(Ue.size),Ue.stroke=Z(Ue.stroke),Ue.width=Z(Ue.width),Ue.fill=Z(Ue.fill);let We=r.focus=$r({},e.focus||{alpha:.3},N.focus),Ge=We.prox>=0,Ke=Ge&&Ue.one,qe=[],Je=[],Ye=[];function Xe(e,t){let n=Ue.show(r,t);if(n instanceof HTMLElement)return Pn(n,en),Pn(n,e.class),zn(n,-10,-10,z,B),m.insertBefore(n,qe[t]),n}function Ze(e,t){if(i==1||t>0){let t=i==1&&b[e.scale].time,n=e.value;e.value=t?qr(n)?qi(ee,Gi(n,te)):n||ie:n||Oa,e.label=e.label||(t?ha:ma)}if(Ke||t>0){e.width=e.width==null?1:e.width,e.paths=e.paths||So||Ar,e.fillTo=Z(e.fillTo||Ga),e.pxAlign=+X(e.pxAlign,h),e.pxRound=Xa(e.pxAlign),e.stroke=Z(e.stroke||null),e.fill=Z(e.fill||null),e._stroke=e._fill=e._paths=e._focus=null;let t=Aa(gr(1,e.width),1),n=e.points=$r({},{size:t,width:gr(1,t*.2),stroke:e.stroke,space:t*2,paths:Co,_stroke:null,_fill:null},e.points);n.show=Z(n.show),n.filter=Z(n.filter),n.fill=Z(n.fill),n.stroke=Z(n.stroke),n.paths=Z(n.paths),n.pxAlign=e.pxAlign}if(oe){let n=ge(e,t);le.splice(t,0,n[0]),ue.splice(t,0,n[1]),M.values.push(null)}if(P){ae.splice(t,0,null);let n=null;Ke?t==0&&(n=Xe(e,t)):t>0&&(n=Xe(e,t)),qe.splice(t,0,n),Je.splice(t,0,0),Ye.splice(t,0,0)}yi(`addSeries`,t)}r.addSeries=function(e,t){t??=v.length,e=i==1?Eo(e,t,ga,Fa):Eo(e,t,{},Pa),v.splice(t,0,e),Ze(v[t],t)},r.delSeries=function(e){if(v.splice(e,1),oe){M.values.splice(e,1),ue.splice(e,1);let t=le.splice(e,1)[0];ye(null,t.firstChild),t.remove()}P&&(ae.splice(e,1),qe.splice(e,1)[0].remove(),Je.splice(e,1),Ye.splice(e,1)),yi(`delSeries`,e)};let Qe=[!1,!1,!1,!1];function $e(e,t){if(e._show=e.show,e.show){let n=e.side%2,i=b[e.scale];i??=(e.scale=n?v[1].scale:S,b[e.scale]);let a=i.time;e.size=Z(e.size),e.space=Z(e.space),e.rotate=Z(e.rotate),Wr(e.incrs)&&e.incrs.forEach(e=>{!Rr.has(e)&&Rr.set(e,zr(e))}),e.incrs=Z(e.incrs||(i.distr==2?Si:a?_==1?Fi:Ri:Ci)),e.splits=Z(e.splits||(a&&i.distr==1?ne:i.distr==3?ya:i.distr==4?ba:va)),e.stroke=Z(e.stroke),e.grid.stroke=Z(e.grid.stroke),e.ticks.stroke=Z(e.ticks.stroke),e.border.stroke=Z(e.border.stroke);let o=e.values;e.values=Wr(o)&&!Wr(o[0])?Z(o):a?Wr(o)?Hi(ee,Vi(o,te)):qr(o)?Ui(ee,o):o||re:o||_a,e.filter=Z(e.filter||(i.distr>=3&&i.log==10?Ea:i.distr==3&&i.log==2?Da:kr)),e.font=Fo(e.font),e.labelFont=Fo(e.labelFont),e._size=e.size(r,null,t,0),e._space=e._rotate=e._incrs=e._found=e._splits=e._values=null,e._size>0&&(Qe[t]=!0,e._el=Ln(Yt,f))}}function V(e,t,n,r){let[i,a,o,s]=n,c=t%2,l=0;return c==0&&(s||a)&&(l=t==0&&!i||t==2&&!o?pr(pa.size/3):0),c==1&&(i||o)&&(l=t==1&&!a||t==3&&!s?pr(ka.size/2):0),l}let et=r.padding=(e.padding||[V,V,V,V]).map(e=>Z(X(e,V))),tt=r._padding=et.map((e,t)=>e(r,t,Qe,0)),nt,rt=null,it=null,at=i==1?v[0].idxs:null,ot=null,st=!1;function ct(e,n){if(t=e??[],r.data=r._data=t,i==2){nt=0;for(let e=1;e<v.length;e++)nt+=t[e][0].length}else{t.length==0&&(r.data=r._data=t=[[]]),ot=t[0],nt=ot.length;let e=t;if(O==2){e=t.slice();let n=e[0]=Array(nt);for(let e=0;e<nt;e++)n[e]=e}r._data=t=e}if(Ft(!0),yi(`setData`),O==2&&(Ne=!0),n!==!1){let e=D;e.auto(r,st)?lt():sr(S,e.min,e.max),Pe||=N.left>=0,Ie=!0,Bt()}}r.setData=ct;function lt(){st=!0;let e,n;i==1&&(nt>0?(rt=at[0]=0,it=at[1]=nt-1,e=t[0][rt],n=t[0][it],O==2?(e=rt,n=it):e==n&&(O==3?[e,n]=Qn(e,e,D.log,!1):O==4?[e,n]=$n(e,e,D.log,!1):D.time?n=e+pr(86400/_):[e,n]=ir(e,n,er,!0))):(rt=at[0]=e=null,it=at[1]=n=null)),sr(S,e,n)}let ut,dt,ft,pt,mt,ht,gt,_t,vt,yt;function bt(e,t,n,r,i,a){e??=gn,n??=Hr,r??=`butt`,i??=gn,a??=`round`,e!=ut&&(d.strokeStyle=ut=e),i!=dt&&(d.fillStyle=dt=i),t!=ft&&(d.lineWidth=ft=t),a!=mt&&(d.lineJoin=mt=a),r!=ht&&(d.lineCap=ht=r),n!=pt&&d.setLineDash(pt=n)}function xt(e,t,n,r){t!=dt&&(d.fillStyle=dt=t),e!=gt&&(d.font=gt=e),n!=_t&&(d.textAlign=_t=n),r!=vt&&(d.textBaseline=vt=r)}function St(e,t,n,i,a=0){if(i.length>0&&e.auto(r,st)&&(t==null||t.min==null)){let t=X(rt,0),r=X(it,i.length-1),o=n.min==null?Zn(i,t,r,a,e.distr==3):[n.min,n.max];e.min=hr(e.min,n.min=o[0]),e.max=gr(e.max,n.max=o[1])}}let Ct={min:null,max:null};function wt(){for(let e in b){let t=b[e];j[e]==null&&(t.min==null||j[S]!=null&&t.auto(r,st))&&(j[e]=Ct)}for(let e in b){let t=b[e];j[e]==null&&t.from!=null&&j[t.from]!=null&&(j[e]=Ct)}j[S]!=null&&Ft(!0);let e={};for(let t in j){let n=j[t];if(n!=null){let a=e[t]=Qr(b[t],Yr);if(n.min!=null)$r(a,n);else if(t!=S||i==2){if(nt==0&&a.from==null){let e=a.range(r,null,null,t);a.min=e[0],a.max=e[1]}else a.min=Cr,a.max=-1/0}}}if(nt>0){v.forEach((n,a)=>{if(i==1){let i=n.scale,o=j[i];if(o==null)return;let s=e[i];if(a==0){let e=s.range(r,s.min,s.max,i);s.min=e[0],s.max=e[1],rt=Kn(s.min,t[0]),it=Kn(s.max,t[0]),it-rt>1&&(t[0][rt]<s.min&&rt++,t[0][it]>s.max&&it--),n.min=ot[rt],n.max=ot[it]}else n.show&&n.auto&&St(s,o,n,t[a],n.sorted);n.idxs[0]=rt,n.idxs[1]=it}else if(a>0&&n.show&&n.auto){let[r,i]=n.facets,o=r.scale,s=i.scale,[c,l]=t[a],u=e[o],d=e[s];u!=null&&St(u,j[o],r,c,r.sorted),d!=null&&St(d,j[s],i,l,i.sorted),n.min=i.min,n.max=i.max}});for(let t in e){let n=e[t],i=j[t];if(n.from==null&&(i==null||i.min==null)){let e=n.range(r,n.min==Cr?null:n.min,n.max==-1/0?null:n.max,t);n.min=e[0],n.max=e[1]}}}for(let t in e){let n=e[t];if(n.from!=null){let i=e[n.from];if(i.min==null)n.min=n.max=null;else{let e=n.range(r,i.min,i.max,t);n.min=e[0],n.max=e[1]}}}let n={},a=!1;for(let t in e){let r=e[t],i=b[t];if(i.min!=r.min||i.max!=r.max){i.min=r.min,i.max=r.max;let e=i.distr;i._min=e==3?yr(i.min):e==4?Sr(i.min,i.asinh):e==100?i.fwd(i.min):i.min,i._max=e==3?yr(i.max):e==4?Sr(i.max,i.asinh):e==100?i.fwd(i.max):i.max,n[t]=a=!0}}if(a){v.forEach((e,t)=>{i==2?t>0&&n.y&&(e._paths=null):n[e.scale]&&(e._paths=null)});for(let e in n)Ne=!0,yi(`setScale`,e);P&&N.left>=0&&(Pe=Ie=!0)}for(let e in j)j[e]=null}function Tt(e){let t=Tr(rt-1,0,nt-1),n=Tr(it+1,0,nt-1);for(;e[t]==null&&t>0;)t--;for(;e[n]==null&&n<nt-1;)n++;return[t,n]}function H(){if(nt>0){let e=v.some(e=>e._focus)&&yt!=We.alpha;e&&(d.globalAlpha=yt=We.alpha),v.forEach((e,n)=>{if(n>0&&e.show&&(Et(n,!1),Et(n,!0),e._paths==null)){let a=yt;yt!=e.alpha&&(d.globalAlpha=yt=e.alpha);let o=i==2?[0,t[n][0].length-1]:Tt(t[n]);e._paths=e.paths(r,n,o[0],o[1]),yt!=a&&(d.globalAlpha=yt=a)}}),v.forEach((e,t)=>{if(t>0&&e.show){let n=yt;yt!=e.alpha&&(d.globalAlpha=yt=e.alpha),e._paths!=null&&Dt(t,!1);{let n=e._paths==null?null:e._paths.gaps,i=e.points.show(r,t,rt,it,n),a=e.points.filter(r,t,i,n);(i||a)&&(e.points._paths=e.points.paths(r,t,rt,it,a),Dt(t,!0))}yt!=n&&(d.globalAlpha=yt=n),yi(`drawSeries`,t)}}),e&&(d.globalAlpha=yt=1)}}function Et(e,t){let n=t?v[e].points:v[e];n._stroke=n.stroke(r,e),n._fill=n.fill(r,e)}function Dt(e,t){let n=t?v[e].points:v[e],{stroke:r,fill:i,clip:a,flags:o,_stroke:s=n._stroke,_fill:c=n._fill,_width:l=n.width}=n._paths;l=Q(l*G,3);let u=null,f=l%2/2;t&&c==null&&(c=l>0?`#fff`:s);let p=n.pxAlign==1&&f>0;if(p&&d.translate(f,f),!t){let e=De-l/2,t=Oe-l/2,n=ke+l,r=Ae+l;u=new Path2D,u.rect(e,t,n,r)}t?U(s,l,n.dash,n.cap,c,r,i,o,a):Ot(e,s,l,n.dash,n.cap,c,r,i,o,u,a),p&&d.translate(-f,-f)}function Ot(e,n,i,a,o,s,c,l,u,d,f){let p=!1;u!=0&&x.forEach((m,h)=>{if(m.series[0]==e){let e=v[m.series[1]],g=t[m.series[1]],_=(e._paths||Vr).band;Wr(_)&&(_=m.dir==1?_[0]:_[1]);let y,b=null;e.show&&_&&ar(g,rt,it)?(b=m.fill(r,h)||s,y=e._paths.clip):_=null,U(n,i,a,o,b,c,l,u,d,f,y,_),p=!0}}),p||U(n,i,a,o,s,c,l,u,d,f)}function U(e,t,n,r,i,a,o,s,c,l,u,f){bt(e,t,n,r,i),(c||l||f)&&(d.save(),c&&d.clip(c),l&&d.clip(l)),f?(s&3)==3?(d.clip(f),u&&d.clip(u),At(i,o),kt(e,a,t)):s&Ha?(At(i,o),d.clip(f),kt(e,a,t)):s&Va&&(d.save(),d.clip(f),u&&d.clip(u),At(i,o),d.restore(),kt(e,a,t)):(At(i,o),kt(e,a,t)),(c||l||f)&&d.restore()}function kt(e,t,n){n>0&&(t instanceof Map?t.forEach((e,t)=>{d.strokeStyle=ut=t,d.stroke(e)}):t!=null&&e&&d.stroke(t))}function At(e,t){t instanceof Map?t.forEach((e,t)=>{d.fillStyle=dt=t,d.fill(e)}):t!=null&&e&&d.fill(t)}function jt(e,t,n,i){let a=y[e],o;if(i<=0)o=[0,0];else{let s=a._space=a.space(r,e,t,n,i);o=Po(t,n,a._incrs=a.incrs(r,e,t,n,i,s),i,s)}return a._found=o}function W(e,t,n,r,i,a,o,s,c,l){let u=o%2/2;h==1&&d.translate(u,u),bt(s,o,c,l,s),d.beginPath();let f,p,m,g,_=i+(r==0||r==3?-a:a);n==0?(p=i,g=_):(f=i,m=_);for(let r=0;r<e.length;r++)t[r]!=null&&(n==0?f=m=e[r]:p=g=e[r],d.moveTo(f,p),d.lineTo(m,g));d.stroke(),h==1&&d.translate(-u,-u)}function Mt(e){let t=!0;return y.forEach((n,i)=>{if(!n.show)return;let a=b[n.scale];if(a.min==null){n._show&&(t=!1,n._show=!1,Ft(!1));return}n._show||(t=!1,n._show=!0,Ft(!1));let o=n.side,s=o%2,{min:c,max:l}=a,[u,d]=jt(i,c,l,s==0?z:B);if(d==0)return;let f=a.distr==2,p=n._splits=n.splits(r,i,c,l,u,d,f),m=a.distr==2?p.map(e=>ot[e]):p,h=a.distr==2?ot[p[1]]-ot[p[0]]:u,g=n._values=n.values(r,n.filter(r,m,i,d,h),i,d,h);n._rotate=o==2?n.rotate(r,g,i,d):0;let _=n._size;n._size=mr(n.size(r,g,i,e)),_!=null&&n._size!=_&&(t=!1)}),t}function Nt(e){let t=!0;return et.forEach((n,i)=>{let a=n(r,i,Qe,e);a!=tt[i]&&(t=!1),tt[i]=a}),t}function Pt(){for(let e=0;e<y.length;e++){let t=y[e];if(!t.show||!t._show)continue;let n=t.side,i=n%2,a,o,c=t.stroke(r,e),l=n==0||n==3?-1:1,[u,f]=t._found;if(t.label!=null){let s=t.labelGap*l,p=pr((t._lpos+s)*G);xt(t.labelFont[0],c,`center`,n==2?dn:fn),d.save(),i==1?(a=o=0,d.translate(p,pr(Oe+Ae/2)),d.rotate((n==3?-ur:ur)/2)):(a=pr(De+ke/2),o=p);let m=Er(t.label)?t.label(r,e,u,f):t.label;d.fillText(m,a,o),d.restore()}if(f==0)continue;let p=b[t.scale],m=i==0?ke:Ae,h=i==0?De:Oe,_=t._splits,v=p.distr==2?_.map(e=>ot[e]):_,x=p.distr==2?ot[_[1]]-ot[_[0]]:u,S=t.ticks,C=t.border,w=S.show?S.size:0,T=pr(w*G),E=pr((t.alignTo==2?t._size-w-t.gap:t.gap)*G),D=t._rotate*-ur/180,O=g(t._pos*G),k=O+(T+E)*l;o=i==0?k:0,a=i==1?k:0,xt(t.font[0],c,t.align==1?pn:t.align==2?mn:D>0?pn:D<0?mn:i==0?`center`:n==3?mn:pn,D||i==1?`middle`:n==2?dn:fn);let A=t.font[1]*t.lineGap,j=_.map(e=>g(s(e,p,m,h))),ee=t._values;for(let e=0;e<ee.length;e++){let t=ee[e];if(t!=null){i==0?a=j[e]:o=j[e],t=``+t;let n=t.indexOf(`
`)==-1?[t]:t.split(/\n/gm);for(let e=0;e<n.length;e++){let t=n[e];D?(d.save(),d.translate(a,o+e*A),d.rotate(D),d.fillText(t,0,0),d.restore()):d.fillText(t,a,o+e*A)}}}S.show&&W(j,S.filter(r,v,e,f,x),i,n,O,T,Q(S.width*G,3),S.stroke(r,e),S.dash,S.cap);let te=t.grid;te.show&&W(j,te.filter(r,v,e,f,x),i,i==0?2:1,i==0?Oe:De,i==0?Ae:ke,Q(te.width*G,3),te.stroke(r,e),te.dash,te.cap),C.show&&W([O],[1],+(i==0),i==0?1:2,i==1?Oe:De,i==1?Ae:ke,Q(C.width*G,3),C.stroke(r,e),C.dash,C.cap)}yi(`drawAxes`)}function Ft(e){v.forEach((t,n)=>{n>0&&(t._paths=null,e&&(i==1?(t.min=null,t.max=null):t.facets.forEach(e=>{e.min=null,e.max=null})))})}let It=!1,Lt=!1,Rt=[];function zt(){Lt=!1;for(let e=0;e<Rt.length;e++)yi(...Rt[e]);Rt.length=0}function Bt(){It||=(ii(Vt),!0)}r.batch=function(e,t=!1){It=!0,Lt=t,e(r),Vt(),t&&Rt.length>0&&queueMicrotask(zt)};function Vt(){if(je&&=(wt(),!1),Ne&&=(ze(),!1),Me){if(K(p,pn,xe),K(p,dn,Se),K(p,ln,z),K(p,un,B),K(m,pn,xe),K(m,dn,Se),K(m,ln,z),K(m,un,B),K(f,ln,R),K(f,un,be),u.width=pr(R*G),u.height=pr(be*G),y.forEach(({_el:e,_show:t,_size:n,_pos:r,side:i})=>{if(e!=null){if(t){let t=i===3||i===0?n:0,a=i%2==1;K(e,a?`left`:`top`,r-t),K(e,a?`width`:`height`,n),K(e,a?`top`:`left`,a?Se:xe),K(e,a?`height`:`width`,a?B:z),Fn(e,Xt)}else Pn(e,Xt)}}),ut=dt=ft=mt=ht=gt=_t=vt=pt=null,yt=1,ti(!0),xe!=Ce||Se!=we||z!=Te||B!=Ee){Ft(!1);let e=z/Te,t=B/Ee;if(P&&!Pe&&N.left>=0){N.left*=e,N.top*=t,Tn&&zn(Tn,pr(N.left),0,z,B),On&&zn(On,0,pr(N.top),z,B);for(let n=0;n<qe.length;n++){let r=qe[n];r!=null&&(Je[n]*=e,Ye[n]*=t,zn(r,mr(Je[n]),mr(Ye[n]),z,B))}}if(Y.show&&!Fe&&Y.left>=0&&Y.width>0){Y.left*=e,Y.width*=e,Y.top*=t,Y.height*=t;for(let e in ai)K(nr,e,Y[e])}Ce=xe,we=Se,Te=z,Ee=B}yi(`setSize`),Me=!1}R>0&&be>0&&(d.clearRect(0,0,u.width,u.height),yi(`drawClear`),w.forEach(e=>e()),yi(`draw`)),Y.show&&Fe&&(rr(Y),Fe=!1),P&&Pe&&(Zr(null,!0,!1),Pe=!1),M.show&&M.live&&Ie&&(Gr(),Ie=!1),c||(c=!0,r.status=1,yi(`ready`)),st=!1,It=!1}r.redraw=(e,t)=>{Ne=t||!1,e===!1?Bt():sr(S,D.min,D.max)};function hn(e,n){let i=b[e];if(i.from==null){if(nt==0){let t=i.range(r,n.min,n.max,e);n.min=t[0],n.max=t[1]}if(n.min>n.max){let e=n.min;n.min=n.max,n.max=e}if(nt>1&&n.min!=null&&n.max!=null&&n.max-n.min<1e-16)return;e==S&&i.distr==2&&nt>0&&(n.min=Kn(n.min,t[0]),n.max=Kn(n.max,t[0]),n.min==n.max&&n.max++),j[e]=n,je=!0,Bt()}}r.setScale=hn;let Cn,wn,Tn,On,jn,Mn,Nn,Rn,Bn,Hn,q,J,qn=!1,Jn=N.drag,Yn=Jn.x,Xn=Jn.y;P&&(N.x&&(Cn=Ln(Qt,m)),N.y&&(wn=Ln($t,m)),D.ori==0?(Tn=Cn,On=wn):(Tn=wn,On=Cn),q=N.left,J=N.top);let Y=r.select=$r({show:!0,over:!0,left:0,width:0,top:0,height:0},e.select),nr=Y.show?Ln(Zt,Y.over?m:p):null;function rr(e,t){if(Y.show){for(let t in e)Y[t]=e[t],t in ai&&K(nr,t,e[t]);t!==!1&&yi(`setSelect`)}}r.setSelect=rr;function or(e){if(v[e].show)oe&&Fn(le[e],Xt);else if(oe&&Pn(le[e],Xt),P){let t=Ke?qe[0]:qe[e];t!=null&&zn(t,-10,-10,z,B)}}function sr(e,t,n){hn(e,{min:t,max:n})}function cr(e,t,n,a){t.focus!=null&&Dr(e),t.show!=null&&v.forEach((n,r)=>{r>0&&(e==r||e==null)&&(n.show=t.show,or(r),i==2?(sr(n.facets[0].scale,null,null),sr(n.facets[1].scale,null,null)):sr(n.scale,null,null),Bt())}),n!==!1&&yi(`setSeries`,e,t),a&&Ei(`setSeries`,r,e,t)}r.setSeries=cr,r.addBand=function(e,t){e.fill=Z(e.fill||null),e.dir=X(e.dir,-1),t??=x.length,x.splice(t,0,e)},r.setBand=function(e,t){$r(x[e],t)},r.delBand=function(e){e==null?x.length=0:x.splice(e,1)};function lr(e,t){v[e].alpha=t,P&&qe[e]!=null&&(qe[e].style.opacity=t),oe&&le[e]&&(le[e].style.opacity=t)}let fr,vr,br,wr={focus:!0};function Dr(e){if(e!=br){let t=e==null,n=We.alpha!=1;v.forEach((r,a)=>{if(i==1||a>0){let i=t||a==0||a==e;r._focus=t?null:i,n&&lr(a,i?1:We.alpha)}}),br=e,n&&Bt()}}oe&&Ge&&ve(xn,I,e=>{N._lock||(He(e),br!=null&&cr(null,wr,!0,xi.setSeries))});function Or(e,t,n){let r=b[t];n&&(e=e/G-(r.ori==1?Se:xe));let i=z;r.ori==1&&(i=B,e=i-e),r.dir==-1&&(e=i-e);let a=r._min,o=r._max,s=e/i,c=a+(o-a)*s,l=r.distr;return l==3?_r(10,c):l==4?xr(c,r.asinh):l==100?r.bwd(c):c}r.valToIdx=e=>Kn(e,t[0]),r.posToIdx=function(e,n){return Kn(Or(e,S,n),t[0],rt,it)},r.posToVal=Or,r.valToPos=(e,t,n)=>b[t].ori==0?a(e,b[t],n?ke:z,n?De:0):o(e,b[t],n?Ae:B,n?Oe:0),r.setCursor=(e,t,n)=>{q=e.left,J=e.top,Zr(null,t,n)};function Nr(e,t){K(nr,pn,Y.left=e),K(nr,ln,Y.width=t)}function Pr(e,t){K(nr,dn,Y.top=e),K(nr,un,Y.height=t)}let Ir=D.ori==0?Nr:Pr,Lr=D.ori==1?Nr:Pr;function Br(){if(oe&&M.live)for(let e=+(i==2);e<v.length;e++){if(e==0&&fe)continue;let t=M.values[e],n=0;for(let r in t)ue[e][n++].firstChild.nodeValue=t[r]}}function Gr(e,t){if(e!=null&&(e.idxs?e.idxs.forEach((e,t)=>{ae[t]=e}):Kr(e.idx)||ae.fill(e.idx),M.idx=ae[0]),oe&&M.live){for(let e=0;e<v.length;e++)(e>0||i==1&&!fe)&&Xr(e,ae[e]);Br()}Ie=!1,t!==!1&&yi(`setLegend`)}r.setLegend=Gr;function Xr(e,n){let i=v[e],a=e==0&&O==2?ot:t[e],o;fe?o=i.values(r,e,n)??L:(o=i.value(r,n==null?null:a[n],e,n),o=o==null?L:{_:o}),M.values[e]=o}function Zr(e,n,a){Bn=q,Hn=J,[q,J]=N.move(r,q,J),N.left=q,N.top=J,P&&(Tn&&zn(Tn,pr(q),0,z,B),On&&zn(On,0,pr(J),z,B));let o,s=rt>it;fr=Cr,vr=null;let c=D.ori==0?z:B,l=D.ori==1?z:B;if(q<0||nt==0||s){o=N.idx=null;for(let e=0;e<v.length;e++){let t=qe[e];t!=null&&zn(t,-10,-10,z,B)}Ge&&cr(null,wr,!0,e==null&&xi.setSeries),M.live&&(ae.fill(o),Ie=!0)}else{let e,n,a;i==1&&(e=D.ori==0?q:J,n=Or(e,S),o=N.idx=Kn(n,t[0],rt,it),a=k(t[0][o],D,c,0));let s=-10,u=-10,d=0,f=0,p=!0,m=``,h=``;for(let e=+(i==2);e<v.length;e++){let g=v[e],_=ae[e],y=_==null?null:i==1?t[e][_]:t[e][1][_],x=N.dataIdx(r,e,o,n),S=x==null?null:i==1?t[e][x]:t[e][1][x];if(Ie=Ie||S!=y||x!=_,ae[e]=x,e>0&&g.show){let n=x==null?-10:x==o?a:k(i==1?t[0][x]:t[e][0][x],D,c,0),_=S==null?-10:A(S,i==1?b[g.scale]:b[g.facets[1].scale],l,0);if(Ge&&S!=null){let t=D.ori==1?q:J,n=dr(We.dist(r,e,x,_,t));if(n<fr){let r=We.bias;if(r!=0){let i=Or(t,g.scale),a=S>=0?1:-1,o=i>=0?1:-1;o==a&&(o==1?r==1?S>=i:S<=i:r==1?S<=i:S>=i)&&(fr=n,vr=e)}else fr=n,vr=e}}if(Ie||Ke){let t,i;D.ori==0?(t=n,i=_):(t=_,i=n);let a,o,c,l,g,v,y=!0,b=Ue.bbox;if(b!=null){y=!1;let t=b(r,e);c=t.left,l=t.top,a=t.width,o=t.height}else c=t,l=i,a=o=Ue.size(r,e);if(v=Ue.fill(r,e),g=Ue.stroke(r,e),Ke)e==vr&&fr<=We.prox&&(s=c,u=l,d=a,f=o,p=y,m=v,h=g);else{let t=qe[e];t!=null&&(Je[e]=c,Ye[e]=l,Un(t,a,o,y),Vn(t,v,g),zn(t,mr(c),mr(l),z,B))}}}}if(Ke){let e=We.prox;if(Ie||(br==null?fr<=e:fr>e||vr!=br)){let e=qe[0];e!=null&&(Je[0]=s,Ye[0]=u,Un(e,d,f,p),Vn(e,m,h),zn(e,mr(s),mr(u),z,B))}}}if(Y.show&&qn){if(e!=null){let[t,n]=xi.scales,[r,i]=xi.match,[a,o]=e.cursor.sync.scales,s=e.cursor.drag;if(Yn=s._x,Xn=s._y,Yn||Xn){let{left:s,top:u,width:d,height:f}=e.select,p=e.scales[a].ori,m=e.posToVal,h,g,_,v,y,x=t!=null&&r(t,a),S=n!=null&&i(n,o);x&&Yn?(p==0?(h=s,g=d):(h=u,g=f),_=b[t],v=k(m(h,a),_,c,0),y=k(m(h+g,a),_,c,0),Ir(hr(v,y),dr(y-v))):Ir(0,c),S&&Xn?(p==1?(h=s,g=d):(h=u,g=f),_=b[n],v=A(m(h,o),_,l,0),y=A(m(h+g,o),_,l,0),Lr(hr(v,y),dr(y-v))):Lr(0,l)}else oi()}else{let e=dr(Bn-jn),t=dr(Hn-Mn);if(D.ori==1){let n=e;e=t,t=n}Yn=Jn.x&&e>=Jn.dist,Xn=Jn.y&&t>=Jn.dist;let n=Jn.uni;n==null?Jn.x&&Jn.y&&(Yn||Xn)&&(Yn=Xn=!0):Yn&&Xn&&(Yn=e>=n,Xn=t>=n,!Yn&&!Xn&&(t>e?Xn=!0:Yn=!0));let r,i;Yn&&(D.ori==0?(r=Nn,i=q):(r=Rn,i=J),Ir(hr(r,i),dr(i-r)),Xn||Lr(0,l)),Xn&&(D.ori==1?(r=Nn,i=q):(r=Rn,i=J),Lr(hr(r,i),dr(i-r)),Yn||Ir(0,c)),!Yn&&!Xn&&(Ir(0,0),Lr(0,0))}}if(Jn._x=Yn,Jn._y=Xn,e==null){if(a){if(wi!=null){let[e,t]=xi.scales;xi.values[0]=e==null?null:Or(D.ori==0?q:J,e),xi.values[1]=t==null?null:Or(D.ori==1?q:J,t)}Ei(_n,r,q,J,z,B,o)}if(Ge){let e=a&&xi.setSeries,t=We.prox;br==null?fr<=t&&cr(vr,wr,!0,e):fr>t?cr(null,wr,!0,e):vr!=br&&cr(vr,wr,!0,e)}}Ie&&(M.idx=o,Gr()),n!==!1&&yi(`setCursor`)}let ei=null;Object.defineProperty(r,"rect",{get(){return ei??ti(!1),ei}});function ti(e=!1){e?ei=null:(ei=m.getBoundingClientRect(),yi(`syncRect`,ei))}function ni(e,t,n,r,i,a,o){N._lock||qn&&e!=null&&e.movementX==0&&e.movementY==0||(ri(e,t,n,r,i,a,o,!1,e!=null),e==null?Zr(t,!0,!1):Zr(null,!0,!0))}function ri(e,t,n,i,a,o,c,l,u){if(ei??ti(!1),He(e),e!=null)n=e.clientX-ei.left,i=e.clientY-ei.top;else{if(n<0||i<0){q=-10,J=-10;return}let[e,r]=xi.scales,c=t.cursor.sync,[l,u]=c.values,[d,f]=c.scales,[p,m]=xi.match,h=t.axes[0].side%2==1,g=D.ori==0?z:B,_=D.ori==1?z:B,v=h?o:a,y=h?a:o,x=h?i:n,S=h?n:i;if(n=d==null?x/v*g:p(e,d)?s(l,b[e],g,0):-10,i=f==null?S/y*_:m(r,f)?s(u,b[r],_,0):-10,D.ori==1){let e=n;n=i,i=e}}u&&(t==null||t.cursor.event.type==_n)&&((n<=1||n>=z-1)&&(n=Fr(n,z)),(i<=1||i>=B-1)&&(i=Fr(i,B))),l?(jn=n,Mn=i,[Nn,Rn]=N.move(r,n,i)):(q=n,J=i)}let ai={width:0,height:0,left:0,top:0};function oi(){rr(ai,!1)}let si,ci,li,ui;function di(e,t,n,i,a,o,s){qn=!0,Yn=Xn=Jn._x=Jn._y=!1,ri(e,t,n,i,a,o,s,!0,!1),e!=null&&(ve(yn,kn,fi,!1),Ei(vn,r,Nn,Rn,z,B,null));let{left:c,top:l,width:u,height:d}=Y;si=c,ci=l,li=u,ui=d}function fi(e,t,n,i,a,o,s){qn=Jn._x=Jn._y=!1,ri(e,t,n,i,a,o,s,!1,!0);let{left:c,top:l,width:u,height:d}=Y,f=u>0||d>0,p=si!=c||ci!=l||li!=u||ui!=d;if(f&&p&&rr(Y),Jn.setScale&&f&&p){let e=c,t=u,n=l,r=d;if(D.ori==1&&(e=l,t=d,n=c,r=u),Yn&&sr(S,Or(e,S),Or(e+t,S)),Xn)for(let e in b){let t=b[e];e!=S&&t.from==null&&t.min!=Cr&&sr(e,Or(n+r,e),Or(n,e))}oi()}else N.lock&&(N._lock=!N._lock,Zr(t,!0,e!=null));e!=null&&(ye(yn,kn),Ei(yn,r,q,J,z,B,null))}function pi(e,t,n,r,i,a,o){if(N._lock)return;He(e);let s=qn;if(qn){let e=!0,t=!0,n,r;D.ori==0?(n=Yn,r=Xn):(n=Xn,r=Yn),n&&r&&(e=q<=10||q>=z-10,t=J<=10||J>=B-10),n&&e&&(q=q<Nn?0:z),r&&t&&(J=J<Rn?0:B),Zr(null,!0,!0),qn=!1}q=-10,J=-10,ae.fill(null),Zr(null,!0,!0),s&&(qn=s)}function mi(e,t,n,i,a,o,s){N._lock||(He(e),lt(),oi(),e!=null&&Ei(Sn,r,q,J,z,B,null))}function hi(){y.forEach(Io),Le(r.width,r.height,!0)}Wn(En,An,hi);let _i={};_i.mousedown=di,_i.mousemove=ni,_i.mouseup=fi,_i.dblclick=mi,_i.setSeries=(e,t,n,i)=>{n=(0,xi.match[2])(r,t,n),n!=-1&&cr(n,i,!0,!1)},P&&(ve(vn,m,di),ve(_n,m,ni),ve(bn,m,e=>{He(e),ti(!1)}),ve(xn,m,pi),ve(Sn,m,mi),bo.add(r),r.syncRect=ti);let vi=r.hooks=e.hooks||{};function yi(e,t,n){Lt?Rt.push([e,t,n]):e in vi&&vi[e].forEach(e=>{e.call(null,r,t,n)})}(e.plugins||[]).forEach(e=>{for(let t in e.hooks)vi[t]=(vi[t]||[]).concat(e.hooks[t])});let bi=(e,t,n)=>n,xi=$r({key:null,setSeries:!1,filters:{pub:jr,sub:jr},scales:[S,v[1]?v[1].scale:null],match:[Mr,Mr,bi],values:[null,null]},N.sync);xi.match.length==2&&xi.match.push(bi),N.sync=xi;let wi=xi.key,Ti=Ba(wi);function Ei(e,t,n,r,i,a,o){xi.filters.pub(e,t,n,r,i,a,o)&&Ti.pub(e,t,n,r,i,a,o)}Ti.sub(r),r.pub=function(e,t,n,r,i,a,o){xi.filters.sub(e,t,n,r,i,a,o)&&_i[e](null,t,n,r,i,a,o)},r.destroy=function(){Ti.unsub(r),bo.delete(r),_e.clear(),Gn(En,An,hi),l.remove(),I?.remove(),yi(`destroy`)};function Di(){yi(`init`,e,t),ct(t||e.data,!1),j[S]?hn(S,j[S]):lt(),Fe=Y.show&&(Y.width>0||Y.height>0),Pe=Ie=!0,Le(e.width,e.height)}return v.forEach(Ze),y.forEach($e),n?n instanceof HTMLElement?(n.appendChild(l),Di()):n(r,Di):Di(),r}Lo.assign=$r,Lo.fmtNum=cr,Lo.rangeNum=ir,Lo.rangeLog=Qn,Lo.rangeAsinh=$n,Lo.orient=Ua,Lo.pxRatio=G,Lo.join=function(e,t){if(oi(e)){let t=e[0].slice();for(let n=1;n<e.length;n++)t.push(...e[n].slice(1));return si(t[0])||(t=ai(t)),t}let n=new Set;for(let t=0;t<e.length;t++){let r=e[t][0],i=r.length;for(let e=0;e<i;e++)n.add(r[e])}let r=[Array.from(n).sort((e,t)=>e-t)],i=r[0].length,a=new Map;for(let e=0;e<i;e++)a.set(r[0][e],e);for(let n=0;n<e.length;n++){let o=e[n],s=o[0];for(let e=1;e<o.length;e++){let c=o[e],l=Array(i).fill(void 0),u=t?t[n][e]:ti,d=[];for(let e=0;e<c.length;e++){let t=c[e],n=a.get(s[e]);t===null?u!=ei&&(l[n]=t,u==ni&&d.push(n)):l[n]=t}ri(l,d,i),r.push(l)}}return r},Lo.fmtDate=gi,Lo.tzDate=function(e,t){let n;return t==`UTC`||t==`Etc/UTC`?n=new Date(+e+e.getTimezoneOffset()*6e4):t==_i?n=e:(n=new Date(e.toLocaleString(`en-US`,{timeZone:t})),n.setMilliseconds(e.getMilliseconds())),n},Lo.sync=Ba;{Lo.addGap=Ja,Lo.clipGaps=qa;let e=Lo.paths={points:co};e.linear=po,e.stepped=mo,e.bars=go,e.spline=vo}var Ro=[`#1565c0`,`#2e7d32`,`#e65100`,`#8e24aa`,`#c62828`,`#00838f`,`#6d4c41`];function zo(e){let t=B(null);return z(()=>{if(!t.current||e.x.length===0)return;let n=new Lo({width:Math.max(280,Math.min(t.current.clientWidth||640,900)),height:240,scales:{x:{time:!!e.time}},axes:[{label:e.xLabel,incrs:!e.time&&e.x.every(Number.isInteger)?[1,2,5,10,20,50,100]:void 0},{}],series:[{label:e.xLabel},...e.series.map((t,n)=>({label:t.label,stroke:Ro[n%Ro.length],width:e.bars?1:2,fill:e.bars?`${Ro[n%Ro.length]}55`:void 0,paths:e.bars?Lo.paths.bars?.({size:[.9,64]}):void 0,points:{show:!e.bars&&e.x.length<=60},spanGaps:!!e.spanGaps}))]},[e.x,...e.series.map(e=>e.values)],t.current);return()=>n.destroy()},[JSON.stringify(e)]),U(`figure`,{class:`chart`,children:[U(`div`,{ref:t,role:`img`,"aria-label":e.title}),U(`figcaption`,{children:e.title})]})}function Bo(e){let[t,n]=R(``),r=Lt(ft,{filter:t?{name:{contains:t}}:{},asOf:e.asOf});return U(`div`,{children:[U(`h1`,{children:`Datasets`}),U(`form`,{class:`filters`,role:`search`,"aria-label":`Filter datasets`,onSubmit:e=>e.preventDefault(),children:U(`label`,{children:[`Name contains`,U(`input`,{value:t,onInput:e=>n(e.currentTarget.value)})]})}),U(kt,{q:r,children:e=>e.datasets.nodes.length===0?U(jt,{children:[`No datasets `,t?`match`:`yet`,`: register one with createDataset, upload a file with createDatasetUpload, or send OpenLineage events.`]}):U(`div`,{class:`scroll`,children:U(`table`,{id:`datasets`,children:[U(`caption`,{children:[e.datasets.totalCount,` datasets`]}),U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Name`}),U(`th`,{scope:`col`,children:`Namespace`}),U(`th`,{scope:`col`,children:`Type`}),U(`th`,{scope:`col`,children:`Format`}),U(`th`,{scope:`col`,children:`Latest`}),U(`th`,{scope:`col`,children:`Personal data`}),U(`th`,{scope:`col`,children:`Updated`})]})}),U(`tbody`,{children:e.datasets.nodes.map(e=>U(`tr`,{"data-id":e.id,children:[U(`td`,{children:U(`a`,{href:H(`/datasets/${e.id}`),children:e.name})}),U(`td`,{children:e.ns}),U(`td`,{children:e.dataType}),U(`td`,{children:e.format??`—`}),U(`td`,{children:e.latestVersionNumber?`v${e.latestVersionNumber}`:`—`}),U(`td`,{children:e.personalData?U(W,{kind:`warn`,children:`personal`}):`no`}),U(`td`,{children:U(Mt,{at:e.updatedAt})})]}))})]})})})]})}function Vo(e){if(e==null)return!1;let t=e;return(t.count??0)>0||(t.errors?.length??0)>0}function Ho(e){let t=e.schema?.columns;return Array.isArray(t)?U(`div`,{class:`scroll`,children:U(`table`,{class:`schema`,children:[U(`caption`,{class:`sr`,children:[`Proposed schema of v`,e.version]}),U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Column`}),U(`th`,{scope:`col`,children:`Type`}),U(`th`,{scope:`col`,children:`Format`}),U(`th`,{scope:`col`,children:`Nullable`})]})}),U(`tbody`,{children:t.map(e=>U(`tr`,{children:[U(`td`,{class:`mono`,children:e.name}),U(`td`,{children:e.type}),U(`td`,{children:e.format??`—`}),U(`td`,{children:e.nullable?`yes`:`no`})]}))})]})}):U(`pre`,{class:`mono`,tabIndex:0,"aria-label":`proposed schema of v${e.version}`,children:JSON.stringify(e.schema,null,2)})}function Uo(e){let t=e.report?.columnStats??[],n=e.summary,r=n?.missingPct??{},i=Object.keys(r);return U(`div`,{class:`eda`,children:[U(`p`,{children:[n?.rows??`?`,` rows × `,n?.columns??`?`,` columns`]}),i.length>0&&U(zo,{title:`Missing values per column (%)`,xLabel:`column`,x:i.map((e,t)=>t),series:[{label:`missing %`,values:i.map(e=>r[e])}],bars:!0}),i.length>0&&U(`p`,{class:`muted small`,children:[`Columns: `,i.map((e,t)=>`${t}: ${e}`).join(`, `)]}),t.filter(e=>e.numeric).map(e=>U(zo,{title:`${e.name}: histogram (min ${e.numeric?.min}, mean ${e.numeric?.mean.toFixed(2)}, max ${e.numeric?.max})`,xLabel:e.name,x:(e.numeric?.histogram.edges??[]).slice(0,-1),series:[{label:`count`,values:e.numeric?.histogram.counts??[]}],bars:!0})),(e.report?.correlations??[]).length>0&&U(`table`,{class:`corr`,children:[U(`caption`,{children:`Correlations (Pearson r)`}),U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Column`}),U(`th`,{scope:`col`,children:`Column`}),U(`th`,{scope:`col`,children:`r`})]})}),U(`tbody`,{children:(e.report?.correlations??[]).map(e=>U(`tr`,{children:[U(`td`,{children:e.a}),U(`td`,{children:e.b}),U(`td`,{style:{background:`rgba(${e.r<0?`198,40,40`:`21,101,192`},${Math.abs(e.r)*.5})`},children:e.r.toFixed(3)})]}))})]})]})}function Wo(e){let t=Lt(pt,{id:e.id,asOf:e.asOf}),[n,r]=R(null),[i,a]=R(``),o=async(e,n)=>{r(null);try{n?await Xe(mt,{id:e}):await Xe(ht,{id:e,reason:i}),t.reload()}catch(e){r(e)}};return U(kt,{q:t,children:({dataset:t})=>U(`div`,{id:`dataset`,"data-id":t.id,children:[U(`h1`,{children:[t.name,` `,U(W,{kind:`type`,children:t.dataType}),t.personalData&&U(W,{kind:`warn`,children:`personal data`})]}),U(`p`,{class:`muted`,children:[t.ns,` · `,t.format??`no format`,` · `,t.storageUri??`no storage URI`,` · created by`,` `,t.createdBy??`—`,` `,U(Mt,{at:t.createdAt}),` · `,U(`a`,{href:H(`/lineage/${t.id}`),children:`lineage`})]}),t.description&&U(`p`,{children:t.description}),n&&U(At,{error:n}),U(It,{title:`Versions (${t.versions.totalCount})`,children:t.versions.nodes.length===0?U(jt,{children:`No versions: upload a file with createDatasetUpload or register one with createDatasetVersion.`}):U(`ul`,{id:`dataset-versions`,class:`cards`,children:t.versions.nodes.map(n=>{let r=n.schemaDeductions.nodes[0],s=n.edaReports.nodes[0];return U(`li`,{"data-id":n.id,children:[U(`h2`,{children:[`v`,n.version,` `,U(W,{kind:`type`,children:n.split}),` `,n.uploadStatus&&U(W,{kind:n.uploadStatus.toLowerCase(),children:n.uploadStatus})]}),U(`p`,{class:`muted`,children:[n.numRows??`?`,` rows · `,n.numColumns??`?`,` columns · `,Nt(n.sizeBytes),` ·`,` `,n.contentType??`—`,` · `,U(Mt,{at:n.createdAt})]}),Vo(n.validationErrors)&&U(`pre`,{class:`error mono`,tabIndex:0,"aria-label":`validation errors of v${n.version}`,children:JSON.stringify(n.validationErrors,null,2)}),r&&U(`div`,{class:`deduction`,children:[U(`h3`,{children:[`Proposed schema `,U(W,{kind:r.status.toLowerCase(),children:r.status}),` `,U(`span`,{class:`muted small`,children:[`confidence `,(r.confidence*100).toFixed(0),`% · `,r.agentVersion]})]}),U(Ho,{version:n.version,schema:r.proposedSchema}),r.rejectionReason&&U(`p`,{children:[`Rejected: `,r.rejectionReason]}),r.status===`PROPOSED`&&!e.asOf&&U(`div`,{class:`review`,children:[U(`button`,{type:`button`,onClick:()=>o(r.id,!0),children:`Accept schema`}),U(`label`,{children:[`Reason `,U(`input`,{value:i,onInput:e=>a(e.currentTarget.value)})]}),U(`button`,{type:`button`,class:`danger`,onClick:()=>o(r.id,!1),children:`Reject schema`})]})]}),s&&U(`details`,{open:t.versions.nodes[0]?.id===n.id,children:[U(`summary`,{children:[`EDA report `,U(W,{kind:s.status.toLowerCase(),children:s.status})]}),s.error&&U(`p`,{class:`error`,children:s.error}),U(Uo,{report:s.report,summary:s.summary})]})]})})})}),U(It,{title:`History`,children:U(`ol`,{class:`history`,children:t.history.nodes.map(e=>U(`li`,{children:[U(`strong`,{children:e.action}),` by `,e.actor??`—`,` `,U(Mt,{at:e.createdAt}),` ·`,` `,U(`a`,{href:H(`/datasets/${t.id}`,{asOf:e.createdAt}),children:`view as of then`})]}))})})]})})}var Go=e=>e==null?`—`:`${e.toFixed(1)} ms`,Ko=e=>e.map(e=>`${e.total} ${e.currency}`).join(`, `)||`—`;function qo(e){let t=Lt(gt,{asOf:e.asOf});return U(`div`,{children:[U(`h1`,{children:`Endpoints`}),U(kt,{q:t,children:e=>e.endpoints.nodes.length===0?U(jt,{children:`No endpoints: create one with createEndpoint, then deploy a version to it.`}):U(`div`,{class:`scroll`,children:U(`table`,{id:`endpoints`,children:[U(`caption`,{children:[e.endpoints.totalCount,` endpoints; figures of the last 24 hours`]}),U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Name`}),U(`th`,{scope:`col`,children:`Environment`}),U(`th`,{scope:`col`,children:`Status`}),U(`th`,{scope:`col`,children:`Traffic`}),U(`th`,{scope:`col`,children:`Predictions`}),U(`th`,{scope:`col`,children:`p95`}),U(`th`,{scope:`col`,children:`Cost`})]})}),U(`tbody`,{children:e.endpoints.nodes.map(e=>U(`tr`,{"data-id":e.id,children:[U(`td`,{children:[U(`a`,{href:H(`/endpoints/${e.id}`),children:e.name}),U(`div`,{class:`muted small`,children:e.ns})]}),U(`td`,{children:e.environment}),U(`td`,{children:U(W,{kind:e.status.toLowerCase(),children:e.status})}),U(`td`,{children:e.deployments.nodes.map(e=>U(`div`,{children:[e.modelVersion?.model?.name??`?`,` v`,e.modelVersion?.version,` · `,e.trafficPercent,`%`]}))}),U(`td`,{children:e.predictionVolume24h}),U(`td`,{children:Go(e.p95LatencyMs24h)}),U(`td`,{children:Ko(e.cost24h)})]}))})]})})})]})}var Jo=e=>Date.parse(e??``)/1e3;function Yo(e){let t=e?new Date(e):new Date;return t.setUTCMinutes(0,0,0),t.setUTCHours(t.getUTCHours()+1),{from:new Date(t.getTime()-2592e6).toISOString(),to:t.toISOString()}}function Xo(e){return U(kt,{q:Lt(_t,{id:e.id,asOf:e.asOf,...Yo(e.asOf)}),children:e=>{let t=e.endpoint,n=[...e.predictionStats].filter(e=>e.key).sort((e,t)=>(e.key??``).localeCompare(t.key??``)),r=e.costTrends;return U(`div`,{id:`endpoint`,"data-id":t.id,children:[U(`h1`,{children:[t.name,` `,U(W,{kind:t.status.toLowerCase(),children:t.status}),` `,U(W,{kind:`type`,children:t.environment})]}),U(`p`,{class:`muted`,children:[t.ns,` · `,t.region??`no region`,` · `,t.url??`no URL`,` · `,U(`a`,{href:H(`/lineage/${t.id}`),children:`lineage`})]}),U(`p`,{children:[`Last 24 hours: `,U(`strong`,{children:t.predictionVolume24h}),` predictions, p95 latency`,` `,U(`strong`,{children:Go(t.p95LatencyMs24h)}),`, cost `,U(`strong`,{children:Ko(t.cost24h)}),`.`]}),U(It,{title:`Traffic split`,children:t.deployments.nodes.length===0?U(jt,{children:`Nothing deployed here.`}):U(`div`,{class:`scroll`,children:U(`table`,{id:`endpoint-deployments`,children:[U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Model version`}),U(`th`,{scope:`col`,children:`Stage`}),U(`th`,{scope:`col`,children:`Traffic`}),U(`th`,{scope:`col`,children:`Status`}),U(`th`,{scope:`col`,children:`Replicas`})]})}),U(`tbody`,{children:t.deployments.nodes.map(e=>U(`tr`,{"data-id":e.id,children:[U(`td`,{children:[e.modelVersion?.model?U(`a`,{href:H(`/models/${e.modelVersion.model.id}`),children:e.modelVersion.model.name}):`?`,` `,`v`,e.modelVersion?.version]}),U(`td`,{children:e.modelVersion?.stage}),U(`td`,{children:[U(`meter`,{min:0,max:100,value:e.trafficPercent,"aria-label":`traffic`}),` `,e.trafficPercent,`%`]}),U(`td`,{children:e.status}),U(`td`,{children:[e.minReplicas,`–`,e.maxReplicas,` `,e.machineType??``]})]}))})]})})}),U(It,{title:`Predictions per hour`,children:n.length===0?U(jt,{children:`No predictions recorded.`}):U(y,{children:[U(zo,{title:`Predictions per hour`,xLabel:`hour`,time:!0,x:n.map(e=>Jo(e.key)),series:[{label:`predictions`,values:n.map(e=>e.count)}],bars:!0}),U(zo,{title:`Latency per hour (ms)`,xLabel:`hour`,time:!0,x:n.map(e=>Jo(e.key)),series:[{label:`average`,values:n.map(e=>e.avgLatencyMs??null)},{label:`max`,values:n.map(e=>e.maxLatencyMs??null)}]})]})}),U(It,{title:`Cost per day (30 days)`,children:r.length===0?U(jt,{children:`No cost records.`}):U(`div`,{class:`scroll`,children:U(`table`,{id:`costs`,children:[U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Day`}),U(`th`,{scope:`col`,children:`Total`}),U(`th`,{scope:`col`,children:`Change`})]})}),U(`tbody`,{children:r.map(e=>U(`tr`,{children:[U(`td`,{children:U(Mt,{at:`${e.bucket}T00:00:00Z`})}),U(`td`,{children:[e.total,` `,e.currency]}),U(`td`,{children:e.change??`—`})]}))})]})})})]})}})}function Zo(e){let t=Lt(vt,{asOf:e.asOf});return U(`div`,{children:[U(`h1`,{children:`Experiments`}),U(kt,{q:t,children:e=>e.experiments.nodes.length===0?U(jt,{children:`No experiments: create one with createExperiment, or log runs from an MLflow client.`}):U(`div`,{class:`scroll`,children:U(`table`,{id:`experiments`,children:[U(`caption`,{children:[e.experiments.totalCount,` experiments`]}),U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Name`}),U(`th`,{scope:`col`,children:`Namespace`}),U(`th`,{scope:`col`,children:`Type`}),U(`th`,{scope:`col`,children:`Status`}),U(`th`,{scope:`col`,children:`Updated`})]})}),U(`tbody`,{children:e.experiments.nodes.map(e=>U(`tr`,{"data-id":e.id,children:[U(`td`,{children:U(`a`,{href:H(`/experiments/${e.id}`),children:e.name})}),U(`td`,{children:e.ns}),U(`td`,{children:e.experimentType}),U(`td`,{children:U(W,{kind:e.status.toLowerCase(),children:e.status})}),U(`td`,{children:U(Mt,{at:e.updatedAt})})]}))})]})})})]})}var Qo=e=>e&&typeof e==`object`?e:{},$o=e=>e===void 0?`—`:typeof e==`string`?e:JSON.stringify(e);function es(e){let t=[...new Set(e.runs.flatMap(e=>e.curves.filter(e=>e.points.length>1).map(e=>e.key)))].sort();return t.length===0?null:U(`div`,{id:`curves`,children:t.map(t=>{let n=e.runs.filter(e=>e.curves.some(e=>e.key===t)),r=[...new Set(n.flatMap(e=>e.curves.find(e=>e.key===t).points.map(e=>e.step)))].sort((e,t)=>e-t);return U(zo,{title:`${t} over steps${n.some(e=>{let n=e.curves.find(e=>e.key===t);return n.logged>n.points.length})?` (sampled)`:``}`,xLabel:`step`,x:r,spanGaps:!0,series:n.map(e=>{let n=new Map(e.curves.find(e=>e.key===t).points.map(e=>[e.step,e.value]));return{label:e.label,values:r.map(e=>n.get(e)??null)}})})})})}function ts(e){let t=t=>[...new Set(e.runs.flatMap(e=>Object.keys(t(e))))].sort(),n=(n,r)=>t(r).map(t=>{let i=e.runs.map(e=>$o(r(e)[t])),a=new Set(i).size>1;return U(`tr`,{class:a?`differs`:``,children:[U(`th`,{scope:`row`,children:[n,` `,t,` `,a&&U(`span`,{class:`sr`,children:`(differs)`})]}),i.map(e=>U(`td`,{class:`mono`,children:e}))]})});return U(`div`,{class:`scroll`,children:U(`table`,{id:`compare`,children:[U(`caption`,{children:`Differing values are highlighted`}),U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Param / metric`}),e.runs.map(e=>U(`th`,{scope:`col`,children:e.label}))]})}),U(`tbody`,{children:[n(`param`,e=>e.params),n(`metric`,e=>e.metrics)]})]})})}function ns(e){return U(kt,{q:Lt(bt,{experiment:e.id,metric:e.metric}),children:({abTestResult:e})=>U(`div`,{id:`ab`,children:[U(`p`,{children:[e.test,`, `,e.higherIsBetter?`higher`:`lower`,` is better, α = `,e.significanceLevel,`: p =`,` `,e.pValue?.toPrecision(3)??`—`,` ·`,` `,e.winner?U(`strong`,{children:[`winner `,e.winner.model?.name,` v`,e.winner.version]}):`no winner`,` `,`(`,e.reason,`)`]}),U(`table`,{children:[U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Arm`}),U(`th`,{scope:`col`,children:`Samples`}),U(`th`,{scope:`col`,children:`Mean`}),U(`th`,{scope:`col`,children:`Std dev`}),U(`th`,{scope:`col`,children:`Cost`})]})}),U(`tbody`,{children:e.arms.map(e=>U(`tr`,{children:[U(`td`,{children:[e.modelVersion.model?.name,` v`,e.modelVersion.version]}),U(`td`,{children:e.samples}),U(`td`,{children:e.mean?.toFixed(4)??`—`}),U(`td`,{children:e.stdDev?.toFixed(4)??`—`}),U(`td`,{children:e.costTotal?`${e.costTotal} ${e.costCurrency??``}`:`—`})]}))})]})]})})}function rs(e){let t=Lt(yt,{id:e.id,asOf:e.asOf}),[n,r]=R([]),[i,a]=R(null);return U(kt,{q:t,children:({experiment:e})=>{let t=[...e.trainingJobs.nodes.flatMap(e=>e.runs.nodes.map(t=>({id:t.id,label:`${e.name} #${t.runNumber}`,source:`training job`,status:t.status,params:Qo(t.hyperparameters),metrics:Qo(t.metrics),curves:[]}))),...e.jobRuns.nodes.map(t=>({id:t.id,label:t.name,source:t.source,status:t.state,params:Qo(t.params),metrics:Qo(t.metrics),curves:e.curves.nodes.find(e=>e.id===t.id)?.metricHistory??[]}))],o=[...new Set(t.flatMap(e=>Object.keys(e.metrics).filter(t=>typeof e.metrics[t]==`number`)))].sort(),s=i??Qo(e.config).metric??`quality`,c=t.filter(e=>n.includes(e.id));return U(`div`,{id:`experiment`,"data-id":e.id,children:[U(`h1`,{children:[e.name,` `,U(W,{kind:`type`,children:e.experimentType}),` `,U(W,{kind:e.status.toLowerCase(),children:e.status})]}),U(`p`,{class:`muted`,children:[e.ns,` · created by `,e.createdBy??`—`,` `,U(Mt,{at:e.createdAt}),` ·`,` `,U(`a`,{href:H(`/lineage/${e.id}`),children:`lineage`})]}),e.experimentType===`AB_TEST`&&U(It,{title:`A/B result`,children:[U(`label`,{children:[`Metric `,U(`input`,{value:s,onChange:e=>a(e.currentTarget.value)})]}),U(ns,{id:e.id,metric:s})]}),U(It,{title:`Runs (${t.length})`,children:t.length===0?U(jt,{children:`No runs: training jobs report them, and MLflow clients log them (mlflow.start_run).`}):U(y,{children:[U(es,{runs:t}),o.length>0&&t.length>1&&U(zo,{title:`Metrics per run`,xLabel:`run`,x:t.map((e,t)=>t+1),series:o.map(e=>({label:e,values:t.map(t=>typeof t.metrics[e]==`number`?t.metrics[e]:null)}))}),U(`div`,{class:`scroll`,children:U(`table`,{id:`runs`,children:[U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Compare`}),U(`th`,{scope:`col`,children:`#`}),U(`th`,{scope:`col`,children:`Run`}),U(`th`,{scope:`col`,children:`Source`}),U(`th`,{scope:`col`,children:`Status`}),U(`th`,{scope:`col`,children:`Metrics`})]})}),U(`tbody`,{children:t.map((e,t)=>U(`tr`,{"data-id":e.id,children:[U(`td`,{children:U(`input`,{type:`checkbox`,"aria-label":`compare ${e.label}`,checked:n.includes(e.id),onChange:t=>r(t.currentTarget.checked?[...n,e.id]:n.filter(t=>t!==e.id))})}),U(`td`,{children:t+1}),U(`td`,{children:e.label}),U(`td`,{children:e.source}),U(`td`,{children:e.status}),U(`td`,{class:`mono`,children:Object.entries(e.metrics).map(([e,t])=>`${e}=${$o(t)}`).join(`, `)})]}))})]})}),c.length>=2?U(ts,{runs:c}):U(`p`,{class:`muted`,children:`Tick two runs or more to compare their params and metrics.`})]})})]})}})}function is(e){let t=Lt(st,{asOf:e.asOf}),[n,r]=R([]),[i,a]=R(null),[o,s]=R(!1),c=Rt(1e3);return z(()=>{if(!t.data||(r(t.data.trainingJobs.nodes),e.asOf))return;let n=t.data.events.nodes[0]?.cursor??null;s(!0);let i=$e(ct,{after:n},e=>{let t=e.trainingJobs;r(e=>{let n=e.findIndex(e=>e.id===t.id);if(n<0)return[t,...e];if(e[n].revision>t.revision)return e;let r=e.slice();return r[n]=t,r})},e=>{a(e),s(!1)});return()=>{i(),s(!1)}},[t.data,e.asOf]),U(`div`,{children:[U(`h1`,{children:[`Training jobs`,` `,!e.asOf&&U(`span`,{class:o?`live on`:`live`,"aria-live":`polite`,children:o?`live`:`not live`})]}),i&&U(At,{error:i}),U(kt,{q:t,children:()=>n.length===0?U(jt,{children:`No training jobs: enqueue one with enqueueTrainingJob; workers claim it with claimTrainingJob.`}):U(`div`,{class:`scroll`,children:U(`table`,{id:`jobs`,children:[U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Job`}),U(`th`,{scope:`col`,children:`Model`}),U(`th`,{scope:`col`,children:`Status`}),U(`th`,{scope:`col`,children:`Progress`}),U(`th`,{scope:`col`,children:`Step`}),U(`th`,{scope:`col`,children:`Worker`}),U(`th`,{scope:`col`,children:`Heartbeat`})]})}),U(`tbody`,{children:n.map(e=>U(`tr`,{"data-id":e.id,"data-revision":e.revision,children:[U(`td`,{children:[e.name,U(`div`,{class:`muted small`,children:e.ns})]}),U(`td`,{children:e.model?U(`a`,{href:H(`/models/${e.model.id}`),children:e.model.name}):`—`}),U(`td`,{children:U(W,{kind:e.status.toLowerCase(),children:e.status})}),U(`td`,{class:`progress`,children:[U(`progress`,{max:100,value:e.progress,"aria-label":`${e.name} progress`}),` `,U(`span`,{class:`pct`,children:[Math.round(e.progress),`%`]})]}),U(`td`,{children:e.currentStep??`—`}),U(`td`,{children:e.worker??`—`}),U(`td`,{children:e.status===`RUNNING`?Pt(e.heartbeatAt,c):`—`})]}))})]})})})]})}var as=(function(){let e=typeof document<`u`&&document.createElement(`link`).relList;return e&&e.supports&&e.supports(`modulepreload`)?`modulepreload`:`preload`})(),os=function(e){return`/`+e},ss={},cs={},ls=function(e){return e.pathname.endsWith(`.css`)},us=function(e,t,n){if(t in e)return e[t];let r=n();if(!r){e[t]=void 0;return}let i=r.then(()=>{e[t]=void 0},n=>{throw delete e[t],n});return e[t]=i,i},ds=function(e,t,n){let r=Promise.resolve();if(t&&t.length>0){let e,i=document.querySelector(`meta[property=csp-nonce]`),a=i?.nonce||i?.getAttribute(`nonce`);function o(e){return Promise.all(e.map(e=>Promise.resolve(e).then(e=>({status:`fulfilled`,value:e}),e=>({status:`rejected`,reason:e}))))}function s(e){return import.meta.resolve?new URL(import.meta.resolve(e)):new URL(e,import.meta.url)}r=o(t.map(t=>{t=os(t,n);let r=s(t),i=ls(r);return us(ss,r.href,()=>{if(e===void 0){e={all:new Set,styles:new Set};let t=document.getElementsByTagName(`link`);for(let n=t.length-1;n>=0;n--){let r=t[n];e.all.add(r.href),r.rel===`stylesheet`&&e.styles.add(r.href)}}let t=i?e.styles:e.all,n=i?cs[r.href]:void 0;if(!n&&t.has(r.href))return;let o=document.createElement(`link`);if(o.rel=i?`stylesheet`:as,i||(o.as=`script`),o.crossOrigin=``,o.href=r.href,a&&o.setAttribute(`nonce`,a),n&&delete cs[r.href],n?.isConnected?n.replaceWith(o):document.head.appendChild(o),i)return new Promise((e,t)=>{let n=i=>{o.removeEventListener(`load`,n),o.removeEventListener(`error`,n),i.type===`error`?(cs[r.href]=o,t(Error(`Unable to preload CSS for ${r}`))):e(i)};o.addEventListener(`load`,n),o.addEventListener(`error`,n)})})}).filter(e=>e!==void 0))}function i(e){let t=new Event(`vite:preloadError`,{cancelable:!0});if(t.payload=e,window.dispatchEvent(t),!t.defaultPrevented)throw e}return r.then(t=>{for(let e of t||[])e.status===`rejected`&&i(e.reason);return e().catch(i)})};function fs(e){if(!e)return`?`;let t=(e.model??e.dataset)?.name;return e.version==null?e.runNumber==null?e.status!=null&&e.name!=null?`${e.name} · ${e.status}`:e.trafficPercent==null?e.name??e.path??e.id:`${e.endpoint?.name??`?`} (${e.trafficPercent}%)`:`run ${e.runNumber}`:`${t??`?`} v${e.version}`}function ps(e,t){return[{id:e.id,type:e.__typename??``,label:fs(e),start:!0},...t.map(e=>({id:e.id,type:e.node?.__typename??e.nodeType.toLowerCase().replace(/(^|_)([a-z])/g,(e,t,n)=>n.toUpperCase()),label:e.node?fs(e.node):`${e.nodeType} (hidden)`}))]}function ms(e){let[t,n]=R(null);return z(()=>{ds(()=>import(`./console-graph.js`).then(e=>n(e)),[])},[]),t?U(t.Graph,{...e}):U(`p`,{class:`muted`,"aria-busy":`true`,children:`Drawing…`})}function hs(e){return U(kt,{q:Lt(dt,{id:e.id,depth:e.depth,asOf:e.asOf}),children:t=>{let n=t.start,r=t.lineage.nodes.filter(e=>e.direction===`UPSTREAM`),i=t.lineage.nodes.filter(e=>e.direction===`DOWNSTREAM`),a=(t,n)=>t.length===0?U(jt,{children:[`None within `,e.depth,` steps.`]}):U(`ol`,{id:n,class:`lineage`,children:[...t].sort((e,t)=>e.distance-t.distance).map(t=>U(`li`,{"data-id":t.id,style:{marginLeft:`${(t.distance-1)*1.2}em`},children:[U(W,{kind:`type`,children:t.nodeType}),` `,U(`a`,{href:H(`/lineage/${t.id}`,{depth:String(e.depth)}),children:fs(t.node)}),` `,U(`span`,{class:`muted small`,children:[`distance `,t.distance]})]}))});return U(`div`,{children:[U(`h1`,{children:[`Lineage of `,fs(n),` `,n&&U(W,{kind:`type`,children:n.__typename})]}),U(`p`,{class:`muted`,children:[t.lineage.totalCount,` nodes within `,e.depth,` steps, `,t.lineage.edges.length,` edges`,t.lineage.isPartial?` (cut by the depth or the page: more lie beyond)`:``,` ·`,` `,n&&U(`a`,{href:Ft(n),children:`open`})]}),U(`label`,{children:[`Depth`,` `,U(`select`,{value:e.depth,onChange:t=>location.hash=H(`/lineage/${e.id}`,{depth:t.currentTarget.value}),children:[1,2,3,5,8].map(e=>U(`option`,{value:e,children:e}))})]}),n&&U(ms,{start:n.id,nodes:ps(n,t.lineage.nodes),edges:t.lineage.edges,open:t=>Et(`/lineage/${t}`,{depth:String(e.depth)})}),U(`div`,{class:`two`,children:[U(`section`,{children:[U(`h2`,{children:`Upstream`}),a(r,`upstream`)]}),U(`section`,{children:[U(`h2`,{children:`Downstream`}),a(i,`downstream`)]})]})]})}})}function gs(e){let t=new Set;for(let n of e){let e=n.metrics;for(let[n,r]of Object.entries(e??{}))typeof r==`number`&&t.add(n)}return[...t].sort().map(t=>({label:t,values:e.map(e=>{let n=e.metrics?.[t];return typeof n==`number`?n:null})}))}function _s(e){return Object.entries(e??{}).map(([e,t])=>`${e}=${typeof t==`string`?t:JSON.stringify(t)}`).join(`, `)}function vs(e){let t=Lt(at,{id:e.id,asOf:e.asOf}),[n,r]=R(null),i=async e=>{r(null);try{let t=await Xe(ot,{id:e});location.assign(t.artifact.downloadUrl)}catch(e){r(e)}};return U(kt,{q:t,children:({model:t,lineage:r})=>{if(!t)return U(jt,{children:[`No such model`,e.asOf?` at this instant`:``,`.`]});let a=t.versions.nodes,o=gs(a),s=a.flatMap(e=>e.deployments.nodes.map(t=>({v:e,d:t}))),c=a.flatMap(e=>e.artifacts.nodes.map(t=>({v:e,a:t}))),l=a.flatMap(e=>e.approvals.nodes.map(t=>({v:e,a:t}))).sort((e,t)=>t.a.createdAt.localeCompare(e.a.createdAt));return U(`div`,{id:`model`,"data-id":t.id,children:[U(`h1`,{children:[t.name,` `,U(W,{kind:t.status.toLowerCase(),children:t.status})]}),U(`p`,{class:`muted`,children:[t.ns,` · `,t.framework??`no framework`,` · `,t.task??`no task`,t.riskClass?` · risk ${t.riskClass}`:``,` · created by`,` `,t.createdBy??`—`,` `,U(Mt,{at:t.createdAt}),` ·`,` `,U(`a`,{href:H(`/lineage/${t.id}`),children:`lineage`})]}),t.description&&U(`p`,{children:t.description}),U(It,{title:`Versions (${t.versions.totalCount})`,children:[a.length===0?U(jt,{children:`No versions yet: register one with createModelVersion or mlflow.register_model.`}):U(`div`,{class:`scroll`,children:U(`table`,{id:`versions`,children:[U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Version`}),U(`th`,{scope:`col`,children:`Stage`}),U(`th`,{scope:`col`,children:`Aliases`}),U(`th`,{scope:`col`,children:`Metrics`}),U(`th`,{scope:`col`,children:`Params`}),U(`th`,{scope:`col`,children:`Created`})]})}),U(`tbody`,{children:a.map(e=>U(`tr`,{"data-id":e.id,children:[U(`td`,{children:[`v`,e.version]}),U(`td`,{children:U(W,{kind:e.stage.toLowerCase(),children:e.stage})}),U(`td`,{class:`badges`,children:e.aliases.map(e=>U(W,{kind:`alias`,children:[`@`,e]}))}),U(`td`,{class:`mono`,children:_s(e.metrics)}),U(`td`,{class:`mono`,children:_s(e.params)}),U(`td`,{children:U(Mt,{at:e.createdAt})})]}))})]})}),o.length>0&&a.length>1&&U(zo,{title:`Metrics across versions`,xLabel:`version`,x:a.map(e=>e.version),series:o})]}),U(It,{title:`Deployments`,children:s.length===0?U(jt,{children:`Not deployed: deploy a version with deployModelVersion.`}):U(`div`,{class:`scroll`,children:U(`table`,{id:`deployments`,children:[U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Endpoint`}),U(`th`,{scope:`col`,children:`Environment`}),U(`th`,{scope:`col`,children:`Version`}),U(`th`,{scope:`col`,children:`Traffic`}),U(`th`,{scope:`col`,children:`Status`}),U(`th`,{scope:`col`,children:`p95 (24 h)`}),U(`th`,{scope:`col`,children:`Predictions (24 h)`}),U(`th`,{scope:`col`,children:`Cost (24 h)`})]})}),U(`tbody`,{children:s.map(({v:e,d:t})=>U(`tr`,{"data-id":t.id,children:[U(`td`,{children:t.endpoint?.name??`—`}),U(`td`,{children:t.endpoint?.environment??`—`}),U(`td`,{children:[`v`,e.version]}),U(`td`,{children:[U(`meter`,{min:0,max:100,value:t.trafficPercent,"aria-label":`traffic`}),` `,t.trafficPercent,`%`]}),U(`td`,{children:t.status}),U(`td`,{children:t.endpoint?.p95LatencyMs24h==null?`—`:`${t.endpoint.p95LatencyMs24h.toFixed(1)} ms`}),U(`td`,{children:t.endpoint?.predictionVolume24h??`—`}),U(`td`,{children:t.endpoint?.cost24h.map(e=>`${e.total} ${e.currency}`).join(`, `)||`—`})]}))})]})})}),U(It,{title:`Artifacts`,children:[n&&U(At,{error:n}),c.length===0?U(jt,{children:`No artifacts: upload one with createArtifactUpload.`}):U(`div`,{class:`scroll`,children:U(`table`,{id:`artifacts`,children:[U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Path`}),U(`th`,{scope:`col`,children:`Version`}),U(`th`,{scope:`col`,children:`Size`}),U(`th`,{scope:`col`,children:`SHA-256`}),U(`th`,{scope:`col`,children:`Status`}),U(`th`,{scope:`col`,children:U(`span`,{class:`sr`,children:`Download`})})]})}),U(`tbody`,{children:c.map(({v:e,a:t})=>U(`tr`,{"data-id":t.id,children:[U(`td`,{class:`mono`,children:t.path}),U(`td`,{children:[`v`,e.version]}),U(`td`,{children:Nt(t.sizeBytes)}),U(`td`,{class:`mono`,title:t.sha256,children:[t.sha256.slice(0,12),`…`]}),U(`td`,{children:t.status}),U(`td`,{children:U(`button`,{type:`button`,disabled:t.status!==`VERIFIED`,onClick:()=>i(t.id),children:[`Download `,U(`span`,{class:`sr`,children:t.path})]})})]}))})]})})]}),U(It,{title:`Approvals and compliance evidence`,children:l.length===0?U(jt,{children:`No approvals requested: ask for one with requestApproval before promoting a version.`}):U(`ul`,{id:`model-approvals`,class:`cards`,children:l.map(({v:e,a:t})=>U(`li`,{"data-id":t.id,"data-status":t.status,children:[U(`h3`,{children:[`v`,e.version,` → `,t.targetStage,` `,U(W,{kind:t.status.toLowerCase(),children:t.status})]}),U(`p`,{class:`muted`,children:[`requested by `,t.requestedBy,` `,U(Mt,{at:t.createdAt}),t.reviewedBy&&U(y,{children:[` `,`· `,t.status.toLowerCase(),` by `,t.reviewedBy,` `,t.decidedAt&&U(Mt,{at:t.decidedAt}),t.reviewComment?`: “${t.reviewComment}”`:``]})]}),t.justification&&U(`p`,{children:t.justification}),t.checks.length>0&&U(`ul`,{class:`checks`,"aria-label":`Compliance checks of v${e.version}`,children:t.checks.map(e=>U(`li`,{children:[U(W,{kind:e.result.toLowerCase(),children:e.result}),` `,e.check,e.blocking?` (blocking)`:``,` `,U(Mt,{at:e.createdAt}),U(`details`,{children:[U(`summary`,{children:`Evidence`}),U(`pre`,{class:`mono`,tabIndex:0,"aria-label":`evidence of ${e.check}`,children:JSON.stringify(e.evidence,null,2)})]})]}))})]}))})}),U(It,{title:`Lineage (${r.totalCount} nodes within 2 steps)`,children:r.nodes.length===0?U(jt,{children:`Nothing upstream or downstream yet: train it on a dataset version or deploy a version.`}):U(ms,{start:t.id,nodes:ps({id:t.id,__typename:`Model`,name:t.name},r.nodes),edges:r.edges,open:e=>Et(`/lineage/${e}`,{depth:`2`})})}),U(It,{title:`History`,children:t.history.nodes.length===0?U(jt,{children:`No recorded changes.`}):U(`ol`,{id:`history`,class:`history`,children:t.history.nodes.map(e=>U(`li`,{children:[U(`strong`,{children:e.action}),` by `,e.actor??`—`,` `,U(Mt,{at:e.createdAt}),` ·`,` `,U(`a`,{href:H(`/models/${t.id}`,{asOf:e.createdAt}),children:`view as of then`})]}))})})]})}})}var ys=[``,`ACTIVE`,`DEPRECATED`,`ARCHIVED`];function bs(e){let[t,n]=R(``),[r,i]=R(``),a={};t&&(a.name={contains:t}),r&&(a.status={eq:r});let o=Lt(it,{filter:a,asOf:e.asOf});return U(`div`,{children:[U(`h1`,{children:`Models`}),U(`form`,{class:`filters`,onSubmit:e=>e.preventDefault(),role:`search`,"aria-label":`Filter models`,children:[U(`label`,{children:[`Name contains`,U(`input`,{value:t,onInput:e=>n(e.currentTarget.value)})]}),U(`label`,{children:[`Status`,U(`select`,{value:r,onChange:e=>i(e.currentTarget.value),children:ys.map(e=>U(`option`,{value:e,children:e||`any`}))})]})]}),U(kt,{q:o,children:e=>e.models.nodes.length===0?U(jt,{children:[`No models `,t||r?`match these filters`:`yet`,`. Register one with the`,` `,U(`code`,{children:`createModel`}),` mutation, an MLflow client or an OpenLineage event.`]}):U(`div`,{class:`scroll`,children:U(`table`,{id:`models`,children:[U(`caption`,{children:[e.models.totalCount,` models`]}),U(`thead`,{children:U(`tr`,{children:[U(`th`,{scope:`col`,children:`Name`}),U(`th`,{scope:`col`,children:`Namespace`}),U(`th`,{scope:`col`,children:`Framework`}),U(`th`,{scope:`col`,children:`Status`}),U(`th`,{scope:`col`,children:`Latest`}),U(`th`,{scope:`col`,children:`Stages and aliases`}),U(`th`,{scope:`col`,children:`Updated`})]})}),U(`tbody`,{children:e.models.nodes.map(e=>U(`tr`,{"data-id":e.id,children:[U(`td`,{children:U(`a`,{href:H(`/models/${e.id}`),children:e.name})}),U(`td`,{children:e.ns}),U(`td`,{children:e.framework??`—`}),U(`td`,{children:U(W,{kind:e.status.toLowerCase(),children:e.status})}),U(`td`,{children:e.latestVersionNumber?`v${e.latestVersionNumber}`:`—`}),U(`td`,{class:`badges`,children:e.versions.nodes.filter(e=>e.stage!==`NONE`||e.aliases.length).map(e=>U(y,{children:[e.stage!==`NONE`&&U(W,{kind:e.stage.toLowerCase(),children:[`v`,e.version,` `,e.stage]}),e.aliases.map(t=>U(W,{kind:`alias`,children:[`@`,t,` → v`,e.version]}))]}))}),U(`td`,{children:U(Mt,{at:e.updatedAt})})]}))})]})})})]})}var xs=[`MODEL`,`MODEL_VERSION`,`DATASET`,`DATASET_VERSION`,`EXPERIMENT`,`TRAINING_JOB`,`ENDPOINT`,`WORKFLOW`];function Ss(e){let t=e.name??``,n=e.version,r=(e.model??e.dataset)?.name;return n==null?t||e.id:`${r??`?`} v${n}`}function Cs(e){let t=e.type?[e.type]:null,n=Lt(rt,{text:e.text,types:t,hybrid:e.semantic});return U(`div`,{children:[U(`h1`,{children:[`Search: “`,e.text,`”`]}),U(`p`,{class:`muted`,id:`search-mode`,children:e.semantic?`By words and by meaning (full text fused with the embedding model's similarity).`:`By words (full text); start the server with --embedding-model-dir to search by meaning too.`}),U(kt,{q:n,children:e=>e.search.nodes.length===0?U(jt,{children:`Nothing matches. Try fewer words, a prefix (fraud*), or another type.`}):U(`ol`,{id:`results`,class:`results`,children:e.search.nodes.map(e=>{let t=e.node;return U(`li`,{"data-id":t.id,children:[U(W,{kind:`type`,children:t.__typename}),` `,U(`a`,{href:Ft(t),children:Ss(t)}),` `,U(`span`,{class:`muted`,children:t.ns??``}),U(`div`,{class:`snippet`,children:e.snippet.replace(/<\/?b>/g,``)})]})})})})]})}function ws(e){if(!e)return``;let t=new Date(e),n=e=>String(e).padStart(2,`0`);return`${t.getFullYear()}-${n(t.getMonth()+1)}-${n(t.getDate())}T${n(t.getHours())}:${n(t.getMinutes())}:${n(t.getSeconds())}`}function Ts(e){return U(`div`,{class:`time`,children:[U(`label`,{children:[`As of`,` `,U(`input`,{type:`datetime-local`,step:1,value:ws(e.asOf),onChange:t=>{let n=t.currentTarget.value;Et(e.path,{asOf:n?new Date(n).toISOString():null})}})]}),e.asOf&&U(`button`,{type:`button`,onClick:()=>Et(e.path,{asOf:null}),children:`Now`})]})}function Es(e){let[t,n]=R(!1),[r,i]=R(``),[a,o]=R(``),[s,c]=R(``),[l,u]=R(null),d=e.me,f=d?.user?.email??d?.actor;return Ke()&&d?U(`div`,{class:`who`,children:[U(`span`,{id:`who`,children:f??`signed in`}),U(`button`,{type:`button`,onClick:async()=>{await Xe(nt,{}).catch(()=>void 0),qe(null),e.changed()},children:`Sign out`})]}):d&&!d.authentication?U(`div`,{class:`who muted small`,title:`Authentication is off on this server: everyone may read and write`,children:`authentication off`}):U(`div`,{class:`who`,children:[f&&U(`span`,{id:`who`,children:f}),U(`button`,{type:`button`,"aria-expanded":t,onClick:()=>n(!t),children:`Sign in`}),t&&U(`div`,{class:`signin`,role:`dialog`,"aria-label":`Sign in`,children:[l&&U(At,{error:l}),U(`form`,{onSubmit:async t=>{t.preventDefault(),u(null);try{qe((await Xe(tt,{email:r,password:a})).login.token),o(``),n(!1),e.changed()}catch(e){u(e)}},children:[U(`label`,{children:[`Email `,U(`input`,{type:`email`,autocomplete:`username`,value:r,onInput:e=>i(e.currentTarget.value),required:!0})]}),U(`label`,{children:[`Password`,` `,U(`input`,{type:`password`,autocomplete:`current-password`,value:a,onInput:e=>o(e.currentTarget.value),required:!0})]}),U(`button`,{type:`submit`,children:`Sign in`})]}),U(`form`,{onSubmit:async t=>{t.preventDefault(),u(null),qe(s);try{await Xe(et,{}),c(``),n(!1),e.changed()}catch(e){qe(null),u(e)}},children:[U(`label`,{children:[`or an API key `,U(`input`,{type:`password`,value:s,onInput:e=>c(e.currentTarget.value),placeholder:`mlg_…`,required:!0})]}),U(`button`,{type:`submit`,children:`Use key`})]})]})]})}function Ds(){let e=Tt(),t=e.params.get(`asOf`),[n,r]=R(null),[i,a]=R(null),[o,s]=R(0),[c,l]=R(e.params.get(`q`)??``),[u,d]=R(e.params.get(`type`)??``);z(()=>{Xe(et,{}).then(e=>{r(e.me),a(null)},e=>{r(null),a(e)})},[o]);let[f,p]=e.path,m=`/${e.path.join(`/`)}`,h;switch(f??`models`){case`models`:h=p?U(vs,{id:p,asOf:t}):U(bs,{asOf:t});break;case`datasets`:h=p?U(Wo,{id:p,asOf:t}):U(Bo,{asOf:t});break;case`experiments`:h=p?U(rs,{id:p,asOf:t}):U(Zo,{asOf:t});break;case`endpoints`:h=p?U(Xo,{id:p,asOf:t}):U(qo,{asOf:t});break;case`jobs`:h=U(is,{asOf:t});break;case`approvals`:h=U(Bt,{asOf:t});break;case`admin`:h=U(zt,{});break;case`search`:h=n||i?U(Cs,{text:e.params.get(`q`)??``,type:e.params.get(`type`),semantic:!!n?.semanticSearch}):U(`p`,{class:`muted`,"aria-busy":`true`,children:`Loading…`});break;case`lineage`:h=U(hs,{id:p??``,depth:Number(e.params.get(`depth`)??3)||3,asOf:t});break;default:h=U(`p`,{role:`alert`,children:[`No such page. Go to `,U(`a`,{href:H(`/models`),children:`models`}),`.`]})}let g=(e,t)=>U(`a`,{href:H(e),"aria-current":f===e.slice(1)||!f&&e===`/models`?`page`:void 0,children:t});return U(y,{children:[U(`header`,{children:[U(`a`,{class:`brand`,href:H(`/models`),children:`mlgraph`}),U(`nav`,{"aria-label":`Main`,children:[g(`/models`,`Models`),g(`/datasets`,`Datasets`),g(`/experiments`,`Experiments`),g(`/endpoints`,`Endpoints`),g(`/jobs`,`Training jobs`),g(`/approvals`,`Approvals`),(n?.user?.isSuperuser||n&&!n.authentication)&&g(`/admin`,`Admin`),U(`a`,{href:`/graphiql`,children:`GraphiQL`})]}),U(`form`,{class:`search`,role:`search`,onSubmit:e=>{e.preventDefault(),c.trim()&&Et(`/search`,{q:c.trim(),type:u||null,asOf:null})},children:[U(`input`,{type:`search`,"aria-label":`Search the registry`,placeholder:`Search…`,value:c,onInput:e=>l(e.currentTarget.value)}),U(`select`,{"aria-label":`Search in`,value:u,onChange:e=>d(e.currentTarget.value),children:[U(`option`,{value:``,children:`everything`}),xs.map(e=>U(`option`,{value:e,children:e.toLowerCase().replace(`_`,` `)}))]}),U(`button`,{type:`submit`,children:`Search`})]}),U(Ts,{asOf:t,path:m===`/`?`/models`:m}),U(Es,{me:n,changed:()=>s(e=>e+1)})]}),t&&U(`div`,{class:`asof`,role:`status`,id:`asof`,children:[`Showing the registry as it was at `,U(`time`,{dateTime:t,children:new Date(t).toLocaleString()}),`.`,` `,U(`a`,{href:H(m===`/`?`/models`:m,{asOf:null}),children:`Back to now`})]}),U(`main`,{children:[i&&U(At,{error:i}),n?.authentication&&!n.user&&U(`p`,{class:`empty`,id:`signin-hint`,children:`Authentication is on: sign in (top right) with your email and password or an API key to see what you may see.`}),h]},o)]})}var Os=document.getElementById(`app`);Os&&P(U(Ds,{}),Os);export{z as n,B as r,U as t};
//! The planner: a plain subtree of a top-level list or node compiled into **one
//! statement**.
//!
//! A top-level list or node whose selection reads only plain fields (columns, to-one
//! references and to-many connections of node types that declare how SQL reads them,
//! see [`Plannable`]) is answered by one PostgreSQL statement that builds the whole tree as
//! JSON: each connection is a correlated subquery over its parent's row (the same
//! scope, filter, order and window as its DataLoader would use, an index range scan
//! stopped after the page), each reference a lookup by primary key. The server then only
//! turns the statement's JSON into the response, field by field in selection order, with
//! the same conversions the resolvers make (global ids, cursors, timestamps, enums), so a
//! planned answer and a resolved one are the same value (a test compares them).
//!
//! The planner reads the request's one view of its operation (`gql::operation`):
//! fragments spread, `@skip`/`@include` evaluated, variables substituted. Anything else
//! falls back to the resolvers and DataLoaders, whole: a field the planner does not know,
//! a directive other than `@skip`/`@include`, a fragment on another type, a duplicated
//! response key, a request without a view, a tail page (`last` without
//! `before`), time travel, SQLite, or arguments the planner could not read (the
//! resolvers then report the error as they always do). So does a flat node lookup (one
//! plain row is cheaper for the database than its JSON, and one statement either way);
//! a flat list is planned (its statement reads only the selected columns, and its answer
//! needs no resolver per field).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use async_graphql::parser::types::Field as DocField;
use async_graphql::registry::Registry;
use async_graphql::{
    Context, ContextSelectionSet, InputType, Name, OutputType, Positioned, ServerResult, Value,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, IdenStatic, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use uuid::Uuid;

use crate::config::Limits;
use crate::core::context::RequestContext;
use crate::core::ids;
use crate::core::loader::ChildRelation;
use crate::core::node::NodeEntity;
use crate::core::paging::{PageArgs, Window, encode_cursor};
use crate::core::store::{self, ListSpec};
use crate::error::AppResult;
use crate::gql::operation::{Current, Field, Selection};

/// A field's value: resolved by its object's resolvers, or built by the planner.
pub enum Planned<T> {
    /// Resolved field by field (DataLoaders for nested levels).
    Resolved(T),
    /// Built from one planned statement (taken once, when the field is resolved).
    Built(Mutex<Option<Value>>),
}

impl<T> Planned<T> {
    /// A value built by the planner.
    pub fn built(value: Value) -> Self {
        Planned::Built(Mutex::new(Some(value)))
    }
}

impl<T: OutputType> OutputType for Planned<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        match self {
            Planned::Resolved(t) => t.introspection_type_name(),
            Planned::Built(_) => T::type_name(),
        }
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<DocField>,
    ) -> ServerResult<Value> {
        match self {
            Planned::Resolved(t) => t.resolve(ctx, field).await,
            Planned::Built(v) => Ok(v
                .lock()
                .ok()
                .and_then(|mut v| v.take())
                .unwrap_or(Value::Null)),
        }
    }
}

/// How one GraphQL field of a row's object is read in SQL.
pub enum PField<E: EntityTrait> {
    /// A column, converted as `Kind` says.
    Col(E::Column, Kind),
    /// A to-one reference through the foreign key column.
    Ref(E::Column, RefPlanner),
    /// A to-many connection.
    Children(ChildPlanner),
}

/// Plans a reference field whose target's id is the given expression.
pub type RefPlanner = fn(&mut Builder<'_>, &Field, Expr) -> Option<(Obj, Expr)>;
/// Plans a connection field of the parent whose id is the given expression.
pub type ChildPlanner = fn(&mut Builder<'_>, &Field, Expr) -> Option<(ConnLayout, Expr)>;

/// How a column's JSON becomes the GraphQL value its resolver returns.
#[derive(Clone, Copy)]
pub enum Kind {
    /// Strings, integers, booleans, JSON: as they are.
    Plain,
    /// A float (`3.0` stays a float).
    Float,
    /// A timestamp (the statement sends microseconds since the epoch).
    Time,
    /// JSON, `{}` when null.
    JsonOrEmpty,
    /// A JSON array of strings as a list of strings (null when it is anything else).
    Strings,
    /// An enumeration stored as its value's text.
    Enum(fn(serde_json::Value) -> Value),
}

/// A column of kind [`Kind::Enum`]: the stored text read as the entity's enumeration `A`
/// and shown as the GraphQL enumeration `G` (see `declare::enum_kind`).
pub fn enum_value<A, G>(j: serde_json::Value) -> Value
where
    A: serde::de::DeserializeOwned,
    G: From<A> + InputType,
{
    A::deserialize(j)
        .ok()
        .map_or(Value::Null, |a| G::from(a).to_value())
}

/// A node table whose rows the planner can read: the GraphQL object of a row and how
/// SQL reads each of its plain fields. Implemented by `declare::node_type!` from the same
/// declaration the type's getters come from.
pub trait Plannable: NodeEntity {
    /// The GraphQL object a row is.
    const OBJECT: &'static str;
    /// How the field `name` is read, if the planner may read it (no arguments, no
    /// resolver logic beyond a conversion).
    fn field(name: &str) -> Option<PField<Self>>;
    /// A nested list's filter and order from its `filter` and `orderBy` arguments (none
    /// when they do not parse: the resolvers report that).
    fn spec(filter: Option<Value>, order_by: Option<Value>) -> Option<ListSpec<Self>>;
}

/// [`PField::Ref`] to a node of `T`.
pub fn reference<E: EntityTrait, T: Plannable>(fk: E::Column) -> PField<E> {
    PField::Ref(fk, plan_ref::<T>)
}

/// [`PField::Children`] through the relation `R`.
pub fn children<E: EntityTrait, R>() -> PField<E>
where
    R: ChildRelation,
    R::Child: Plannable,
{
    PField::Children(plan_children::<R>)
}

/// What a planned statement reads with: the caller and the limits.
pub struct Builder<'a> {
    rc: &'a RequestContext,
    limits: &'a Limits,
    aliases: usize,
}

impl<'a> Builder<'a> {
    fn new(rc: &'a RequestContext, limits: &'a Limits) -> Self {
        Builder {
            rc,
            limits,
            aliases: 0,
        }
    }

    /// A new row alias (`t1`, `t2`, ...): every level of a statement has its own.
    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("t{}", self.aliases)
    }

    /// The fields of `set` on an object of type `on` (those selected through fragments
    /// that apply to it, see [`applies`]); none when a directive other than
    /// `@skip`/`@include`, a fragment on a type the planner cannot place or a repeated
    /// response key appears.
    fn fields<'d>(&self, set: &'d Selection, on: &str, out: &mut Vec<&'d Field>) -> Option<()> {
        for f in &set.fields {
            if f.directed {
                return None;
            }
            let mut applied = true;
            for c in &f.conditions {
                applied &= applies(c.as_str(), on)?;
            }
            if !applied {
                continue;
            }
            if out.iter().any(|o| o.key == f.key) {
                return None;
            }
            out.push(f);
        }
        Some(())
    }

    /// The field's arguments; none when one is not in `allowed`.
    fn args(&self, field: &Field, allowed: &[&str]) -> Option<HashMap<String, Value>> {
        let mut out = HashMap::new();
        for (name, value) in &field.args {
            if !allowed.contains(&name.as_str()) {
                return None;
            }
            out.insert(name.to_string(), value.clone());
        }
        Some(out)
    }
}

/// Whether a fragment on `condition` applies to an object of type `on`: yes for `on`
/// itself and for `Node` (every node object implements it, and validation allows such a
/// fragment only where the object is one), no for another node type (`node(id:) { ... on
/// Dataset { } }` on a model), and `None` (the planner declines) for anything else.
fn applies(condition: &str, on: &str) -> Option<bool> {
    if condition == on || condition == "Node" {
        Some(true)
    } else if ids::NodeType::from_name(condition).is_some() {
        Some(false)
    } else {
        None
    }
}

/// Where one field's value sits in its row and how it becomes a GraphQL value.
enum Slot {
    Typename,
    Id(usize),
    Col(Kind, usize),
    Ref(Box<Obj>, usize),
    Conn(Box<ConnLayout>, usize),
}

/// The layout of one node object: its fields in selection order, read from a row (a JSON
/// array of the columns the statement selected for it).
pub struct Obj {
    object: &'static str,
    node_type: ids::NodeType,
    fields: Vec<(Name, Slot)>,
}

/// The layout of one connection: its fields in selection order, read from
/// `[rows, rows fetched, total]`.
pub struct ConnLayout {
    start: u64,
    limit: u64,
    connection: String,
    edge: String,
    fields: Vec<(Name, ConnPart)>,
}

enum ConnPart {
    Typename,
    Edges(Vec<(Name, EdgePart)>),
    Nodes(Obj),
    PageInfo(Vec<(Name, PagePart)>),
    TotalCount,
}

enum EdgePart {
    Typename,
    Cursor,
    Node(Obj),
}

enum PagePart {
    Typename,
    HasPrevious,
    HasNext,
    StartCursor,
    EndCursor,
}

fn key(f: &Field) -> Name {
    f.key.clone()
}

/// One row alias's part of a statement: the entries of the JSON array built for each of
/// its rows, and the columns of its table they read (its subquery selects those only, so
/// a column no field selected, a JSON document say, is never read).
struct Row<E: EntityTrait> {
    t: Alias,
    entries: Vec<Expr>,
    read: Vec<E::Column>,
}

impl<E: NodeEntity> Row<E> {
    fn new(t: Alias) -> Self {
        Row {
            t,
            entries: Vec::new(),
            read: vec![E::col_id()],
        }
    }

    /// The column `c` of the row.
    fn col(&mut self, c: E::Column) -> Expr {
        if !self
            .read
            .iter()
            .any(|r| IdenStatic::as_str(r) == IdenStatic::as_str(&c))
        {
            self.read.push(c);
        }
        Expr::col((self.t.clone(), c))
    }

    /// Adds an entry to the row's array; its index.
    fn push(&mut self, e: Expr) -> usize {
        self.entries.push(e);
        self.entries.len() - 1
    }

    /// `select`, reading only the row's columns.
    fn narrow(&self, select: sea_orm::Select<E>) -> sea_orm::Select<E> {
        self.read
            .iter()
            .fold(select.select_only(), |s, c| s.column(*c))
    }
}

/// Plans the node object selected by `set` over `row`: its layout, and the entries (and
/// nested subqueries) its row's array must hold.
fn object<E: Plannable>(b: &mut Builder<'_>, set: &Selection, row: &mut Row<E>) -> Option<Obj> {
    let mut selected = Vec::new();
    b.fields(set, E::OBJECT, &mut selected)?;
    let mut fields = Vec::with_capacity(selected.len());
    for f in selected {
        let name = f.name.as_str();
        let scalar = f.args.is_empty() && f.is_leaf();
        let slot = match name {
            "__typename" => Slot::Typename,
            "id" if scalar => {
                let c = row.col(E::col_id());
                Slot::Id(row.push(c))
            }
            _ => match E::field(name)? {
                PField::Col(col, kind) if scalar => {
                    let c = row.col(col);
                    Slot::Col(
                        kind,
                        row.push(match kind {
                            Kind::Time => Expr::cust_with_exprs(
                                "(EXTRACT(EPOCH FROM $1) * 1000000)::int8",
                                [c],
                            ),
                            _ => c,
                        }),
                    )
                }
                PField::Col(..) => return None,
                PField::Ref(fk, plan) => {
                    if !f.args.is_empty() {
                        return None;
                    }
                    let (obj, sub) = plan(b, f, row.col(fk))?;
                    Slot::Ref(Box::new(obj), row.push(sub))
                }
                PField::Children(plan) => {
                    let (conn, sub) = plan(b, f, row.col(E::col_id()))?;
                    Slot::Conn(Box::new(conn), row.push(sub))
                }
            },
        };
        fields.push((key(f), slot));
    }
    Some(Obj {
        object: E::OBJECT,
        node_type: E::NODE_TYPE,
        fields,
    })
}

/// `json_build_array(cols)` (PostgreSQL takes at most 100 arguments).
fn row_array(cols: Vec<Expr>) -> Option<Expr> {
    if cols.len() > 100 {
        return None;
    }
    let holes = (1..=cols.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(Expr::cust_with_exprs(
        format!("json_build_array({holes})"),
        cols,
    ))
}

/// Plans a reference to a node of `T` whose id is `id` (null when it is missing or out of
/// the caller's scope, as its loader answers).
fn plan_ref<T: Plannable>(b: &mut Builder<'_>, field: &Field, id: Expr) -> Option<(Obj, Expr)> {
    let mut row = Row::<T>::new(Alias::new(b.alias()));
    let obj = object::<T>(b, &field.selection, &mut row)?;
    let found = row
        .narrow(T::find())
        .filter(b.rc.scope.condition(T::col_ns()))
        .filter(Expr::col((T::default(), T::col_id())).eq(id))
        .limit(1)
        .into_query();
    let sel = Query::select()
        .expr(row_array(row.entries)?)
        .from_subquery(found, row.t)
        .to_owned();
    Some((obj, Expr::SubQuery(None, Box::new(sel.into()))))
}

/// Plans the connection `field` of the relation `R` for the parent whose id is `parent`.
fn plan_children<R>(b: &mut Builder<'_>, field: &Field, parent: Expr) -> Option<(ConnLayout, Expr)>
where
    R: ChildRelation,
    R::Child: Plannable,
{
    let mut args = b.args(
        field,
        &[
            "filter", "orderBy", "first", "after", "last", "before", "offset",
        ],
    )?;
    let spec = R::Child::spec(args.remove("filter"), args.remove("orderBy"))?;
    let window = page_args(args)?.window(b.limits).ok()?;
    let link = R::parent_link();
    let rows = store::children_of_parent::<R::Child>(b.rc, link, &spec, &parent);
    let count = field
        .selection
        .selects("totalCount")
        .then(|| store::child_count::<R::Child>(b.rc, link, &spec, R::count_rollup(), &parent));
    let (layout, sel) = connection::<R::Child>(b, field, rows, &spec, window, count)?;
    Some((layout, Expr::SubQuery(None, Box::new(sel.into()))))
}

/// The paging arguments among `args` (what remains once filter and order are taken).
fn page_args(mut args: HashMap<String, Value>) -> Option<PageArgs> {
    let mut take = |name: &str| args.remove(name);
    Some(PageArgs::new(
        <Option<i32>>::parse(take("first")).ok()?,
        <Option<String>>::parse(take("after")).ok()?,
        <Option<i32>>::parse(take("last")).ok()?,
        <Option<String>>::parse(take("before")).ok()?,
        <Option<i32>>::parse(take("offset")).ok()?,
    ))
}

/// Plans a connection over `rows` (in scope, filtered, of one parent or top-level): the
/// page in the spec's order, numbered; its rows aggregated as JSON; how many were fetched
/// (one more than the page says whether another follows) and, when given, the count.
fn connection<E: Plannable>(
    b: &mut Builder<'_>,
    field: &Field,
    rows: sea_orm::Select<E>,
    spec: &ListSpec<E>,
    window: Window,
    count: Option<SelectStatement>,
) -> Option<(ConnLayout, SelectStatement)> {
    let Window::Forward { start, limit } = window else {
        return None;
    };
    let mut row = Row::<E>::new(Alias::new(b.alias()));
    let mut selected = Vec::new();
    let connection = format!("{}Connection", E::OBJECT);
    let edge = format!("{}Edge", E::OBJECT);
    b.fields(&field.selection, &connection, &mut selected)?;
    let mut fields = Vec::with_capacity(selected.len());
    for f in selected {
        if !f.args.is_empty() {
            return None;
        }
        let set = &f.selection;
        let part = match f.name.as_str() {
            "__typename" => ConnPart::Typename,
            "totalCount" if count.is_some() => ConnPart::TotalCount,
            "nodes" => ConnPart::Nodes(object::<E>(b, set, &mut row)?),
            "edges" => {
                let mut parts = Vec::new();
                let mut edge_fields = Vec::new();
                b.fields(set, &edge, &mut edge_fields)?;
                for ef in edge_fields {
                    if !ef.args.is_empty() {
                        return None;
                    }
                    let part = match ef.name.as_str() {
                        "__typename" => EdgePart::Typename,
                        "cursor" => EdgePart::Cursor,
                        "node" => EdgePart::Node(object::<E>(b, &ef.selection, &mut row)?),
                        _ => return None,
                    };
                    parts.push((key(ef), part));
                }
                ConnPart::Edges(parts)
            }
            "pageInfo" => {
                let mut parts = Vec::new();
                let mut info_fields = Vec::new();
                b.fields(set, "PageInfo", &mut info_fields)?;
                for pf in info_fields {
                    if !pf.args.is_empty() {
                        return None;
                    }
                    let part = match pf.name.as_str() {
                        "__typename" => PagePart::Typename,
                        "hasPreviousPage" => PagePart::HasPrevious,
                        "hasNextPage" => PagePart::HasNext,
                        "startCursor" => PagePart::StartCursor,
                        "endCursor" => PagePart::EndCursor,
                        _ => return None,
                    };
                    parts.push((key(pf), part));
                }
                ConnPart::PageInfo(parts)
            }
            _ => return None,
        };
        fields.push((key(f), part));
    }

    // The page, one row more than asked (whether another follows), reading only what
    // its fields read and its order; aggregated in the same order (the extra row is
    // dropped when the JSON is read). No window: PostgreSQL prunes what is not read.
    let mut order = Vec::with_capacity(spec.order.len());
    for (col, ord) in &spec.order {
        let c = row.col(*col);
        let dir = match ord {
            sea_orm::Order::Desc => "DESC",
            _ => "ASC",
        };
        order.push((c, dir));
    }
    let mut page = row.narrow(rows);
    for (col, ord) in &spec.order {
        page = page.order_by(Expr::col((E::default(), *col)), ord.clone());
    }
    let page = page.offset(start).limit(limit + 1).into_query();
    let total = match count {
        Some(c) => Expr::SubQuery(None, Box::new(c.into())),
        None => Expr::cust("NULL"),
    };
    let holes = (3..order.len() + 3)
        .zip(&order)
        .map(|(i, (_, dir))| format!("${i} {dir}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut exprs = vec![row_array(row.entries)?, total];
    exprs.extend(order.into_iter().map(|(c, _)| c));
    let agg = Expr::cust_with_exprs(
        format!(
            "json_build_array(COALESCE(json_agg($1 ORDER BY {holes}), '[]'::json), COUNT(*), $2)"
        ),
        exprs,
    );
    let sel = Query::select()
        .expr_as(agg, Alias::new("j"))
        .from_subquery(page, row.t)
        .to_owned();
    Some((
        ConnLayout {
            start,
            limit,
            connection,
            edge,
            fields,
        },
        sel,
    ))
}

/// One planned top-level list: the statement, and how its JSON becomes the field's value.
pub struct ListPlan {
    layout: ConnLayout,
    statement: SelectStatement,
}

impl ListPlan {
    /// The one statement (public so that a test can `EXPLAIN` exactly what is sent).
    pub fn statement(&self) -> &SelectStatement {
        &self.statement
    }

    /// Runs the statement and builds the field's value.
    pub async fn run(self, db: &impl ConnectionTrait) -> AppResult<Value> {
        match json_of(db, &self.statement).await? {
            Some(j) => Ok(self.layout.value(j)?),
            None => Ok(Value::Null),
        }
    }
}

/// Plans the top-level list `field` of `E` (rows in scope matching `spec`, the page
/// `window`), or `None` when the planner does not take it (see the module).
pub fn plan_list<E: Plannable>(
    field: &Field,
    rc: &RequestContext,
    limits: &Limits,
    spec: &ListSpec<E>,
    window: Window,
) -> Option<ListPlan> {
    let mut b = Builder::new(rc, limits);
    let rows = E::find()
        .filter(rc.scope.condition(E::col_ns()))
        .filter(spec.cond.clone());
    let count = field.selection.selects("totalCount").then(|| {
        rows.clone()
            .select_only()
            .column_as(Expr::cust("COUNT(*)"), "_cnt")
            .into_query()
    });
    // A flat page too: its statement reads only the columns selected, and its answer
    // needs no resolver per field (the benchmark's page of 50 costs the server 40 % less
    // CPU than resolved, BENCHMARKS.md).
    let (layout, statement) = connection::<E>(&mut b, field, rows, spec, window, count)?;
    Some(ListPlan { layout, statement })
}

/// One planned top-level node: the statement, and how its row becomes the field's value.
pub struct NodePlan {
    layout: Obj,
    statement: SelectStatement,
}

impl NodePlan {
    /// Runs the statement and builds the field's value; `None` without such a row (in
    /// the caller's scope).
    pub async fn run(self, db: &impl ConnectionTrait) -> AppResult<Option<Value>> {
        match json_of(db, &self.statement).await? {
            Some(j) => Ok(Some(self.layout.value(j)?)),
            None => Ok(None),
        }
    }
}

/// The JSON a planned statement answers (its column `j`), `None` without a row.
async fn json_of(
    db: &impl ConnectionTrait,
    statement: &SelectStatement,
) -> AppResult<Option<serde_json::Value>> {
    match db.query_one(statement).await? {
        Some(row) => Ok(Some(row.try_get("", "j")?)),
        None => Ok(None),
    }
}

/// Plans the top-level node `field` of `E` (the row in scope matching `cond`), or `None`
/// when the planner does not take it.
pub fn plan_node<E: Plannable>(
    field: &Field,
    rc: &RequestContext,
    limits: &Limits,
    cond: sea_orm::Condition,
) -> Option<NodePlan> {
    let mut b = Builder::new(rc, limits);
    let mut row = Row::<E>::new(Alias::new(b.alias()));
    let layout = object::<E>(&mut b, &field.selection, &mut row)?;
    // A node without nested levels is one statement either way, and the plain row is
    // cheaper for the database than its JSON.
    if !layout.nests() {
        return None;
    }
    let found = row
        .narrow(E::find())
        .filter(rc.scope.condition(E::col_ns()))
        .filter(cond)
        .limit(1)
        .into_query();
    let statement = Query::select()
        .expr_as(row_array(row.entries)?, Alias::new("j"))
        .from_subquery(found, row.t)
        .to_owned();
    Some(NodePlan { layout, statement })
}

/// Whether the planner may answer this request at all: it is on, the database is
/// PostgreSQL and the request reads the present.
fn enabled(db: &impl ConnectionTrait, rc: &RequestContext, limits: &Limits) -> bool {
    limits.planner && db.get_database_backend() == DbBackend::Postgres && rc.as_of.get().is_none()
}

/// The field `ctx` resolves, in the request's view of its operation (none without a
/// view, or when its response key is selected more than once on the way: the executor
/// merges those, the planner leaves them to it).
fn viewed<'a>(ctx: &'a Context<'_>) -> Option<&'a Field> {
    let mut keys = Vec::new();
    let mut node = ctx.path_node.as_ref();
    while let Some(n) = node {
        if let async_graphql::QueryPathSegment::Name(key) = n.segment {
            keys.push(key);
        }
        node = n.parent;
    }
    let mut set = ctx.data_opt::<Current>()?.root()?;
    let mut field = None;
    for key in keys.into_iter().rev() {
        let mut matching = set.by_key(key);
        let f = matching.next()?;
        if matching.next().is_some() {
            return None;
        }
        set = &f.selection;
        field = Some(f);
    }
    field
}

/// A top-level list of `E` answered by one planned statement, or `None` when the planner
/// may not ([`enabled`]) or does not take the selection.
pub async fn top_list<E: Plannable>(
    ctx: &Context<'_>,
    db: &impl ConnectionTrait,
    rc: &RequestContext,
    limits: &Limits,
    spec: &ListSpec<E>,
    window: Window,
) -> AppResult<Option<Value>> {
    if !enabled(db, rc, limits) {
        return Ok(None);
    }
    let Some(field) = viewed(ctx) else {
        return Ok(None);
    };
    match plan_list::<E>(field, rc, limits, spec, window) {
        Some(plan) => plan.run(db).await.map(Some),
        None => Ok(None),
    }
}

/// A top-level node of `E` (the row in scope matching `cond`) answered by one planned
/// statement, or `None` when the planner may not or does not take the selection, or no
/// such row is in scope (the resolvers then say `NOT_FOUND`).
pub async fn top_node<E: Plannable>(
    ctx: &Context<'_>,
    db: &impl ConnectionTrait,
    rc: &RequestContext,
    limits: &Limits,
    cond: sea_orm::Condition,
) -> AppResult<Option<Value>> {
    if !enabled(db, rc, limits) {
        return Ok(None);
    }
    let Some(field) = viewed(ctx) else {
        return Ok(None);
    };
    match plan_node::<E>(field, rc, limits, cond) {
        Some(plan) => plan.run(db).await,
        None => Ok(None),
    }
}

fn take(row: &mut [serde_json::Value], i: usize) -> serde_json::Value {
    row.get_mut(i).map(std::mem::take).unwrap_or_default()
}

/// A statement's JSON that does not have the layout its plan expects: a bug in the
/// planner or a declaration, reported (never a silent `null`).
#[derive(Debug)]
struct Mismatch(String);

impl Mismatch {
    fn new(what: &str, got: &serde_json::Value) -> Self {
        let mut got = got.to_string();
        got.truncate(200);
        Mismatch(format!("planned statement: {what}, got {got}"))
    }
}

impl From<Mismatch> for crate::error::AppError {
    fn from(m: Mismatch) -> Self {
        tracing::error!(error = %m.0, "planner layout mismatch");
        crate::error::AppError::Internal(m.0)
    }
}

impl Kind {
    fn value(self, j: serde_json::Value) -> Result<Value, Mismatch> {
        if matches!(j, serde_json::Value::Null) {
            return Ok(match self {
                Kind::JsonOrEmpty => Value::Object(Default::default()),
                _ => Value::Null,
            });
        }
        let converted = match self {
            Kind::Plain | Kind::JsonOrEmpty => Value::from_json(j.clone()).ok(),
            Kind::Float => j
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            Kind::Time => j
                .as_i64()
                .and_then(chrono::DateTime::from_timestamp_micros)
                .map(|t| Value::String(t.to_rfc3339())),
            // As the resolver: a list of anything but strings is null.
            Kind::Strings => Some(
                serde_json::from_value::<Vec<String>>(j.clone()).map_or(Value::Null, |v| {
                    Value::List(v.into_iter().map(Value::String).collect())
                }),
            ),
            Kind::Enum(f) => Some(f(j.clone())).filter(|v| *v != Value::Null),
        };
        converted.ok_or_else(|| Mismatch::new("a column its kind cannot read", &j))
    }
}

impl Obj {
    /// Whether it selects a nested level (a reference or a connection).
    fn nests(&self) -> bool {
        self.fields
            .iter()
            .any(|(_, s)| matches!(s, Slot::Ref(..) | Slot::Conn(..)))
    }

    fn value(&self, row: serde_json::Value) -> Result<Value, Mismatch> {
        let serde_json::Value::Array(mut row) = row else {
            return Err(Mismatch::new("a row that is not an array", &row));
        };
        let mut map = async_graphql::indexmap::IndexMap::with_capacity(self.fields.len());
        for (key, slot) in &self.fields {
            let v = match slot {
                Slot::Typename => Value::String(self.object.to_owned()),
                Slot::Id(i) => {
                    let j = take(&mut row, *i);
                    match j.as_str().map(Uuid::parse_str) {
                        Some(Ok(id)) => Value::String(ids::encode(self.node_type, id)),
                        _ => return Err(Mismatch::new("an id that is not a UUID", &j)),
                    }
                }
                Slot::Col(kind, i) => kind.value(take(&mut row, *i))?,
                Slot::Ref(obj, i) => match take(&mut row, *i) {
                    serde_json::Value::Null => Value::Null,
                    r => obj.value(r)?,
                },
                Slot::Conn(conn, i) => conn.value(take(&mut row, *i))?,
            };
            map.insert(key.clone(), v);
        }
        Ok(Value::Object(map))
    }
}

impl ConnLayout {
    /// The node objects planned over its rows (`nodes`, `edges { node }`).
    fn objects(&self) -> impl Iterator<Item = &Obj> {
        self.fields.iter().flat_map(|(_, p)| match p {
            ConnPart::Nodes(obj) => vec![obj],
            ConnPart::Edges(parts) => parts
                .iter()
                .filter_map(|(_, e)| match e {
                    EdgePart::Node(obj) => Some(obj),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
    }

    fn value(&self, j: serde_json::Value) -> Result<Value, Mismatch> {
        let serde_json::Value::Array(mut parts) = j else {
            return Err(Mismatch::new("a connection that is not an array", &j));
        };
        let fetched = take(&mut parts, 1);
        let fetched = fetched
            .as_u64()
            .ok_or_else(|| Mismatch::new("a row count that is not a number", &fetched))?;
        // The count is null when `totalCount` was not selected.
        let total = take(&mut parts, 2).as_i64().unwrap_or_default();
        let mut rows = match take(&mut parts, 0) {
            serde_json::Value::Array(rows) => rows,
            serde_json::Value::Null => Vec::new(),
            other => return Err(Mismatch::new("a page that is not an array", &other)),
        };
        // The row past the page only said that another follows.
        rows.truncate(usize::try_from(self.limit).unwrap_or(usize::MAX));
        let n = rows.len() as u64;
        // Each row is read by every object planned over it (`edges { node }` and `nodes`
        // each hold their own columns); the last reader takes it.
        let readers = self.objects().count();
        let mut rows: Vec<serde_json::Value> = rows;
        let mut read = 0;
        let mut map = async_graphql::indexmap::IndexMap::with_capacity(self.fields.len());
        let cursor = |i: u64| Value::String(encode_cursor(self.start + i));
        for (key, part) in &self.fields {
            let mut next_rows = |obj: &Obj| -> Result<Vec<Value>, Mismatch> {
                read += 1;
                if read == readers {
                    std::mem::take(&mut rows)
                        .into_iter()
                        .map(|r| obj.value(r))
                        .collect()
                } else {
                    rows.iter().map(|r| obj.value(r.clone())).collect()
                }
            };
            let v = match part {
                ConnPart::Typename => Value::String(self.connection.clone()),
                ConnPart::TotalCount => Value::from(total),
                ConnPart::Nodes(obj) => Value::List(next_rows(obj)?),
                ConnPart::Edges(parts) => {
                    let mut nodes: Vec<Option<std::vec::IntoIter<Value>>> = parts
                        .iter()
                        .map(|(_, p)| match p {
                            EdgePart::Node(obj) => next_rows(obj).map(|r| Some(r.into_iter())),
                            _ => Ok(None),
                        })
                        .collect::<Result<_, _>>()?;
                    let edges = (0..n)
                        .map(|i| {
                            let mut edge = async_graphql::indexmap::IndexMap::new();
                            for ((k, p), nodes) in parts.iter().zip(nodes.iter_mut()) {
                                let v = match p {
                                    EdgePart::Typename => Value::String(self.edge.clone()),
                                    EdgePart::Cursor => cursor(i),
                                    EdgePart::Node(_) => nodes
                                        .as_mut()
                                        .and_then(Iterator::next)
                                        .unwrap_or(Value::Null),
                                };
                                edge.insert(k.clone(), v);
                            }
                            Value::Object(edge)
                        })
                        .collect();
                    Value::List(edges)
                }
                ConnPart::PageInfo(parts) => {
                    let mut info = async_graphql::indexmap::IndexMap::new();
                    for (k, p) in parts {
                        let v = match p {
                            PagePart::Typename => Value::String("PageInfo".to_owned()),
                            PagePart::HasPrevious => Value::Boolean(self.start > 0),
                            PagePart::HasNext => Value::Boolean(fetched > self.limit),
                            PagePart::StartCursor if n > 0 => cursor(0),
                            PagePart::EndCursor if n > 0 => cursor(n - 1),
                            PagePart::StartCursor | PagePart::EndCursor => Value::Null,
                        };
                        info.insert(k.clone(), v);
                    }
                    Value::Object(info)
                }
            };
            map.insert(key.clone(), v);
        }
        Ok(Value::Object(map))
    }
}

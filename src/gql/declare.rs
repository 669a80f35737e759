//! One declaration per node type: [`node_type!`] reads a type's columns, references
//! and child connections once and generates from that one list both ways of reading
//! them, so they cannot disagree:
//! - the GraphQL getters of the type's own-fields object (`XFields`), with the
//!   hand-written resolvers (fields with logic) merged into the same `#[Object]`;
//! - the planner's knowledge of the type ([`Plannable`](super::plan::Plannable)): which
//!   column, which conversion, which reference or relation each field is.
//!
//! A column is one line: `/// doc` then `name: Kind` (`= model_field` when the GraphQL
//! name differs from the row's field). Kinds, with the getter's type and how the planner
//! converts the column's JSON:
//!
//! | kind | GraphQL type | planner |
//! |---|---|---|
//! | `Str` / `OptStr` | `String!` / `String` | as is |
//! | `Copy(T)` | `T` (integers, booleans, their options) | as is |
//! | `Float(T)` | `f64` or `Option<f64>` | a float stays a float |
//! | `Time` / `OptTime` | `DateTime` | microseconds → RFC 3339 |
//! | `Json` / `OptJson` | `JSON` | as is |
//! | `JsonOrEmpty` | `JSON!` (`{}` when null) | `{}` when null |
//! | `Enum(G)` / `OptEnum(G)` | the GraphQL enumeration `G` | the stored text through the entity's enumeration into `G` |
//! | `Strings` | `[String!]` from a JSON array (null when it is anything else) | the same |
//!
//! A reference is `name: Object = foreign_key` (the foreign key a `Uuid` or an
//! `Option<Uuid>`); a child connection is `name: Relation => Object`, with the child's
//! `filter`, `orderBy` and paging arguments.
//!
//! A type with lists (`list XFilter, XOrder of "xs"`) gets its filter and order inputs
//! from the same lines ([`list_inputs!`]): a column flagged `filter` (after its kind) is a
//! field of `XFilter` with its kind's filter (text → `StringFilter`, time →
//! `DateTimeFilter`, numbers → `IntFilter`/`FloatFilter`, an enumeration → its own
//! filter), a reference flagged `filter` is an `IdFilter` on its foreign key, and a column
//! flagged `order` is a key of `XOrder`; each with the column's description. Filters that
//! are not a declared field's are listed in `filter_columns { }` (a column not shown as a
//! field), `filter_related { }` (rows matching a filter on related rows) and
//! `filter_custom { }` (a condition made by a function).

use uuid::Uuid;

/// A foreign key, required or optional, as the optional id a reference loads.
pub trait ForeignKey {
    /// The id, if there is one.
    fn id(&self) -> Option<Uuid>;
}

impl ForeignKey for Uuid {
    fn id(&self) -> Option<Uuid> {
        Some(*self)
    }
}

impl ForeignKey for Option<Uuid> {
    fn id(&self) -> Option<Uuid> {
        *self
    }
}

/// A node type's list arguments: the filter input and the order input its connections
/// take (declared with `filter_input!`/`order_input!`, named in [`node_type!`]).
pub trait Listed {
    /// The `filter` argument's input type.
    type Filter: async_graphql::InputType
        + std::fmt::Debug
        + Send
        + Sync
        + crate::gql::filter::ToCondition;
    /// One element of the `orderBy` argument.
    type Order: async_graphql::InputType + std::fmt::Debug + Send + Sync;
}

/// What a node type's declaration lists, by GraphQL field name (for tests and tools: every
/// declared field can be selected both ways and compared).
#[derive(Debug, Clone, Copy)]
pub struct Declaration {
    /// Its columns.
    pub columns: &'static [&'static str],
    /// Its references to one node.
    pub references: &'static [&'static str],
    /// The object each reference points to (same order as `references`).
    pub reference_types: &'static [&'static str],
    /// Its child connections.
    pub children: &'static [&'static str],
}

/// A table with a [`node_type!`] declaration.
pub trait Declared {
    /// The declaration's field names.
    const DECLARATION: Declaration;
}

/// Every node type's declaration: `(object name, table, declaration)`.
pub fn declarations() -> Vec<(&'static str, &'static str, Declaration)> {
    macro_rules! all {
        ($( $(#[$doc:meta])* $ty:ident = $module:ident : $fields:path ),+ $(,)?) => {
            vec![$((
                stringify!($ty),
                crate::core::ids::NodeType::$ty.table(),
                <entity::$module::Entity as Declared>::DECLARATION,
            )),+]
        };
    }
    crate::graph::node_vocabulary!(all)
}

/// The planner's conversion of an enumeration column: the stored text read as the
/// entity's enumeration `A` (the type of the row's field, inferred from `_field`), shown
/// as the GraphQL enumeration `G`.
pub fn enum_kind<M, A, G>(_field: fn(&M) -> &A) -> super::plan::Kind
where
    A: serde::de::DeserializeOwned,
    G: From<A> + async_graphql::InputType,
{
    super::plan::Kind::Enum(super::plan::enum_value::<A, G>)
}

/// [`enum_kind`] of an optional enumeration column (null stays null).
pub fn opt_enum_kind<M, A, G>(_field: fn(&M) -> &Option<A>) -> super::plan::Kind
where
    A: serde::de::DeserializeOwned,
    G: From<A> + async_graphql::InputType,
{
    super::plan::Kind::Enum(super::plan::enum_value::<A, G>)
}

/// Declares a node type's own fields once (see the module's documentation):
///
/// ```text
/// node_type! {
///     /// The fields of a model of its own.
///     model => ModelFields, list ModelFilter, ModelOrder of "models";
///     columns {
///         /// Name, unique in the namespace.
///         name: Str filter order,
///         /// Highest version number handed out so far.
///         latest_version_number: Copy(i32) = version_seq,
///     }
///     references {
///         /// The workflow that owns it.
///         workflow: Workflow = workflow_id filter,
///     }
///     children {
///         /// Its versions.
///         versions: ModelVersions => ModelVersion,
///     }
///     loaded {
///         /// A connection with a loader of its own (same arguments as `children`).
///         artifacts: Artifact via crate::artifacts::owned,
///     }
///     filter_related {
///         /// Has at least one version matching.
///         versions: ModelVersionFilter => Id in model_version.ModelId,
///     }
///     resolvers {
///         // hand-written `#[Object]` fields with logic
///     }
/// }
/// ```
macro_rules! node_type {
    (
        $(#[$sdoc:meta])*
        $module:ident => $fields:ident $(, list $filter:ident, $order:ident of $what:literal)?;
        columns {
            $( $(#[$cdoc:meta])* $cname:ident : $kind:ident $(($($karg:tt)*))? $(= $cfield:ident)? $($cflag:ident)* ),* $(,)?
        }
        $(references {
            $( $(#[$rdoc:meta])* $rname:ident : $robj:ident = $rfk:ident $($rflag:ident)* ),* $(,)?
        })?
        $(children {
            $( $(#[$hdoc:meta])* $hname:ident : $hrel:ident => $hobj:ident ),* $(,)?
        })?
        $(loaded {
            $( $(#[$ldoc:meta])* $lname:ident : $lobj:ident via $lfn:path ),* $(,)?
        })?
        $(filter_columns { $($xfilter:tt)* })?
        $(filter_related { $($rfilter:tt)* })?
        $(filter_custom { $($cfilter:tt)* })?
        $(resolvers { $($resolvers:tt)* })?
    ) => {
        $(#[$sdoc])*
        pub struct $fields(pub entity::$module::Model);

        pastey::paste! {
        #[async_graphql::Object]
        impl $fields {
            $(
                $(#[$cdoc])*
                async fn $cname(&self) -> $crate::gql::declare::node_type!(@ty $kind $(($($karg)*))?) {
                    $crate::gql::declare::node_type!(@get self, [$($cfield)?] $cname, $kind $(($($karg)*))?)
                }
            )*
            $($(
                $(#[$rdoc])*
                async fn $rname(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                ) -> async_graphql::Result<Option<$robj>> {
                    $crate::api::load_ref::<<$robj as $crate::graph::NodeObject>::Entity, _>(
                        ctx,
                        $crate::gql::declare::ForeignKey::id(&self.0.$rfk),
                        $robj::from,
                    )
                    .await
                }
            )*)?
            $($(
                $(#[$hdoc])*
                #[allow(clippy::too_many_arguments)]
                async fn $hname(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    filter: Option<<<$hobj as $crate::graph::NodeObject>::Entity as $crate::gql::declare::Listed>::Filter>,
                    order_by: Option<Vec<<<$hobj as $crate::graph::NodeObject>::Entity as $crate::gql::declare::Listed>::Order>>,
                    first: Option<i32>,
                    after: Option<String>,
                    last: Option<i32>,
                    before: Option<String>,
                    offset: Option<i32>,
                ) -> async_graphql::Result<$crate::gql::connection::Conn<$hobj>> {
                    $crate::api::child_list::<$crate::relations::$hrel, _>(
                        ctx,
                        self.0.id,
                        $crate::gql::filter::cond_of(&filter),
                        $crate::api::fingerprint(&[&filter, &order_by]),
                        <<<$hobj as $crate::graph::NodeObject>::Entity as $crate::gql::declare::Listed>::Order>::keys(order_by.as_deref()),
                        $crate::core::paging::PageArgs::new(first, after, last, before, offset),
                        $hobj::from,
                    )
                    .await
                }

                #[doc = concat!("Groups of `", stringify!([<$hname:lower_camel>]), "` with their count and the sum, average, minimum and maximum of each numeric field, like `aggregate` (its `filter`, `groupBy`, `having`, `order`, `first`) over this node's children only.")]
                #[allow(clippy::too_many_arguments)]
                async fn [<$hname _aggregate>](
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    filter: Option<<<$hobj as $crate::graph::NodeObject>::Entity as $crate::gql::declare::Listed>::Filter>,
                    group_by: Option<Vec<$crate::aggregate::AggregateGroupBy>>,
                    having: Option<$crate::aggregate::AggregateHaving>,
                    #[graphql(default)] order: $crate::aggregate::AggregateOrder,
                    #[graphql(default = 100)] first: i32,
                ) -> async_graphql::Result<Vec<$crate::aggregate::AggregateGroup>> {
                    $crate::aggregate::of_children::<$crate::relations::$hrel>(
                        ctx,
                        self.0.id,
                        filter.as_ref(),
                        $crate::aggregate::Ask {
                            group_by: group_by.unwrap_or_default(),
                            having,
                            order,
                            first,
                        },
                    )
                    .await
                }
            )*)?
            $($(
                $(#[$ldoc])*
                #[allow(clippy::too_many_arguments)]
                async fn $lname(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    filter: Option<<<$lobj as $crate::graph::NodeObject>::Entity as $crate::gql::declare::Listed>::Filter>,
                    order_by: Option<Vec<<<$lobj as $crate::graph::NodeObject>::Entity as $crate::gql::declare::Listed>::Order>>,
                    first: Option<i32>,
                    after: Option<String>,
                    last: Option<i32>,
                    before: Option<String>,
                    offset: Option<i32>,
                ) -> async_graphql::Result<$crate::gql::connection::Conn<$lobj>> {
                    $lfn(
                        ctx,
                        self.0.id,
                        filter,
                        order_by,
                        $crate::core::paging::PageArgs::new(first, after, last, before, offset),
                    )
                    .await
                }
            )*)?
            $($($resolvers)*)?
        }
        }

        impl $crate::gql::plan::Plannable for entity::$module::Entity {
            const OBJECT: &'static str =
                <entity::$module::Entity as $crate::graph::EntityObject>::NAME;

            fn field(name: &str) -> Option<$crate::gql::plan::PField<Self>> {
                #[allow(unused_imports)]
                use $crate::gql::plan::{Kind, PField};
                type C = entity::$module::Column;
                $(
                    $crate::gql::declare::node_type!(@col name, $module, [$($cfield)?] $cname, $kind $(($($karg)*))?);
                )*
                $($(
                    pastey::paste! {
                        if name == stringify!([<$rname:lower_camel>]) {
                            return Some($crate::gql::plan::reference::<
                                Self,
                                <$robj as $crate::graph::NodeObject>::Entity,
                            >(C::[<$rfk:camel>]));
                        }
                    }
                )*)?
                $($(
                    pastey::paste! {
                        if name == stringify!([<$hname:lower_camel>]) {
                            return Some($crate::gql::plan::children::<Self, $crate::relations::$hrel>());
                        }
                    }
                )*)?
                None
            }

            #[allow(unused_variables)]
            fn spec(
                filter: Option<async_graphql::Value>,
                order_by: Option<async_graphql::Value>,
            ) -> Option<$crate::core::store::ListSpec<Self>> {
                $crate::gql::declare::node_type!(@spec filter, order_by $(, $filter, $order)?)
            }
        }

        impl $crate::gql::declare::Declared for entity::$module::Entity {
            const DECLARATION: $crate::gql::declare::Declaration = pastey::paste! {
                $crate::gql::declare::Declaration {
                    columns: &[$(stringify!([<$cname:lower_camel>])),*],
                    references: &[$($(stringify!([<$rname:lower_camel>])),*)?],
                    reference_types: &[$($(stringify!($robj)),*)?],
                    children: &[$($(stringify!([<$hname:lower_camel>])),*)?],
                }
            };
        }

        $crate::gql::declare::list_inputs! {
            [$($filter, $order, $what)?] $module;
            columns [$( [{ $(#[$cdoc])* } $cname [$($cfield)?] ($kind $(($($karg)*))?) $($cflag)*] )*]
            references [$($( [{ $(#[$rdoc])* } $rname $rfk $($rflag)*] )*)?]
            extra [$($($xfilter)*)?]
            related [$($($rfilter)*)?]
            custom [$($($cfilter)*)?]
        }

        $(
            impl $crate::gql::declare::Listed for entity::$module::Entity {
                type Filter = $filter;
                type Order = $order;
            }
        )?
    };

    (@spec $filter:ident, $order_by:ident) => { None };
    (@spec $filter:ident, $order_by:ident, $f:ty, $o:ty) => {{
        use async_graphql::InputType;
        let filter = <Option<$f>>::parse($filter).ok()?;
        let order = <Option<Vec<$o>>>::parse($order_by).ok()?;
        Some($crate::core::store::ListSpec::new(
            $crate::gql::filter::cond_of(&filter).ok()?,
            <$o>::keys(order.as_deref()),
        ))
    }};

    // A column's planner entry: its GraphQL name, its column, its conversion.
    (@col $n:ident, $module:ident, [] $cname:ident, $($k:tt)*) => {
        $crate::gql::declare::node_type!(@col $n, $module, [$cname] $cname, $($k)*)
    };
    (@col $n:ident, $module:ident, [$f:ident] $cname:ident, $($k:tt)*) => {
        pastey::paste! {
            if $n == stringify!([<$cname:lower_camel>]) {
                return Some(PField::Col(
                    C::[<$f:camel>],
                    $crate::gql::declare::node_type!(@kind $module, $f, $($k)*),
                ));
            }
        }
    };

    // A getter's type, one per kind.
    (@ty Str) => { &str };
    (@ty OptStr) => { Option<&str> };
    (@ty Copy($t:ty)) => { $t };
    (@ty Float($t:ty)) => { $t };
    (@ty Time) => { chrono::DateTime<chrono::Utc> };
    (@ty OptTime) => { Option<chrono::DateTime<chrono::Utc>> };
    (@ty Json) => { async_graphql::Json<&serde_json::Value> };
    (@ty OptJson) => { Option<async_graphql::Json<&serde_json::Value>> };
    (@ty JsonOrEmpty) => { async_graphql::Json<serde_json::Value> };
    (@ty Enum($g:ty)) => { $g };
    (@ty OptEnum($g:ty)) => { Option<$g> };
    (@ty Strings) => { Option<Vec<String>> };

    // A getter's body, one per kind.
    (@get $s:tt, [] $cname:ident, $($k:tt)*) => {
        $crate::gql::declare::node_type!(@get $s, [$cname] $cname, $($k)*)
    };
    (@get $s:tt, [$f:ident] $cname:ident, Str) => { &$s.0.$f };
    (@get $s:tt, [$f:ident] $cname:ident, OptStr) => { $s.0.$f.as_deref() };
    (@get $s:tt, [$f:ident] $cname:ident, Copy($t:ty)) => { $s.0.$f };
    (@get $s:tt, [$f:ident] $cname:ident, Float($t:ty)) => { $s.0.$f };
    (@get $s:tt, [$f:ident] $cname:ident, Time) => { $s.0.$f };
    (@get $s:tt, [$f:ident] $cname:ident, OptTime) => { $s.0.$f };
    (@get $s:tt, [$f:ident] $cname:ident, Json) => { async_graphql::Json(&$s.0.$f) };
    (@get $s:tt, [$f:ident] $cname:ident, OptJson) => { $s.0.$f.as_ref().map(async_graphql::Json) };
    (@get $s:tt, [$f:ident] $cname:ident, JsonOrEmpty) => {
        async_graphql::Json($s.0.$f.clone().unwrap_or_else(|| serde_json::json!({})))
    };
    (@get $s:tt, [$f:ident] $cname:ident, Enum($g:ty)) => { $s.0.$f.into() };
    (@get $s:tt, [$f:ident] $cname:ident, OptEnum($g:ty)) => { $s.0.$f.map(Into::into) };
    (@get $s:tt, [$f:ident] $cname:ident, Strings) => {
        $s.0.$f.as_ref().and_then(|v| serde_json::from_value(v.clone()).ok())
    };

    // The planner's conversion, one per kind.
    (@kind $module:ident, $f:ident, Float($t:ty)) => { Kind::Float };
    (@kind $module:ident, $f:ident, Time) => { Kind::Time };
    (@kind $module:ident, $f:ident, OptTime) => { Kind::Time };
    (@kind $module:ident, $f:ident, JsonOrEmpty) => { Kind::JsonOrEmpty };
    (@kind $module:ident, $f:ident, Strings) => { Kind::Strings };
    (@kind $module:ident, $f:ident, Enum($g:ty)) => {
        $crate::gql::declare::enum_kind::<_, _, $g>(|m: &entity::$module::Model| &m.$f)
    };
    (@kind $module:ident, $f:ident, OptEnum($g:ty)) => {
        $crate::gql::declare::opt_enum_kind::<_, _, $g>(|m: &entity::$module::Model| &m.$f)
    };
    (@kind $module:ident, $f:ident, $other:ident $(($($t:tt)*))?) => { Kind::Plain };
}
pub(crate) use node_type;

/// The filter and order inputs of a node type's lists, from its declaration's flags
/// (`filter`, `order` after a column's kind; `filter` after a reference): every filter
/// takes `id`, each flagged column with the filter of its kind and its own description,
/// each flagged reference as an id, then the declaration's `filter_columns`,
/// `filter_related` and `filter_custom` entries; the order input takes each column
/// flagged `order` (and `id`).
macro_rules! list_inputs {
    // A type without lists.
    ([] $($rest:tt)*) => {};
    (
        [$filter:ident, $order:ident, $what:literal] $module:ident;
        columns [$($cols:tt)*]
        references [$($refs:tt)*]
        extra [$($extra:tt)*]
        related [$($related:tt)*]
        custom [$($custom:tt)*]
    ) => {
        $crate::gql::declare::list_inputs!(@munch
            ($filter, $order, $what, $module, [$($extra)*], [$($related)*], [$($custom)*])
            [$($cols)*] [$($refs)*] [] []
        );
    };

    // A column read from the row field of its own name.
    (@munch $h:tt [[{$($d:tt)*} $n:ident [] $k:tt $($fl:ident)*] $($cols:tt)*] $refs:tt $fa:tt $oa:tt) => {
        $crate::gql::declare::list_inputs!(@munch $h [[{$($d)*} $n [$n] $k $($fl)*] $($cols)*] $refs $fa $oa);
    };
    // `filter`: a field of the filter input, with the filter of the column's kind.
    (@munch $h:tt [[{$($d:tt)*} $n:ident [$f:ident] ($($k:tt)*) filter $($fl:ident)*] $($cols:tt)*] $refs:tt [$($fa:tt)*] $oa:tt) => {
        $crate::gql::declare::list_inputs!(@munch $h [[{$($d)*} $n [$f] ($($k)*) $($fl)*] $($cols)*] $refs
            [$($fa)* $($d)* $n: $crate::gql::declare::list_inputs!(@filter_of $($k)*) => [<$f:camel>],] $oa);
    };
    // `order`: a key of the order input.
    (@munch $h:tt [[{$($d:tt)*} $n:ident [$f:ident] $k:tt order $($fl:ident)*] $($cols:tt)*] $refs:tt $fa:tt [$($oa:tt)*]) => {
        $crate::gql::declare::list_inputs!(@munch $h [[{$($d)*} $n [$f] $k $($fl)*] $($cols)*] $refs $fa
            [$($oa)* $($d)* [<$n:camel>] => [<$f:camel>],]);
    };
    // A column with no flag left.
    (@munch $h:tt [[{$($d:tt)*} $n:ident [$f:ident] $k:tt] $($cols:tt)*] $refs:tt $fa:tt $oa:tt) => {
        $crate::gql::declare::list_inputs!(@munch $h [$($cols)*] $refs $fa $oa);
    };
    // A reference flagged `filter`: its foreign key, by the referenced node's id.
    (@munch $h:tt [] [[{$($d:tt)*} $n:ident $fk:ident filter] $($refs:tt)*] [$($fa:tt)*] $oa:tt) => {
        $crate::gql::declare::list_inputs!(@munch $h [] [$($refs)*] [$($fa)* $($d)* $n: $crate::gql::filter::IdFilter => [<$fk:camel>],] $oa);
    };
    (@munch $h:tt [] [[{$($d:tt)*} $n:ident $fk:ident] $($refs:tt)*] $fa:tt $oa:tt) => {
        $crate::gql::declare::list_inputs!(@munch $h [] [$($refs)*] $fa $oa);
    };
    (@munch
        ($filter:ident, $order:ident, $what:literal, $module:ident, [$($extra:tt)*], [$($related:tt)*], [$($custom:tt)*])
        [] [] [$($fa:tt)*] [$($oa:tt)*]
    ) => {
        pastey::paste! {
            $crate::gql::filter::filter_input!(
                #[doc = concat!("Conditions on ", $what, ".")]
                $filter for $module {
                    /// Its id.
                    id: $crate::gql::filter::IdFilter => Id,
                    $($fa)*
                    $($extra)*
                }
                related { $($related)* }
                custom { $($custom)* }
            );
            $crate::gql::filter::order_input!(
                #[doc = concat!("A sort key for ", $what, ".")]
                $order, [<$order Field>] for $module { $($oa)* }
            );
        }
    };

    // The filter of a column's kind.
    (@filter_of Str) => { $crate::gql::filter::StringFilter };
    (@filter_of OptStr) => { $crate::gql::filter::StringFilter };
    (@filter_of Time) => { $crate::gql::filter::DateTimeFilter };
    (@filter_of OptTime) => { $crate::gql::filter::DateTimeFilter };
    (@filter_of Copy($t:ty)) => { <$t as $crate::gql::filter::Filterable>::Filter };
    (@filter_of Float($t:ty)) => { <$t as $crate::gql::filter::Filterable>::Filter };
    (@filter_of Enum($g:ty)) => { <$g as $crate::gql::filter::Filterable>::Filter };
    (@filter_of OptEnum($g:ty)) => { <$g as $crate::gql::filter::Filterable>::Filter };
}
pub(crate) use list_inputs;

/// A domain's query object, with the top-level fields of its node types generated from
/// their declarations: `by_id` entries are `x(id:, asOf:)`, `by_id_or_name` entries
/// `x(id:)` or `x(ns:, name:)` (a `name` column, unique in its namespace), `lists` entries
/// `xs(filter:, orderBy:, first:, after:, last:, before:, offset:, asOf:)` with the type's
/// own filter and order inputs; all answered by the planner (`api::planned_get`,
/// `planned_by_name`, `planned_list`). The object's hand-written resolvers follow the
/// sections, in `resolvers { }`.
///
/// ```text
/// query_object! {
///     /// Registry queries.
///     RegistryQuery;
///     by_id {
///         /// A workflow by id.
///         workflow: Workflow,
///     }
///     lists {
///         /// Workflows, filtered and ordered.
///         workflows: Workflow,
///     }
///     resolvers {
///         // hand-written `#[Object]` resolvers
///     }
/// }
/// ```
macro_rules! query_object {
    (
        $(#[$m:meta])*
        $name:ident;
        $(by_id {
            $( $(#[$gdoc:meta])* $get:ident : $gobj:ident ),* $(,)?
        })?
        $(by_id_or_name {
            $( $(#[$ndoc:meta])* $nget:ident : $nobj:ident ),* $(,)?
        })?
        $(lists {
            $( $(#[$ldoc:meta])* $list:ident : $lobj:ident ),* $(,)?
        })?
        $(resolvers { $($resolvers:tt)* })?
    ) => {
        $(#[$m])*
        #[derive(Default)]
        pub struct $name;

        #[async_graphql::Object]
        impl $name {
            $($(
                $(#[$gdoc])*
                async fn $get(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    id: async_graphql::ID,
                    #[graphql(
                        name = "asOf",
                        desc = "As it was at this instant (nested fields inherit it)."
                    )]
                    _as_of: Option<chrono::DateTime<chrono::Utc>>,
                ) -> async_graphql::Result<$crate::gql::plan::Planned<$gobj>> {
                    type E = <$gobj as $crate::graph::NodeObject>::Entity;
                    let id = $crate::core::ids::decode_as(
                        &id,
                        <E as $crate::core::node::NodeEntity>::NODE_TYPE,
                        "id",
                    )?;
                    $crate::api::planned_get::<E, _>(ctx, id, $gobj::from).await
                }
            )*)?
            $($(
                $(#[$ndoc])*
                async fn $nget(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    id: Option<async_graphql::ID>,
                    ns: Option<String>,
                    name: Option<String>,
                    #[graphql(
                        name = "asOf",
                        desc = "As it was at this instant (nested fields inherit it)."
                    )]
                    _as_of: Option<chrono::DateTime<chrono::Utc>>,
                ) -> async_graphql::Result<$crate::gql::plan::Planned<$nobj>> {
                    type E = <$nobj as $crate::graph::NodeObject>::Entity;
                    type C = <E as sea_orm::EntityTrait>::Column;
                    match (id, ns, name) {
                        (Some(id), None, None) => {
                            let id = $crate::core::ids::decode_as(
                                &id,
                                <E as $crate::core::node::NodeEntity>::NODE_TYPE,
                                "id",
                            )?;
                            $crate::api::planned_get::<E, _>(ctx, id, $nobj::from).await
                        }
                        (None, Some(ns), Some(name)) => {
                            $crate::api::planned_by_name::<E, _>(ctx, C::Name, &ns, &name, $nobj::from)
                                .await
                        }
                        _ => Err($crate::error::AppError::bad_input(
                            "id",
                            "give either id, or ns and name",
                        )
                        .into()),
                    }
                }
            )*)?
            $($(
                $(#[$ldoc])*
                #[allow(clippy::too_many_arguments)]
                async fn $list(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    filter: Option<<<$lobj as $crate::graph::NodeObject>::Entity as $crate::gql::declare::Listed>::Filter>,
                    order_by: Option<Vec<<<$lobj as $crate::graph::NodeObject>::Entity as $crate::gql::declare::Listed>::Order>>,
                    first: Option<i32>,
                    after: Option<String>,
                    last: Option<i32>,
                    before: Option<String>,
                    offset: Option<i32>,
                    #[graphql(
                        name = "asOf",
                        desc = "As it was at this instant (nested fields inherit it)."
                    )]
                    _as_of: Option<chrono::DateTime<chrono::Utc>>,
                ) -> async_graphql::Result<$crate::gql::plan::Planned<$crate::gql::connection::Conn<$lobj>>> {
                    type E = <$lobj as $crate::graph::NodeObject>::Entity;
                    $crate::api::planned_list::<E, _>(
                        ctx,
                        $crate::gql::filter::cond_of(&filter),
                        <<E as $crate::gql::declare::Listed>::Order>::keys(order_by.as_deref()),
                        $crate::core::paging::PageArgs::new(first, after, last, before, offset),
                        $lobj::from,
                    )
                    .await
                }
            )*)?
            $($($resolvers)*)?
        }
    };
}
pub(crate) use query_object;

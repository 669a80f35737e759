//! Typed filter inputs. Scalar filters (`StringFilter`, `IntFilter`, ...) apply to one
//! column; `filter_input!` builds an entity's filter from them, with `and`/`or`/`not` and
//! filters on related rows (a sub-select, so one statement still answers the list), and
//! `order_input!` builds its multi-key `orderBy`. A node type's pair is generated from its
//! declaration (`gql::declare::list_inputs!`, from the columns' `filter`/`order` flags).

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, Value};

use crate::core::ids;
use crate::core::like::like_literal;
use crate::error::{AppError, AppResult};

/// An entity filter input: the SQL condition it stands for.
pub trait ToCondition {
    /// The condition.
    fn condition(&self) -> AppResult<Condition>;
}

/// The condition of an optional filter argument (everything when absent).
pub fn cond_of<F: ToCondition>(filter: &Option<F>) -> async_graphql::Result<Condition> {
    Ok(match filter {
        Some(f) => f.condition()?,
        None => Condition::all(),
    })
}

/// A filter on one column.
pub trait ColumnFilter {
    /// The condition this filter puts on `col`.
    fn apply<C: ColumnTrait>(&self, col: C) -> AppResult<Condition>;
}

fn push_cmp<C: ColumnTrait, V: Into<Value> + Clone>(
    c: Condition,
    col: C,
    gt: &Option<V>,
    gte: &Option<V>,
    lt: &Option<V>,
    lte: &Option<V>,
) -> Condition {
    let mut c = c;
    if let Some(v) = gt {
        c = c.add(col.gt(v.clone()));
    }
    if let Some(v) = gte {
        c = c.add(col.gte(v.clone()));
    }
    if let Some(v) = lt {
        c = c.add(col.lt(v.clone()));
    }
    if let Some(v) = lte {
        c = c.add(col.lte(v.clone()));
    }
    c
}

fn null_check<C: ColumnTrait>(c: Condition, col: C, is_null: Option<bool>) -> Condition {
    match is_null {
        Some(true) => c.add(col.is_null()),
        Some(false) => c.add(col.is_not_null()),
        None => c,
    }
}

/// The filter input of a column of this Rust type (what a declared column's `filter`
/// flag takes; text and time columns are mapped by their kind).
pub trait Filterable {
    /// The filter input.
    type Filter;
}

macro_rules! filterable {
    ($filter:ty: $($t:ty),+) => {$(
        impl Filterable for $t {
            type Filter = $filter;
        }
    )+};
}
filterable!(IntFilter: i32, i64, Option<i32>, Option<i64>);
filterable!(FloatFilter: f64, Option<f64>);

/// Conditions on a text column.
#[derive(InputObject, Debug, Clone, Default)]
pub struct StringFilter {
    /// Equal to.
    pub eq: Option<String>,
    /// Not equal to.
    pub ne: Option<String>,
    /// One of.
    #[graphql(name = "in")]
    pub in_: Option<Vec<String>>,
    /// Contains this substring.
    pub contains: Option<String>,
    /// Starts with this prefix.
    pub starts_with: Option<String>,
    /// Is (or is not) null.
    pub is_null: Option<bool>,
}

impl ColumnFilter for StringFilter {
    fn apply<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
        let mut c = Condition::all();
        if let Some(v) = &self.eq {
            c = c.add(col.eq(v.clone()));
        }
        if let Some(v) = &self.ne {
            c = c.add(col.ne(v.clone()));
        }
        if let Some(v) = &self.in_ {
            c = c.add(col.is_in(v.clone()));
        }
        if let Some(v) = &self.contains {
            c = c.add(col.like(like_literal("%", v, "%")));
        }
        if let Some(v) = &self.starts_with {
            c = c.add(col.like(like_literal("", v, "%")));
        }
        Ok(null_check(c, col, self.is_null))
    }
}

/// Conditions on an integer column.
#[derive(InputObject, Debug, Clone, Default)]
pub struct IntFilter {
    /// Equal to.
    pub eq: Option<i64>,
    /// Not equal to.
    pub ne: Option<i64>,
    /// One of.
    #[graphql(name = "in")]
    pub in_: Option<Vec<i64>>,
    /// Greater than.
    pub gt: Option<i64>,
    /// Greater than or equal to.
    pub gte: Option<i64>,
    /// Less than.
    pub lt: Option<i64>,
    /// Less than or equal to.
    pub lte: Option<i64>,
    /// Is (or is not) null.
    pub is_null: Option<bool>,
}

impl ColumnFilter for IntFilter {
    fn apply<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
        let mut c = Condition::all();
        if let Some(v) = self.eq {
            c = c.add(col.eq(v));
        }
        if let Some(v) = self.ne {
            c = c.add(col.ne(v));
        }
        if let Some(v) = &self.in_ {
            c = c.add(col.is_in(v.clone()));
        }
        let c = push_cmp(c, col, &self.gt, &self.gte, &self.lt, &self.lte);
        Ok(null_check(c, col, self.is_null))
    }
}

/// Conditions on a floating-point column.
#[derive(InputObject, Debug, Clone, Default)]
pub struct FloatFilter {
    /// Equal to.
    pub eq: Option<f64>,
    /// Not equal to.
    pub ne: Option<f64>,
    /// Greater than.
    pub gt: Option<f64>,
    /// Greater than or equal to.
    pub gte: Option<f64>,
    /// Less than.
    pub lt: Option<f64>,
    /// Less than or equal to.
    pub lte: Option<f64>,
    /// Is (or is not) null.
    pub is_null: Option<bool>,
}

impl ColumnFilter for FloatFilter {
    fn apply<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
        let mut c = Condition::all();
        if let Some(v) = self.eq {
            c = c.add(col.eq(v));
        }
        if let Some(v) = self.ne {
            c = c.add(col.ne(v));
        }
        let c = push_cmp(c, col, &self.gt, &self.gte, &self.lt, &self.lte);
        Ok(null_check(c, col, self.is_null))
    }
}

/// Conditions on a timestamp column.
#[derive(InputObject, Debug, Clone, Default)]
pub struct DateTimeFilter {
    /// Equal to.
    pub eq: Option<DateTime<Utc>>,
    /// After.
    pub gt: Option<DateTime<Utc>>,
    /// At or after.
    pub gte: Option<DateTime<Utc>>,
    /// Before.
    pub lt: Option<DateTime<Utc>>,
    /// At or before.
    pub lte: Option<DateTime<Utc>>,
    /// Is (or is not) null.
    pub is_null: Option<bool>,
}

impl ColumnFilter for DateTimeFilter {
    fn apply<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
        let mut c = Condition::all();
        if let Some(v) = self.eq {
            c = c.add(col.eq(v));
        }
        let c = push_cmp(c, col, &self.gt, &self.gte, &self.lt, &self.lte);
        Ok(null_check(c, col, self.is_null))
    }
}

/// Conditions on an id (or a reference to another node), by global id.
#[derive(InputObject, Debug, Clone, Default)]
pub struct IdFilter {
    /// Equal to.
    pub eq: Option<ID>,
    /// Not equal to.
    pub ne: Option<ID>,
    /// One of.
    #[graphql(name = "in")]
    pub in_: Option<Vec<ID>>,
    /// Is (or is not) null (for optional references).
    pub is_null: Option<bool>,
}

fn uuid_of(field: &str, id: &ID) -> AppResult<uuid::Uuid> {
    ids::decode(id)
        .map(|(_, u)| u)
        .ok_or_else(|| AppError::bad_input(field, "not a valid id"))
}

impl ColumnFilter for IdFilter {
    fn apply<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
        let mut c = Condition::all();
        if let Some(v) = &self.eq {
            c = c.add(col.eq(uuid_of("filter.eq", v)?));
        }
        if let Some(v) = &self.ne {
            c = c.add(col.ne(uuid_of("filter.ne", v)?));
        }
        if let Some(v) = &self.in_ {
            let list = v
                .iter()
                .map(|id| uuid_of("filter.in", id))
                .collect::<AppResult<Vec<_>>>()?;
            c = c.add(col.is_in(list));
        }
        Ok(null_check(c, col, self.is_null))
    }
}

/// Builds `XFilter { eq, ne, in }` for a GraphQL enum mirrored from an entity enum.
macro_rules! enum_filter {
    ($(#[$m:meta])* $name:ident, $gql:ty, $db:ty) => {
        $(#[$m])*
        #[derive(async_graphql::InputObject, Debug, Clone, Default)]
        pub struct $name {
            /// Equal to.
            pub eq: Option<$gql>,
            /// Not equal to.
            pub ne: Option<$gql>,
            /// One of.
            #[graphql(name = "in")]
            pub in_: Option<Vec<$gql>>,
        }

        impl $crate::gql::filter::Filterable for $gql {
            type Filter = $name;
        }

        impl $crate::gql::filter::ColumnFilter for $name {
            fn apply<C: sea_orm::ColumnTrait>(
                &self,
                col: C,
            ) -> $crate::error::AppResult<sea_orm::Condition> {
                let mut c = sea_orm::Condition::all();
                if let Some(v) = self.eq {
                    c = c.add(col.eq(<$db>::from(v)));
                }
                if let Some(v) = self.ne {
                    c = c.add(col.ne(<$db>::from(v)));
                }
                if let Some(v) = &self.in_ {
                    c = c.add(col.is_in(v.iter().map(|x| <$db>::from(*x)).collect::<Vec<_>>()));
                }
                Ok(c)
            }
        }
    };
}
pub(crate) use enum_filter;

/// Builds an entity's filter input: column filters, filters on related rows (each a
/// `local IN (SELECT col FROM related WHERE ...)`), and `and`/`or`/`not`.
macro_rules! filter_input {
    (
        $(#[$m:meta])*
        $name:ident for $module:ident {
            $( $(#[$fm:meta])* $field:ident : $fty:ty => $col:ident ),* $(,)?
        }
        $( related {
            $( $(#[$rm:meta])* $rfield:ident : $rty:ty => $local:ident in $rmodule:ident . $rcol:ident ),* $(,)?
        } )?
        $( custom {
            $( $(#[$cm:meta])* $cfield:ident : $cty:ty => $cfn:path ),* $(,)?
        } )?
    ) => {
        $(#[$m])*
        #[derive(async_graphql::InputObject, Debug, Clone, Default)]
        pub struct $name {
            $( $(#[$fm])* pub $field: Option<$fty>, )*
            $($( $(#[$rm])* pub $rfield: Option<Box<$rty>>, )*)?
            $($( $(#[$cm])* pub $cfield: Option<Box<$cty>>, )*)?
            /// All of these hold.
            pub and: Option<Vec<$name>>,
            /// At least one of these holds.
            pub or: Option<Vec<$name>>,
            /// This does not hold.
            pub not: Option<Box<$name>>,
        }

        impl $crate::gql::filter::ToCondition for $name {
            fn condition(&self) -> $crate::error::AppResult<sea_orm::Condition> {
                #[allow(unused_imports)]
                use sea_orm::{ColumnTrait, QueryFilter, QuerySelect, QueryTrait, EntityTrait};
                #[allow(unused_imports)]
                use $crate::gql::filter::{ColumnFilter, ToCondition};
                let mut c = sea_orm::Condition::all();
                $( if let Some(f) = &self.$field {
                    c = c.add(f.apply(entity::$module::Column::$col)?);
                } )*
                $($( if let Some(f) = &self.$rfield {
                    // The related rows of rows already in scope (references never
                    // cross namespaces).
                    let sub = $crate::core::store::unscoped::<entity::$rmodule::Entity>()
                        .select_only()
                        .column(entity::$rmodule::Column::$rcol)
                        .filter(f.condition()?)
                        .into_query();
                    c = c.add(entity::$module::Column::$local.in_subquery(sub));
                } )*)?
                $($( if let Some(f) = &self.$cfield {
                    c = c.add($cfn(f)?);
                } )*)?
                if let Some(list) = &self.and {
                    for f in list {
                        c = c.add(f.condition()?);
                    }
                }
                if let Some(list) = &self.or {
                    let mut any = sea_orm::Condition::any();
                    for f in list {
                        any = any.add(f.condition()?);
                    }
                    c = c.add(any);
                }
                if let Some(f) = &self.not {
                    c = c.add(f.condition()?.not());
                }
                Ok(c)
            }
        }
    };
}
pub(crate) use filter_input;

/// Sort direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl From<OrderDirection> for sea_orm::Order {
    fn from(d: OrderDirection) -> Self {
        match d {
            OrderDirection::Asc => sea_orm::Order::Asc,
            OrderDirection::Desc => sea_orm::Order::Desc,
        }
    }
}

/// Builds an entity's `orderBy` input: a field enum (`ID` first, then the listed keys) and
/// `{field, direction}`. Without keys, lists are newest first; `id` always breaks ties so
/// pages are stable.
macro_rules! order_input {
    (
        $(#[$m:meta])*
        $input:ident, $field_enum:ident for $module:ident {
            $( $(#[$vm:meta])* $variant:ident => $col:ident ),+ $(,)?
        }
    ) => {
        /// A key lists can be sorted by.
        #[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
        pub enum $field_enum {
            /// Its id: ids are time-ordered (UUID v7), so this is creation order, and
            /// unique (a stable order for paging).
            Id,
            $( $(#[$vm])* $variant, )+
        }

        $(#[$m])*
        #[derive(async_graphql::InputObject, Debug, Clone)]
        pub struct $input {
            /// The key.
            pub field: $field_enum,
            /// The direction (ascending unless given).
            #[graphql(default)]
            pub direction: $crate::gql::filter::OrderDirection,
        }

        impl $input {
            /// The `ORDER BY` keys, with `id` last as a tie-breaker.
            pub fn keys(list: Option<&[$input]>) -> Vec<(entity::$module::Column, sea_orm::Order)> {
                use entity::$module::Column;
                let list = list.unwrap_or(&[]);
                if list.is_empty() {
                    return vec![(Column::CreatedAt, sea_orm::Order::Desc), (Column::Id, sea_orm::Order::Desc)];
                }
                let mut keys: Vec<_> = list
                    .iter()
                    .map(|o| {
                        let col = match o.field {
                            $field_enum::Id => Column::Id,
                            $( $field_enum::$variant => Column::$col, )+
                        };
                        (col, sea_orm::Order::from(o.direction))
                    })
                    .collect();
                let last = keys.last().map(|k| k.1.clone()).unwrap_or(sea_orm::Order::Asc);
                keys.push((Column::Id, last));
                keys
            }
        }
    };
}
pub(crate) use order_input;

//! Aggregates over any list: `count`, and `sum`/`avg`/`min`/`max` of every numeric field,
//! grouped by columns, references and time buckets, filtered by the list's own typed
//! filter and `having` on the count — one statement, scoped like the list, at the
//! request's `asOf`.
//!
//! Nothing here is written per type: a type's numeric fields, groupable fields and
//! references come from its declaration (`gql::declare::node_type!`) and its columns'
//! database types, so a column declared once is aggregatable at once. A type with a
//! `startedAt` and a `finishedAt` (or `endedAt`) also has `durationSeconds`.

use std::collections::BTreeMap;

use async_graphql::{Context, Enum, InputObject, InputType, Json, Object, Result, SimpleObject};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, NullOrdering, Order, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{ColumnTrait, ColumnType, ConnectionTrait, DbBackend, Statement};
use serde_json::{Map, Value};

use crate::core::ids::{self, NodeType};
use crate::error::{AppError, AppResult};
use crate::gql::api::deps;
use crate::gql::declare::{Declared, Listed};
use crate::gql::filter::{IntFilter, ToCondition};
use crate::gql::plan::{PField, Plannable};

/// The most groups one call answers.
pub const MAX_GROUPS: i32 = 1000;
/// The most group keys.
const MAX_KEYS: usize = 8;

/// A time bucket for grouping by a time field (UTC; weeks start on Monday).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum TimeBucket {
    /// Per hour.
    Hour,
    /// Per day.
    Day,
    /// Per week (Monday to Sunday).
    Week,
    /// Per month.
    Month,
    /// Per year.
    Year,
}

/// One group key: a field of the type (a column or a reference, by its GraphQL name),
/// time fields with a bucket.
#[derive(InputObject, Clone, Debug)]
pub struct AggregateGroupBy {
    /// The field, e.g. `status`, `model`, `createdAt`.
    pub field: String,
    /// For a time field: the bucket (required).
    pub bucket: Option<TimeBucket>,
}

/// Conditions on a group.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AggregateHaving {
    /// On its count.
    pub count: Option<IntFilter>,
}

/// How groups are ordered.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum AggregateOrder {
    /// By their keys, in the order given (the default).
    #[default]
    Keys,
    /// Largest count first (ties by keys).
    CountDesc,
}

/// One group: its key, its count and the statistics of each numeric field.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct AggregateGroup {
    /// The group's key: `{field: value}` for each `groupBy` (a reference as its node's
    /// id, a time bucket as its start); `{}` without `groupBy`.
    pub key: Json<Value>,
    /// Rows in the group.
    pub count: i64,
    #[graphql(skip)]
    stats: BTreeMap<String, Stats>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    sum: Option<f64>,
    avg: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
}

impl AggregateGroup {
    fn stat(&self, field: &str, pick: fn(&Stats) -> Option<f64>) -> Result<Option<f64>> {
        match self.stats.get(field) {
            Some(s) => Ok(pick(s)),
            None => Err(AppError::bad_input(
                "field",
                format!(
                    "not a numeric field of this type (numeric: {})",
                    self.stats.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )
            .into()),
        }
    }
}

#[async_graphql::ComplexObject]
impl AggregateGroup {
    /// Sum of a numeric field over the group (null when every value is null).
    async fn sum(&self, field: String) -> Result<Option<f64>> {
        self.stat(&field, |s| s.sum)
    }
    /// Average of a numeric field over the group's non-null values.
    async fn avg(&self, field: String) -> Result<Option<f64>> {
        self.stat(&field, |s| s.avg)
    }
    /// Smallest value of a numeric field in the group.
    async fn min(&self, field: String) -> Result<Option<f64>> {
        self.stat(&field, |s| s.min)
    }
    /// Largest value of a numeric field in the group.
    async fn max(&self, field: String) -> Result<Option<f64>> {
        self.stat(&field, |s| s.max)
    }
}

/// What a group key is, for its expression and its value in the answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Text,
    Integer,
    Boolean,
    Time,
    Reference(NodeType),
}

fn col<E: sea_orm::EntityTrait>(c: E::Column) -> SimpleExpr {
    Expr::col((E::default(), c))
}

/// The aggregatable fields of `E`, by GraphQL name: what sums and averages (numbers), and
/// what groups (text, enumerations, booleans, integers, times, references).
struct Fields {
    numeric: BTreeMap<String, SimpleExpr>,
    keys: BTreeMap<String, (SimpleExpr, KeyKind)>,
}

fn fields<E: Plannable + Declared>(backend: DbBackend) -> Fields {
    let d = E::DECLARATION;
    let mut f = Fields {
        numeric: BTreeMap::new(),
        keys: BTreeMap::new(),
    };
    for name in d.columns {
        let Some(PField::Col(c, _)) = E::field(name) else {
            continue;
        };
        let e = col::<E>(c);
        let key = match c.def().get_column_type() {
            ColumnType::TinyInteger
            | ColumnType::SmallInteger
            | ColumnType::Integer
            | ColumnType::BigInteger
            | ColumnType::TinyUnsigned
            | ColumnType::SmallUnsigned
            | ColumnType::Unsigned
            | ColumnType::BigUnsigned => {
                // Integers both sum (tokens) and group (priority, version).
                f.numeric.insert((*name).to_owned(), e.clone());
                Some(KeyKind::Integer)
            }
            ColumnType::Float | ColumnType::Double | ColumnType::Decimal(_) => {
                f.numeric.insert((*name).to_owned(), e.clone());
                None
            }
            ColumnType::Boolean => Some(KeyKind::Boolean),
            ColumnType::String(_)
            | ColumnType::Text
            | ColumnType::Char(_)
            | ColumnType::Enum { .. } => Some(KeyKind::Text),
            ColumnType::Timestamp
            | ColumnType::TimestampWithTimeZone
            | ColumnType::DateTime
            | ColumnType::Date => Some(KeyKind::Time),
            _ => None,
        };
        if let Some(kind) = key {
            f.keys.insert((*name).to_owned(), (e, kind));
        }
    }
    for (name, target) in d.references.iter().zip(d.reference_types) {
        if let (Some(PField::Ref(fk, _)), Some(ty)) = (E::field(name), NodeType::from_name(target))
        {
            f.keys
                .insert((*name).to_owned(), (col::<E>(fk), KeyKind::Reference(ty)));
        }
    }
    let end = ["finishedAt", "endedAt"]
        .into_iter()
        .find(|n| d.columns.contains(n));
    if let (true, Some(end)) = (d.columns.contains(&"startedAt"), end)
        && let (Some(PField::Col(s, _)), Some(PField::Col(e, _))) =
            (E::field("startedAt"), E::field(end))
    {
        let (s, e) = (col::<E>(s), col::<E>(e));
        let seconds = match backend {
            DbBackend::Postgres => Expr::cust_with_exprs("EXTRACT(EPOCH FROM ($1 - $2))", [e, s]),
            _ => Expr::cust_with_exprs("(unixepoch(?, 'subsec') - unixepoch(?, 'subsec'))", [e, s]),
        };
        f.numeric.insert("durationSeconds".into(), seconds);
    }
    f
}

/// The placeholder of a custom expression's one argument (sea-query reads `$1` on
/// PostgreSQL, `?` on SQLite).
fn arg(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "$1",
        _ => "?",
    }
}

/// The group key expression of `field`, as text (or a bucket's start as RFC 3339).
fn key_expr(
    backend: DbBackend,
    field: &str,
    expr: SimpleExpr,
    kind: KeyKind,
    bucket: Option<TimeBucket>,
) -> AppResult<SimpleExpr> {
    let pg = backend == DbBackend::Postgres;
    match (kind, bucket) {
        (KeyKind::Time, None) => Err(AppError::bad_input(
            "groupBy",
            format!("{field} is a time: give a bucket (HOUR, DAY, WEEK, MONTH, YEAR)"),
        )),
        (KeyKind::Time, Some(b)) => {
            let (unit, sqlite) = match b {
                TimeBucket::Hour => ("hour", "strftime('%Y-%m-%dT%H:00:00Z', ?)"),
                TimeBucket::Day => ("day", "strftime('%Y-%m-%dT00:00:00Z', ?)"),
                TimeBucket::Week => (
                    "week",
                    "strftime('%Y-%m-%dT00:00:00Z', ?, 'weekday 0', '-6 days')",
                ),
                TimeBucket::Month => ("month", "strftime('%Y-%m-01T00:00:00Z', ?)"),
                TimeBucket::Year => ("year", "strftime('%Y-01-01T00:00:00Z', ?)"),
            };
            Ok(if pg {
                Expr::cust_with_exprs(
                    format!(
                        "to_char(date_trunc('{unit}', $1 AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                    ),
                    [expr],
                )
            } else {
                Expr::cust_with_exprs(sqlite, [expr])
            })
        }
        (_, Some(_)) => Err(AppError::bad_input(
            "groupBy",
            format!("{field} is not a time: a bucket applies to time fields only"),
        )),
        // SQLite keeps UUIDs as 16 bytes.
        (KeyKind::Reference(_), None) if !pg => Ok(Expr::cust_with_exprs("lower(hex(?))", [expr])),
        (_, None) => Ok(Expr::cust_with_exprs(
            format!("CAST({} AS TEXT)", arg(backend)),
            [expr],
        )),
    }
}

/// `f` as a condition on the expression `e`.
fn having(e: &SimpleExpr, f: &IntFilter) -> sea_orm::Condition {
    let mut c = sea_orm::Condition::all();
    let e = || e.clone();
    if let Some(v) = f.eq {
        c = c.add(e().eq(v));
    }
    if let Some(v) = f.ne {
        c = c.add(e().ne(v));
    }
    if let Some(v) = &f.in_ {
        c = c.add(e().is_in(v.clone()));
    }
    if let Some(v) = f.gt {
        c = c.add(e().gt(v));
    }
    if let Some(v) = f.gte {
        c = c.add(e().gte(v));
    }
    if let Some(v) = f.lt {
        c = c.add(e().lt(v));
    }
    if let Some(v) = f.lte {
        c = c.add(e().lte(v));
    }
    c
}

/// What an aggregate asks (besides which rows).
pub struct Ask {
    /// Group keys.
    pub group_by: Vec<AggregateGroupBy>,
    /// Conditions on groups.
    pub having: Option<AggregateHaving>,
    /// Order of the groups.
    pub order: AggregateOrder,
    /// The most groups.
    pub first: i32,
}

/// Groups of `E`'s rows the caller may read that match `rows`.
pub async fn aggregate<E>(
    db: &impl ConnectionTrait,
    rc: &crate::core::context::RequestContext,
    rows: sea_orm::Condition,
    ask: Ask,
) -> AppResult<Vec<AggregateGroup>>
where
    E: Plannable + Declared + Listed,
{
    if !(1..=MAX_GROUPS).contains(&ask.first) {
        return Err(AppError::bad_input(
            "first",
            format!("must be between 1 and {MAX_GROUPS}"),
        ));
    }
    if ask.group_by.len() > MAX_KEYS {
        return Err(AppError::bad_input(
            "groupBy",
            format!("at most {MAX_KEYS} keys"),
        ));
    }
    let backend = db.get_database_backend();
    let fields = fields::<E>(backend);
    let table = Alias::new(E::default().table_name());
    let mut q: SelectStatement = Query::select();
    q.from(table);
    let mut keys = vec![];
    for (i, g) in ask.group_by.iter().enumerate() {
        let Some((expr, kind)) = fields.keys.get(&g.field).cloned() else {
            return Err(AppError::bad_input(
                format!("groupBy.{i}.field"),
                format!(
                    "{:?} is not a field to group by (these are: {})",
                    g.field,
                    fields.keys.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        let e = key_expr(backend, &g.field, expr, kind, g.bucket)?;
        let alias = format!("k{i}");
        q.expr_as(e.clone(), Alias::new(&alias));
        q.add_group_by([e.clone()]);
        keys.push((g.field.clone(), alias, kind, e));
    }
    let count = Expr::cust("COUNT(*)");
    q.expr_as(count.clone(), Alias::new("n"));
    let float = if backend == DbBackend::Postgres {
        "DOUBLE PRECISION"
    } else {
        "REAL"
    };
    let numeric: Vec<(String, SimpleExpr)> = fields.numeric.into_iter().collect();
    for (i, (_, e)) in numeric.iter().enumerate() {
        for (f, tag) in [("SUM", "s"), ("AVG", "a"), ("MIN", "lo"), ("MAX", "hi")] {
            q.expr_as(
                Expr::cust_with_exprs(
                    format!("CAST({f}({}) AS {float})", arg(backend)),
                    [e.clone()],
                ),
                Alias::new(format!("{tag}{i}")),
            );
        }
    }
    q.cond_where(rc.scope.condition(E::col_ns()));
    q.cond_where(rows);
    if let Some(c) = ask.having.as_ref().and_then(|h| h.count.as_ref()) {
        q.cond_having(having(&count, c));
    }
    if ask.order == AggregateOrder::CountDesc {
        q.order_by_expr(count, Order::Desc);
    }
    for (_, _, _, e) in &keys {
        q.order_by_expr_with_nulls(e.clone(), Order::Asc, NullOrdering::Last);
    }
    q.limit(u64::try_from(ask.first).unwrap_or(1));
    let (sql, values) = match backend {
        DbBackend::Postgres => q.build(sea_orm::sea_query::PostgresQueryBuilder),
        _ => q.build(sea_orm::sea_query::SqliteQueryBuilder),
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut key = Map::new();
        for (field, alias, kind, _) in &keys {
            let text: Option<String> = row.try_get("", alias)?;
            let v = match (text, kind) {
                (None, _) => Value::Null,
                (Some(t), KeyKind::Integer) => {
                    t.parse::<i64>().map_or(Value::String(t), Value::from)
                }
                (Some(t), KeyKind::Boolean) => {
                    Value::Bool(matches!(t.as_str(), "true" | "1" | "t"))
                }
                (Some(t), KeyKind::Reference(ty)) => match uuid_of(&t) {
                    Some(id) => Value::String(ids::encode(*ty, id).to_string()),
                    None => Value::String(t),
                },
                (Some(t), _) => Value::String(t),
            };
            key.insert(field.clone(), v);
        }
        let n: i64 = row.try_get("", "n")?;
        let mut stats = BTreeMap::new();
        for (i, (name, _)) in numeric.iter().enumerate() {
            let get = |tag: &str| -> AppResult<Option<f64>> {
                Ok(row.try_get::<Option<f64>>("", &format!("{tag}{i}"))?)
            };
            stats.insert(
                name.clone(),
                Stats {
                    sum: get("s")?,
                    avg: get("a")?,
                    min: get("lo")?,
                    max: get("hi")?,
                },
            );
        }
        out.push(AggregateGroup {
            key: Json(Value::Object(key)),
            count: n,
            stats,
        });
    }
    Ok(out)
}

/// `v` read as the input type `ty` strictly: a key the type does not have is refused
/// (naming where), a string where an enumeration is expected becomes that enumeration's
/// value (JSON has no enumerations). What the input type itself checks is left to it.
fn coerce(
    reg: &async_graphql::registry::Registry,
    ty: &str,
    v: async_graphql::Value,
    at: &str,
) -> AppResult<async_graphql::Value> {
    use async_graphql::Value as V;
    use async_graphql::registry::{MetaType, MetaTypeName};
    let name = MetaTypeName::concrete_typename(ty);
    match (reg.types.get(name), v) {
        (_, V::List(items)) => Ok(V::List(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| coerce(reg, name, item, &format!("{at}.{i}")))
                .collect::<AppResult<_>>()?,
        )),
        (Some(MetaType::Enum { .. }), V::String(s)) => Ok(V::Enum(async_graphql::Name::new(s))),
        (Some(MetaType::InputObject { input_fields, .. }), V::Object(map)) => {
            let mut out = async_graphql::indexmap::IndexMap::new();
            for (key, value) in map {
                let Some(field) = input_fields.get(key.as_str()) else {
                    return Err(AppError::bad_input(
                        at.to_owned(),
                        format!("{name} has no field {key:?}"),
                    ));
                };
                let inner = coerce(reg, &field.ty, value, &format!("{at}.{key}"))?;
                out.insert(key, inner);
            }
            Ok(V::Object(out))
        }
        (Some(MetaType::InputObject { .. }), V::Null) => Ok(V::Null),
        (Some(MetaType::InputObject { .. }), _) => Err(AppError::bad_input(
            at.to_owned(),
            format!("must be a {name} object"),
        )),
        (_, other) => Ok(other),
    }
}

/// A stored UUID's text (PostgreSQL's form, or SQLite's: the same, or 32 hex digits).
fn uuid_of(text: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(text).ok()
}

/// The condition of a list's filter sent as a value (checked by [`coerce`]).
fn filter_of<E: Listed>(filter: Option<async_graphql::Value>) -> AppResult<sea_orm::Condition> {
    let filter = <Option<<E as Listed>::Filter>>::parse(filter).map_err(|e| {
        AppError::bad_input("filter", e.into_server_error(Default::default()).message)
    })?;
    match &filter {
        Some(f) => f.condition(),
        None => Ok(sea_orm::Condition::all()),
    }
}

/// The groups of a parent's children (`<relation>Aggregate` on every object with a child
/// connection): the relation's children that match `filter`.
pub async fn of_children<R>(
    ctx: &Context<'_>,
    parent: uuid::Uuid,
    filter: Option<&<R::Child as Listed>::Filter>,
    ask: Ask,
) -> Result<Vec<AggregateGroup>>
where
    R: crate::core::loader::ChildRelation,
    R::Child: Plannable + Declared + Listed,
{
    let d = deps(ctx)?;
    let mut rows = crate::core::store::of_parent::<R::Child>(R::parent_link(), &Expr::val(parent));
    if let Some(f) = filter {
        rows = rows.add(f.condition()?);
    }
    Ok(aggregate::<R::Child>(&d.db, d.rc, rows, ask).await?)
}

macro_rules! aggregatable {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident ),+ $(,)?) => {
        // The vocabulary's `[listed]` rows.
        /// The node types aggregates answer for (every type with a top-level list).
        #[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
        pub enum AggregateOf {
            $( $(#[$doc])* $ty, )+
        }

        impl AggregateOf {
            /// Its node type.
            pub fn node_type(self) -> NodeType {
                match self { $( AggregateOf::$ty => NodeType::$ty, )+ }
            }

            /// The name of its list's filter input.
            fn filter_type(self) -> String {
                match self {
                    $( AggregateOf::$ty => <<entity::$module::Entity as Listed>::Filter as InputType>::type_name().into_owned(), )+
                }
            }

            async fn run(
                self,
                db: &impl ConnectionTrait,
                rc: &crate::core::context::RequestContext,
                filter: Option<async_graphql::Value>,
                ask: Ask,
            ) -> AppResult<Vec<AggregateGroup>> {
                match self {
                    $( AggregateOf::$ty => {
                        type E = entity::$module::Entity;
                        let rows = filter_of::<E>(filter)?;
                        aggregate::<E>(db, rc, rows, ask).await
                    } )+
                }
            }
        }
    };
}

crate::core::vocabulary::node_vocabulary!(@listed aggregatable);

/// Aggregate queries.
#[derive(Default)]
pub struct AggregateQuery;

#[Object]
impl AggregateQuery {
    /// Groups of a list's rows with their count and the sum, average, minimum and maximum
    /// of every numeric field: `filter` is the list's own filter (e.g. `ModelVersionFilter`
    /// for `MODEL_VERSION`), `groupBy` names columns, references (their node's id is the
    /// key) and time fields with a bucket; `having` bounds the groups' counts. One
    /// statement, scoped like the list, as of the request's instant.
    #[expect(clippy::too_many_arguments)]
    async fn aggregate(
        &self,
        ctx: &Context<'_>,
        of: AggregateOf,
        filter: Option<Json<Value>>,
        group_by: Option<Vec<AggregateGroupBy>>,
        having: Option<AggregateHaving>,
        #[graphql(default)] order: AggregateOrder,
        #[graphql(default = 100)] first: i32,
        #[graphql(name = "asOf", desc = "As it was at this instant.")] _as_of: Option<
            chrono::DateTime<chrono::Utc>,
        >,
    ) -> Result<Vec<AggregateGroup>> {
        let d = deps(ctx)?;
        let filter = match filter {
            None => None,
            Some(j) => {
                let v = async_graphql::Value::from_json(j.0)
                    .map_err(|e| AppError::bad_input("filter", format!("not a filter: {e}")))?;
                Some(coerce(
                    &ctx.schema_env.registry,
                    &of.filter_type(),
                    v,
                    "filter",
                )?)
            }
        };
        let ask = Ask {
            group_by: group_by.unwrap_or_default(),
            having,
            order,
            first,
        };
        Ok(of.run(&d.db, d.rc, filter, ask).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::resolver_utils::EnumType;

    #[test]
    fn every_type_with_a_list_filter_is_aggregatable() {
        let sdl = crate::schema::sdl();
        let listed: Vec<NodeType> = NodeType::ALL
            .iter()
            .copied()
            .filter(|t| sdl.contains(&format!("input {}Filter ", t.name())))
            .collect();
        let mut aggregatable: Vec<NodeType> = AggregateOf::items()
            .iter()
            .map(|i| i.value.node_type())
            .collect();
        aggregatable.sort_by_key(|t| t.name());
        let mut listed = listed;
        listed.sort_by_key(|t| t.name());
        assert_eq!(aggregatable, listed);
    }
}

//! Generic queries over node tables, with the caller's scope applied in one place, and
//! the event-log writer every mutation calls inside its transaction.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    IdenStatic, NotSet, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Set,
};
use serde::Serialize;
use uuid::Uuid;

use entity::edge;

use super::context::RequestContext;
use super::ids::NodeType;
use super::node::NodeEntity;
use super::paging::{Page, Window};
use crate::core::error::{AppError, AppResult};

/// What a list asks for: a filter condition and sort keys.
#[derive(Debug, Clone)]
pub struct ListSpec<E: EntityTrait> {
    /// Rows must match this.
    pub cond: Condition,
    /// `ORDER BY` keys, ending with a unique tie-breaker.
    pub order: Vec<(E::Column, Order)>,
}

impl<E: EntityTrait> ListSpec<E> {
    /// A spec from a condition and keys.
    pub fn new(cond: Condition, order: Vec<(E::Column, Order)>) -> Self {
        ListSpec { cond, order }
    }
}

/// A table with a namespace column: the caller's scope applies to its rows.
pub trait Namespaced: EntityTrait {
    /// The `ns` column.
    fn ns_column() -> Self::Column;
}

impl<E: NodeEntity> Namespaced for E {
    fn ns_column() -> E::Column {
        E::col_ns()
    }
}

macro_rules! namespaced {
    ($($module:ident),+ $(,)?) => {
        $(
            impl Namespaced for entity::$module::Entity {
                fn ns_column() -> Self::Column {
                    entity::$module::Column::Ns
                }
            }
        )+
    };
}

// The namespaced tables whose rows are not graph nodes.
namespaced!(
    cost_record,
    grant,
    job_run_metric,
    logged_model,
    metric_point,
    model_alias
);

/// Where every read of a namespaced table outside `core` starts: the rows of `E` the
/// caller may see (its scope, in SQL). A test fails on `Entity::find()` outside `core`, so
/// a read cannot forget the scope by accident; [`unscoped`] says so on purpose.
pub fn scoped<E: Namespaced>(ctx: &RequestContext) -> sea_orm::Select<E> {
    E::find().filter(ctx.scope.condition(E::ns_column()))
}

/// The rows of `E` in every namespace, on purpose: tables without one (users, keys), the
/// system's own work (workers, sweepers, export, the event feed, the demo), and reads of
/// rows reached from a row already read in scope (a locked run's history, a version's
/// aliases by its id).
pub fn unscoped<E: EntityTrait>() -> sea_orm::Select<E> {
    E::find()
}

/// One row by id, in scope, or `NOT_FOUND`.
pub async fn get<E: NodeEntity>(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<E::Model>
where
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    one_in_scope::<E>(db, by_id::<E>(ctx, id), id).await
}

/// The row `id` of `E`, in the caller's scope.
fn by_id<E: NodeEntity>(ctx: &RequestContext, id: Uuid) -> sea_orm::Select<E> {
    E::find()
        .filter(E::col_id().eq(id))
        .filter(ctx.scope.condition(E::col_ns()))
}

async fn one_in_scope<E: NodeEntity>(
    db: &impl ConnectionTrait,
    q: sea_orm::Select<E>,
    id: Uuid,
) -> AppResult<E::Model>
where
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    q.one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("{} {id}", E::NODE_TYPE.name())))
}

/// A row by id, in scope, locked until the transaction ends (`NOT_FOUND` otherwise): the
/// one way a service serialises changes of one row. `FOR UPDATE` on PostgreSQL; SQLite
/// has a single writer, so the transaction already excludes every other change.
pub async fn lock<E: NodeEntity>(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<E::Model>
where
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    // Only rows the caller may change are locked (a reader must not hold up writers).
    let mut q = E::find().filter(E::col_id().eq(id)).filter(
        ctx.scope
            .condition_for(E::col_ns(), crate::core::context::Role::Editor),
    );
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    match one_in_scope::<E>(txn, q, id).await {
        // Readable but not writable: say so (the failure path pays the second statement).
        Err(AppError::NotFound { .. }) => {
            let row = get::<E>(txn, ctx, id).await?;
            ctx.scope.check_write(E::ns_of(&row))?;
            Err(AppError::not_found(format!("{} {id}", E::NODE_TYPE.name())))
        }
        other => other,
    }
}

/// A named row by namespace and name, in scope, or `NOT_FOUND`. `name_col` is the
/// table's `name` column (unique per namespace).
pub async fn by_name<E: NodeEntity>(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    name_col: E::Column,
    ns: &str,
    name: &str,
) -> AppResult<E::Model> {
    E::find()
        .filter(E::col_ns().eq(ns))
        .filter(name_col.eq(name))
        .filter(ctx.scope.condition(E::col_ns()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("{} {ns}/{name}", E::NODE_TYPE.name())))
}

/// Rows by id (missing ids are simply absent), in one statement.
pub async fn by_ids<E: NodeEntity>(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, E::Model>>
where
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = E::find()
        .filter(E::col_id().is_in(ids.to_vec()))
        .filter(ctx.scope.condition(E::col_ns()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (E::id_of(&m), m)).collect())
}

/// A page of a top-level list. Counts only when `want_total` (or for `last` without a
/// cursor, which needs the end of the list).
pub async fn list<E: NodeEntity>(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    spec: &ListSpec<E>,
    window: Window,
    want_total: bool,
) -> AppResult<Page<E::Model>>
where
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    let base = E::find()
        .filter(ctx.scope.condition(E::col_ns()))
        .filter(spec.cond.clone());
    let mut total = None;
    if want_total || matches!(window, Window::Tail { .. }) {
        total = Some(base.clone().count(db).await?);
    }
    let (start, limit) = match window {
        Window::Forward { start, limit } => (start, limit),
        Window::Tail { limit } => (total.unwrap_or(0).saturating_sub(limit), limit),
    };
    let mut q = base;
    for (col, ord) in &spec.order {
        q = q.order_by(*col, ord.clone());
    }
    let mut items = q.offset(start).limit(limit + 1).all(db).await?;
    let has_next = items.len() as u64 > limit;
    items.truncate(limit as usize);
    Ok(Page {
        items,
        start,
        has_next,
        total,
    })
}

/// Pages of children for many parents in **one statement**, counted only when
/// `want_total` (or a tail page needs the count).
///
/// On PostgreSQL each parent's page is its own `LATERAL` subquery: an index range scan of
/// that parent's children in the page's order, stopped after the page (`LIMIT`), so a
/// page costs its size, not the parent's number of children. SQLite has no `LATERAL`:
/// there rows are numbered per parent with a window function and cut in SQL.
pub async fn children<E: NodeEntity>(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    parents: &[Uuid],
    q: &ChildQuery<'_, E>,
) -> AppResult<HashMap<Uuid, Page<E::Model>>>
where
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    if parents.is_empty() {
        return Ok(HashMap::new());
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let stmt = children_lateral_query::<E>(ctx, parents, q);
        children_lateral::<E>(db, stmt, q.window, q.want_total).await
    } else {
        children_windowed::<E>(db, ctx, q.link, parents, q.spec, q.window).await
    }
}

/// What every parent of one batch asks of its children.
pub struct ChildQuery<'a, E: EntityTrait> {
    /// How a child points at its parent.
    pub link: ParentLink<E::Column>,
    /// Filter and order.
    pub spec: &'a ListSpec<E>,
    /// The page.
    pub window: Window,
    /// Whether `totalCount` is wanted.
    pub want_total: bool,
    /// Where unfiltered counts can be read instead of counted.
    pub rollup: Option<CountRollup>,
}

/// The children of the parent whose id is `parent` (a row of the parents' `VALUES` list,
/// or a row of the enclosing level of a planned statement), in scope and matching the
/// spec's filter.
pub fn children_of_parent<E: NodeEntity>(
    ctx: &RequestContext,
    link: ParentLink<E::Column>,
    spec: &ListSpec<E>,
    parent: &Expr,
) -> sea_orm::Select<E> {
    E::find()
        .filter(ctx.scope.condition(E::col_ns()))
        .filter(spec.cond.clone())
        .filter(of_parent::<E>(link, parent))
}

/// The rows of `E` that are children of the parent whose id is `parent` through `link`
/// (its column, or also an explicit edge).
pub fn of_parent<E: NodeEntity>(link: ParentLink<E::Column>, parent: &Expr) -> Condition {
    let parent = || parent.clone();
    match link {
        ParentLink::Column(col) => {
            Condition::all().add(Expr::col((E::default(), col)).eq(parent()))
        }
        ParentLink::ColumnOrEdge {
            column,
            kind,
            parent_type,
        } => Condition::any()
            .add(Expr::col((E::default(), column)).eq(parent()))
            .add(
                Expr::col((E::default(), E::col_id())).in_subquery(
                    Query::select()
                        .column(edge::Column::SourceId)
                        .from(edge::Entity)
                        .and_where(edge::Column::Kind.eq(kind))
                        .and_where(edge::Column::SourceType.eq(E::NODE_TYPE.name()))
                        .and_where(edge::Column::TargetType.eq(parent_type.name()))
                        .and_where(Expr::col((edge::Entity, edge::Column::TargetId)).eq(parent()))
                        .to_owned(),
                ),
            ),
    }
}

/// How many children the parent whose id is `parent` has in scope and matching the
/// spec's filter: one row, one column `_cnt`. An unfiltered count is read from the
/// rollups where the relation has them (they count exactly what such a list holds, per
/// namespace).
pub fn child_count<E: NodeEntity>(
    ctx: &RequestContext,
    link: ParentLink<E::Column>,
    spec: &ListSpec<E>,
    rollup: Option<CountRollup>,
    parent: &Expr,
) -> sea_orm::sea_query::SelectStatement {
    match rollup {
        Some(r) if spec.cond.is_empty() => Query::select()
            .expr_as(
                Expr::cust(format!(
                    "CAST(COALESCE(SUM(\"{}\"), 0) AS BIGINT)",
                    r.sum_col
                )),
                Alias::new("_cnt"),
            )
            // Under the child table's name, so that the scope's condition on `ns`
            // resolves to the rollup's column of that name.
            .from_as(Alias::new(r.table), E::default())
            .and_where(Expr::col((E::default(), Alias::new(r.parent_col))).eq(parent.clone()))
            .cond_where(ctx.scope.condition(E::col_ns()))
            .to_owned(),
        _ => children_of_parent::<E>(ctx, link, spec, parent)
            .select_only()
            .column_as(Expr::cust("COUNT(*)"), "_cnt")
            .into_query(),
    }
}

/// The statement of [`children`] on PostgreSQL: `FROM (VALUES parents) p` joined
/// `LATERAL` to each parent's page (and, when counted, to its count). Public so that a
/// test can `EXPLAIN` exactly what a nested page sends.
pub fn children_lateral_query<E: NodeEntity>(
    ctx: &RequestContext,
    parents: &[Uuid],
    q: &ChildQuery<'_, E>,
) -> sea_orm::sea_query::SelectStatement {
    let ChildQuery {
        link,
        spec,
        window,
        want_total,
        rollup,
    } = *q;
    let count = want_total || matches!(window, Window::Tail { .. });
    // A tail page is read backwards from the end, then put back in order.
    let reversed = matches!(window, Window::Tail { .. });
    let parent = Expr::col((Alias::new("p"), Alias::new("column1")));
    let mut page = children_of_parent::<E>(ctx, link, spec, &parent);
    for (col, ord) in &spec.order {
        let ord = match (ord, reversed) {
            (Order::Desc, true) => Order::Asc,
            (_, true) => Order::Desc,
            (o, false) => o.clone(),
        };
        page = page.order_by(Expr::col((E::default(), *col)), ord);
    }
    let page = match window {
        Window::Forward { start, limit } => page.offset(start).limit(limit + 1),
        Window::Tail { limit } => page.limit(limit),
    };
    let mut page = page.into_query();
    page.expr_as(Expr::val(true), Alias::new("_hit"));

    let (p, pg) = (Alias::new("p"), Alias::new("page"));
    let mut q = Query::select();
    q.column((pg.clone(), Asterisk))
        .expr_as(
            Expr::col((p.clone(), Alias::new("column1"))),
            Alias::new("_parent"),
        )
        .from_values(parents.iter().copied(), p.clone());
    if count {
        let counted = child_count::<E>(ctx, link, spec, rollup, &parent);
        q.join_lateral(
            sea_orm::sea_query::JoinType::InnerJoin,
            counted,
            Alias::new("c"),
            Expr::cust("TRUE"),
        )
        .column((Alias::new("c"), Alias::new("_cnt")));
    }
    q.join_lateral(
        sea_orm::sea_query::JoinType::LeftJoin,
        page,
        pg,
        Expr::cust("TRUE"),
    );
    q
}

/// [`children`] on PostgreSQL: runs [`children_lateral_query`]'s statement `q`.
async fn children_lateral<E: NodeEntity>(
    db: &impl ConnectionTrait,
    q: sea_orm::sea_query::SelectStatement,
    window: Window,
    want_total: bool,
) -> AppResult<HashMap<Uuid, Page<E::Model>>>
where
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    let count = want_total || matches!(window, Window::Tail { .. });
    let reversed = matches!(window, Window::Tail { .. });
    let rows = db.query_all(&q).await?;

    let mut pages: HashMap<Uuid, Page<E::Model>> = HashMap::new();
    for row in rows {
        let parent_id: Uuid = row.try_get("", "_parent")?;
        let total = if count {
            Some(row.try_get::<i64>("", "_cnt")? as u64)
        } else {
            None
        };
        let start = match window {
            Window::Forward { start, .. } => start,
            Window::Tail { limit } => total.unwrap_or(0).saturating_sub(limit),
        };
        let page = pages.entry(parent_id).or_insert_with(|| Page {
            items: Vec::new(),
            start,
            has_next: false,
            total,
        });
        // A parent without rows in its page still has its count (a LEFT JOIN's nulls).
        if row.try_get::<Option<bool>>("", "_hit")?.is_some() {
            page.items.push(E::Model::from_query_result(&row, "")?);
        }
    }
    for page in pages.values_mut() {
        if reversed {
            page.items.reverse();
        } else if let Window::Forward { limit, .. } = window
            && page.items.len() as u64 > limit
        {
            page.items.truncate(limit as usize);
            page.has_next = true;
        }
    }
    Ok(pages)
}

/// [`children`] on SQLite: rows numbered per parent with `ROW_NUMBER() OVER (PARTITION BY
/// parent ORDER BY ...)` and cut to the window in SQL.
async fn children_windowed<E: NodeEntity>(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    link: ParentLink<E::Column>,
    parents: &[Uuid],
    spec: &ListSpec<E>,
    window: Window,
) -> AppResult<HashMap<Uuid, Page<E::Model>>>
where
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    let order_sql = spec
        .order
        .iter()
        .map(|(c, o)| {
            let dir = if matches!(o, Order::Desc) {
                "DESC"
            } else {
                "ASC"
            };
            format!("\"{}\" {dir}", c.as_str())
        })
        .collect::<Vec<_>>()
        .join(", ");
    let link_alias = Alias::new("_link");
    let parent_expr = match link {
        ParentLink::Column(col) => Expr::col(col),
        ParentLink::ColumnOrEdge { .. } => Expr::col((link_alias.clone(), Alias::new("_parent"))),
    };
    let parent_sql = match link {
        ParentLink::Column(col) => format!("\"{}\"", col.as_str()),
        ParentLink::ColumnOrEdge { .. } => "\"_link\".\"_parent\"".to_owned(),
    };
    let mut inner = E::find()
        .filter(ctx.scope.condition(E::col_ns()))
        .filter(spec.cond.clone())
        .filter(parent_expr.clone().is_in(parents.to_vec()))
        .column_as(parent_expr, "_parent")
        .column_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER (PARTITION BY {parent_sql} ORDER BY {order_sql})"
            )),
            "_rn",
        )
        .column_as(
            Expr::cust(format!("COUNT(*) OVER (PARTITION BY {parent_sql})")),
            "_cnt",
        )
        .into_query();
    if let ParentLink::ColumnOrEdge {
        column,
        kind,
        parent_type,
    } = link
    {
        // (child, parent) pairs: the child's column, and explicit `child --kind--> parent`
        // edges. The planner pushes the parents' `IN` down into both branches.
        let mut pairs = Query::select()
            .expr_as(Expr::col(E::col_id()), Alias::new("_child"))
            .expr_as(Expr::col(column), Alias::new("_parent"))
            .from(E::default())
            .and_where(Expr::col(column).is_not_null())
            .to_owned();
        pairs.union(
            sea_orm::sea_query::UnionType::Distinct,
            Query::select()
                .expr_as(Expr::col(edge::Column::SourceId), Alias::new("_child"))
                .expr_as(Expr::col(edge::Column::TargetId), Alias::new("_parent"))
                .from(edge::Entity)
                .and_where(edge::Column::Kind.eq(kind))
                .and_where(edge::Column::SourceType.eq(E::NODE_TYPE.name()))
                .and_where(edge::Column::TargetType.eq(parent_type.name()))
                .to_owned(),
        );
        inner.join_subquery(
            sea_orm::sea_query::JoinType::InnerJoin,
            pairs,
            link_alias.clone(),
            Expr::col((link_alias, Alias::new("_child"))).equals((E::default(), E::col_id())),
        );
    }
    let bounds = match window {
        Window::Forward { start, limit } => {
            format!("\"_rn\" > {start} AND \"_rn\" <= {}", start + limit + 1)
        }
        Window::Tail { limit } => format!("\"_rn\" > \"_cnt\" - {limit}"),
    };
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new("page"))
        .and_where(Expr::cust(bounds))
        .order_by(Alias::new("_parent"), sea_orm::sea_query::Order::Asc)
        .order_by(Alias::new("_rn"), sea_orm::sea_query::Order::Asc)
        .to_owned();
    let rows = db.query_all(&outer).await?;

    let mut pages: HashMap<Uuid, Page<E::Model>> = HashMap::new();
    for row in rows {
        let parent_id: Uuid = row.try_get("", "_parent")?;
        let rn: i64 = row.try_get("", "_rn")?;
        let cnt: i64 = row.try_get("", "_cnt")?;
        let model = E::Model::from_query_result(&row, "")?;
        let (start, limit) = match window {
            Window::Forward { start, limit } => (start, limit),
            Window::Tail { limit } => ((cnt as u64).saturating_sub(limit), limit),
        };
        let page = pages.entry(parent_id).or_insert_with(|| Page {
            items: Vec::new(),
            start,
            has_next: false,
            total: Some(cnt as u64),
        });
        if (rn as u64) > start + limit {
            page.has_next = true;
        } else {
            page.items.push(model);
        }
    }
    Ok(pages)
}

/// Where a parent's children are counted without visiting them: rows of a rollup table
/// that hold a count (`sum_col`) per parent (`parent_col`) and namespace, kept exact by
/// the database (PostgreSQL), used when no filter applies.
#[derive(Debug, Clone, Copy)]
pub struct CountRollup {
    table: &'static str,
    parent_col: &'static str,
    sum_col: &'static str,
}

impl CountRollup {
    /// The daily prediction rollups (`prediction_rollups`), by `parent_col`.
    pub const fn predictions(parent_col: &'static str) -> Self {
        CountRollup {
            table: "prediction_rollups",
            parent_col,
            sum_col: "n",
        }
    }
}

/// How a child row of a to-many relation points at its parent.
#[derive(Debug, Clone, Copy)]
pub enum ParentLink<C> {
    /// The child's column holds the parent's id.
    Column(C),
    /// The child's column, or an explicit edge `child --kind--> parent` (e.g. the further
    /// dataset versions a training job was enqueued with, linked by `trainedOn`).
    ColumnOrEdge {
        /// The child's column holding a parent's id.
        column: C,
        /// The kind of the edges from child to parent.
        kind: &'static str,
        /// The parent's node type.
        parent_type: NodeType,
    },
}

/// A change to record in the event log.
#[derive(Debug, Clone)]
pub struct Change {
    /// Type of the changed node (or `User`, `ApiKey`, `Grant` for access changes).
    pub entity_type: &'static str,
    /// Id of the changed node.
    pub entity_id: Uuid,
    /// Its namespace.
    pub ns: String,
    /// `CREATE`, `UPDATE`, `DELETE` or a domain action (`STAGE_CHANGED`, ...).
    pub action: &'static str,
    /// State before the change.
    pub before: Option<serde_json::Value>,
    /// State after the change.
    pub after: Option<serde_json::Value>,
}

impl Change {
    /// A change of a node row, with its before/after state serialised.
    pub fn of<E: NodeEntity>(
        action: &'static str,
        before: Option<&E::Model>,
        after: Option<&E::Model>,
    ) -> AppResult<Change>
    where
        E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
    {
        Change::of_row(
            E::NODE_TYPE.name(),
            action,
            |r| (E::id_of(r), E::ns_of(r).to_owned()),
            before,
            after,
        )
    }

    /// A change of a row of `entity_type` (a node type, or a table that is not one:
    /// `ModelAlias`, `LoggedModel`), its id and namespace read by `key`.
    pub fn of_row<T: Serialize>(
        entity_type: &'static str,
        action: &'static str,
        key: impl Fn(&T) -> (Uuid, String),
        before: Option<&T>,
        after: Option<&T>,
    ) -> AppResult<Change> {
        let to_json = |v: Option<&T>| -> AppResult<Option<serde_json::Value>> {
            v.map(|v| serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string())))
                .transpose()
        };
        let row = after
            .or(before)
            .ok_or_else(|| AppError::Internal("change of nothing".into()))?;
        let (entity_id, ns) = key(row);
        Ok(Change {
            entity_type,
            entity_id,
            ns,
            action,
            before: to_json(before)?,
            after: to_json(after)?,
        })
    }
}

/// Appends an event to the log. Call it inside the mutation's transaction so that the
/// event commits (or rolls back) with the change it describes.
pub async fn record_event(
    txn: &impl ConnectionTrait,
    ctx: &RequestContext,
    change: Change,
) -> AppResult<entity::event::Model> {
    // Inside `transaction`: its commit will announce itself.
    RECORDED.try_with(|r| r.set(true)).ok();
    let now = Utc::now();
    // PostgreSQL numbers events itself (identity column, writing transaction id). SQLite
    // has exactly one writer, so the next number is simply the largest plus one.
    let (seq, txid) = if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        (NotSet, NotSet)
    } else {
        let last: Option<Option<i64>> = entity::event::Entity::find()
            .select_only()
            .column_as(entity::event::Column::Seq.max(), "m")
            .into_tuple()
            .one(txn)
            .await?;
        (Set(last.flatten().unwrap_or(0) + 1), Set(0))
    };
    let event = entity::event::ActiveModel {
        seq,
        txid,
        id: Set(Uuid::now_v7()),
        ns: Set(change.ns),
        actor: Set(ctx.actor.clone()),
        entity_type: Set(change.entity_type.to_owned()),
        entity_id: Set(change.entity_id),
        action: Set(change.action.to_owned()),
        before: Set(change.before),
        after: Set(change.after),
        request_id: Set(ctx.request_id.clone()),
        created_at: Set(now),
    };
    Ok(event.insert(txn).await?)
}

/// Ends a transaction with its outcome: commits on success; on failure rolls back and
/// waits for it, so that no row lock of the failed request outlives it (dropped, the
/// transaction would roll back only when its connection is next touched).
async fn finish<T>(txn: sea_orm::DatabaseTransaction, result: AppResult<T>) -> AppResult<T> {
    match result {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rollback after a failed change");
            }
            Err(e)
        }
    }
}

tokio::task_local! {
    /// Whether the transaction running on this task recorded an event.
    static RECORDED: std::cell::Cell<bool>;
}

/// Counts the commits (in this process) of transactions that recorded events.
static COMMITTED: std::sync::LazyLock<tokio::sync::watch::Sender<u64>> =
    std::sync::LazyLock::new(|| tokio::sync::watch::channel(0).0);

/// Changes after every commit, in this process, of a [`transaction`] that recorded events,
/// whoever wrote it (GraphQL, MLflow, OpenLineage, a worker, the CLI): what wakes the
/// live feed at once (on SQLite its only signal; PostgreSQL also NOTIFYs other instances).
pub fn committed() -> tokio::sync::watch::Receiver<u64> {
    COMMITTED.subscribe()
}

/// Runs `work` in a transaction that [`finish`] ends: committed when `work` succeeds,
/// rolled back (and waited for) when it fails. A commit that recorded events announces
/// itself (see [`committed`]).
pub async fn transaction<T>(
    db: &sea_orm::DatabaseConnection,
    work: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> AppResult<T>,
) -> AppResult<T> {
    let txn = begin(db).await?;
    let (result, recorded) = RECORDED
        .scope(std::cell::Cell::new(false), async {
            let result = work(&txn).await;
            (result, RECORDED.with(std::cell::Cell::get))
        })
        .await;
    let outcome = finish(txn, result).await;
    if recorded && outcome.is_ok() {
        COMMITTED.send_modify(|n| *n = n.wrapping_add(1));
    }
    outcome
}

/// Begins a transaction. A connection the server closed while it sat idle in the pool (a
/// restart, a failover) fails at `BEGIN`, before anything that could write was sent: then
/// the next connection is tried (the pool tests the broken one on its way back and drops
/// it), up to once per connection the pool may hold, so the first write after a restart
/// is served rather than refused. An unreachable database is not retried here (the pool
/// has already waited its acquire timeout).
async fn begin(db: &sea_orm::DatabaseConnection) -> AppResult<sea_orm::DatabaseTransaction> {
    use sea_orm::TransactionTrait;
    let mut tries = 0;
    loop {
        match db.begin().await {
            Ok(txn) => return Ok(txn),
            Err(e)
                if tries < MAX_BROKEN_AT_BEGIN && crate::core::error::is_broken_connection(&e) =>
            {
                tries += 1;
                tracing::debug!(error = %e, "a pooled connection was closed: beginning on the next");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The most broken connections one `BEGIN` steps over (more than any pool holds).
const MAX_BROKEN_AT_BEGIN: usize = 256;

/// Deletes one row (in scope) and records a `DELETE` event, after running `cascade` (what
/// goes with the row, in the caller's domain, while the row and the rows the database
/// deletes with it still exist) — all in one transaction. References that
/// block the deletion become `CONFLICT`.
pub async fn delete<E: NodeEntity>(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    cascade: impl AsyncFnOnce(&sea_orm::DatabaseTransaction, &E::Model) -> AppResult<()>,
) -> AppResult<E::Model>
where
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    transaction(db, async |txn| {
        let row = get::<E>(txn, ctx, id).await?;
        ctx.scope.check_write(E::ns_of(&row))?;
        cascade(txn, &row).await?;
        let res = E::delete_many()
            .filter(E::col_id().eq(id))
            .exec(txn)
            .await
            .map_err(|e| match AppError::from_db(e) {
                // Whatever refers to the row blocks it (e.g. a deployed model version).
                AppError::BadInput { field, .. } | AppError::Conflict { field, .. } => {
                    AppError::Conflict {
                        message: format!(
                            "{} {id} is still referenced{}",
                            E::NODE_TYPE.name(),
                            field
                                .as_deref()
                                .map(|f| format!(" ({f})"))
                                .unwrap_or_default()
                        ),
                        field,
                    }
                }
                other => other,
            })?;
        if res.rows_affected != 1 {
            return Err(AppError::not_found(format!("{} {id}", E::NODE_TYPE.name())));
        }
        record_event(txn, ctx, Change::of::<E>("DELETE", Some(&row), None)?).await?;
        Ok(row)
    })
    .await
}

/// Inserts a row and records its `CREATE` event (inside the caller's transaction).
pub async fn insert<E, A>(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    row: A,
) -> AppResult<E::Model>
where
    E: NodeEntity,
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize + sea_orm::IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    // Before the insert: a write outside the scope must not reach the database (whose
    // answer, e.g. a name conflict, would tell what exists there).
    match row.get(E::col_ns()) {
        sea_orm::ActiveValue::Set(sea_orm::Value::String(Some(ns)))
        | sea_orm::ActiveValue::Unchanged(sea_orm::Value::String(Some(ns))) => {
            ctx.scope.check_write(ns.as_str())?
        }
        _ => {
            return Err(AppError::Internal(format!(
                "insert into {} without a namespace",
                E::NODE_TYPE.table()
            )));
        }
    }
    let row = row.insert(txn).await?;
    record_event(txn, ctx, Change::of::<E>("CREATE", None, Some(&row))?).await?;
    Ok(row)
}

/// Updates a row and records the change (inside the caller's transaction).
pub async fn update<E, A>(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    before: &E::Model,
    row: A,
    action: &'static str,
) -> AppResult<E::Model>
where
    E: NodeEntity,
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize + sea_orm::IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    ctx.scope.check_write(E::ns_of(before))?;
    let after = row.update(txn).await?;
    record_event(
        txn,
        ctx,
        Change::of::<E>(action, Some(before), Some(&after))?,
    )
    .await?;
    Ok(after)
}

/// Locks row `id` (writable by the caller), applies `edit` and records the change as
/// `action`, in one transaction.
pub async fn modify<E, A>(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    action: &'static str,
    edit: impl FnOnce(&mut A) + Send,
) -> AppResult<E::Model>
where
    E: NodeEntity,
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize + sea_orm::IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    transaction(db, async |txn| {
        let before = lock::<E>(txn, ctx, id).await?;
        change::<E, A>(txn, ctx, &before, action, edit).await
    })
    .await
}

/// Applies `edit` to `before` (a row the caller has read, locked where it matters) and
/// stores the result in the caller's transaction with `action`'s event: the body of every
/// domain's `change_*`.
pub async fn change<E, A>(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    before: &E::Model,
    action: &'static str,
    edit: impl FnOnce(&mut A),
) -> AppResult<E::Model>
where
    E: NodeEntity,
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize + sea_orm::IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    let mut row = sea_orm::IntoActiveModel::into_active_model(before.clone());
    edit(&mut row);
    update::<E, A>(txn, ctx, before, row, action).await
}

/// Loads a row a mutation input refers to: `NOT_FOUND` naming `field` when it does not
/// exist, `BAD_USER_INPUT` when it lives in another namespace than `ns` (edges and
/// references never cross namespaces).
pub async fn reference<E: NodeEntity>(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
    ns: Option<&str>,
    field: &str,
) -> AppResult<E::Model>
where
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    let row = match get::<E>(db, ctx, id).await {
        Err(AppError::NotFound { what }) => {
            return Err(AppError::NotFound {
                what: format!("{what} (input {field})"),
            });
        }
        other => other?,
    };
    if let Some(ns) = ns
        && E::ns_of(&row) != ns
    {
        return Err(AppError::bad_input(
            field,
            format!(
                "{} {id} is in namespace {}, not {ns}",
                E::NODE_TYPE.name(),
                E::ns_of(&row)
            ),
        ));
    }
    Ok(row)
}

//! Glue between resolvers and the service layer: fetching per-request data from the
//! GraphQL context and turning service pages into connections. Kept tiny so resolvers
//! stay one-liners.

use crate::core::batch::Batcher;
use async_graphql::{Context, OutputType};
use sea_orm::{Condition, EntityTrait, FromQueryResult, Order};
use serde::Serialize;
use uuid::Uuid;

use crate::AppState;
use crate::core::asof::Reader;
use crate::core::context::RequestContext;
use crate::core::loader::{ById, ChildArgs, ChildRelation, Children, DbLoader};
use crate::core::node::NodeEntity;
use crate::core::paging::PageArgs;
use crate::core::store::{self, ListSpec};
use crate::error::AppError;
use crate::gql::connection::{Conn, connection};
use crate::gql::plan::{self, Plannable, Planned};

/// Per-request dependencies of a resolver.
pub struct Deps<'a> {
    /// Shared state (pool, limits).
    pub state: &'a AppState,
    /// The caller.
    pub rc: &'a RequestContext,
    /// The request's loader.
    pub loader: &'a Batcher<DbLoader>,
    /// Where reads go: the pool (a read replica's when the request was routed to one),
    /// or the pool at the request's instant (time travel). Writes go to `state.db`.
    pub db: Reader<'a>,
}

/// Reads the per-request dependencies (never panics: a missing item is an error).
pub fn deps<'a>(ctx: &Context<'a>) -> async_graphql::Result<Deps<'a>> {
    let state = data::<AppState>(ctx)?;
    let rc = data::<RequestContext>(ctx)?;
    Ok(Deps {
        state,
        rc,
        loader: data::<Batcher<DbLoader>>(ctx)?,
        db: Reader::new(rc.reads.pool(&state.reads), rc.as_of.get()),
    })
}

impl Deps<'_> {
    /// The pool reads of the present go to: a read replica's when the request was routed
    /// to one (see `crate::replicas`), else the primary's.
    pub fn reads(&self) -> &sea_orm::DatabaseConnection {
        &self.rc.reads.pool(&self.state.reads).db
    }
}

/// Per-request or schema data of type `T`; its absence is a bug of ours (`INTERNAL`),
/// never the client's.
pub fn data<'a, T: std::any::Any + Send + Sync>(ctx: &Context<'a>) -> Result<&'a T, AppError> {
    ctx.data_opt::<T>().ok_or_else(|| {
        AppError::Internal(format!(
            "{} missing from the context",
            std::any::type_name::<T>()
        ))
    })
}

/// A top-level list as a connection; counts only when `totalCount` is selected.
pub async fn top_list<E, T>(
    ctx: &Context<'_>,
    cond: async_graphql::Result<Condition>,
    order: Vec<(E::Column, Order)>,
    args: PageArgs,
    wrap: fn(E::Model) -> T,
) -> async_graphql::Result<Conn<T>>
where
    E: NodeEntity,
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
    T: OutputType,
{
    let d = deps(ctx)?;
    let window = args.window(&d.state.limits)?;
    let spec = ListSpec::<E>::new(cond?, order);
    resolved_list(ctx, &d, &spec, window, wrap).await
}

/// [`top_list`] of a node type the planner knows: a plain selection is answered by one
/// statement for the whole tree (`gql::plan`), any other by the resolvers.
pub async fn planned_list<E, T>(
    ctx: &Context<'_>,
    cond: async_graphql::Result<Condition>,
    order: Vec<(E::Column, Order)>,
    args: PageArgs,
    wrap: fn(E::Model) -> T,
) -> async_graphql::Result<Planned<Conn<T>>>
where
    E: Plannable,
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
    T: OutputType,
{
    let d = deps(ctx)?;
    let window = args.window(&d.state.limits)?;
    let spec = ListSpec::<E>::new(cond?, order);
    if let Some(v) = plan::top_list::<E>(ctx, &d.db, d.rc, &d.state.limits, &spec, window).await? {
        return Ok(Planned::built(v));
    }
    Ok(Planned::Resolved(
        resolved_list(ctx, &d, &spec, window, wrap).await?,
    ))
}

/// One node of a type the planner knows by id, in scope (`NOT_FOUND` otherwise): a plain
/// selection is answered by one statement for the whole tree, any other by the resolvers.
pub async fn planned_get<E, T>(
    ctx: &Context<'_>,
    id: Uuid,
    wrap: fn(E::Model) -> T,
) -> async_graphql::Result<Planned<T>>
where
    E: Plannable,
    T: OutputType,
{
    let d = deps(ctx)?;
    planned_node::<E, T>(
        ctx,
        &d,
        id_is::<E>(id),
        store::get::<E>(&d.db, d.rc, id),
        wrap,
    )
    .await
}

/// [`planned_get`] by the node's global id (the argument `id`, which must be of `E`'s type).
pub async fn planned_get_by_global_id<E, T>(
    ctx: &Context<'_>,
    id: &str,
    wrap: fn(E::Model) -> T,
) -> async_graphql::Result<Planned<T>>
where
    E: Plannable,
    T: OutputType,
{
    let id = crate::core::ids::decode_as(id, E::NODE_TYPE, "id")?;
    planned_get::<E, T>(ctx, id, wrap).await
}

/// One node of a type the planner knows by namespace and name (`name_col`), like
/// [`planned_get`].
pub async fn planned_by_name<E, T>(
    ctx: &Context<'_>,
    name_col: E::Column,
    ns: &str,
    name: &str,
    wrap: fn(E::Model) -> T,
) -> async_graphql::Result<Planned<T>>
where
    E: Plannable,
    T: OutputType,
{
    use sea_orm::ColumnTrait;
    let cond = Condition::all()
        .add(E::col_ns().eq(ns))
        .add(name_col.eq(name));
    let d = deps(ctx)?;
    let fetch = store::by_name::<E>(&d.db, d.rc, name_col, ns, name);
    planned_node::<E, T>(ctx, &d, cond, fetch, wrap).await
}

/// Any node by type and id, planned (`node(id:)`): its value when the planner takes its
/// type and selection and the node is in scope, `None` otherwise (the resolvers answer).
pub async fn planned_any(
    ctx: &Context<'_>,
    ty: crate::core::ids::NodeType,
    id: Uuid,
) -> async_graphql::Result<Option<async_graphql::Value>> {
    use crate::core::ids::NodeType as N;
    let d = deps(ctx)?;
    async fn one<E: Plannable>(
        ctx: &Context<'_>,
        d: &Deps<'_>,
        id: Uuid,
    ) -> crate::error::AppResult<Option<async_graphql::Value>> {
        plan::top_node::<E>(ctx, &d.db, d.rc, &d.state.limits, id_is::<E>(id)).await
    }
    macro_rules! by_type {
        ($( $(#[$doc:meta])* $ty:ident = $module:ident ),+ $(,)?) => {
            match ty {
                $( N::$ty => one::<entity::$module::Entity>(ctx, &d, id).await?, )+
            }
        };
    }
    Ok(crate::core::vocabulary::node_vocabulary!(by_type))
}

/// The row of `E` whose id is `id`.
fn id_is<E: NodeEntity>(id: Uuid) -> Condition {
    use sea_orm::ColumnTrait;
    Condition::all().add(E::col_id().eq(id))
}

/// The planned answer for the node matching `cond`, else `fetch`'s row through the
/// resolvers.
async fn planned_node<E, T>(
    ctx: &Context<'_>,
    d: &Deps<'_>,
    cond: Condition,
    fetch: impl std::future::Future<Output = crate::error::AppResult<E::Model>>,
    wrap: fn(E::Model) -> T,
) -> async_graphql::Result<Planned<T>>
where
    E: Plannable,
    T: OutputType,
{
    if let Some(v) = plan::top_node::<E>(ctx, &d.db, d.rc, &d.state.limits, cond).await? {
        return Ok(Planned::built(v));
    }
    Ok(Planned::Resolved(wrap(fetch.await?)))
}

/// A page of a top-level list through the store, as a connection.
async fn resolved_list<E, T>(
    ctx: &Context<'_>,
    d: &Deps<'_>,
    spec: &ListSpec<E>,
    window: crate::core::paging::Window,
    wrap: fn(E::Model) -> T,
) -> async_graphql::Result<Conn<T>>
where
    E: NodeEntity,
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
    T: OutputType,
{
    let want_total = ctx.look_ahead().field("totalCount").exists();
    let page = store::list::<E>(&d.db, d.rc, spec, window, want_total).await?;
    Ok(connection(page.map(wrap)))
}

/// A to-many relation of one parent as a connection, batched across parents.
pub async fn child_list<R, T>(
    ctx: &Context<'_>,
    parent: Uuid,
    cond: async_graphql::Result<Condition>,
    fingerprint: String,
    order: Vec<(<R::Child as EntityTrait>::Column, Order)>,
    args: PageArgs,
    wrap: fn(<R::Child as EntityTrait>::Model) -> T,
) -> async_graphql::Result<Conn<T>>
where
    R: ChildRelation,
    <R::Child as EntityTrait>::Model: FromQueryResult + Clone + Send + Sync + Serialize,
    T: OutputType,
{
    let d = deps(ctx)?;
    let window = args.window(&d.state.limits)?;
    let want_total = ctx.look_ahead().field("totalCount").exists();
    let child_args = ChildArgs::new(ListSpec::new(cond?, order), window, want_total, fingerprint);
    let page = d
        .loader
        .load_one(Children::<R>::new(parent, child_args))
        .await?
        .unwrap_or_default();
    Ok(connection(page.map(wrap)))
}

/// A to-one reference, batched.
pub async fn load_ref<E, T>(
    ctx: &Context<'_>,
    id: Option<Uuid>,
    wrap: fn(E::Model) -> T,
) -> async_graphql::Result<Option<T>>
where
    E: NodeEntity,
    E::Model: FromQueryResult + Clone + Send + Sync + Serialize,
{
    let Some(id) = id else { return Ok(None) };
    let d = deps(ctx)?;
    Ok(d.loader.load_one(ById::<E>::new(id)).await?.map(wrap))
}

/// Shared, cheap-to-clone arguments helper for fingerprints.
pub fn fingerprint(parts: &[&(dyn std::fmt::Debug + Sync)]) -> String {
    parts
        .iter()
        .map(|p| format!("{p:?}"))
        .collect::<Vec<_>>()
        .join("|")
}

//! The GraphQL schema: domain query/mutation objects merged into the roots, the Relay
//! `Node` interface, and how one request runs through it (the steps of `schema::request`
//! around the execution).

pub mod request;

use std::sync::Arc;

use crate::core::batch::Batcher;
use async_graphql::parser::types::OperationType;
use async_graphql::{
    Context, ID, MergedObject, MergedSubscription, Object, Response, Result, Schema,
};
use futures::future::try_join_all;

use crate::AppState;
use crate::access::{AccessMutation, AccessQuery};
use crate::artifacts::{ArtifactMutation, ArtifactQuery};
use crate::config::Limits;
use crate::governance::{GovernanceMutation, GovernanceQuery};
use crate::graph::{Node, load_node};
use crate::metrics::{
    AbMutation, AbQuery, CostMutation, CostQuery, InferenceMutation, PerformanceMutation,
    PerformanceQuery,
};
use crate::prep::{PrepMutation, PrepQuery, UploadMutation};
use crate::runs::RunsQuery;
use crate::search::{SearchQuery, SimilarityMutation, SimilarityQuery};
use request::{self as steps, Transport};

use crate::core::batch::{LocalTasks, Spawner, runtime_spawner};
use crate::core::context::RequestContext;
use crate::core::ids;
use crate::core::loader::DbLoader;
use crate::data::{DataMutation, DataQuery};
use crate::error::AppError;
use crate::lineage::{LineageMutation, LineageQuery, TraversalLoader};
use crate::observability::{ObservabilityQuery, ObservabilitySubscription};
use crate::registry::{RegistryMutation, RegistryQuery};
use crate::serving::{ServingMutation, ServingQuery};
use crate::training::{TrainingMutation, TrainingQuery, TrainingSubscription};

/// Relay object identification.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any node by global id; null when it does not exist (or is outside your scope).
    async fn node(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(
            name = "asOf",
            desc = "As it was at this instant (nested fields inherit it)."
        )]
        _as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Option<crate::gql::plan::Planned<Node>>> {
        let (ty, uuid) = ids::decode_any(&id, "id")?;
        if let Some(v) = crate::gql::api::planned_any(ctx, ty, uuid).await? {
            return Ok(Some(crate::gql::plan::Planned::built(v)));
        }
        Ok(load_node(ctx, ty, uuid)
            .await?
            .map(crate::gql::plan::Planned::Resolved))
    }
    /// Many nodes by global id, in the order asked (at most 100); batched per type.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        #[graphql(
            name = "asOf",
            desc = "As it was at this instant (nested fields inherit it)."
        )]
        _as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > 100 {
            return Err(AppError::bad_input("ids", "at most 100 ids").into());
        }
        let decoded = ids
            .iter()
            .map(|id| ids::decode_any(id, "ids"))
            .collect::<Result<Vec<_>, _>>()?;
        try_join_all(
            decoded
                .into_iter()
                .map(|(ty, uuid)| load_node(ctx, ty, uuid)),
        )
        .await
    }
    /// Liveness of the API itself (no database access).
    async fn api_version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}

/// The query root.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    NodeQuery,
    crate::gql::aggregate::AggregateQuery,
    crate::lineage::columns::ColumnLineageQuery,
    SearchQuery,
    SimilarityQuery,
    AccessQuery,
    ArtifactQuery,
    GovernanceQuery,
    PerformanceQuery,
    CostQuery,
    RegistryQuery,
    DataQuery,
    TrainingQuery,
    ServingQuery,
    ObservabilityQuery,
    LineageQuery,
    RunsQuery,
    AbQuery,
    PrepQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    AbMutation,
    AccessMutation,
    SimilarityMutation,
    ArtifactMutation,
    GovernanceMutation,
    PerformanceMutation,
    CostMutation,
    InferenceMutation,
    RegistryMutation,
    DataMutation,
    TrainingMutation,
    ServingMutation,
    LineageMutation,
    crate::graph::TagsMutation,
    PrepMutation,
    UploadMutation,
);

/// The subscription root.
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(TrainingSubscription, ObservabilitySubscription);

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema with the state's limits.
pub fn build_schema(state: AppState) -> AppSchema {
    let parsed = Arc::new(crate::gql::parsed::ParseCache::new(
        state.limits.parse_cache,
    ));
    build_schema_with(state, parsed)
}

/// [`build_schema`] with the cache of parsed documents its requests share with the HTTP
/// handler (which reads an operation's type from it, see [`is_query`]).
pub fn build_schema_with(
    state: AppState,
    parsed: Arc<crate::gql::parsed::ParseCache>,
) -> AppSchema {
    let limits = state.limits.clone();
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    // The documents async-graphql receives were parsed and bounded by the request steps
    // (`schema::request`); its own recursion check then walks at most what they allowed.
    .limit_recursive_depth(steps::max_nesting(&limits) + 1)
    .data(steps::Env::new(parsed));
    let builder = if limits.production {
        builder.disable_introspection()
    } else {
        builder
    };
    let builder = if limits.suggestions {
        builder
    } else {
        builder.disable_suggestions()
    };
    builder.data(state).finish()
}

/// Attaches what one request needs: the caller and its per-request loaders, whose
/// fetches run through `spawner`.
fn prepare_with(
    req: async_graphql::Request,
    state: &AppState,
    rc: RequestContext,
    spawner: Spawner,
) -> async_graphql::Request {
    let (loader, traversals) = loaders(state, &rc, spawner);
    req.data(rc).data(loader).data(traversals)
}

/// The per-caller loaders: relations and traversals, applying the caller's scope.
fn loaders(
    state: &AppState,
    rc: &RequestContext,
    spawner: Spawner,
) -> (Batcher<DbLoader>, Batcher<TraversalLoader>) {
    (
        DbLoader::new(
            rc.reads.pool(&state.reads).clone(),
            rc.clone(),
            spawner.clone(),
        ),
        TraversalLoader::new(rc.reads.pool(&state.reads).clone(), rc.clone(), spawner),
    )
}

/// Executes one request through its steps (`schema::request`: admitted, run, finished),
/// with its DataLoader fetches driven on its own task, so that each level of a nested
/// query stays one statement however busy the machine is (see `core::batch`). The HTTP
/// handler and the tests run requests through this.
pub async fn execute(
    schema: &AppSchema,
    req: async_graphql::Request,
    state: &AppState,
    rc: RequestContext,
) -> Response {
    let started = std::time::Instant::now();
    let admitted = steps::Env::of(schema)
        .and_then(|env| steps::admit(env, &req, state, Some(&rc), Transport::Http));
    let admitted = match admitted {
        Ok(admitted) => admitted,
        Err(e) => {
            let resp = steps::refused(e);
            steps::record(None, &resp, started.elapsed());
            return resp;
        }
    };
    let tasks = LocalTasks::new();
    let (req, run) = admitted.start(req);
    let req = prepare_with(req, state, rc, tasks.spawner());
    // Unconstrained: tokio's cooperative budget would otherwise make the executor yield
    // halfway through a list's sibling resolvers.
    let executed = tokio::task::unconstrained(tasks.run(schema.execute(req)));
    let mut resp = tracing::Instrument::instrument(executed, run.span()).await;
    run.finish(&mut resp);
    steps::record(Some(&run.label), &resp, started.elapsed());
    resp
}

/// What a WebSocket connection's subscriptions need: the caller and loaders that batch
/// the nested fields of each delivered item (they batch, they do not cache).
pub fn connection_data(state: &AppState, rc: RequestContext) -> async_graphql::Data {
    let (loader, traversals) = loaders(state, &rc, runtime_spawner());
    let mut data = async_graphql::Data::default();
    data.insert(loader);
    data.insert(traversals);
    data.insert(rc);
    data
}

/// Builds the schema without state, for exporting the SDL.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .finish()
    .sdl()
}

/// Whether the operation `req` runs is a query (its document read through `cache`, and
/// kept there for the execution that follows); a document that does not parse counts as
/// a query, for the execution to refuse with its code.
pub fn is_query(
    cache: &crate::gql::parsed::ParseCache,
    req: &async_graphql::Request,
    limits: &Limits,
) -> bool {
    let doc = match cache.get(&req.query) {
        Some(doc) => doc,
        None => match steps::parse_cached(cache, &req.query, &req.variables, limits) {
            Ok(doc) => Arc::new(doc),
            Err(_) => return true,
        },
    };
    doc.operations.iter().all(|(name, op)| {
        let selected = match (&req.operation_name, name) {
            (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
            _ => true,
        };
        !selected || op.node.ty == OperationType::Query
    })
}

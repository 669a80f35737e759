//! The GraphQL schema: domain query/mutation objects merged into the roots, the Relay
//! `Node` interface, limits, and the extension that gives every error an
//! `extensions.code`.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    Context, ErrorExtensionValues, ID, Interface, MergedObject, MergedSubscription, Object,
    Response, Result, Schema, ServerError, ServerResult, ValidationResult, Value, Variables,
};
use futures::future::try_join_all;

use crate::AppState;
use crate::api::load_ref;
use async_graphql::dataloader::DataLoader;

use crate::core::batch::{LocalTasks, Spawner, runtime_spawner};
use crate::core::context::RequestContext;
use crate::core::ids::{self, NodeType};
use crate::core::loader::DbLoader;
use crate::data::{DataMutation, DataQuery, Dataset, DatasetVersion};
use crate::error::{AppError, ErrorCode};
use crate::lineage::TraversalLoader;
use crate::lineage::{Edge, LineageMutation, LineageQuery};
use crate::observability::{Event, ObservabilityQuery, ObservabilitySubscription};
use crate::registry::{Model, ModelVersion, RegistryMutation, RegistryQuery, Workflow};
use crate::serving::{
    CloudRunService, Deployment, Endpoint, Prediction, ServiceDeployment, ServingMutation,
    ServingQuery,
};
use crate::training::{
    Experiment, ExperimentRun, PatternRecognitionJob, TrainingJob, TrainingMutation, TrainingQuery,
    TrainingSubscription,
};

/// Anything with a global id, resolvable through `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id."))]
#[allow(clippy::large_enum_variant)]
pub enum Node {
    /// A workflow.
    Workflow(Workflow),
    /// A dataset.
    Dataset(Dataset),
    /// A dataset version.
    DatasetVersion(DatasetVersion),
    /// A model.
    Model(Model),
    /// A model version.
    ModelVersion(ModelVersion),
    /// An experiment.
    Experiment(Experiment),
    /// A training job.
    TrainingJob(TrainingJob),
    /// A run.
    ExperimentRun(ExperimentRun),
    /// An endpoint.
    Endpoint(Endpoint),
    /// A deployment.
    Deployment(Deployment),
    /// A prediction.
    Prediction(Prediction),
    /// A pattern-recognition job.
    PatternRecognitionJob(PatternRecognitionJob),
    /// A Cloud Run service.
    CloudRunService(CloudRunService),
    /// A service revision.
    ServiceDeployment(ServiceDeployment),
    /// An event.
    Event(Event),
    /// An explicit typed edge.
    Edge(Edge),
}

/// Loads any node by type and id (batched with other loads of the same type).
pub async fn load_node(ctx: &Context<'_>, ty: NodeType, id: uuid::Uuid) -> Result<Option<Node>> {
    use entity::*;
    let id = Some(id);
    Ok(match ty {
        NodeType::Workflow => load_ref::<workflow::Entity, _>(ctx, id, Workflow)
            .await?
            .map(Node::Workflow),
        NodeType::Dataset => load_ref::<dataset::Entity, _>(ctx, id, Dataset)
            .await?
            .map(Node::Dataset),
        NodeType::DatasetVersion => load_ref::<dataset_version::Entity, _>(ctx, id, DatasetVersion)
            .await?
            .map(Node::DatasetVersion),
        NodeType::Model => load_ref::<model::Entity, _>(ctx, id, Model)
            .await?
            .map(Node::Model),
        NodeType::ModelVersion => load_ref::<model_version::Entity, _>(ctx, id, ModelVersion)
            .await?
            .map(Node::ModelVersion),
        NodeType::Experiment => load_ref::<experiment::Entity, _>(ctx, id, Experiment)
            .await?
            .map(Node::Experiment),
        NodeType::TrainingJob => load_ref::<training_job::Entity, _>(ctx, id, TrainingJob)
            .await?
            .map(Node::TrainingJob),
        NodeType::ExperimentRun => load_ref::<experiment_run::Entity, _>(ctx, id, ExperimentRun)
            .await?
            .map(Node::ExperimentRun),
        NodeType::Endpoint => load_ref::<endpoint::Entity, _>(ctx, id, Endpoint)
            .await?
            .map(Node::Endpoint),
        NodeType::Deployment => load_ref::<deployment::Entity, _>(ctx, id, Deployment)
            .await?
            .map(Node::Deployment),
        NodeType::Prediction => load_ref::<prediction::Entity, _>(ctx, id, Prediction)
            .await?
            .map(Node::Prediction),
        NodeType::PatternRecognitionJob => {
            load_ref::<pattern_recognition_job::Entity, _>(ctx, id, PatternRecognitionJob)
                .await?
                .map(Node::PatternRecognitionJob)
        }
        NodeType::CloudRunService => {
            load_ref::<cloud_run_service::Entity, _>(ctx, id, CloudRunService)
                .await?
                .map(Node::CloudRunService)
        }
        NodeType::ServiceDeployment => {
            load_ref::<service_deployment::Entity, _>(ctx, id, ServiceDeployment)
                .await?
                .map(Node::ServiceDeployment)
        }
        NodeType::Event => load_ref::<event::Entity, _>(ctx, id, Event)
            .await?
            .map(Node::Event),
        NodeType::Edge => load_ref::<edge::Entity, _>(ctx, id, Edge)
            .await?
            .map(Node::Edge),
    })
}

/// Relay object identification.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any node by global id; null when it does not exist (or is outside your scope).
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let (ty, uuid) = ids::decode_any(&id, "id")?;
        load_node(ctx, ty, uuid).await
    }
    /// Many nodes by global id, in the order asked (at most 100); batched per type.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
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
    RegistryQuery,
    DataQuery,
    TrainingQuery,
    ServingQuery,
    ObservabilityQuery,
    LineageQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    RegistryMutation,
    DataMutation,
    TrainingMutation,
    ServingMutation,
    LineageMutation,
);

/// The subscription root.
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(TrainingSubscription, ObservabilitySubscription);

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema with the state's limits.
pub fn build_schema(state: AppState) -> AppSchema {
    let limits = state.limits.clone();
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .extension(ErrorCodes)
    .data(state)
    .finish()
}

/// Attaches what one request needs: the caller and its per-request loaders, whose
/// fetches run through `spawner`.
pub fn prepare_with(
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
) -> (DataLoader<DbLoader>, DataLoader<TraversalLoader>) {
    (
        DbLoader::new(state.db.clone(), rc.clone(), spawner.clone()),
        TraversalLoader::new(state.db.clone(), rc.clone(), spawner),
    )
}

/// [`prepare_with`] on the runtime's spawner.
pub fn prepare(
    req: async_graphql::Request,
    state: &AppState,
    rc: RequestContext,
) -> async_graphql::Request {
    prepare_with(req, state, rc, runtime_spawner())
}

/// Executes one request with its DataLoader fetches driven on its own task, so that
/// each level of a nested query stays one statement however busy the machine is (see
/// `core::batch`). The HTTP handler and the tests run requests through this.
pub async fn execute(
    schema: &AppSchema,
    req: async_graphql::Request,
    state: &AppState,
    rc: RequestContext,
) -> async_graphql::Response {
    let tasks = LocalTasks::new();
    let req = prepare_with(req, state, rc, tasks.spawner());
    // Unconstrained: tokio's cooperative budget would otherwise make the executor yield
    // halfway through a list's sibling resolvers.
    tokio::task::unconstrained(tasks.run(schema.execute(req))).await
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

/// Gives every error that lacks one an `extensions.code`: limit violations become
/// `QUERY_TOO_COMPLEX`, other parse/validation/argument errors `BAD_USER_INPUT`.
struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

fn set_code(err: &mut ServerError, code: ErrorCode) {
    let ext = err
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if ext.get("code").is_none() {
        ext.set("code", Value::from(code.as_str()));
    }
}

fn classify(err: &ServerError) -> ErrorCode {
    if err.message.contains("too complex")
        || err.message.contains("nested too deep")
        || err.message.contains("recursion depth")
    {
        ErrorCode::QueryTooComplex
    } else if err.message.starts_with("Data `") {
        ErrorCode::Internal
    } else {
        ErrorCode::BadUserInput
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut resp = next.run(ctx).await;
        for err in &mut resp.errors {
            let code = classify(err);
            set_code(err, code);
        }
        resp
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut e| {
            let code = classify(&e);
            set_code(&mut e, code);
            e
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|mut errs| {
            for e in &mut errs {
                let code = classify(e);
                set_code(e, code);
            }
            errs
        })
    }
}

//! The GraphQL schema: domain query/mutation objects merged into the roots, the Relay
//! `Node` interface, limits, and the extension that gives every error an
//! `extensions.code`.

use std::sync::Arc;

use std::sync::Mutex;

use async_graphql::dataloader::DataLoader;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextSubscribe,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{
    Context, ErrorExtensionValues, ID, MergedObject, MergedSubscription, Object, Response, Result,
    Schema, ServerError, ServerResult, Value, Variables,
};
use futures::future::try_join_all;

use crate::AppState;
use crate::access::{AccessMutation, AccessQuery};
use crate::artifacts::{ArtifactMutation, ArtifactQuery};
use crate::config::Limits;
use crate::governance::{GovernanceMutation, GovernanceQuery};
use crate::gql::shape;
use crate::graph::{Node, load_node};
use crate::metrics::{
    AbMutation, AbQuery, CostMutation, CostQuery, InferenceMutation, PerformanceMutation,
    PerformanceQuery,
};
use crate::prep::{PrepMutation, PrepQuery, UploadMutation};
use crate::runs::RunsQuery;
use crate::search::{SearchQuery, SimilarityMutation, SimilarityQuery};

use crate::core::batch::{LocalTasks, Spawner, runtime_spawner};
use crate::core::context::RequestContext;
use crate::core::ids;
use crate::core::loader::DbLoader;
use crate::data::{DataMutation, DataQuery};
use crate::error::{AppError, ErrorCode};
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
        if let Some(v) = crate::api::planned_any(ctx, ty, uuid).await? {
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
    crate::aggregate::AggregateQuery,
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
    .extension(QueryShape {
        limits: limits.clone(),
        parsed,
    });
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
pub fn prepare_with(
    req: async_graphql::Request,
    state: &AppState,
    rc: RequestContext,
    spawner: Spawner,
) -> async_graphql::Request {
    let (loader, traversals) = loaders(state, &rc, spawner);
    req.data(rc)
        .data(loader)
        .data(traversals)
        .data(crate::gql::plan::PlannedRoots::default())
}

/// The per-caller loaders: relations and traversals, applying the caller's scope.
fn loaders(
    state: &AppState,
    rc: &RequestContext,
    spawner: Spawner,
) -> (DataLoader<DbLoader>, DataLoader<TraversalLoader>) {
    (
        DbLoader::new(
            rc.reads.pool(&state.db).clone(),
            rc.clone(),
            spawner.clone(),
        ),
        TraversalLoader::new(rc.reads.pool(&state.db).clone(), rc.clone(), spawner),
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
    data.insert(SharedConnection);
    data
}

/// Marks the data of a WebSocket connection, shared by all its operations: they cannot
/// read at an instant of their own (the instant lives in the request's context).
struct SharedConnection;

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

/// Checks a query's depth and complexity against the limits before it runs
/// (`QUERY_TOO_COMPLEX`, see `gql::shape`), puts each object's fields back in the order
/// selected after it ran, and gives every error that lacks one an `extensions.code`.
struct QueryShape {
    limits: Limits,
    /// Documents parsed once (shared by every request of the schema).
    parsed: Arc<crate::gql::parsed::ParseCache>,
}

impl ExtensionFactory for QueryShape {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(QueryShapeRun {
            parsed: self.parsed.clone(),
            limits: self.limits.clone(),
            operation: Mutex::new(None),
            complexity: std::sync::atomic::AtomicUsize::new(0),
            doc: Mutex::new(None),
        })
    }
}

/// [`QueryShape`] for one request (or one subscription).
struct QueryShapeRun {
    parsed: Arc<crate::gql::parsed::ParseCache>,
    limits: Limits,
    /// The executed operation's name label and type, for the metrics.
    operation: Mutex<Option<(String, &'static str)>>,
    doc: Mutex<Option<Arc<ExecutableDocument>>>,
    /// The operation's complexity (see `gql::shape`), for its span.
    complexity: std::sync::atomic::AtomicUsize,
}

fn set_code(err: &mut ServerError, code: ErrorCode) {
    let ext = err
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if ext.get("code").is_none() {
        ext.set("code", Value::from(code.as_str()));
    }
}

/// Why a document the parser refused was refused: its selection sets nest past the
/// parser's own bound (64), or it is not GraphQL.
fn parse_failure_code(err: &async_graphql::parser::Error) -> ErrorCode {
    match err {
        async_graphql::parser::Error::RecursionLimitExceeded => ErrorCode::QueryTooComplex,
        _ => ErrorCode::BadUserInput,
    }
}

/// What is left without a code was raised by async-graphql itself: a document that does
/// not validate or an argument that does not coerce. Our own errors (`AppError`) always
/// carry their code, missing context data included.
fn code_library_errors(resp: &mut Response) {
    for err in &mut resp.errors {
        set_code(err, ErrorCode::BadUserInput);
    }
}

fn too_complex(message: String) -> ServerError {
    let mut err = ServerError::new(message, None);
    set_code(&mut err, ErrorCode::QueryTooComplex);
    err
}

/// The variables' nesting, bounded like the document's values.
fn check_variables(variables: &Variables, limits: &Limits) -> ServerResult<()> {
    for (name, value) in variables.iter() {
        if shape::value_depth(value, limits.max_value_depth) > limits.max_value_depth {
            return Err(too_complex(format!(
                "Variable ${name} is nested too deep: more than {} levels",
                limits.max_value_depth
            )));
        }
    }
    Ok(())
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
        None => match parse_cached(cache, &req.query, &req.variables, limits) {
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

/// Parses a document after the checks that need no parse, then bounds its fragments:
/// `QUERY_TOO_COMPLEX` for too many tokens, value literals or variables nested too deep,
/// fragments that expand past the token limit or nest past the depth limit;
/// `BAD_USER_INPUT` for a document that does not parse or whose fragments form a cycle.
/// A document whose text passed before comes from `cache` (its variables still checked).
fn parse_cached(
    cache: &crate::gql::parsed::ParseCache,
    query: &str,
    variables: &Variables,
    limits: &Limits,
) -> ServerResult<ExecutableDocument> {
    check_variables(variables, limits)?;
    if let Some(doc) = cache.get(query) {
        return Ok((*doc).clone());
    }
    let doc = parse_text(query, limits)?;
    cache.put(query, Arc::new(doc.clone()));
    Ok(doc)
}

/// The document's own bounds (tokens, value nesting, fragments), then its parse.
fn parse_text(query: &str, limits: &Limits) -> ServerResult<ExecutableDocument> {
    let lexical = shape::scan(query);
    if lexical.tokens > limits.max_tokens {
        return Err(too_complex(format!(
            "Query is too long: {} tokens exceed the limit of {}",
            lexical.tokens, limits.max_tokens
        )));
    }
    if lexical.value_depth > limits.max_value_depth {
        return Err(too_complex(format!(
            "A value in the query is nested too deep: more than {} levels of brackets",
            limits.max_value_depth
        )));
    }
    let doc = async_graphql::parser::parse_query(query).map_err(|e| {
        let code = parse_failure_code(&e);
        let mut err = ServerError::from(e);
        set_code(&mut err, code);
        err
    })?;
    // Expanded, the document may select no more than a document of the token limit
    // without fragments could; nesting is bounded like async-graphql's default (32
    // selection sets, fragments included) or the depth limit when that is larger.
    let max_selections = u64::try_from(limits.max_tokens).unwrap_or(u64::MAX);
    let max_nesting = limits.max_depth.max(32);
    match shape::check_fragments(&doc, max_selections, max_nesting) {
        Ok(()) => Ok(doc),
        Err(shape::FragmentRefusal::Cycle(name)) => {
            let mut err = ServerError::new(
                format!("Cannot spread fragment \"{name}\" within itself"),
                None,
            );
            set_code(&mut err, ErrorCode::BadUserInput);
            Err(err)
        }
        Err(shape::FragmentRefusal::TooLarge(n)) => Err(too_complex(format!(
            "Query's fragments expand to {n} selections, more than the limit of {max_selections}"
        ))),
        Err(shape::FragmentRefusal::TooDeep(n)) => Err(too_complex(format!(
            "Query is nested too deep: {n} levels of selections and fragments exceed the \
             limit of {max_nesting}"
        ))),
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for QueryShapeRun {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = std::time::Instant::now();
        let mut resp = next.run(ctx).await;
        code_library_errors(&mut resp);
        let (operation, kind) = self
            .operation
            .lock()
            .ok()
            .and_then(|o| o.clone())
            .unwrap_or_else(|| ("unparsed".to_owned(), "none"));
        let codes: Vec<String> = resp
            .errors
            .iter()
            .filter_map(|e| e.extensions.as_ref().and_then(|x| x.get("code")))
            .map(|c| match c {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        crate::observability::metrics::graphql_request(&operation, kind, &codes, started.elapsed());
        resp
    }

    /// Over a WebSocket (`execute_stream`, which never calls `request`), each response
    /// gets its codes here.
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: futures::stream::BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> futures::stream::BoxStream<'s, Response> {
        use futures::StreamExt;
        next.run(ctx, stream)
            .map(|mut resp| {
                code_library_errors(&mut resp);
                resp
            })
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        _next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let limits = &self.limits;
        // `--persisted-only`: nothing but the persisted documents runs, whichever way it came.
        if let Some(docs) = ctx
            .data_opt::<AppState>()
            .and_then(|s| s.persisted.as_deref())
            && !docs.allows(query)
        {
            let mut err = ServerError::new(
                "this server runs persisted documents only: send `documentId` (see \
                 `mlgraph persisted add`)",
                None,
            );
            set_code(&mut err, ErrorCode::PersistedDocumentRequired);
            return Err(err);
        }
        // Parsed here, not by `next`: async-graphql's own step after parsing (its
        // recursion-depth check) expands every fragment spread without memo, so a 1 KB
        // document of fragments that each spread the next twice costs 2^n before any
        // limit of ours could look. Every bound below is checked in time linear in the
        // document, before anything recurses or expands.
        let doc = parse_cached(&self.parsed, query, variables, limits)?;
        // With authentication on, a caller without a key may only log in.
        let anonymous = ctx.data_opt::<AppState>().is_some_and(|s| s.auth.enabled)
            && ctx
                .data_opt::<RequestContext>()
                .is_none_or(|rc| rc.principal.is_none());
        if anonymous && !crate::access::only_public_fields(&doc) {
            let mut err = ServerError::new(
                "authentication required: send `Authorization: Bearer <API key or session \
                 token>` (a session comes from the `login` mutation)",
                None,
            );
            set_code(&mut err, ErrorCode::Unauthenticated);
            return Err(err);
        }
        let cost = shape::measure(
            &doc,
            None,
            &ctx.schema_env.registry,
            variables,
            &self.limits,
        );
        self.complexity
            .store(cost.complexity, std::sync::atomic::Ordering::Relaxed);
        if cost.depth > self.limits.max_depth {
            return Err(too_complex(format!(
                "Query is nested too deep: depth {} exceeds the limit of {}",
                cost.depth, self.limits.max_depth
            )));
        }
        if cost.complexity > self.limits.max_complexity {
            return Err(too_complex(format!(
                "Query is too complex: {} exceeds the limit of {} (a list costs its page size \
                 times its selection)",
                cost.complexity, self.limits.max_complexity
            )));
        }
        for (what, n, max) in [
            ("aliased fields", cost.aliases, limits.max_aliases),
            ("top-level fields", cost.root_fields, limits.max_root_fields),
            (
                "directives on one field",
                cost.max_directives,
                limits.max_directives,
            ),
        ] {
            if n > max {
                return Err(too_complex(format!(
                    "Query has too many {what}: {n} exceed the limit of {max}"
                )));
            }
        }
        // Time travel: the instant the operation reads at, fixed before anything runs.
        if let Some(rc) = ctx.data_opt::<RequestContext>() {
            let shared = ctx.data_opt::<SharedConnection>().is_some();
            let at = crate::gql::asof::operation_as_of(&doc, &ctx.schema_env.registry, variables)
                .and_then(|at| match at {
                    Some(_) if shared => Err(AppError::bad_input(
                        "asOf",
                        "asOf is answered over HTTP only, not on a WebSocket connection",
                    )),
                    at => rc.as_of.pin(at),
                });
            if let Err(e) = at {
                return Err(async_graphql::Error::from(e).into_server_error(Default::default()));
            }
        }
        if let Ok(mut slot) = self.doc.lock() {
            *slot = Some(Arc::new(doc.clone()));
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let doc = self.doc.lock().ok().and_then(|d| d.clone());
        if let (Some(doc), Ok(mut slot)) = (&doc, self.operation.lock()) {
            let op = doc.operations.iter().find(|(name, _)| {
                operation_name.is_none() || name.map(|n| n.as_str()) == operation_name
            });
            let kind = match op.map(|(_, o)| o.node.ty) {
                Some(OperationType::Query) => "query",
                Some(OperationType::Mutation) => "mutation",
                Some(OperationType::Subscription) => "subscription",
                None => "none",
            };
            let name = operation_name.or_else(|| op.and_then(|(n, _)| n.map(|n| n.as_str())));
            *slot = Some((crate::observability::metrics::operation_label(name), kind));
        }
        let span = match self.operation.lock().ok().and_then(|o| o.clone()) {
            Some((name, kind)) => tracing::info_span!(
                "graphql.operation",
                otel.name = %format!("{kind} {name}"),
                graphql.operation.name = %name,
                graphql.operation.type = kind,
                graphql.complexity = self.complexity.load(std::sync::atomic::Ordering::Relaxed) as i64,
            ),
            None => tracing::info_span!("graphql.operation"),
        };
        let mut resp = tracing::Instrument::instrument(next.run(ctx, operation_name), span).await;
        if let Some(doc) = doc {
            let planned = ctx
                .data_opt::<crate::gql::plan::PlannedRoots>()
                .map(|r| r.take())
                .unwrap_or_default();
            shape::order_like_selection(&mut resp.data, &doc, operation_name, &planned);
        }
        resp
    }
}

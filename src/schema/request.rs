//! The steps around one operation's execution, outside async-graphql's extension hooks
//! (an extension would put a hook around every field of every response; these run once
//! per operation):
//!
//! 1. [`admit`]: `--persisted-only`, then the document's own bounds and its parse (from
//!    the cache of parsed documents), then the [view](crate::gql::operation) of the
//!    operation, and on it the anonymous gate, the cost and shape limits, and the
//!    instant it reads at (pinned once, in the caller's context);
//! 2. the execution of the parsed document;
//! 3. [`Run::finish`]: the selection order of the response and an `extensions.code` on
//!    every error; over HTTP, the request's metrics ([`record`]).
//!
//! Over HTTP `crate::schema::execute` runs them; over a WebSocket [`Gateway`] does, as the
//! connection's executor.

use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::registry::Registry;
use async_graphql::{
    Data, ErrorExtensionValues, Executor, OutputType, Response, ServerError, ServerResult,
    SubscriptionType, Value, Variables,
};
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::AppState;
use crate::config::Limits;
use crate::core::context::RequestContext;
use crate::error::{AppError, ErrorCode};
use crate::gql::operation::{Current, View};
use crate::gql::parsed::ParseCache;
use crate::gql::shape;

/// What the steps read that the schema holds (one per schema, in its data).
pub struct Env {
    /// Documents parsed once (shared with the HTTP handler, see `crate::schema::is_query`).
    pub parsed: Arc<ParseCache>,
    /// The schema's types, for the view.
    pub registry: Registry,
}

impl Env {
    /// The steps' environment for the schema's roots.
    pub fn new(parsed: Arc<ParseCache>) -> Self {
        Env {
            parsed,
            registry: registry(),
        }
    }

    /// The environment `schema` was built with (`crate::schema::build_schema_with` puts it
    /// in the schema's data).
    pub fn of(schema: &crate::schema::AppSchema) -> ServerResult<&Env> {
        schema
            .data::<Env>()
            .ok_or_else(|| ServerError::new("the schema was built without its request steps", None))
    }
}

/// The schema's types and fields, as the view reads them.
pub fn registry() -> Registry {
    use crate::schema::{MutationRoot, QueryRoot, SubscriptionRoot};
    let mut r = Registry {
        query_type: <QueryRoot as OutputType>::type_name().into_owned(),
        mutation_type: Some(<MutationRoot as OutputType>::type_name().into_owned()),
        subscription_type: Some(<SubscriptionRoot as SubscriptionType>::type_name().into_owned()),
        ..Registry::default()
    };
    <QueryRoot as OutputType>::create_type_info(&mut r);
    <MutationRoot as OutputType>::create_type_info(&mut r);
    <SubscriptionRoot as SubscriptionType>::create_type_info(&mut r);
    r
}

/// How a request arrived: a WebSocket connection shares its caller's context between its
/// operations, so none of them may pin an instant of its own.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transport {
    /// One request, one context.
    Http,
    /// An operation of a WebSocket connection.
    Socket,
}

/// An operation admitted to run: its parsed document, and what runs it.
pub struct Admitted {
    doc: ExecutableDocument,
    /// What the execution and its end read.
    pub run: Run,
}

/// What one admitted operation's execution and its end read.
pub struct Run {
    /// Its view.
    pub view: Arc<View>,
    /// The name of the operation that runs, as the request gave it.
    pub operation: Option<String>,
    /// The operation's metrics label and type.
    pub label: (String, &'static str),
    /// Its complexity (see `gql::shape`).
    pub complexity: usize,
}

impl Admitted {
    /// `req`, ready to run (its parsed document set, the view attached for the planner),
    /// and what its end reads.
    pub fn start(self, req: async_graphql::Request) -> (async_graphql::Request, Run) {
        let current = Current::new(self.run.operation.clone(), self.run.view.clone());
        let mut req = req.data(current);
        req.set_parsed_query(self.doc);
        (req, self.run)
    }
}

impl Run {
    /// The span the operation runs in.
    pub fn span(&self) -> tracing::Span {
        let (name, kind) = &self.label;
        tracing::info_span!(
            "graphql.operation",
            otel.name = %format!("{kind} {name}"),
            graphql.operation.name = %name,
            graphql.operation.type = *kind,
            graphql.complexity = self.complexity as i64,
        )
    }

    /// Puts the response's objects in selection order and codes its errors.
    pub fn finish(&self, resp: &mut Response) {
        shape::order_like_selection(&mut resp.data, &self.view, self.operation.as_deref());
        code_library_errors(resp);
    }
}

/// Step 1: whether `req` may run, and what it runs (see the module).
pub fn admit(
    env: &Env,
    req: &async_graphql::Request,
    state: &AppState,
    rc: Option<&RequestContext>,
    transport: Transport,
) -> ServerResult<Admitted> {
    let limits = &state.limits;
    // `--persisted-only`: nothing but the persisted documents runs, whichever way it came.
    if let Some(docs) = state.persisted.as_deref()
        && !docs.allows(&req.query)
    {
        return Err(coded(
            "this server runs persisted documents only: send `documentId` (see `mlgraph \
             persisted add`)",
            ErrorCode::PersistedDocumentRequired,
        ));
    }
    // Parsed here, not by async-graphql: every bound below is checked in time linear in
    // the document, before anything expands its fragments.
    let doc = parse_cached(&env.parsed, &req.query, &req.variables, limits)?;
    let view = View::new(&doc, &env.registry, &req.variables);
    // With authentication on, a caller without a key may only log in.
    let anonymous = state.auth.enabled && rc.is_none_or(|rc| rc.principal.is_none());
    if anonymous && !crate::access::only_public_fields(&view) {
        return Err(coded(
            "authentication required: send `Authorization: Bearer <API key or session token>` \
             (a session comes from the `login` mutation)",
            ErrorCode::Unauthenticated,
        ));
    }
    let name = req.operation_name.as_deref();
    let cost = shape::measure(&view, name, limits);
    if cost.depth > limits.max_depth {
        return Err(too_complex(format!(
            "Query is nested too deep: depth {} exceeds the limit of {}",
            cost.depth, limits.max_depth
        )));
    }
    if cost.complexity > limits.max_complexity {
        return Err(too_complex(format!(
            "Query is too complex: {} exceeds the limit of {} (a list costs its page size \
             times its selection)",
            cost.complexity, limits.max_complexity
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
    if let Some(rc) = rc {
        let at = crate::gql::asof::operation_as_of(&view, &env.registry).and_then(|at| match at {
            Some(_) if transport == Transport::Socket => Err(AppError::bad_input(
                "asOf",
                "asOf is answered over HTTP only, not on a WebSocket connection",
            )),
            at => rc.as_of.pin(at),
        });
        if let Err(e) = at {
            return Err(async_graphql::Error::from(e).into_server_error(Default::default()));
        }
    }
    let op = view.operation(name);
    let kind = match op.map(|o| o.ty) {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "none",
    };
    let label_name = name.or_else(|| op.and_then(|o| o.name.as_ref().map(|n| n.as_str())));
    let label = (crate::telemetry::metrics::operation_label(label_name), kind);
    Ok(Admitted {
        doc,
        run: Run {
            view: Arc::new(view),
            operation: req.operation_name.clone(),
            label,
            complexity: cost.complexity,
        },
    })
}

/// A response to an operation that was not admitted.
pub fn refused(err: ServerError) -> Response {
    let mut resp = Response::from_errors(vec![err]);
    code_library_errors(&mut resp);
    resp
}

/// The request's metrics: its operation (`unparsed` when it was not admitted), its
/// outcome (its first error's code) and its time.
pub fn record(label: Option<&(String, &'static str)>, resp: &Response, took: std::time::Duration) {
    let (operation, kind) = label.map_or(("unparsed", "none"), |(n, k)| (n.as_str(), *k));
    let codes: Vec<String> = resp
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref().and_then(|x| x.get("code")))
        .map(|c| match c {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    crate::telemetry::metrics::graphql_request(operation, kind, &codes, took);
}

/// The executor of a WebSocket connection: each operation admitted as over HTTP (its
/// caller is the connection's, from the connection's data), then run by the schema.
#[derive(Clone)]
pub struct Gateway {
    /// The schema.
    pub schema: crate::schema::AppSchema,
    /// The server's state.
    pub state: AppState,
}

impl Executor for Gateway {
    /// One response of [`Executor::execute_stream`] without a connection (a
    /// connection's operations all come through `execute_stream`).
    async fn execute(&self, request: async_graphql::Request) -> Response {
        self.execute_stream(request, None)
            .next()
            .await
            .unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let session = session_data.unwrap_or_default();
        let rc = session
            .get(&std::any::TypeId::of::<RequestContext>())
            .and_then(|d| d.downcast_ref::<RequestContext>());
        let admitted = Env::of(&self.schema)
            .and_then(|env| admit(env, &request, &self.state, rc, Transport::Socket));
        match admitted {
            Err(e) => futures::stream::once(async move { refused(e) }).boxed(),
            Ok(admitted) => {
                let (req, run) = admitted.start(request);
                self.schema
                    .execute_stream_with_session_data(req, session)
                    .map(move |mut resp| {
                        run.finish(&mut resp);
                        resp
                    })
                    .boxed()
            }
        }
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

fn coded(message: impl Into<String>, code: ErrorCode) -> ServerError {
    let mut err = ServerError::new(message, None);
    set_code(&mut err, code);
    err
}

fn too_complex(message: String) -> ServerError {
    coded(message, ErrorCode::QueryTooComplex)
}

/// What is left without a code was raised by async-graphql itself: a document that does
/// not validate or an argument that does not coerce. Our own errors (`AppError`) always
/// carry their code, missing context data included.
fn code_library_errors(resp: &mut Response) {
    for err in &mut resp.errors {
        set_code(err, ErrorCode::BadUserInput);
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

/// How deep selection sets and fragments may nest: async-graphql's default (32) or the
/// depth limit when that is larger (the schema's own recursion check uses the same).
pub fn max_nesting(limits: &Limits) -> usize {
    limits.max_depth.max(32)
}

/// Parses a document after the checks that need no parse, then bounds its fragments:
/// `QUERY_TOO_COMPLEX` for too many tokens, value literals or variables nested too deep,
/// fragments that expand past the token limit or nest past the depth limit;
/// `BAD_USER_INPUT` for a document that does not parse or whose fragments form a cycle.
/// A document whose text passed before comes from `cache` (its variables still checked).
pub fn parse_cached(
    cache: &ParseCache,
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
    // without fragments could.
    let max_selections = u64::try_from(limits.max_tokens).unwrap_or(u64::MAX);
    let max_nesting = max_nesting(limits);
    match shape::check_fragments(&doc, max_selections, max_nesting) {
        Ok(()) => Ok(doc),
        Err(shape::FragmentRefusal::Cycle(name)) => Err(coded(
            format!("Cannot spread fragment \"{name}\" within itself"),
            ErrorCode::BadUserInput,
        )),
        Err(shape::FragmentRefusal::TooLarge(n)) => Err(too_complex(format!(
            "Query's fragments expand to {n} selections, more than the limit of {max_selections}"
        ))),
        Err(shape::FragmentRefusal::TooDeep(n)) => Err(too_complex(format!(
            "Query is nested too deep: {n} levels of selections and fragments exceed the \
             limit of {max_nesting}"
        ))),
    }
}

//! HTTP: `POST /graphql` and `GET /graphql` (queries only), subscriptions over WebSocket
//! on the same path (`graphql-transport-ws`, and legacy `graphql-ws`), the web console at `/` and GraphiQL at `/graphiql`, `/healthz`
//! (process up), `/readyz` (database reachable) and `/metrics` (counters). Each request gets a request id (from
//! `x-request-id` or generated) that tags its log lines and the events it writes.

use std::sync::Arc;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLWebSocket};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::callers::{
    Verified, ask_for_bearer, authenticate, bearer, http_response, refuse, refuse_credentials,
    request_context, retry_after,
};
use crate::core::context::RequestContext;
use crate::error::{AppError, ErrorCode};
use crate::schema::{AppSchema, build_schema_with, connection_data, execute};

#[derive(Clone)]
struct Shared {
    state: AppState,
    schema: AppSchema,
    /// Per-caller token buckets, when `--rate-limit` is set.
    limiter: Option<Arc<CallerLimiter>>,
    /// The schema's parsed documents (the handler reads an operation's type from them).
    parsed: Arc<crate::gql::parsed::ParseCache>,
}

type CallerLimiter = governor::DefaultKeyedRateLimiter<String>;

/// Who is rate-limited: the API key of a bearer token that **verified**, else the
/// `x-actor` header while authentication is off (everyone may do everything then), else
/// the client's address (behind a proxy, the proxy's). An unverified token shares its
/// address's bucket: a forged `mlg_<victim's key id>_x` cannot drain the victim's, and
/// made-up key ids cannot open fresh buckets.
fn caller_key(shared: &Shared, req: &axum::extract::Request) -> String {
    if let Some(v) = req.extensions().get::<Verified>() {
        return format!("key:{}", v.0.principal.key_id);
    }
    if !shared.state.auth.enabled
        && let Some(actor) = req.headers().get("x-actor").and_then(|v| v.to_str().ok())
    {
        return format!("actor:{actor}");
    }
    match req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
    {
        Some(info) => format!("ip:{}", info.0.ip()),
        None => "anonymous".to_owned(),
    }
}

/// Rate limiting of every route but the probes (`/healthz`, `/readyz`): GraphQL, MLflow,
/// OpenLineage, artifact URLs, the lineage view. Past the caller's bucket: 429 with
/// `Retry-After`, in the error shape of the route's protocol.
async fn limit_rate(
    State(shared): State<Shared>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use governor::clock::{Clock, DefaultClock};
    let Some(limiter) = shared.limiter.clone() else {
        return next.run(req).await;
    };
    if matches!(req.uri().path(), "/healthz" | "/readyz") {
        return next.run(req).await;
    }
    if shared.state.auth.enabled
        && let Some(Ok(token)) = bearer(req.headers())
        && let Ok(auth) =
            crate::access::service::authenticate(&shared.state.db, &shared.state.clock, &token)
                .await
    {
        req.extensions_mut().insert(Verified(auth));
    }
    // Callers that went quiet leave their full buckets behind: drop them now and then,
    // so that many callers (or made-up `x-actor`s) cannot grow the map without bound.
    if limiter.len() > 10_000 {
        limiter.retain_recent();
    }
    let Err(not_until) = limiter.check_key(&caller_key(&shared, &req)) else {
        return next.run(req).await;
    };
    crate::telemetry::metrics::rate_limited();
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    let message = "too many requests: slow down and retry after the time in Retry-After";
    let path = req.uri().path();
    let mut resp = if crate::ingest::is_rest_path(path) {
        crate::ingest::refusal(
            path,
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "REQUEST_LIMIT_EXCEEDED",
            message,
        )
    } else {
        refuse(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            message,
        )
    };
    retry_after(
        &mut resp,
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
    );
    resp
}

/// Writes through the REST APIs (MLflow, OpenLineage, artifact uploads) are their
/// caller's writes too: with read replicas, the caller's next queries must see them (see
/// `crate::replicas`), and the response says where they are (`x-mlgraph-lsn`).
async fn remember_rest_writes(
    State(shared): State<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let Some(replicas) = shared.state.replicas.clone() else {
        return next.run(req).await;
    };
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || req.uri().path() == "/graphql"
    {
        return next.run(req).await;
    }
    // The key the caller's GraphQL requests are known by: its API key or session (the
    // token's id; an unverified one only sends its own reads to the primary), else its
    // `x-actor` while authentication is off.
    let key = if shared.state.auth.enabled {
        let key_id = match bearer(req.headers()) {
            Some(Ok(token)) => crate::access::service::token_key_id(&token),
            _ => None,
        };
        crate::replicas::key_of(key_id, None)
    } else {
        let actor = req.headers().get("x-actor").and_then(|v| v.to_str().ok());
        crate::replicas::key_of(None, actor)
    };
    let mut resp = next.run(req).await;
    if resp.status().is_success()
        && let Some(lsn) = replicas.wrote_as(key).await
    {
        crate::replicas::set_header(resp.headers_mut(), lsn);
    }
    resp
}

/// Whether any error of `resp` carries `code`.
fn has_code(resp: &async_graphql::Response, code: ErrorCode) -> bool {
    let code = async_graphql::Value::from(code.as_str());
    resp.errors
        .iter()
        .any(|e| e.extensions.as_ref().and_then(|x| x.get("code")) == Some(&code))
}

/// A request to run again (a read a replica failed): the same operation and variables.
fn copy_request(req: &async_graphql::Request) -> async_graphql::Request {
    let mut copy = async_graphql::Request::new(req.query.clone()).variables(req.variables.clone());
    copy.extensions = req.extensions.clone();
    if let Some(name) = &req.operation_name {
        copy = copy.operation_name(name.clone());
    }
    copy
}

/// The first error's message (for a log line).
fn first_message(resp: &async_graphql::Response) -> String {
    resp.errors
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

/// A body that is not a GraphQL request: 400 (413 when too large) in the GraphQL error
/// shape with a code, the reason in words (never the parser's debug form).
fn rejected_body(err: async_graphql::ParseRequestError) -> axum::response::Response {
    use async_graphql::ParseRequestError as E;
    if matches!(err, E::PayloadTooLarge) {
        return too_large();
    }
    let reason = match &err {
        E::InvalidRequest(e) => format!("the body is not a GraphQL request: {e}"),
        E::UnsupportedBatch => "batched requests are not supported: send one operation".to_owned(),
        E::Io(_) => "the request body could not be read".to_owned(),
        _ => "the body is not a GraphQL request (multipart uploads are not served)".to_owned(),
    };
    refuse(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, &reason)
}

/// 413 in the GraphQL error shape.
fn too_large() -> axum::response::Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::BadUserInput,
        "the request body is larger than the server accepts (--max-body-bytes)",
    )
}

/// A body that could not be read: 413 past the cap (the limit's error, however deep the
/// layers that read the body wrapped it), else 400.
fn unreadable_body(err: &axum::Error) -> axum::response::Response {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return too_large();
        }
        cause = c.source();
    }
    refuse(
        StatusCode::BAD_REQUEST,
        ErrorCode::BadUserInput,
        "the request body could not be read",
    )
}

/// CSRF: a browser sends a `POST` with these content types (or none) cross-site without a
/// preflight, so a page elsewhere could submit mutations with a user's credentials.
/// Such a request needs a header no simple request carries (as Apollo's CSRF prevention).
fn is_simple_cross_site_post(headers: &HeaderMap) -> bool {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let simple = match content_type.as_deref() {
        None | Some("") => true,
        Some(t) => matches!(
            t,
            "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data"
        ),
    };
    let preflighted = [
        "x-mlgraph-csrf",
        "apollo-require-preflight",
        "x-apollo-operation-name",
    ]
    .iter()
    .any(|h| headers.contains_key(*h));
    simple && !preflighted
}

async fn graphql_handler(
    State(shared): State<Shared>,
    method: Method,
    headers: HeaderMap,
    verified: Option<Verified>,
    req: GraphQLRequest,
) -> axum::response::Response {
    let req = req.into_inner();
    // The operation's type, from the document cache the execution reads next: needed to
    // refuse a mutation by GET, and to route a query to a read replica.
    let replicas = shared.state.replicas.clone();
    let query_only = (method == Method::GET || replicas.is_some())
        .then(|| crate::schema::is_query(&shared.parsed, &req, &shared.state.limits));
    if method == Method::GET && query_only == Some(false) {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadUserInput,
            "mutations must be sent with POST",
        );
    }
    let mut rc = match request_context(&shared.state, &headers, verified.as_ref()).await {
        Ok(rc) => rc,
        Err(refused) => return refused,
    };
    // With read replicas: a query reads from one that has the caller's writes (see
    // `crate::replicas`); anything else from the primary.
    let reads_only = replicas.is_some() && query_only == Some(true);
    let mut again = None;
    if let Some(r) = replicas.as_ref().filter(|_| reads_only) {
        let sent = headers
            .get(crate::replicas::LSN_HEADER)
            .and_then(|v| v.to_str().ok());
        rc.reads = r.route(r.required(&rc, sent));
        if rc.reads.replica().is_some() {
            again = Some(copy_request(&req));
        }
    }
    let deadline = shared.state.limits.request_timeout;
    let started = tokio::time::Instant::now();
    let replica = rc.reads.replica();
    let mut result = tokio::time::timeout(
        deadline,
        execute(&shared.schema, req, &shared.state, rc.clone()),
    )
    .await;
    // A replica that went away under the read, or cancelled it (a conflict with
    // recovery): the same read, from the primary.
    if let (Some(i), Some(r), Some(req), Ok(resp)) = (replica, &replicas, again, &result)
        && (has_code(resp, ErrorCode::Unavailable) || has_code(resp, ErrorCode::Internal))
    {
        r.failed(i, &first_message(resp));
        rc.reads = Default::default();
        let left = deadline.saturating_sub(started.elapsed());
        result = tokio::time::timeout(
            left,
            execute(&shared.schema, req, &shared.state, rc.clone()),
        )
        .await;
    }
    let Ok(mut resp) = result else {
        // Dropped mid-way: an open transaction rolls back with its connection.
        tracing::warn!(?deadline, "request abandoned at its deadline");
        let mut resp = refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Timeout,
            "the request ran past the server's deadline and was abandoned (nothing of it was kept)",
        );
        retry_after(&mut resp, 1);
        return resp;
    };
    if let Some(id) = crate::telemetry::trace_id(&tracing::Span::current()) {
        resp.extensions
            .insert("traceId".to_owned(), async_graphql::Value::from(id));
    }
    // A database that cannot be reached is temporary: 503, so that clients retry.
    let unavailable = has_code(&resp, ErrorCode::Unavailable);
    let unauthenticated =
        resp.data == async_graphql::Value::Null && has_code(&resp, ErrorCode::Unauthenticated);
    let status = if unauthenticated {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let mut http = http_response(&resp, &headers, status);
    if unauthenticated {
        ask_for_bearer(&mut http);
    }
    // A write: where a read must be to see it (remembered for the caller, and returned).
    if let Some(r) = replicas
        .as_ref()
        .filter(|_| !reads_only && resp.data != async_graphql::Value::Null)
        && let Some(lsn) = r.wrote(&rc).await
    {
        crate::replicas::set_header(http.headers_mut(), lsn);
    }
    if unavailable {
        *http.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        retry_after(&mut http, 1);
    }
    http
}

/// `POST /graphql`: refused before its body is read when a browser could have sent it
/// cross-site without a preflight (see [`is_simple_cross_site_post`]).
async fn graphql_post(
    State(shared): State<Shared>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let headers = req.headers().clone();
    let verified = req.extensions().get::<Verified>().cloned();
    if is_simple_cross_site_post(&headers) {
        return refuse(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "send the request as application/json (or add an x-mlgraph-csrf header): \
             this content type can be sent cross-site without a preflight",
        );
    }
    // Read here, under the cap, so that a body past it is told apart from a broken one
    // (the GraphQL extractor keeps only the text of a read error).
    let limit = shared.state.limits.max_body_bytes;
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let mut bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(e) => return unreadable_body(&e),
    };
    // A persisted document request: the document's text in place of its id.
    if memchr::memmem::find(&bytes, b"\"documentId\"").is_some()
        && let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes)
    {
        if let Err(r) =
            crate::gql::persisted::resolve(shared.state.persisted.as_deref(), &mut value)
        {
            return refuse(StatusCode::BAD_REQUEST, r.code, &r.message);
        }
        bytes = match serde_json::to_vec(&value) {
            Ok(b) => b.into(),
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadUserInput,
                    &e.to_string(),
                );
            }
        };
    }
    let req = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    match GraphQLRequest::from_request(req, &()).await {
        Ok(gql) => graphql_handler(State(shared), Method::POST, headers, verified, gql).await,
        Err(rejection) => rejected_body(rejection.0),
    }
}

fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// `GET /graphql`: a WebSocket upgrade serves subscriptions (and queries and mutations)
/// over `graphql-transport-ws` or legacy `graphql-ws`; anything else is a query.
async fn graphql_get(
    State(shared): State<Shared>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let verified = req.extensions().get::<Verified>().cloned();
    if !is_websocket_upgrade(req.headers()) {
        let method = req.method().clone();
        let headers = req.headers().clone();
        // A persisted document request: the document's text in place of its id.
        let mut req = req;
        if let Some(q) = req.uri().query()
            && let Some(resolved) =
                crate::gql::persisted::resolve_query_string(shared.state.persisted.as_deref(), q)
        {
            let query = match resolved {
                Ok(q) => q,
                Err(r) => return refuse(StatusCode::BAD_REQUEST, r.code, &r.message),
            };
            let uri = format!("{}?{query}", req.uri().path());
            match uri.parse() {
                Ok(uri) => *req.uri_mut() = uri,
                Err(_) => {
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        ErrorCode::BadUserInput,
                        "the query string cannot be read",
                    );
                }
            }
        }
        return match GraphQLRequest::from_request(req, &()).await {
            Ok(gql) => graphql_handler(State(shared), method, headers, verified, gql).await,
            Err(rejection) => rejected_body(rejection.0),
        };
    }
    let (mut parts, _body) = req.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &()).await {
        Ok(p) => p,
        Err(status) => return status.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(u) => u,
        Err(rejection) => return rejection.into_response(),
    };
    // A key in the upgrade request's header (non-browser clients) is checked now; else,
    // with authentication on, the one in the `connection_init` payload.
    let upgrade_rc = match request_context(&shared.state, &parts.headers, verified.as_ref()).await {
        Ok(rc) => rc,
        Err(refused) => return refused,
    };
    let header_token = bearer(&parts.headers)
        .and_then(Result::ok)
        .map(std::borrow::Cow::into_owned);
    let init_timeout = shared.state.limits.ws_init_timeout;
    // The protocol async-graphql picked: the first one of the client's list it speaks.
    let transport_ws = parts
        .headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .map(str::trim)
                .find(|p| matches!(*p, "graphql-transport-ws" | "graphql-ws"))
        })
        == Some("graphql-transport-ws");
    let schema = shared.schema.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            serve_socket(
                shared,
                socket,
                schema,
                protocol,
                transport_ws,
                init_timeout,
                upgrade_rc,
                header_token,
            )
        })
        .into_response()
}

/// The `authorization` of a `connection_init` payload (`Bearer mlg_...` or the bare token).
fn init_token(payload: &serde_json::Value) -> Option<String> {
    let obj = payload.as_object()?;
    let value = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))?
        .1
        .as_str()?
        .trim();
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => value,
    };
    (!token.is_empty()).then(|| token.to_owned())
}

/// Serves one WebSocket. With authentication on, the caller is the key of the upgrade
/// request or of `connection_init` (else 4403), and the key is checked again every
/// `recheck_interval`: once it is revoked or expired, or its grants change, the
/// connection is closed with 4403.
#[expect(clippy::too_many_arguments)]
async fn serve_socket(
    shared: Shared,
    socket: axum::extract::ws::WebSocket,
    schema: AppSchema,
    protocol: GraphQLProtocol,
    transport_ws: bool,
    init_timeout: std::time::Duration,
    upgrade_rc: RequestContext,
    header_token: Option<String>,
) {
    use futures::FutureExt;
    let auth = shared.state.auth.enabled;
    // The caller as the upgrade request named it, replaced by the one `connection_init`
    // authenticates (async-graphql reads it when it acknowledges the connection).
    let caller = Arc::new(std::sync::Mutex::new(upgrade_rc.clone()));
    let (token_tx, token_rx) = futures::channel::oneshot::channel::<(String, RequestContext)>();
    let on_init: Option<crate::ws_guard::InitCheck> = if auth {
        let shared = shared.clone();
        let caller = caller.clone();
        Some(Box::new(move |payload: serde_json::Value| {
            async move {
                let (rc, token) = match (header_token, init_token(&payload)) {
                    (Some(token), _) => (upgrade_rc, token),
                    (None, Some(token)) => {
                        match authenticate(&shared.state, &token, upgrade_rc.request_id.clone())
                            .await
                        {
                            Ok(rc) => (rc, token),
                            Err(_) => return false,
                        }
                    }
                    (None, None) => return false,
                };
                if let Ok(mut slot) = caller.lock() {
                    *slot = rc.clone();
                }
                token_tx.send((token, rc)).is_ok()
            }
            .boxed()
        }))
    } else {
        None
    };
    let guarded = crate::ws_guard::guard(
        socket,
        crate::ws_guard::GuardOptions {
            init_timeout,
            transport_ws,
            on_init,
        },
    );
    let state = shared.state.clone();
    let init_caller = caller.clone();
    let closer = guarded.sink.clone();
    let gateway = crate::schema::request::Gateway {
        schema,
        state: state.clone(),
    };
    let serve = GraphQLWebSocket::new_with_pair(guarded.sink, guarded.stream, gateway, protocol)
        .on_connection_init(move |_payload| {
            let rc = init_caller
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            let data = connection_data(&state, rc);
            async move { Ok(data) }
        })
        .serve();
    let watch = watch_credentials(shared, token_rx, closer);
    let connection = futures::future::join(serve, guarded.forward);
    futures::pin_mut!(connection, watch);
    futures::future::select(connection, watch).await;
}

/// Re-checks a connection's key every `recheck_interval`; closes the connection with
/// 4403 when it no longer authenticates or its scope changed. Never ends otherwise.
async fn watch_credentials(
    shared: Shared,
    token: futures::channel::oneshot::Receiver<(String, RequestContext)>,
    mut closer: futures::channel::mpsc::Sender<axum::extract::ws::Message>,
) {
    use futures::SinkExt;
    let Ok((token, at_start)) = token.await else {
        return std::future::pending().await;
    };
    let mut tick = tokio::time::interval(shared.state.auth.recheck_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let still = match authenticate(&shared.state, &token, None).await {
            Ok(now) => now.scope == at_start.scope && now.principal == at_start.principal,
            // The database is away: keep the connection, ask again at the next tick.
            Err(AppError::Unavailable(_)) => true,
            Err(_) => false,
        };
        if !still {
            tracing::info!(
                "closing a subscription connection: its credentials were revoked or changed"
            );
            closer.send(crate::ws_guard::forbidden()).await.ok();
            return std::future::pending().await;
        }
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// Whether the caller may read `/metrics`: with `--metrics-token`, whoever sends it;
/// else anyone while authentication is off, and a superuser's key while it is on (the
/// metrics name the operations tenants run).
async fn may_read_metrics(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    use subtle::ConstantTimeEq;
    let token = bearer(headers).and_then(Result::ok);
    if let Some(expected) = &state.metrics_token_sha256 {
        let sent = token
            .as_deref()
            .map(crate::access::service::sha256_hex)
            .unwrap_or_default();
        return if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
            Ok(())
        } else {
            Err(AppError::Unauthenticated(
                "send the metrics token: `Authorization: Bearer <--metrics-token>`".into(),
            ))
        };
    }
    if !state.auth.enabled {
        return Ok(());
    }
    let Some(token) = token else {
        return Err(AppError::Unauthenticated(
            "send a superuser's key, or start the server with --metrics-token".into(),
        ));
    };
    let caller = crate::access::service::authenticate(&state.db, &state.clock, &token).await?;
    if caller.principal.superuser {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "metrics are a superuser's to read".into(),
        ))
    }
}

/// Prometheus metrics (see `telemetry::metrics`), plus the SQL statement counter
/// benchmarks divide by requests.
async fn metrics(State(shared): State<Shared>, headers: HeaderMap) -> axum::response::Response {
    if let Err(e) = may_read_metrics(&shared.state, &headers).await {
        return refuse_credentials(&e);
    }
    let db = &shared.state.db;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let pool = db.get_postgres_connection_pool();
        let (size, idle) = (
            pool.size(),
            u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
        );
        crate::telemetry::metrics::pool(size.saturating_sub(idle), idle);
    }
    let mut text = format!(
        "# HELP mlgraph_sql_statements_total SQL statements sent by this instance.\n# TYPE mlgraph_sql_statements_total counter\nmlgraph_sql_statements_total {}\n",
        shared.state.statements.get()
    );
    if let Some(handle) = crate::telemetry::metrics::handle() {
        handle.run_upkeep();
        text.push_str(&handle.render());
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn readyz(State(shared): State<Shared>) -> (StatusCode, &'static str) {
    match shared.state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    // A browser client may read what the server says of its request: its id, and where
    // its write is (read-your-writes across instances, see `crate::replicas`).
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([
            axum::http::HeaderName::from_static("x-request-id"),
            axum::http::HeaderName::from_static(crate::replicas::LSN_HEADER),
        ]);
    if origins.iter().any(|o| o == "*") {
        return Some(layer.allow_origin(Any));
    }
    let list: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    Some(layer.allow_origin(AllowOrigin::list(list)))
}

/// The application router.
pub fn app(state: AppState) -> Router {
    // The metrics recorder, before the first request records anything.
    crate::telemetry::metrics::handle();
    let parsed = Arc::new(crate::gql::parsed::ParseCache::new(
        state.limits.parse_cache,
    ));
    let schema = build_schema_with(state.clone(), parsed.clone());
    let body_limit = state.limits.max_body_bytes;
    let limiter = std::num::NonZeroU32::new(state.limits.rate_limit_per_second).map(|per_second| {
        let burst = per_second.saturating_mul(std::num::NonZeroU32::MIN.saturating_add(1));
        Arc::new(governor::RateLimiter::keyed(
            governor::Quota::per_second(per_second).allow_burst(burst),
        ))
    });
    let cors = cors(&state.cors_origins);
    // The local artifact store's signed URLs: their bodies are bounded by the size each
    // URL was signed for, not by the GraphQL body limit.
    let artifact_urls = crate::artifacts::local::routes().with_state(state.clone());
    // OpenLineage and MLflow clients: bodies capped by their own limit (see `ingest`).
    let ingest_state = state.clone();
    let shared = Shared {
        limiter,
        state,
        schema,
        parsed,
    };
    let limits = shared.clone();
    let router = Router::new()
        .merge(crate::console::routes())
        .merge(crate::playground::routes())
        .merge(crate::lineage_view::routes())
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(shared)
        // `POST /graphql` reads its body under this cap itself (see `graphql_post`).
        .layer(DefaultBodyLimit::max(body_limit))
        .merge(artifact_urls)
        .merge(crate::ingest::routes(ingest_state))
        .layer(axum::middleware::from_fn_with_state(
            limits.clone(),
            remember_rest_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(limits, limit_rate))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    let span = tracing::info_span!(
                        "request",
                        method = %req.method(),
                        uri = %req.uri(),
                        request_id = %id,
                        trace_id = tracing::field::Empty,
                        otel.name = %format!("{} {}", req.method(), req.uri().path()),
                        otel.kind = "server",
                    );
                    crate::telemetry::continue_trace(&span, req.headers());
                    span
                })
                // One line per response, with the request span's fields (request and trace id).
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid));
    match cors {
        Some(c) => router.layer(c),
        None => router,
    }
}

//! Who calls: the caller of an HTTP request from its credentials (a bearer token, a
//! token as a `Basic` password, or `x-actor` while authentication is off), and the
//! refusals of credentials that do not authenticate, written as GraphQL over HTTP answers
//! ([`http_response`], which the GraphQL routes answer with too). The GraphQL routes
//! (`server`), the REST adapters (`ingest`) and the canonical URLs (`graph::canonical`)
//! all ask here, so a caller is the same caller on every surface.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;

use crate::AppState;
use crate::core::context::{RequestContext, Scope};
use crate::error::{AppError, ErrorCode};

/// A bearer token the rate limiter verified for this request: the handler takes the
/// caller from it instead of asking the database a second time.
#[derive(Clone)]
pub(crate) struct Verified(pub(crate) crate::access::service::Authenticated);

/// Sets `Retry-After` to `secs` (at least 1): when a client should try again.
pub(crate) fn retry_after(resp: &mut axum::response::Response, secs: u64) {
    if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
}

/// The token of an `Authorization` header: `Bearer <token>`, or `Basic` with the token
/// as the password (what clients configured with a user name and password send, e.g.
/// MLflow's `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD`; the user name is not
/// read). `None` without the header, `Err` when it holds neither.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<Result<std::borrow::Cow<'_, str>, ()>> {
    use base64::Engine;
    let value = headers.get(axum::http::header::AUTHORIZATION)?;
    Some(
        value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                if scheme.eq_ignore_ascii_case("bearer") {
                    return Some(std::borrow::Cow::Borrowed(token.trim()));
                }
                if !scheme.eq_ignore_ascii_case("basic") {
                    return None;
                }
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(token.trim())
                    .ok()?;
                let pair = String::from_utf8(decoded).ok()?;
                let (_, password) = pair.split_once(':')?;
                Some(std::borrow::Cow::Owned(password.to_owned()))
            })
            .filter(|t| !t.is_empty())
            .ok_or(()),
    )
}

/// The answer to credentials that do not authenticate: 401 with `WWW-Authenticate`, 403
/// for credentials that do but may not do this, or 503 when the database could not be
/// asked.
pub(crate) fn refuse_credentials(err: &AppError) -> axum::response::Response {
    let code = err.code();
    if code == ErrorCode::Unauthenticated {
        crate::telemetry::metrics::auth_failure();
    }
    let status = match code {
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        _ => StatusCode::UNAUTHORIZED,
    };
    if code == ErrorCode::Internal {
        tracing::error!(error = ?err, "authentication failed");
    }
    let mut resp = refuse(status, code, &err.message());
    if status == StatusCode::UNAUTHORIZED {
        ask_for_bearer(&mut resp);
    }
    resp
}

/// A 401's `WWW-Authenticate`: the scheme mlgraph takes.
pub(crate) fn ask_for_bearer(resp: &mut axum::response::Response) {
    resp.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"mlgraph\""),
    );
}

/// Who calls with `token` (checked against the database on every request, so that a
/// revoked key stops working at once).
pub(crate) async fn authenticate(
    state: &AppState,
    token: &str,
    request_id: Option<String>,
) -> Result<RequestContext, AppError> {
    crate::access::service::authenticate(&state.db, &state.clock, token)
        .await
        .map(|a| a.context(request_id))
}

/// The request context of an HTTP request, refused in the GraphQL error shape (see
/// [`caller`]).
pub(crate) async fn request_context(
    state: &AppState,
    headers: &HeaderMap,
    verified: Option<&Verified>,
) -> Result<RequestContext, axum::response::Response> {
    caller(state, headers, verified)
        .await
        .map_err(|e| refuse_credentials(&e))
}

/// Who calls. Authentication off: everyone may do everything, and `x-actor` names the
/// caller. On: the bearer token decides; without one the caller may only log in
/// (`x-actor` is ignored either way).
pub(crate) async fn caller(
    state: &AppState,
    headers: &HeaderMap,
    verified: Option<&Verified>,
) -> Result<RequestContext, AppError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let request_id = header("x-request-id");
    if !state.auth.enabled {
        return Ok(RequestContext {
            actor: header("x-actor"),
            request_id,
            scope: Scope::All,
            principal: None,
            as_of: Default::default(),
            reads: Default::default(),
        });
    }
    match bearer(headers) {
        None => Ok(RequestContext {
            actor: None,
            request_id,
            scope: Scope::Grants(Vec::new()),
            principal: None,
            as_of: Default::default(),
            reads: Default::default(),
        }),
        Some(Err(())) => Err(AppError::Unauthenticated(
            "the Authorization header must be `Bearer <API key or session token>`".into(),
        )),
        Some(Ok(token)) => match verified {
            Some(v) => Ok(v.0.clone().context(request_id)),
            None => authenticate(state, &token, request_id).await,
        },
    }
}

/// The caller of a REST request (OpenLineage, MLflow): as for GraphQL, but while
/// authentication is on a request without a bearer token is refused at once, since no
/// REST route answers anonymous callers. The route answers the error in its protocol's
/// shape (see [`with_bearer_challenge`] for the 401's header).
pub(crate) async fn rest_caller(
    state: &AppState,
    headers: &HeaderMap,
    verified: Option<&Verified>,
) -> Result<RequestContext, AppError> {
    if state.auth.enabled && bearer(headers).is_none() {
        crate::telemetry::metrics::auth_failure();
        return Err(AppError::Unauthenticated(
            "send `Authorization: Bearer <mlgraph API key>`".into(),
        ));
    }
    caller(state, headers, verified).await.inspect_err(|e| {
        if e.code() == ErrorCode::Unauthenticated {
            crate::telemetry::metrics::auth_failure();
        }
    })
}

/// A REST route's refusal of credentials with the scheme it takes (`WWW-Authenticate`
/// on a 401).
pub(crate) fn with_bearer_challenge(
    mut resp: axum::response::Response,
) -> axum::response::Response {
    if resp.status() == StatusCode::UNAUTHORIZED {
        ask_for_bearer(&mut resp);
    }
    resp
}

/// A refusal before execution: `status`, one error with `code`, in the GraphQL error shape.
pub(crate) fn refuse(
    status: StatusCode,
    code: ErrorCode,
    message: &str,
) -> axum::response::Response {
    let mut err = async_graphql::ServerError::new(message, None);
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    let resp = async_graphql::Response::from_errors(vec![err]);
    http_response(&resp, &HeaderMap::new(), status)
}

/// The media type a client asked for (GraphQL over HTTP): the GraphQL response type when
/// it lists it, else `application/json` (also for `*/*` and no `Accept` at all).
fn wants_graphql_response_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            t.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/graphql-response+json")
            })
        })
}

/// A GraphQL response as GraphQL over HTTP says: in the media type the client accepts;
/// under `application/graphql-response+json` a request error (a document that does not
/// parse or validate, variables that do not coerce: errors without a path and no data)
/// is `400` without a `data` entry. `status` is the status otherwise.
pub(crate) fn http_response(
    resp: &async_graphql::Response,
    headers: &HeaderMap,
    status: StatusCode,
) -> axum::response::Response {
    let graphql_json = wants_graphql_response_json(headers);
    let request_error = resp.data == async_graphql::Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty());
    let body = if graphql_json && request_error {
        serde_json::to_value(resp).map(|mut v| {
            if let Some(map) = v.as_object_mut() {
                map.remove("data");
            }
            v.to_string()
        })
    } else {
        serde_json::to_string(resp)
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a response");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let status = if graphql_json && request_error && status == StatusCode::OK {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let content_type = if graphql_json {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    let mut http = (status, body).into_response();
    let h = http.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    if resp.is_ok()
        && let Some(cc) = resp.cache_control.value()
        && let Ok(v) = HeaderValue::from_str(&cc)
    {
        h.insert(axum::http::header::CACHE_CONTROL, v);
    }
    h.extend(resp.http_headers.clone());
    http
}

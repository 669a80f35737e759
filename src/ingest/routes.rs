//! The REST routes of the ecosystem's clients: OpenLineage's `POST /api/v1/lineage` (one
//! event or an array) and `POST /api/v1/lineage/batch` (per-event outcomes), and the
//! MLflow-compatible API (see [`super::mlflow`]). Bodies up to [`MAX_BODY_BYTES`], gzip
//! or not; callers authenticate with `Authorization: Bearer <mlgraph API key>`.

use std::io::Read;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::openlineage;
use crate::AppState;
use crate::core::context::RequestContext;
use crate::error::{AppError, ErrorCode};

/// The largest body the REST routes read, before and after gzip (5 MiB).
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// The routes, with their own body limit (larger than GraphQL's) and the request
/// deadline GraphQL has.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/lineage", post(lineage))
        .route("/api/v1/lineage/batch", post(lineage_batch))
        .merge(super::mlflow::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            within_deadline,
        ))
        .with_state(state)
}

/// A REST request still running at `--request-timeout-ms` is abandoned (its transaction
/// rolls back with its connection): 503 with `Retry-After`, in the protocol's shape
/// (MLflow's `TEMPORARILY_UNAVAILABLE`, else `TIMEOUT`).
async fn within_deadline(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let deadline = state.limits.request_timeout;
    let path = req.uri().path().to_owned();
    // A file moving through MLflow's artifact proxy takes as long as its size needs: it
    // is bounded by its size and by a pause limit between chunks instead, and holds no
    // database connection while it streams.
    if path.contains("/api/2.0/mlflow-artifacts/artifacts/") {
        return next.run(req).await;
    }
    if let Ok(resp) = tokio::time::timeout(deadline, next.run(req)).await {
        return resp;
    }
    tracing::warn!(?deadline, "REST request abandoned at its deadline");
    let mut resp = refusal(
        &path,
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Timeout,
        "TEMPORARILY_UNAVAILABLE",
        "the request ran past the server's deadline and was abandoned (nothing of it was kept)",
    );
    crate::callers::retry_after(&mut resp, 1);
    resp
}

/// Whether `path` is one of these routes (OpenLineage's or MLflow's).
pub(crate) fn is_rest_path(path: &str) -> bool {
    path.starts_with("/api/v1/lineage") || is_mlflow_path(path)
}

fn is_mlflow_path(path: &str) -> bool {
    path.contains("/api/2.0/") || path.contains("/api/3.0/")
}

/// A refusal made before a route's handler runs (rate limit, deadline), in the shape of
/// the protocol `path` speaks: MLflow's `{error_code, message}` with `mlflow_code`, else
/// OpenLineage's `{code, message}` with `code`.
pub(crate) fn refusal(
    path: &str,
    status: StatusCode,
    code: ErrorCode,
    mlflow_code: &str,
    message: &str,
) -> Response {
    let body = if is_mlflow_path(path) {
        json!({"error_code": mlflow_code, "message": message})
    } else {
        json!({"code": code.as_str(), "message": message})
    };
    (status, axum::Json(body)).into_response()
}

/// The HTTP status of an error's code.
pub(crate) fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadUserInput | ErrorCode::InvalidTransition | ErrorCode::QueryTooComplex => {
            StatusCode::BAD_REQUEST
        }
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error as the OpenLineage routes answer it: `{"code", "message"}` with its status
/// (internal details are logged, not sent).
fn error_response(err: &AppError) -> Response {
    let code = err.code();
    if code == ErrorCode::Internal {
        tracing::error!(error = ?err, "OpenLineage request failed");
    }
    (
        status_of(code),
        axum::Json(json!({ "code": code.as_str(), "message": err.message() })),
    )
        .into_response()
}

/// Whether a failed event may succeed when sent again.
fn retriable(err: &AppError) -> bool {
    matches!(err.code(), ErrorCode::Unavailable | ErrorCode::Internal)
}

/// A body that is not JSON (or not readable): its status and message, put in each
/// protocol's error shape by its caller.
pub(crate) struct BodyError {
    pub status: StatusCode,
    pub message: String,
}

impl IntoResponse for BodyError {
    /// OpenLineage's (and mlgraph's) shape: `{code, message}`.
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(
                json!({ "code": ErrorCode::BadUserInput.as_str(), "message": self.message }),
            ),
        )
            .into_response()
    }
}

/// The request body, gunzipped when `Content-Encoding: gzip`, at most
/// [`MAX_BODY_BYTES`] either way, parsed as JSON (off the async runtime).
pub(crate) async fn json_body(headers: &HeaderMap, body: Bytes) -> Result<Value, BodyError> {
    let encoding = headers
        .get(axum::http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase());
    let gzip = match encoding.as_deref() {
        None | Some("") | Some("identity") => false,
        Some("gzip") | Some("x-gzip") => true,
        Some(other) => {
            return Err(BodyError {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: format!("Content-Encoding {other:?} is not supported (gzip is)"),
            });
        }
    };
    let parsed = tokio::task::spawn_blocking(move || -> Result<Value, (StatusCode, String)> {
        let bytes = if gzip {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .take(MAX_BODY_BYTES as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| {
                    (
                        StatusCode::BAD_REQUEST,
                        format!("the gzip body does not decompress: {e}"),
                    )
                })?;
            if out.len() > MAX_BODY_BYTES {
                return Err((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body decompresses to more than {MAX_BODY_BYTES} bytes"),
                ));
            }
            out
        } else {
            body.to_vec()
        };
        serde_json::from_slice(&bytes).map_err(|e| {
            (
                StatusCode::BAD_REQUEST,
                format!("the body is not JSON: {e}"),
            )
        })
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "body decoding panicked");
        BodyError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "the body could not be read".to_owned(),
        }
    })?;
    parsed.map_err(|(status, message)| BodyError { status, message })
}

/// The namespace a request names: `X-Mlgraph-Namespace`, else `?namespace=`.
fn requested_namespace(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(ns) = headers
        .get("x-mlgraph-namespace")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        return Some(ns.to_owned());
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs
        .into_iter()
        .find(|(k, v)| k == "namespace" && !v.is_empty())
        .map(|(_, v)| v)
}

async fn record_one(
    state: &AppState,
    ctx: &RequestContext,
    ns: Option<&str>,
    value: Value,
) -> Result<openlineage::Recorded, AppError> {
    let event = openlineage::parse(value)?;
    openlineage::record(&state.db, ctx, ns, &event).await
}

/// One failed event of a batch.
struct Failure {
    index: usize,
    error: AppError,
}

/// Records each event on its own (one failure does not stop the others).
async fn record_all(
    state: &AppState,
    ctx: &RequestContext,
    ns: Option<&str>,
    events: Vec<Value>,
) -> (usize, Vec<Failure>) {
    let received = events.len();
    let mut failures = Vec::new();
    for (index, value) in events.into_iter().enumerate() {
        if let Err(error) = record_one(state, ctx, ns, value).await {
            failures.push(Failure { index, error });
        }
    }
    (received, failures)
}

/// The spec's batch answer: `status` (`success` | `partial_success`), `summary`, and
/// `failed_events` with each failure's index, reason and whether to retry it.
fn batch_body(received: usize, failures: &[Failure]) -> Value {
    let retriable_count = failures.iter().filter(|f| retriable(&f.error)).count();
    json!({
        "status": if failures.is_empty() { "success" } else { "partial_success" },
        "summary": {
            "received": received,
            "successful": received - failures.len(),
            "failed": failures.len(),
            "retriable": retriable_count,
            "non_retriable": failures.len() - retriable_count,
        },
        "failed_events": failures.iter().map(|f| json!({
            "index": f.index,
            "reason": f.error.message(),
            "retriable": retriable(&f.error),
        })).collect::<Vec<_>>(),
    })
}

/// `POST /api/v1/lineage`: one event (`200`), or an array of them (`200` when all were
/// recorded; otherwise `400`, or `503` when a failure is worth retrying, with the batch
/// answer naming each failed event; the others are recorded).
async fn lineage(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    verified: Option<axum::Extension<crate::callers::Verified>>,
    body: Bytes,
) -> Response {
    let verified = verified.map(|v| v.0);
    let ctx = match crate::callers::rest_caller(&state, &headers, verified.as_ref()).await {
        Ok(ctx) => ctx,
        Err(e) => return crate::callers::with_bearer_challenge(error_response(&e)),
    };
    let value = match json_body(&headers, body).await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let ns = requested_namespace(&headers, query.as_deref());
    match value {
        Value::Array(events) => {
            let (received, failures) = record_all(&state, &ctx, ns.as_deref(), events).await;
            let status = if failures.is_empty() {
                StatusCode::OK
            } else if failures.iter().any(|f| retriable(&f.error)) {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::BAD_REQUEST
            };
            (status, axum::Json(batch_body(received, &failures))).into_response()
        }
        value => match record_one(&state, &ctx, ns.as_deref(), value).await {
            Ok(_) => StatusCode::OK.into_response(),
            Err(e) => error_response(&e),
        },
    }
}

/// `POST /api/v1/lineage/batch`: an array of events, each recorded on its own; `200`
/// with the spec's batch answer (per-event failures; the rest stored).
async fn lineage_batch(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    verified: Option<axum::Extension<crate::callers::Verified>>,
    body: Bytes,
) -> Response {
    let verified = verified.map(|v| v.0);
    let ctx = match crate::callers::rest_caller(&state, &headers, verified.as_ref()).await {
        Ok(ctx) => ctx,
        Err(e) => return crate::callers::with_bearer_challenge(error_response(&e)),
    };
    let events = match json_body(&headers, body).await {
        Ok(Value::Array(events)) => events,
        Ok(_) => {
            return error_response(&AppError::bad_input(
                "body",
                "a batch is a JSON array of events",
            ));
        }
        Err(e) => return e.into_response(),
    };
    let ns = requested_namespace(&headers, query.as_deref());
    let (received, failures) = record_all(&state, &ctx, ns.as_deref(), events).await;
    (StatusCode::OK, axum::Json(batch_body(received, &failures))).into_response()
}

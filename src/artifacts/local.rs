//! The local directory store's HTTP side: the signed, expiring URLs it hands out are
//! answered here. `PUT /artifacts/local/put/{key}` takes a whole object (its size and
//! SHA-256 are checked on receipt: other bytes are refused and nothing is kept),
//! `PUT .../part/{key}` one part of a multipart upload, `GET .../get/{key}` downloads.
//! A URL whose signature does not cover exactly its request, or that has expired, is
//! refused with 403.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde::Deserialize;

use super::store::{LocalGrant, LocalStore, ObjectStore};
use crate::AppState;
use crate::error::AppResult;

/// The query of a signed URL.
#[derive(Debug, Deserialize)]
pub struct Signed {
    exp: i64,
    #[serde(default)]
    size: String,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    upload: String,
    #[serde(default)]
    part: String,
    #[serde(default)]
    ct: String,
    sig: String,
}

/// The routes (they answer 404 unless the store is the local directory).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/artifacts/local/put/{*key}", put(put_object))
        .route("/artifacts/local/part/{*key}", put(put_part))
        .route("/artifacts/local/get/{*key}", get(get_object))
}

/// A refusal in the S3 error shape.
struct Refusal(StatusCode, &'static str, &'static str);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let Refusal(status, code, message) = self;
        (
            status,
            [(header::CONTENT_TYPE, "application/xml")],
            format!("<Error><Code>{code}</Code><Message>{message}</Message></Error>"),
        )
            .into_response()
    }
}

fn refuse(status: StatusCode, code: &'static str, message: &'static str) -> Refusal {
    Refusal(status, code, message)
}

/// The local store and the grant the URL carries, if its signature holds and it has
/// not expired.
fn checked(
    state: &AppState,
    op: &str,
    key: String,
    q: &Signed,
) -> Result<(LocalStore, LocalGrant), Refusal> {
    let Some(ObjectStore::Local(store)) = state.artifacts.as_ref().map(|a| &a.store) else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "no local artifact store",
        ));
    };
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let grant = LocalGrant {
        op: op.into(),
        key,
        expires: q.exp,
        size: q.size.parse().ok(),
        sha256: opt(&q.sha256),
        upload_id: opt(&q.upload),
        part: q.part.parse().ok(),
        content_type: opt(&q.ct),
    };
    if !store.verify(&grant, &q.sig) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "the URL's signature does not match this request",
        ));
    }
    if state.clock.now().timestamp() > grant.expires {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired",
        ));
    }
    Ok((store.clone(), grant))
}

/// Streams `body` into a scratch file, hashing it off the runtime; refuses more than
/// `limit` bytes. Returns the file, its size and SHA-256.
async fn receive(
    store: &LocalStore,
    body: Body,
    limit: i64,
) -> Result<(std::path::PathBuf, i64, String), Refusal> {
    use super::store::SpoolError;
    match super::store::spool(body, &store.tmp_dir(), limit, RECEIVE_IDLE).await {
        Ok(s) => Ok((s.path, s.size, s.sha256)),
        Err(SpoolError::Cut | SpoolError::Idle) => Err(refuse(
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            "the body was cut short",
        )),
        Err(SpoolError::TooLarge) => Err(refuse(
            StatusCode::BAD_REQUEST,
            "EntityTooLarge",
            "more bytes than the URL allows",
        )),
        Err(SpoolError::Io(e)) => {
            tracing::error!(error = %e, "local artifact store");
            Err(refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "the store failed",
            ))
        }
    }
}

/// The longest pause between two chunks of an upload before it is given up.
const RECEIVE_IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// A path the store refused (a key with `.`, `..` or empty segments): 400 in S3's shape.
fn in_store(path: AppResult<std::path::PathBuf>) -> Result<std::path::PathBuf, Refusal> {
    path.map_err(|_| {
        refuse(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "the object key is not a plain path",
        )
    })
}

async fn place(tmp: &std::path::Path, target: &std::path::Path) -> Result<(), Refusal> {
    if let Some(parent) = target.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| {
            tracing::error!(error = %e, "local artifact store");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "the store failed",
            )
        })?;
    }
    tokio::fs::rename(tmp, target).await.map_err(|e| {
        tracing::error!(error = %e, "local artifact store");
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "the store failed",
        )
    })
}

async fn put_object(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
    body: Body,
) -> Response {
    let (store, grant) = match checked(&state, "put", key, &q) {
        Ok(g) => g,
        Err(r) => return r.into_response(),
    };
    let size = grant.size.unwrap_or(0);
    let (tmp, n, sha) = match receive(&store, body, size).await {
        Ok(r) => r,
        Err(r) => return r.into_response(),
    };
    if n != size || Some(sha.as_str()) != grant.sha256.as_deref() {
        tokio::fs::remove_file(&tmp).await.ok();
        return refuse(
            StatusCode::BAD_REQUEST,
            "BadDigest",
            "the body's size or SHA-256 differs from the declared one",
        )
        .into_response();
    }
    let placed = match in_store(store.path_of(&grant.key)) {
        Ok(target) => place(&tmp, &target).await,
        Err(r) => Err(r),
    };
    if let Err(r) = placed {
        tokio::fs::remove_file(&tmp).await.ok();
        return r.into_response();
    }
    etag(&sha)
}

async fn put_part(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
    body: Body,
) -> Response {
    let (store, grant) = match checked(&state, "part", key, &q) {
        Ok(g) => g,
        Err(r) => return r.into_response(),
    };
    let (Some(upload), Some(part)) = (grant.upload_id.clone(), grant.part) else {
        return refuse(StatusCode::BAD_REQUEST, "InvalidRequest", "not a part URL").into_response();
    };
    let dir = match in_store(store.upload_dir(&upload)) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    if tokio::fs::metadata(&dir).await.is_err() {
        return refuse(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "the upload was completed or aborted",
        )
        .into_response();
    }
    let (tmp, _, sha) = match receive(&store, body, grant.size.unwrap_or(0)).await {
        Ok(r) => r,
        Err(r) => return r.into_response(),
    };
    if let Err(r) = place(&tmp, &dir.join(part.to_string())).await {
        tokio::fs::remove_file(&tmp).await.ok();
        return r.into_response();
    }
    etag(&sha)
}

fn etag(sha: &str) -> Response {
    let mut resp = StatusCode::OK.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", &sha[..sha.len().min(32)])) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

async fn get_object(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
) -> Response {
    let (store, grant) = match checked(&state, "get", key, &q) {
        Ok(g) => g,
        Err(r) => return r.into_response(),
    };
    let path = match in_store(store.path_of(&grant.key)) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let file = match tokio::fs::File::open(path).await {
        Ok(f) => f,
        Err(_) => {
            return refuse(StatusCode::NOT_FOUND, "NoSuchKey", "no such object").into_response();
        }
    };
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    crate::telemetry::metrics::artifact_bytes("out", len);
    let mut resp = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(
        grant
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream"),
    ) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    resp
}

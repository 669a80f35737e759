//! Object stores for artifacts: S3 (or any S3-compatible server) through `aws-sdk-s3`,
//! or a local directory whose signed upload and download URLs mlgraph serves itself
//! (`artifacts::local`). Clients move the bytes; the server only presigns, completes and
//! verifies.

use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_s3::config::{
    BehaviorVersion, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::{ChecksumMode, CompletedMultipartUpload, CompletedPart};
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// A request the client makes itself: method, URL and the headers it must send.
#[derive(Debug, Clone)]
pub struct Presigned {
    /// `PUT` or `GET`.
    pub method: String,
    /// Where.
    pub url: String,
    /// Headers to send as they are (e.g. `x-amz-checksum-sha256`).
    pub headers: Vec<(String, String)>,
    /// When the URL stops working.
    pub expires_at: DateTime<Utc>,
}

/// What the store knows of an object.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    /// Its size in bytes.
    pub size: i64,
    /// Its full-object SHA-256 (hex), when the store keeps one.
    pub sha256: Option<String>,
}

/// A part of a multipart upload the store holds.
#[derive(Debug, Clone)]
pub struct UploadedPart {
    /// 1-based.
    pub number: i32,
    /// Its ETag.
    pub etag: String,
}

/// SHA-256 of a stream, computed on a blocking thread, in constant memory (a few chunks
/// in flight).
pub struct StreamHasher {
    tx: tokio::sync::mpsc::Sender<Bytes>,
    done: tokio::task::JoinHandle<(u64, String)>,
}

impl Default for StreamHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamHasher {
    /// A hasher waiting for chunks.
    pub fn new() -> StreamHasher {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(4);
        let done = tokio::task::spawn_blocking(move || {
            let mut hasher = Sha256::new();
            let mut n = 0u64;
            while let Some(chunk) = rx.blocking_recv() {
                n += chunk.len() as u64;
                hasher.update(&chunk);
            }
            (n, hex::encode(hasher.finalize()))
        });
        StreamHasher { tx, done }
    }

    /// Feeds a chunk (waits while the hasher is behind).
    pub async fn update(&self, chunk: Bytes) -> AppResult<()> {
        self.tx
            .send(chunk)
            .await
            .map_err(|_| AppError::Internal("the hashing thread stopped".into()))
    }

    /// The size and hex SHA-256 of everything fed.
    pub async fn finish(self) -> AppResult<(u64, String)> {
        drop(self.tx);
        self.done
            .await
            .map_err(|e| AppError::Internal(format!("hashing thread: {e}")))
    }
}

/// The largest part S3 takes (5 GiB).
const MAX_PART: i64 = 5 * 1024 * 1024 * 1024;

/// A request body written to a scratch file (see [`spool`]).
#[derive(Debug)]
pub struct Spooled {
    /// The file (the caller removes it).
    pub path: PathBuf,
    /// Its size.
    pub size: i64,
    /// Its SHA-256 (hex).
    pub sha256: String,
}

/// Why a body could not be spooled.
#[derive(Debug)]
pub enum SpoolError {
    /// The body ended early (the client went away or the stream broke).
    Cut,
    /// More bytes than allowed.
    TooLarge,
    /// No bytes for longer than the idle limit.
    Idle,
    /// The scratch file could not be written.
    Io(String),
}

/// Streams `body` into a new file under `dir`, hashing it off the async runtime, in
/// constant memory: at most `limit` bytes, and no pause longer than `idle` between
/// chunks (a stalled client does not hold the request forever). Nothing is left behind
/// when it fails.
pub async fn spool(
    body: axum::body::Body,
    dir: &std::path::Path,
    limit: i64,
    idle: Duration,
) -> Result<Spooled, SpoolError> {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;
    let io = |e: std::io::Error| SpoolError::Io(e.to_string());
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let path = dir.join(uuid::Uuid::now_v7().simple().to_string());
    let mut file = tokio::fs::File::create(&path).await.map_err(io)?;
    let hasher = StreamHasher::new();
    let mut n: i64 = 0;
    let mut stream = body.into_data_stream();
    let outcome: Result<(), SpoolError> = async {
        loop {
            let chunk = match tokio::time::timeout(idle, stream.next()).await {
                Err(_) => return Err(SpoolError::Idle),
                Ok(None) => break,
                Ok(Some(Err(_))) => return Err(SpoolError::Cut),
                Ok(Some(Ok(chunk))) => chunk,
            };
            n = n.saturating_add(i64::try_from(chunk.len()).unwrap_or(i64::MAX));
            if n > limit {
                return Err(SpoolError::TooLarge);
            }
            file.write_all(&chunk).await.map_err(io)?;
            hasher
                .update(chunk)
                .await
                .map_err(|e| SpoolError::Io(e.message()))?;
        }
        file.flush().await.map_err(io)
    }
    .await;
    drop(file);
    let digest = hasher.finish().await;
    match (outcome, digest) {
        (Ok(()), Ok((_, sha256))) => Ok(Spooled {
            path,
            size: n,
            sha256,
        }),
        (Err(e), _) => {
            tokio::fs::remove_file(&path).await.ok();
            Err(e)
        }
        (_, Err(e)) => {
            tokio::fs::remove_file(&path).await.ok();
            Err(SpoolError::Io(e.message()))
        }
    }
}

/// Hex SHA-256 → the base64 form S3 uses.
pub fn sha256_b64(hex_digest: &str) -> AppResult<String> {
    let raw = hex::decode(hex_digest)
        .map_err(|_| AppError::bad_input("input.sha256", "not a hex SHA-256"))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(raw))
}

fn b64_to_hex(b64: &str) -> Option<String> {
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .ok()
        .filter(|raw| raw.len() == 32)
        .map(hex::encode)
}

/// Settings of an S3 store.
#[derive(Debug, Clone)]
pub struct S3Settings {
    /// Custom endpoint (S3-compatible servers); AWS when `None`.
    pub endpoint: Option<String>,
    /// Region.
    pub region: String,
    /// Bucket.
    pub bucket: String,
    /// Path-style addressing (most S3-compatible servers).
    pub path_style: bool,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key (never logged).
    pub secret_access_key: String,
    /// Session token, for temporary credentials.
    pub session_token: Option<String>,
}

/// An S3 bucket.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

/// A local directory.
#[derive(Clone)]
pub struct LocalStore {
    root: PathBuf,
    secret: Vec<u8>,
    public_url: String,
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("root", &self.root)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// Where artifacts live.
#[derive(Debug, Clone)]
pub enum ObjectStore {
    /// S3 or an S3-compatible server.
    S3(S3Store),
    /// A local directory served by mlgraph.
    Local(LocalStore),
}

fn s3_error<E: std::fmt::Debug>(what: &str, err: aws_sdk_s3::error::SdkError<E>) -> AppError {
    use aws_sdk_s3::error::SdkError;
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            tracing::warn!(error = ?err, "object store unreachable: {what}");
            AppError::StoreUnavailable(format!("the object store is unreachable ({what})"))
        }
        _ => AppError::Internal(format!("object store: {what}: {err:?}")),
    }
}

fn presign_config(now: DateTime<Utc>, expires: Duration) -> AppResult<PresigningConfig> {
    PresigningConfig::builder()
        .start_time(now.into())
        .expires_in(expires)
        .build()
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn until(now: DateTime<Utc>, expires: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(expires).unwrap_or_default()
}

fn presigned(
    p: aws_sdk_s3::presigning::PresignedRequest,
    now: DateTime<Utc>,
    expires: Duration,
) -> Presigned {
    Presigned {
        method: p.method().to_owned(),
        url: p.uri().to_owned(),
        headers: p
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        expires_at: until(now, expires),
    }
}

impl S3Store {
    /// One `PutObject` of `body`, its SHA-256 (hex) checked by the store.
    async fn put(
        &self,
        key: &str,
        body: aws_sdk_s3::primitives::ByteStream,
        sha256: &str,
    ) -> AppResult<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .checksum_sha256(sha256_b64(sha256)?)
            .body(body)
            .send()
            .await
            .map_err(|e| s3_error("put object", e))?;
        Ok(())
    }

    /// A client for the bucket. The SDK's default checksums are off (some S3-compatible
    /// servers reject them) except the explicit SHA-256 of each upload.
    pub fn new(s: &S3Settings) -> S3Store {
        let creds = aws_credential_types::Credentials::new(
            &s.access_key_id,
            &s.secret_access_key,
            s.session_token.clone(),
            None,
            "mlgraph",
        );
        let mut conf = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(s.region.clone()))
            .credentials_provider(creds)
            .force_path_style(s.path_style)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if let Some(endpoint) = &s.endpoint {
            conf = conf.endpoint_url(endpoint);
        }
        S3Store {
            client: aws_sdk_s3::Client::from_conf(conf.build()),
            bucket: s.bucket.clone(),
        }
    }
}

/// `base/rel`, refused unless every segment of `rel` is a plain name: no empty, `.` or
/// `..` segment, no backslash, NUL or drive prefix. So the path stays under `base` without
/// touching the file system (nothing under the store's root is a link an API call made).
fn under(base: &std::path::Path, rel: &str) -> AppResult<PathBuf> {
    let plain = |seg: &str| {
        !seg.is_empty() && seg != "." && seg != ".." && !seg.contains(['\\', '\0', ':'])
    };
    if rel.is_empty() || !rel.split('/').all(plain) {
        return Err(AppError::bad_input(
            "key",
            "an object key is `/`-separated names, none of them empty, `.` or `..`",
        ));
    }
    let path = base.join(rel);
    // Belt and braces: what the segments promise, the components confirm.
    let normal = path.strip_prefix(base).is_ok_and(|p| {
        p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    });
    if !normal {
        return Err(AppError::bad_input(
            "key",
            "the object key leaves the store",
        ));
    }
    Ok(path)
}

impl LocalStore {
    /// Where the object of `key` goes, its directory made.
    async fn target_of(&self, key: &str) -> AppResult<PathBuf> {
        let target = self.path_of(key)?;
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| io_error("create object directory", e))?;
        }
        Ok(target)
    }

    /// A store under `root`, whose URLs start with `public_url` and are signed with
    /// `secret`.
    pub fn new(root: PathBuf, secret: Vec<u8>, public_url: String) -> LocalStore {
        LocalStore {
            root,
            secret,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The file of an object: under `objects/`, whatever the key holds (refused otherwise).
    pub fn path_of(&self, key: &str) -> AppResult<PathBuf> {
        under(&self.root.join("objects"), key)
    }

    /// The directory of a multipart upload's parts (one segment under `uploads/`).
    pub fn upload_dir(&self, upload_id: &str) -> AppResult<PathBuf> {
        if upload_id.contains('/') {
            return Err(AppError::bad_input("uploadId", "not an upload id"));
        }
        under(&self.root.join("uploads"), upload_id)
    }

    /// Scratch space for uploads being received.
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    fn signature(&self, grant: &LocalGrant) -> String {
        let mut mac = match hmac::Hmac::<Sha256>::new_from_slice(&self.secret) {
            Ok(m) => m,
            // HMAC takes keys of any length: this cannot happen.
            Err(_) => return String::new(),
        };
        mac.update(grant.canonical().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `sig` signs `grant` (constant time).
    pub fn verify(&self, grant: &LocalGrant, sig: &str) -> bool {
        let Ok(sig) = hex::decode(sig) else {
            return false;
        };
        let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(&self.secret) else {
            return false;
        };
        mac.update(grant.canonical().as_bytes());
        mac.verify_slice(&sig).is_ok()
    }

    /// The request the client sends for `grant`.
    fn presigned(
        &self,
        method: &str,
        grant: &LocalGrant,
        headers: Vec<(String, String)>,
        now: DateTime<Utc>,
        expires: Duration,
    ) -> Presigned {
        Presigned {
            method: method.to_owned(),
            url: self.url(grant),
            headers,
            expires_at: until(now, expires),
        }
    }

    fn url(&self, grant: &LocalGrant) -> String {
        let sig = self.signature(grant);
        let q = serde_urlencoded::to_string([
            ("exp", grant.expires.to_string()),
            (
                "size",
                grant.size.map(|s| s.to_string()).unwrap_or_default(),
            ),
            ("sha256", grant.sha256.clone().unwrap_or_default()),
            ("upload", grant.upload_id.clone().unwrap_or_default()),
            (
                "part",
                grant.part.map(|p| p.to_string()).unwrap_or_default(),
            ),
            ("ct", grant.content_type.clone().unwrap_or_default()),
            ("sig", sig),
        ])
        .unwrap_or_default();
        format!(
            "{}/artifacts/local/{}/{}?{q}",
            self.public_url,
            grant.op,
            urlencode_path(&grant.key)
        )
    }
}

fn urlencode_path(key: &str) -> String {
    key.split('/')
        .map(|seg| {
            serde_urlencoded::to_string([("", seg)])
                .map(|s| s.trim_start_matches('=').replace('+', "%20"))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What a signed local URL allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalGrant {
    /// `put`, `part` or `get`.
    pub op: String,
    /// The object key.
    pub key: String,
    /// Unix seconds after which the URL is refused.
    pub expires: i64,
    /// Exact size of the body (`put`; at most this for `part`).
    pub size: Option<i64>,
    /// SHA-256 the body must have (`put`).
    pub sha256: Option<String>,
    /// The multipart upload (`part`).
    pub upload_id: Option<String>,
    /// The part number (`part`).
    pub part: Option<i32>,
    /// Content type to answer with (`get`).
    pub content_type: Option<String>,
}

impl LocalGrant {
    fn canonical(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            self.op,
            self.key,
            self.expires,
            self.size.map(|s| s.to_string()).unwrap_or_default(),
            self.sha256.as_deref().unwrap_or_default(),
            self.upload_id.as_deref().unwrap_or_default(),
            self.part.map(|p| p.to_string()).unwrap_or_default(),
            self.content_type.as_deref().unwrap_or_default(),
        )
    }
}

fn io_error(what: &str, e: std::io::Error) -> AppError {
    AppError::Internal(format!("local store: {what}: {e}"))
}

impl ObjectStore {
    /// Scratch space for bodies the server receives itself before it stores them.
    pub fn spool_dir(&self) -> PathBuf {
        match self {
            ObjectStore::S3(_) => std::env::temp_dir().join("mlgraph-spool"),
            ObjectStore::Local(l) => l.tmp_dir(),
        }
    }

    /// The bucket name recorded on artifacts (`local` for the directory store).
    pub fn bucket(&self) -> &str {
        match self {
            ObjectStore::S3(s) => &s.bucket,
            ObjectStore::Local(_) => "local",
        }
    }

    /// A single-request upload of exactly `size` bytes with SHA-256 `sha256` (hex).
    pub async fn presign_put(
        &self,
        key: &str,
        size: i64,
        sha256: &str,
        content_type: &str,
        now: DateTime<Utc>,
        expires: Duration,
    ) -> AppResult<Presigned> {
        match self {
            ObjectStore::S3(s) => {
                let req = s
                    .client
                    .put_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .content_length(size)
                    .content_type(content_type)
                    .checksum_sha256(sha256_b64(sha256)?)
                    .presigned(presign_config(now, expires)?)
                    .await
                    .map_err(|e| s3_error("presign upload", e))?;
                Ok(presigned(req, now, expires))
            }
            ObjectStore::Local(l) => {
                let grant = LocalGrant {
                    op: "put".into(),
                    key: key.into(),
                    expires: until(now, expires).timestamp(),
                    size: Some(size),
                    sha256: Some(sha256.into()),
                    upload_id: None,
                    part: None,
                    content_type: None,
                };
                Ok(l.presigned(
                    "PUT",
                    &grant,
                    vec![("content-type".into(), content_type.into())],
                    now,
                    expires,
                ))
            }
        }
    }

    /// Starts a multipart upload; returns its id.
    pub async fn create_multipart(&self, key: &str, content_type: &str) -> AppResult<String> {
        match self {
            ObjectStore::S3(s) => {
                let out = s
                    .client
                    .create_multipart_upload()
                    .bucket(&s.bucket)
                    .key(key)
                    .content_type(content_type)
                    .send()
                    .await
                    .map_err(|e| s3_error("create multipart upload", e))?;
                out.upload_id()
                    .map(str::to_owned)
                    .ok_or_else(|| AppError::Internal("no upload id from the store".into()))
            }
            ObjectStore::Local(l) => {
                let id = uuid::Uuid::now_v7().simple().to_string();
                tokio::fs::create_dir_all(l.upload_dir(&id)?)
                    .await
                    .map_err(|e| io_error("create upload", e))?;
                Ok(id)
            }
        }
    }

    /// The URL of part `n`: of exactly `size` bytes on S3 and at most that on the local
    /// store, or of any size up to S3's 5 GiB per part when `size` is `None` (a client
    /// that splits the file itself, as MLflow's does).
    pub async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        n: i32,
        size: Option<i64>,
        now: DateTime<Utc>,
        expires: Duration,
    ) -> AppResult<Presigned> {
        match self {
            ObjectStore::S3(s) => {
                let req = s
                    .client
                    .upload_part()
                    .bucket(&s.bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .part_number(n)
                    .set_content_length(size)
                    .presigned(presign_config(now, expires)?)
                    .await
                    .map_err(|e| s3_error("presign part", e))?;
                Ok(presigned(req, now, expires))
            }
            ObjectStore::Local(l) => {
                let grant = LocalGrant {
                    op: "part".into(),
                    key: key.into(),
                    expires: until(now, expires).timestamp(),
                    size: Some(size.unwrap_or(MAX_PART)),
                    sha256: None,
                    upload_id: Some(upload_id.into()),
                    part: Some(n),
                    content_type: None,
                };
                Ok(l.presigned("PUT", &grant, Vec::new(), now, expires))
            }
        }
    }

    /// The parts the store holds for an upload, in order.
    pub async fn list_parts(&self, key: &str, upload_id: &str) -> AppResult<Vec<UploadedPart>> {
        match self {
            ObjectStore::S3(s) => {
                let mut parts = Vec::new();
                let mut marker: Option<String> = None;
                loop {
                    let out = s
                        .client
                        .list_parts()
                        .bucket(&s.bucket)
                        .key(key)
                        .upload_id(upload_id)
                        .set_part_number_marker(marker.clone())
                        .send()
                        .await
                        .map_err(|e| s3_error("list parts", e))?;
                    for p in out.parts() {
                        if let (Some(n), Some(etag)) = (p.part_number(), p.e_tag()) {
                            parts.push(UploadedPart {
                                number: n,
                                etag: etag.to_owned(),
                            });
                        }
                    }
                    if out.is_truncated() == Some(true) {
                        marker = out.next_part_number_marker().map(str::to_owned);
                        if marker.is_none() {
                            break;
                        }
                    } else {
                        break;
                    }
                }
                parts.sort_by_key(|p| p.number);
                Ok(parts)
            }
            ObjectStore::Local(l) => {
                let mut parts = Vec::new();
                let mut dir = match tokio::fs::read_dir(l.upload_dir(upload_id)?).await {
                    Ok(d) => d,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(parts),
                    Err(e) => return Err(io_error("list parts", e)),
                };
                while let Some(entry) = dir
                    .next_entry()
                    .await
                    .map_err(|e| io_error("list parts", e))?
                {
                    if let Some(n) = entry
                        .file_name()
                        .to_str()
                        .and_then(|name| name.parse::<i32>().ok())
                    {
                        parts.push(UploadedPart {
                            number: n,
                            etag: format!("part-{n}"),
                        });
                    }
                }
                parts.sort_by_key(|p| p.number);
                Ok(parts)
            }
        }
    }

    /// Joins the parts into the object.
    pub async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[UploadedPart],
    ) -> AppResult<()> {
        match self {
            ObjectStore::S3(s) => {
                let done = CompletedMultipartUpload::builder()
                    .set_parts(Some(
                        parts
                            .iter()
                            .map(|p| {
                                CompletedPart::builder()
                                    .part_number(p.number)
                                    .e_tag(&p.etag)
                                    .build()
                            })
                            .collect(),
                    ))
                    .build();
                s.client
                    .complete_multipart_upload()
                    .bucket(&s.bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .multipart_upload(done)
                    .send()
                    .await
                    .map_err(|e| s3_error("complete multipart upload", e))?;
                Ok(())
            }
            ObjectStore::Local(l) => {
                use tokio::io::AsyncWriteExt;
                let target = l.path_of(key)?;
                if let Some(parent) = target.parent() {
                    tokio::fs::create_dir_all(parent)
                        .await
                        .map_err(|e| io_error("create object directory", e))?;
                }
                let tmp = l.tmp_dir().join(uuid::Uuid::now_v7().simple().to_string());
                tokio::fs::create_dir_all(l.tmp_dir())
                    .await
                    .map_err(|e| io_error("create tmp", e))?;
                let mut out = tokio::fs::File::create(&tmp)
                    .await
                    .map_err(|e| io_error("create object", e))?;
                for p in parts {
                    let mut part =
                        tokio::fs::File::open(l.upload_dir(upload_id)?.join(p.number.to_string()))
                            .await
                            .map_err(|e| io_error("open part", e))?;
                    tokio::io::copy(&mut part, &mut out)
                        .await
                        .map_err(|e| io_error("join parts", e))?;
                }
                out.flush().await.map_err(|e| io_error("flush", e))?;
                drop(out);
                tokio::fs::rename(&tmp, &target)
                    .await
                    .map_err(|e| io_error("place object", e))?;
                tokio::fs::remove_dir_all(l.upload_dir(upload_id)?)
                    .await
                    .ok();
                Ok(())
            }
        }
    }

    /// Abandons a multipart upload and its parts.
    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> AppResult<()> {
        match self {
            ObjectStore::S3(s) => {
                match s
                    .client
                    .abort_multipart_upload()
                    .bucket(&s.bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .send()
                    .await
                {
                    Ok(_) => Ok(()),
                    // Already gone (completed or aborted elsewhere).
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_upload()) => Ok(()),
                    Err(e) => Err(s3_error("abort multipart upload", e)),
                }
            }
            ObjectStore::Local(l) => {
                match tokio::fs::remove_dir_all(l.upload_dir(upload_id)?).await {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(io_error("abort upload", e)),
                }
            }
        }
    }

    /// The object's size and stored SHA-256, or `None` when there is no object.
    pub async fn head(&self, key: &str) -> AppResult<Option<ObjectInfo>> {
        match self {
            ObjectStore::S3(s) => {
                match s
                    .client
                    .head_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .checksum_mode(ChecksumMode::Enabled)
                    .send()
                    .await
                {
                    Ok(out) => Ok(Some(ObjectInfo {
                        size: out.content_length().unwrap_or(-1),
                        // A multipart object's checksum is of its parts ("...-N"): useless.
                        sha256: out.checksum_sha256().and_then(b64_to_hex),
                    })),
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
                    Err(e) => Err(s3_error("head object", e)),
                }
            }
            ObjectStore::Local(l) => match tokio::fs::metadata(l.path_of(key)?).await {
                Ok(m) => Ok(Some(ObjectInfo {
                    size: i64::try_from(m.len()).unwrap_or(i64::MAX),
                    sha256: None,
                })),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(io_error("stat object", e)),
            },
        }
    }

    /// Reads the whole object and returns its size and SHA-256 (hex), hashing off the
    /// async runtime in constant memory.
    pub async fn hash_object(&self, key: &str) -> AppResult<(u64, String)> {
        let hasher = StreamHasher::new();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(4);
        let hash = async {
            while let Some(chunk) = rx.recv().await {
                hasher.update(chunk).await?;
            }
            Ok::<(), AppError>(())
        };
        let (read, hashed) = tokio::join!(self.stream_to(key, tx), hash);
        read?;
        hashed?;
        hasher.finish().await
    }

    /// Sends the object's bytes into `tx` in chunks, in constant memory (the receiver's
    /// pace: the channel is bounded). Stops early, without error, when the receiver is
    /// gone.
    pub async fn stream_to(
        &self,
        key: &str,
        tx: tokio::sync::mpsc::Sender<Bytes>,
    ) -> AppResult<()> {
        match self {
            ObjectStore::S3(s) => {
                let out = s
                    .client
                    .get_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| s3_error("read object", e))?;
                let mut body = out.body;
                while let Some(chunk) = body.next().await {
                    let chunk = chunk.map_err(|e| {
                        AppError::StoreUnavailable(format!("reading the object failed: {e}"))
                    })?;
                    if tx.send(chunk).await.is_err() {
                        break;
                    }
                }
            }
            ObjectStore::Local(l) => {
                use tokio::io::AsyncReadExt;
                let mut file = tokio::fs::File::open(l.path_of(key)?)
                    .await
                    .map_err(|e| io_error("open object", e))?;
                loop {
                    let mut buf = vec![0u8; 256 * 1024];
                    let n = file
                        .read(&mut buf)
                        .await
                        .map_err(|e| io_error("read object", e))?;
                    if n == 0 {
                        break;
                    }
                    buf.truncate(n);
                    if tx.send(Bytes::from(buf)).await.is_err() {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Stores small `bytes` directly (the server's own uploads, e.g. the demo's).
    pub async fn put_small(&self, key: &str, bytes: Vec<u8>, sha256: &str) -> AppResult<()> {
        match self {
            ObjectStore::S3(s) => s.put(key, bytes.into(), sha256).await,
            ObjectStore::Local(l) => tokio::fs::write(l.target_of(key).await?, bytes)
                .await
                .map_err(|e| io_error("write object", e)),
        }
    }

    /// Stores the file at `path` (exactly its bytes, SHA-256 `sha256` hex) in one request,
    /// streamed from disk: the server's own files too large to hold in memory.
    pub async fn put_path(&self, key: &str, path: &std::path::Path, sha256: &str) -> AppResult<()> {
        match self {
            ObjectStore::S3(s) => {
                let body = aws_sdk_s3::primitives::ByteStream::from_path(path)
                    .await
                    .map_err(|e| AppError::Internal(format!("read {}: {e}", path.display())))?;
                s.put(key, body, sha256).await
            }
            ObjectStore::Local(l) => tokio::fs::copy(path, l.target_of(key).await?)
                .await
                .map(|_| ())
                .map_err(|e| io_error("write object", e)),
        }
    }

    /// Stores part `n` of the multipart upload `upload_id` (the server's own uploads).
    pub async fn put_part(
        &self,
        key: &str,
        upload_id: &str,
        n: i32,
        bytes: Bytes,
    ) -> AppResult<()> {
        match self {
            ObjectStore::S3(s) => {
                s.client
                    .upload_part()
                    .bucket(&s.bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .part_number(n)
                    .body(bytes.into())
                    .send()
                    .await
                    .map_err(|e| s3_error("upload part", e))?;
                Ok(())
            }
            ObjectStore::Local(l) => {
                tokio::fs::write(l.upload_dir(upload_id)?.join(n.to_string()), bytes)
                    .await
                    .map_err(|e| io_error("write part", e))
            }
        }
    }

    /// Deletes the object (absent is fine).
    pub async fn delete(&self, key: &str) -> AppResult<()> {
        match self {
            ObjectStore::S3(s) => {
                s.client
                    .delete_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| s3_error("delete object", e))?;
                Ok(())
            }
            ObjectStore::Local(l) => match tokio::fs::remove_file(l.path_of(key)?).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_error("delete object", e)),
            },
        }
    }

    /// A download URL, answered with `content_type` and a file name.
    pub async fn presign_get(
        &self,
        key: &str,
        content_type: &str,
        file_name: &str,
        now: DateTime<Utc>,
        expires: Duration,
    ) -> AppResult<Presigned> {
        match self {
            ObjectStore::S3(s) => {
                let req = s
                    .client
                    .get_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .response_content_type(content_type)
                    .response_content_disposition(format!(
                        "attachment; filename=\"{}\"",
                        file_name.replace(['"', '\\'], "_")
                    ))
                    .presigned(presign_config(now, expires)?)
                    .await
                    .map_err(|e| s3_error("presign download", e))?;
                Ok(presigned(req, now, expires))
            }
            ObjectStore::Local(l) => {
                let grant = LocalGrant {
                    op: "get".into(),
                    key: key.into(),
                    expires: until(now, expires).timestamp(),
                    size: None,
                    sha256: None,
                    upload_id: None,
                    part: None,
                    content_type: Some(content_type.into()),
                };
                Ok(l.presigned("GET", &grant, Vec::new(), now, expires))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_signatures_cover_every_field() {
        let store = LocalStore::new("/tmp/x".into(), b"k".to_vec(), "http://h".into());
        let grant = LocalGrant {
            op: "put".into(),
            key: "models/a/b".into(),
            expires: 100,
            size: Some(5),
            sha256: Some("ab".into()),
            upload_id: None,
            part: None,
            content_type: None,
        };
        let sig = store.signature(&grant);
        assert!(store.verify(&grant, &sig));
        let mut bigger = grant.clone();
        bigger.size = Some(6);
        assert!(!store.verify(&bigger, &sig));
        let mut other_key = grant.clone();
        other_key.key = "models/a/c".into();
        assert!(!store.verify(&other_key, &sig));
        let other = LocalStore::new("/tmp/x".into(), b"j".to_vec(), "http://h".into());
        assert!(!other.verify(&grant, &sig));
    }

    #[test]
    fn local_paths_stay_under_the_store() {
        let store = LocalStore::new("/srv/arts".into(), b"k".to_vec(), "http://h".into());
        assert_eq!(
            store.path_of("a.example/models/1/x.txt").ok(),
            Some(PathBuf::from("/srv/arts/objects/a.example/models/1/x.txt"))
        );
        for bad in [
            "a.example/../../../../tmp/pwn/x.txt",
            "../x",
            "a/./b",
            "a//b",
            "/etc/passwd",
            "a/b/",
            "",
            "a\\..\\b",
            "c:/x",
            "a\0b",
        ] {
            assert!(store.path_of(bad).is_err(), "{bad:?}");
        }
        assert!(store.upload_dir("u-1").is_ok());
        for bad in ["..", "a/b", "", "."] {
            assert!(store.upload_dir(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn keys_are_percent_encoded_per_segment() {
        assert_eq!(urlencode_path("a b/c+d/e"), "a%20b/c%2Bd/e");
    }
}

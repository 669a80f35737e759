//! Dataset uploads and their validation, in mlgraph itself.
//!
//! 1. `createDatasetUpload` makes a dataset version `UPLOADING` and plans the upload of
//!    its file as an artifact of the version (presigned URLs, SHA-256 checked). The same
//!    file again (same SHA-256 in the dataset) answers the existing version.
//! 2. The client sends the bytes, then `completeDatasetUpload`: the artifact is verified,
//!    the version becomes `UPLOADED` and a validation task is queued, in one transaction.
//! 3. Any instance's worker ([`run_once`], every few seconds from [`spawn_worker`])
//!    claims the task (`SKIP LOCKED` on PostgreSQL) under a lease it renews while it
//!    works; a task whose lease ran out (its worker died) is claimed again by another.
//!    The version goes `VALIDATING`, the file is read from the store in one pass
//!    ([`super::profile`]) off the async runtime (CSV streamed; Parquet from a temporary
//!    copy, a batch of rows at a time); a valid CSV file is written again as typed
//!    Parquet, the version's processed file ([`super::convert`]); and in one transaction
//!    the version becomes `VALIDATED` (rows, columns, column names) or `FAILED`
//!    (row-numbered errors), with, when valid, a `PROPOSED` schema deduction and a
//!    `COMPLETED` EDA report (inline under 1 MB, else an artifact on S3).

use std::io::Read;
use std::time::Duration;

use bytes::{Buf, Bytes};
use chrono::Utc;
use entity::enums::{
    DatasetSplit, DatasetUploadStatus as Up, EdaReportStatus, ReportStorage,
    SchemaDeductionStatus as Ds,
};
use entity::{artifact, dataset, dataset_version, eda_report, schema_deduction};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, IntoActiveModel, QueryFilter,
    QueryOrder, Set, Statement,
};
use uuid::Uuid;

use crate::artifacts::service::{self as arts_service, Artifacts, NewUpload, Upload};
use crate::core::context::RequestContext;
use crate::core::ids::NodeType;
use crate::core::params::Params;
use crate::core::store::{self, reference};
use crate::error::{AppError, AppResult};

use super::profile::{self, AGENT_VERSION, Profile};

/// Reports up to this size are stored inline; larger ones go to the object store.
pub const INLINE_REPORT_BYTES: usize = 1024 * 1024;
/// How long a claimed task is its worker's before another may take it over.
pub const LEASE: Duration = Duration::from_secs(60);
/// Attempts before a task gives up.
pub const MAX_ATTEMPTS: i32 = 3;

/// What `createDatasetUpload` asks.
pub struct NewDatasetUpload {
    /// The dataset.
    pub dataset_id: Uuid,
    /// The file's name (`transactions.csv`).
    pub file_name: String,
    /// MIME type (default `text/csv`).
    pub content_type: Option<String>,
    /// Exact size (> 0).
    pub size_bytes: i64,
    /// SHA-256 (hex).
    pub sha256: String,
    /// The split it holds.
    pub split: Option<DatasetSplit>,
}

/// What `createDatasetUpload` answers.
pub struct DatasetUpload {
    /// The version (new, or the one that already has this file).
    pub version: dataset_version::Model,
    /// True when the file was uploaded before: the existing version is answered.
    pub deduplicated: bool,
    /// How to send the bytes (none when the version has its file already).
    pub upload: Option<Upload>,
}

/// The MIME type of Parquet files (and of the processed files mlgraph writes).
pub const PARQUET_TYPE: &str = "application/vnd.apache.parquet";

/// The formats mlgraph validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Csv,
    Parquet,
}

/// The format of a file named `name` of type `content_type` (a generic type decided by
/// the name's extension).
fn kind_of(name: &str, content_type: &str) -> Option<FileKind> {
    let name = name.to_ascii_lowercase();
    match content_type {
        "text/csv" | "application/csv" => Some(FileKind::Csv),
        PARQUET_TYPE | "application/x-parquet" | "application/parquet" => Some(FileKind::Parquet),
        "text/plain" | "application/octet-stream" if name.ends_with(".csv") => Some(FileKind::Csv),
        "application/octet-stream" if name.ends_with(".parquet") => Some(FileKind::Parquet),
        _ => None,
    }
}

/// Plans the upload of a dataset file (see the module). EDITOR on the dataset's namespace.
pub async fn create(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    input: NewDatasetUpload,
) -> AppResult<DatasetUpload> {
    let name = input.file_name.trim().to_owned();
    if name.is_empty()
        || name.len() > 255
        || name.contains('/')
        || name.chars().any(char::is_control)
    {
        return Err(AppError::bad_input(
            "input.fileName",
            "a file name of 1 to 255 characters, without `/`",
        ));
    }
    crate::core::validate::positive("input.sizeBytes", input.size_bytes)?;
    let sha256 = input.sha256.to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::bad_input(
            "input.sha256",
            "must be 64 hexadecimal digits",
        ));
    }
    let content_type = input.content_type.unwrap_or_else(|| {
        if name.to_ascii_lowercase().ends_with(".parquet") {
            PARQUET_TYPE.into()
        } else {
            "text/csv".into()
        }
    });
    if kind_of(&name, &content_type).is_none() {
        return Err(AppError::bad_input(
            "input.contentType",
            format!("mlgraph validates CSV (text/csv) and Parquet ({PARQUET_TYPE}) files"),
        ));
    }
    let (version, deduplicated) = store::transaction(db, async |txn| {
        let ds = reference::<dataset::Entity>(txn, ctx, input.dataset_id, None, "input.datasetId")
            .await?;
        ctx.scope.check_write(&ds.ns)?;
        let same = crate::core::store::unscoped::<dataset_version::Entity>()
            .filter(dataset_version::Column::DatasetId.eq(ds.id))
            .filter(dataset_version::Column::Sha256.eq(sha256.as_str()))
            .filter(dataset_version::Column::UploadStatus.is_not_null())
            .filter(dataset_version::Column::UploadStatus.ne(Up::Failed))
            .one(txn)
            .await?;
        if let Some(v) = same {
            return Ok((v, true));
        }
        let (version, _) = crate::data::service::next_version(txn, ds.id).await?;
        let now = Utc::now();
        let row = store::insert::<dataset_version::Entity, _>(
            txn,
            ctx,
            dataset_version::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(ds.ns.clone()),
                dataset_id: Set(ds.id),
                version: Set(version),
                storage_uri: Set(format!("upload:{name}")),
                size_bytes: Set(Some(input.size_bytes)),
                sha256: Set(Some(sha256.clone())),
                row_count: Set(None),
                schema: Set(None),
                split: Set(input.split.unwrap_or(DatasetSplit::Full)),
                source_version: Set(None),
                upload_status: Set(Some(Up::Uploading)),
                content_type: Set(Some(content_type.clone())),
                num_columns: Set(None),
                column_names: Set(None),
                validation_errors: Set(None),
                created_by: Set(ctx.actor.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            },
        )
        .await?;
        Ok((row, false))
    })
    .await?;
    let upload = if version.upload_status == Some(Up::Uploading) {
        Some(
            arts_service::create_upload(
                db,
                arts,
                ctx,
                NewUpload {
                    owner: (NodeType::DatasetVersion, version.id),
                    path: format!("raw/{name}"),
                    size: version.size_bytes.unwrap_or(input.size_bytes),
                    sha256: version.sha256.clone().unwrap_or(sha256),
                    content_type: version.content_type.clone(),
                },
            )
            .await?,
        )
    } else {
        None
    };
    Ok(DatasetUpload {
        version,
        deduplicated,
        upload,
    })
}

/// The artifact holding a version's raw file (its SHA-256), newest first.
async fn raw_artifact(
    db: &impl ConnectionTrait,
    version: &dataset_version::Model,
) -> AppResult<Option<artifact::Model>> {
    Ok(crate::core::store::unscoped::<artifact::Entity>()
        .filter(artifact::Column::OwnerId.eq(version.id))
        .filter(artifact::Column::Sha256.eq(version.sha256.clone().unwrap_or_default()))
        .filter(artifact::Column::DeletedAt.is_null())
        .order_by_desc(artifact::Column::CreatedAt)
        .one(db)
        .await?)
}

fn errors_of(message: &str) -> serde_json::Value {
    serde_json::json!({"count": 1, "errors": [{"row": 0, "message": message}]})
}

/// Completes a dataset upload (see the module): idempotent once past `UPLOADING`.
pub async fn complete(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    version_id: Uuid,
) -> AppResult<dataset_version::Model> {
    let version = store::get::<dataset_version::Entity>(db, ctx, version_id).await?;
    ctx.scope.check_write(&version.ns)?;
    if version.upload_status != Some(Up::Uploading) {
        return match version.upload_status {
            None => Err(AppError::bad_input(
                "datasetVersionId",
                "this version was registered by URI, not uploaded",
            )),
            Some(_) => Ok(version),
        };
    }
    let Some(raw) = raw_artifact(db, &version).await? else {
        return Err(AppError::bad_input(
            "datasetVersionId",
            "no upload of this version's file: call createDatasetUpload first",
        ));
    };
    let raw = if raw.status == entity::enums::ArtifactStatus::Pending {
        arts_service::complete_upload(db, arts, ctx, raw.id, None).await?
    } else {
        raw
    };
    let verified = raw.status == entity::enums::ArtifactStatus::Verified;
    store::transaction(db, async |txn| {
        let before = store::lock::<dataset_version::Entity>(txn, ctx, version_id).await?;
        if before.upload_status != Some(Up::Uploading) {
            return Ok(before);
        }
        let mut row = before.clone().into_active_model();
        row.updated_at = Set(Utc::now());
        if verified {
            row.upload_status = Set(Some(Up::Uploaded));
            row.storage_uri = Set(format!("s3://{}/{}", raw.bucket, raw.object_key));
        } else {
            row.upload_status = Set(Some(Up::Failed));
            row.validation_errors = Set(Some(errors_of(&format!(
                "the upload failed: {}",
                raw.failure_reason
                    .as_deref()
                    .unwrap_or("the bytes did not match")
            ))));
        }
        let after =
            store::update::<dataset_version::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
        if verified {
            enqueue(txn, &after).await?;
        }
        Ok(after)
    })
    .await
}

/// Queues the validation of a version's file (inside the caller's transaction).
async fn enqueue(txn: &impl ConnectionTrait, version: &dataset_version::Model) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let mut p = Params::new(backend);
    let (id, ns, now, v) = (
        p.push(crate::core::ids::new_id()),
        p.push(version.ns.clone()),
        p.push(Utc::now()),
        p.push(version.id),
    );
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "INSERT INTO prep_tasks (id, ns, created_at, updated_at, dataset_version_id, kind, status, attempts)
             VALUES ({id}, {ns}, {now}, {now}, {v}, 'VALIDATE', 'QUEUED', 0)"
        ),
        p.values(),
    ))
    .await?;
    Ok(())
}

/// A claimed task.
struct Claim {
    id: Uuid,
    version: Uuid,
    attempts: i32,
    lease: Duration,
}

/// Claims the oldest queued task, or one whose lease ran out.
async fn claim(db: &DatabaseConnection, worker: &str, lease: Duration) -> AppResult<Option<Claim>> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let mut p = Params::new(backend);
    let (w, until, now) = (
        p.push(worker.to_owned()),
        p.push(now + chrono::Duration::from_std(lease).unwrap_or_default()),
        p.push(now),
    );
    // SQLite has one writer at a time: the statement alone is the claim.
    let lock = if backend == DbBackend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE prep_tasks SET status = 'RUNNING', worker = {w}, lease_until = {until}, attempts = attempts + 1, updated_at = {now}
                  WHERE id = (SELECT id FROM prep_tasks
                               WHERE status = 'QUEUED' OR (status = 'RUNNING' AND lease_until < {now})
                               ORDER BY created_at {lock} LIMIT 1)
                  RETURNING id, dataset_version_id, attempts"
            ),
            p.values(),
        ))
        .await?;
    row.map(|r| {
        Ok(Claim {
            id: r.try_get("", "id")?,
            version: r.try_get("", "dataset_version_id")?,
            attempts: r.try_get("", "attempts")?,
            lease,
        })
    })
    .transpose()
}

/// Sets `changes` (a `SET` list over the placeholders `p` holds) on a task this worker
/// still holds; whether it did.
async fn update_held(
    db: &impl ConnectionTrait,
    mut p: Params,
    changes: &str,
    task: Uuid,
    worker: &str,
) -> AppResult<bool> {
    let (id, w) = (p.push(task), p.push(worker.to_owned()));
    let r = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            format!(
                "UPDATE prep_tasks SET {changes} WHERE id = {id} AND worker = {w} AND status = 'RUNNING'"
            ),
            p.values(),
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Extends the lease of a task this worker holds; false when it holds it no longer.
async fn renew(
    db: &DatabaseConnection,
    task: Uuid,
    worker: &str,
    lease: Duration,
) -> AppResult<bool> {
    let mut p = Params::new(db.get_database_backend());
    let until = p.push(Utc::now() + chrono::Duration::from_std(lease).unwrap_or_default());
    update_held(db, p, &format!("lease_until = {until}"), task, worker).await
}

/// Ends a task this worker still holds (inside the result's transaction): refuses when
/// another worker took it over, so a result is written once.
async fn finish_task(
    txn: &impl ConnectionTrait,
    task: Uuid,
    worker: &str,
    status: &str,
    error: Option<String>,
) -> AppResult<()> {
    let mut p = Params::new(txn.get_database_backend());
    let changes = format!(
        "status = {}, error = {}, updated_at = {}",
        p.push(status.to_owned()),
        p.push(error),
        p.push(Utc::now())
    );
    if update_held(txn, p, &changes, task, worker).await? {
        Ok(())
    } else {
        Err(AppError::Conflict {
            message: format!("task {task} was taken over by another worker"),
            field: None,
        })
    }
}

/// Reads bytes a task sends through a bounded channel, for a blocking parser.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    buf: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.buf.is_empty() {
            match self.rx.blocking_recv() {
                Some(b) => self.buf = b,
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        self.buf.advance(n);
        Ok(n)
    }
}

/// A file of the server's own, removed when dropped.
struct TempFile(std::path::PathBuf);

/// How temporary files of validation are named (`<prefix><uuid>.<ext>` in the system's
/// temporary directory).
const TEMP_PREFIX: &str = "mlgraph-prep-";

/// A temporary file of validation older than this belongs to no running task: a task's
/// files live while it runs (minutes), and one left behind was a killed worker's.
const TEMP_MAX_AGE: Duration = Duration::from_secs(6 * 3600);

impl TempFile {
    fn new(ext: &str) -> TempFile {
        TempFile(
            std::env::temp_dir().join(format!("{TEMP_PREFIX}{}.{ext}", Uuid::now_v7().simple())),
        )
    }
}

/// Removes the temporary files of validation in `dir` not modified for `max_age` (those
/// a killed worker left: its `Drop` never ran); returns how many. Other files are left.
fn sweep_temp_files(dir: &std::path::Path, max_age: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(TEMP_PREFIX))
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > max_age))
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

impl Drop for TempFile {
    fn drop(&mut self) {
        std::fs::remove_file(&self.0).ok();
    }
}

fn tmp_error(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("{what}: {e}"))
}

/// Copies an object to a temporary file (a Parquet file is read from its end first).
async fn spool(arts: &Artifacts, key: &str, ext: &str) -> AppResult<TempFile> {
    use tokio::io::AsyncWriteExt;
    let tmp = TempFile::new(ext);
    let mut file = tokio::fs::File::create(&tmp.0)
        .await
        .map_err(|e| tmp_error("create a temporary file", e))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let write = async {
        while let Some(chunk) = rx.recv().await {
            file.write_all(&chunk).await?;
        }
        file.flush().await
    };
    let (read, written) = tokio::join!(arts.store.stream_to(key, tx), write);
    read?;
    written.map_err(|e| tmp_error("write a temporary file", e))?;
    Ok(tmp)
}

/// Reads an object through the profiler off the async runtime: a CSV file streamed in
/// constant memory, a Parquet file from a temporary copy a batch of rows at a time.
async fn profile_object(arts: &Artifacts, key: &str, kind: FileKind) -> AppResult<Profile> {
    if kind == FileKind::Parquet {
        let tmp = spool(arts, key, "parquet").await?;
        return tokio::task::spawn_blocking(move || {
            let file = std::fs::File::open(&tmp.0)?;
            Ok::<_, std::io::Error>(profile::profile_parquet(file))
        })
        .await
        .map_err(|e| tmp_error("profiling", e))?
        .map_err(|e| tmp_error("open a temporary file", e));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let parse = tokio::task::spawn_blocking(move || {
        profile::profile(ChannelReader {
            rx,
            buf: Bytes::new(),
        })
    });
    let read = arts.store.stream_to(key, tx).await;
    let profile = parse.await.map_err(|e| tmp_error("profiling", e))?;
    read?;
    Ok(profile)
}

/// Size and SHA-256 (hex) of a file, read in chunks.
fn hash_file(path: &std::path::Path) -> std::io::Result<(i64, String)> {
    use sha2::Digest;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1024 * 1024];
    let mut size = 0i64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += i64::try_from(n).unwrap_or(i64::MAX);
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// Writes the processed file of a valid CSV upload (see [`super::convert`]) and stores it
/// as an artifact of the version, `processed/<name>.parquet`.
async fn write_processed(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    version: &dataset_version::Model,
    raw: &artifact::Model,
    p: &Profile,
) -> AppResult<artifact::Model> {
    let tmp = TempFile::new("parquet");
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let (columns, types, path) = (p.columns.clone(), p.column_types(), tmp.0.clone());
    let convert = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
        let input = ChannelReader {
            rx,
            buf: Bytes::new(),
        };
        super::convert::csv_to_parquet(input, &columns, &types, file)?;
        hash_file(&path).map_err(|e| e.to_string())
    });
    let read = arts.store.stream_to(&raw.object_key, tx).await;
    let converted = convert.await.map_err(|e| tmp_error("converting", e))?;
    read?;
    let (size, sha256) = converted.map_err(|e| tmp_error("the processed Parquet file", e))?;
    let name = raw.path.strip_prefix("raw/").unwrap_or(&raw.path);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    arts_service::put(
        db,
        arts,
        ctx,
        (NodeType::DatasetVersion, version.id),
        &format!("processed/{stem}.parquet"),
        PARQUET_TYPE,
        arts_service::Contents::File {
            path: &tmp.0,
            size,
            sha256,
        },
    )
    .await
}

fn system() -> RequestContext {
    RequestContext {
        actor: Some("mlgraph:prep".into()),
        ..RequestContext::default()
    }
}

/// Claims and runs one task under the default [`LEASE`]; returns whether there was one.
/// `worker` names this instance's worker.
pub async fn run_once(db: &DatabaseConnection, arts: &Artifacts, worker: &str) -> AppResult<bool> {
    run_leased(db, arts, worker, LEASE).await
}

/// [`run_once`] under a lease of `lease` (renewed every third of it while the task runs).
pub async fn run_leased(
    db: &DatabaseConnection,
    arts: &Artifacts,
    worker: &str,
    lease: Duration,
) -> AppResult<bool> {
    let Some(task) = claim(db, worker, lease).await? else {
        return Ok(false);
    };
    let ctx = system();
    let result = validate(db, arts, &ctx, &task, worker).await;
    if let Err(e) = result {
        tracing::warn!(task = %task.id, error = ?e, "dataset validation failed");
        if !matches!(e, AppError::Conflict { .. }) {
            // A store or database hiccup: another attempt later, up to MAX_ATTEMPTS.
            let gave_up = task.attempts >= MAX_ATTEMPTS;
            let message = format!("validation could not run: {}", e.message());
            store::transaction(db, async |txn| {
                if gave_up {
                    fail_version(txn, &ctx, task.version, &message).await?;
                    finish_task(txn, task.id, worker, "FAILED", Some(message.clone())).await
                } else {
                    finish_task(txn, task.id, worker, "QUEUED", Some(message.clone())).await
                }
            })
            .await
            .ok();
        }
    }
    Ok(true)
}

async fn fail_version(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    id: Uuid,
    message: &str,
) -> AppResult<()> {
    let before = store::lock::<dataset_version::Entity>(txn, ctx, id).await?;
    let mut row = before.clone().into_active_model();
    row.upload_status = Set(Some(Up::Failed));
    row.validation_errors = Set(Some(errors_of(message)));
    row.updated_at = Set(Utc::now());
    store::update::<dataset_version::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
    Ok(())
}

async fn validate(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    task: &Claim,
    worker: &str,
) -> AppResult<()> {
    let started = std::time::Instant::now();
    // VALIDATING, with a RUNNING report (an earlier attempt's is marked FAILED).
    let (version, report) = store::transaction(db, async |txn| {
        let before = store::lock::<dataset_version::Entity>(txn, ctx, task.version).await?;
        let version = if before.upload_status == Some(Up::Validating) {
            before
        } else {
            let mut row = before.clone().into_active_model();
            row.upload_status = Set(Some(Up::Validating));
            row.updated_at = Set(Utc::now());
            store::update::<dataset_version::Entity, _>(txn, ctx, &before, row, "UPDATE").await?
        };
        let stale = crate::core::store::unscoped::<eda_report::Entity>()
            .filter(eda_report::Column::DatasetVersionId.eq(version.id))
            .filter(eda_report::Column::Status.eq(EdaReportStatus::Running))
            .all(txn)
            .await?;
        for r in stale {
            let mut a = r.clone().into_active_model();
            a.status = Set(EdaReportStatus::Failed);
            a.error = Set(Some("interrupted: its worker stopped".into()));
            a.updated_at = Set(Utc::now());
            store::update::<eda_report::Entity, _>(txn, ctx, &r, a, "UPDATE").await?;
        }
        let now = Utc::now();
        let report = store::insert::<eda_report::Entity, _>(
            txn,
            ctx,
            eda_report::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(version.ns.clone()),
                dataset_id: Set(version.dataset_id),
                dataset_version_id: Set(Some(version.id)),
                summary: Set(serde_json::json!({})),
                report_size_bytes: Set(None),
                storage_location: Set(None),
                full_report: Set(None),
                s3_bucket: Set(None),
                s3_key: Set(None),
                artifact_id: Set(None),
                report_version: Set(profile::REPORT_VERSION.into()),
                generation_seconds: Set(None),
                status: Set(EdaReportStatus::Running),
                error: Set(None),
                created_by: Set(ctx.actor.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            },
        )
        .await?;
        Ok((version, report))
    })
    .await?;
    let raw = raw_artifact(db, &version)
        .await?
        .ok_or_else(|| AppError::Internal(format!("version {} has no file", version.id)))?;
    // Renew the lease while the pass runs.
    let renewer = {
        let (db, id, worker, lease) = (db.clone(), task.id, worker.to_owned(), task.lease);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(lease / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                if !matches!(renew(&db, id, &worker, lease).await, Ok(true)) {
                    break;
                }
            }
        })
    };
    let kind = version
        .content_type
        .as_deref()
        .and_then(|t| kind_of(&raw.path, t))
        .unwrap_or(FileKind::Csv);
    let passes = async {
        let p = profile_object(arts, &raw.object_key, kind).await?;
        // A valid CSV file is written again as typed Parquet.
        if p.valid() && kind == FileKind::Csv {
            write_processed(db, arts, ctx, &version, &raw, &p).await?;
        }
        // The full report: inline when small, else an artifact of the version.
        let (summary, full) = p.report();
        let text =
            serde_json::to_vec(&full).map_err(|e| AppError::Internal(format!("report: {e}")))?;
        let size = text.len();
        let stored = if p.valid() && size > INLINE_REPORT_BYTES {
            Some(
                arts_service::put_small(
                    db,
                    arts,
                    ctx,
                    (NodeType::DatasetVersion, version.id),
                    &format!("eda/report-{}.json", report.id),
                    "application/json",
                    text,
                )
                .await?,
            )
        } else {
            None
        };
        Ok::<_, AppError>((p, summary, full, size, stored))
    };
    let passed = passes.await;
    renewer.abort();
    let (p, summary, full, size, stored) = passed?;
    let seconds = started.elapsed().as_secs_f64();
    store::transaction(db, async |txn| {
        finish_task(txn, task.id, worker, "DONE", None).await?;
        let before = store::lock::<dataset_version::Entity>(txn, ctx, version.id).await?;
        let mut row = before.clone().into_active_model();
        row.upload_status = Set(Some(if p.valid() { Up::Validated } else { Up::Failed }));
        row.row_count = Set(Some(i64::try_from(p.rows).unwrap_or(i64::MAX)));
        row.num_columns = Set(Some(i32::try_from(p.columns.len()).unwrap_or(i32::MAX)));
        row.column_names = Set(Some(serde_json::json!(p.columns)));
        row.validation_errors = Set(Some(p.errors_json()));
        row.updated_at = Set(Utc::now());
        store::update::<dataset_version::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
        let now = Utc::now();
        let mut r = report.clone().into_active_model();
        r.updated_at = Set(now);
        r.generation_seconds = Set(Some(seconds));
        if !p.valid() {
            r.status = Set(EdaReportStatus::Failed);
            r.error = Set(Some(format!(
                "the file is not valid: {} problem(s)",
                p.error_count
            )));
            store::update::<eda_report::Entity, _>(txn, ctx, &report, r, "UPDATE").await?;
            return Ok(());
        }
        r.status = Set(EdaReportStatus::Completed);
        r.summary = Set(summary.clone());
        r.report_size_bytes = Set(Some(i64::try_from(size).unwrap_or(i64::MAX)));
        match &stored {
            Some(a) => {
                r.storage_location = Set(Some(ReportStorage::S3));
                r.s3_bucket = Set(Some(a.bucket.clone()));
                r.s3_key = Set(Some(a.object_key.clone()));
                r.artifact_id = Set(Some(a.id));
            }
            None => {
                r.storage_location = Set(Some(ReportStorage::Postgres));
                r.full_report = Set(Some(full.clone()));
            }
        }
        store::update::<eda_report::Entity, _>(txn, ctx, &report, r, "UPDATE").await?;
        let (schema, meta, confidence) = p.deduction();
        insert_proposal(
            txn,
            ctx,
            &version,
            schema,
            meta,
            confidence.clamp(0.0, 1.0),
            AGENT_VERSION,
        )
        .await?;
        Ok(())
    })
    .await
}

/// Runs [`run_leased`] until no task is left, then waits `every`; on every instance. The
/// worker is named `<$HOSTNAME>:<random>`.
pub fn spawn_worker(
    db: DatabaseConnection,
    arts: std::sync::Arc<Artifacts>,
    every: Duration,
    lease: Duration,
) {
    let worker = format!("{}:{}", hostname(), Uuid::now_v7().simple());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut swept: Option<std::time::Instant> = None;
        loop {
            tick.tick().await;
            // What killed workers left on this machine, on start and hourly (off the
            // runtime: it lists a directory).
            if swept.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
                swept = Some(std::time::Instant::now());
                let dir = std::env::temp_dir();
                match tokio::task::spawn_blocking(move || sweep_temp_files(&dir, TEMP_MAX_AGE))
                    .await
                {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(files = n, "removed temporary files of killed workers"),
                    Err(e) => tracing::warn!(error = %e, "sweeping temporary files"),
                }
            }
            loop {
                match run_leased(&db, &arts, &worker, lease).await {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(e) => {
                        tracing::warn!(error = ?e, "dataset validation worker");
                        break;
                    }
                }
            }
        }
    });
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "mlgraph".into())
}

/// Inserts a PROPOSED deduction of `version`'s file (inside the caller's transaction).
async fn insert_proposal(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    version: &dataset_version::Model,
    schema: serde_json::Value,
    metadata: serde_json::Value,
    confidence: f64,
    agent: &str,
) -> AppResult<schema_deduction::Model> {
    let now = Utc::now();
    store::insert::<schema_deduction::Entity, _>(
        txn,
        ctx,
        schema_deduction::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(version.ns.clone()),
            dataset_id: Set(version.dataset_id),
            dataset_version_id: Set(Some(version.id)),
            proposed_schema: Set(schema),
            column_metadata: Set(metadata),
            confidence: Set(confidence),
            agent_version: Set(agent.to_owned()),
            status: Set(Ds::Proposed),
            rejection_reason: Set(None),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await
}

/// Accepts a PROPOSED deduction: the dataset's accepted one (if any) is SUPERSEDED and
/// the version it was deduced from takes its schema, in the same transaction.
pub async fn accept(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<schema_deduction::Model> {
    store::transaction(db, async |txn| {
        let before = store::lock::<schema_deduction::Entity>(txn, ctx, id).await?;
        ctx.scope.check_write(&before.ns)?;
        if before.status != Ds::Proposed {
            return Err(AppError::InvalidTransition {
                from: before.status.as_str().into(),
                to: "ACCEPTED".into(),
            });
        }
        let earlier = crate::core::store::unscoped::<schema_deduction::Entity>()
            .filter(schema_deduction::Column::DatasetId.eq(before.dataset_id))
            .filter(schema_deduction::Column::Status.eq(Ds::Accepted))
            .all(txn)
            .await?;
        let now = Utc::now();
        for e in earlier {
            let mut a = e.clone().into_active_model();
            a.status = Set(Ds::Superseded);
            a.updated_at = Set(now);
            store::update::<schema_deduction::Entity, _>(txn, ctx, &e, a, "UPDATE").await?;
        }
        let mut a = before.clone().into_active_model();
        a.status = Set(Ds::Accepted);
        a.updated_at = Set(now);
        let after =
            store::update::<schema_deduction::Entity, _>(txn, ctx, &before, a, "UPDATE").await?;
        if let Some(v) = after.dataset_version_id {
            let vb = store::lock::<dataset_version::Entity>(txn, ctx, v).await?;
            let mut va = vb.clone().into_active_model();
            va.schema = Set(Some(after.proposed_schema.clone()));
            va.updated_at = Set(now);
            store::update::<dataset_version::Entity, _>(txn, ctx, &vb, va, "UPDATE").await?;
        }
        Ok(after)
    })
    .await
}

/// Rejects a PROPOSED deduction with a reason.
pub async fn reject(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    reason: &str,
) -> AppResult<schema_deduction::Model> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(AppError::bad_input("reason", "1 to 2,000 characters"));
    }
    store::transaction(db, async |txn| {
        let before = store::lock::<schema_deduction::Entity>(txn, ctx, id).await?;
        ctx.scope.check_write(&before.ns)?;
        if before.status != Ds::Proposed {
            return Err(AppError::InvalidTransition {
                from: before.status.as_str().into(),
                to: "REJECTED".into(),
            });
        }
        let mut a = before.clone().into_active_model();
        a.status = Set(Ds::Rejected);
        a.rejection_reason = Set(Some(reason.to_owned()));
        a.updated_at = Set(Utc::now());
        store::update::<schema_deduction::Entity, _>(txn, ctx, &before, a, "UPDATE").await
    })
    .await
}

/// What an external agent proposes.
pub struct Proposal {
    /// The dataset version it read.
    pub dataset_version_id: Uuid,
    /// `{"columns": [{"name", "type", ...}]}`.
    pub proposed_schema: serde_json::Value,
    /// Per column metadata.
    pub column_metadata: serde_json::Value,
    /// 0 to 1.
    pub confidence: f64,
    /// The agent and its version.
    pub agent_version: String,
}

/// Records an external agent's proposal (EDITOR).
pub async fn propose(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    p: Proposal,
) -> AppResult<schema_deduction::Model> {
    if !(0.0..=1.0).contains(&p.confidence) {
        return Err(AppError::bad_input("input.confidence", "between 0 and 1"));
    }
    let columns_ok = p.proposed_schema["columns"].as_array().is_some_and(|cs| {
        cs.iter()
            .all(|c| c["name"].is_string() && c["type"].is_string())
    });
    if !columns_ok {
        return Err(AppError::bad_input(
            "input.proposedSchema",
            "{\"columns\": [{\"name\": ..., \"type\": ...}, ...]}",
        ));
    }
    let metadata =
        crate::core::validate::json_object("input.columnMetadata", Some(p.column_metadata))?;
    let agent = p.agent_version.trim().to_owned();
    if agent.is_empty() || agent.len() > 200 {
        return Err(AppError::bad_input(
            "input.agentVersion",
            "1 to 200 characters",
        ));
    }
    store::transaction(db, async |txn| {
        let v = reference::<dataset_version::Entity>(
            txn,
            ctx,
            p.dataset_version_id,
            None,
            "input.datasetVersionId",
        )
        .await?;
        ctx.scope.check_write(&v.ns)?;
        insert_proposal(
            txn,
            ctx,
            &v,
            p.proposed_schema.clone(),
            metadata.clone(),
            p.confidence,
            &agent,
        )
        .await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files a killed worker left (older than the bound, with the prefix) go; fresh ones
    /// and other files stay.
    #[test]
    fn the_sweep_removes_only_old_temporary_files_of_validation() {
        let dir = std::env::temp_dir().join(format!("mlgraph-sweep-test-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let old_time = std::time::SystemTime::now() - Duration::from_secs(7 * 3600);
        let make = |name: &str, old: bool| {
            let path = dir.join(name);
            let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
            if old {
                file.set_modified(old_time)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            path
        };
        let left = make(&format!("{TEMP_PREFIX}a.parquet"), true);
        let running = make(&format!("{TEMP_PREFIX}b.csv"), false);
        let other = make("someone-else.parquet", true);
        assert_eq!(sweep_temp_files(&dir, TEMP_MAX_AGE), 1);
        assert!(!left.exists());
        assert!(running.exists());
        assert!(other.exists());
        std::fs::remove_dir_all(&dir).ok();
    }
}

//! Artifact uploads, verification, downloads, deletion and the sweeper.
//!
//! An upload is planned in one transaction (a PENDING row, or, when the same bytes are
//! already VERIFIED in the namespace, a VERIFIED row that shares their object); the client
//! sends the bytes to presigned URLs; `complete` joins the parts, checks size and SHA-256
//! (the store's checksum when it keeps one, else a streamed hash) and records VERIFIED or
//! FAILED (deleting the object). Deleted artifacts keep their rows; the sweeper deletes an
//! object once no live artifact shares it, fails uploads left PENDING past their TTL, and
//! marks the artifacts of owners that are gone.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::artifact;
use entity::enums::{ArtifactStatus, ModelStage};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::store::{ObjectStore, Presigned, UploadedPart};
use crate::core::context::RequestContext;
use crate::core::ids::NodeType;
use crate::core::node::namespace_of;
use crate::core::store::{self, Change, record_event};
use crate::error::{AppError, AppResult};

/// S3's smallest part (but the last).
const MIN_PART: i64 = 5 * 1024 * 1024;
/// S3's largest number of parts.
const MAX_PARTS: i64 = 10_000;
/// S3's largest object.
const MAX_OBJECT: i64 = 5 * 1024 * 1024 * 1024 * 1024;

/// How uploads are planned and how long their URLs and rows live.
#[derive(Debug, Clone)]
pub struct ArtifactSettings {
    /// Objects larger than this are uploaded in parts.
    pub multipart_threshold: i64,
    /// The preferred part size (raised when an object would need more than 10,000).
    pub part_size: i64,
    /// How long upload URLs work.
    pub upload_url_ttl: Duration,
    /// A PENDING upload older than this is failed by the sweeper.
    pub pending_ttl: Duration,
}

impl Default for ArtifactSettings {
    fn default() -> Self {
        ArtifactSettings {
            multipart_threshold: 64 * 1024 * 1024,
            part_size: 16 * 1024 * 1024,
            upload_url_ttl: Duration::from_secs(3600),
            pending_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// The object store and its settings.
#[derive(Debug, Clone)]
pub struct Artifacts {
    /// Where objects live.
    pub store: ObjectStore,
    /// Planning and lifetimes.
    pub settings: ArtifactSettings,
    /// The time presigned URLs start at (tests move it).
    pub clock: crate::core::clock::Clock,
}

/// An artifact to upload.
pub struct NewUpload {
    /// The node it belongs to.
    pub owner: (NodeType, Uuid),
    /// Its logical path (`model.pkl`, `checkpoints/epoch_002.ckpt`).
    pub path: String,
    /// Exact size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes (hex).
    pub sha256: String,
    /// MIME type.
    pub content_type: Option<String>,
}

/// How the client sends the bytes.
pub enum UploadRoute {
    /// Nothing to send: the same bytes are stored already.
    Present,
    /// One `PUT`.
    Single(Presigned),
    /// Parts of `part_size` bytes (the last may be shorter), each to its own URL.
    Multipart {
        /// Bytes per part.
        part_size: i64,
        /// `(number, size, request)` of each part.
        parts: Vec<(i32, i64, Presigned)>,
    },
}

/// A planned upload.
pub struct Upload {
    /// The artifact (PENDING, or VERIFIED when already present).
    pub artifact: artifact::Model,
    /// What the client does next.
    pub route: UploadRoute,
}

fn check_path(path: &str) -> AppResult<()> {
    let bad = path.is_empty()
        || path.len() > 1024
        || path.starts_with('/')
        || path.contains('\\')
        || path.chars().any(char::is_control)
        || path
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..");
    if bad {
        return Err(AppError::bad_input(
            "input.path",
            "a relative path of 1–1024 bytes: segments separated by '/', none empty, '.' or '..'",
        ));
    }
    Ok(())
}

fn check_sha256(sha: &str) -> AppResult<String> {
    let sha = sha.trim().to_ascii_lowercase();
    if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::bad_input(
            "input.sha256",
            "the SHA-256 of the bytes: 64 hex digits",
        ));
    }
    Ok(sha)
}

/// Where an owner's artifact lives in the bucket (the seed design's layout; the artifact
/// id keeps every upload's object its own).
async fn object_key(
    db: &impl ConnectionTrait,
    ns: &str,
    owner: (NodeType, Uuid),
    artifact: Uuid,
    path: &str,
) -> AppResult<String> {
    let (ty, id) = owner;
    let a = artifact.simple();
    Ok(match ty {
        NodeType::ModelVersion => {
            let v = entity::model_version::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found(format!("ModelVersion {id}")))?;
            format!(
                "models/{ns}/{}/versions/{}/{a}/{path}",
                v.model_id.simple(),
                id.simple()
            )
        }
        NodeType::DatasetVersion => {
            let v = entity::dataset_version::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::not_found(format!("DatasetVersion {id}")))?;
            format!(
                "datasets/{ns}/{}/versions/{}/{a}/{path}",
                v.dataset_id.simple(),
                id.simple()
            )
        }
        NodeType::TrainingJob => format!("training/{ns}/jobs/{}/{a}/{path}", id.simple()),
        NodeType::ExperimentRun => format!("training/{ns}/runs/{}/{a}/{path}", id.simple()),
        other => format!("artifacts/{ns}/{}/{}/{a}/{path}", other.name(), id.simple()),
    })
}

/// The part size for `size` bytes: the preferred one, raised so that no more than 10,000
/// parts are needed, never below S3's 5 MiB.
pub fn part_size_for(size: i64, preferred: i64) -> i64 {
    let needed = (size + MAX_PARTS - 1) / MAX_PARTS;
    preferred.max(needed).max(MIN_PART)
}

fn change(
    action: &'static str,
    before: Option<&artifact::Model>,
    after: Option<&artifact::Model>,
) -> AppResult<Change> {
    Change::of::<artifact::Entity>(action, before, after)
}

/// Plans an upload (see the module). Needs EDITOR on the owner's namespace.
pub async fn create_upload(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    new: NewUpload,
) -> AppResult<Upload> {
    check_path(&new.path)?;
    let sha256 = check_sha256(&new.sha256)?;
    if !(0..=MAX_OBJECT).contains(&new.size) {
        return Err(AppError::bad_input(
            "input.sizeBytes",
            "between 0 and 5 TiB",
        ));
    }
    let content_type = new
        .content_type
        .unwrap_or_else(|| "application/octet-stream".into());
    if content_type.is_empty()
        || content_type.len() > 255
        || content_type.chars().any(char::is_control)
    {
        return Err(AppError::bad_input(
            "input.contentType",
            "a MIME type of at most 255 characters",
        ));
    }
    if matches!(
        new.owner.0,
        NodeType::Artifact | NodeType::Edge | NodeType::Event
    ) {
        return Err(AppError::bad_input(
            "input.ownerId",
            "artifacts belong to registry nodes",
        ));
    }
    let now = Utc::now();
    let id = crate::core::ids::new_id();
    let (row, present) = store::transaction(db, async |txn| {
        let ns = namespace_of(txn, ctx, new.owner.0, new.owner.1, "input.ownerId").await?;
        ctx.scope.check_write(&ns)?;
        let same = crate::core::store::unscoped::<artifact::Entity>()
            .filter(artifact::Column::Ns.eq(ns.as_str()))
            .filter(artifact::Column::Sha256.eq(sha256.as_str()))
            .filter(artifact::Column::SizeBytes.eq(new.size))
            .filter(artifact::Column::Status.eq(ArtifactStatus::Verified))
            .filter(artifact::Column::DeletedAt.is_null())
            .order_by_asc(artifact::Column::CreatedAt)
            .one(txn)
            .await?;
        let (bucket, key, status, verified_at) = match &same {
            Some(s) => (
                s.bucket.clone(),
                s.object_key.clone(),
                ArtifactStatus::Verified,
                Some(now),
            ),
            None => (
                arts.store.bucket().to_owned(),
                object_key(txn, &ns, new.owner, id, &new.path).await?,
                ArtifactStatus::Pending,
                None,
            ),
        };
        let multipart = same.is_none() && new.size > arts.settings.multipart_threshold;
        let part_size = multipart.then(|| part_size_for(new.size, arts.settings.part_size));
        let row = artifact::ActiveModel {
            id: Set(id),
            ns: Set(ns.clone()),
            owner_type: Set(new.owner.0.name().to_owned()),
            owner_id: Set(new.owner.1),
            path: Set(new.path.clone()),
            content_type: Set(content_type.clone()),
            size_bytes: Set(new.size),
            sha256: Set(sha256.clone()),
            bucket: Set(bucket),
            object_key: Set(key),
            status: Set(status),
            failure_reason: Set(None),
            deduplicated: Set(same.is_some()),
            upload_id: Set(None),
            part_size: Set(part_size),
            part_count: Set(
                part_size.map(|p| i32::try_from((new.size + p - 1) / p).unwrap_or(i32::MAX))
            ),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            verified_at: Set(verified_at),
            deleted_at: Set(None),
            object_deleted_at: Set(None),
        };
        let row = store::insert::<artifact::Entity, _>(txn, ctx, row).await?;
        Ok((row, same.is_some()))
    })
    .await?;
    if present {
        return Ok(Upload {
            artifact: row,
            route: UploadRoute::Present,
        });
    }
    let planned = route(db, arts, ctx, &row).await;
    let (row, route) = failed_unless(db, arts, ctx, &row, planned).await?;
    Ok(Upload {
        artifact: row,
        route,
    })
}

/// `result` of asking the store to take an upload of `row`; when the store refused, the
/// row is FAILED first (it must not stay PENDING for an upload that cannot happen).
async fn failed_unless<T>(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    row: &artifact::Model,
    result: AppResult<T>,
) -> AppResult<T> {
    if let Err(e) = &result {
        fail(
            db,
            arts,
            ctx,
            row,
            &format!("the object store refused the upload: {}", e.message()),
        )
        .await?;
    }
    result
}

async fn route(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    row: &artifact::Model,
) -> AppResult<(artifact::Model, UploadRoute)> {
    let ttl = arts.settings.upload_url_ttl;
    let Some(part_size) = row.part_size else {
        let put = arts
            .store
            .presign_put(
                &row.object_key,
                row.size_bytes,
                &row.sha256,
                &row.content_type,
                arts.clock.now(),
                ttl,
            )
            .await?;
        return Ok((row.clone(), UploadRoute::Single(put)));
    };
    let (row, upload_id) = start_multipart(db, arts, ctx, row).await?;
    let mut parts = Vec::new();
    let mut offset = 0i64;
    let mut n = 1i32;
    while offset < row.size_bytes {
        let size = part_size.min(row.size_bytes - offset);
        let url = arts
            .store
            .presign_part(
                &row.object_key,
                &upload_id,
                n,
                Some(size),
                arts.clock.now(),
                ttl,
            )
            .await?;
        parts.push((n, size, url));
        offset += size;
        n += 1;
    }
    Ok((row, UploadRoute::Multipart { part_size, parts }))
}

/// Opens the store's multipart upload of `row`'s object and records its id on the row.
async fn start_multipart(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    row: &artifact::Model,
) -> AppResult<(artifact::Model, String)> {
    let upload_id = arts
        .store
        .create_multipart(&row.object_key, &row.content_type)
        .await?;
    let row = store::transaction(db, async |txn| {
        let mut a = row.clone().into_active_model();
        a.upload_id = Set(Some(upload_id.clone()));
        a.updated_at = Set(Utc::now());
        store::update::<artifact::Entity, _>(txn, ctx, row, a, "MULTIPART_STARTED").await
    })
    .await?;
    Ok((row, upload_id))
}

/// Records a failure: the object is deleted, the artifact FAILED with `reason`.
async fn fail(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    row: &artifact::Model,
    reason: &str,
) -> AppResult<artifact::Model> {
    if let Some(upload) = &row.upload_id {
        arts.store
            .abort_multipart(&row.object_key, upload)
            .await
            .ok();
    }
    let shared = shares_object(db, row).await?;
    if !shared {
        arts.store.delete(&row.object_key).await?;
    }
    let now = Utc::now();
    store::transaction(db, async |txn| {
        let mut a = row.clone().into_active_model();
        a.status = Set(ArtifactStatus::Failed);
        a.failure_reason = Set(Some(reason.to_owned()));
        a.object_deleted_at = Set(Some(now));
        a.updated_at = Set(now);
        store::update::<artifact::Entity, _>(txn, ctx, row, a, "FAILED").await
    })
    .await
}

/// Whether another live artifact uses the same object.
async fn shares_object(db: &impl ConnectionTrait, row: &artifact::Model) -> AppResult<bool> {
    Ok(crate::core::store::unscoped::<artifact::Entity>()
        .filter(artifact::Column::Bucket.eq(row.bucket.as_str()))
        .filter(artifact::Column::ObjectKey.eq(row.object_key.as_str()))
        .filter(artifact::Column::Id.ne(row.id))
        .filter(artifact::Column::DeletedAt.is_null())
        .filter(artifact::Column::Status.ne(ArtifactStatus::Failed))
        .count(db)
        .await?
        > 0)
}

/// Moves `row` from `from` to the changes `edit` makes, only if it is still in `from`
/// (a concurrent completion or abort wins once).
async fn transition(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    row: &artifact::Model,
    from: ArtifactStatus,
    action: &'static str,
    edit: impl FnOnce(&mut artifact::ActiveModel),
) -> AppResult<artifact::Model> {
    store::transaction(db, async |txn| {
        let current = store::lock::<artifact::Entity>(txn, ctx, row.id).await?;
        if current.status != from || current.deleted_at.is_some() {
            return Err(AppError::InvalidTransition {
                from: current.status.as_str().to_owned(),
                to: action.to_owned(),
            });
        }
        let mut a = current.clone().into_active_model();
        edit(&mut a);
        a.updated_at = Set(Utc::now());
        store::update::<artifact::Entity, _>(txn, ctx, &current, a, action).await
    })
    .await
}

/// The SHA-256 an undeclared upload carries until it is completed (64 zeros: no file has
/// it; the size is 0 meanwhile).
pub const UNDECLARED: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Plans an upload whose size and hash the client does not declare — MLflow's multipart
/// upload, which names only the file and how many parts it sends: a PENDING artifact
/// (size 0, hash [`UNDECLARED`]) with `parts` part URLs of any size. Completed by
/// [`complete_undeclared`], which reads the joined object back for its size and SHA-256;
/// abandoned by [`abort_upload`]. Needs EDITOR on the owner's namespace.
pub async fn open_upload(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    owner: (NodeType, Uuid),
    path: &str,
    content_type: &str,
    parts: i32,
) -> AppResult<(artifact::Model, Vec<Presigned>)> {
    check_path(path)?;
    if !(1..=MAX_PARTS).contains(&i64::from(parts)) {
        return Err(AppError::bad_input(
            "num_parts",
            format!("between 1 and {MAX_PARTS}"),
        ));
    }
    let now = Utc::now();
    let id = crate::core::ids::new_id();
    let row = store::transaction(db, async |txn| {
        let ns = namespace_of(txn, ctx, owner.0, owner.1, "owner").await?;
        ctx.scope.check_write(&ns)?;
        let row = artifact::ActiveModel {
            id: Set(id),
            ns: Set(ns.clone()),
            owner_type: Set(owner.0.name().to_owned()),
            owner_id: Set(owner.1),
            path: Set(path.to_owned()),
            content_type: Set(content_type.to_owned()),
            size_bytes: Set(0),
            sha256: Set(UNDECLARED.to_owned()),
            bucket: Set(arts.store.bucket().to_owned()),
            object_key: Set(object_key(txn, &ns, owner, id, path).await?),
            status: Set(ArtifactStatus::Pending),
            failure_reason: Set(None),
            deduplicated: Set(false),
            upload_id: Set(None),
            part_size: Set(None),
            part_count: Set(Some(parts)),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            verified_at: Set(None),
            deleted_at: Set(None),
            object_deleted_at: Set(None),
        };
        store::insert::<artifact::Entity, _>(txn, ctx, row).await
    })
    .await?;
    let started = async {
        let (row, upload_id) = start_multipart(db, arts, ctx, &row).await?;
        let ttl = arts.settings.upload_url_ttl;
        let mut urls = Vec::new();
        for n in 1..=parts {
            urls.push(
                arts.store
                    .presign_part(&row.object_key, &upload_id, n, None, arts.clock.now(), ttl)
                    .await?,
            );
        }
        Ok::<_, AppError>((row, urls))
    }
    .await;
    failed_unless(db, arts, ctx, &row, started).await
}

/// Completes an upload planned by [`open_upload`]: joins the parts the store holds (all
/// of 1 to the number planned, or `BAD_USER_INPUT` naming the missing ones), then reads
/// the object back for its size and SHA-256 (hashed off the runtime, in constant memory)
/// and marks it VERIFIED. Completing a VERIFIED artifact again answers it as it is.
pub async fn complete_undeclared(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<artifact::Model> {
    let row = store::get::<artifact::Entity>(db, ctx, id).await?;
    ctx.scope.check_write(&row.ns)?;
    if row.status == ArtifactStatus::Verified && row.deleted_at.is_none() {
        return Ok(row);
    }
    let (Some(upload), ArtifactStatus::Pending, true) =
        (row.upload_id.clone(), row.status, row.sha256 == UNDECLARED)
    else {
        return Err(AppError::InvalidTransition {
            from: row.status.as_str().to_owned(),
            to: "VERIFIED".into(),
        });
    };
    join_parts(arts, &row, &upload, None).await?;
    let (size, sha256) = arts.store.hash_object(&row.object_key).await?;
    crate::telemetry::metrics::artifact_bytes("in", size);
    transition(db, ctx, &row, ArtifactStatus::Pending, "VERIFIED", |a| {
        a.size_bytes = Set(i64::try_from(size).unwrap_or(i64::MAX));
        a.sha256 = Set(sha256);
        a.status = Set(ArtifactStatus::Verified);
        a.verified_at = Set(Some(Utc::now()));
    })
    .await
}

/// Joins an upload's parts into its object: those given, else those the store holds —
/// all of 1 to the number planned, or `BAD_USER_INPUT` naming what the store has.
async fn join_parts(
    arts: &Artifacts,
    row: &artifact::Model,
    upload: &str,
    parts: Option<Vec<UploadedPart>>,
) -> AppResult<()> {
    let parts = match parts {
        Some(p) if !p.is_empty() => p,
        _ => arts.store.list_parts(&row.object_key, upload).await?,
    };
    let expected = row.part_count.unwrap_or(0);
    let numbers: Vec<i32> = parts.iter().map(|p| p.number).collect();
    if numbers != (1..=expected).collect::<Vec<_>>() {
        return Err(AppError::bad_input(
            "parts",
            format!(
                "expected parts 1 to {expected}, the store holds {numbers:?}: upload the missing ones first"
            ),
        ));
    }
    arts.store
        .complete_multipart(&row.object_key, upload, &parts)
        .await
}

/// Completes an upload: joins the parts (those given, else those the store holds), then
/// verifies size and SHA-256. Answers the artifact VERIFIED, or FAILED with the reason
/// (its object deleted). Completing a VERIFIED artifact again answers it as it is.
pub async fn complete_upload(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    id: Uuid,
    parts: Option<Vec<UploadedPart>>,
) -> AppResult<artifact::Model> {
    let row = store::get::<artifact::Entity>(db, ctx, id).await?;
    ctx.scope.check_write(&row.ns)?;
    if row.status == ArtifactStatus::Verified && row.deleted_at.is_none() {
        return Ok(row);
    }
    if let Some(upload) = row
        .upload_id
        .clone()
        .filter(|_| row.status == ArtifactStatus::Pending)
    {
        join_parts(arts, &row, &upload, parts).await?;
    }
    let row = if row.status == ArtifactStatus::Pending {
        transition(db, ctx, &row, ArtifactStatus::Pending, "UPLOADED", |a| {
            a.status = Set(ArtifactStatus::Uploaded);
        })
        .await?
    } else {
        row
    };
    if row.status != ArtifactStatus::Uploaded {
        return Err(AppError::InvalidTransition {
            from: row.status.as_str().to_owned(),
            to: "VERIFIED".into(),
        });
    }
    match verify(arts, &row).await? {
        Ok(()) => {
            crate::telemetry::metrics::artifact_bytes(
                "in",
                u64::try_from(row.size_bytes).unwrap_or(0),
            );
            transition(db, ctx, &row, ArtifactStatus::Uploaded, "VERIFIED", |a| {
                a.status = Set(ArtifactStatus::Verified);
                a.verified_at = Set(Some(Utc::now()));
            })
            .await
        }
        Err(reason) => fail(db, arts, ctx, &row, &reason).await,
    }
}

/// `Ok(Err(reason))` when the object is missing or differs from what was declared.
async fn verify(arts: &Artifacts, row: &artifact::Model) -> AppResult<Result<(), String>> {
    let Some(info) = arts.store.head(&row.object_key).await? else {
        return Ok(Err("no object was uploaded".into()));
    };
    if info.size != row.size_bytes {
        return Ok(Err(format!(
            "size mismatch: declared {} bytes, stored {}",
            row.size_bytes, info.size
        )));
    }
    let stored = match info.sha256 {
        Some(s) => s,
        None => arts.store.hash_object(&row.object_key).await?.1,
    };
    if stored != row.sha256 {
        return Ok(Err(format!(
            "SHA-256 mismatch: declared {}, stored {stored}",
            row.sha256
        )));
    }
    Ok(Ok(()))
}

/// Abandons an upload: its parts and object are deleted, the artifact FAILED ("aborted").
pub async fn abort_upload(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<artifact::Model> {
    let row = store::get::<artifact::Entity>(db, ctx, id).await?;
    ctx.scope.check_write(&row.ns)?;
    if !matches!(
        row.status,
        ArtifactStatus::Pending | ArtifactStatus::Uploaded
    ) {
        return Err(AppError::InvalidTransition {
            from: row.status.as_str().to_owned(),
            to: "ABORTED".into(),
        });
    }
    fail(db, arts, ctx, &row, "aborted").await
}

/// Deletes an artifact (its object goes with the next sweep unless another artifact
/// shares it). Refused for a model version that is deployed or in PRODUCTION.
pub async fn delete_artifact(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<artifact::Model> {
    store::transaction(db, async |txn| {
        let row = store::lock::<artifact::Entity>(txn, ctx, id).await?;
        if row.deleted_at.is_some() {
            return Err(AppError::not_found(format!("Artifact {id}")));
        }
        if row.owner_type == NodeType::ModelVersion.name() {
            let version = entity::model_version::Entity::find_by_id(row.owner_id)
                .one(txn)
                .await?;
            let deployed = crate::core::store::unscoped::<entity::deployment::Entity>()
                .filter(entity::deployment::Column::ModelVersionId.eq(row.owner_id))
                .count(txn)
                .await?
                > 0;
            if deployed || version.is_some_and(|v| v.stage == ModelStage::Production) {
                return Err(AppError::conflict(
                    None,
                    "the model version is deployed or in PRODUCTION: its artifacts stay",
                ));
            }
        }
        let mut a = row.clone().into_active_model();
        a.deleted_at = Set(Some(Utc::now()));
        a.updated_at = Set(Utc::now());
        store::update::<artifact::Entity, _>(txn, ctx, &row, a, "DELETE").await
    })
    .await
}

/// Marks the live artifacts of `owner` deleted (inside the owner's deletion).
pub async fn owner_deleted(
    txn: &impl ConnectionTrait,
    ctx: &RequestContext,
    owner: Uuid,
) -> AppResult<()> {
    let rows = crate::core::store::unscoped::<artifact::Entity>()
        .filter(artifact::Column::OwnerId.eq(owner))
        .filter(artifact::Column::DeletedAt.is_null())
        .all(txn)
        .await?;
    let now = Utc::now();
    for row in rows {
        mark_deleted(txn, ctx, &row, now).await?;
    }
    Ok(())
}

/// Marks one artifact deleted at `now`, with its `DELETE` event (its object goes with the
/// next sweep).
async fn mark_deleted(
    txn: &impl ConnectionTrait,
    ctx: &RequestContext,
    row: &artifact::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut a = row.clone().into_active_model();
    a.deleted_at = Set(Some(now));
    a.updated_at = Set(now);
    let after = a.update(txn).await?;
    record_event(txn, ctx, change("DELETE", Some(row), Some(&after))?).await?;
    Ok(())
}

/// A download URL for a VERIFIED artifact, valid `expires` (1 second to 1 hour).
pub async fn download_url(
    arts: &Artifacts,
    row: &artifact::Model,
    expires_in_seconds: i32,
) -> AppResult<Presigned> {
    if !(1..=3600).contains(&expires_in_seconds) {
        return Err(AppError::bad_input(
            "expiresInSeconds",
            "between 1 and 3600",
        ));
    }
    if row.status != ArtifactStatus::Verified || row.deleted_at.is_some() {
        return Err(AppError::conflict(
            None,
            format!(
                "artifact {} is {}: nothing to download",
                row.id,
                if row.deleted_at.is_some() {
                    "DELETED"
                } else {
                    row.status.as_str()
                }
            ),
        ));
    }
    let file_name = row.path.rsplit('/').next().unwrap_or(&row.path);
    arts.store
        .presign_get(
            &row.object_key,
            &row.content_type,
            file_name,
            arts.clock.now(),
            Duration::from_secs(u64::try_from(expires_in_seconds).unwrap_or(900)),
        )
        .await
}

/// What the server itself stores as an artifact.
pub enum Contents<'a> {
    /// Bytes in memory.
    Bytes(Vec<u8>),
    /// A file on disk, of `size` bytes with SHA-256 `sha256` (hex), read a part at a time.
    File {
        /// Where it is.
        path: &'a std::path::Path,
        /// Its size.
        size: i64,
        /// Its SHA-256 (hex).
        sha256: String,
    },
}

/// Stores `bytes` as an artifact of `owner` from the server itself (no client upload):
/// planned, written and verified like any other.
pub async fn put_small(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    owner: (NodeType, Uuid),
    path: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> AppResult<artifact::Model> {
    put(
        db,
        arts,
        ctx,
        owner,
        path,
        content_type,
        Contents::Bytes(bytes),
    )
    .await
}

/// Stores `contents` as an artifact of `owner` from the server itself: planned like a
/// client's upload (deduplicated by SHA-256, one request or parts past the multipart
/// threshold), sent by the server, then verified like any other.
pub async fn put(
    db: &DatabaseConnection,
    arts: &Artifacts,
    ctx: &RequestContext,
    owner: (NodeType, Uuid),
    path: &str,
    content_type: &str,
    contents: Contents<'_>,
) -> AppResult<artifact::Model> {
    use tokio::io::AsyncReadExt;
    let (size, sha256) = match &contents {
        Contents::Bytes(b) => {
            use sha2::Digest;
            (
                i64::try_from(b.len()).unwrap_or(i64::MAX),
                hex::encode(sha2::Sha256::digest(b)),
            )
        }
        Contents::File { size, sha256, .. } => (*size, sha256.clone()),
    };
    let planned = create_upload(
        db,
        arts,
        ctx,
        NewUpload {
            owner,
            path: path.to_owned(),
            size,
            sha256: sha256.clone(),
            content_type: Some(content_type.to_owned()),
        },
    )
    .await?;
    let key = planned.artifact.object_key.clone();
    match (planned.route, contents) {
        (UploadRoute::Present, _) => return Ok(planned.artifact),
        (UploadRoute::Single(_), Contents::Bytes(b)) => {
            arts.store.put_small(&key, b, &sha256).await?;
        }
        (UploadRoute::Single(_), Contents::File { path, .. }) => {
            arts.store.put_path(&key, path, &sha256).await?;
        }
        (UploadRoute::Multipart { parts, .. }, contents) => {
            let upload_id =
                planned.artifact.upload_id.clone().ok_or_else(|| {
                    AppError::Internal("a multipart route without an upload".into())
                })?;
            let mut file = match &contents {
                Contents::File { path, .. } => Some(
                    tokio::fs::File::open(path)
                        .await
                        .map_err(|e| AppError::Internal(format!("open {}: {e}", path.display())))?,
                ),
                Contents::Bytes(_) => None,
            };
            let mut offset = 0usize;
            for (n, part_size, _) in parts {
                let len = usize::try_from(part_size).unwrap_or(0);
                let bytes = match (&contents, file.as_mut()) {
                    (Contents::Bytes(b), _) => bytes::Bytes::copy_from_slice(
                        b.get(offset..offset + len).unwrap_or_default(),
                    ),
                    (_, Some(f)) => {
                        // Parts are read in order: the file's position is the part's offset.
                        let mut buf = vec![0u8; len];
                        f.read_exact(&mut buf)
                            .await
                            .map_err(|e| AppError::Internal(format!("read part {n}: {e}")))?;
                        bytes::Bytes::from(buf)
                    }
                    _ => bytes::Bytes::new(),
                };
                arts.store.put_part(&key, &upload_id, n, bytes).await?;
                offset += len;
            }
        }
    }
    complete_upload(db, arts, ctx, planned.artifact.id, None).await
}

/// Gives `owner` a verified artifact at `path` holding the same stored object as `from`
/// (no bytes move: the object is shared, as deduplicated uploads share theirs), inside
/// the caller's transaction.
pub async fn share(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    owner: (NodeType, Uuid),
    from: &artifact::Model,
    path: &str,
) -> AppResult<artifact::Model> {
    check_path(path)?;
    let ns = namespace_of(txn, ctx, owner.0, owner.1, "ownerId").await?;
    ctx.scope.check_write(&ns)?;
    if ns != from.ns {
        return Err(AppError::bad_input(
            "ownerId",
            "an artifact is shared within its namespace only",
        ));
    }
    let now = Utc::now();
    let row = artifact::ActiveModel {
        id: Set(crate::core::ids::new_id()),
        ns: Set(ns),
        owner_type: Set(owner.0.name().to_owned()),
        owner_id: Set(owner.1),
        path: Set(path.to_owned()),
        content_type: Set(from.content_type.clone()),
        size_bytes: Set(from.size_bytes),
        sha256: Set(from.sha256.clone()),
        bucket: Set(from.bucket.clone()),
        object_key: Set(from.object_key.clone()),
        status: Set(ArtifactStatus::Verified),
        failure_reason: Set(None),
        deduplicated: Set(true),
        upload_id: Set(None),
        part_size: Set(None),
        part_count: Set(None),
        created_by: Set(ctx.actor.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        verified_at: Set(Some(now)),
        deleted_at: Set(None),
        object_deleted_at: Set(None),
    };
    store::insert::<artifact::Entity, _>(txn, ctx, row).await
}

/// The live artifacts (VERIFIED, not deleted) of `owner` at `path` or under `path/`
/// (all of them for an empty path), by path, as far as the caller may see them.
pub async fn live_under(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    owner: Uuid,
    path: &str,
) -> AppResult<Vec<artifact::Model>> {
    let path = path.trim_matches('/');
    let rows = crate::core::store::scoped::<artifact::Entity>(ctx)
        .filter(artifact::Column::OwnerId.eq(owner))
        .filter(artifact::Column::Status.eq(ArtifactStatus::Verified))
        .filter(artifact::Column::DeletedAt.is_null())
        .order_by_asc(artifact::Column::Path)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|a| {
            path.is_empty()
                || a.path == path
                || a.path
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .collect())
}

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// Artifacts whose owner is gone, marked deleted.
    pub orphaned: usize,
    /// PENDING uploads past their TTL, failed.
    pub expired: usize,
    /// Objects deleted from the store.
    pub objects_deleted: usize,
}

/// One sweep (any number of instances may run it at once: rows are claimed with
/// `SKIP LOCKED` on PostgreSQL).
pub async fn sweep(
    db: &DatabaseConnection,
    arts: &Artifacts,
    now: DateTime<Utc>,
) -> AppResult<SweepReport> {
    let ctx = RequestContext {
        actor: Some("mlgraph:artifact-sweeper".into()),
        ..RequestContext::default()
    };
    let mut report = SweepReport::default();
    // Owners deleted by a cascade (a model's versions) leave their artifacts behind.
    for &ty in NodeType::ALL {
        if matches!(ty, NodeType::Artifact | NodeType::Edge | NodeType::Event) {
            continue;
        }
        let orphans = crate::core::store::unscoped::<artifact::Entity>()
            .filter(artifact::Column::OwnerType.eq(ty.name()))
            .filter(artifact::Column::DeletedAt.is_null())
            .filter(Expr::cust(format!(
                "NOT EXISTS (SELECT 1 FROM {} o WHERE o.id = artifacts.owner_id)",
                ty.table()
            )))
            .limit(500)
            .all(db)
            .await?;
        for row in orphans {
            store::transaction(db, async |txn| mark_deleted(txn, &ctx, &row, now).await).await?;
            report.orphaned += 1;
        }
    }
    // Uploads never completed.
    let cutoff = now - chrono::Duration::from_std(arts.settings.pending_ttl).unwrap_or_default();
    let stale = crate::core::store::unscoped::<artifact::Entity>()
        .filter(artifact::Column::Status.is_in([ArtifactStatus::Pending, ArtifactStatus::Uploaded]))
        .filter(artifact::Column::CreatedAt.lt(cutoff))
        .limit(500)
        .all(db)
        .await?;
    for row in stale {
        if fail(db, arts, &ctx, &row, "the upload was not completed in time")
            .await
            .is_ok()
        {
            report.expired += 1;
        }
    }
    // Objects of deleted artifacts, once no live artifact shares them.
    loop {
        let batch = store::transaction(db, async |txn| {
            let mut q = crate::core::store::unscoped::<artifact::Entity>()
                .filter(artifact::Column::DeletedAt.is_not_null())
                .filter(artifact::Column::ObjectDeletedAt.is_null())
                .order_by_asc(artifact::Column::DeletedAt)
                .limit(100);
            if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
                q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
            }
            let rows = q.all(txn).await?;
            let mut deleted = 0;
            for row in &rows {
                if !shares_object(txn, row).await? {
                    if let Some(upload) = &row.upload_id {
                        arts.store
                            .abort_multipart(&row.object_key, upload)
                            .await
                            .ok();
                    }
                    arts.store.delete(&row.object_key).await?;
                    deleted += 1;
                }
                artifact::Entity::update_many()
                    .col_expr(artifact::Column::ObjectDeletedAt, Expr::value(now))
                    .filter(artifact::Column::Id.eq(row.id))
                    .exec(txn)
                    .await?;
            }
            Ok((rows.len(), deleted))
        })
        .await?;
        report.objects_deleted += batch.1;
        if batch.0 < 100 {
            break;
        }
    }
    Ok(report)
}

/// Runs [`sweep`] every `every` (like the heartbeat monitor: every instance may).
pub fn spawn_sweeper(db: DatabaseConnection, arts: std::sync::Arc<Artifacts>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sweep(&db, &arts, Utc::now()).await {
                Ok(r) if r != SweepReport::default() => tracing::info!(?r, "artifact sweep"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "artifact sweep failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_sizes_stay_inside_s3_limits() {
        assert_eq!(
            part_size_for(100 * 1024 * 1024, 16 * 1024 * 1024),
            16 * 1024 * 1024
        );
        assert_eq!(part_size_for(1024, 1024), MIN_PART);
        let huge = MAX_OBJECT;
        let p = part_size_for(huge, 16 * 1024 * 1024);
        assert!((huge + p - 1) / p <= MAX_PARTS);
    }

    #[test]
    fn paths_are_relative_and_clean() {
        for ok in ["model.pkl", "checkpoints/epoch_002.ckpt", "a b/c"] {
            assert!(check_path(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/abs", "a//b", "../x", "a/./b", "a\\b", "a\nb"] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
    }
}

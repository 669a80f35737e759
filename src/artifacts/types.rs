//! GraphQL types of artifacts: the artifact node, presigned requests and uploads, and the
//! inputs of its mutations.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::artifact;

use super::service::{Artifacts, UploadRoute};
use super::{service, store};
use crate::core::ids::NodeType;
use crate::core::paging::PageArgs;
use crate::enums::{ArtifactStatus, ArtifactStatusFilter};
use crate::error::AppError;
use crate::gql::api::data;
use crate::gql::connection::Conn;
use crate::gql::filter::{IdFilter, cond_of};
use crate::graph::{Artifact, Node, load_node};

pub(crate) fn artifacts_of<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Artifacts>, AppError> {
    data::<crate::AppState>(ctx)?
        .artifacts
        .as_ref()
        .ok_or_else(|| {
            AppError::bad_input("ownerId", "this server has no artifact store configured")
        })
}

crate::gql::declare::node_type! {
    /// The fields of an [`Artifact`] of its own.
    artifact => ArtifactFields, list ArtifactFilter, ArtifactOrder of "artifacts";
    columns {
        /// Namespace (the owner's).
        ns: Str filter,
        /// Its logical path (`model.pkl`, `checkpoints/epoch_002.ckpt`).
        path: Str filter order,
        /// MIME type.
        content_type: Str,
        /// Size in bytes.
        size_bytes: Copy(i64) filter order,
        /// SHA-256 of its bytes (hex).
        sha256: Str filter,
        /// The bucket (`local` for the directory store).
        bucket: Str,
        /// The object key.
        key: Str = object_key,
        /// PENDING → UPLOADED → VERIFIED | FAILED.
        status: Enum(ArtifactStatus) filter,
        /// Why it FAILED.
        failure_reason: OptStr,
        /// Whether it shares the object of an earlier upload of the same bytes.
        deduplicated: Copy(bool),
        /// Who created it.
        created_by: OptStr,
        /// When.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
        /// When its bytes were verified.
        verified_at: OptTime,
        /// When it was deleted (null while it lives; filter with `isNull: false` for deleted ones).
        deleted_at: OptTime filter,
    }
    filter_columns {
        /// Its owner.
        owner: IdFilter => OwnerId,
    }
    resolvers {
        /// The node it belongs to (null when that node is gone or outside your scope).
        async fn owner(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
            match NodeType::from_name(&self.0.owner_type) {
                Some(t) => load_node(ctx, t, self.0.owner_id).await,
                None => Ok(None),
            }
        }
        /// A presigned download URL (VERIFIED artifacts), valid for `expiresInSeconds`
        /// (at most an hour).
        async fn download_url(
            &self,
            ctx: &Context<'_>,
            #[graphql(default = 900)] expires_in_seconds: i32,
        ) -> Result<String> {
            let arts = artifacts_of(ctx)?;
            Ok(service::download_url(arts, &self.0, expires_in_seconds)
                .await?
                .url)
        }
    }
}

/// A request the client sends itself.
#[derive(SimpleObject)]
pub struct PresignedRequest {
    /// `PUT` or `GET`.
    pub method: String,
    /// The URL.
    pub url: String,
    /// Headers to send exactly as given.
    pub headers: Vec<Header>,
    /// When the URL stops working.
    pub expires_at: DateTime<Utc>,
}

/// An HTTP header.
#[derive(SimpleObject)]
pub struct Header {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

impl From<store::Presigned> for PresignedRequest {
    fn from(p: store::Presigned) -> Self {
        PresignedRequest {
            method: p.method,
            url: p.url,
            headers: p
                .headers
                .into_iter()
                .map(|(name, value)| Header { name, value })
                .collect(),
            expires_at: p.expires_at,
        }
    }
}

/// One part of a multipart upload.
#[derive(SimpleObject)]
pub struct UploadPart {
    /// 1-based.
    pub part_number: i32,
    /// Byte offset of the part in the file.
    pub offset: i64,
    /// Its size in bytes.
    pub size_bytes: i64,
    /// Where to `PUT` it.
    pub request: PresignedRequest,
}

/// A planned upload.
#[derive(SimpleObject)]
pub struct ArtifactUpload {
    /// The artifact (PENDING, or VERIFIED when already present).
    pub artifact: Artifact,
    /// True when the same bytes are stored already: nothing to upload.
    pub already_present: bool,
    /// The single `PUT` (files up to the multipart threshold).
    pub upload: Option<PresignedRequest>,
    /// Bytes per part (multipart uploads).
    pub part_size: Option<i64>,
    /// The parts, each to `PUT` to its URL; then `completeArtifactUpload`.
    pub parts: Vec<UploadPart>,
}

impl From<service::Upload> for ArtifactUpload {
    fn from(up: service::Upload) -> Self {
        let (already_present, upload, part_size, parts) = match up.route {
            UploadRoute::Present => (true, None, None, Vec::new()),
            UploadRoute::Single(p) => (false, Some(p.into()), None, Vec::new()),
            UploadRoute::Multipart { part_size, parts } => (
                false,
                None,
                Some(part_size),
                parts
                    .into_iter()
                    .map(|(n, size, p)| UploadPart {
                        part_number: n,
                        offset: i64::from(n - 1) * part_size,
                        size_bytes: size,
                        request: p.into(),
                    })
                    .collect(),
            ),
        };
        ArtifactUpload {
            artifact: Artifact::from(up.artifact),
            already_present,
            upload,
            part_size,
            parts,
        }
    }
}

/// An artifact to upload.
#[derive(InputObject)]
pub struct CreateArtifactUploadInput {
    /// The node it belongs to (a model version, dataset version, training job, run, ...).
    pub owner_id: ID,
    /// Its logical path, e.g. `model.pkl` or `checkpoints/epoch_002.ckpt`.
    pub path: String,
    /// Exact size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the bytes, hex: the store refuses other bytes, and the server checks.
    pub sha256: String,
    /// MIME type (default `application/octet-stream`).
    pub content_type: Option<String>,
}

/// A part the client uploaded.
#[derive(InputObject)]
pub struct CompletedPartInput {
    /// 1-based.
    pub part_number: i32,
    /// The `ETag` the store answered.
    pub etag: String,
}

/// The filter's condition, plus "not deleted" unless it says something about deletion.
pub fn live_unless_asked(filter: &Option<ArtifactFilter>) -> Result<sea_orm::Condition> {
    use sea_orm::ColumnTrait;
    let cond = cond_of(filter)?;
    let asks = filter.as_ref().is_some_and(|f| f.deleted_at.is_some());
    Ok(if asks {
        cond
    } else {
        cond.add(artifact::Column::DeletedAt.is_null())
    })
}

/// The newest VERIFIED file of `owner` whose path starts with `prefix` (batched like
/// [`owned`]: one statement for every owner of a level).
pub async fn owned_file(
    ctx: &Context<'_>,
    owner: uuid::Uuid,
    prefix: &str,
) -> Result<Option<Artifact>> {
    let filter = ArtifactFilter {
        path: Some(crate::gql::filter::StringFilter {
            starts_with: Some(prefix.to_owned()),
            ..Default::default()
        }),
        status: Some(ArtifactStatusFilter {
            eq: Some(ArtifactStatus::Verified),
            ..Default::default()
        }),
        ..Default::default()
    };
    let newest = ArtifactOrder {
        field: ArtifactOrderField::CreatedAt,
        direction: crate::gql::filter::OrderDirection::Desc,
    };
    let page = owned(
        ctx,
        owner,
        Some(filter),
        Some(vec![newest]),
        PageArgs::new(Some(1), None, None, None, None),
    )
    .await?;
    Ok(page.edges.into_iter().next().map(|e| e.node))
}

/// The live artifacts of `owner` as a connection (batched across owners).
pub async fn owned(
    ctx: &Context<'_>,
    owner: uuid::Uuid,
    filter: Option<ArtifactFilter>,
    order_by: Option<Vec<ArtifactOrder>>,
    page: PageArgs,
) -> Result<Conn<Artifact>> {
    crate::gql::api::child_list::<crate::relations::OwnedArtifacts, _>(
        ctx,
        owner,
        live_unless_asked(&filter),
        crate::gql::api::fingerprint(&[&filter, &order_by]),
        ArtifactOrder::keys(order_by.as_deref()),
        page,
        Artifact::from,
    )
    .await
}

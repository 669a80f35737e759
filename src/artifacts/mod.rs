//! Artifacts: files of registry nodes in an object store (S3, or a local directory that
//! mlgraph serves), uploaded and downloaded by clients through presigned URLs, verified
//! by SHA-256, deduplicated per namespace, and never orphaned (see `service`).

pub mod local;
pub mod service;
pub mod store;
mod types;

pub use types::*;

use async_graphql::{Context, ID, Object, Result};
use entity::artifact;

use crate::core::ids::{NodeType, decode_any, decode_as};
use crate::core::paging::PageArgs;
use crate::gql::api::{deps, top_list};
use crate::gql::connection::Conn;
use crate::graph::Artifact;

/// Artifact queries.
#[derive(Default)]
pub struct ArtifactQuery;

#[Object]
impl ArtifactQuery {
    /// An artifact by id.
    async fn artifact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(
            name = "asOf",
            desc = "As it was at this instant (nested fields inherit it)."
        )]
        _as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Artifact> {
        let d = crate::gql::api::deps(ctx)?;
        let id = decode_as(&id, NodeType::Artifact, "id")?;
        Ok(Artifact::from(
            crate::core::store::get::<artifact::Entity>(&d.db, d.rc, id).await?,
        ))
    }
    /// Artifacts, filtered and ordered (deleted ones only when the filter asks).
    #[expect(clippy::too_many_arguments)]
    async fn artifacts(
        &self,
        ctx: &Context<'_>,
        filter: Option<ArtifactFilter>,
        order_by: Option<Vec<ArtifactOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
        #[graphql(
            name = "asOf",
            desc = "As it was at this instant (nested fields inherit it)."
        )]
        _as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Conn<Artifact>> {
        top_list::<artifact::Entity, _>(
            ctx,
            live_unless_asked(&filter),
            ArtifactOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            Artifact::from,
        )
        .await
    }
}

/// Artifact mutations.
#[derive(Default)]
pub struct ArtifactMutation;

#[Object]
impl ArtifactMutation {
    /// Plans an upload: nothing to send when the same bytes are already stored in the
    /// namespace (`alreadyPresent`), else one presigned `PUT` or presigned parts. Send the
    /// bytes, then call `completeArtifactUpload`.
    async fn create_artifact_upload(
        &self,
        ctx: &Context<'_>,
        input: CreateArtifactUploadInput,
    ) -> Result<ArtifactUpload> {
        let d = deps(ctx)?;
        let arts = artifacts_of(ctx)?;
        let owner = decode_any(&input.owner_id, "input.ownerId")?;
        let up = service::create_upload(
            &d.state.db,
            arts,
            d.rc,
            service::NewUpload {
                owner,
                path: input.path,
                size: input.size_bytes,
                sha256: input.sha256,
                content_type: input.content_type,
            },
        )
        .await?;
        Ok(ArtifactUpload::from(up))
    }

    /// Completes an upload and verifies it: the artifact comes back VERIFIED, or FAILED
    /// with the reason (its object deleted). `parts` (part numbers and ETags) may be
    /// left out: the server asks the store.
    async fn complete_artifact_upload(
        &self,
        ctx: &Context<'_>,
        id: ID,
        parts: Option<Vec<CompletedPartInput>>,
    ) -> Result<Artifact> {
        let d = deps(ctx)?;
        let arts = artifacts_of(ctx)?;
        let id = decode_as(&id, NodeType::Artifact, "id")?;
        let parts = parts.map(|ps| {
            ps.into_iter()
                .map(|p| store::UploadedPart {
                    number: p.part_number,
                    etag: p.etag,
                })
                .collect()
        });
        Ok(Artifact::from(
            service::complete_upload(&d.state.db, arts, d.rc, id, parts).await?,
        ))
    }

    /// Abandons an upload (its parts and object are deleted; the artifact FAILED).
    async fn abort_artifact_upload(&self, ctx: &Context<'_>, id: ID) -> Result<Artifact> {
        let d = deps(ctx)?;
        let arts = artifacts_of(ctx)?;
        let id = decode_as(&id, NodeType::Artifact, "id")?;
        Ok(Artifact::from(
            service::abort_upload(&d.state.db, arts, d.rc, id).await?,
        ))
    }

    /// Deletes an artifact; its object is removed by the sweeper once no other artifact
    /// shares it. Refused (`CONFLICT`) for a model version that is deployed or in
    /// PRODUCTION.
    async fn delete_artifact(&self, ctx: &Context<'_>, id: ID) -> Result<Artifact> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::Artifact, "id")?;
        Ok(Artifact::from(
            service::delete_artifact(&d.state.db, d.rc, id).await?,
        ))
    }
}

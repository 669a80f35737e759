//! Datasets and their immutable, server-numbered versions.

pub mod commands;
pub mod service;
mod types;

use async_graphql::{Context, ID, Object, Result};
use entity::{dataset, dataset_version};

pub use types::*;

use crate::core::ids::{NodeType, decode_as};
use crate::gql::api::deps;
use crate::graph::{Dataset, DatasetVersion};

crate::gql::declare::query_object! {
    /// Dataset queries.
    DataQuery;
    by_id {
        /// A dataset version by id.
        dataset_version: DatasetVersion,
    }
    by_id_or_name {
        /// A dataset by id, or by namespace and name.
        dataset: Dataset,
    }
    lists {
        /// Datasets, filtered and ordered.
        datasets: Dataset,
        /// Dataset versions across datasets, filtered and ordered.
        dataset_versions: DatasetVersion,
    }
    resolvers {
    }
}

/// Dataset mutations.
#[derive(Default)]
pub struct DataMutation;

#[Object]
impl DataMutation {
    /// Creates a dataset.
    async fn create_dataset(
        &self,
        ctx: &Context<'_>,
        input: CreateDatasetInput,
    ) -> Result<Dataset> {
        let d = deps(ctx)?;
        Ok(Dataset::from(
            service::create_dataset(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Updates a dataset.
    async fn update_dataset(
        &self,
        ctx: &Context<'_>,
        input: UpdateDatasetInput,
    ) -> Result<Dataset> {
        let d = deps(ctx)?;
        Ok(Dataset::from(
            service::update_dataset(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Deletes a dataset with its versions; refused with CONFLICT while a training job
    /// refers to one of its versions.
    async fn delete_dataset(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::Dataset, "id")?;
        crate::lineage::service::delete_node::<dataset::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
    /// Adds an immutable version to a dataset; the server assigns the next number.
    async fn create_dataset_version(
        &self,
        ctx: &Context<'_>,
        input: CreateDatasetVersionInput,
    ) -> Result<DatasetVersion> {
        let d = deps(ctx)?;
        Ok(DatasetVersion::from(
            service::create_dataset_version(&d.state.db, d.rc, input.into_command("input")?)
                .await?,
        ))
    }
    /// Deletes a dataset version; refused with CONFLICT while a training job refers to it.
    /// (Versions are immutable: there is no update.)
    async fn delete_dataset_version(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::DatasetVersion, "id")?;
        crate::lineage::service::delete_node::<dataset_version::Entity>(&d.state.db, d.rc, uuid)
            .await?;
        Ok(id)
    }
}

//! Datasets and their immutable, server-numbered versions.

pub mod commands;
pub mod service;
mod types;

use async_graphql::{Context, ID, Object, Result};
use entity::{dataset, dataset_version};

pub use types::*;

use crate::api::deps;
use crate::core::ids::{NodeType, decode_as};
use crate::core::paging::PageArgs;
use crate::gql::connection::Conn;
use crate::gql::filter::cond_of;
use crate::graph::{Dataset, DatasetVersion};

/// Dataset queries.
#[derive(Default)]
pub struct DataQuery;

#[Object]
impl DataQuery {
    /// A dataset by id, or by namespace and name.
    async fn dataset(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        ns: Option<String>,
        name: Option<String>,
        #[graphql(
            name = "asOf",
            desc = "As it was at this instant (nested fields inherit it)."
        )]
        _as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<crate::gql::plan::Planned<Dataset>> {
        match (id, ns, name) {
            (Some(id), None, None) => {
                let id = decode_as(&id, NodeType::Dataset, "id")?;
                crate::api::planned_get::<dataset::Entity, _>(ctx, id, Dataset::from).await
            }
            (None, Some(ns), Some(name)) => {
                crate::api::planned_by_name::<dataset::Entity, _>(
                    ctx,
                    dataset::Column::Name,
                    &ns,
                    &name,
                    Dataset::from,
                )
                .await
            }
            _ => Err(
                crate::error::AppError::bad_input("id", "give either id, or ns and name").into(),
            ),
        }
    }
    /// Datasets, filtered and ordered.
    #[expect(clippy::too_many_arguments)]
    async fn datasets(
        &self,
        ctx: &Context<'_>,
        filter: Option<DatasetFilter>,
        order_by: Option<Vec<DatasetOrder>>,
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
    ) -> Result<crate::gql::plan::Planned<Conn<Dataset>>> {
        crate::api::planned_list::<dataset::Entity, _>(
            ctx,
            cond_of(&filter),
            DatasetOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            Dataset::from,
        )
        .await
    }
    /// A dataset version by id.
    async fn dataset_version(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(
            name = "asOf",
            desc = "As it was at this instant (nested fields inherit it)."
        )]
        _as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<crate::gql::plan::Planned<DatasetVersion>> {
        let id = decode_as(&id, NodeType::DatasetVersion, "id")?;
        crate::api::planned_get::<dataset_version::Entity, _>(ctx, id, DatasetVersion::from).await
    }
    /// Dataset versions across datasets, filtered and ordered.
    #[expect(clippy::too_many_arguments)]
    async fn dataset_versions(
        &self,
        ctx: &Context<'_>,
        filter: Option<DatasetVersionFilter>,
        order_by: Option<Vec<DatasetVersionOrder>>,
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
    ) -> Result<crate::gql::plan::Planned<Conn<DatasetVersion>>> {
        crate::api::planned_list::<dataset_version::Entity, _>(
            ctx,
            cond_of(&filter),
            DatasetVersionOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            DatasetVersion::from,
        )
        .await
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
        crate::graph::delete::<dataset::Entity>(&d.state.db, d.rc, uuid).await?;
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
        crate::graph::delete::<dataset_version::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
}

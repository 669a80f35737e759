//! Serving: endpoints, deployments of model versions, predictions and their aggregates,
//! and Cloud Run services.

pub mod commands;
pub mod figures;
pub mod service;
mod types;

use async_graphql::{Context, ID, Object, Result};
use entity::{
    cloud_run_service, deployment, endpoint, model_version, prediction, service_deployment,
};

pub use types::*;

use crate::core::ids::{NodeType, decode_as};
use crate::core::paging::PageArgs;
use crate::core::store;
use crate::error::AppError;
use crate::gql::api::{deps, load_ref};
use crate::gql::connection::Conn;
use crate::gql::filter::cond_of;
use crate::graph::{
    CloudRunService, Deployment, Endpoint, ModelVersion, Prediction, ServiceDeployment,
};

/// Aggregates over one group of predictions.
pub struct PredictionGroup(service::PredictionAggregate);

#[Object]
impl PredictionGroup {
    /// The group key: an endpoint or model version UUID, a status, or a UTC time bucket
    /// (`2026-11-22T13:00:00Z`); null for the single group of `ALL`.
    async fn key(&self) -> Option<&str> {
        self.0.key.as_deref()
    }
    /// The endpoint, when grouped by endpoint.
    async fn endpoint(&self, ctx: &Context<'_>) -> Result<Option<Endpoint>> {
        load_ref::<endpoint::Entity, _>(ctx, self.0.node, Endpoint::from).await
    }
    /// The model version, when grouped by model version.
    async fn model_version(&self, ctx: &Context<'_>) -> Result<Option<ModelVersion>> {
        load_ref::<model_version::Entity, _>(ctx, self.0.node, ModelVersion::from).await
    }
    /// Number of predictions.
    async fn count(&self) -> i64 {
        self.0.count
    }
    /// Average latency in milliseconds.
    async fn avg_latency_ms(&self) -> Option<f64> {
        self.0.avg_latency_ms
    }
    /// Smallest latency in milliseconds.
    async fn min_latency_ms(&self) -> Option<f64> {
        self.0.min_latency_ms
    }
    /// Largest latency in milliseconds.
    async fn max_latency_ms(&self) -> Option<f64> {
        self.0.max_latency_ms
    }
    /// Average confidence.
    async fn avg_confidence(&self) -> Option<f64> {
        self.0.avg_confidence
    }
    /// Smallest confidence.
    async fn min_confidence(&self) -> Option<f64> {
        self.0.min_confidence
    }
    /// Largest confidence.
    async fn max_confidence(&self) -> Option<f64> {
        self.0.max_confidence
    }
}

crate::gql::declare::query_object! {
    /// Serving queries.
    ServingQuery;
    by_id {
        /// An endpoint by id.
        endpoint: Endpoint,
        /// A deployment by id.
        deployment: Deployment,
        /// A cloud run service by id.
        cloud_run_service: CloudRunService,
        /// A service deployment by id.
        service_deployment: ServiceDeployment,
    }
    lists {
        /// Endpoints, filtered and ordered.
        endpoints: Endpoint,
        /// Deployments, filtered and ordered.
        deployments: Deployment,
        /// Cloud run services, filtered and ordered.
        cloud_run_services: CloudRunService,
        /// Service deployments, filtered and ordered.
        service_deployments: ServiceDeployment,
    }
    resolvers {
        /// A prediction by id.
        async fn prediction(
            &self,
            ctx: &Context<'_>,
            id: ID,
        ) -> Result<crate::gql::plan::Planned<Prediction>> {
            crate::gql::api::planned_get_by_global_id::<prediction::Entity, _>(ctx, &id, Prediction::from)
                .await
        }
        /// Predictions, filtered and ordered.
        #[expect(clippy::too_many_arguments)]
        async fn predictions(
            &self,
            ctx: &Context<'_>,
            filter: Option<PredictionFilter>,
            order_by: Option<Vec<PredictionOrder>>,
            first: Option<i32>,
            after: Option<String>,
            last: Option<i32>,
            before: Option<String>,
            offset: Option<i32>,
        ) -> Result<crate::gql::plan::Planned<Conn<Prediction>>> {
            crate::gql::api::planned_list::<prediction::Entity, _>(
                ctx,
                cond_of(&filter),
                PredictionOrder::keys(order_by.as_deref()),
                PageArgs::new(first, after, last, before, offset),
                Prediction::from,
            )
            .await
        }
        /// An endpoint by namespace and name.
        async fn endpoint_by_name(
            &self,
            ctx: &Context<'_>,
            ns: String,
            name: String,
            #[graphql(
                name = "asOf",
                desc = "As it was at this instant (nested fields inherit it)."
            )]
            _as_of: Option<chrono::DateTime<chrono::Utc>>,
        ) -> Result<Endpoint> {
            let d = crate::gql::api::deps(ctx)?;
            Ok(Endpoint::from(
                store::by_name::<endpoint::Entity>(&d.db, d.rc, endpoint::Column::Name, &ns, &name)
                    .await?,
            ))
        }
        /// Aggregates (count, latency, confidence) over predictions matching `filter`,
        /// grouped by endpoint, model version, status, hour or day; one SQL statement.
        async fn prediction_stats(
            &self,
            ctx: &Context<'_>,
            filter: Option<PredictionFilter>,
            #[graphql(default_with = "PredictionGroupBy::All")] group_by: PredictionGroupBy,
            #[graphql(default = 100, desc = "At most this many groups (1–1000).")] limit: i32,
        ) -> Result<Vec<PredictionGroup>> {
            let d = deps(ctx)?;
            if !(1..=1000).contains(&limit) {
                return Err(AppError::bad_input("limit", "must be between 1 and 1000").into());
            }
            let from_rollups = answerable_from_rollups(filter.as_ref());
            let groups = service::prediction_stats(
                &d.state.db,
                d.rc,
                cond_of(&filter)?,
                group_by.into(),
                limit as u64,
                from_rollups,
            )
            .await?;
            Ok(groups.into_iter().map(PredictionGroup).collect())
        }
    }
}

/// Serving mutations.
#[derive(Default)]
pub struct ServingMutation;

#[Object]
impl ServingMutation {
    /// Creates an endpoint.
    async fn create_endpoint(
        &self,
        ctx: &Context<'_>,
        input: CreateEndpointInput,
    ) -> Result<Endpoint> {
        let d = deps(ctx)?;
        Ok(Endpoint::from(
            service::create_endpoint(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Updates an endpoint.
    async fn update_endpoint(
        &self,
        ctx: &Context<'_>,
        input: UpdateEndpointInput,
    ) -> Result<Endpoint> {
        let d = deps(ctx)?;
        Ok(Endpoint::from(
            service::update_endpoint(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Deletes an endpoint with its deployments and predictions.
    async fn delete_endpoint(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::Endpoint, "id")?;
        crate::lineage::service::delete_node::<endpoint::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
    /// Creates a deployment.
    async fn create_deployment(
        &self,
        ctx: &Context<'_>,
        input: CreateDeploymentInput,
    ) -> Result<Deployment> {
        let d = deps(ctx)?;
        Ok(Deployment::from(
            service::create_deployment(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Updates a deployment.
    async fn update_deployment(
        &self,
        ctx: &Context<'_>,
        input: UpdateDeploymentInput,
    ) -> Result<Deployment> {
        let d = deps(ctx)?;
        Ok(Deployment::from(
            service::update_deployment(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Deletes a deployment.
    async fn delete_deployment(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::Deployment, "id")?;
        crate::lineage::service::delete_node::<deployment::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
    /// Creates a prediction.
    async fn create_prediction(
        &self,
        ctx: &Context<'_>,
        input: CreatePredictionInput,
    ) -> Result<Prediction> {
        let d = deps(ctx)?;
        Ok(Prediction::from(
            service::create_prediction(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Updates a prediction.
    async fn update_prediction(
        &self,
        ctx: &Context<'_>,
        input: UpdatePredictionInput,
    ) -> Result<Prediction> {
        let d = deps(ctx)?;
        Ok(Prediction::from(
            service::update_prediction(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Deletes a prediction.
    async fn delete_prediction(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::Prediction, "id")?;
        crate::lineage::service::delete_node::<prediction::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
    /// Creates a cloud run service.
    async fn create_cloud_run_service(
        &self,
        ctx: &Context<'_>,
        input: CreateCloudRunServiceInput,
    ) -> Result<CloudRunService> {
        let d = deps(ctx)?;
        Ok(CloudRunService::from(
            service::create_cloud_run_service(&d.state.db, d.rc, input.into_command("input")?)
                .await?,
        ))
    }
    /// Updates a cloud run service.
    async fn update_cloud_run_service(
        &self,
        ctx: &Context<'_>,
        input: UpdateCloudRunServiceInput,
    ) -> Result<CloudRunService> {
        let d = deps(ctx)?;
        Ok(CloudRunService::from(
            service::update_cloud_run_service(&d.state.db, d.rc, input.into_command("input")?)
                .await?,
        ))
    }
    /// Deletes a Cloud Run service with its revisions.
    async fn delete_cloud_run_service(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::CloudRunService, "id")?;
        crate::lineage::service::delete_node::<cloud_run_service::Entity>(&d.state.db, d.rc, uuid)
            .await?;
        Ok(id)
    }
    /// Creates a service deployment.
    async fn create_service_deployment(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceDeploymentInput,
    ) -> Result<ServiceDeployment> {
        let d = deps(ctx)?;
        Ok(ServiceDeployment::from(
            service::create_service_deployment(&d.state.db, d.rc, input.into_command("input")?)
                .await?,
        ))
    }
    /// Updates a service deployment.
    async fn update_service_deployment(
        &self,
        ctx: &Context<'_>,
        input: UpdateServiceDeploymentInput,
    ) -> Result<ServiceDeployment> {
        let d = deps(ctx)?;
        Ok(ServiceDeployment::from(
            service::update_service_deployment(&d.state.db, d.rc, input.into_command("input")?)
                .await?,
        ))
    }
    /// Deletes a service revision.
    async fn delete_service_deployment(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::ServiceDeployment, "id")?;
        crate::lineage::service::delete_node::<service_deployment::Entity>(&d.state.db, d.rc, uuid)
            .await?;
        Ok(id)
    }
}

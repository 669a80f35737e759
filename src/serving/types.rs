//! GraphQL types of endpoints, deployments, predictions and Cloud Run services.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Result};
use chrono::Utc;

use super::commands;
use crate::core::ids::decode_as;
use crate::core::patch::Patch;
use crate::enums::{
    DeploymentStatus, EndpointStatus, Environment, PredictionStatus, ServiceStatus,
};
use crate::error::AppResult;
use crate::gql::input::opt_id;
use crate::graph::{
    CloudRunService, Deployment, Endpoint, ModelVersion, NodeType, Prediction, ServiceDeployment,
};

crate::gql::declare::node_type! {
    /// The fields of a [`Endpoint`] of its own (the graph fields are shared, in `graph`).
    endpoint => EndpointFields, list EndpointFilter, EndpointOrder of "endpoints";
    columns {
        /// Namespace.
        ns: Str filter,
        /// Name, unique in the namespace.
        name: Str filter order,
        /// Free-text description.
        description: OptStr,
        /// Environment it serves.
        environment: Enum(Environment) filter order,
        /// Region, e.g. `europe-west1`.
        region: OptStr filter,
        /// URL clients call.
        url: OptStr,
        /// Whether it takes traffic.
        status: Enum(EndpointStatus) filter,
        /// Who created it.
        created_by: OptStr,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
    }
    children {
        /// Model versions deployed to it.
        deployments: EndpointDeployments => Deployment,
        /// Predictions it served (newest first unless ordered otherwise).
        predictions: EndpointPredictions => Prediction,
    }
    filter_related {
        /// Has at least one deployment matching.
        deployments: DeploymentFilter => Id in deployment.EndpointId,
    }
    resolvers {
        /// Its canonical URL (`/ns/<namespace>/Endpoint/<Name_with_underscores>`); `GET` on it
        /// answers this node's id.
        async fn canonical_url(&self) -> String {
            crate::graph::canonical::url(crate::core::ids::NodeType::Endpoint, &self.0.ns, &self.0.name)
        }
        /// Predictions it served in the last 24 hours (batched across endpoints).
        #[graphql(name = "predictionVolume24h")]
        async fn prediction_volume_24h(&self, ctx: &Context<'_>) -> Result<i64> {
            super::figures::volume_24h(ctx, self.0.id, None).await
        }
        /// p95 latency (ms) of the predictions it served in the last 24 hours (exact,
        /// batched across endpoints); null without latencies.
        #[graphql(name = "p95LatencyMs24h")]
        async fn p95_latency_ms_24h(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
            super::figures::latency_p95_24h(ctx, self.0.id, None).await
        }
        /// What it cost in the last 24 hours (recorded costs of the endpoint), one exact total
        /// per currency (batched across endpoints).
        #[graphql(name = "cost24h")]
        async fn cost_24h(&self, ctx: &Context<'_>) -> Result<Vec<CostTotal>> {
            super::figures::cost_24h(ctx, self.0.id, None).await
        }
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`Deployment`] of its own (the graph fields are shared, in `graph`).
    deployment => DeploymentFields, list DeploymentFilter, DeploymentOrder of "deployments";
    columns {
        /// Namespace.
        ns: Str filter,
        /// Share of the endpoint's traffic, in percent (0–100).
        traffic_percent: Copy(i32) filter order,
        /// Minimum replicas.
        min_replicas: Copy(i32),
        /// Maximum replicas.
        max_replicas: Copy(i32),
        /// Machine type.
        machine_type: OptStr,
        /// Lifecycle status.
        status: Enum(DeploymentStatus) filter order,
        /// Who created it.
        created_by: OptStr,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
    }
    references {
        /// The endpoint.
        endpoint: Endpoint = endpoint_id filter,
        /// The deployed model version.
        model_version: ModelVersion = model_version_id filter,
    }
    filter_related {
        /// Deployed to an endpoint matching (e.g. `{environment: {eq: PRODUCTION}}`).
        endpoint_matches: EndpointFilter => EndpointId in endpoint.Id,
    }
    resolvers {
        /// Predictions this deployment (its model version on its endpoint) served in the
        /// last 24 hours: the blast radius of a change, batched across deployments.
        #[graphql(name = "predictionVolume24h")]
        async fn prediction_volume_24h(&self, ctx: &Context<'_>) -> Result<i64> {
            super::figures::volume_24h(ctx, self.0.endpoint_id, Some(self.0.model_version_id)).await
        }
        /// p95 latency (ms) of the predictions its model version served on its endpoint in
        /// the last 24 hours (exact, batched across deployments); null without latencies.
        #[graphql(name = "p95LatencyMs24h")]
        async fn p95_latency_ms_24h(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
            super::figures::latency_p95_24h(ctx, self.0.endpoint_id, Some(self.0.model_version_id)).await
        }
        /// What its model version cost on its endpoint in the last 24 hours (cost records of
        /// both), one exact total per currency (batched across deployments).
        #[graphql(name = "cost24h")]
        async fn cost_24h(&self, ctx: &Context<'_>) -> Result<Vec<CostTotal>> {
            super::figures::cost_24h(ctx, self.0.endpoint_id, Some(self.0.model_version_id)).await
        }
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`Prediction`] of its own (the graph fields are shared, in `graph`).
    prediction => PredictionFields, list PredictionFilter, PredictionOrder of "predictions";
    columns {
        /// Namespace.
        ns: Str filter,
        /// Request payload.
        input: Json,
        /// Response payload.
        output: OptJson,
        /// Latency in milliseconds.
        latency_ms: Float(Option<f64>) filter order,
        /// Model confidence (0–1).
        confidence: Float(Option<f64>) filter order,
        /// Outcome.
        status: Enum(PredictionStatus) filter,
        /// When the answer came.
        completed_at: OptTime,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
    }
    references {
        /// The endpoint that served it.
        endpoint: Endpoint = endpoint_id filter,
        /// The model version that answered.
        model_version: ModelVersion = model_version_id filter,
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`CloudRunService`] of its own (the graph fields are shared, in `graph`).
    cloud_run_service => CloudRunServiceFields, list CloudRunServiceFilter, CloudRunServiceOrder of "Cloud Run services";
    columns {
        /// Namespace.
        ns: Str filter,
        /// Name, unique in the namespace.
        name: Str filter order,
        /// Region.
        region: Str filter,
        /// URL.
        url: OptStr,
        /// Container image.
        image: Str,
        /// Status.
        status: Enum(ServiceStatus) filter,
        /// Who created it.
        created_by: OptStr,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
    }
    children {
        /// Its revisions.
        deployments: ServiceRevisions => ServiceDeployment,
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`ServiceDeployment`] of its own (the graph fields are shared, in `graph`).
    service_deployment => ServiceDeploymentFields, list ServiceDeploymentFilter, ServiceDeploymentOrder of "service deployments";
    columns {
        /// Namespace.
        ns: Str,
        /// Revision name, unique per service.
        revision: Str filter order,
        /// Container image.
        image: Str,
        /// Share of the service's traffic, in percent.
        traffic_percent: Copy(i32) order,
        /// Status.
        status: Enum(DeploymentStatus) filter,
        /// Who created it.
        created_by: OptStr,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
    }
    references {
        /// The service.
        service: CloudRunService = service_id filter,
    }
}

/// Input of `createEndpoint`.
#[derive(InputObject, Debug)]
pub struct CreateEndpointInput {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Environment it serves.
    pub environment: Environment,
    /// Region.
    pub region: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Status (CREATING unless given).
    pub status: Option<EndpointStatus>,
}

/// Input of `updateEndpoint`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateEndpointInput {
    /// The endpoint.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description (null clears it).
    pub description: MaybeUndefined<String>,
    /// New environment.
    pub environment: Option<Environment>,
    /// New URL (null clears it).
    pub url: MaybeUndefined<String>,
    /// New status.
    pub status: Option<EndpointStatus>,
}

/// How to deploy a model version to an endpoint.
#[derive(InputObject, Debug)]
pub struct CreateDeploymentSpec {
    /// The endpoint (same namespace as the version).
    pub endpoint_id: ID,
    /// Share of the endpoint's traffic, 0–100.
    pub traffic_percent: i32,
    /// Minimum replicas (1 unless given).
    pub min_replicas: Option<i32>,
    /// Maximum replicas (>= min; min unless given).
    pub max_replicas: Option<i32>,
    /// Machine type.
    pub machine_type: Option<String>,
}

/// Input of `createDeployment`.
#[derive(InputObject, Debug)]
pub struct CreateDeploymentInput {
    /// The model version to deploy.
    pub model_version_id: ID,
    /// Where and how.
    pub spec: CreateDeploymentSpec,
}

/// Input of `updateDeployment`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateDeploymentInput {
    /// The deployment.
    pub id: ID,
    /// New traffic share 0–100.
    pub traffic_percent: Option<i32>,
    /// New minimum replicas.
    pub min_replicas: Option<i32>,
    /// New maximum replicas.
    pub max_replicas: Option<i32>,
    /// New machine type (null clears it).
    pub machine_type: MaybeUndefined<String>,
    /// New status.
    pub status: Option<DeploymentStatus>,
}

/// Input of `createPrediction`.
#[derive(InputObject, Debug)]
pub struct CreatePredictionInput {
    /// The endpoint that served it.
    pub endpoint_id: ID,
    /// The model version that answered (same namespace).
    pub model_version_id: Option<ID>,
    /// Request payload.
    pub input: Json<serde_json::Value>,
    /// Response payload.
    pub output: Option<Json<serde_json::Value>>,
    /// Latency in milliseconds (>= 0).
    pub latency_ms: Option<f64>,
    /// Confidence 0–1.
    pub confidence: Option<f64>,
    /// Outcome (COMPLETED when an output is given, else PENDING).
    pub status: Option<PredictionStatus>,
}

/// Input of `updatePrediction`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdatePredictionInput {
    /// The prediction.
    pub id: ID,
    /// Response payload.
    pub output: Option<Json<serde_json::Value>>,
    /// Latency in milliseconds.
    pub latency_ms: Option<f64>,
    /// Confidence 0–1.
    pub confidence: Option<f64>,
    /// Outcome.
    pub status: Option<PredictionStatus>,
}

/// Input of `createCloudRunService`.
#[derive(InputObject, Debug)]
pub struct CreateCloudRunServiceInput {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Region.
    pub region: String,
    /// URL.
    pub url: Option<String>,
    /// Container image.
    pub image: String,
    /// Status (ACTIVE unless given).
    pub status: Option<ServiceStatus>,
}

/// Input of `updateCloudRunService`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateCloudRunServiceInput {
    /// The service.
    pub id: ID,
    /// New URL (null clears it).
    pub url: MaybeUndefined<String>,
    /// New image.
    pub image: Option<String>,
    /// New status.
    pub status: Option<ServiceStatus>,
}

/// Input of `createServiceDeployment`.
#[derive(InputObject, Debug)]
pub struct CreateServiceDeploymentInput {
    /// The service.
    pub service_id: ID,
    /// Revision name, unique per service.
    pub revision: String,
    /// Container image.
    pub image: String,
    /// Share of traffic 0–100.
    pub traffic_percent: i32,
    /// Status (DEPLOYING unless given).
    pub status: Option<DeploymentStatus>,
}

/// Input of `updateServiceDeployment`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateServiceDeploymentInput {
    /// The service deployment.
    pub id: ID,
    /// New traffic share 0–100.
    pub traffic_percent: Option<i32>,
    /// New status.
    pub status: Option<DeploymentStatus>,
}

// GraphQL inputs → commands.

impl CreateEndpointInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, _at: &str) -> AppResult<commands::CreateEndpoint> {
        Ok(commands::CreateEndpoint {
            ns: self.ns,
            name: self.name,
            description: self.description,
            environment: self.environment.into(),
            region: self.region,
            url: self.url,
            status: self.status.map(Into::into),
        })
    }
}

impl UpdateEndpointInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateEndpoint> {
        Ok(commands::UpdateEndpoint {
            id: decode_as(&self.id, NodeType::Endpoint, &format!("{at}.id"))?,
            name: self.name,
            description: Patch::from(self.description),
            environment: self.environment.map(Into::into),
            url: Patch::from(self.url),
            status: self.status.map(Into::into),
        })
    }
}

impl CreateDeploymentSpec {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::DeploymentSpec> {
        Ok(commands::DeploymentSpec {
            endpoint_id: decode_as(
                &self.endpoint_id,
                NodeType::Endpoint,
                &format!("{at}.endpointId"),
            )?,
            traffic_percent: self.traffic_percent,
            min_replicas: self.min_replicas,
            max_replicas: self.max_replicas,
            machine_type: self.machine_type,
        })
    }
}

impl CreateDeploymentInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CreateDeployment> {
        Ok(commands::CreateDeployment {
            model_version_id: decode_as(
                &self.model_version_id,
                NodeType::ModelVersion,
                &format!("{at}.modelVersionId"),
            )?,
            spec: self.spec.into_command(&format!("{at}.spec"))?,
        })
    }
}

impl UpdateDeploymentInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateDeployment> {
        Ok(commands::UpdateDeployment {
            id: decode_as(&self.id, NodeType::Deployment, &format!("{at}.id"))?,
            traffic_percent: self.traffic_percent,
            min_replicas: self.min_replicas,
            max_replicas: self.max_replicas,
            machine_type: Patch::from(self.machine_type),
            status: self.status.map(Into::into),
        })
    }
}

impl CreatePredictionInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CreatePrediction> {
        Ok(commands::CreatePrediction {
            endpoint_id: decode_as(
                &self.endpoint_id,
                NodeType::Endpoint,
                &format!("{at}.endpointId"),
            )?,
            model_version_id: opt_id(
                &self.model_version_id,
                NodeType::ModelVersion,
                &format!("{at}.modelVersionId"),
            )?,
            input: self.input.0,
            output: self.output.map(|j| j.0),
            latency_ms: self.latency_ms,
            confidence: self.confidence,
            status: self.status.map(Into::into),
        })
    }
}

impl UpdatePredictionInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdatePrediction> {
        Ok(commands::UpdatePrediction {
            id: decode_as(&self.id, NodeType::Prediction, &format!("{at}.id"))?,
            output: self.output.map(|j| j.0),
            latency_ms: self.latency_ms,
            confidence: self.confidence,
            status: self.status.map(Into::into),
        })
    }
}

impl CreateCloudRunServiceInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, _at: &str) -> AppResult<commands::CreateCloudRunService> {
        Ok(commands::CreateCloudRunService {
            ns: self.ns,
            name: self.name,
            region: self.region,
            url: self.url,
            image: self.image,
            status: self.status.map(Into::into),
        })
    }
}

impl UpdateCloudRunServiceInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateCloudRunService> {
        Ok(commands::UpdateCloudRunService {
            id: decode_as(&self.id, NodeType::CloudRunService, &format!("{at}.id"))?,
            url: Patch::from(self.url),
            image: self.image,
            status: self.status.map(Into::into),
        })
    }
}

impl CreateServiceDeploymentInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CreateServiceDeployment> {
        Ok(commands::CreateServiceDeployment {
            service_id: decode_as(
                &self.service_id,
                NodeType::CloudRunService,
                &format!("{at}.serviceId"),
            )?,
            revision: self.revision,
            image: self.image,
            traffic_percent: self.traffic_percent,
            status: self.status.map(Into::into),
        })
    }
}

impl UpdateServiceDeploymentInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateServiceDeployment> {
        Ok(commands::UpdateServiceDeployment {
            id: decode_as(&self.id, NodeType::ServiceDeployment, &format!("{at}.id"))?,
            traffic_percent: self.traffic_percent,
            status: self.status.map(Into::into),
        })
    }
}

/// Whether a prediction filter selects whole rollup buckets, so that the daily rollups
/// answer it exactly: conditions on namespace, endpoint, model version and status, and
/// on time only as `gte` / `lt` bounds at UTC midnight (through `and`/`or`/`not` too).
/// A bound inside a day (13:00, or midnight plus a millisecond) cuts a bucket: scanned.
pub fn answerable_from_rollups(filter: Option<&PredictionFilter>) -> bool {
    let Some(f) = filter else { return true };
    let aligned = |t: &chrono::DateTime<Utc>| t.time() == chrono::NaiveTime::MIN;
    let time_ok = f.created_at.as_ref().is_none_or(|t| {
        t.eq.is_none()
            && t.gt.is_none()
            && t.lte.is_none()
            && t.is_null.is_none()
            && t.gte.as_ref().is_none_or(aligned)
            && t.lt.as_ref().is_none_or(aligned)
    });
    f.id.is_none()
        && f.latency_ms.is_none()
        && f.confidence.is_none()
        && time_ok
        && f.and
            .iter()
            .flatten()
            .all(|g| answerable_from_rollups(Some(g)))
        && f.or
            .iter()
            .flatten()
            .all(|g| answerable_from_rollups(Some(g)))
        && f.not
            .as_deref()
            .is_none_or(|g| answerable_from_rollups(Some(g)))
}

/// How prediction aggregates are grouped.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "super::service::PredictionGroupBy")]
pub enum PredictionGroupBy {
    /// One group over everything matching.
    All,
    /// Per endpoint.
    Endpoint,
    /// Per model version.
    ModelVersion,
    /// Per outcome.
    Status,
    /// Per hour of `createdAt` (UTC).
    Hour,
    /// Per day of `createdAt` (UTC).
    Day,
}

/// An exact total in one currency.
#[derive(async_graphql::SimpleObject, Debug, Clone, PartialEq)]
pub struct CostTotal {
    /// The currency.
    pub currency: String,
    /// The exact sum, as a decimal string.
    pub total: String,
}

//! The serving service's commands: what its mutations ask for, as plain values (ids decoded,
//! optional changes as [`Patch`]). The GraphQL inputs in `types` convert into them.

use uuid::Uuid;

use crate::core::patch::Patch;

/// Input of `createEndpoint`.
#[derive(Debug, Clone)]
pub struct CreateEndpoint {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Environment it serves.
    pub environment: entity::enums::Environment,
    /// Region.
    pub region: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Status (CREATING unless given).
    pub status: Option<entity::enums::EndpointStatus>,
}

/// Input of `updateEndpoint`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdateEndpoint {
    /// The endpoint.
    pub id: Uuid,
    /// New name.
    pub name: Option<String>,
    /// New description (null clears it).
    pub description: Patch<String>,
    /// New environment.
    pub environment: Option<entity::enums::Environment>,
    /// New URL (null clears it).
    pub url: Patch<String>,
    /// New status.
    pub status: Option<entity::enums::EndpointStatus>,
}

/// How to deploy a model version to an endpoint.
#[derive(Debug, Clone)]
pub struct DeploymentSpec {
    /// The endpoint (same namespace as the version).
    pub endpoint_id: Uuid,
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
#[derive(Debug, Clone)]
pub struct CreateDeployment {
    /// The model version to deploy.
    pub model_version_id: Uuid,
    /// Where and how.
    pub spec: DeploymentSpec,
}

/// Input of `updateDeployment`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdateDeployment {
    /// The deployment.
    pub id: Uuid,
    /// New traffic share 0–100.
    pub traffic_percent: Option<i32>,
    /// New minimum replicas.
    pub min_replicas: Option<i32>,
    /// New maximum replicas.
    pub max_replicas: Option<i32>,
    /// New machine type (null clears it).
    pub machine_type: Patch<String>,
    /// New status.
    pub status: Option<entity::enums::DeploymentStatus>,
}

/// Input of `createPrediction`.
#[derive(Debug, Clone)]
pub struct CreatePrediction {
    /// The endpoint that served it.
    pub endpoint_id: Uuid,
    /// The model version that answered (same namespace).
    pub model_version_id: Option<Uuid>,
    /// Request payload.
    pub input: serde_json::Value,
    /// Response payload.
    pub output: Option<serde_json::Value>,
    /// Latency in milliseconds (>= 0).
    pub latency_ms: Option<f64>,
    /// Confidence 0–1.
    pub confidence: Option<f64>,
    /// Outcome (COMPLETED when an output is given, else PENDING).
    pub status: Option<entity::enums::PredictionStatus>,
}

/// Input of `updatePrediction`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdatePrediction {
    /// The prediction.
    pub id: Uuid,
    /// Response payload.
    pub output: Option<serde_json::Value>,
    /// Latency in milliseconds.
    pub latency_ms: Option<f64>,
    /// Confidence 0–1.
    pub confidence: Option<f64>,
    /// Outcome.
    pub status: Option<entity::enums::PredictionStatus>,
}

/// Input of `createCloudRunService`.
#[derive(Debug, Clone)]
pub struct CreateCloudRunService {
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
    pub status: Option<entity::enums::ServiceStatus>,
}

/// Input of `updateCloudRunService`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdateCloudRunService {
    /// The service.
    pub id: Uuid,
    /// New URL (null clears it).
    pub url: Patch<String>,
    /// New image.
    pub image: Option<String>,
    /// New status.
    pub status: Option<entity::enums::ServiceStatus>,
}

/// Input of `createServiceDeployment`.
#[derive(Debug, Clone)]
pub struct CreateServiceDeployment {
    /// The service.
    pub service_id: Uuid,
    /// Revision name, unique per service.
    pub revision: String,
    /// Container image.
    pub image: String,
    /// Share of traffic 0–100.
    pub traffic_percent: i32,
    /// Status (DEPLOYING unless given).
    pub status: Option<entity::enums::DeploymentStatus>,
}

/// Input of `updateServiceDeployment`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdateServiceDeployment {
    /// The service deployment.
    pub id: Uuid,
    /// New traffic share 0–100.
    pub traffic_percent: Option<i32>,
    /// New status.
    pub status: Option<entity::enums::DeploymentStatus>,
}

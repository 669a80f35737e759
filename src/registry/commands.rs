//! The registry service's commands: what its mutations ask for, as plain values (ids decoded,
//! optional changes as [`Patch`]). The GraphQL inputs in `types` convert into them.

use uuid::Uuid;

use crate::core::patch::Patch;

/// Input of `createWorkflow`.
#[derive(Debug, Clone)]
pub struct CreateWorkflow {
    /// Namespace, e.g. `acme.com/fraud`.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Status (DRAFT unless given).
    pub status: Option<entity::enums::WorkflowStatus>,
    /// DAG definition.
    pub config: Option<serde_json::Value>,
}

/// Input of `updateWorkflow`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdateWorkflow {
    /// The workflow.
    pub id: Uuid,
    /// New name.
    pub name: Option<String>,
    /// New description (null clears it).
    pub description: Patch<String>,
    /// New status.
    pub status: Option<entity::enums::WorkflowStatus>,
    /// New DAG definition.
    pub config: Option<serde_json::Value>,
}

/// Input of `createModel`.
#[derive(Debug, Clone)]
pub struct CreateModel {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Task, e.g. `classification`.
    pub task: Option<String>,
    /// Framework, e.g. `pytorch`.
    pub framework: Option<String>,
    /// Owning workflow (same namespace).
    pub workflow_id: Option<Uuid>,
}

/// Input of `updateModel`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdateModel {
    /// The model.
    pub id: Uuid,
    /// New name.
    pub name: Option<String>,
    /// New description (null clears it).
    pub description: Patch<String>,
    /// New task (null clears it).
    pub task: Patch<String>,
    /// New framework (null clears it).
    pub framework: Patch<String>,
    /// New workflow (null detaches it).
    pub workflow_id: Patch<Uuid>,
}

/// Input of `createModelVersion`. The version number is assigned by the server.
#[derive(Debug, Clone)]
pub struct CreateModelVersion {
    /// The model.
    pub model_id: Uuid,
    /// Where the artifact is stored.
    pub artifact_uri: Option<String>,
    /// Checksum of the artifact.
    pub checksum: Option<String>,
    /// Artifact size in bytes (> 0).
    pub size_bytes: Option<i64>,
    /// Evaluation metrics.
    pub metrics: Option<serde_json::Value>,
    /// Training parameters.
    pub params: Option<serde_json::Value>,
    /// The version it derives from (same namespace).
    pub parent_version_id: Option<Uuid>,
    /// The training job that produced it (same namespace).
    pub training_job_id: Option<Uuid>,
}

/// Input of `updateModelVersion`: absent fields stay as they are. The stage changes
/// through `promoteModelVersion`.
#[derive(Debug, Clone)]
pub struct UpdateModelVersion {
    /// The version.
    pub id: Uuid,
    /// New artifact location.
    pub artifact_uri: Patch<String>,
    /// New checksum.
    pub checksum: Patch<String>,
    /// New size.
    pub size_bytes: Patch<i64>,
    /// New metrics.
    pub metrics: Option<serde_json::Value>,
    /// New parameters.
    pub params: Option<serde_json::Value>,
}

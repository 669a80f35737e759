//! The pipeline service's commands: what its mutations ask for, as plain values (ids
//! decoded). The GraphQL inputs in `types` convert into them.

use entity::enums::PipelineStatus;
use uuid::Uuid;

/// Input of `createPipeline`.
#[derive(Debug, Clone)]
pub struct CreatePipeline {
    /// Namespace.
    pub ns: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The dataset it reads (same namespace).
    pub dataset_id: Option<Uuid>,
    /// The workflow it belongs to (same namespace).
    pub workflow_id: Option<Uuid>,
    /// The DAG (default: no steps yet).
    pub config: Option<serde_json::Value>,
    /// The status asked for (default: VALIDATED with steps, else DRAFT).
    pub status: Option<PipelineStatus>,
}

/// Input of `updatePipeline`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdatePipeline {
    /// The pipeline.
    pub id: Uuid,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New dataset (same namespace).
    pub dataset_id: Option<Uuid>,
    /// New DAG (checked again).
    pub config: Option<serde_json::Value>,
    /// New status.
    pub status: Option<PipelineStatus>,
}

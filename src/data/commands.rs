//! The data service's commands: what its mutations ask for, as plain values (ids decoded,
//! optional changes as [`Patch`]). The GraphQL inputs in `types` convert into them.

use uuid::Uuid;

use crate::core::patch::Patch;

/// Input of `createDataset`.
#[derive(Debug, Clone)]
pub struct CreateDataset {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Kind of data.
    pub data_type: entity::enums::DatasetType,
    /// Storage format.
    pub format: Option<String>,
    /// Root storage location.
    pub storage_uri: Option<String>,
    /// Owning workflow (same namespace).
    pub workflow_id: Option<Uuid>,
    /// Its first version, created with it (in the same transaction).
    pub first_version: Option<NewDatasetVersion>,
}

/// Input of `updateDataset`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdateDataset {
    /// The dataset.
    pub id: Uuid,
    /// New name.
    pub name: Option<String>,
    /// New description (null clears it).
    pub description: Patch<String>,
    /// New format (null clears it).
    pub format: Patch<String>,
    /// New storage location (null clears it).
    pub storage_uri: Patch<String>,
    /// New workflow (null detaches it).
    pub workflow_id: Patch<Uuid>,
}

/// Input of `createDatasetVersion`. The version number is assigned by the server.
#[derive(Debug, Clone)]
pub struct CreateDatasetVersion {
    /// The dataset.
    pub dataset_id: Uuid,
    /// The version.
    pub version: NewDatasetVersion,
}

/// A dataset version's own values (of `createDatasetVersion`, or of `createDataset`'s
/// `firstVersion`).
#[derive(Debug, Clone)]
pub struct NewDatasetVersion {
    /// Where the data is stored.
    pub storage_uri: String,
    /// Size in bytes (> 0).
    pub size_bytes: Option<i64>,
    /// SHA-256 of the content (64 hex digits).
    pub sha256: Option<String>,
    /// Number of rows (>= 0).
    pub row_count: Option<i64>,
    /// Schema of the data.
    pub schema: Option<serde_json::Value>,
    /// Which split (FULL unless given).
    pub split: Option<entity::enums::DatasetSplit>,
    /// What the producer calls this version (an MLflow dataset's digest, an OpenLineage
    /// version facet), unique per dataset.
    pub source_version: Option<String>,
}

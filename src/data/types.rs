//! GraphQL types of datasets and dataset versions.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Result};

use super::commands;
use crate::core::ids::decode_as;
use crate::core::patch::Patch;
use crate::enums::{DatasetSplit, DatasetType};
use crate::error::AppResult;
use crate::gql::input::{maybe_id, opt_id};
use crate::graph::{
    Artifact, Dataset, DatasetVersion, EdaReport, NodeType, SchemaDeduction, TrainingJob, Workflow,
};

crate::gql::declare::node_type! {
    /// The fields of a [`Dataset`] of its own (the graph fields are shared, in `graph`).
    dataset => DatasetFields, list DatasetFilter, DatasetOrder of "datasets";
    columns {
        /// When erasure of personal data was requested.
        erasure_requested_at: OptTime,
        /// Whether it holds personal data (GDPR).
        personal_data: Copy(bool),
        /// The legal basis of processing its personal data.
        legal_basis: OptStr,
        /// How long its data is kept, in days.
        retention_days: Copy(Option<i32>),
        /// Namespace.
        ns: Str filter,
        /// Name, unique in the namespace.
        name: Str filter order,
        /// Free-text description.
        description: OptStr,
        /// Kind of data.
        data_type: Enum(DatasetType) filter order,
        /// Storage format, e.g. `parquet`.
        format: OptStr filter,
        /// Root storage location.
        storage_uri: OptStr,
        /// Highest version number handed out so far.
        latest_version_number: Copy(i32) = version_seq,
        /// Who created it.
        created_by: OptStr filter,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time filter order,
    }
    references {
        /// The workflow that owns it.
        workflow: Workflow = workflow_id filter,
    }
    children {
        /// Its versions (newest first unless ordered otherwise).
        versions: DatasetVersions => DatasetVersion,
    }
    filter_related {
        /// Has at least one version matching.
        versions: DatasetVersionFilter => Id in dataset_version.DatasetId,
    }
    resolvers {
        /// Its canonical URL (`/ns/<namespace>/Dataset/<Name_with_underscores>`); `GET` on it
        /// answers this node's id.
        async fn canonical_url(&self) -> String {
            crate::graph::canonical::url(crate::core::ids::NodeType::Dataset, &self.0.ns, &self.0.name)
        }
        /// Facets reported for it by OpenLineage producers, by name, each as the latest
        /// event carrying it sent it (`{}` when none).
        async fn facets(&self) -> Json<serde_json::Value> {
            Json(
                self.0
                    .facets
                    .as_ref()
                    .map(crate::runs::values_of)
                    .unwrap_or_else(|| serde_json::json!({})),
            )
        }
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`DatasetVersion`] of its own (the graph fields are shared, in `graph`).
    dataset_version => DatasetVersionFields, list DatasetVersionFilter, DatasetVersionOrder of "dataset versions";
    columns {
        /// Namespace (the dataset's).
        ns: Str filter,
        /// Upload lifecycle of its file: UPLOADING → UPLOADED → VALIDATING → VALIDATED |
        /// FAILED (null for versions registered by URI).
        upload_status: OptEnum(crate::enums::DatasetUploadStatus) filter,
        /// The uploaded file's MIME type.
        content_type: OptStr,
        /// Rows validation counted (the header not counted); the same as `rowCount`.
        num_rows: Copy(Option<i64>) = row_count,
        /// Columns validation found.
        num_columns: Copy(Option<i32>),
        /// Column names validation found.
        column_names: Strings,
        /// The problems validation found: `{count, errors: [{row, message}]}` (rows
        /// numbered from 1 after the header; 0 for the file as a whole).
        validation_errors: OptJson,
        /// Version number, assigned by the server (1, 2, ... per dataset).
        version: Copy(i32) filter order,
        /// Where this version's data is stored.
        storage_uri: Str,
        /// Size in bytes.
        size_bytes: Copy(Option<i64>) filter order,
        /// SHA-256 of the content.
        sha256: OptStr,
        /// Number of rows.
        row_count: Copy(Option<i64>) filter,
        /// Schema of the data (JSON).
        schema: OptJson,
        /// Which split it holds.
        split: Enum(DatasetSplit) filter,
        /// Who created it.
        created_by: OptStr,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
        /// The producer's identifier of this version (an OpenLineage `version` facet as
        /// `v:<version>`, or `run:<runId>` for what a run wrote), unique per dataset.
        source_version: OptStr,
    }
    references {
        /// The dataset it versions.
        dataset: Dataset = dataset_id filter,
    }
    children {
        /// Training jobs that trained on it.
        training_jobs: DatasetVersionTrainingJobs => TrainingJob,
    }
    loaded {
        /// Its files in the artifact store (live ones unless the filter asks for deleted).
        artifacts: Artifact via crate::artifacts::owned,
        /// Schemas proposed for its file (newest first unless ordered).
        schema_deductions: SchemaDeduction via crate::prep::deductions_of,
        /// Exploratory reports of its file (newest first unless ordered).
        eda_reports: EdaReport via crate::prep::reports_of,
    }
    filter_related {
        /// Belongs to a dataset matching.
        dataset_matches: DatasetFilter => DatasetId in dataset.Id,
    }
    resolvers {
        /// The file uploaded through `createDatasetUpload` (`raw/<name>`), once verified.
        async fn raw_file(&self, ctx: &Context<'_>) -> Result<Option<crate::graph::Artifact>> {
            crate::artifacts::owned_file(ctx, self.0.id, "raw/").await
        }
        /// The Parquet file mlgraph wrote from a validated CSV upload
        /// (`processed/<name>.parquet`): the same rows, each column typed as mlgraph's
        /// proposed schema says (integer → INT64, float → DOUBLE, boolean, date → DATE,
        /// datetime → TIMESTAMP(µs, UTC), the rest UTF-8); missing values and values not of
        /// their column's type are null. Null for Parquet uploads (the upload is the file).
        async fn processed_file(&self, ctx: &Context<'_>) -> Result<Option<crate::graph::Artifact>> {
            crate::artifacts::owned_file(ctx, self.0.id, "processed/").await
        }
    }
}

/// Input of `createDataset`.
#[derive(InputObject, Debug)]
pub struct CreateDatasetInput {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Kind of data.
    pub data_type: DatasetType,
    /// Storage format.
    pub format: Option<String>,
    /// Root storage location.
    pub storage_uri: Option<String>,
    /// Owning workflow (same namespace).
    pub workflow_id: Option<ID>,
    /// Its first version (version 1), created with it: both or neither.
    pub first_version: Option<DatasetVersionValues>,
}

/// A dataset version's own values, for `createDataset`'s `firstVersion`.
#[derive(InputObject, Debug)]
pub struct DatasetVersionValues {
    /// Where the data is stored.
    pub storage_uri: String,
    /// Size in bytes (> 0).
    pub size_bytes: Option<i64>,
    /// SHA-256 of the content (64 hex digits).
    pub sha256: Option<String>,
    /// Number of rows (>= 0).
    pub row_count: Option<i64>,
    /// Schema of the data.
    pub schema: Option<Json<serde_json::Value>>,
    /// Which split (FULL unless given).
    pub split: Option<DatasetSplit>,
}

impl From<DatasetVersionValues> for commands::NewDatasetVersion {
    fn from(v: DatasetVersionValues) -> Self {
        commands::NewDatasetVersion {
            storage_uri: v.storage_uri,
            size_bytes: v.size_bytes,
            sha256: v.sha256,
            row_count: v.row_count,
            schema: v.schema.map(|j| j.0),
            split: v.split.map(Into::into),
            source_version: None,
        }
    }
}

/// Input of `updateDataset`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateDatasetInput {
    /// The dataset.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description (null clears it).
    pub description: MaybeUndefined<String>,
    /// New format (null clears it).
    pub format: MaybeUndefined<String>,
    /// New storage location (null clears it).
    pub storage_uri: MaybeUndefined<String>,
    /// New workflow (null detaches it).
    pub workflow_id: MaybeUndefined<ID>,
}

/// Input of `createDatasetVersion`. The version number is assigned by the server.
#[derive(InputObject, Debug)]
pub struct CreateDatasetVersionInput {
    /// The dataset.
    pub dataset_id: ID,
    /// The version's values.
    #[graphql(flatten)]
    pub values: DatasetVersionValues,
}

// GraphQL inputs → commands.

impl CreateDatasetInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CreateDataset> {
        Ok(commands::CreateDataset {
            ns: self.ns,
            name: self.name,
            description: self.description,
            data_type: self.data_type.into(),
            format: self.format,
            storage_uri: self.storage_uri,
            workflow_id: opt_id(
                &self.workflow_id,
                NodeType::Workflow,
                &format!("{at}.workflowId"),
            )?,
            first_version: self.first_version.map(Into::into),
        })
    }
}

impl UpdateDatasetInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateDataset> {
        Ok(commands::UpdateDataset {
            id: decode_as(&self.id, NodeType::Dataset, &format!("{at}.id"))?,
            name: self.name,
            description: Patch::from(self.description),
            format: Patch::from(self.format),
            storage_uri: Patch::from(self.storage_uri),
            workflow_id: maybe_id(
                &self.workflow_id,
                NodeType::Workflow,
                &format!("{at}.workflowId"),
            )?,
        })
    }
}

impl CreateDatasetVersionInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CreateDatasetVersion> {
        Ok(commands::CreateDatasetVersion {
            dataset_id: decode_as(
                &self.dataset_id,
                NodeType::Dataset,
                &format!("{at}.datasetId"),
            )?,
            version: self.values.into(),
        })
    }
}

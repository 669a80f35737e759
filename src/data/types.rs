//! GraphQL types of datasets and dataset versions.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Result};

use super::commands;
use crate::core::ids::{decode_as, maybe_id, opt_id};
use crate::core::patch::Patch;
use crate::enums::{
    DatasetSplit, DatasetSplitFilter, DatasetType, DatasetTypeFilter, DatasetUploadStatusFilter,
};
use crate::error::AppResult;
use crate::gql::filter::{
    DateTimeFilter, IdFilter, IntFilter, StringFilter, filter_input, order_input,
};
use crate::graph::{
    Artifact, Dataset, DatasetVersion, EdaReport, NodeType, SchemaDeduction, TrainingJob, Workflow,
};

crate::gql::declare::node_type! {
    /// The fields of a [`Dataset`] of its own (the graph fields are shared, in `graph`).
    dataset => DatasetFields, list DatasetFilter, DatasetOrder;
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
        ns: Str,
        /// Name, unique in the namespace.
        name: Str,
        /// Free-text description.
        description: OptStr,
        /// Kind of data.
        data_type: Enum(DatasetType),
        /// Storage format, e.g. `parquet`.
        format: OptStr,
        /// Root storage location.
        storage_uri: OptStr,
        /// Highest version number handed out so far.
        latest_version_number: Copy(i32) = version_seq,
        /// Who created it.
        created_by: OptStr,
        /// Creation time.
        created_at: Time,
        /// Last change.
        updated_at: Time,
    }
    references {
        /// The workflow that owns it.
        workflow: Workflow = workflow_id,
    }
    children {
        /// Its versions (newest first unless ordered otherwise).
        versions: DatasetVersions => DatasetVersion,
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

filter_input!(
    /// Conditions on datasets.
    DatasetFilter for dataset {
        /// Its id.
        id: IdFilter => Id,
        /// Its namespace.
        ns: StringFilter => Ns,
        /// Its name.
        name: StringFilter => Name,
        /// Its kind of data.
        data_type: DatasetTypeFilter => DataType,
        /// Its format.
        format: StringFilter => Format,
        /// Its workflow.
        workflow: IdFilter => WorkflowId,
        /// Who created it.
        created_by: StringFilter => CreatedBy,
        /// Creation time.
        created_at: DateTimeFilter => CreatedAt,
        /// Last change.
        updated_at: DateTimeFilter => UpdatedAt,
    }
    related {
        /// Has at least one version matching.
        versions: DatasetVersionFilter => Id in dataset_version.DatasetId,
    }
);

order_input!(
    /// A sort key for datasets.
    DatasetOrder, DatasetOrderField for dataset {
        /// Name.
        Name => Name,
        /// Kind of data.
        DataType => DataType,
        /// Creation time.
        CreatedAt => CreatedAt,
        /// Last change.
        UpdatedAt => UpdatedAt,
    }
);

crate::gql::declare::node_type! {
    /// The fields of a [`DatasetVersion`] of its own (the graph fields are shared, in `graph`).
    dataset_version => DatasetVersionFields, list DatasetVersionFilter, DatasetVersionOrder;
    columns {
        /// Namespace (the dataset's).
        ns: Str,
        /// Upload lifecycle of its file: UPLOADING → UPLOADED → VALIDATING → VALIDATED |
        /// FAILED (null for versions registered by URI).
        upload_status: OptEnum(crate::enums::DatasetUploadStatus),
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
        version: Copy(i32),
        /// Where this version's data is stored.
        storage_uri: Str,
        /// Size in bytes.
        size_bytes: Copy(Option<i64>),
        /// SHA-256 of the content.
        sha256: OptStr,
        /// Number of rows.
        row_count: Copy(Option<i64>),
        /// Schema of the data (JSON).
        schema: OptJson,
        /// Which split it holds.
        split: Enum(DatasetSplit),
        /// Who created it.
        created_by: OptStr,
        /// Creation time.
        created_at: Time,
        /// Last change.
        updated_at: Time,
        /// The producer's identifier of this version (an OpenLineage `version` facet as
        /// `v:<version>`, or `run:<runId>` for what a run wrote), unique per dataset.
        source_version: OptStr,
    }
    references {
        /// The dataset it versions.
        dataset: Dataset = dataset_id,
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

filter_input!(
    /// Conditions on dataset versions.
    DatasetVersionFilter for dataset_version {
        /// Its id.
        id: IdFilter => Id,
        /// Its namespace.
        ns: StringFilter => Ns,
        /// Its dataset.
        dataset: IdFilter => DatasetId,
        /// Its version number.
        version: IntFilter => Version,
        /// Its split.
        split: DatasetSplitFilter => Split,
        /// Its size.
        size_bytes: IntFilter => SizeBytes,
        /// Its row count.
        row_count: IntFilter => RowCount,
        /// Where its upload is (null for versions registered by URI, which match no
        /// condition here).
        upload_status: DatasetUploadStatusFilter => UploadStatus,
        /// Creation time.
        created_at: DateTimeFilter => CreatedAt,
    }
    related {
        /// Belongs to a dataset matching.
        dataset_matches: DatasetFilter => DatasetId in dataset.Id,
    }
);

order_input!(
    /// A sort key for dataset versions.
    DatasetVersionOrder, DatasetVersionOrderField for dataset_version {
        /// Version number.
        Version => Version,
        /// Size.
        SizeBytes => SizeBytes,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
);

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

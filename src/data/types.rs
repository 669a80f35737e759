//! GraphQL types of datasets and dataset versions.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use entity::{dataset, dataset_version, workflow};

use super::commands;
use crate::api::{self, child_list, load_ref};
use crate::core::filter::{
    DateTimeFilter, IdFilter, IntFilter, StringFilter, cond_of, filter_input, order_input,
};
use crate::core::ids::{decode_as, maybe_id, opt_id};
use crate::core::paging::{Conn, PageArgs};
use crate::core::patch::Patch;
use crate::enums::*;
use crate::error::AppResult;
use crate::graph::*;
use crate::relations::*;
use crate::training::{TrainingJobFilter, TrainingJobOrder};

/// The fields of a [`Dataset`] of its own (the graph fields are shared, in `graph`).
pub struct DatasetFields(pub dataset::Model);

#[Object]
impl DatasetFields {
    /// Whether it holds personal data (GDPR).
    async fn personal_data(&self) -> bool {
        self.0.personal_data
    }
    /// The legal basis of processing its personal data.
    async fn legal_basis(&self) -> Option<&str> {
        self.0.legal_basis.as_deref()
    }
    /// How long its data is kept, in days.
    async fn retention_days(&self) -> Option<i32> {
        self.0.retention_days
    }
    /// When erasure of personal data was requested.
    async fn erasure_requested_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.erasure_requested_at
    }
    /// Namespace.
    async fn ns(&self) -> &str {
        &self.0.ns
    }
    /// Name, unique in the namespace.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Free-text description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Kind of data.
    async fn data_type(&self) -> DatasetType {
        self.0.data_type.into()
    }
    /// Storage format, e.g. `parquet`.
    async fn format(&self) -> Option<&str> {
        self.0.format.as_deref()
    }
    /// Root storage location.
    async fn storage_uri(&self) -> Option<&str> {
        self.0.storage_uri.as_deref()
    }
    /// Highest version number handed out so far.
    async fn latest_version_number(&self) -> i32 {
        self.0.version_seq
    }
    /// Who created it.
    async fn created_by(&self) -> Option<&str> {
        self.0.created_by.as_deref()
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Facets reported for it by OpenLineage producers, by name, each as the latest
    /// event carrying it sent it (`{}` when none).
    async fn facets(&self) -> Json<serde_json::Value> {
        Json(
            self.0
                .facets
                .as_ref()
                .map(crate::ingest::openlineage::facet_values)
                .unwrap_or_else(|| serde_json::json!({})),
        )
    }
    /// The workflow that owns it.
    async fn workflow(&self, ctx: &Context<'_>) -> Result<Option<Workflow>> {
        load_ref::<workflow::Entity, _>(ctx, self.0.workflow_id, Workflow::from).await
    }
    /// Its versions (newest first unless ordered otherwise).
    #[allow(clippy::too_many_arguments)]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        filter: Option<DatasetVersionFilter>,
        order_by: Option<Vec<DatasetVersionOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<DatasetVersion>> {
        child_list::<DatasetVersions, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            DatasetVersionOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            DatasetVersion::from,
        )
        .await
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

/// The fields of a [`DatasetVersion`] of its own (the graph fields are shared, in `graph`).
pub struct DatasetVersionFields(pub dataset_version::Model);

#[Object]
impl DatasetVersionFields {
    /// Its files in the artifact store (live ones unless the filter asks for deleted).
    #[allow(clippy::too_many_arguments)]
    async fn artifacts(
        &self,
        ctx: &Context<'_>,
        filter: Option<crate::artifacts::ArtifactFilter>,
        order_by: Option<Vec<crate::artifacts::ArtifactOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<crate::graph::Artifact>> {
        crate::artifacts::owned(
            ctx,
            self.0.id,
            filter,
            order_by,
            PageArgs::new(first, after, last, before, offset),
        )
        .await
    }
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
    /// Namespace (the dataset's).
    async fn ns(&self) -> &str {
        &self.0.ns
    }
    /// Upload lifecycle of its file: UPLOADING → UPLOADED → VALIDATING → VALIDATED |
    /// FAILED (null for versions registered by URI).
    async fn upload_status(&self) -> Option<crate::enums::DatasetUploadStatus> {
        self.0.upload_status.map(Into::into)
    }
    /// The uploaded file's MIME type.
    async fn content_type(&self) -> Option<&str> {
        self.0.content_type.as_deref()
    }
    /// Rows validation counted (the header not counted); the same as `rowCount`.
    async fn num_rows(&self) -> Option<i64> {
        self.0.row_count
    }
    /// Columns validation found.
    async fn num_columns(&self) -> Option<i32> {
        self.0.num_columns
    }
    /// Column names validation found.
    async fn column_names(&self) -> Option<Vec<String>> {
        self.0
            .column_names
            .as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }
    /// The problems validation found: `{count, errors: [{row, message}]}` (rows
    /// numbered from 1 after the header; 0 for the file as a whole).
    async fn validation_errors(&self) -> Option<Json<&serde_json::Value>> {
        self.0.validation_errors.as_ref().map(Json)
    }
    /// Schemas proposed for its file (newest first unless ordered).
    #[allow(clippy::too_many_arguments)]
    async fn schema_deductions(
        &self,
        ctx: &Context<'_>,
        filter: Option<crate::prep::SchemaDeductionFilter>,
        order_by: Option<Vec<crate::prep::SchemaDeductionOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<crate::graph::SchemaDeduction>> {
        crate::prep::deductions_of(
            ctx,
            self.0.id,
            filter,
            order_by,
            PageArgs::new(first, after, last, before, offset),
        )
        .await
    }
    /// Exploratory reports of its file (newest first unless ordered).
    #[allow(clippy::too_many_arguments)]
    async fn eda_reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<crate::prep::EdaReportFilter>,
        order_by: Option<Vec<crate::prep::EdaReportOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<crate::graph::EdaReport>> {
        crate::prep::reports_of(
            ctx,
            self.0.id,
            filter,
            order_by,
            PageArgs::new(first, after, last, before, offset),
        )
        .await
    }
    /// Version number, assigned by the server (1, 2, ... per dataset).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Where this version's data is stored.
    async fn storage_uri(&self) -> &str {
        &self.0.storage_uri
    }
    /// Size in bytes.
    async fn size_bytes(&self) -> Option<i64> {
        self.0.size_bytes
    }
    /// SHA-256 of the content.
    async fn sha256(&self) -> Option<&str> {
        self.0.sha256.as_deref()
    }
    /// Number of rows.
    async fn row_count(&self) -> Option<i64> {
        self.0.row_count
    }
    /// Schema of the data (JSON).
    async fn schema(&self) -> Option<Json<&serde_json::Value>> {
        self.0.schema.as_ref().map(Json)
    }
    /// Which split it holds.
    async fn split(&self) -> DatasetSplit {
        self.0.split.into()
    }
    /// Who created it.
    async fn created_by(&self) -> Option<&str> {
        self.0.created_by.as_deref()
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The producer's identifier of this version (an OpenLineage `version` facet as
    /// `v:<version>`, or `run:<runId>` for what a run wrote), unique per dataset.
    async fn source_version(&self) -> Option<&str> {
        self.0.source_version.as_deref()
    }
    /// The dataset it versions.
    async fn dataset(&self, ctx: &Context<'_>) -> Result<Option<Dataset>> {
        load_ref::<dataset::Entity, _>(ctx, Some(self.0.dataset_id), Dataset::from).await
    }
    /// Training jobs that trained on it.
    #[allow(clippy::too_many_arguments)]
    async fn training_jobs(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingJobFilter>,
        order_by: Option<Vec<TrainingJobOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<TrainingJob>> {
        child_list::<DatasetVersionTrainingJobs, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            TrainingJobOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            TrainingJob::from,
        )
        .await
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
            storage_uri: self.storage_uri,
            size_bytes: self.size_bytes,
            sha256: self.sha256,
            row_count: self.row_count,
            schema: self.schema.map(|j| j.0),
            split: self.split.map(Into::into),
        })
    }
}

crate::gql::plan::plannable!(dataset::Entity => "Dataset", DatasetFilter, DatasetOrder {
    "personalData" => Col(C::PersonalData, Plain),
    "legalBasis" => Col(C::LegalBasis, Plain),
    "retentionDays" => Col(C::RetentionDays, Plain),
    "erasureRequestedAt" => Col(C::ErasureRequestedAt, Time),
    "ns" => Col(C::Ns, Plain),
    "name" => Col(C::Name, Plain),
    "description" => Col(C::Description, Plain),
    "dataType" => Col(C::DataType, crate::gql::plan::enumeration!(entity::enums::DatasetType, DatasetType)),
    "format" => Col(C::Format, Plain),
    "storageUri" => Col(C::StorageUri, Plain),
    "latestVersionNumber" => Col(C::VersionSeq, Plain),
    "createdBy" => Col(C::CreatedBy, Plain),
    "createdAt" => Col(C::CreatedAt, Time),
    "updatedAt" => Col(C::UpdatedAt, Time),
    "workflow" => reference::<Self, workflow::Entity>(C::WorkflowId),
    "versions" => children::<Self, DatasetVersions>(),
});

crate::gql::plan::plannable!(dataset_version::Entity => "DatasetVersion", DatasetVersionFilter, DatasetVersionOrder {
    "ns" => Col(C::Ns, Plain),
    "uploadStatus" => Col(C::UploadStatus, crate::gql::plan::enumeration!(entity::enums::DatasetUploadStatus, DatasetUploadStatus)),
    "contentType" => Col(C::ContentType, Plain),
    "numRows" => Col(C::RowCount, Plain),
    "numColumns" => Col(C::NumColumns, Plain),
    "columnNames" => Col(C::ColumnNames, Strings),
    "validationErrors" => Col(C::ValidationErrors, Plain),
    "version" => Col(C::Version, Plain),
    "storageUri" => Col(C::StorageUri, Plain),
    "sizeBytes" => Col(C::SizeBytes, Plain),
    "sha256" => Col(C::Sha256, Plain),
    "rowCount" => Col(C::RowCount, Plain),
    "schema" => Col(C::Schema, Plain),
    "split" => Col(C::Split, crate::gql::plan::enumeration!(entity::enums::DatasetSplit, DatasetSplit)),
    "createdBy" => Col(C::CreatedBy, Plain),
    "createdAt" => Col(C::CreatedAt, Time),
    "updatedAt" => Col(C::UpdatedAt, Time),
    "sourceVersion" => Col(C::SourceVersion, Plain),
    "dataset" => reference::<Self, dataset::Entity>(C::DatasetId),
    "trainingJobs" => children::<Self, DatasetVersionTrainingJobs>(),
});

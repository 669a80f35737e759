//! GraphQL of dataset uploads, schema deductions and EDA reports.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use entity::artifact;

use super::{commands, uploads};
use crate::artifacts::{ArtifactUpload, artifacts_of};
use crate::core::ids::{NodeType, decode_as};
use crate::core::paging::PageArgs;
use crate::enums::{
    DatasetSplit, EdaReportStatus, PipelineStatus, ReportStorage, SchemaDeductionStatus,
};
use crate::error::AppResult;
use crate::gql::api::{self, child_list, deps, load_ref};
use crate::gql::connection::Conn;
use crate::gql::filter::cond_of;
use crate::gql::input::opt_id;
use crate::graph::{Dataset, DatasetVersion, EdaReport, SchemaDeduction, TrainingJob, Workflow};
use crate::relations::{VersionEdaReports, VersionSchemaDeductions};

crate::gql::declare::node_type! {
    /// The fields of a [`Pipeline`] of its own (the graph fields are shared, in `graph`).
    pipeline => PipelineFields, list PipelineFilter, PipelineOrder of "pipelines";
    columns {
        /// Namespace.
        ns: Str filter,
        /// Name.
        name: Str filter order,
        /// Description.
        description: OptStr,
        /// The DAG (always valid: checked on every save).
        config: Json,
        /// Number of this pipeline among its owner's in the namespace (1 for the first).
        version: Copy(i32) filter order,
        /// DRAFT → VALIDATED → ARCHIVED.
        status: Enum(PipelineStatus) filter,
        /// When its current DAG was validated (null while DRAFT).
        validated_at: OptTime,
        /// Who created it (its owner).
        created_by: OptStr filter,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time order,
    }
    references {
        /// The dataset it reads.
        dataset: Dataset = dataset_id,
        /// The workflow it belongs to.
        workflow: Workflow = workflow_id,
    }
    children {
        /// The training jobs that ran it.
        training_jobs: PipelineTrainingJobs => TrainingJob,
    }
    resolvers {
        /// Its canonical URL (`/ns/<namespace>/Pipeline/<Name_with_underscores>`); `GET` on it
        /// answers this node's id.
        async fn canonical_url(&self) -> String {
            crate::graph::canonical::url(crate::core::ids::NodeType::Pipeline, &self.0.ns, &self.0.name)
        }
    }
}

/// A step type of the registry.
#[derive(async_graphql::SimpleObject)]
pub struct PipelineStepType {
    /// The name nodes give as `type`.
    pub name: &'static str,
    /// What it does.
    pub description: &'static str,
    /// The parameters a node of it must set.
    pub required_params: Vec<&'static str>,
}

/// Input of `createPipeline`.
#[derive(InputObject)]
pub struct CreatePipelineInput {
    /// Namespace.
    pub ns: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The dataset it reads (same namespace).
    pub dataset_id: Option<ID>,
    /// The workflow it belongs to (same namespace).
    pub workflow_id: Option<ID>,
    /// The DAG (`{"nodes": [...], "edges": [...]}`; default: no steps yet).
    pub config: Option<Json<serde_json::Value>>,
    /// DRAFT to keep a complete DAG from running yet (default: VALIDATED with steps).
    pub status: Option<PipelineStatus>,
}

/// Input of `updatePipeline`: absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePipelineInput {
    /// The pipeline.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New dataset (same namespace).
    pub dataset_id: Option<ID>,
    /// New DAG (checked again).
    pub config: Option<Json<serde_json::Value>>,
    /// New status (ARCHIVED retires it; DRAFT or VALIDATED brings it back).
    pub status: Option<PipelineStatus>,
}

impl CreatePipelineInput {
    /// The command, its ids decoded.
    pub fn into_command(self) -> AppResult<commands::CreatePipeline> {
        Ok(commands::CreatePipeline {
            dataset_id: opt_id(&self.dataset_id, NodeType::Dataset, "input.datasetId")?,
            workflow_id: opt_id(&self.workflow_id, NodeType::Workflow, "input.workflowId")?,
            ns: self.ns,
            name: self.name,
            description: self.description,
            config: self.config.map(|j| j.0),
            status: self.status.map(Into::into),
        })
    }
}

impl UpdatePipelineInput {
    /// The command, its ids decoded.
    pub fn into_command(self) -> AppResult<commands::UpdatePipeline> {
        Ok(commands::UpdatePipeline {
            id: decode_as(&self.id, NodeType::Pipeline, "input.id")?,
            dataset_id: opt_id(&self.dataset_id, NodeType::Dataset, "input.datasetId")?,
            name: self.name,
            description: self.description,
            config: self.config.map(|j| j.0),
            status: self.status.map(Into::into),
        })
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`SchemaDeduction`] of its own.
    schema_deduction => SchemaDeductionFields, list SchemaDeductionFilter, SchemaDeductionOrder of "schema deductions";
    columns {
        /// Namespace (the dataset's).
        ns: Str,
        /// `{"columns": [{"name", "type", "nullable", "format"}]}` (types: integer, float,
        /// boolean, date, datetime, categorical, string, or what an agent proposes).
        proposed_schema: Json,
        /// Per column: `sampleValues` and `confidence`.
        column_metadata: Json,
        /// Overall confidence, 0 to 1.
        confidence: Float(f64),
        /// Who proposed it, and its version (`mlgraph-infer/1` for mlgraph's own).
        agent_version: Str filter,
        /// PROPOSED → ACCEPTED | REJECTED | SUPERSEDED.
        status: Enum(SchemaDeductionStatus) filter,
        /// Why it was rejected.
        rejection_reason: OptStr,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
    }
    references {
        /// The dataset.
        dataset: Dataset = dataset_id,
        /// The version whose file it was deduced from.
        dataset_version: DatasetVersion = dataset_version_id,
    }
}

crate::gql::declare::node_type! {
    /// The fields of an [`EdaReport`] of its own.
    eda_report => EdaReportFields, list EdaReportFilter, EdaReportOrder of "EDA reports";
    columns {
        /// Namespace (the dataset's).
        ns: Str,
        /// RUNNING → COMPLETED | FAILED.
        status: Enum(EdaReportStatus) filter,
        /// Why it failed.
        error: OptStr,
        /// Always here: `rows`, `columns`, `missingPct` and `dtypes` per column.
        summary: Json,
        /// Where the full report is: POSTGRES (`report`) or S3 (`downloadUrl`).
        storage_location: OptEnum(ReportStorage),
        /// The full report when stored inline (under 1 MB): per-column statistics
        /// (`columnStats`: count, missing, distinct, top values; numeric min, max, mean, std,
        /// quartiles and a histogram) and `correlations` of numeric columns.
        report: OptJson = full_report,
        /// Its size in bytes (as JSON).
        report_size_bytes: Copy(Option<i64>),
        /// The bucket of a report on S3.
        s3_bucket: OptStr,
        /// The key of a report on S3.
        s3_key: OptStr,
        /// The report format's version.
        report_version: Str,
        /// Seconds the pass took.
        generation_seconds: Float(Option<f64>),
        /// Creation time.
        created_at: Time filter order,
    }
    references {
        /// The dataset version it describes.
        dataset_version: DatasetVersion = dataset_version_id,
    }
    resolvers {
        /// A presigned URL of a report stored on S3 (null for inline ones).
        async fn download_url(
            &self,
            ctx: &Context<'_>,
            #[graphql(default = 900)] expires_in_seconds: i32,
        ) -> Result<Option<String>> {
            let Some(a) =
                load_ref::<artifact::Entity, _>(ctx, self.0.artifact_id, std::convert::identity)
                    .await?
            else {
                return Ok(None);
            };
            let arts = artifacts_of(ctx)?;
            Ok(Some(
                crate::artifacts::service::download_url(arts, &a, expires_in_seconds)
                    .await?
                    .url,
            ))
        }
    }
}

/// The deductions of a dataset version (newest first unless ordered).
pub(crate) async fn deductions_of(
    ctx: &Context<'_>,
    version: uuid::Uuid,
    filter: Option<SchemaDeductionFilter>,
    order_by: Option<Vec<SchemaDeductionOrder>>,
    args: PageArgs,
) -> Result<Conn<SchemaDeduction>> {
    child_list::<VersionSchemaDeductions, _>(
        ctx,
        version,
        cond_of(&filter),
        api::fingerprint(&[&filter, &order_by]),
        SchemaDeductionOrder::keys(order_by.as_deref()),
        args,
        SchemaDeduction::from,
    )
    .await
}

/// The EDA reports of a dataset version (newest first unless ordered).
pub(crate) async fn reports_of(
    ctx: &Context<'_>,
    version: uuid::Uuid,
    filter: Option<EdaReportFilter>,
    order_by: Option<Vec<EdaReportOrder>>,
    args: PageArgs,
) -> Result<Conn<EdaReport>> {
    child_list::<VersionEdaReports, _>(
        ctx,
        version,
        cond_of(&filter),
        api::fingerprint(&[&filter, &order_by]),
        EdaReportOrder::keys(order_by.as_deref()),
        args,
        EdaReport::from,
    )
    .await
}

/// Input of `createDatasetUpload`.
#[derive(InputObject)]
pub struct CreateDatasetUploadInput {
    /// The dataset.
    pub dataset_id: ID,
    /// The file's name (`transactions.csv`).
    pub file_name: String,
    /// MIME type (default `text/csv`).
    pub content_type: Option<String>,
    /// Exact size in bytes (> 0).
    pub size_bytes: i64,
    /// SHA-256 of the bytes (hex).
    pub sha256: String,
    /// Which split it holds (default FULL).
    pub split: Option<DatasetSplit>,
}

/// What `createDatasetUpload` answers.
#[derive(SimpleObject)]
pub struct DatasetUploadPayload {
    /// The version: new and UPLOADING, or the one that has this file already.
    pub dataset_version: DatasetVersion,
    /// True when the same file (SHA-256) was uploaded to the dataset before.
    pub deduplicated: bool,
    /// How to send the bytes (null when the version has its file already); then
    /// `completeDatasetUpload`.
    pub upload: Option<ArtifactUpload>,
}

/// Input of `proposeSchemaDeduction`.
#[derive(InputObject)]
pub struct ProposeSchemaDeductionInput {
    /// The dataset version the agent read.
    pub dataset_version_id: ID,
    /// `{"columns": [{"name": ..., "type": ..., "nullable": ..., "format": ...}]}`.
    pub proposed_schema: Json<serde_json::Value>,
    /// Per column metadata (sample values, confidence).
    pub column_metadata: Option<Json<serde_json::Value>>,
    /// 0 to 1.
    pub confidence: f64,
    /// The agent and its version (`schema-agent/2.3`).
    pub agent_version: String,
}

/// Dataset preparation mutations.
#[derive(Default)]
pub struct UploadMutation;

#[Object]
impl UploadMutation {
    /// Starts the upload of a dataset file (CSV) as a new version (EDITOR); the same file
    /// again answers the version that has it.
    async fn create_dataset_upload(
        &self,
        ctx: &Context<'_>,
        input: CreateDatasetUploadInput,
    ) -> Result<DatasetUploadPayload> {
        let d = deps(ctx)?;
        let arts = artifacts_of(ctx)?;
        let up = uploads::create(
            &d.state.db,
            arts,
            d.rc,
            uploads::NewDatasetUpload {
                dataset_id: decode_as(&input.dataset_id, NodeType::Dataset, "input.datasetId")?,
                file_name: input.file_name,
                content_type: input.content_type,
                size_bytes: input.size_bytes,
                sha256: input.sha256,
                split: input.split.map(Into::into),
            },
        )
        .await?;
        Ok(DatasetUploadPayload {
            dataset_version: DatasetVersion::from(up.version),
            deduplicated: up.deduplicated,
            upload: up.upload.map(ArtifactUpload::from),
        })
    }
    /// Completes a dataset upload: the file is verified, the version UPLOADED and its
    /// validation queued (the server validates it in the background).
    async fn complete_dataset_upload(
        &self,
        ctx: &Context<'_>,
        dataset_version_id: ID,
    ) -> Result<DatasetVersion> {
        let d = deps(ctx)?;
        let arts = artifacts_of(ctx)?;
        let id = decode_as(
            &dataset_version_id,
            NodeType::DatasetVersion,
            "datasetVersionId",
        )?;
        Ok(DatasetVersion::from(
            uploads::complete(&d.state.db, arts, d.rc, id).await?,
        ))
    }
    /// Accepts a PROPOSED schema deduction; the dataset's accepted one becomes SUPERSEDED
    /// and the version takes the schema (EDITOR).
    async fn accept_schema_deduction(&self, ctx: &Context<'_>, id: ID) -> Result<SchemaDeduction> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::SchemaDeduction, "id")?;
        Ok(SchemaDeduction::from(
            uploads::accept(&d.state.db, d.rc, id).await?,
        ))
    }
    /// Rejects a PROPOSED schema deduction, with the reason (EDITOR).
    async fn reject_schema_deduction(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> Result<SchemaDeduction> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::SchemaDeduction, "id")?;
        Ok(SchemaDeduction::from(
            uploads::reject(&d.state.db, d.rc, id, &reason).await?,
        ))
    }
    /// Records an external agent's proposed schema for a dataset version (EDITOR).
    async fn propose_schema_deduction(
        &self,
        ctx: &Context<'_>,
        input: ProposeSchemaDeductionInput,
    ) -> Result<SchemaDeduction> {
        let d = deps(ctx)?;
        Ok(SchemaDeduction::from(
            uploads::propose(
                &d.state.db,
                d.rc,
                uploads::Proposal {
                    dataset_version_id: decode_as(
                        &input.dataset_version_id,
                        NodeType::DatasetVersion,
                        "input.datasetVersionId",
                    )?,
                    proposed_schema: input.proposed_schema.0,
                    column_metadata: input
                        .column_metadata
                        .map_or_else(|| serde_json::json!({}), |j| j.0),
                    confidence: input.confidence,
                    agent_version: input.agent_version,
                },
            )
            .await?,
        ))
    }
}

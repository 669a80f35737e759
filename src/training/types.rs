//! GraphQL types of experiments, training jobs, runs and pattern-recognition jobs.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use entity::{
    dataset_version, experiment, experiment_run, model, pattern_recognition_job, training_job,
    workflow,
};

use super::commands;
use crate::api::{self, child_list, load_ref};
use crate::core::filter::{
    DateTimeFilter, FloatFilter, IdFilter, IntFilter, StringFilter, cond_of, filter_input,
    order_input,
};
use crate::core::ids::{decode_as, opt_id};
use crate::core::paging::{Conn, PageArgs};
use crate::core::patch::Patch;
use crate::enums::*;
use crate::error::AppResult;
use crate::graph::*;
use crate::registry::{ModelVersionFilter, ModelVersionOrder};
use crate::relations::*;

/// The fields of a [`Experiment`] of its own (the graph fields are shared, in `graph`).
pub struct ExperimentFields(pub experiment::Model);

#[Object]
impl ExperimentFields {
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
    /// Kind of experiment.
    async fn experiment_type(&self) -> ExperimentType {
        self.0.experiment_type.into()
    }
    /// Lifecycle status.
    async fn status(&self) -> ExperimentStatus {
        self.0.status.into()
    }
    /// Configuration (search space, traffic split, ...).
    async fn config(&self) -> Json<&serde_json::Value> {
        Json(&self.0.config)
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
    /// Its runs as OpenLineage or MLflow clients reported them.
    #[allow(clippy::too_many_arguments)]
    async fn job_runs(
        &self,
        ctx: &Context<'_>,
        filter: Option<crate::ingest::JobRunFilter>,
        order_by: Option<Vec<crate::ingest::JobRunOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<JobRun>> {
        crate::ingest::runs_of::<ExperimentJobRuns>(
            ctx,
            self.0.id,
            filter,
            order_by,
            PageArgs::new(first, after, last, before, offset),
        )
        .await
    }
    /// The workflow that owns it.
    async fn workflow(&self, ctx: &Context<'_>) -> Result<Option<Workflow>> {
        load_ref::<workflow::Entity, _>(ctx, self.0.workflow_id, Workflow::from).await
    }
    /// Its training jobs.
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
        child_list::<ExperimentTrainingJobs, _>(
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
    /// Conditions on experiments.
    ExperimentFilter for experiment {
        /// Its id.
        id: IdFilter => Id,
        /// Its namespace.
        ns: StringFilter => Ns,
        /// Its name.
        name: StringFilter => Name,
        /// Its kind.
        experiment_type: ExperimentTypeFilter => ExperimentType,
        /// Its status.
        status: ExperimentStatusFilter => Status,
        /// Its workflow.
        workflow: IdFilter => WorkflowId,
        /// Creation time.
        created_at: DateTimeFilter => CreatedAt,
    }
    related {
        /// Has at least one training job matching.
        training_jobs: TrainingJobFilter => Id in training_job.ExperimentId,
    }
);

order_input!(
    /// A sort key for experiments.
    ExperimentOrder, ExperimentOrderField for experiment {
        /// Name.
        Name => Name,
        /// Status.
        Status => Status,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
);

/// The fields of a [`TrainingJob`] of its own (the graph fields are shared, in `graph`).
pub struct TrainingJobFields(pub training_job::Model);

#[Object]
impl TrainingJobFields {
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
    /// Namespace.
    async fn ns(&self) -> &str {
        &self.0.ns
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Current state.
    async fn status(&self) -> TrainingJobStatus {
        self.0.status.into()
    }
    /// Priority, 1 (lowest) to 10 (highest).
    async fn priority(&self) -> i32 {
        self.0.priority
    }
    /// Progress in percent (0–100).
    async fn progress(&self) -> f64 {
        self.0.progress
    }
    /// What the worker is doing now.
    async fn current_step(&self) -> Option<&str> {
        self.0.current_step.as_deref()
    }
    /// Snapshot of the training configuration.
    async fn config(&self) -> Json<&serde_json::Value> {
        Json(&self.0.config)
    }
    /// The worker that claimed it.
    async fn worker(&self) -> Option<&str> {
        self.0.worker.as_deref()
    }
    /// Last heartbeat from the worker.
    async fn heartbeat_at(&self) -> Option<DateTime<Utc>> {
        self.0.heartbeat_at
    }
    /// When it started running.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When it reached a final state.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// Why it failed (or was cancelled, or timed out).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// The traceback its worker reported with the failure.
    async fn traceback(&self) -> Option<&str> {
        self.0.traceback.as_deref()
    }
    /// Revision, bumped on every change (pass it back as `expectedRevision`).
    async fn revision(&self) -> i32 {
        self.0.revision
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
    /// The experiment it belongs to.
    async fn experiment(&self, ctx: &Context<'_>) -> Result<Option<Experiment>> {
        load_ref::<experiment::Entity, _>(ctx, self.0.experiment_id, Experiment::from).await
    }
    /// The model it trains.
    async fn model(&self, ctx: &Context<'_>) -> Result<Option<Model>> {
        load_ref::<model::Entity, _>(ctx, self.0.model_id, Model::from).await
    }
    /// The dataset version it trains on.
    async fn dataset_version(&self, ctx: &Context<'_>) -> Result<Option<DatasetVersion>> {
        load_ref::<dataset_version::Entity, _>(ctx, self.0.dataset_version_id, DatasetVersion::from)
            .await
    }
    /// The pipeline it runs.
    async fn pipeline(&self, ctx: &Context<'_>) -> Result<Option<Pipeline>> {
        crate::prep::job_pipeline(ctx, &self.0).await
    }
    /// The pipeline as it was when the job was created (`pipelineId`, `name`, `version`,
    /// `datasetId`, `validatedAt`, `config`); never changes, whatever becomes of the
    /// pipeline.
    async fn pipeline_snapshot(&self) -> Option<Json<&serde_json::Value>> {
        self.0.pipeline_snapshot.as_ref().map(Json)
    }
    /// Its runs.
    #[allow(clippy::too_many_arguments)]
    async fn runs(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExperimentRunFilter>,
        order_by: Option<Vec<ExperimentRunOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<ExperimentRun>> {
        child_list::<JobRuns, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            ExperimentRunOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            ExperimentRun::from,
        )
        .await
    }
    /// Model versions it produced.
    #[allow(clippy::too_many_arguments)]
    async fn produced_versions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ModelVersionFilter>,
        order_by: Option<Vec<ModelVersionOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<ModelVersion>> {
        child_list::<JobProducedVersions, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            ModelVersionOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            ModelVersion::from,
        )
        .await
    }
}

filter_input!(
    /// Conditions on training jobs.
    TrainingJobFilter for training_job {
        /// Its id.
        id: IdFilter => Id,
        /// Its namespace.
        ns: StringFilter => Ns,
        /// Its name.
        name: StringFilter => Name,
        /// Its state.
        status: TrainingJobStatusFilter => Status,
        /// Its priority.
        priority: IntFilter => Priority,
        /// Its progress.
        progress: FloatFilter => Progress,
        /// Its experiment.
        experiment: IdFilter => ExperimentId,
        /// Its model.
        model: IdFilter => ModelId,
        /// Its dataset version.
        dataset_version: IdFilter => DatasetVersionId,
        /// Its worker.
        worker: StringFilter => Worker,
        /// Creation time.
        created_at: DateTimeFilter => CreatedAt,
    }
);

order_input!(
    /// A sort key for training jobs.
    TrainingJobOrder, TrainingJobOrderField for training_job {
        /// Name.
        Name => Name,
        /// State.
        Status => Status,
        /// Priority.
        Priority => Priority,
        /// Progress.
        Progress => Progress,
        /// Creation time.
        CreatedAt => CreatedAt,
        /// Last change.
        UpdatedAt => UpdatedAt,
    }
);

/// The fields of a [`ExperimentRun`] of its own (the graph fields are shared, in `graph`).
pub struct ExperimentRunFields(pub experiment_run::Model);

#[Object]
impl ExperimentRunFields {
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
    /// Namespace (the job's).
    async fn ns(&self) -> &str {
        &self.0.ns
    }
    /// Run number, assigned by the server (1, 2, ... per job).
    async fn run_number(&self) -> i32 {
        self.0.run_number
    }
    /// Hyperparameters.
    async fn hyperparameters(&self) -> Json<&serde_json::Value> {
        Json(&self.0.hyperparameters)
    }
    /// Metrics.
    async fn metrics(&self) -> Json<&serde_json::Value> {
        Json(&self.0.metrics)
    }
    /// Duration in seconds.
    async fn duration_seconds(&self) -> Option<f64> {
        self.0.duration_seconds
    }
    /// Outcome.
    async fn status(&self) -> RunStatus {
        self.0.status.into()
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The job it belongs to.
    async fn training_job(&self, ctx: &Context<'_>) -> Result<Option<TrainingJob>> {
        load_ref::<training_job::Entity, _>(ctx, Some(self.0.training_job_id), TrainingJob::from)
            .await
    }
}

filter_input!(
    /// Conditions on runs.
    ExperimentRunFilter for experiment_run {
        /// Its id.
        id: IdFilter => Id,
        /// Its job.
        training_job: IdFilter => TrainingJobId,
        /// Its run number.
        run_number: IntFilter => RunNumber,
        /// Its outcome.
        status: RunStatusFilter => Status,
        /// Its duration.
        duration_seconds: FloatFilter => DurationSeconds,
        /// Creation time.
        created_at: DateTimeFilter => CreatedAt,
    }
);

order_input!(
    /// A sort key for runs.
    ExperimentRunOrder, ExperimentRunOrderField for experiment_run {
        /// Run number.
        RunNumber => RunNumber,
        /// Duration.
        DurationSeconds => DurationSeconds,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
);

/// The fields of a [`PatternRecognitionJob`] of its own (the graph fields are shared, in `graph`).
pub struct PatternRecognitionJobFields(pub pattern_recognition_job::Model);

#[Object]
impl PatternRecognitionJobFields {
    /// Namespace.
    async fn ns(&self) -> &str {
        &self.0.ns
    }
    /// Name, unique in the namespace.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind of pattern searched for.
    async fn pattern_type(&self) -> &str {
        &self.0.pattern_type
    }
    /// Lifecycle status.
    async fn status(&self) -> JobStatus {
        self.0.status.into()
    }
    /// Configuration.
    async fn config(&self) -> Json<&serde_json::Value> {
        Json(&self.0.config)
    }
    /// Results, once completed.
    async fn results(&self) -> Option<Json<&serde_json::Value>> {
        self.0.results.as_ref().map(Json)
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
}

filter_input!(
    /// Conditions on pattern-recognition jobs.
    PatternRecognitionJobFilter for pattern_recognition_job {
        /// Its id.
        id: IdFilter => Id,
        /// Its namespace.
        ns: StringFilter => Ns,
        /// Its name.
        name: StringFilter => Name,
        /// Its pattern type.
        pattern_type: StringFilter => PatternType,
        /// Its status.
        status: JobStatusFilter => Status,
        /// Creation time.
        created_at: DateTimeFilter => CreatedAt,
    }
);

order_input!(
    /// A sort key for pattern-recognition jobs.
    PatternRecognitionJobOrder, PatternRecognitionJobOrderField for pattern_recognition_job {
        /// Name.
        Name => Name,
        /// Status.
        Status => Status,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
);

/// Input of `createExperiment`.
#[derive(InputObject, Debug)]
pub struct CreateExperimentInput {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Kind of experiment.
    pub experiment_type: ExperimentType,
    /// Status (PLANNED unless given).
    pub status: Option<ExperimentStatus>,
    /// Configuration.
    pub config: Option<Json<serde_json::Value>>,
    /// Owning workflow (same namespace).
    pub workflow_id: Option<ID>,
}

/// Input of `updateExperiment`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateExperimentInput {
    /// The experiment.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description (null clears it).
    pub description: MaybeUndefined<String>,
    /// New status.
    pub status: Option<ExperimentStatus>,
    /// New configuration.
    pub config: Option<Json<serde_json::Value>>,
}

/// Input of `createTrainingJob`: a new job starts QUEUED.
#[derive(InputObject, Debug)]
pub struct CreateTrainingJobInput {
    /// Namespace.
    pub ns: String,
    /// Name.
    pub name: String,
    /// Experiment (same namespace).
    pub experiment_id: Option<ID>,
    /// Model to train (same namespace).
    pub model_id: Option<ID>,
    /// Dataset version to train on (same namespace).
    pub dataset_version_id: Option<ID>,
    /// Priority 1–10 (5 unless given).
    pub priority: Option<i32>,
    /// Configuration snapshot.
    pub config: Option<Json<serde_json::Value>>,
    /// The pipeline it runs (VALIDATED, same namespace): the job keeps a snapshot of it.
    pub pipeline_id: Option<ID>,
}

/// Input of `updateTrainingJob`: absent fields stay as they are. The state changes
/// through the lifecycle mutations.
#[derive(InputObject, Debug)]
pub struct UpdateTrainingJobInput {
    /// The job.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New priority 1–10.
    pub priority: Option<i32>,
    /// New configuration snapshot.
    pub config: Option<Json<serde_json::Value>>,
    /// Refuse (`CONFLICT`) unless the job is at this revision.
    pub expected_revision: Option<i32>,
}

/// Input of `createExperimentRun`. The run number is assigned by the server.
#[derive(InputObject, Debug)]
pub struct CreateExperimentRunInput {
    /// The job.
    pub training_job_id: ID,
    /// Hyperparameters.
    pub hyperparameters: Option<Json<serde_json::Value>>,
    /// Metrics.
    pub metrics: Option<Json<serde_json::Value>>,
    /// Duration in seconds (>= 0).
    pub duration_seconds: Option<f64>,
    /// Outcome (RUNNING unless given).
    pub status: Option<RunStatus>,
}

/// Input of `updateExperimentRun`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateExperimentRunInput {
    /// The run.
    pub id: ID,
    /// New metrics.
    pub metrics: Option<Json<serde_json::Value>>,
    /// New duration.
    pub duration_seconds: Option<f64>,
    /// New outcome.
    pub status: Option<RunStatus>,
}

/// Input of `createPatternRecognitionJob`.
#[derive(InputObject, Debug)]
pub struct CreatePatternRecognitionJobInput {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Kind of pattern.
    pub pattern_type: String,
    /// Configuration.
    pub config: Option<Json<serde_json::Value>>,
}

/// Input of `updatePatternRecognitionJob`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdatePatternRecognitionJobInput {
    /// The job.
    pub id: ID,
    /// New status.
    pub status: Option<JobStatus>,
    /// New configuration.
    pub config: Option<Json<serde_json::Value>>,
    /// Results (null clears them).
    pub results: MaybeUndefined<Json<serde_json::Value>>,
}

/// Input of `enqueueTrainingJob`: a QUEUED job for workers to claim.
#[derive(InputObject, Debug)]
pub struct EnqueueTrainingJobInput {
    /// Namespace.
    pub ns: String,
    /// Name.
    pub name: String,
    /// Experiment (same namespace).
    pub experiment_id: Option<ID>,
    /// Model to train (same namespace); completing the job registers a version of it.
    pub model_id: Option<ID>,
    /// Dataset versions to train on (same namespace): the first is the job's training set,
    /// the others are linked with `trainedOn` edges.
    #[graphql(default)]
    pub dataset_version_ids: Vec<ID>,
    /// Priority 1–10, higher is claimed first (5 unless given).
    pub priority: Option<i32>,
    /// Configuration snapshot.
    pub config: Option<Json<serde_json::Value>>,
    /// The pipeline it runs (VALIDATED, same namespace): the job keeps a snapshot of it.
    pub pipeline_id: Option<ID>,
}

/// Input of `reportTrainingProgress`.
#[derive(InputObject, Debug)]
pub struct ReportTrainingProgressInput {
    /// The job (RUNNING).
    pub id: ID,
    /// Percent done, 0–100.
    pub progress: f64,
    /// What it is doing now, e.g. `epoch 3/10`.
    pub current_step: Option<String>,
    /// Refuse (`CONFLICT`) unless the job is at this revision.
    pub expected_revision: Option<i32>,
}

/// The model version a finished job produced (of the job's model).
#[derive(InputObject, Debug)]
pub struct ProducedModelVersionInput {
    /// Where the artifact is stored.
    pub artifact_uri: Option<String>,
    /// Checksum of the artifact.
    pub checksum: Option<String>,
    /// Artifact size in bytes (> 0).
    pub size_bytes: Option<i64>,
    /// Evaluation metrics.
    pub metrics: Option<Json<serde_json::Value>>,
    /// Training parameters.
    pub params: Option<Json<serde_json::Value>>,
    /// The version it derives from (same namespace).
    pub parent_version_id: Option<ID>,
}

/// One run of a finished job.
#[derive(InputObject, Debug)]
pub struct RunResultInput {
    /// Hyperparameters.
    pub hyperparameters: Option<Json<serde_json::Value>>,
    /// Metrics.
    pub metrics: Option<Json<serde_json::Value>>,
    /// Duration in seconds (>= 0).
    pub duration_seconds: Option<f64>,
    /// Outcome (COMPLETED unless given).
    pub status: Option<RunStatus>,
}

/// Input of `completeTrainingJob`.
#[derive(InputObject, Debug)]
pub struct CompleteTrainingJobInput {
    /// The job (RUNNING).
    pub id: ID,
    /// Refuse (`CONFLICT`) unless the job is at this revision.
    pub expected_revision: Option<i32>,
    /// The model version it produced, registered in the same transaction.
    pub model_version: Option<ProducedModelVersionInput>,
    /// Its runs, numbered in order, registered in the same transaction.
    pub runs: Option<Vec<RunResultInput>>,
}

/// Input of `failTrainingJob`.
#[derive(InputObject, Debug)]
pub struct FailTrainingJobInput {
    /// The job (RUNNING).
    pub id: ID,
    /// Refuse (`CONFLICT`) unless the job is at this revision.
    pub expected_revision: Option<i32>,
    /// What went wrong.
    pub error: String,
    /// The worker's traceback.
    pub traceback: Option<String>,
}

/// Input of `cancelTrainingJob`.
#[derive(InputObject, Debug)]
pub struct CancelTrainingJobInput {
    /// The job (QUEUED or RUNNING).
    pub id: ID,
    /// Refuse (`CONFLICT`) unless the job is at this revision.
    pub expected_revision: Option<i32>,
    /// Why (kept in `error`).
    pub reason: Option<String>,
}

/// What `completeTrainingJob` registered.
#[derive(async_graphql::SimpleObject)]
pub struct CompleteTrainingJobPayload {
    /// The job, now SUCCEEDED.
    pub job: TrainingJob,
    /// The model version it produced, when one was given.
    pub model_version: Option<ModelVersion>,
    /// Its runs.
    pub runs: Vec<ExperimentRun>,
}

/// Which training jobs a `trainingJobs` subscription follows (all given conditions hold).
#[derive(InputObject, Debug, Default)]
pub struct TrainingJobWatchFilter {
    /// Only jobs now in one of these states.
    pub status: Option<Vec<TrainingJobStatus>>,
    /// Only jobs of this experiment.
    pub experiment: Option<ID>,
    /// Only jobs training this model.
    pub model: Option<ID>,
    /// Only jobs of this namespace (or its `ns/...` children).
    pub ns: Option<String>,
}

// GraphQL inputs → commands.

impl CreateExperimentInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CreateExperiment> {
        Ok(commands::CreateExperiment {
            ns: self.ns,
            name: self.name,
            description: self.description,
            experiment_type: self.experiment_type.into(),
            status: self.status.map(Into::into),
            config: self.config.map(|j| j.0),
            workflow_id: opt_id(
                &self.workflow_id,
                NodeType::Workflow,
                &format!("{at}.workflowId"),
            )?,
        })
    }
}

impl UpdateExperimentInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateExperiment> {
        Ok(commands::UpdateExperiment {
            id: decode_as(&self.id, NodeType::Experiment, &format!("{at}.id"))?,
            name: self.name,
            description: Patch::from(self.description),
            status: self.status.map(Into::into),
            config: self.config.map(|j| j.0),
        })
    }
}

impl CreateTrainingJobInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CreateTrainingJob> {
        Ok(commands::CreateTrainingJob {
            ns: self.ns,
            name: self.name,
            experiment_id: opt_id(
                &self.experiment_id,
                NodeType::Experiment,
                &format!("{at}.experimentId"),
            )?,
            model_id: opt_id(&self.model_id, NodeType::Model, &format!("{at}.modelId"))?,
            dataset_version_id: opt_id(
                &self.dataset_version_id,
                NodeType::DatasetVersion,
                &format!("{at}.datasetVersionId"),
            )?,
            priority: self.priority,
            config: self.config.map(|j| j.0),
            pipeline_id: opt_id(
                &self.pipeline_id,
                NodeType::Pipeline,
                &format!("{at}.pipelineId"),
            )?,
        })
    }
}

impl UpdateTrainingJobInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateTrainingJob> {
        Ok(commands::UpdateTrainingJob {
            id: decode_as(&self.id, NodeType::TrainingJob, &format!("{at}.id"))?,
            name: self.name,
            priority: self.priority,
            config: self.config.map(|j| j.0),
            expected_revision: self.expected_revision,
        })
    }
}

impl CreateExperimentRunInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CreateExperimentRun> {
        Ok(commands::CreateExperimentRun {
            training_job_id: decode_as(
                &self.training_job_id,
                NodeType::TrainingJob,
                &format!("{at}.trainingJobId"),
            )?,
            hyperparameters: self.hyperparameters.map(|j| j.0),
            metrics: self.metrics.map(|j| j.0),
            duration_seconds: self.duration_seconds,
            status: self.status.map(Into::into),
        })
    }
}

impl UpdateExperimentRunInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateExperimentRun> {
        Ok(commands::UpdateExperimentRun {
            id: decode_as(&self.id, NodeType::ExperimentRun, &format!("{at}.id"))?,
            metrics: self.metrics.map(|j| j.0),
            duration_seconds: self.duration_seconds,
            status: self.status.map(Into::into),
        })
    }
}

impl CreatePatternRecognitionJobInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, _at: &str) -> AppResult<commands::CreatePatternRecognitionJob> {
        Ok(commands::CreatePatternRecognitionJob {
            ns: self.ns,
            name: self.name,
            pattern_type: self.pattern_type,
            config: self.config.map(|j| j.0),
        })
    }
}

impl UpdatePatternRecognitionJobInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdatePatternRecognitionJob> {
        Ok(commands::UpdatePatternRecognitionJob {
            id: decode_as(
                &self.id,
                NodeType::PatternRecognitionJob,
                &format!("{at}.id"),
            )?,
            status: self.status.map(Into::into),
            config: self.config.map(|j| j.0),
            results: Patch::from(self.results.map_value(|j| j.0)),
        })
    }
}

impl EnqueueTrainingJobInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::EnqueueTrainingJob> {
        Ok(commands::EnqueueTrainingJob {
            ns: self.ns,
            name: self.name,
            experiment_id: opt_id(
                &self.experiment_id,
                NodeType::Experiment,
                &format!("{at}.experimentId"),
            )?,
            model_id: opt_id(&self.model_id, NodeType::Model, &format!("{at}.modelId"))?,
            dataset_version_ids: self
                .dataset_version_ids
                .iter()
                .map(|id| {
                    decode_as(
                        id,
                        NodeType::DatasetVersion,
                        &format!("{at}.datasetVersionIds"),
                    )
                })
                .collect::<AppResult<_>>()?,
            priority: self.priority,
            config: self.config.map(|j| j.0),
            pipeline_id: opt_id(
                &self.pipeline_id,
                NodeType::Pipeline,
                &format!("{at}.pipelineId"),
            )?,
        })
    }
}

impl ReportTrainingProgressInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::ReportTrainingProgress> {
        Ok(commands::ReportTrainingProgress {
            id: decode_as(&self.id, NodeType::TrainingJob, &format!("{at}.id"))?,
            progress: self.progress,
            current_step: self.current_step,
            expected_revision: self.expected_revision,
        })
    }
}

impl ProducedModelVersionInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::ProducedModelVersion> {
        Ok(commands::ProducedModelVersion {
            artifact_uri: self.artifact_uri,
            checksum: self.checksum,
            size_bytes: self.size_bytes,
            metrics: self.metrics.map(|j| j.0),
            params: self.params.map(|j| j.0),
            parent_version_id: opt_id(
                &self.parent_version_id,
                NodeType::ModelVersion,
                &format!("{at}.parentVersionId"),
            )?,
        })
    }
}

impl RunResultInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, _at: &str) -> AppResult<commands::RunResult> {
        Ok(commands::RunResult {
            hyperparameters: self.hyperparameters.map(|j| j.0),
            metrics: self.metrics.map(|j| j.0),
            duration_seconds: self.duration_seconds,
            status: self.status.map(Into::into),
        })
    }
}

impl CompleteTrainingJobInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CompleteTrainingJob> {
        Ok(commands::CompleteTrainingJob {
            id: decode_as(&self.id, NodeType::TrainingJob, &format!("{at}.id"))?,
            expected_revision: self.expected_revision,
            model_version: self
                .model_version
                .map(|v| v.into_command(&format!("{at}.modelVersion")))
                .transpose()?,
            runs: self
                .runs
                .map(|items| {
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| v.into_command(&format!("{at}.runs.{i}")))
                        .collect::<AppResult<Vec<_>>>()
                })
                .transpose()?,
        })
    }
}

impl FailTrainingJobInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::FailTrainingJob> {
        Ok(commands::FailTrainingJob {
            id: decode_as(&self.id, NodeType::TrainingJob, &format!("{at}.id"))?,
            expected_revision: self.expected_revision,
            error: self.error,
            traceback: self.traceback,
        })
    }
}

impl CancelTrainingJobInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CancelTrainingJob> {
        Ok(commands::CancelTrainingJob {
            id: decode_as(&self.id, NodeType::TrainingJob, &format!("{at}.id"))?,
            expected_revision: self.expected_revision,
            reason: self.reason,
        })
    }
}

crate::gql::plan::plannable!(experiment::Entity => "Experiment", ExperimentFilter, ExperimentOrder {
    "ns" => Col(C::Ns, Plain),
    "name" => Col(C::Name, Plain),
    "description" => Col(C::Description, Plain),
    "experimentType" => Col(C::ExperimentType, crate::gql::plan::enumeration!(entity::enums::ExperimentType, ExperimentType)),
    "status" => Col(C::Status, crate::gql::plan::enumeration!(entity::enums::ExperimentStatus, ExperimentStatus)),
    "config" => Col(C::Config, Plain),
    "createdBy" => Col(C::CreatedBy, Plain),
    "createdAt" => Col(C::CreatedAt, Time),
    "updatedAt" => Col(C::UpdatedAt, Time),
    "workflow" => reference::<Self, entity::workflow::Entity>(C::WorkflowId),
    "trainingJobs" => children::<Self, ExperimentTrainingJobs>(),
});

crate::gql::plan::plannable!(training_job::Entity => "TrainingJob", TrainingJobFilter, TrainingJobOrder {
    "ns" => Col(C::Ns, Plain),
    "name" => Col(C::Name, Plain),
    "status" => Col(C::Status, crate::gql::plan::enumeration!(entity::enums::TrainingJobStatus, TrainingJobStatus)),
    "priority" => Col(C::Priority, Plain),
    "progress" => Col(C::Progress, Float),
    "currentStep" => Col(C::CurrentStep, Plain),
    "config" => Col(C::Config, Plain),
    "worker" => Col(C::Worker, Plain),
    "heartbeatAt" => Col(C::HeartbeatAt, Time),
    "startedAt" => Col(C::StartedAt, Time),
    "finishedAt" => Col(C::FinishedAt, Time),
    "error" => Col(C::Error, Plain),
    "traceback" => Col(C::Traceback, Plain),
    "revision" => Col(C::Revision, Plain),
    "createdBy" => Col(C::CreatedBy, Plain),
    "createdAt" => Col(C::CreatedAt, Time),
    "updatedAt" => Col(C::UpdatedAt, Time),
    "pipelineSnapshot" => Col(C::PipelineSnapshot, Plain),
    "experiment" => reference::<Self, experiment::Entity>(C::ExperimentId),
    "model" => reference::<Self, entity::model::Entity>(C::ModelId),
    "datasetVersion" => reference::<Self, entity::dataset_version::Entity>(C::DatasetVersionId),
    "producedVersions" => children::<Self, JobProducedVersions>(),
});

//! GraphQL types of experiments, training jobs, runs and pattern-recognition jobs.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Result};

use super::commands;
use crate::core::ids::decode_as;
use crate::core::patch::Patch;
use crate::enums::{ExperimentStatus, ExperimentType, JobStatus, RunStatus, TrainingJobStatus};
use crate::error::AppResult;
use crate::gql::input::opt_id;
use crate::graph::{
    Artifact, DatasetVersion, Experiment, ExperimentRun, JobRun, Model, ModelVersion, NodeType,
    Pipeline, TrainingJob, Workflow,
};
use crate::relations::ExperimentJobRuns;

crate::gql::declare::node_type! {
    /// The fields of a [`Experiment`] of its own (the graph fields are shared, in `graph`).
    experiment => ExperimentFields, list ExperimentFilter, ExperimentOrder of "experiments";
    columns {
        /// Namespace.
        ns: Str filter,
        /// Name, unique in the namespace.
        name: Str filter order,
        /// Free-text description.
        description: OptStr,
        /// Kind of experiment.
        experiment_type: Enum(ExperimentType) filter,
        /// Lifecycle status.
        status: Enum(ExperimentStatus) filter order,
        /// Configuration (search space, traffic split, ...).
        config: Json,
        /// Who created it.
        created_by: OptStr,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
    }
    references {
        /// The workflow that owns it.
        workflow: Workflow = workflow_id filter,
    }
    children {
        /// Its training jobs.
        training_jobs: ExperimentTrainingJobs => TrainingJob,
    }
    loaded {
        /// Its runs as OpenLineage or MLflow clients reported them.
        job_runs: JobRun via crate::runs::runs_of::<ExperimentJobRuns>,
    }
    filter_related {
        /// Has at least one training job matching.
        training_jobs: TrainingJobFilter => Id in training_job.ExperimentId,
    }
    resolvers {
        /// Its canonical URL (`/ns/<namespace>/Experiment/<Name_with_underscores>`); `GET` on it
        /// answers this node's id.
        async fn canonical_url(&self) -> String {
            crate::graph::canonical::url(crate::core::ids::NodeType::Experiment, &self.0.ns, &self.0.name)
        }
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`TrainingJob`] of its own (the graph fields are shared, in `graph`).
    training_job => TrainingJobFields, list TrainingJobFilter, TrainingJobOrder of "training jobs";
    columns {
        /// Namespace.
        ns: Str filter,
        /// Name.
        name: Str filter order,
        /// Current state.
        status: Enum(TrainingJobStatus) filter order,
        /// Priority, 1 (lowest) to 10 (highest).
        priority: Copy(i32) filter order,
        /// Progress in percent (0–100).
        progress: Float(f64) filter order,
        /// What the worker is doing now.
        current_step: OptStr,
        /// Snapshot of the training configuration.
        config: Json,
        /// The worker that claimed it.
        worker: OptStr filter,
        /// Last heartbeat from the worker.
        heartbeat_at: OptTime,
        /// When it started running.
        started_at: OptTime,
        /// When it reached a final state.
        finished_at: OptTime,
        /// Why it failed (or was cancelled, or timed out).
        error: OptStr,
        /// The traceback its worker reported with the failure.
        traceback: OptStr,
        /// Revision, bumped on every change (pass it back as `expectedRevision`).
        revision: Copy(i32),
        /// Who created it.
        created_by: OptStr,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time order,
        /// The pipeline as it was when the job was created (`pipelineId`, `name`, `version`,
        /// `datasetId`, `validatedAt`, `config`); never changes, whatever becomes of the
        /// pipeline.
        pipeline_snapshot: OptJson,
    }
    references {
        /// The experiment it belongs to.
        experiment: Experiment = experiment_id filter,
        /// The model it trains.
        model: Model = model_id filter,
        /// The dataset version it trains on.
        dataset_version: DatasetVersion = dataset_version_id filter,
    }
    children {
        /// Its runs.
        runs: JobRuns => ExperimentRun,
        /// Model versions it produced.
        produced_versions: JobProducedVersions => ModelVersion,
    }
    loaded {
        /// Its files in the artifact store (live ones unless the filter asks for deleted).
        artifacts: Artifact via crate::artifacts::owned,
    }
    resolvers {
        /// The pipeline it runs.
        async fn pipeline(&self, ctx: &Context<'_>) -> Result<Option<Pipeline>> {
            crate::prep::job_pipeline(ctx, &self.0).await
        }
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`ExperimentRun`] of its own (the graph fields are shared, in `graph`).
    experiment_run => ExperimentRunFields, list ExperimentRunFilter, ExperimentRunOrder of "runs";
    columns {
        /// Namespace (the job's).
        ns: Str,
        /// Run number, assigned by the server (1, 2, ... per job).
        run_number: Copy(i32) filter order,
        /// Hyperparameters.
        hyperparameters: Json,
        /// Metrics.
        metrics: Json,
        /// Duration in seconds.
        duration_seconds: Float(Option<f64>) filter order,
        /// Outcome.
        status: Enum(RunStatus) filter,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
    }
    references {
        /// The job it belongs to.
        training_job: TrainingJob = training_job_id filter,
    }
    loaded {
        /// Its files in the artifact store (live ones unless the filter asks for deleted).
        artifacts: Artifact via crate::artifacts::owned,
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`PatternRecognitionJob`] of its own (the graph fields are shared, in `graph`).
    pattern_recognition_job => PatternRecognitionJobFields, list PatternRecognitionJobFilter, PatternRecognitionJobOrder of "pattern-recognition jobs";
    columns {
        /// Namespace.
        ns: Str filter,
        /// Name, unique in the namespace.
        name: Str filter order,
        /// Kind of pattern searched for.
        pattern_type: Str filter,
        /// Lifecycle status.
        status: Enum(JobStatus) filter order,
        /// Configuration.
        config: Json,
        /// Results, once completed.
        results: OptJson,
        /// Who created it.
        created_by: OptStr,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
    }
}

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

//! The training service's commands: what its mutations ask for, as plain values (ids decoded,
//! optional changes as [`Patch`]). The GraphQL inputs in `types` convert into them.

use uuid::Uuid;

use crate::core::patch::Patch;

/// Input of `createExperiment`.
#[derive(Debug, Clone)]
pub struct CreateExperiment {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Kind of experiment.
    pub experiment_type: entity::enums::ExperimentType,
    /// Status (PLANNED unless given).
    pub status: Option<entity::enums::ExperimentStatus>,
    /// Configuration.
    pub config: Option<serde_json::Value>,
    /// Owning workflow (same namespace).
    pub workflow_id: Option<Uuid>,
}

/// Input of `updateExperiment`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdateExperiment {
    /// The experiment.
    pub id: Uuid,
    /// New name.
    pub name: Option<String>,
    /// New description (null clears it).
    pub description: Patch<String>,
    /// New status.
    pub status: Option<entity::enums::ExperimentStatus>,
    /// New configuration.
    pub config: Option<serde_json::Value>,
}

/// Input of `createTrainingJob`: a new job starts QUEUED.
#[derive(Debug, Clone)]
pub struct CreateTrainingJob {
    /// Namespace.
    pub ns: String,
    /// Name.
    pub name: String,
    /// Experiment (same namespace).
    pub experiment_id: Option<Uuid>,
    /// Model to train (same namespace).
    pub model_id: Option<Uuid>,
    /// Dataset version to train on (same namespace).
    pub dataset_version_id: Option<Uuid>,
    /// Priority 1–10 (5 unless given).
    pub priority: Option<i32>,
    /// Configuration snapshot.
    pub config: Option<serde_json::Value>,
    /// The pipeline it runs.
    pub pipeline_id: Option<Uuid>,
}

/// Input of `updateTrainingJob`: absent fields stay as they are. The state changes
/// through the lifecycle mutations.
#[derive(Debug, Clone)]
pub struct UpdateTrainingJob {
    /// The job.
    pub id: Uuid,
    /// New name.
    pub name: Option<String>,
    /// New priority 1–10.
    pub priority: Option<i32>,
    /// New configuration snapshot.
    pub config: Option<serde_json::Value>,
    /// Refuse (`CONFLICT`) unless the job is at this revision.
    pub expected_revision: Option<i32>,
}

/// Input of `createExperimentRun`. The run number is assigned by the server.
#[derive(Debug, Clone)]
pub struct CreateExperimentRun {
    /// The job.
    pub training_job_id: Uuid,
    /// Hyperparameters.
    pub hyperparameters: Option<serde_json::Value>,
    /// Metrics.
    pub metrics: Option<serde_json::Value>,
    /// Duration in seconds (>= 0).
    pub duration_seconds: Option<f64>,
    /// Outcome (RUNNING unless given).
    pub status: Option<entity::enums::RunStatus>,
}

/// Input of `updateExperimentRun`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdateExperimentRun {
    /// The run.
    pub id: Uuid,
    /// New metrics.
    pub metrics: Option<serde_json::Value>,
    /// New duration.
    pub duration_seconds: Option<f64>,
    /// New outcome.
    pub status: Option<entity::enums::RunStatus>,
}

/// Input of `createPatternRecognitionJob`.
#[derive(Debug, Clone)]
pub struct CreatePatternRecognitionJob {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Kind of pattern.
    pub pattern_type: String,
    /// Configuration.
    pub config: Option<serde_json::Value>,
}

/// Input of `updatePatternRecognitionJob`: absent fields stay as they are.
#[derive(Debug, Clone)]
pub struct UpdatePatternRecognitionJob {
    /// The job.
    pub id: Uuid,
    /// New status.
    pub status: Option<entity::enums::JobStatus>,
    /// New configuration.
    pub config: Option<serde_json::Value>,
    /// Results (null clears them).
    pub results: Patch<serde_json::Value>,
}

/// Input of `enqueueTrainingJob`: a QUEUED job for workers to claim.
#[derive(Debug, Clone)]
pub struct EnqueueTrainingJob {
    /// Namespace.
    pub ns: String,
    /// Name.
    pub name: String,
    /// Experiment (same namespace).
    pub experiment_id: Option<Uuid>,
    /// Model to train (same namespace); completing the job registers a version of it.
    pub model_id: Option<Uuid>,
    /// Dataset versions to train on (same namespace): the first is the job's training set,
    /// the others are linked with `trainedOn` edges.
    pub dataset_version_ids: Vec<Uuid>,
    /// Priority 1–10, higher is claimed first (5 unless given).
    pub priority: Option<i32>,
    /// Configuration snapshot.
    pub config: Option<serde_json::Value>,
    /// The pipeline it runs (VALIDATED): the job keeps a snapshot of it.
    pub pipeline_id: Option<Uuid>,
}

/// Input of `reportTrainingProgress`.
#[derive(Debug, Clone)]
pub struct ReportTrainingProgress {
    /// The job (RUNNING).
    pub id: Uuid,
    /// Percent done, 0–100.
    pub progress: f64,
    /// What it is doing now, e.g. `epoch 3/10`.
    pub current_step: Option<String>,
    /// Refuse (`CONFLICT`) unless the job is at this revision.
    pub expected_revision: Option<i32>,
}

/// The model version a finished job produced (of the job's model).
#[derive(Debug, Clone)]
pub struct ProducedModelVersion {
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
}

/// One run of a finished job.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Hyperparameters.
    pub hyperparameters: Option<serde_json::Value>,
    /// Metrics.
    pub metrics: Option<serde_json::Value>,
    /// Duration in seconds (>= 0).
    pub duration_seconds: Option<f64>,
    /// Outcome (COMPLETED unless given).
    pub status: Option<entity::enums::RunStatus>,
}

/// Input of `completeTrainingJob`.
#[derive(Debug, Clone)]
pub struct CompleteTrainingJob {
    /// The job (RUNNING).
    pub id: Uuid,
    /// Refuse (`CONFLICT`) unless the job is at this revision.
    pub expected_revision: Option<i32>,
    /// The model version it produced, registered in the same transaction.
    pub model_version: Option<ProducedModelVersion>,
    /// Its runs, numbered in order, registered in the same transaction.
    pub runs: Option<Vec<RunResult>>,
}

/// Input of `failTrainingJob`.
#[derive(Debug, Clone)]
pub struct FailTrainingJob {
    /// The job (RUNNING).
    pub id: Uuid,
    /// Refuse (`CONFLICT`) unless the job is at this revision.
    pub expected_revision: Option<i32>,
    /// What went wrong.
    pub error: String,
    /// The worker's traceback.
    pub traceback: Option<String>,
}

/// Input of `cancelTrainingJob`.
#[derive(Debug, Clone)]
pub struct CancelTrainingJob {
    /// The job (QUEUED or RUNNING).
    pub id: Uuid,
    /// Refuse (`CONFLICT`) unless the job is at this revision.
    pub expected_revision: Option<i32>,
    /// Why (kept in `error`).
    pub reason: Option<String>,
}

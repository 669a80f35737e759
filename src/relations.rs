//! Every to-many relation the API exposes, as loader markers: child table and the column
//! that points at the parent. Each becomes one windowed statement per nesting level.

use crate::core::loader::child_relations;

child_relations!(
    /// workflow → datasets
    WorkflowDatasets: dataset.WorkflowId,
    /// workflow → models
    WorkflowModels: model.WorkflowId,
    /// workflow → experiments
    WorkflowExperiments: experiment.WorkflowId,
    /// dataset version → schema deductions of its file
    VersionSchemaDeductions: schema_deduction.DatasetVersionId,
    /// dataset version → EDA reports of its file
    VersionEdaReports: eda_report.DatasetVersionId,
    /// dataset → versions
    DatasetVersions: dataset_version.DatasetId,
    /// dataset version → training jobs that used it (their training set, or one of the
    /// further versions they were enqueued with, linked by `trainedOn`)
    DatasetVersionTrainingJobs: training_job.DatasetVersionId or edge "trainedOn" to DatasetVersion,
    /// model → versions
    ModelVersions: model_version.ModelId,
    /// node → its artifacts (model versions, dataset versions, training jobs, runs)
    OwnedArtifacts: artifact.OwnerId,
    /// model → training jobs
    ModelTrainingJobs: training_job.ModelId,
    /// model version → versions derived from it
    DerivedVersions: model_version.ParentVersionId,
    /// model version → deployments
    VersionDeployments: deployment.ModelVersionId,
    /// model version → approvals requested for it
    VersionApprovals: approval.ModelVersionId,
    /// model version → predictions it answered (unfiltered counts from the rollups)
    VersionPredictions: prediction.ModelVersionId counted by rollup "model_version_id",
    /// experiment → training jobs
    ExperimentTrainingJobs: training_job.ExperimentId,
    /// pipeline → the training jobs that ran it
    PipelineTrainingJobs: training_job.PipelineId,
    /// training job → runs
    JobRuns: experiment_run.TrainingJobId,
    /// training job → model versions it produced
    JobProducedVersions: model_version.TrainingJobId,
    /// endpoint → deployments
    EndpointDeployments: deployment.EndpointId,
    /// endpoint → predictions (unfiltered counts from the rollups)
    EndpointPredictions: prediction.EndpointId counted by rollup "endpoint_id",
    /// Cloud Run service → deployments (revisions)
    ServiceRevisions: service_deployment.ServiceId,
    /// workflow → its runs (OpenLineage)
    WorkflowRuns: job_run.WorkflowId,
    /// experiment → its runs reported by MLflow clients
    ExperimentJobRuns: job_run.ExperimentId,
    /// job run → the runs it started (OpenLineage `parent` facet)
    ChildRuns: job_run.ParentRunId,
    /// any node → its events
    NodeHistory: event.EntityId,
    /// any node → explicit edges starting at it
    EdgesOut: edge.SourceId,
    /// any node → explicit edges ending at it
    EdgesIn: edge.TargetId,
);

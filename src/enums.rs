//! GraphQL mirrors of the stored enumerations (`entity::enums`), with their filters.

use async_graphql::Enum;

use crate::gql::filter::enum_filter;

macro_rules! mirror {
    ($(#[$m:meta])* $name:ident, $filter:ident { $( $(#[$vm:meta])* $variant:ident ),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
        pub enum $name {
            $( $(#[$vm])* $variant, )+
        }
        impl From<$name> for entity::enums::$name {
            fn from(v: $name) -> Self {
                match v { $( $name::$variant => entity::enums::$name::$variant, )+ }
            }
        }
        impl From<entity::enums::$name> for $name {
            fn from(v: entity::enums::$name) -> Self {
                match v { $( entity::enums::$name::$variant => $name::$variant, )+ }
            }
        }
        enum_filter!(
            /// Conditions on this enumeration.
            $filter, $name, entity::enums::$name
        );
    };
}

mirror!(
    /// Lifecycle of a workflow definition.
    WorkflowStatus, WorkflowStatusFilter {
        /// Being written.
        Draft,
        /// Runs.
        Active,
        /// Temporarily stopped.
        Paused,
        /// Kept for history only.
        Archived,
    }
);
mirror!(
    /// Lifecycle of a pipeline: DRAFT → VALIDATED → ARCHIVED.
    PipelineStatus, PipelineStatusFilter {
        /// No steps yet.
        Draft,
        /// Its DAG passed validation; training jobs may run it.
        Validated,
        /// Kept for history only: not changed, not run.
        Archived,
    }
);
mirror!(
    /// Upload lifecycle of a dataset version's file.
    DatasetUploadStatus, DatasetUploadStatusFilter {
        /// Created; the client is sending the file.
        Uploading,
        /// The file is stored and verified; validation is queued.
        Uploaded,
        /// A worker is reading it.
        Validating,
        /// Read: rows, columns and names known; a deduction and a report made.
        Validated,
        /// The upload or the file was bad (`validationErrors`).
        Failed,
    }
);
mirror!(
    /// A schema deduction's status.
    SchemaDeductionStatus, SchemaDeductionStatusFilter {
        /// Waiting for a person.
        Proposed,
        /// The dataset's schema.
        Accepted,
        /// Refused, with a reason.
        Rejected,
        /// Replaced by a later accepted one.
        Superseded,
    }
);
mirror!(
    /// An EDA report's status.
    EdaReportStatus, EdaReportStatusFilter {
        /// Being made.
        Running,
        /// Done.
        Completed,
        /// Not made (`error`).
        Failed,
    }
);
mirror!(
    /// Where a report's full text is.
    ReportStorage, ReportStorageFilter {
        /// Inline in the database (under 1 MB).
        Postgres,
        /// An object in the store (`s3Bucket`, `s3Key`, `downloadUrl`).
        S3,
    }
);
mirror!(
    /// Kind of data a dataset holds.
    DatasetType, DatasetTypeFilter {
        /// Images.
        Image,
        /// Text.
        Text,
        /// Tables.
        Tabular,
        /// Audio.
        Audio,
        /// Video.
        Video,
        /// Time series.
        TimeSeries,
        /// Anything else.
        Other,
    }
);
mirror!(
    /// Which split of the data a dataset version holds.
    DatasetSplit, DatasetSplitFilter {
        /// All of it.
        Full,
        /// Training split.
        Train,
        /// Validation split.
        Validation,
        /// Test split.
        Test,
    }
);
mirror!(
    /// Lifecycle of a logical model.
    ModelStatus, ModelStatusFilter {
        /// In use.
        Active,
        /// Should no longer be used; its versions can no longer reach PRODUCTION.
        Deprecated,
        /// Retired: readable with its history, but no new versions and no promotions.
        Archived,
    }
);
mirror!(
    /// Registry stage of a model version (at most one PRODUCTION version per model).
    ModelStage, ModelStageFilter {
        /// Registered only.
        None,
        /// Being validated.
        Staging,
        /// The model's production version.
        Production,
        /// Retired.
        Archived,
    }
);
mirror!(
    /// Lifecycle of an experiment.
    ExperimentStatus, ExperimentStatusFilter {
        /// Not started.
        Planned,
        /// Under way.
        Running,
        /// Done.
        Completed,
        /// Failed.
        Failed,
        /// Stopped before completion.
        Cancelled,
    }
);
mirror!(
    /// Kind of experiment.
    ExperimentType, ExperimentTypeFilter {
        /// Hyperparameter search.
        HyperparameterTuning,
        /// A/B test between models.
        AbTest,
        /// Offline evaluation.
        Evaluation,
        /// Anything else.
        Other,
    }
);
mirror!(
    /// Training-job states: QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED.
    TrainingJobStatus, TrainingJobStatusFilter {
        /// Waiting for a worker.
        Queued,
        /// Claimed by a worker.
        Running,
        /// Finished and produced its model version.
        Succeeded,
        /// Failed.
        Failed,
        /// Cancelled.
        Cancelled,
    }
);
mirror!(
    /// Outcome of one run.
    RunStatus, RunStatusFilter {
        /// Under way.
        Running,
        /// Done.
        Completed,
        /// Failed.
        Failed,
    }
);
mirror!(
    /// Environment an endpoint serves.
    Environment, EnvironmentFilter {
        /// Development.
        Development,
        /// Staging.
        Staging,
        /// Production.
        Production,
    }
);
mirror!(
    /// Whether an endpoint takes traffic.
    EndpointStatus, EndpointStatusFilter {
        /// Being created.
        Creating,
        /// Serving.
        Active,
        /// Not serving.
        Inactive,
        /// Broken.
        Failed,
    }
);
mirror!(
    /// Lifecycle of a deployment.
    DeploymentStatus, DeploymentStatusFilter {
        /// Rolling out.
        Deploying,
        /// Serving its share of traffic.
        Active,
        /// Roll-out failed.
        Failed,
        /// Taken out of service.
        Retired,
    }
);
mirror!(
    /// Outcome of an inference request.
    PredictionStatus, PredictionStatusFilter {
        /// Waiting for the model.
        Pending,
        /// Answered.
        Completed,
        /// Failed.
        Failed,
    }
);
mirror!(
    /// Lifecycle of a batch job.
    JobStatus, JobStatusFilter {
        /// Waiting.
        Pending,
        /// Under way.
        Running,
        /// Done.
        Completed,
        /// Failed.
        Failed,
    }
);
mirror!(
    /// Whether a service is serving.
    ServiceStatus, ServiceStatusFilter {
        /// Serving.
        Active,
        /// Stopped.
        Inactive,
        /// Broken.
        Failed,
    }
);
mirror!(
    /// A person or a service account.
    PrincipalKind, PrincipalKindFilter {
        /// A person: logs in with email and password.
        User,
        /// A service account (training workers, pipelines): authenticates with API keys only.
        Service,
    }
);
mirror!(
    /// An API key or a login session.
    KeyKind, KeyKindFilter {
        /// A long-lived API key (`createApiKey`).
        Key,
        /// A session from `login` (short expiry, ended by `logout`).
        Session,
    }
);
mirror!(
    /// What a grant allows in its namespace and every namespace under it.
    Role, RoleFilter {
        /// Read.
        Viewer,
        /// Read and write.
        Editor,
        /// Read and review approvals.
        Approver,
        /// Everything, including grants, keys and users there.
        Admin,
    }
);
mirror!(
    /// Where an artifact's upload stands.
    ArtifactStatus, ArtifactStatusFilter {
        /// Planned: the client is sending the bytes.
        Pending,
        /// The bytes arrived; being verified.
        Uploaded,
        /// Size and SHA-256 checked: ready to download.
        Verified,
        /// Refused (see `failureReason`); its object is gone.
        Failed,
    }
);
mirror!(
    /// A built-in compliance check.
    CheckKind, CheckKindFilter {
        /// Personal data in the training data has a legal basis and retention, no erasure request.
        Gdpr,
        /// The model's declared risk class and, for HIGH, human oversight and intended purpose.
        EuAiAct,
        /// A fairness metric from an `evaluatedOn` edge within its threshold.
        Fairness,
        /// A bias metric from an `evaluatedOn` edge within its threshold.
        Bias,
        /// Every artifact verified, no open security finding.
        Security,
    }
);

mirror!(
    /// The outcome of a check.
    CheckResult, CheckResultFilter {
        /// Fine.
        Pass,
        /// Worth a look; never blocks.
        Warn,
        /// Failed (blocks the approval when the policy says so).
        Fail,
    }
);

mirror!(
    /// Where an approval stands.
    ApprovalStatus, ApprovalStatusFilter {
        /// Waiting for a review.
        Pending,
        /// A blocking check failed: fix and `rerunComplianceChecks`.
        ChecksFailed,
        /// Approved (valid until `expiresAt`).
        Approved,
        /// Rejected.
        Rejected,
        /// Withdrawn by its requester.
        Withdrawn,
        /// Not decided in time.
        Expired,
    }
);

mirror!(
    /// A model's risk class under the EU AI Act.
    RiskClass, RiskClassFilter {
        /// Minimal risk.
        Minimal,
        /// Limited risk (transparency duties).
        Limited,
        /// High risk: needs human oversight and a documented intended purpose.
        High,
        /// Prohibited.
        Unacceptable,
    }
);

mirror!(
    /// How bad a security finding is.
    FindingSeverity, FindingSeverityFilter {
        /// Low.
        Low,
        /// Medium.
        Medium,
        /// High.
        High,
        /// Critical.
        Critical,
    }
);
mirror!(
    /// Where a job run stands (OpenLineage START/RUNNING → RUNNING, COMPLETE → COMPLETED,
    /// FAIL → FAILED, ABORT → ABORTED; MLflow FINISHED → COMPLETED, KILLED → ABORTED).
    JobRunState, JobRunStateFilter {
        /// Waiting to start.
        Scheduled,
        /// Started and not ended.
        Running,
        /// Ended successfully.
        Completed,
        /// Ended with an error.
        Failed,
        /// Stopped before it ended.
        Aborted,
    }
);
mirror!(
    /// Which tool reported a job run.
    JobRunSource, JobRunSourceFilter {
        /// An OpenLineage producer (`POST /api/v1/lineage`).
        OpenLineage,
        /// An MLflow client (`/api/2.0/mlflow/...`).
        Mlflow,
        /// The GraphQL API.
        Api,
    }
);

//! Enumerations shared by entities, stored as their SCREAMING_CASE string values.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $($(#[$vm])* #[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant,)+
        }
        impl $name {
            /// The stored values, for CHECK constraints.
            pub const VALUES: &'static [&'static str] = &[$($value),+];
            /// The stored (and GraphQL) value.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $value),+ }
            }
        }
    };
}

text_enum!(
    /// Lifecycle of a workflow definition.
    WorkflowStatus { Draft = "DRAFT", Active = "ACTIVE", Paused = "PAUSED", Archived = "ARCHIVED" }
);
text_enum!(
    /// Lifecycle of a pipeline: DRAFT (no steps yet) → VALIDATED (its DAG passed) → ARCHIVED.
    PipelineStatus { Draft = "DRAFT", Validated = "VALIDATED", Archived = "ARCHIVED" }
);
text_enum!(
    /// Upload lifecycle of a dataset version's file: UPLOADING → UPLOADED → VALIDATING → VALIDATED | FAILED.
    DatasetUploadStatus { Uploading = "UPLOADING", Uploaded = "UPLOADED", Validating = "VALIDATING", Validated = "VALIDATED", Failed = "FAILED" }
);
text_enum!(
    /// A schema deduction: PROPOSED → ACCEPTED | REJECTED | SUPERSEDED.
    SchemaDeductionStatus { Proposed = "PROPOSED", Accepted = "ACCEPTED", Rejected = "REJECTED", Superseded = "SUPERSEDED" }
);
text_enum!(
    /// An EDA report: RUNNING → COMPLETED | FAILED.
    EdaReportStatus { Running = "RUNNING", Completed = "COMPLETED", Failed = "FAILED" }
);
text_enum!(
    /// Where a report's full text is: inline in the database, or an object on S3.
    ReportStorage { Postgres = "POSTGRES", S3 = "S3" }
);
text_enum!(
    /// Kind of data a dataset holds.
    DatasetType { Image = "IMAGE", Text = "TEXT", Tabular = "TABULAR", Audio = "AUDIO", Video = "VIDEO", TimeSeries = "TIME_SERIES", Other = "OTHER" }
);
text_enum!(
    /// Which split of the data a dataset version holds.
    DatasetSplit { Full = "FULL", Train = "TRAIN", Validation = "VALIDATION", Test = "TEST" }
);
text_enum!(
    /// Lifecycle of a logical model.
    ModelStatus { Active = "ACTIVE", Deprecated = "DEPRECATED", Archived = "ARCHIVED" }
);
text_enum!(
    /// Registry stage of a model version; at most one PRODUCTION version per model.
    ModelStage { None = "NONE", Staging = "STAGING", Production = "PRODUCTION", Archived = "ARCHIVED" }
);
text_enum!(
    /// Lifecycle of an experiment.
    ExperimentStatus { Planned = "PLANNED", Running = "RUNNING", Completed = "COMPLETED", Failed = "FAILED", Cancelled = "CANCELLED" }
);
text_enum!(
    /// Kind of experiment.
    ExperimentType { HyperparameterTuning = "HYPERPARAMETER_TUNING", AbTest = "AB_TEST", Evaluation = "EVALUATION", Other = "OTHER" }
);
text_enum!(
    /// Training-job state machine: QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED.
    TrainingJobStatus { Queued = "QUEUED", Running = "RUNNING", Succeeded = "SUCCEEDED", Failed = "FAILED", Cancelled = "CANCELLED" }
);
text_enum!(
    /// Outcome of one experiment run.
    RunStatus { Running = "RUNNING", Completed = "COMPLETED", Failed = "FAILED" }
);
text_enum!(
    /// Environment an endpoint serves.
    Environment { Development = "DEVELOPMENT", Staging = "STAGING", Production = "PRODUCTION" }
);
text_enum!(
    /// Whether an endpoint takes traffic.
    EndpointStatus { Creating = "CREATING", Active = "ACTIVE", Inactive = "INACTIVE", Failed = "FAILED" }
);
text_enum!(
    /// Lifecycle of a deployment (model version on an endpoint, or a service revision).
    DeploymentStatus { Deploying = "DEPLOYING", Active = "ACTIVE", Failed = "FAILED", Retired = "RETIRED" }
);
text_enum!(
    /// Outcome of an inference request.
    PredictionStatus { Pending = "PENDING", Completed = "COMPLETED", Failed = "FAILED" }
);
text_enum!(
    /// Lifecycle of a batch job (pattern recognition).
    JobStatus { Pending = "PENDING", Running = "RUNNING", Completed = "COMPLETED", Failed = "FAILED" }
);
text_enum!(
    /// Whether a Cloud Run service is serving.
    ServiceStatus { Active = "ACTIVE", Inactive = "INACTIVE", Failed = "FAILED" }
);
text_enum!(
    /// What a user is: a person (logs in with a password) or a service account (API keys only).
    PrincipalKind { User = "USER", Service = "SERVICE" }
);
text_enum!(
    /// A long-lived API key, or a session from `login` (short expiry, ended by `logout`).
    KeyKind { Key = "KEY", Session = "SESSION" }
);
text_enum!(
    /// What a grant allows in its namespaces: read; write; review approvals; administer
    /// grants, keys and users there (ADMIN includes the others).
    Role { Viewer = "VIEWER", Editor = "EDITOR", Approver = "APPROVER", Admin = "ADMIN" }
);
text_enum!(
    /// Where an artifact's upload stands: PENDING → UPLOADED → VERIFIED | FAILED.
    ArtifactStatus { Pending = "PENDING", Uploaded = "UPLOADED", Verified = "VERIFIED", Failed = "FAILED" }
);
text_enum!(
    /// Where an approval stands.
    ApprovalStatus { Pending = "PENDING", ChecksFailed = "CHECKS_FAILED", Approved = "APPROVED", Rejected = "REJECTED", Withdrawn = "WITHDRAWN", Expired = "EXPIRED" }
);
text_enum!(
    /// A built-in compliance check.
    CheckKind { Gdpr = "GDPR", EuAiAct = "EU_AI_ACT", Fairness = "FAIRNESS", Bias = "BIAS", Security = "SECURITY" }
);
text_enum!(
    /// The outcome of a compliance check.
    CheckResult { Pass = "PASS", Warn = "WARN", Fail = "FAIL" }
);
text_enum!(
    /// How bad a security finding is.
    FindingSeverity { Low = "LOW", Medium = "MEDIUM", High = "HIGH", Critical = "CRITICAL" }
);
text_enum!(
    /// A model's risk class under the EU AI Act.
    RiskClass { Minimal = "MINIMAL", Limited = "LIMITED", High = "HIGH", Unacceptable = "UNACCEPTABLE" }
);
text_enum!(
    /// Where a job run stands: SCHEDULED → RUNNING → COMPLETED | FAILED | ABORTED.
    JobRunState { Scheduled = "SCHEDULED", Running = "RUNNING", Completed = "COMPLETED", Failed = "FAILED", Aborted = "ABORTED" }
);
text_enum!(
    /// Which tool reported a job run.
    JobRunSource { OpenLineage = "OPENLINEAGE", Mlflow = "MLFLOW", Api = "API" }
);

//! The one definition of "what is upstream of what".
//!
//! Both the `lineage_edges` view (used on SQLite and for ad-hoc SQL) and PostgreSQL's
//! per-table traversal step (see `mlgraph::lineage::service`) are generated from these
//! lists, so they cannot disagree.

/// An implicit edge: a foreign key read as `up` was used to make `down`.
#[derive(Debug, Clone, Copy)]
pub struct ImplicitEdge {
    /// Edge kind.
    pub kind: &'static str,
    /// The table holding the foreign key.
    pub table: &'static str,
    /// Node type of the upstream end.
    pub up_type: &'static str,
    /// Column holding the upstream end's id.
    pub up_col: &'static str,
    /// Node type of the downstream end.
    pub down_type: &'static str,
    /// Column holding the downstream end's id.
    pub down_col: &'static str,
}

const fn fk(
    kind: &'static str,
    table: &'static str,
    up_type: &'static str,
    up_col: &'static str,
    down_type: &'static str,
    down_col: &'static str,
) -> ImplicitEdge {
    ImplicitEdge {
        kind,
        table,
        up_type,
        up_col,
        down_type,
        down_col,
    }
}

/// Every implicit edge. Predictions are left out: millions of leaves would swamp every
/// impact query; their volume is reported on deployments and endpoints instead.
pub const IMPLICIT_EDGES: &[ImplicitEdge] = &[
    fk(
        "owns",
        "datasets",
        "Workflow",
        "workflow_id",
        "Dataset",
        "id",
    ),
    fk("owns", "models", "Workflow", "workflow_id", "Model", "id"),
    fk(
        "owns",
        "experiments",
        "Workflow",
        "workflow_id",
        "Experiment",
        "id",
    ),
    fk(
        "versionOf",
        "dataset_versions",
        "Dataset",
        "dataset_id",
        "DatasetVersion",
        "id",
    ),
    fk(
        "versionOf",
        "model_versions",
        "Model",
        "model_id",
        "ModelVersion",
        "id",
    ),
    fk(
        "trainedOn",
        "training_jobs",
        "DatasetVersion",
        "dataset_version_id",
        "TrainingJob",
        "id",
    ),
    fk(
        "partOf",
        "training_jobs",
        "Experiment",
        "experiment_id",
        "TrainingJob",
        "id",
    ),
    fk(
        "runOf",
        "experiment_runs",
        "TrainingJob",
        "training_job_id",
        "ExperimentRun",
        "id",
    ),
    fk(
        "produced",
        "model_versions",
        "TrainingJob",
        "training_job_id",
        "ModelVersion",
        "id",
    ),
    fk(
        "derivedFrom",
        "model_versions",
        "ModelVersion",
        "parent_version_id",
        "ModelVersion",
        "id",
    ),
    fk(
        "deployedTo",
        "deployments",
        "ModelVersion",
        "model_version_id",
        "Deployment",
        "id",
    ),
    fk(
        "servedBy",
        "deployments",
        "Deployment",
        "id",
        "Endpoint",
        "endpoint_id",
    ),
    fk(
        "revisionOf",
        "service_deployments",
        "CloudRunService",
        "service_id",
        "ServiceDeployment",
        "id",
    ),
];

/// Explicit kinds whose arrow points downstream (`source` is upstream of `target`); for
/// every other kind `source --kind--> target` means the source depends on the target.
pub const DOWNSTREAM_ARROW_KINDS: &[&str] = &["deployedTo", "replacedBy", "usedBy"];

/// `DOWNSTREAM_ARROW_KINDS` as an SQL list of literals.
pub fn downstream_arrow_kinds_sql() -> String {
    DOWNSTREAM_ARROW_KINDS
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

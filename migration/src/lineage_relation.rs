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

/// The whole relation as one `SELECT` with the columns `(kind, ns, up_type, up_id,
/// down_type, down_id, edge_id, src_id)` of `lineage_links` (PostgreSQL) and, but for
/// `src_id`, of the `lineage_edges` view (SQLite), over the node tables and `edges` by
/// their plain names. Time travel puts it in front of a traversal as a CTE named like
/// the relation, over node tables rebuilt at an instant.
pub fn relation_select() -> String {
    let mut branches: Vec<String> = IMPLICIT_EDGES
        .iter()
        .map(|e| {
            let nullable = if e.up_col == "id" { e.down_col } else { e.up_col };
            format!(
                "SELECT CAST('{}' AS TEXT) AS kind, ns, CAST('{}' AS TEXT) AS up_type, {} AS up_id, \
                 CAST('{}' AS TEXT) AS down_type, {} AS down_id, CAST(NULL AS uuid) AS edge_id, id AS src_id \
                 FROM \"{}\" WHERE {nullable} IS NOT NULL",
                e.kind, e.up_type, e.up_col, e.down_type, e.down_col, e.table
            )
        })
        .collect();
    let arrows = downstream_arrow_kinds_sql();
    branches.push(format!(
        "SELECT CAST(kind AS TEXT), ns, CAST(target_type AS TEXT), target_id, CAST(source_type AS TEXT), \
         source_id, id, id FROM \"edges\" WHERE kind NOT IN ({arrows})"
    ));
    branches.push(format!(
        "SELECT CAST(kind AS TEXT), ns, CAST(source_type AS TEXT), source_id, CAST(target_type AS TEXT), \
         target_id, id, id FROM \"edges\" WHERE kind IN ({arrows})"
    ));
    branches.join(" UNION ALL ")
}

/// The node type whose rows hold an implicit edge's foreign key.
fn holder_type(e: &ImplicitEdge) -> &'static str {
    if e.down_col == "id" {
        e.down_type
    } else {
        e.up_type
    }
}

/// The node types whose events change the lineage relation.
pub fn history_types() -> Vec<&'static str> {
    let mut types: Vec<&'static str> = IMPLICIT_EDGES.iter().map(holder_type).collect();
    types.push("Edge");
    types.sort_unstable();
    types.dedup();
    types
}

/// The lineage links an event's state holds, as one `SELECT` over an event row `e` with
/// the columns `entity_type, entity_id, ns, action, after, created_at` and `next_at` (when the
/// node's next event superseded it, or NULL): the columns of `lineage_history` (PostgreSQL),
/// each link valid from the event until the next one. Used to backfill the history from
/// the log and, over the inserted row, by the trigger that keeps it current.
pub fn history_select(from: &str) -> String {
    let value = |col: &str| {
        if col == "id" {
            "e.entity_id".to_owned()
        } else {
            format!("(e.after->>'{col}')::uuid")
        }
    };
    let mut branches: Vec<String> = IMPLICIT_EDGES
        .iter()
        .map(|e| {
            let fk = if e.up_col == "id" { e.down_col } else { e.up_col };
            format!(
                "SELECT '{kind}'::text, e.ns, '{ut}'::text, {up}, '{dt}'::text, {down}, NULL::uuid, e.entity_id, \
                        e.created_at, e.next_at \
                   FROM {from} WHERE e.entity_type = '{holder}' AND e.action <> 'DELETE' \
                    AND e.after->>'{fk}' IS NOT NULL",
                kind = e.kind,
                ut = e.up_type,
                up = value(e.up_col),
                dt = e.down_type,
                down = value(e.down_col),
                holder = holder_type(e),
            )
        })
        .collect();
    let arrows = downstream_arrow_kinds_sql();
    let s = |f: &str| format!("e.after->>'{f}'");
    let id = |f: &str| format!("(e.after->>'{f}')::uuid");
    branches.push(format!(
        "SELECT {k}, e.ns, {st}, {si}, {tt}, {ti}, e.entity_id, e.entity_id, e.created_at, e.next_at \
           FROM {from} WHERE e.entity_type = 'Edge' AND e.action <> 'DELETE' AND {k} IN ({arrows})",
        k = s("kind"),
        st = s("source_type"),
        si = id("source_id"),
        tt = s("target_type"),
        ti = id("target_id"),
    ));
    branches.push(format!(
        "SELECT {k}, e.ns, {tt}, {ti}, {st}, {si}, e.entity_id, e.entity_id, e.created_at, e.next_at \
           FROM {from} WHERE e.entity_type = 'Edge' AND e.action <> 'DELETE' AND {k} NOT IN ({arrows})",
        k = s("kind"),
        st = s("source_type"),
        si = id("source_id"),
        tt = s("target_type"),
        ti = id("target_id"),
    ));
    branches.join("\nUNION ALL ")
}

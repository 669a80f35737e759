//! `lineage_edges`: the one relation lineage and impact traverse.
//!
//! Each row says `up` is upstream of `down` (what `down` was made from or depends on).
//! Implicit edges come from foreign keys; explicit ones from `edges`, where
//! `source --kind--> target` means the source depends on the target, except for the
//! kinds whose arrow points downstream (`deployedTo`, `replacedBy`, `usedBy`). Each
//! explicit direction is its own branch so that traversal joins can use the
//! `edges(source_id, kind)` / `edges(target_id, kind)` indexes. Predictions are left out:
//! millions of leaves would swamp every impact query; their volume is reported on
//! deployments and endpoints instead.
//!
//! Every branch yields the same column types (text, uuid), so the view has one clean row
//! type. Known limit (see BENCHMARKS.md): PostgreSQL still hash-joins a traversal step
//! against the whole view instead of probing each branch's index, which is slow at
//! millions of edges.

use sea_orm_migration::prelude::*;

/// Creates the `lineage_edges` view.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000002_lineage_view"
    }
}

/// Explicit kinds whose arrow points downstream (source is upstream of target).
pub const DOWNSTREAM_ARROW_KINDS: &str = "'deployedTo', 'replacedBy', 'usedBy'";

fn view_sql() -> String {
    format!(
        "CREATE VIEW lineage_edges (kind, ns, up_type, up_id, down_type, down_id, edge_id) AS
  SELECT 'owns', ns, 'Workflow', workflow_id, 'Dataset', id, CAST(NULL AS uuid) FROM datasets WHERE workflow_id IS NOT NULL
  UNION ALL SELECT 'owns', ns, 'Workflow', workflow_id, 'Model', id, CAST(NULL AS uuid) FROM models WHERE workflow_id IS NOT NULL
  UNION ALL SELECT 'owns', ns, 'Workflow', workflow_id, 'Experiment', id, CAST(NULL AS uuid) FROM experiments WHERE workflow_id IS NOT NULL
  UNION ALL SELECT 'versionOf', ns, 'Dataset', dataset_id, 'DatasetVersion', id, CAST(NULL AS uuid) FROM dataset_versions
  UNION ALL SELECT 'versionOf', ns, 'Model', model_id, 'ModelVersion', id, CAST(NULL AS uuid) FROM model_versions
  UNION ALL SELECT 'trainedOn', ns, 'DatasetVersion', dataset_version_id, 'TrainingJob', id, CAST(NULL AS uuid) FROM training_jobs WHERE dataset_version_id IS NOT NULL
  UNION ALL SELECT 'partOf', ns, 'Experiment', experiment_id, 'TrainingJob', id, CAST(NULL AS uuid) FROM training_jobs WHERE experiment_id IS NOT NULL
  UNION ALL SELECT 'runOf', ns, 'TrainingJob', training_job_id, 'ExperimentRun', id, CAST(NULL AS uuid) FROM experiment_runs
  UNION ALL SELECT 'produced', ns, 'TrainingJob', training_job_id, 'ModelVersion', id, CAST(NULL AS uuid) FROM model_versions WHERE training_job_id IS NOT NULL
  UNION ALL SELECT 'derivedFrom', ns, 'ModelVersion', parent_version_id, 'ModelVersion', id, CAST(NULL AS uuid) FROM model_versions WHERE parent_version_id IS NOT NULL
  UNION ALL SELECT 'deployedTo', ns, 'ModelVersion', model_version_id, 'Deployment', id, CAST(NULL AS uuid) FROM deployments
  UNION ALL SELECT 'servedBy', ns, 'Deployment', id, 'Endpoint', endpoint_id, CAST(NULL AS uuid) FROM deployments
  UNION ALL SELECT 'revisionOf', ns, 'CloudRunService', service_id, 'ServiceDeployment', id, CAST(NULL AS uuid) FROM service_deployments
  UNION ALL SELECT CAST(kind AS TEXT), ns, CAST(target_type AS TEXT), target_id, CAST(source_type AS TEXT), source_id, id FROM edges WHERE kind NOT IN ({DOWNSTREAM_ARROW_KINDS})
  UNION ALL SELECT CAST(kind AS TEXT), ns, CAST(source_type AS TEXT), source_id, CAST(target_type AS TEXT), target_id, id FROM edges WHERE kind IN ({DOWNSTREAM_ARROW_KINDS})"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&view_sql()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP VIEW IF EXISTS lineage_edges")
            .await?;
        Ok(())
    }
}

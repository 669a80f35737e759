//! Embeddings of deleted nodes, removed. Deleting a node left the vectors set on it
//! (`setEmbedding`) behind, and `similar` still ranked them: a page held places no node
//! filled. A delete now removes them with the node (`lineage::service::delete_node`); this
//! removes those left by earlier versions, for the node tables of this version.

use sea_orm_migration::prelude::*;

use crate::schema_helpers::run_sql;

/// The node types and their tables, as of this migration.
const NODE_TABLES: &[(&str, &str)] = &[
    ("Workflow", "workflows"),
    ("Dataset", "datasets"),
    ("DatasetVersion", "dataset_versions"),
    ("SchemaDeduction", "schema_deductions"),
    ("Model", "models"),
    ("Experiment", "experiments"),
    ("JobRun", "job_runs"),
    ("Pipeline", "pipelines"),
    ("TrainingJob", "training_jobs"),
    ("ModelVersion", "model_versions"),
    ("ExperimentRun", "experiment_runs"),
    ("Endpoint", "endpoints"),
    ("Deployment", "deployments"),
    ("Prediction", "predictions"),
    ("PatternRecognitionJob", "pattern_recognition_jobs"),
    ("CloudRunService", "cloud_run_services"),
    ("ServiceDeployment", "service_deployments"),
    ("Policy", "policies"),
    ("Approval", "approvals"),
    ("ComplianceCheck", "compliance_checks"),
    ("SecurityFinding", "security_findings"),
    ("Artifact", "artifacts"),
    ("EdaReport", "eda_reports"),
    ("Edge", "edges"),
    ("Event", "events"),
];

/// Deletes every embedding whose node no longer exists.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000028_orphan_embeddings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements: Vec<String> = NODE_TABLES
            .iter()
            .map(|(ty, table)| {
                format!(
                    "DELETE FROM embeddings WHERE node_type = '{ty}'
                       AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = embeddings.node_id)"
                )
            })
            .collect();
        run_sql(manager, &statements).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // What was removed pointed at nothing; there is nothing to put back.
        Ok(())
    }
}

//! What the ecosystem's tools report: `job_runs` (one execution of a job or an
//! experiment, as OpenLineage and MLflow clients report it), `job_run_metrics` (the
//! metric history of a run), `model_aliases` (named pointers to model versions), tags on
//! models and model versions, facets on datasets (OpenLineage), and the producer's version identifier of a dataset version
//! (`source_version`, unique per dataset).

use crate::schema_helpers::{check, check_in, foreign_key, id, index, run_sql, table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, double, json_binary, json_binary_null, string, string_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};

/// Adds the ingest tables and columns.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000017_ingest"
    }
}

/// The states of a job run (see `entity::enums::JobRunState`).
const RUN_STATES: &[&str] = &["SCHEDULED", "RUNNING", "COMPLETED", "FAILED", "ABORTED"];

fn job_runs() -> TableCreateStatement {
    use ForeignKeyAction::Cascade;
    // No foreign key on `parent_run_id`: an OpenLineage parent may be reported after its
    // children, and run ids are not time-ordered (exports go by id).
    let t = "job_runs";
    table(t)
        .col(uuid_null(id("workflow_id")))
        .col(uuid_null(id("experiment_id")))
        .col(uuid_null(id("parent_run_id")))
        .col(string(id("source")))
        .col(string(id("name")))
        .col(string(id("state")))
        .col(timestamp_with_time_zone_null(id("state_at")))
        .col(timestamp_with_time_zone_null(id("started_at")))
        .col(timestamp_with_time_zone_null(id("ended_at")))
        .col(json_binary(id("params")))
        .col(json_binary(id("metrics")))
        .col(json_binary(id("tags")))
        .col(json_binary(id("facets")))
        .col(string_null(id("created_by")))
        .foreign_key(&mut foreign_key(t, "workflow_id", "workflows", Cascade))
        .foreign_key(&mut foreign_key(t, "experiment_id", "experiments", Cascade))
        .check(check_in(t, "state", RUN_STATES))
        .check(check_in(t, "source", &["OPENLINEAGE", "MLFLOW", "API"]))
        .to_owned()
}

fn job_run_metrics() -> TableCreateStatement {
    use ForeignKeyAction::Cascade;
    let t = "job_run_metrics";
    Table::create()
        .table(id(t))
        .col(uuid(id("id")).primary_key())
        .col(string(id("ns")))
        .col(uuid(id("run_id")))
        .col(string(id("key")))
        .col(double(id("value")))
        .col(big_integer(id("timestamp_ms")))
        .col(big_integer(id("step")))
        .col(timestamp_with_time_zone(id("created_at")))
        .foreign_key(&mut foreign_key(t, "run_id", "job_runs", Cascade))
        .to_owned()
}

fn logged_models() -> TableCreateStatement {
    use ForeignKeyAction::{Cascade, SetNull};
    let t = "logged_models";
    table(t)
        .col(uuid(id("experiment_id")))
        .col(uuid_null(id("source_run_id")))
        .col(string(id("name")))
        .col(string_null(id("model_type")))
        .col(string(id("status")))
        .col(string_null(id("status_message")))
        .col(json_binary(id("params")))
        .col(json_binary(id("tags")))
        .col(string_null(id("created_by")))
        .foreign_key(&mut foreign_key(t, "experiment_id", "experiments", Cascade))
        .foreign_key(&mut foreign_key(t, "source_run_id", "job_runs", SetNull))
        .check(check_in(t, "status", &["PENDING", "READY", "FAILED"]))
        .to_owned()
}

fn model_aliases() -> TableCreateStatement {
    use ForeignKeyAction::Cascade;
    let t = "model_aliases";
    table(t)
        .col(uuid(id("model_id")))
        .col(string(id("alias")))
        .col(uuid(id("model_version_id")))
        .col(string_null(id("created_by")))
        .foreign_key(&mut foreign_key(t, "model_id", "models", Cascade))
        .foreign_key(&mut foreign_key(
            t,
            "model_version_id",
            "model_versions",
            Cascade,
        ))
        .check(check(t, "alias", "length(alias) BETWEEN 1 AND 256".into()))
        .to_owned()
}

const UP: &[&str] = &[
    "CREATE INDEX ix_job_runs_workflow_id ON job_runs (workflow_id, created_at)",
    "CREATE INDEX ix_job_runs_experiment_id ON job_runs (experiment_id, created_at)",
    "CREATE INDEX ix_job_runs_parent_run_id ON job_runs (parent_run_id)",
    "CREATE INDEX ix_job_runs_ns_created_at ON job_runs (ns, created_at)",
    "CREATE INDEX ix_job_run_metrics_run_id_key ON job_run_metrics (run_id, key, step, timestamp_ms)",
    "CREATE INDEX ix_model_aliases_model_version_id ON model_aliases (model_version_id)",
    "CREATE INDEX ix_logged_models_experiment_id ON logged_models (experiment_id, created_at)",
    "CREATE INDEX ix_logged_models_source_run_id ON logged_models (source_run_id)",
    "CREATE UNIQUE INDEX uq_dataset_versions_dataset_id_source_version ON dataset_versions (dataset_id, source_version)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(job_runs()).await?;
        manager.create_table(job_run_metrics()).await?;
        manager.create_table(model_aliases()).await?;
        manager.create_table(logged_models()).await?;
        manager
            .create_index(index("model_aliases", &["model_id", "alias"], true))
            .await?;
        for (t, c) in [
            ("models", "tags"),
            ("model_versions", "tags"),
            ("datasets", "facets"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(id(t))
                        .add_column(json_binary_null(id(c)))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(id("dataset_versions"))
                    .add_column(string_null(id("source_version")))
                    .to_owned(),
            )
            .await?;
        run_sql(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql(
            manager,
            &[
                "DROP INDEX uq_dataset_versions_dataset_id_source_version",
                "ALTER TABLE dataset_versions DROP COLUMN source_version",
                "ALTER TABLE model_versions DROP COLUMN tags",
                "ALTER TABLE models DROP COLUMN tags",
                "ALTER TABLE datasets DROP COLUMN facets",
            ],
        )
        .await?;
        for t in [
            "logged_models",
            "model_aliases",
            "job_run_metrics",
            "job_runs",
        ] {
            manager
                .drop_table(Table::drop().table(id(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}

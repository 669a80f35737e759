//! Pipelines (the data-preparation issue): `pipelines`, a DAG of steps over a dataset,
//! numbered per owner, DRAFT → VALIDATED → ARCHIVED; training jobs gain the pipeline they
//! run and an immutable snapshot of it. Delete rules as in the seed design: a pipeline's
//! dataset cannot go while the pipeline reads it (RESTRICT), a pipeline takes its training
//! jobs (CASCADE), a training job cannot go while model versions it produced exist
//! (RESTRICT; it was SET NULL).

use crate::schema_helpers::{check_in, foreign_key, id, run_sql, table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, json_binary, json_binary_null, string, string_null, text_null,
    timestamp_with_time_zone_null, uuid_null,
};
use sea_orm_migration::sea_orm::DbBackend;

/// Adds pipelines.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000020_pipelines"
    }
}

fn pipelines() -> TableCreateStatement {
    use ForeignKeyAction::{Restrict, SetNull};
    let t = "pipelines";
    table(t)
        .col(uuid_null(id("workflow_id")))
        .col(uuid_null(id("dataset_id")))
        .col(string(id("name")))
        .col(text_null(id("description")))
        .col(json_binary(id("config")))
        .col(integer(id("version")))
        .col(string(id("status")))
        .col(timestamp_with_time_zone_null(id("validated_at")))
        .col(string_null(id("created_by")))
        .foreign_key(&mut foreign_key(t, "workflow_id", "workflows", SetNull))
        .foreign_key(&mut foreign_key(t, "dataset_id", "datasets", Restrict))
        .check(check_in(t, "status", &["DRAFT", "VALIDATED", "ARCHIVED"]))
        .to_owned()
}

const INDEXES: &[&str] = &[
    "CREATE INDEX ix_pipelines_ns_created_at ON pipelines (ns, created_at)",
    "CREATE INDEX ix_pipelines_dataset_id ON pipelines (dataset_id)",
    "CREATE INDEX ix_pipelines_workflow_id ON pipelines (workflow_id)",
    "CREATE UNIQUE INDEX uq_pipelines_owner_version ON pipelines (ns, COALESCE(created_by, ''), version)",
    "CREATE INDEX ix_training_jobs_pipeline_id ON training_jobs (pipeline_id)",
];

const POSTGRES: &[&str] = &[
    "ALTER TABLE pipelines ADD CONSTRAINT ck_pipelines_version CHECK (version > 0)",
    "ALTER TABLE training_jobs ADD COLUMN pipeline_id UUID
       CONSTRAINT fk_training_jobs_pipeline_id REFERENCES pipelines (id) ON DELETE CASCADE ON UPDATE CASCADE",
    "ALTER TABLE model_versions DROP CONSTRAINT fk_model_versions_training_job_id",
    "ALTER TABLE model_versions ADD CONSTRAINT fk_model_versions_training_job_id FOREIGN KEY (training_job_id)
       REFERENCES training_jobs (id) ON DELETE RESTRICT ON UPDATE CASCADE",
];

// SQLite cannot change a foreign key in place: a trigger refuses the deletion the way
// RESTRICT would (its error maps to CONFLICT alike).
const SQLITE: &[&str] = &[
    "ALTER TABLE training_jobs ADD COLUMN pipeline_id uuid_text REFERENCES pipelines (id) ON DELETE CASCADE ON UPDATE CASCADE",
    "CREATE TRIGGER trg_training_jobs_restrict_versions BEFORE DELETE ON training_jobs
     WHEN EXISTS (SELECT 1 FROM model_versions WHERE training_job_id = OLD.id)
     BEGIN SELECT RAISE(ABORT, 'the training job is still referenced by model versions'); END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(pipelines()).await?;
        let pg = manager.get_database_backend() == DbBackend::Postgres;
        run_sql(manager, if pg { POSTGRES } else { SQLITE }).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(id("training_jobs"))
                    .add_column(json_binary_null(id("pipeline_snapshot")))
                    .to_owned(),
            )
            .await?;
        run_sql(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let pg = manager.get_database_backend() == DbBackend::Postgres;
        let restore: &[&str] = if pg {
            &[
                "ALTER TABLE model_versions DROP CONSTRAINT fk_model_versions_training_job_id",
                "ALTER TABLE model_versions ADD CONSTRAINT fk_model_versions_training_job_id FOREIGN KEY (training_job_id)
                   REFERENCES training_jobs (id) ON DELETE SET NULL ON UPDATE CASCADE",
            ]
        } else {
            &["DROP TRIGGER IF EXISTS trg_training_jobs_restrict_versions"]
        };
        run_sql(manager, restore).await?;
        run_sql(
            manager,
            &[
                "DROP INDEX ix_training_jobs_pipeline_id",
                "ALTER TABLE training_jobs DROP COLUMN pipeline_snapshot",
                "ALTER TABLE training_jobs DROP COLUMN pipeline_id",
            ],
        )
        .await?;
        manager
            .drop_table(Table::drop().table(id("pipelines")).to_owned())
            .await
    }
}

//! Dataset preparation: the upload lifecycle of a dataset version's file (its status,
//! content type, columns found and validation problems), `schema_deductions` and
//! `eda_reports` (nodes), and `prep_tasks`, the server's own queue of validations
//! (claimed with `SKIP LOCKED` on PostgreSQL, leased so another instance resumes a task
//! whose worker died).

use crate::schema_helpers::{check, check_in, foreign_key, id, run_sql, table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer_null, double, double_null, integer, integer_null, json_binary, json_binary_null,
    string, string_null, text_null, timestamp_with_time_zone_null, uuid, uuid_null,
};

/// Adds the upload lifecycle, deductions, reports and the task queue.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000021_dataset_prep"
    }
}

fn schema_deductions() -> TableCreateStatement {
    use ForeignKeyAction::Cascade;
    let t = "schema_deductions";
    table(t)
        .col(uuid(id("dataset_id")))
        .col(uuid_null(id("dataset_version_id")))
        .col(json_binary(id("proposed_schema")))
        .col(json_binary(id("column_metadata")))
        .col(double(id("confidence")))
        .col(string(id("agent_version")))
        .col(string(id("status")))
        .col(text_null(id("rejection_reason")))
        .col(string_null(id("created_by")))
        .foreign_key(&mut foreign_key(t, "dataset_id", "datasets", Cascade))
        .foreign_key(&mut foreign_key(
            t,
            "dataset_version_id",
            "dataset_versions",
            Cascade,
        ))
        .check(check_in(
            t,
            "status",
            &["PROPOSED", "ACCEPTED", "REJECTED", "SUPERSEDED"],
        ))
        .check(check(
            t,
            "confidence",
            "confidence >= 0 AND confidence <= 1".into(),
        ))
        .to_owned()
}

fn eda_reports() -> TableCreateStatement {
    use ForeignKeyAction::{Cascade, SetNull};
    let t = "eda_reports";
    table(t)
        .col(uuid(id("dataset_id")))
        .col(uuid_null(id("dataset_version_id")))
        .col(json_binary(id("summary")))
        .col(big_integer_null(id("report_size_bytes")))
        .col(string_null(id("storage_location")))
        .col(json_binary_null(id("full_report")))
        .col(string_null(id("s3_bucket")))
        .col(string_null(id("s3_key")))
        .col(uuid_null(id("artifact_id")))
        .col(string(id("report_version")))
        .col(double_null(id("generation_seconds")))
        .col(string(id("status")))
        .col(text_null(id("error")))
        .col(string_null(id("created_by")))
        .foreign_key(&mut foreign_key(t, "dataset_id", "datasets", Cascade))
        .foreign_key(&mut foreign_key(t, "dataset_version_id", "dataset_versions", Cascade))
        .foreign_key(&mut foreign_key(t, "artifact_id", "artifacts", SetNull))
        .check(check_in(t, "status", &["RUNNING", "COMPLETED", "FAILED"]))
        // The seed's rules: inline ⇒ the report is there; S3 ⇒ bucket and key are.
        .check(check(
            t,
            "storage_location",
            "storage_location IS NULL OR (storage_location = 'POSTGRES' AND full_report IS NOT NULL)
               OR (storage_location = 'S3' AND s3_bucket IS NOT NULL AND s3_key IS NOT NULL)"
                .into(),
        ))
        .to_owned()
}

fn prep_tasks() -> TableCreateStatement {
    use ForeignKeyAction::Cascade;
    let t = "prep_tasks";
    table(t)
        .col(uuid(id("dataset_version_id")))
        .col(string(id("kind")))
        .col(string(id("status")))
        .col(integer(id("attempts")))
        .col(string_null(id("worker")))
        .col(timestamp_with_time_zone_null(id("lease_until")))
        .col(text_null(id("error")))
        .foreign_key(&mut foreign_key(
            t,
            "dataset_version_id",
            "dataset_versions",
            Cascade,
        ))
        .check(check_in(
            t,
            "status",
            &["QUEUED", "RUNNING", "DONE", "FAILED"],
        ))
        .to_owned()
}

const INDEXES: &[&str] = &[
    "CREATE INDEX ix_schema_deductions_dataset_id ON schema_deductions (dataset_id, created_at)",
    "CREATE INDEX ix_schema_deductions_dataset_version_id ON schema_deductions (dataset_version_id)",
    "CREATE UNIQUE INDEX uq_schema_deductions_one_accepted ON schema_deductions (dataset_id) WHERE status = 'ACCEPTED'",
    "CREATE INDEX ix_eda_reports_dataset_id ON eda_reports (dataset_id, created_at)",
    "CREATE INDEX ix_eda_reports_dataset_version_id ON eda_reports (dataset_version_id)",
    "CREATE INDEX ix_prep_tasks_claim ON prep_tasks (status, created_at)",
    "CREATE INDEX ix_prep_tasks_dataset_version_id ON prep_tasks (dataset_version_id)",
    "CREATE UNIQUE INDEX uq_dataset_versions_dataset_id_sha256_uploaded ON dataset_versions (dataset_id, sha256)
       WHERE upload_status IS NOT NULL AND upload_status <> 'FAILED'",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for c in [
            string_null(id("upload_status")),
            string_null(id("content_type")),
            integer_null(id("num_columns")),
            json_binary_null(id("column_names")),
            json_binary_null(id("validation_errors")),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(id("dataset_versions"))
                        .add_column(c)
                        .to_owned(),
                )
                .await?;
        }
        manager.create_table(schema_deductions()).await?;
        manager.create_table(eda_reports()).await?;
        manager.create_table(prep_tasks()).await?;
        run_sql(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["prep_tasks", "eda_reports", "schema_deductions"] {
            manager
                .drop_table(Table::drop().table(id(t)).to_owned())
                .await?;
        }
        run_sql(
            manager,
            &[
                "DROP INDEX uq_dataset_versions_dataset_id_sha256_uploaded",
                "ALTER TABLE dataset_versions DROP COLUMN validation_errors",
                "ALTER TABLE dataset_versions DROP COLUMN column_names",
                "ALTER TABLE dataset_versions DROP COLUMN num_columns",
                "ALTER TABLE dataset_versions DROP COLUMN content_type",
                "ALTER TABLE dataset_versions DROP COLUMN upload_status",
            ],
        )
        .await
    }
}

//! `artifacts`: files that belong to a node (model version files, dataset files,
//! checkpoints, reports), stored in an object store under `bucket`/`object_key`. Rows are
//! soft-deleted; the sweeper deletes an object once no live artifact shares it and then
//! sets `object_deleted_at`.

use crate::schema_helpers::{check, check_in, id, run_sql, table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, integer_null, string, string_null,
    timestamp_with_time_zone_null, uuid,
};

/// Creates `artifacts`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000009_artifacts"
    }
}

fn artifacts() -> TableCreateStatement {
    let t = "artifacts";
    table(t)
        .col(string(id("owner_type")))
        .col(uuid(id("owner_id")))
        .col(string(id("path")))
        .col(string(id("content_type")))
        .col(big_integer(id("size_bytes")))
        .col(string(id("sha256")))
        .col(string(id("bucket")))
        .col(string(id("object_key")))
        .col(string(id("status")))
        .col(string_null(id("failure_reason")))
        .col(boolean(id("deduplicated")))
        .col(string_null(id("upload_id")))
        .col(big_integer_null(id("part_size")))
        .col(integer_null(id("part_count")))
        .col(string_null(id("created_by")))
        .col(timestamp_with_time_zone_null(id("verified_at")))
        .col(timestamp_with_time_zone_null(id("deleted_at")))
        .col(timestamp_with_time_zone_null(id("object_deleted_at")))
        .check(check_in(
            t,
            "status",
            &["PENDING", "UPLOADED", "VERIFIED", "FAILED"],
        ))
        .check(check(t, "size_bytes", "size_bytes >= 0".into()))
        .check(check(
            t,
            "sha256",
            "length(sha256) = 64 AND sha256 = lower(sha256)".into(),
        ))
        .check(check(t, "path", "length(path) BETWEEN 1 AND 1024".into()))
        .to_owned()
}

const UP: &[&str] = &[
    "CREATE INDEX ix_artifacts_owner_id ON artifacts (owner_id, created_at)",
    "CREATE INDEX ix_artifacts_ns_sha256 ON artifacts (ns, sha256) WHERE status = 'VERIFIED' AND deleted_at IS NULL",
    "CREATE INDEX ix_artifacts_object ON artifacts (bucket, object_key)",
    "CREATE INDEX ix_artifacts_sweep ON artifacts (deleted_at) WHERE deleted_at IS NOT NULL AND object_deleted_at IS NULL",
    "CREATE INDEX ix_artifacts_pending ON artifacts (created_at) WHERE status IN ('PENDING', 'UPLOADED')",
    // One live artifact per owner and path (a failed one can be uploaded again).
    "CREATE UNIQUE INDEX uq_artifacts_owner_id_path ON artifacts (owner_id, path) WHERE deleted_at IS NULL AND status <> 'FAILED'",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(artifacts()).await?;
        run_sql(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(id("artifacts")).to_owned())
            .await
    }
}

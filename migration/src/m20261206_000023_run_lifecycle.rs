//! `job_runs.deleted_at`: MLflow's soft delete. A deleted run stays (its metrics,
//! params, lineage and history), answers with `lifecycle_stage: deleted`, is left out of
//! searches unless they ask for deleted runs, and is restorable, as in MLflow.

use crate::schema_helpers::id;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;

/// When a run was deleted (MLflow's lifecycle).
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000023_run_lifecycle"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(id("job_runs"))
                    .add_column(timestamp_with_time_zone_null(id("deleted_at")))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(id("job_runs"))
                    .drop_column(id("deleted_at"))
                    .to_owned(),
            )
            .await
    }
}

//! MLflow's run order, indexed: `runs/search` without `order_by` reads an experiment's
//! runs by start time, newest first, then run id. With this index a page of that order
//! is read from the index, the page's rows and no others, however many runs the
//! experiment holds (it was a scan and a sort of all of them).

use sea_orm_migration::prelude::*;

use crate::schema_helpers::run_sql;

/// `job_runs (experiment_id, started_at DESC, id)`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000025_run_search_order"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql(
            manager,
            &["CREATE INDEX ix_job_runs_experiment_started ON job_runs (experiment_id, started_at DESC, id)".to_owned()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql(
            manager,
            &["DROP INDEX ix_job_runs_experiment_started".to_owned()],
        )
        .await
    }
}

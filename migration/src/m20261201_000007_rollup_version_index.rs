//! An index of the prediction rollups by model version (PostgreSQL only, where the rollups
//! live): a model version's `predictions { totalCount }` sums its rollup rows instead of
//! counting its predictions, as an endpoint's already can through
//! `ix_prediction_rollups_endpoint`.

use crate::schema_helpers::run_sql_on_postgres;
use sea_orm_migration::prelude::*;

/// Adds `ix_prediction_rollups_version`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000007_rollup_version_index"
    }
}

const UP: &[&str] = &[
    "CREATE INDEX ix_prediction_rollups_version ON prediction_rollups (model_version_id) INCLUDE (n, ns)",
    "CREATE INDEX ix_prediction_rollups_endpoint_n ON prediction_rollups (endpoint_id) INCLUDE (n, ns)",
];

const DOWN: &[&str] = &[
    "DROP INDEX ix_prediction_rollups_version",
    "DROP INDEX ix_prediction_rollups_endpoint_n",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql_on_postgres(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql_on_postgres(manager, DOWN).await
    }
}

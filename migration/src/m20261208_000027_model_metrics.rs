//! Metrics of logged models (MLflow 3): a value a client logs with a `model_id` (and,
//! optionally, the dataset it was measured on) is a point of its run's history that also
//! belongs to that logged model. `get_logged_model` lists them, and `logged-models/search`
//! filters and orders by their latest value.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_null, uuid_null};

use crate::schema_helpers::{id, run_sql};

/// `job_run_metrics.model_id`, `dataset_name`, `dataset_digest`, and a partial index of
/// the points that name a model.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000027_model_metrics"
    }
}

const COLUMNS: [&str; 3] = ["model_id", "dataset_name", "dataset_digest"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite adds one at a time.
        for c in COLUMNS {
            let col = if c == "model_id" {
                uuid_null(id(c))
            } else {
                string_null(id(c))
            };
            manager
                .alter_table(
                    Table::alter()
                        .table(id("job_run_metrics"))
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        run_sql(
            manager,
            &["CREATE INDEX ix_job_run_metrics_model ON job_run_metrics (model_id, key) WHERE model_id IS NOT NULL".to_owned()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql(manager, &["DROP INDEX ix_job_run_metrics_model".to_owned()]).await?;
        for c in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(id("job_run_metrics"))
                        .drop_column(id(c))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

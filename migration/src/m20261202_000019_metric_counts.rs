//! Contention-free point counts (PostgreSQL only): `metric_hours` becomes an append-only
//! log of count deltas. Before, every insert of points of one (model version, metric,
//! hour) updated the same row, so concurrent `recordMetrics` calls of one series
//! serialised on its row lock until each committed. Now each insert statement adds its
//! own rows, readers sum them (they always did), and the server's upkeep folds each
//! key's deltas into one row (`partitions::maintain`).

use crate::schema_helpers::run_sql_on_postgres;
use sea_orm_migration::prelude::*;

/// Append-only metric counts.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000019_metric_counts"
    }
}

const UP: &[&str] = &[
    "ALTER TABLE metric_hours DROP CONSTRAINT metric_hours_pkey",
    "CREATE INDEX ix_metric_hours_key ON metric_hours (model_version_id, name, hour)",
    "CREATE OR REPLACE FUNCTION metric_hours_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_hours
  SELECT model_version_id, name, date_trunc('hour', ts, 'UTC'), COUNT(*) FROM new_rows GROUP BY 1, 2, 3;
  RETURN NULL;
END $$",
];

const DOWN: &[&str] = &[
    "CREATE TEMPORARY TABLE metric_hours_folded ON COMMIT DROP AS
       SELECT model_version_id, name, hour, SUM(n)::bigint AS n FROM metric_hours GROUP BY 1, 2, 3",
    "DELETE FROM metric_hours",
    "INSERT INTO metric_hours SELECT * FROM metric_hours_folded",
    "DROP INDEX ix_metric_hours_key",
    "ALTER TABLE metric_hours ADD PRIMARY KEY (model_version_id, name, hour)",
    "CREATE OR REPLACE FUNCTION metric_hours_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_hours AS h
  SELECT model_version_id, name, date_trunc('hour', ts, 'UTC'), COUNT(*) FROM new_rows GROUP BY 1, 2, 3
  ON CONFLICT (model_version_id, name, hour) DO UPDATE SET n = h.n + EXCLUDED.n;
  RETURN NULL;
END $$",
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

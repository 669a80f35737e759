//! `prediction_rollups`: prediction aggregates per (namespace, endpoint, model version,
//! status, UTC day), kept exact by statement-level triggers on PostgreSQL.
//!
//! `predictionStats` reads them instead of scanning millions of predictions whenever its
//! filter can be answered from whole days (see `serving::service`). Days, not hours: at a
//! few predictions per endpoint and hour, hourly buckets would hold about one prediction
//! each and save nothing. Inserts add their
//! statement's totals in one upsert; updates and deletes (rare) recompute the buckets they
//! touched from the predictions themselves, so minima and maxima stay exact. The bucket
//! column is called `created_at` (the start of the day) so that prediction filters on
//! time apply to it unchanged.

use crate::schema_helpers::run_sql_on_postgres;
use sea_orm_migration::prelude::*;

/// Creates and fills `prediction_rollups` (PostgreSQL only).
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000005_prediction_rollups"
    }
}

const AGGREGATES: &str =
    "COUNT(*), SUM(latency_ms), COUNT(latency_ms), MIN(latency_ms), MAX(latency_ms),
    SUM(confidence), COUNT(confidence), MIN(confidence), MAX(confidence)";
const KEY: &str = "ns, endpoint_id, model_version_id, status, date_trunc('day', created_at, 'UTC')";

fn up_statements() -> Vec<String> {
    vec![
        "CREATE TABLE prediction_rollups (
           ns TEXT NOT NULL, endpoint_id UUID NOT NULL, model_version_id UUID, status TEXT NOT NULL,
           created_at TIMESTAMPTZ NOT NULL,
           n BIGINT NOT NULL, sum_latency DOUBLE PRECISION, n_latency BIGINT NOT NULL,
           min_latency DOUBLE PRECISION, max_latency DOUBLE PRECISION,
           sum_confidence DOUBLE PRECISION, n_confidence BIGINT NOT NULL,
           min_confidence DOUBLE PRECISION, max_confidence DOUBLE PRECISION,
           CONSTRAINT uq_prediction_rollups_bucket UNIQUE NULLS NOT DISTINCT
             (ns, endpoint_id, model_version_id, status, created_at))"
            .to_owned(),
        "CREATE INDEX ix_prediction_rollups_endpoint ON prediction_rollups (endpoint_id, created_at)".to_owned(),
        "CREATE INDEX ix_prediction_rollups_time ON prediction_rollups (created_at)".to_owned(),
        format!("INSERT INTO prediction_rollups SELECT {KEY}, {AGGREGATES} FROM predictions GROUP BY {KEY}"),
        format!(
            "CREATE OR REPLACE FUNCTION prediction_rollups_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO prediction_rollups AS r
  SELECT {KEY}, {AGGREGATES} FROM new_rows GROUP BY {KEY}
  ON CONFLICT ON CONSTRAINT uq_prediction_rollups_bucket DO UPDATE SET
    n = r.n + EXCLUDED.n,
    sum_latency = COALESCE(r.sum_latency, 0) + COALESCE(EXCLUDED.sum_latency, 0),
    n_latency = r.n_latency + EXCLUDED.n_latency,
    min_latency = LEAST(r.min_latency, EXCLUDED.min_latency),
    max_latency = GREATEST(r.max_latency, EXCLUDED.max_latency),
    sum_confidence = COALESCE(r.sum_confidence, 0) + COALESCE(EXCLUDED.sum_confidence, 0),
    n_confidence = r.n_confidence + EXCLUDED.n_confidence,
    min_confidence = LEAST(r.min_confidence, EXCLUDED.min_confidence),
    max_confidence = GREATEST(r.max_confidence, EXCLUDED.max_confidence);
  RETURN NULL;
END $$"
        ),
        // Recomputes every bucket the changed rows were (or now are) in.
        format!(
            "CREATE OR REPLACE FUNCTION prediction_rollups_recompute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS pg_temp.rollup_buckets (ns TEXT, endpoint_id UUID, model_version_id UUID, status TEXT, created_at TIMESTAMPTZ) ON COMMIT DROP;
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO pg_temp.rollup_buckets SELECT DISTINCT {KEY} FROM old_rows UNION SELECT DISTINCT {KEY} FROM new_rows;
  ELSE
    INSERT INTO pg_temp.rollup_buckets SELECT DISTINCT {KEY} FROM old_rows;
  END IF;
  DELETE FROM prediction_rollups r USING pg_temp.rollup_buckets b
   WHERE r.ns = b.ns AND r.endpoint_id = b.endpoint_id AND r.model_version_id IS NOT DISTINCT FROM b.model_version_id
     AND r.status = b.status AND r.created_at = b.created_at;
  INSERT INTO prediction_rollups
  SELECT {KEY}, {AGGREGATES} FROM predictions p
   WHERE EXISTS (SELECT 1 FROM pg_temp.rollup_buckets b
                  WHERE p.ns = b.ns AND p.endpoint_id = b.endpoint_id AND p.model_version_id IS NOT DISTINCT FROM b.model_version_id
                    AND p.status = b.status AND p.created_at >= b.created_at AND p.created_at < b.created_at + interval '1 day')
   GROUP BY {KEY};
  DELETE FROM pg_temp.rollup_buckets;
  RETURN NULL;
END $$"
        ),
        "CREATE TRIGGER trg_prediction_rollups_ins AFTER INSERT ON predictions
         REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION prediction_rollups_add()"
            .to_owned(),
        "CREATE TRIGGER trg_prediction_rollups_upd AFTER UPDATE ON predictions
         REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
         EXECUTE FUNCTION prediction_rollups_recompute()"
            .to_owned(),
        "CREATE TRIGGER trg_prediction_rollups_del AFTER DELETE ON predictions
         REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION prediction_rollups_recompute()"
            .to_owned(),
    ]
}

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS trg_prediction_rollups_ins ON predictions",
    "DROP TRIGGER IF EXISTS trg_prediction_rollups_upd ON predictions",
    "DROP TRIGGER IF EXISTS trg_prediction_rollups_del ON predictions",
    "DROP FUNCTION IF EXISTS prediction_rollups_add()",
    "DROP FUNCTION IF EXISTS prediction_rollups_recompute()",
    "DROP TABLE IF EXISTS prediction_rollups",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql_on_postgres(manager, &up_statements()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql_on_postgres(manager, DOWN).await
    }
}

//! Scale (PostgreSQL only): the two large tables partitioned by month, and exact rollups
//! for costs and metric statistics.
//!
//! - `metric_points` (by `ts`) and `predictions` (by `created_at`) become declaratively
//!   partitioned by range, one partition per UTC month (`metric_points_2026_12`) plus a
//!   default partition for rows no month partition holds yet. Their primary keys become
//!   `(id, <time>)` (a partitioned table's unique keys must hold its partition key; ids
//!   are UUID v7 and stay unique). Indexes, foreign keys and triggers are copied from the
//!   old table as they were, whatever earlier migrations made. The server creates months
//!   ahead and drops whole months past `--retain-metrics-days` (`partitions`);
//!   `mlgraph_ensure_month` creates one month, moving any rows of that month out of the
//!   default partition first, under an advisory lock so instances may race.
//! - `cost_rollups`: counts and exact sums of cost records per (namespace, provider,
//!   model version, endpoint, currency, UTC hour), kept by statement-level triggers
//!   (sums are integers: updates and deletes subtract exactly what they remove).
//! - `metric_hours`: how many points each (model version, metric, UTC hour) holds, kept
//!   by a trigger on insert; `metric_rollups`: exact statistics of a closed hour or day,
//!   valid while the count it was computed over equals the points' count (points are
//!   only ever added, or removed with their whole series or month).
//!
//! SQLite keeps plain tables and scans them (see the README's scale section).
//!
//! On both backends, `embeddings.source` holds the text an embedding computed by the
//! built-in model was made from (null for vectors clients set).

use crate::schema_helpers::run_sql_on_postgres;
use sea_orm_migration::prelude::*;

/// Partitions and rollups (PostgreSQL only).
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000018_scale"
    }
}

/// `mlgraph_ensure_month` as this migration made it (migration 26 replaces it).
pub(crate) const ENSURE_MONTH: &str = r#"
CREATE OR REPLACE FUNCTION mlgraph_ensure_month(tbl text, key text, month timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz := date_trunc('month', month, 'UTC');
  hi timestamptz := date_trunc('month', month, 'UTC') + interval '1 month';
  part text := tbl || '_' || to_char(lo AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('mlgraph_ensure_month'), hashtext(part));
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, tbl);
  EXECUTE format(
    'WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
    tbl || '_default', key, key, part) USING lo, hi;
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', tbl, part, lo, hi);
  RETURN true;
END $$;
"#;

const PARTITIONING: &str = r#"
-- An index or trigger definition on table `old` made to name table `tbl` instead.
CREATE OR REPLACE FUNCTION mlgraph_reaim(def text, old text, tbl text)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT replace(replace(def, ' ON ' || quote_ident(current_schema()) || '.' || quote_ident(old) || ' ',
                         ' ON ' || quote_ident(tbl) || ' '),
                 ' ON ' || quote_ident(old) || ' ', ' ON ' || quote_ident(tbl) || ' ')
$$;

CREATE OR REPLACE FUNCTION mlgraph_partition_by_month(tbl text, key text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  old text := tbl || '_unpartitioned';
  defs text[] := '{}';
  d text;
  m timestamptz;
BEGIN
  EXECUTE format('ALTER TABLE %I RENAME TO %I', tbl, old);
  -- What the old table had besides its columns, checks and primary key, re-aimed at the new one.
  SELECT defs || coalesce(array_agg(mlgraph_reaim(pg_get_indexdef(i.indexrelid), old, tbl)), '{}')
    INTO defs FROM pg_index i WHERE i.indrelid = old::regclass AND NOT i.indisprimary;
  SELECT defs || coalesce(array_agg(format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl, c.conname,
           pg_get_constraintdef(c.oid))), '{}')
    INTO defs FROM pg_constraint c WHERE c.conrelid = old::regclass AND c.contype = 'f';
  SELECT defs || coalesce(array_agg(mlgraph_reaim(pg_get_triggerdef(t.oid), old, tbl)), '{}')
    INTO defs FROM pg_trigger t WHERE t.tgrelid = old::regclass AND NOT t.tgisinternal;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (%I)',
                 tbl, old, key);
  EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', tbl || '_default', tbl);
  FOR m IN EXECUTE format('SELECT DISTINCT date_trunc(''month'', %I, ''UTC'') FROM %I', key, old) LOOP
    PERFORM mlgraph_ensure_month(tbl, key, m);
  END LOOP;
  PERFORM mlgraph_ensure_month(tbl, key, now());
  EXECUTE format('INSERT INTO %I SELECT * FROM %I', tbl, old);
  EXECUTE format('DROP TABLE %I', old);
  EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (id, %I)', tbl, key);
  FOREACH d IN ARRAY defs LOOP
    EXECUTE d;
  END LOOP;
END $$;

SELECT mlgraph_partition_by_month('metric_points', 'ts');
SELECT mlgraph_partition_by_month('predictions', 'created_at');
"#;

const COST_KEY: &str =
    "ns, provider, model_version_id, endpoint_id, currency, date_trunc('hour', ts, 'UTC')";

fn cost_upsert(rows: &str, sign: &str) -> String {
    format!(
        "INSERT INTO cost_rollups AS r
    SELECT {COST_KEY}, {sign}COUNT(*), {sign}SUM(amount_micros) FROM {rows} GROUP BY {COST_KEY}
    ON CONFLICT ON CONSTRAINT uq_cost_rollups_bucket DO UPDATE SET
      n = r.n + EXCLUDED.n, amount_micros = r.amount_micros + EXCLUDED.amount_micros;"
    )
}

fn cost_rollups() -> Vec<String> {
    vec![
        "CREATE TABLE cost_rollups (
           ns TEXT NOT NULL, provider TEXT NOT NULL, model_version_id UUID, endpoint_id UUID,
           currency TEXT NOT NULL, ts TIMESTAMPTZ NOT NULL, n BIGINT NOT NULL, amount_micros BIGINT NOT NULL,
           CONSTRAINT uq_cost_rollups_bucket UNIQUE NULLS NOT DISTINCT
             (ns, provider, model_version_id, endpoint_id, currency, ts))"
            .to_owned(),
        "CREATE INDEX ix_cost_rollups_ts ON cost_rollups (ts)".to_owned(),
        format!(
            "INSERT INTO cost_rollups SELECT {COST_KEY}, COUNT(*), SUM(amount_micros)
               FROM cost_records GROUP BY {COST_KEY}"
        ),
        // Inserts add their statement's totals; updates and deletes first take away
        // exactly what their old rows added. Empty buckets go.
        format!(
            "CREATE OR REPLACE FUNCTION cost_rollups_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {old}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {new}
  END IF;
  DELETE FROM cost_rollups WHERE n = 0;
  RETURN NULL;
END $$",
            old = cost_upsert("old_rows", "-"),
            new = cost_upsert("new_rows", ""),
        ),
        "CREATE TRIGGER trg_cost_rollups_ins AFTER INSERT ON cost_records
         REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cost_rollups_sync()"
            .to_owned(),
        "CREATE TRIGGER trg_cost_rollups_upd AFTER UPDATE ON cost_records
         REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
         EXECUTE FUNCTION cost_rollups_sync()"
            .to_owned(),
        "CREATE TRIGGER trg_cost_rollups_del AFTER DELETE ON cost_records
         REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cost_rollups_sync()"
            .to_owned(),
    ]
}

const METRIC_KEY: &str = "model_version_id, name, date_trunc('hour', ts, 'UTC')";

fn metric_rollups() -> Vec<String> {
    vec![
        "CREATE TABLE metric_hours (
           model_version_id UUID NOT NULL, name TEXT NOT NULL, hour TIMESTAMPTZ NOT NULL, n BIGINT NOT NULL,
           PRIMARY KEY (model_version_id, name, hour))"
            .to_owned(),
        format!(
            "INSERT INTO metric_hours SELECT {METRIC_KEY}, COUNT(*) FROM metric_points GROUP BY {METRIC_KEY}"
        ),
        format!(
            "CREATE OR REPLACE FUNCTION metric_hours_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_hours AS h SELECT {METRIC_KEY}, COUNT(*) FROM new_rows GROUP BY {METRIC_KEY}
  ON CONFLICT (model_version_id, name, hour) DO UPDATE SET n = h.n + EXCLUDED.n;
  RETURN NULL;
END $$"
        ),
        "CREATE TRIGGER trg_metric_hours_ins AFTER INSERT ON metric_points
         REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_hours_add()"
            .to_owned(),
        // A deleted model version takes its points (cascade) and its counts.
        "CREATE OR REPLACE FUNCTION metric_hours_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM metric_hours h USING (SELECT DISTINCT id FROM old_rows) o WHERE h.model_version_id = o.id;
  DELETE FROM metric_rollups r USING (SELECT DISTINCT id FROM old_rows) o WHERE r.model_version_id = o.id;
  RETURN NULL;
END $$"
            .to_owned(),
        "CREATE TRIGGER trg_metric_hours_forget AFTER DELETE ON model_versions
         REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_hours_forget()"
            .to_owned(),
        "CREATE TABLE metric_rollups (
           model_version_id UUID NOT NULL, name TEXT NOT NULL, bucket TEXT NOT NULL CHECK (bucket IN ('HOUR', 'DAY')),
           start TIMESTAMPTZ NOT NULL, n BIGINT NOT NULL, avg DOUBLE PRECISION NOT NULL,
           min DOUBLE PRECISION NOT NULL, max DOUBLE PRECISION NOT NULL, p50 DOUBLE PRECISION NOT NULL,
           p95 DOUBLE PRECISION NOT NULL, p99 DOUBLE PRECISION NOT NULL,
           PRIMARY KEY (model_version_id, name, bucket, start))"
            .to_owned(),
    ]
}

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS trg_metric_hours_forget ON model_versions",
    "DROP FUNCTION IF EXISTS metric_hours_forget()",
    "DROP TABLE IF EXISTS metric_rollups",
    "DROP TRIGGER IF EXISTS trg_metric_hours_ins ON metric_points",
    "DROP FUNCTION IF EXISTS metric_hours_add()",
    "DROP TABLE IF EXISTS metric_hours",
    "DROP TRIGGER IF EXISTS trg_cost_rollups_ins ON cost_records",
    "DROP TRIGGER IF EXISTS trg_cost_rollups_upd ON cost_records",
    "DROP TRIGGER IF EXISTS trg_cost_rollups_del ON cost_records",
    "DROP FUNCTION IF EXISTS cost_rollups_sync()",
    "DROP TABLE IF EXISTS cost_rollups",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut all = vec![ENSURE_MONTH.to_owned(), PARTITIONING.to_owned()];
        all.extend(cost_rollups());
        all.extend(metric_rollups());
        run_sql_on_postgres(manager, &all).await?;
        // Both backends: the text an embedding mlgraph computed was computed from, so
        // that a changed search document is embedded again.
        crate::schema_helpers::run_sql(manager, &["ALTER TABLE embeddings ADD COLUMN source TEXT"])
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The tables stay partitioned (their rows and keys are unchanged by it).
        run_sql_on_postgres(manager, DOWN).await
    }
}

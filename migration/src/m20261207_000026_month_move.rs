//! Months made at scale (PostgreSQL): `mlgraph_ensure_month` gives the new month a check
//! constraint of its bounds before it moves a backfill's rows out of the default
//! partition, so that attaching it trusts the rows instead of scanning them a second
//! time (the scan that made a move of ten million rows outlast any statement timeout);
//! the check goes once the month is attached (the partition's own bounds hold it). The
//! server runs the move in a transaction of its own with a budget of its own
//! (`partitions`).

use sea_orm_migration::prelude::*;

use crate::m20261202_000018_scale::ENSURE_MONTH;
use crate::schema_helpers::run_sql_on_postgres;

/// `mlgraph_ensure_month` with a bounds check before the move.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000026_month_move"
    }
}

const ENSURE_MONTH_CHECKED: &str = r#"
CREATE OR REPLACE FUNCTION mlgraph_ensure_month(tbl text, key text, month timestamptz)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz := date_trunc('month', month, 'UTC');
  hi timestamptz := date_trunc('month', month, 'UTC') + interval '1 month';
  part text := tbl || '_' || to_char(lo AT TIME ZONE 'UTC', 'YYYY_MM');
  bounds text := part || '_bounds';
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('mlgraph_ensure_month'), hashtext(part));
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, tbl);
  -- The partition's constraint, as a check the moved rows meet on their way in.
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I IS NOT NULL AND %I >= %L AND %I < %L)',
                 part, bounds, key, key, lo, key, hi);
  EXECUTE format(
    'WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
    tbl || '_default', key, key, part) USING lo, hi;
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', tbl, part, lo, hi);
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, bounds);
  RETURN true;
END $$;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql_on_postgres(manager, &[ENSURE_MONTH_CHECKED]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql_on_postgres(manager, &[ENSURE_MONTH]).await
    }
}

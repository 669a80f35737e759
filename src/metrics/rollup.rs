//! The background upkeep of metric statistics (PostgreSQL): per-hour counts folded from
//! the insert trigger's deltas, closed hours and days rolled up with their exact
//! statistics. Run by `partitions::maintain`.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::points::STATS_COLUMNS;
use crate::error::AppResult;

/// Most `metric_hours` keys one [`fold_counts`] statement folds.
const FOLD_KEYS: i64 = 10_000;

/// Folds the count deltas `metric_hours` collects (one row per insert statement, so that
/// concurrent inserts of one series never wait on each other) into one row per key, a
/// bounded number of keys per statement. Safe beside inserts and other instances: a
/// statement deletes what it sees and inserts the sum of exactly what it deleted.
/// Returns the rows folded away. PostgreSQL only.
pub async fn fold_counts(db: &impl ConnectionTrait) -> AppResult<u64> {
    let mut total = 0;
    // Bounded: inserts may keep adding deltas while it runs; the next upkeep goes on.
    for _ in 0..100 {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!(
                    "WITH keys AS (
                       SELECT model_version_id, name, hour FROM metric_hours
                        GROUP BY 1, 2, 3 HAVING COUNT(*) > 1 LIMIT {FOLD_KEYS}),
                     gone AS (
                       DELETE FROM metric_hours h USING keys k
                        WHERE h.model_version_id = k.model_version_id AND h.name = k.name AND h.hour = k.hour
                       RETURNING h.*),
                     folded AS (
                       INSERT INTO metric_hours
                       SELECT model_version_id, name, hour, SUM(n)::bigint FROM gone GROUP BY 1, 2, 3
                       RETURNING 1)
                     SELECT (SELECT COUNT(*) FROM gone) - (SELECT COUNT(*) FROM folded) AS n"
                ),
            ))
            .await?;
        let n = row
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if n <= 0 {
            break;
        }
        total += n as u64;
    }
    Ok(total)
}

/// Most raw points one [`roll_up`] statement reads.
const ROLL_UP_POINTS: i64 = 2_000_000;

/// Rolls up closed hours and days (ended before `now`) whose rollup is missing or no
/// longer exact, a bounded number of points per statement, until none is left or about
/// 20 seconds have passed. Returns the buckets written. PostgreSQL only.
pub async fn roll_up(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    let started = std::time::Instant::now();
    let mut total = 0;
    for (kind, unit) in [("HOUR", "hour"), ("DAY", "day")] {
        loop {
            let sql = format!(
                "WITH counts AS (
                   SELECT model_version_id, name, date_trunc('{unit}', hour, 'UTC') AS start, SUM(n)::bigint AS n
                     FROM metric_hours
                    WHERE hour < date_trunc('{unit}', $1::timestamptz, 'UTC')
                    GROUP BY 1, 2, 3),
                 stale AS (
                   SELECT c.*, SUM(c.n) OVER (ORDER BY c.start, c.model_version_id, c.name) AS upto
                     FROM counts c
                     LEFT JOIN metric_rollups r ON r.model_version_id = c.model_version_id
                      AND r.name = c.name AND r.bucket = '{kind}' AND r.start = c.start
                    WHERE r.n IS DISTINCT FROM c.n),
                 picked AS (
                   SELECT * FROM stale WHERE upto - n < {ROLL_UP_POINTS} OR upto = n)
                 INSERT INTO metric_rollups (model_version_id, name, bucket, start, n, avg, min, max, p50, p95, p99)
                 SELECT s.model_version_id, s.name, '{kind}', s.start, {STATS_COLUMNS}
                   FROM picked s
                   JOIN metric_points p ON p.model_version_id = s.model_version_id AND p.name = s.name
                    AND p.ts >= s.start AND p.ts < s.start + interval '1 {unit}'
                  GROUP BY s.model_version_id, s.name, s.start
                 ON CONFLICT (model_version_id, name, bucket, start) DO UPDATE SET
                   n = EXCLUDED.n, avg = EXCLUDED.avg, min = EXCLUDED.min, max = EXCLUDED.max,
                   p50 = EXCLUDED.p50, p95 = EXCLUDED.p95, p99 = EXCLUDED.p99"
            );
            let n = db
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    sql,
                    [now.into()],
                ))
                .await?
                .rows_affected();
            total += n;
            if n == 0 || started.elapsed() > std::time::Duration::from_secs(20) {
                break;
            }
        }
    }
    Ok(total)
}

//! Upkeep of the large tables: month partitions of `metric_points` and `predictions`
//! created ahead (PostgreSQL), metric points past `--retain-metrics-days` removed, and
//! closed buckets of metric statistics rolled up (after folding the point counts' deltas).
//!
//! On PostgreSQL both tables are partitioned by UTC month (migration `000018_scale`).
//! [`maintain`] creates the current month and [`MONTHS_AHEAD`] more, and a month for any
//! rows that landed in the default partition (a backfill of an old month, say); with a
//! retention it drops every month of `metric_points` that ended before the cut-off, a
//! whole partition at a time (so up to a month more than the retention is kept), with
//! the counts and rollups of those hours. Predictions are registry nodes, with events
//! and edges: they are never dropped by retention (their months can be detached by hand,
//! `ALTER TABLE predictions DETACH PARTITION predictions_2025_01`).
//!
//! SQLite has no partitions: retention deletes the points older than the cut-off.
//!
//! Every instance may run it: month creation takes an advisory lock and re-checks,
//! dropping a month that another instance dropped is a no-op. A month is made in a
//! transaction of its own with [`MONTH_BUDGET`] as its statement timeout (moving a large
//! backfill takes minutes); one that fails is reported and tried again next time, and
//! the rest of the upkeep goes on.

use std::time::Duration;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};

use crate::error::AppResult;

/// Months created after the current one.
pub const MONTHS_AHEAD: u32 = 2;

/// The partitioned tables and their partition keys.
pub const PARTITIONED: &[(&str, &str)] = &[("metric_points", "ts"), ("predictions", "created_at")];

/// What one [`maintain`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Partitions created (`metric_points_2027_01`).
    pub created: Vec<String>,
    /// Partitions that could not be made this time, with why (tried again next time).
    pub failed: Vec<String>,
    /// Partitions dropped by retention.
    pub dropped: Vec<String>,
    /// Points deleted by retention (SQLite).
    pub deleted_points: u64,
    /// Count deltas of `metric_hours` folded into one row per key.
    pub folded: u64,
    /// Metric buckets rolled up.
    pub rolled_up: u64,
}

impl Report {
    /// Records (and logs) that `partition` could not be made or read this time.
    fn fail(&mut self, partition: &str, e: &crate::error::AppError) {
        tracing::warn!(partition, error = ?e, "month partition upkeep failed; the next upkeep tries again");
        self.failed.push(format!("{partition}: {e:?}"));
    }
}

/// The first instant of the UTC month `months` after the one holding `t`.
pub fn month_start(t: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    let index = t.year() * 12 + t.month0() as i32 + months as i32;
    Utc.with_ymd_and_hms(
        index.div_euclid(12),
        index.rem_euclid(12) as u32 + 1,
        1,
        0,
        0,
        0,
    )
    .single()
    .unwrap_or(t)
}

/// `metric_points_2026_12` → the first instant of December 2026.
fn month_of(table: &str, partition: &str) -> Option<DateTime<Utc>> {
    let suffix = partition.strip_prefix(table)?.strip_prefix('_')?;
    let (y, m) = suffix.split_once('_')?;
    Utc.with_ymd_and_hms(y.parse().ok()?, m.parse().ok()?, 1, 0, 0, 0)
        .single()
}

/// Creates months ahead, applies retention, rolls up closed metric buckets.
pub async fn maintain(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    retain_metrics_days: Option<u32>,
) -> AppResult<Report> {
    let mut report = Report::default();
    let pg = db.get_database_backend() == DbBackend::Postgres;
    let cutoff = retain_metrics_days.map(|d| now - chrono::Duration::days(i64::from(d)));
    if pg {
        for (table, key) in PARTITIONED {
            let mut months: Vec<DateTime<Utc>> =
                (0..=MONTHS_AHEAD).map(|k| month_start(now, k)).collect();
            // What cannot be done now is tried again at the next upkeep; it holds up
            // neither the other months nor the roll-up.
            match stray_months(db, table, key).await {
                Ok(stray) => months.extend(stray),
                Err(e) => report.fail(&format!("{table}_default"), &e),
            }
            for m in months {
                let part = format!("{table}_{}", m.format("%Y_%m"));
                match ensure_month(db, table, key, m).await {
                    Ok(true) => report.created.push(part),
                    Ok(false) => {}
                    Err(e) => report.fail(&part, &e),
                }
            }
        }
        if let Some(cutoff) = cutoff {
            report.dropped = drop_months_before(db, "metric_points", cutoff).await?;
        }
    } else if let Some(cutoff) = cutoff {
        let r = db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "DELETE FROM metric_points WHERE ts < ?",
                [cutoff.into()],
            ))
            .await?;
        report.deleted_points = r.rows_affected();
    }
    if pg {
        report.folded = crate::metrics::rollup::fold_counts(db).await?;
        report.rolled_up = crate::metrics::rollup::roll_up(db, now).await?;
    }
    Ok(report)
}

/// How long making one month may take. Making a month moves the rows a backfill put in
/// the default partition into it, in one transaction: ten million rows take minutes, far
/// past the statement timeout of requests, and a move cut off is rolled back whole (and
/// was tried again every minute, holding the other months and the roll-up back).
pub const MONTH_BUDGET: Duration = Duration::from_secs(15 * 60);

/// The months of the rows in `table`'s default partition.
async fn stray_months(
    db: &DatabaseConnection,
    table: &str,
    key: &str,
) -> AppResult<Vec<DateTime<Utc>>> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT DISTINCT date_trunc('month', {key}, 'UTC') AS m FROM {table}_default"),
        ))
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get::<DateTime<Utc>>("", "m"))
        .collect::<Result<_, _>>()?)
}

/// Makes the month of `table` holding `m` (moving its rows out of the default
/// partition) in a transaction of its own, with [`MONTH_BUDGET`] as its statement
/// timeout; whether it made it (another instance may have).
async fn ensure_month(
    db: &DatabaseConnection,
    table: &str,
    key: &str,
    m: DateTime<Utc>,
) -> AppResult<bool> {
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!(
        "SET LOCAL statement_timeout = {}",
        MONTH_BUDGET.as_millis()
    ))
    .await?;
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT mlgraph_ensure_month($1, $2, $3) AS created",
            [table.into(), key.into(), m.into()],
        ))
        .await?;
    let created = row.map(|r| r.try_get::<bool>("", "created")).transpose()? == Some(true);
    txn.commit().await?;
    Ok(created)
}

/// Drops the months of `table` that ended at or before `cutoff`, with their counts and
/// rollups, one transaction each.
async fn drop_months_before(
    db: &DatabaseConnection,
    table: &str,
    cutoff: DateTime<Utc>,
) -> AppResult<Vec<String>> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = $1::regclass ORDER BY 1",
            [table.into()],
        ))
        .await?;
    let mut dropped = Vec::new();
    for row in rows {
        let name: String = row.try_get("", "name")?;
        let Some(lo) = month_of(table, &name) else {
            continue; // the default partition
        };
        let hi = month_start(lo, 1);
        if hi > cutoff {
            continue;
        }
        let txn = db.begin().await?;
        txn.execute_unprepared(&format!("DROP TABLE IF EXISTS \"{name}\""))
            .await?;
        for sql in [
            "DELETE FROM metric_hours WHERE hour >= $1 AND hour < $2",
            "DELETE FROM metric_rollups WHERE start >= $1 AND start < $2",
        ] {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [lo.into(), hi.into()],
            ))
            .await?;
        }
        txn.commit().await?;
        dropped.push(name);
    }
    Ok(dropped)
}

/// Runs [`maintain`] now and then every `every`.
pub fn spawn_maintenance(
    db: DatabaseConnection,
    retain_metrics_days: Option<u32>,
    every: Duration,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match maintain(&db, Utc::now(), retain_metrics_days).await {
                Ok(r) if r != Report::default() => tracing::info!(?r, "table upkeep"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "table upkeep failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_roll_over_years() {
        let t = Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
        assert_eq!(
            month_start(t, 0),
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            month_start(t, 2),
            Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            month_of("metric_points", "metric_points_2025_01"),
            Some(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())
        );
        assert_eq!(month_of("metric_points", "metric_points_default"), None);
    }
}

//! A run's metric history as GraphQL serves it (`JobRun.metricHistory`): every value an
//! MLflow client logged with a step, per key, sampled in the database to a number of
//! points a chart can draw, for every run of a response in one statement.

use std::collections::HashMap;

use crate::core::batch::Load;
use async_graphql::SimpleObject;
use chrono::{DateTime, TimeZone, Utc};
use entity::job_run_metric::{self, Column as C};
use sea_orm::sea_query::{Alias, Expr, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait};
use uuid::Uuid;

use crate::core::loader::DbLoader;
use crate::error::AppError;

/// The bounds of `metricHistory` (the cost of a document counts them, so `gql::shape`
/// holds them).
pub use crate::gql::shape::metric_history::{DEFAULT_KEYS, DEFAULT_POINTS, MAX_KEYS, MAX_POINTS};

/// One metric's values over a run's steps.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct MetricHistory {
    /// The metric's key.
    pub key: String,
    /// How many values were logged for it (the points may be a sample of them).
    pub logged: i64,
    /// The values in step order (then by time), evenly sampled when more were logged
    /// than asked for, the first and the last always kept.
    pub points: Vec<MetricStep>,
}

/// One logged value of a metric.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct MetricStep {
    /// The step it was logged at (0 when the client gave none).
    pub step: i64,
    /// The value.
    pub value: f64,
    /// When the client says it was measured.
    pub timestamp: DateTime<Utc>,
}

/// Key: the history of one run, of these keys (sorted; the first [`DEFAULT_KEYS`] when
/// `None`), sampled to at most `max` points per key.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct HistoryOf {
    run: Uuid,
    keys: Option<Vec<String>>,
    max: i32,
}

impl HistoryOf {
    /// The key for `run`, checking `max` (a bad one is the caller's error).
    pub fn new(run: Uuid, keys: Option<Vec<String>>, max: i32) -> Result<Self, AppError> {
        let (lo, hi) = MAX_POINTS;
        if !(lo..=hi).contains(&max) {
            return Err(AppError::bad_input(
                "maxPoints",
                format!("must be between {lo} and {hi}, got {max}"),
            ));
        }
        if keys.as_ref().is_some_and(|k| k.len() > MAX_KEYS) {
            return Err(AppError::bad_input(
                "keys",
                format!("at most {MAX_KEYS} metrics at a time"),
            ));
        }
        let keys = keys.map(|mut k| {
            k.sort();
            k.dedup();
            k
        });
        Ok(HistoryOf { run, keys, max })
    }
}

impl Load<HistoryOf> for DbLoader {
    type Value = Vec<MetricHistory>;

    async fn load(
        &self,
        keys: &[HistoryOf],
    ) -> crate::error::AppResult<HashMap<HistoryOf, Vec<MetricHistory>>> {
        // One statement per distinct (keys, max): in practice one per response.
        let mut groups: HashMap<(Option<Vec<String>>, i32), Vec<Uuid>> = HashMap::new();
        for k in keys {
            groups
                .entry((k.keys.clone(), k.max))
                .or_default()
                .push(k.run);
        }
        let mut out = HashMap::new();
        for ((names, max), runs) in groups {
            let mut found = histories(self, &runs, names.as_deref(), max).await?;
            for run in runs {
                let key = HistoryOf {
                    run,
                    keys: names.clone(),
                    max,
                };
                out.insert(key, found.remove(&run).unwrap_or_default());
            }
        }
        Ok(out)
    }
}

/// The histories of `runs`, sampled in SQL: each (run, key) numbered in step order, and
/// every `stride`-th row kept where it logged more than `max` (with the last), so a
/// million-step run reads `max` rows per key. Rows logged after the request's instant
/// are left out when it reads in the past.
async fn histories(
    loader: &DbLoader,
    runs: &[Uuid],
    keys: Option<&[String]>,
    max: i32,
) -> Result<HashMap<Uuid, Vec<MetricHistory>>, AppError> {
    let ctx = loader.ctx();
    let mut numbered = Query::select();
    numbered
        .columns([C::RunId, C::Key, C::Step, C::Value, C::TimestampMs])
        .expr_as(
            Expr::cust(
                "ROW_NUMBER() OVER (PARTITION BY run_id, key ORDER BY step, timestamp_ms, id)",
            ),
            Alias::new("rn"),
        )
        .expr_as(
            Expr::cust("COUNT(*) OVER (PARTITION BY run_id, key)"),
            Alias::new("n"),
        )
        .expr_as(
            Expr::cust("DENSE_RANK() OVER (PARTITION BY run_id ORDER BY key)"),
            Alias::new("kr"),
        )
        .from(job_run_metric::Entity)
        .and_where(C::RunId.is_in(runs.iter().copied()))
        .cond_where(ctx.scope.condition(C::Ns));
    if let Some(keys) = keys {
        numbered.and_where(C::Key.is_in(keys.iter().cloned()));
    }
    if let Some(at) = ctx.as_of.get() {
        numbered.and_where(C::CreatedAt.lte(at));
    }
    // `max` is a checked integer (3..=2,500), so it is written into the statement.
    let (s, rn, n) = (Alias::new("s"), Alias::new("rn"), Alias::new("n"));
    let stride = max - 2;
    // Without `keys`, the run's first metrics in key order only.
    let first_keys = if keys.is_none() {
        format!(" AND s.kr <= {DEFAULT_KEYS}")
    } else {
        String::new()
    };
    let q = Query::select()
        .columns([
            (s.clone(), Alias::new("run_id")),
            (s.clone(), Alias::new("key")),
            (s.clone(), Alias::new("step")),
            (s.clone(), Alias::new("value")),
            (s.clone(), Alias::new("timestamp_ms")),
            (s.clone(), n.clone()),
        ])
        .from_subquery(numbered, s.clone())
        .and_where(Expr::cust(format!(
            "(s.n <= {max} OR s.rn = s.n OR (s.rn - 1) % ((s.n - 2) / {stride} + 1) = 0){first_keys}"
        )))
        .order_by((s.clone(), Alias::new("run_id")), Order::Asc)
        .order_by((s.clone(), Alias::new("key")), Order::Asc)
        .order_by((s, rn), Order::Asc)
        .to_owned();
    let rows = loader.db().query_all(&q).await?;
    let mut out: HashMap<Uuid, Vec<MetricHistory>> = HashMap::new();
    for row in rows {
        let run: Uuid = row.try_get("", "run_id")?;
        let key: String = row.try_get("", "key")?;
        let point = MetricStep {
            step: row.try_get("", "step")?,
            value: row.try_get("", "value")?,
            timestamp: Utc
                .timestamp_millis_opt(row.try_get("", "timestamp_ms")?)
                .single()
                .unwrap_or_default(),
        };
        let series = out.entry(run).or_default();
        match series.last_mut() {
            Some(h) if h.key == key => h.points.push(point),
            _ => series.push(MetricHistory {
                key,
                logged: row.try_get("", "n")?,
                points: vec![point],
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_points_is_checked_and_keys_are_one_order() {
        let run = Uuid::nil();
        assert!(HistoryOf::new(run, None, 2).is_err());
        assert!(HistoryOf::new(run, None, 2_501).is_err());
        let many: Vec<String> = (0..=MAX_KEYS).map(|i| format!("k{i}")).collect();
        assert!(HistoryOf::new(run, Some(many), 3).is_err());
        let a = HistoryOf::new(
            run,
            Some(vec!["loss".into(), "auc".into(), "loss".into()]),
            3,
        );
        let b = HistoryOf::new(run, Some(vec!["auc".into(), "loss".into()]), 3);
        assert_eq!(a.ok(), b.ok());
    }
}

//! Model performance: metric series of model versions (optionally per endpoint or
//! deployment), recorded in batches and summarised with exact percentiles.
//!
//! `recordMetrics` takes up to 10,000 points, checks every one before writing any (the
//! first bad one is named by its index), and writes them in one statement (PostgreSQL:
//! the points as one JSON parameter read by `json_to_recordset`; SQLite: per 1,000).
//! `metricStats` and `compareModels` compute count, average, min, max and p50/p95/p99 —
//! on PostgreSQL with `percentile_cont`, on SQLite in process with the same (linear
//! interpolation) definition. On PostgreSQL, closed hours and days are rolled up in the
//! background ([`roll_up`], from `partitions::maintain`): a rollup holds the exact
//! statistics of its bucket and the count of points it saw, and is used only while that
//! count still equals the bucket's count in `metric_hours` (kept by a trigger on
//! insert); any other bucket is computed from the raw points of its own time range.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use entity::{metric_point, model_version};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use crate::api::deps;
use crate::core::context::RequestContext;
use crate::core::ids::{NodeType, decode_as, encode};
use crate::core::paging::{Conn, Page, PageArgs, Window, connection};
use crate::core::store;
use crate::error::{AppError, AppResult};

/// Most points in one `recordMetrics` call.
pub const MAX_POINTS: usize = 10_000;
const BATCH: usize = 1_000;

/// A point to record.
#[derive(InputObject, Clone)]
pub struct MetricPointInput {
    /// The model version it measures.
    pub model_version_id: ID,
    /// The endpoint it was measured on.
    pub endpoint_id: Option<ID>,
    /// The deployment it was measured on.
    pub deployment_id: Option<ID>,
    /// Metric name (`latency_ms`, `accuracy`, `cost`, `quality`, `throughput`, or any).
    pub name: String,
    /// The value (finite).
    pub value: f64,
    /// When it was measured (default: now).
    pub timestamp: Option<DateTime<Utc>>,
    /// Labels (a JSON object).
    pub labels: Option<Json<serde_json::Value>>,
}

/// Statistics buckets.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MetricBucket {
    /// Per minute.
    Minute,
    /// Per hour.
    Hour,
    /// Per day (UTC).
    Day,
    /// One bucket for the whole range.
    None,
}

/// Statistics of one bucket.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct MetricStats {
    /// Start of the bucket (the range's start for `NONE`).
    pub bucket_start: DateTime<Utc>,
    /// Points.
    pub count: i64,
    /// Average.
    pub avg: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
    /// Median (linear interpolation, as `percentile_cont`).
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// One recorded observation of a metric series.
#[derive(SimpleObject, Clone, Debug)]
pub struct MetricPoint {
    /// When it was measured.
    pub timestamp: DateTime<Utc>,
    /// The value.
    pub value: f64,
    /// Its labels.
    pub labels: Json<serde_json::Value>,
    /// The endpoint it was measured on.
    pub endpoint_id: Option<ID>,
    /// The deployment it was measured on.
    pub deployment_id: Option<ID>,
}

impl From<metric_point::Model> for MetricPoint {
    fn from(p: metric_point::Model) -> Self {
        MetricPoint {
            timestamp: p.ts,
            value: p.value,
            labels: Json(p.labels),
            endpoint_id: p.endpoint_id.map(|id| encode(NodeType::Endpoint, id)),
            deployment_id: p.deployment_id.map(|id| encode(NodeType::Deployment, id)),
        }
    }
}

/// The raw points of one series of a version (optionally within `[from, to)`), oldest
/// first (ties by id), one page of them.
pub async fn points(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    limits: &crate::config::Limits,
    version: Uuid,
    metric: &str,
    range: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    page: &PageArgs,
) -> AppResult<Page<metric_point::Model>> {
    if let (Some(from), Some(to)) = range
        && to <= from
    {
        return Err(AppError::bad_input("to", "must be after `from`"));
    }
    let window = page.window(limits)?;
    store::get::<model_version::Entity>(db, ctx, version).await?;
    let mut q = store::unscoped::<metric_point::Entity>()
        .filter(metric_point::Column::ModelVersionId.eq(version))
        .filter(metric_point::Column::Name.eq(metric));
    if let Some(from) = range.0 {
        q = q.filter(metric_point::Column::Ts.gte(from));
    }
    if let Some(to) = range.1 {
        q = q.filter(metric_point::Column::Ts.lt(to));
    }
    let total = q.clone().count(db).await?;
    let (start, limit) = match window {
        Window::Forward { start, limit } => (start, limit),
        Window::Tail { limit } => (total.saturating_sub(limit), limit),
    };
    let items = q
        .order_by_asc(metric_point::Column::Ts)
        .order_by_asc(metric_point::Column::Id)
        .offset(start)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Page {
        has_next: start + (items.len() as u64) < total,
        items,
        start,
        total: Some(total),
    })
}

/// One row of a comparison.
#[derive(SimpleObject)]
pub struct ModelComparison {
    /// The version.
    pub model_version: crate::graph::ModelVersion,
    /// The metric.
    pub metric: String,
    /// Its statistics over the range (null without points).
    pub stats: Option<MetricStats>,
    /// Its average minus the first version's (null for the first, or without points).
    pub avg_difference: Option<f64>,
}

fn bad(i: usize, field: &str, message: impl Into<String>) -> AppError {
    AppError::bad_input(format!("points.{i}.{field}"), message)
}

/// A checked point, borrowing from its input. Serialised as one element of the JSON
/// array the PostgreSQL insert reads (short keys: 10,000 of them go in one parameter).
#[derive(serde::Serialize)]
struct Point<'a, 'b> {
    id: Uuid,
    ns: &'b str,
    v: Uuid,
    e: Option<Uuid>,
    d: Option<Uuid>,
    n: &'a str,
    x: f64,
    t: DateTime<Utc>,
    l: &'a serde_json::Value,
}

/// Decodes the ids of points, each distinct one once; the field is named (formatted) only
/// for an error.
#[derive(Default)]
struct Ids<'a>(std::collections::HashMap<(NodeType, &'a str), Uuid>);

impl<'a> Ids<'a> {
    fn get(&mut self, id: &'a ID, ty: NodeType, i: usize, field: &str) -> AppResult<Uuid> {
        if let Some(u) = self.0.get(&(ty, id.as_str())) {
            return Ok(*u);
        }
        match crate::core::ids::decode(id) {
            Some((t, u)) if t == ty => {
                self.0.insert((ty, id.as_str()), u);
                Ok(u)
            }
            _ => decode_as(id, ty, &format!("points.{i}.{field}")),
        }
    }
}

/// Labels of a point without any.
static NO_LABELS: std::sync::LazyLock<serde_json::Value> =
    std::sync::LazyLock::new(|| serde_json::json!({}));

/// Records points (see the module): all or none.
pub async fn record(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    points: Vec<MetricPointInput>,
) -> AppResult<usize> {
    if points.len() > MAX_POINTS {
        return Err(AppError::bad_input(
            "points",
            format!("at most {MAX_POINTS} points per call"),
        ));
    }
    let now = Utc::now();
    let mut ids = Ids::default();
    let mut rows = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        let version = ids.get(
            &p.model_version_id,
            NodeType::ModelVersion,
            i,
            "modelVersionId",
        )?;
        let endpoint = match &p.endpoint_id {
            Some(e) => Some(ids.get(e, NodeType::Endpoint, i, "endpointId")?),
            None => None,
        };
        let deployment = match &p.deployment_id {
            Some(d) => Some(ids.get(d, NodeType::Deployment, i, "deploymentId")?),
            None => None,
        };
        let name = p.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.contains('\0') {
            return Err(bad(i, "name", "a metric name of 1 to 100 characters"));
        }
        if !p.value.is_finite() {
            return Err(bad(i, "value", "a finite number"));
        }
        let labels = p.labels.as_ref().map_or(&*NO_LABELS, |j| &j.0);
        if !labels.is_object() {
            return Err(bad(i, "labels", "a JSON object"));
        }
        // Stored to the microsecond on both backends.
        let ts = p.timestamp.unwrap_or(now);
        let ts = ts.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(ts);
        rows.push(Point {
            id: crate::core::ids::new_id(),
            ns: "",
            v: version,
            e: endpoint,
            d: deployment,
            n: name,
            x: p.value,
            t: ts,
            l: labels,
        });
    }
    let mut versions: Vec<Uuid> = rows.iter().map(|r| r.v).collect();
    versions.sort_unstable();
    versions.dedup();
    store::transaction(db, async |txn| {
        // Every version must exist where the caller may write (one statement).
        let found = store::scoped::<model_version::Entity>(ctx)
            .filter(model_version::Column::Id.is_in(versions.clone()))
            .all(txn)
            .await?;
        let ns_of: std::collections::HashMap<Uuid, &str> =
            found.iter().map(|v| (v.id, v.ns.as_str())).collect();
        for v in &found {
            ctx.scope.check_write(&v.ns)?;
        }
        let mut placed = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let ns = ns_of.get(&r.v).copied().ok_or_else(|| {
                AppError::not_found(format!(
                    "ModelVersion {} (input points.{i}.modelVersionId)",
                    r.v
                ))
            })?;
            placed.push(Point {
                id: r.id,
                ns,
                v: r.v,
                e: r.e,
                d: r.d,
                n: r.n,
                x: r.x,
                t: r.t,
                l: r.l,
            });
        }
        let rows = placed;
        if txn.get_database_backend() == DbBackend::Postgres {
            // One statement for the whole call: the points as one JSON parameter.
            let json = serde_json::to_string(&rows)
                .map_err(|e| AppError::Internal(format!("metric points: {e}")))?;
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO metric_points
                   (id, ns, model_version_id, endpoint_id, deployment_id, name, value, ts, labels, created_at)
                 SELECT id, ns, v, e, d, n, x, t, l, $2
                   FROM json_to_recordset($1::json)
                     AS r(id uuid, ns text, v uuid, e uuid, d uuid, n text, x float8, t timestamptz, l jsonb)",
                [json.into(), now.into()],
            ))
            .await?;
            return Ok(rows.len());
        }
        for chunk in rows.chunks(BATCH) {
            let models = chunk.iter().map(|r| metric_point::ActiveModel {
                id: Set(r.id),
                ns: Set(r.ns.to_owned()),
                model_version_id: Set(r.v),
                endpoint_id: Set(r.e),
                deployment_id: Set(r.d),
                name: Set(r.n.to_owned()),
                value: Set(r.x),
                ts: Set(r.t),
                labels: Set(r.l.clone()),
                created_at: Set(now),
            });
            metric_point::Entity::insert_many(models)
                .exec_without_returning(txn)
                .await?;
        }
        Ok(rows.len())
    })
    .await
}

pub use crate::core::math::percentile;

fn stats_of(start: DateTime<Utc>, mut values: Vec<f64>) -> MetricStats {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    MetricStats {
        bucket_start: start,
        count: n as i64,
        avg: values.iter().sum::<f64>() / n as f64,
        min: values.first().copied().unwrap_or(f64::NAN),
        max: values.last().copied().unwrap_or(f64::NAN),
        p50: percentile(&values, 0.5),
        p95: percentile(&values, 0.95),
        p99: percentile(&values, 0.99),
    }
}

fn bucket_start(ts: DateTime<Utc>, bucket: MetricBucket, from: DateTime<Utc>) -> DateTime<Utc> {
    let delta = match bucket {
        MetricBucket::Minute => TimeDelta::minutes(1),
        MetricBucket::Hour => TimeDelta::hours(1),
        MetricBucket::Day => TimeDelta::days(1),
        MetricBucket::None => return from,
    };
    ts.duration_trunc(delta).unwrap_or(ts)
}

#[derive(FromQueryResult)]
struct StatsRow {
    b: DateTime<Utc>,
    n: i64,
    avg: f64,
    min: f64,
    max: f64,
    p50: f64,
    p95: f64,
    p99: f64,
}

impl From<StatsRow> for MetricStats {
    fn from(r: StatsRow) -> Self {
        MetricStats {
            bucket_start: r.b,
            count: r.n,
            avg: r.avg,
            min: r.min,
            max: r.max,
            p50: r.p50,
            p95: r.p95,
            p99: r.p99,
        }
    }
}

/// The rolled-up bucket kinds and their widths.
fn rollup_width(bucket: MetricBucket) -> Option<(&'static str, TimeDelta)> {
    match bucket {
        MetricBucket::Hour => Some(("HOUR", TimeDelta::hours(1))),
        MetricBucket::Day => Some(("DAY", TimeDelta::days(1))),
        MetricBucket::Minute | MetricBucket::None => None,
    }
}

/// PostgreSQL: whole hours and days read from `metric_rollups` where a rollup is still
/// exact (its count equals the points' count in `metric_hours`); every other bucket, and
/// the partial buckets at the range's ends, with `percentile_cont` over the raw points of
/// just those time ranges. Both are exact.
async fn stats_on_postgres(
    db: &impl ConnectionTrait,
    version: Uuid,
    metric: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: MetricBucket,
) -> AppResult<Vec<MetricStats>> {
    let mut out: Vec<MetricStats> = Vec::new();
    // The raw ranges still to read (the whole range unless rollups cover some of it).
    let mut raw: Vec<(DateTime<Utc>, DateTime<Utc>)> = vec![(from, to)];
    if let Some((kind, width)) = rollup_width(bucket) {
        let rolled = StatsRow::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT r.start AS b, r.n, r.avg, r.min, r.max, r.p50, r.p95, r.p99
               FROM metric_rollups r
              WHERE r.model_version_id = $1 AND r.name = $2 AND r.bucket = $3
                AND r.start >= $4 AND r.start + $6::interval <= $5
                AND r.n = (SELECT COALESCE(SUM(h.n), 0) FROM metric_hours h
                            WHERE h.model_version_id = $1 AND h.name = $2
                              AND h.hour >= r.start AND h.hour < r.start + $6::interval)
              ORDER BY r.start",
            [
                version.into(),
                metric.into(),
                kind.into(),
                from.into(),
                to.into(),
                format!("{} seconds", width.num_seconds()).into(),
            ],
        ))
        .all(db)
        .await?;
        raw = uncovered(from, to, rolled.iter().map(|r| (r.b, r.b + width)));
        out.extend(rolled.into_iter().map(MetricStats::from));
    }
    if !raw.is_empty() {
        let b = match bucket {
            MetricBucket::Minute => "date_trunc('minute', ts, 'UTC')",
            MetricBucket::Hour => "date_trunc('hour', ts, 'UTC')",
            MetricBucket::Day => "date_trunc('day', ts, 'UTC')",
            MetricBucket::None => "$3::timestamptz",
        };
        let mut p = crate::core::params::Params::new(DbBackend::Postgres);
        // $1, $2, $3 as the statement names them.
        p.push(version);
        p.push(metric.to_owned());
        p.push(from);
        let ranges: Vec<String> = raw
            .iter()
            .map(|(lo, hi)| format!("(ts >= {} AND ts < {})", p.push(*lo), p.push(*hi)))
            .collect();
        let sql = format!(
            "SELECT {b} AS b, {STATS_COLUMNS}
               FROM metric_points
              WHERE model_version_id = $1 AND name = $2 AND ({})
              GROUP BY 1 ORDER BY 1",
            ranges.join(" OR ")
        );
        let rows = StatsRow::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            p.values(),
        ))
        .all(db)
        .await?;
        out.extend(rows.into_iter().map(MetricStats::from));
        out.sort_by_key(|s| s.bucket_start);
    }
    Ok(out)
}

/// `[from, to)` minus the (sorted, disjoint) `covered` intervals, adjacent gaps merged.
fn uncovered(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    covered: impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut at = from;
    for (lo, hi) in covered {
        if lo > at {
            out.push((at, lo));
        }
        at = at.max(hi);
    }
    if at < to {
        out.push((at, to));
    }
    out
}

/// The statistics `metricStats` reports, over a set of points' `value`s: the raw
/// statement and the roll-up compute them with the same aggregates.
const STATS_COLUMNS: &str =
    "COUNT(*) AS n, AVG(value) AS avg, MIN(value) AS min, MAX(value) AS max,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS p50,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS p95,
    percentile_cont(0.99) WITHIN GROUP (ORDER BY value) AS p99";

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

/// Statistics of one version's metric over `[from, to)`, per bucket.
pub async fn stats(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    version: Uuid,
    metric: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: MetricBucket,
) -> AppResult<Vec<MetricStats>> {
    if to <= from {
        return Err(AppError::bad_input("to", "must be after `from`"));
    }
    store::get::<model_version::Entity>(db, ctx, version).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        return stats_on_postgres(db, version, metric, from, to, bucket).await;
    }
    // SQLite: the points of the range, bucketed and summarised here.
    let points: Vec<(DateTime<Utc>, f64)> = store::unscoped::<metric_point::Entity>()
        .select_only()
        .column(metric_point::Column::Ts)
        .column(metric_point::Column::Value)
        .filter(metric_point::Column::ModelVersionId.eq(version))
        .filter(metric_point::Column::Name.eq(metric))
        .filter(metric_point::Column::Ts.gte(from))
        .filter(metric_point::Column::Ts.lt(to))
        .order_by_asc(metric_point::Column::Ts)
        .into_tuple()
        .all(db)
        .await?;
    let mut buckets: std::collections::BTreeMap<DateTime<Utc>, Vec<f64>> = Default::default();
    for (ts, v) in points {
        buckets
            .entry(bucket_start(ts, bucket, from))
            .or_default()
            .push(v);
    }
    Ok(buckets.into_iter().map(|(b, vs)| stats_of(b, vs)).collect())
}

/// Performance queries.
#[derive(Default)]
pub struct PerformanceQuery;

#[Object]
impl PerformanceQuery {
    /// Count, average, min, max and p50/p95/p99 of a model version's metric over
    /// `[from, to)`, per bucket.
    async fn metric_stats(
        &self,
        ctx: &Context<'_>,
        of: ID,
        metric: String,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[graphql(default_with = "MetricBucket::None")] bucket: MetricBucket,
    ) -> Result<Vec<MetricStats>> {
        let d = deps(ctx)?;
        let version = decode_as(&of, NodeType::ModelVersion, "of")?;
        Ok(stats(d.reads(), d.rc, version, &metric, from, to, bucket).await?)
    }

    /// The raw points of one metric series of a model version, oldest first, paged like
    /// every list (`first`/`after`, `last`/`before`, `offset`); `from`/`to` bound the
    /// time range (`[from, to)`).
    #[expect(clippy::too_many_arguments)]
    async fn metric_points(
        &self,
        ctx: &Context<'_>,
        of: ID,
        metric: String,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<MetricPoint>> {
        let d = deps(ctx)?;
        let version = decode_as(&of, NodeType::ModelVersion, "of")?;
        let page = PageArgs::new(first, after, last, before, offset);
        let rows = points(
            d.reads(),
            d.rc,
            &d.state.limits,
            version,
            &metric,
            (from, to),
            &page,
        )
        .await?;
        Ok(connection(rows.map(MetricPoint::from)))
    }

    /// Versions side by side: per version and metric, the statistics over the range and
    /// the difference of its average to the first version's.
    async fn compare_models(
        &self,
        ctx: &Context<'_>,
        versions: Vec<ID>,
        metrics: Vec<String>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ModelComparison>> {
        let d = deps(ctx)?;
        if versions.is_empty() || versions.len() > 20 || metrics.is_empty() || metrics.len() > 20 {
            return Err(
                AppError::bad_input("versions", "1 to 20 versions and 1 to 20 metrics").into(),
            );
        }
        let mut out = Vec::new();
        for metric in &metrics {
            let mut first_avg = None;
            for (i, v) in versions.iter().enumerate() {
                let id = decode_as(v, NodeType::ModelVersion, &format!("versions.{i}"))?;
                let row = store::get::<model_version::Entity>(d.reads(), d.rc, id).await?;
                let s = stats(d.reads(), d.rc, id, metric, from, to, MetricBucket::None)
                    .await?
                    .pop();
                if i == 0 {
                    first_avg = s.as_ref().map(|s| s.avg);
                }
                let avg_difference = match (i, &s, first_avg) {
                    (0, _, _) => None,
                    (_, Some(s), Some(f)) => Some(s.avg - f),
                    _ => None,
                };
                out.push(ModelComparison {
                    model_version: row.into(),
                    metric: metric.clone(),
                    stats: s,
                    avg_difference,
                });
            }
        }
        Ok(out)
    }
}

/// Performance mutations.
#[derive(Default)]
pub struct PerformanceMutation;

#[Object]
impl PerformanceMutation {
    /// Records up to 10,000 metric points at once (EDITOR on each version's namespace):
    /// all are checked first, a bad one refuses the call naming its index, nothing is
    /// written. Returns how many were recorded.
    async fn record_metrics(
        &self,
        ctx: &Context<'_>,
        points: Vec<MetricPointInput>,
    ) -> Result<i32> {
        let d = deps(ctx)?;
        let n = record(&d.state.db, d.rc, points).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_percentile_cont() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), 2.5);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 1.0), 4.0);
        assert!((percentile(&v, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
    }
}

/// The cost of one inference.
#[derive(InputObject)]
pub struct InferenceCostInput {
    /// Who charged it.
    pub provider: String,
    /// Exact decimal amount (at most 6 decimals).
    pub amount: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// Units consumed (tokens, ...).
    pub units: Option<i64>,
    /// What a unit is.
    pub unit: Option<String>,
}

/// One inference to track.
#[derive(InputObject)]
pub struct TrackInferenceInput {
    /// The endpoint that served it.
    pub endpoint_id: ID,
    /// The model version that answered.
    pub model_version_id: ID,
    /// Request payload.
    pub input: Option<Json<serde_json::Value>>,
    /// Response payload.
    pub output: Option<Json<serde_json::Value>>,
    /// Latency in milliseconds.
    pub latency_ms: Option<f64>,
    /// Confidence 0–1.
    pub confidence: Option<f64>,
    /// Outcome (COMPLETED when an output is given, else PENDING).
    pub status: Option<crate::enums::PredictionStatus>,
    /// What it cost.
    pub cost: Option<InferenceCostInput>,
    /// A quality score of the answer (recorded as the metric `quality`).
    pub quality_score: Option<f64>,
}

/// What `trackInference` recorded.
#[derive(SimpleObject)]
pub struct TrackedInference {
    /// The prediction.
    pub prediction: crate::graph::Prediction,
    /// The cost recorded, as an exact decimal (null without one).
    pub cost: Option<String>,
    /// Whether a quality point was recorded.
    pub quality_recorded: bool,
}

/// Records a prediction, its cost and its quality score in one transaction.
pub async fn track_inference(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    input: TrackInferenceInput,
) -> AppResult<(entity::prediction::Model, Option<i64>, bool)> {
    use crate::serving::service::{check_prediction_values, insert_prediction};
    check_prediction_values(input.latency_ms, input.confidence)?;
    let endpoint = decode_as(&input.endpoint_id, NodeType::Endpoint, "input.endpointId")?;
    let version = decode_as(
        &input.model_version_id,
        NodeType::ModelVersion,
        "input.modelVersionId",
    )?;
    let cost = match &input.cost {
        Some(c) => {
            let amount = crate::costs::amount_input("input.cost.amount", &c.amount)?;
            let currency = crate::costs::currency_input("input.cost.currency", &c.currency)?;
            crate::core::validate::name("input.cost.provider", &c.provider)?;
            Some((
                c.provider.trim().to_owned(),
                amount,
                currency,
                c.units,
                c.unit.clone(),
            ))
        }
        None => None,
    };
    if input.quality_score.is_some_and(|q| !q.is_finite()) {
        return Err(AppError::bad_input("input.qualityScore", "a finite number"));
    }
    store::transaction(db, async |txn| {
        let prediction = insert_prediction(
            txn,
            ctx,
            crate::serving::commands::CreatePrediction {
                endpoint_id: endpoint,
                model_version_id: Some(version),
                input: input
                    .input
                    .as_ref()
                    .map(|j| j.0.clone())
                    .unwrap_or_else(|| serde_json::json!({})),
                output: input.output.as_ref().map(|j| j.0.clone()),
                latency_ms: input.latency_ms,
                confidence: input.confidence,
                status: input.status.map(Into::into),
            },
        )
        .await?;
        let now = Utc::now();
        if let Some((provider, amount, currency, units, unit)) = &cost {
            entity::cost_record::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(prediction.ns.clone()),
                provider: Set(provider.clone()),
                model_version_id: Set(Some(version)),
                endpoint_id: Set(Some(endpoint)),
                units: Set(*units),
                unit: Set(unit.clone()),
                amount_micros: Set(*amount),
                currency: Set(currency.clone()),
                ts: Set(now),
                labels: Set(serde_json::json!({"prediction": prediction.id})),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
        if let Some(q) = input.quality_score {
            metric_point::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(prediction.ns.clone()),
                model_version_id: Set(version),
                endpoint_id: Set(Some(endpoint)),
                deployment_id: Set(None),
                name: Set("quality".into()),
                value: Set(q),
                ts: Set(now),
                labels: Set(serde_json::json!({"prediction": prediction.id})),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
        Ok((
            prediction,
            cost.as_ref().map(|c| c.1),
            input.quality_score.is_some(),
        ))
    })
    .await
}

/// Inference tracking.
#[derive(Default)]
pub struct InferenceMutation;

#[Object]
impl InferenceMutation {
    /// Records one inference — the prediction (latency, confidence, status), its cost and,
    /// when given, a quality score — in one transaction (EDITOR on the endpoint's namespace).
    async fn track_inference(
        &self,
        ctx: &Context<'_>,
        input: TrackInferenceInput,
    ) -> Result<TrackedInference> {
        let d = deps(ctx)?;
        let (prediction, cost, quality_recorded) =
            track_inference(&d.state.db, d.rc, input).await?;
        Ok(TrackedInference {
            prediction: prediction.into(),
            cost: cost.map(crate::costs::format_amount),
            quality_recorded,
        })
    }
}

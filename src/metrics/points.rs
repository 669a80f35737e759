//! Metric points: recorded in batches, read as pages, summarised per bucket (see the
//! domain's module documentation).

use async_graphql::ID;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use entity::{metric_point, model_version};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use super::stats::{bucket_start, stats_of};
use super::types::{MetricBucket, MetricPointInput, MetricStats};
use crate::core::context::RequestContext;
use crate::core::ids::{NodeType, decode_as};
use crate::core::paging::{Page, PageArgs, Window};
use crate::core::store;
use crate::error::{AppError, AppResult};

/// Most points in one `recordMetrics` call.
pub const MAX_POINTS: usize = 10_000;

const BATCH: usize = 1_000;

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
pub(super) const STATS_COLUMNS: &str =
    "COUNT(*) AS n, AVG(value) AS avg, MIN(value) AS min, MAX(value) AS max,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS p50,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS p95,
    percentile_cont(0.99) WITHIN GROUP (ORDER BY value) AS p99";

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

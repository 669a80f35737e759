//! The large tables at scale: month partitions made ahead and dropped by retention
//! (PostgreSQL; SQLite deletes old points), metric rollups that stay exact, cost sums
//! from rollups equal to the records', and the last 24 hours of deployments and
//! endpoints (p95 latency, cost) as an impact query sees them.

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::harness::{TestApp, create_endpoint, create_model, create_version, deploy};

const NS: &str = "acme.com/scale";
const RECORD: &str = "mutation($p: [MetricPointInput!]!) { recordMetrics(points: $p) }";
const STATS: &str = "query($v: ID!, $from: DateTime!, $to: DateTime!, $b: MetricBucket!) {
    metricStats(of: $v, metric: \"latency_ms\", from: $from, to: $to, bucket: $b) { bucketStart count avg min max p50 p95 p99 } }";
const COSTS: &str = "mutation($r: [CostRecordInput!]!) { recordCosts(records: $r) }";

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .unwrap_or_default()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

async fn sql_i64(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db()
        .query_one_raw(Statement::from_string(
            app.db().get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or_else(|| panic!("{sql}: no n"))
}

async fn partitions(app: &TestApp, table: &str) -> Vec<String> {
    let rows = app
        .db()
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                  WHERE i.inhparent = '{table}'::regclass ORDER BY 1"
            ),
        ))
        .await
        .unwrap_or_else(|e| panic!("partitions: {e}"));
    rows.iter()
        .filter_map(|r| r.try_get::<String>("", "name").ok())
        .collect()
}

async fn record(app: &TestApp, v: &str, points: &[(DateTime<Utc>, f64)]) {
    let input: Vec<Value> = points
        .iter()
        .map(|(ts, value)| json!({"modelVersionId": v, "name": "latency_ms", "value": value, "timestamp": ts.to_rfc3339()}))
        .collect();
    let n = app.ok(RECORD, json!({"p": input})).await;
    assert_eq!(n["recordMetrics"], json!(points.len()));
}

async fn count_in(app: &TestApp, v: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
    let s = app
        .ok(
            STATS,
            json!({"v": v, "from": from.to_rfc3339(), "to": to.to_rfc3339(), "b": "NONE"}),
        )
        .await;
    s["metricStats"][0]["count"].clone()
}

/// Months are partitions; a backfill lands in the default partition until upkeep gives
/// it its month; retention drops whole months before the cut-off and nothing newer.
#[tokio::test]
async fn months_are_partitions_made_ahead_and_dropped_by_retention() {
    let app = TestApp::new().await;
    let now = Utc::now();
    let this_month = mlgraph::partitions::month_start(now, 0);
    let name = |t: &str, m: DateTime<Utc>| format!("{t}_{}", m.format("%Y_%m"));
    for t in ["metric_points", "predictions"] {
        let parts = partitions(&app, t).await;
        assert!(parts.contains(&format!("{t}_default")), "{parts:?}");
        assert!(parts.contains(&name(t, this_month)), "{parts:?}");
    }
    let model = create_model(&app, NS, "m").await;
    let v = create_version(&app, &model).await;
    let old: Vec<(DateTime<Utc>, f64)> = (0..30)
        .map(|i| {
            (
                at(2025, 1, 10, 0, 0) + chrono::Duration::minutes(i),
                i as f64,
            )
        })
        .collect();
    let recent: Vec<(DateTime<Utc>, f64)> = (0..5)
        .map(|i| (now - chrono::Duration::minutes(i + 1), 1.0))
        .collect();
    record(&app, &v, &old).await;
    record(&app, &v, &recent).await;
    assert_eq!(app.count("metric_points_default").await, 30);

    let report = mlgraph::partitions::maintain(app.db(), now, None)
        .await
        .unwrap_or_else(|e| panic!("upkeep: {e:?}"));
    let jan = at(2025, 1, 1, 0, 0);
    assert!(
        report.created.contains(&name("metric_points", jan)),
        "{report:?}"
    );
    for t in ["metric_points", "predictions"] {
        let ahead = name(t, mlgraph::partitions::month_start(now, 2));
        assert!(partitions(&app, t).await.contains(&ahead), "{t}: {ahead}");
    }
    assert_eq!(app.count("metric_points_default").await, 0);
    assert_eq!(app.count("metric_points_2025_01").await, 30);
    assert_eq!(
        count_in(&app, &v, jan, at(2025, 2, 1, 0, 0)).await,
        30,
        "moved, not lost"
    );
    // Again: nothing to do.
    let again = mlgraph::partitions::maintain(app.db(), now, None)
        .await
        .unwrap_or_else(|e| panic!("upkeep: {e:?}"));
    assert!(again.created.is_empty(), "{again:?}");

    let report = mlgraph::partitions::maintain(app.db(), now, Some(30))
        .await
        .unwrap_or_else(|e| panic!("retention: {e:?}"));
    assert_eq!(report.dropped, vec!["metric_points_2025_01".to_owned()]);
    assert!(
        !partitions(&app, "metric_points")
            .await
            .contains(&name("metric_points", jan))
    );
    assert_eq!(
        app.ok(STATS, json!({"v": v, "from": jan.to_rfc3339(), "to": at(2025, 2, 1, 0, 0).to_rfc3339(), "b": "NONE"}))
            .await["metricStats"],
        json!([])
    );
    assert_eq!(
        sql_i64(
            &app,
            "SELECT COUNT(*) AS n FROM metric_hours WHERE hour < '2025-02-01'"
        )
        .await,
        0,
        "the counts of a dropped month go with it"
    );
    assert_eq!(
        count_in(&app, &v, now - chrono::Duration::hours(1), now).await,
        5,
        "recent points kept"
    );
    // Predictions are never dropped by retention.
    assert!(
        partitions(&app, "predictions")
            .await
            .contains(&name("predictions", this_month))
    );
}

/// A backfill larger than a request's statement timeout still gets its month: the move
/// runs with a budget of its own, and the upkeep's other work goes on meanwhile.
#[tokio::test]
async fn a_large_backfill_gets_its_month_past_the_statement_timeout() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "m").await;
    let v = create_version(&app, &model).await;
    create_endpoint(&app, NS, "ep", "PRODUCTION").await;
    let ids = |table: &str| format!("(SELECT id FROM {table} LIMIT 1)");
    // 300,000 predictions of March 2024, which has no partition: the default one takes
    // them.
    app.db()
        .execute_unprepared(&format!(
            "INSERT INTO predictions (id, ns, endpoint_id, model_version_id, input, output, latency_ms,
                                      confidence, status, completed_at, created_at, updated_at)
             SELECT gen_random_uuid(), '{NS}', {}, {}, '{{}}', '{{}}', i % 100, 0.5, 'COMPLETED', t, t, t
               FROM (SELECT i, '2024-03-01'::timestamptz + i * interval '5 seconds' AS t
                       FROM generate_series(1, 300000) i) s",
            ids("endpoints"),
            ids("model_versions")
        ))
        .await
        .unwrap_or_else(|e| panic!("backfill: {e}"));
    assert_eq!(app.count("predictions_default").await, 300_000);
    // A closed hour of metric points, for the roll-up to do after the move.
    let hour = Utc::now() - chrono::Duration::hours(3);
    record(
        &app,
        &v,
        &[(hour, 1.0), (hour + chrono::Duration::seconds(1), 2.0)],
    )
    .await;
    // The upkeep over a pool whose statements may take 200 ms: moving 300,000 rows with
    // their indexes takes longer than that.
    let (short, _) = mlgraph::db::connect(
        &app.url,
        &mlgraph::db::DbOptions {
            statement_timeout: std::time::Duration::from_millis(200),
            ..mlgraph::db::DbOptions::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("connect: {e}"));
    assert!(
        short
            .execute_unprepared("SELECT pg_sleep(1)")
            .await
            .is_err(),
        "the pool's own statements are cut at 200 ms"
    );
    let report = mlgraph::partitions::maintain(&short, Utc::now(), None)
        .await
        .unwrap_or_else(|e| panic!("upkeep: {e:?}"));
    assert!(report.failed.is_empty(), "{report:?}");
    assert!(
        report.created.contains(&"predictions_2024_03".to_owned()),
        "{report:?}"
    );
    assert_eq!(app.count("predictions_default").await, 0);
    assert_eq!(app.count("predictions_2024_03").await, 300_000);
    assert!(report.rolled_up >= 1, "the roll-up ran too: {report:?}");
    // The bounds check served the attach and is gone: the partition's bounds hold.
    assert_eq!(
        sql_i64(
            &app,
            "SELECT COUNT(*) AS n FROM pg_constraint WHERE conname = 'predictions_2024_03_bounds'"
        )
        .await,
        0
    );
}

/// SQLite has no partitions: retention deletes the points older than the cut-off.
#[tokio::test]
async fn sqlite_retention_deletes_old_points() {
    let app = TestApp::sqlite().await;
    let model = create_model(&app, NS, "m").await;
    let v = create_version(&app, &model).await;
    let now = Utc::now();
    record(
        &app,
        &v,
        &[
            (at(2025, 1, 10, 0, 0), 1.0),
            (now - chrono::Duration::minutes(1), 2.0),
        ],
    )
    .await;
    let report = mlgraph::partitions::maintain(app.db(), now, Some(30))
        .await
        .unwrap_or_else(|e| panic!("retention: {e:?}"));
    assert_eq!(report.deleted_points, 1);
    assert_eq!(app.count("metric_points").await, 1);
}

async fn hourly(app: &TestApp, v: &str, start: DateTime<Utc>) -> Value {
    let vars = json!({"v": v, "from": start.to_rfc3339(), "to": (start + chrono::Duration::hours(3)).to_rfc3339(), "b": "HOUR"});
    app.ok(STATS, vars).await["metricStats"].clone()
}

fn check(bucket: &Value, vals: &mut [f64], label: &str) {
    vals.sort_by(f64::total_cmp);
    assert_eq!(bucket["count"], json!(vals.len()), "{label}");
    for (field, want) in [
        ("p50", percentile(vals, 0.5)),
        ("p95", percentile(vals, 0.95)),
        ("p99", percentile(vals, 0.99)),
        ("min", vals[0]),
        ("max", vals[vals.len() - 1]),
        ("avg", vals.iter().sum::<f64>() / vals.len() as f64),
    ] {
        let got = bucket[field].as_f64().unwrap_or(f64::NAN);
        assert!(
            (got - want).abs() < 1e-9,
            "{label} {field}: {got} != {want}"
        );
    }
}

/// Closed hours and days are rolled up; a rollup is read while exact (a doctored one
/// shows that it is read) and ignored once a point joins its bucket, until redone.
#[tokio::test]
async fn metric_rollups_are_read_while_exact() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "m").await;
    let v = create_version(&app, &model).await;
    let start = at(2026, 11, 30, 10, 0);
    let mut pts: Vec<(DateTime<Utc>, f64)> = (0..600)
        .map(|i| {
            (
                start + chrono::Duration::seconds(i * 18),
                ((i * 7919) % 1000) as f64 / 10.0,
            )
        })
        .collect();
    record(&app, &v, &pts).await;
    let report = mlgraph::partitions::maintain(app.db(), Utc::now(), None)
        .await
        .unwrap_or_else(|e| panic!("upkeep: {e:?}"));
    assert_eq!(report.rolled_up, 3 + 1, "three hours and their day");
    assert_eq!(
        mlgraph::metrics::rollup::roll_up(app.db(), Utc::now())
            .await
            .unwrap_or_else(|e| panic!("{e:?}")),
        0,
        "nothing left to roll up"
    );
    let in_hour = |pts: &[(DateTime<Utc>, f64)], h: i64| -> Vec<f64> {
        let lo = start + chrono::Duration::hours(h);
        let hi = lo + chrono::Duration::hours(1);
        pts.iter()
            .filter(|(t, _)| *t >= lo && *t < hi)
            .map(|(_, v)| *v)
            .collect()
    };
    let buckets = hourly(&app, &v, start).await;
    for h in 0..3 {
        check(
            &buckets[h],
            &mut in_hour(&pts, h as i64),
            &format!("hour {h}"),
        );
    }
    // The rollup is what is read: doctor the first hour's.
    app.db()
        .execute_unprepared(&format!(
            "UPDATE metric_rollups SET p50 = -1 WHERE bucket = 'HOUR' AND start = '{}'",
            start.to_rfc3339()
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hourly(&app, &v, start).await[0]["p50"], json!(-1.0));
    // A late point makes that hour's rollup stale: the raw points answer, exactly.
    let late = (start + chrono::Duration::minutes(5), 1000.0);
    record(&app, &v, &[late]).await;
    pts.push(late);
    // Counts are appended per insert statement (concurrent writers of a series share no
    // row), and summed by readers.
    let hour0 = format!(
        "SELECT COUNT(*) AS n FROM metric_hours WHERE hour = '{}'",
        start.to_rfc3339()
    );
    assert_eq!(
        sql_i64(&app, &hour0).await,
        2,
        "the late point's own count row"
    );
    let buckets = hourly(&app, &v, start).await;
    check(
        &buckets[0],
        &mut in_hour(&pts, 0),
        "hour 0 after a late point",
    );
    let day = app
        .ok(STATS, json!({"v": v, "from": at(2026, 11, 30, 0, 0).to_rfc3339(), "to": at(2026, 12, 1, 0, 0).to_rfc3339(), "b": "DAY"}))
        .await;
    let mut all: Vec<f64> = pts.iter().map(|(_, v)| *v).collect();
    check(
        &day["metricStats"][0],
        &mut all,
        "the day after a late point",
    );
    // Upkeep redoes the stale hour and day only.
    let report = mlgraph::partitions::maintain(app.db(), Utc::now(), None)
        .await
        .unwrap_or_else(|e| panic!("upkeep: {e:?}"));
    assert_eq!(report.rolled_up, 2);
    // ... and folded into one row per key by upkeep.
    assert_eq!(report.folded, 1);
    assert_eq!(sql_i64(&app, &hour0).await, 1);
    assert_eq!(
        sql_i64(
            &app,
            &format!(
                "SELECT n FROM metric_hours WHERE hour = '{}'",
                start.to_rfc3339()
            )
        )
        .await,
        in_hour(&pts, 0).len() as i64
    );
    assert_eq!(
        sql_i64(
            &app,
            &format!(
                "SELECT n FROM metric_rollups WHERE bucket = 'HOUR' AND start = '{}'",
                start.to_rfc3339()
            )
        )
        .await,
        in_hour(&pts, 0).len() as i64
    );
    check(
        &hourly(&app, &v, start).await[0],
        &mut in_hour(&pts, 0),
        "hour 0 redone",
    );
}

/// Cost sums read from hourly rollups plus the partial hours at the ends equal the
/// records' exact sums; rollups follow updates (a deleted version's costs keep their
/// amounts, without a version) and filters apply to both parts.
#[tokio::test]
async fn cost_rollups_equal_the_records() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "m").await;
    let (a, b) = (
        create_version(&app, &model).await,
        create_version(&app, &model).await,
    );
    let start = at(2026, 11, 30, 10, 0);
    // Every 7 minutes for 5 hours: amount i/1000, alternating versions and providers.
    let records: Vec<(DateTime<Utc>, i64, &str, &str)> = (0..43)
        .map(|i| {
            let (v, p) = if i % 2 == 0 {
                (&a, "openai")
            } else {
                (&b, "vertex")
            };
            (
                start + chrono::Duration::minutes(i * 7),
                i + 1,
                v.as_str(),
                p,
            )
        })
        .collect();
    let input: Vec<Value> = records
        .iter()
        .map(|(ts, milli, v, p)| json!({"provider": p, "modelVersionId": v, "amount": format!("0.{milli:03}"), "currency": "USD", "timestamp": ts.to_rfc3339()}))
        .collect();
    app.ok(COSTS, json!({"r": input})).await;
    assert!(
        sql_i64(&app, "SELECT COUNT(*) AS n FROM cost_rollups").await >= 5,
        "hourly rollups kept"
    );
    let (from, to) = (
        start + chrono::Duration::minutes(15),
        start + chrono::Duration::minutes(250),
    );
    let want = |p: &str| -> String {
        let micros: i64 = records
            .iter()
            .filter(|(ts, _, _, pr)| *ts >= from && *ts < to && *pr == p)
            .map(|(_, milli, _, _)| milli * 1000)
            .sum();
        mlgraph::metrics::costs::format_amount(micros)
    };
    let summary = "query($from: DateTime!, $to: DateTime!, $g: CostGroupBy!, $f: CostFilter) {
        costSummary(groupBy: $g, from: $from, to: $to, filter: $f) { key currency count total } }";
    let got = app
        .ok(
            summary,
            json!({"from": from.to_rfc3339(), "to": to.to_rfc3339(), "g": "PROVIDER"}),
        )
        .await;
    assert_eq!(got["costSummary"][0]["key"], "openai");
    assert_eq!(got["costSummary"][0]["total"], json!(want("openai")));
    assert_eq!(got["costSummary"][1]["total"], json!(want("vertex")));
    let filtered = app
        .ok(summary, json!({"from": from.to_rfc3339(), "to": to.to_rfc3339(), "g": "PROVIDER", "f": {"modelVersion": a}}))
        .await;
    assert_eq!(
        filtered["costSummary"],
        json!([{"key": "openai", "currency": "USD", "count": records.iter().filter(|(ts, _, _, p)| *ts >= from && *ts < to && *p == "openai").count(), "total": want("openai")}])
    );
    // Deleting version b sets its records' version to null (an UPDATE): same totals.
    app.ok(
        "mutation($id: ID!) { deleteModelVersion(id: $id) }",
        json!({"id": b}),
    )
    .await;
    let by_version = app
        .ok(
            summary,
            json!({"from": from.to_rfc3339(), "to": to.to_rfc3339(), "g": "MODEL_VERSION"}),
        )
        .await;
    let null_group = by_version["costSummary"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["key"].is_null())
        .cloned()
        .unwrap_or_default();
    assert_eq!(null_group["total"], json!(want("vertex")), "{by_version}");
    assert_eq!(
        sql_i64(
            &app,
            "SELECT CAST(SUM(amount_micros) AS BIGINT) AS n FROM cost_rollups"
        )
        .await,
        sql_i64(
            &app,
            "SELECT CAST(SUM(amount_micros) AS BIGINT) AS n FROM cost_records"
        )
        .await,
    );
}

async fn check_last_24_hours(app: &TestApp) {
    let model = create_model(app, NS, "served").await;
    let (a, b) = (
        create_version(app, &model).await,
        create_version(app, &model).await,
    );
    let ep = create_endpoint(app, NS, "ep", "PRODUCTION").await;
    let (da, db) = (
        deploy(app, &a, &ep, 70).await,
        deploy(app, &b, &ep, 30).await,
    );
    let predict = "mutation($e: ID!, $v: ID!, $l: Float!) { createPrediction(input: {endpointId: $e, modelVersionId: $v, input: {}, output: {}, latencyMs: $l}) { id } }";
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    for i in 1..=20 {
        la.push(i as f64 * 1.5);
        app.ok(predict, json!({"e": ep, "v": a, "l": i as f64 * 1.5}))
            .await;
    }
    for i in 0..7 {
        lb.push(100.0 + i as f64);
        app.ok(predict, json!({"e": ep, "v": b, "l": 100.0 + i as f64}))
            .await;
    }
    let cost = |v: Option<&str>, amount: &str, currency: &str| json!({"provider": "gpu", "endpointId": ep, "modelVersionId": v, "amount": amount, "currency": currency});
    app.ok(
        COSTS,
        json!({"r": [cost(Some(&a), "0.10", "USD"), cost(Some(&a), "0.20", "USD"), cost(Some(&b), "0.05", "EUR"), cost(None, "1.000001", "USD")]}),
    )
    .await;
    let mut all: Vec<f64> = la.iter().chain(&lb).copied().collect();
    all.sort_by(f64::total_cmp);
    let data = app
        .ok(
            "query($v: ID!) { node(id: $v) { downstream(nodeTypes: [DEPLOYMENT, ENDPOINT]) { nodes { node {
               ... on Deployment { id p95LatencyMs24h cost24h { currency total } }
               ... on Endpoint { id p95LatencyMs24h cost24h { currency total } } } } } } }",
            json!({"v": a}),
        )
        .await;
    let nodes = data["node"]["downstream"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let find = |id: &str| {
        nodes
            .iter()
            .find(|n| n["node"]["id"] == id)
            .map(|n| n["node"].clone())
            .unwrap_or_else(|| panic!("{id} not reached: {data}"))
    };
    let near = |v: &Value, want: f64| (v.as_f64().unwrap_or(f64::NAN) - want).abs() < 1e-9;
    let dep = find(&da);
    assert!(
        near(&dep["p95LatencyMs24h"], percentile(&la, 0.95)),
        "{dep}"
    );
    assert_eq!(
        dep["cost24h"],
        json!([{"currency": "USD", "total": "0.300000"}])
    );
    let endpoint = find(&ep);
    assert!(
        near(&endpoint["p95LatencyMs24h"], percentile(&all, 0.95)),
        "{endpoint}"
    );
    assert_eq!(
        endpoint["cost24h"],
        json!([{"currency": "EUR", "total": "0.050000"}, {"currency": "USD", "total": "1.300001"}])
    );
    // The other deployment, read from the endpoint (batched with nothing else).
    let other = app
        .ok(
            "query($e: ID!) { node(id: $e) { ... on Endpoint { deployments { edges { node { id p95LatencyMs24h cost24h { currency total } } } } } } }",
            json!({"e": ep}),
        )
        .await;
    let other = other["node"]["deployments"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["node"]["id"] == db.as_str())
        .map(|e| e["node"].clone())
        .unwrap_or_default();
    assert!(
        near(&other["p95LatencyMs24h"], percentile(&lb, 0.95)),
        "{other}"
    );
    assert_eq!(
        other["cost24h"],
        json!([{"currency": "EUR", "total": "0.050000"}])
    );
}

/// Deployments and endpoints reached by `downstream` carry their p95 latency and cost
/// over the last 24 hours, on both backends.
#[tokio::test]
async fn impact_shows_latency_and_cost_of_the_last_24_hours() {
    check_last_24_hours(&TestApp::new().await).await;
    check_last_24_hours(&TestApp::sqlite().await).await;
}

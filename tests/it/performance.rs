//! Metric series: batches recorded all or nothing, percentiles equal to a reference
//! computed here (PostgreSQL's `percentile_cont` and SQLite's in-process computation
//! alike), and model comparisons.

use chrono::{DateTime, TimeZone, Utc};
use mlgraph::AppState;
use mlgraph::core::context::{RequestContext, Scope};
use serde_json::{Value, json};

use crate::harness::{TestApp, create_model, create_version};

const NS: &str = "acme.com/perf";
const RECORD: &str = "mutation($p: [MetricPointInput!]!) { recordMetrics(points: $p) }";
const STATS: &str = "query($v: ID!, $from: DateTime!, $to: DateTime!, $b: MetricBucket!) {
    metricStats(of: $v, metric: \"latency_ms\", from: $from, to: $to, bucket: $b) { bucketStart count avg min max p50 p95 p99 } }";

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0)
        .single()
        .unwrap_or_default()
}

/// 900 deterministic points over three hours.
fn points() -> Vec<(DateTime<Utc>, f64)> {
    let mut x: u64 = 42;
    (0..900)
        .map(|i| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = 5.0 + ((x >> 33) % 10_000) as f64 / 100.0;
            (start() + chrono::Duration::seconds(i * 12), v)
        })
        .collect()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

async fn run(schema: &mlgraph::AppSchema, state: &AppState, q: &str, v: Value) -> Value {
    let req = async_graphql::Request::new(q).variables(async_graphql::Variables::from_json(v));
    let resp = mlgraph::schema::execute(schema, req, state, RequestContext::default()).await;
    assert!(resp.errors.is_empty(), "{q}: {:?}", resp.errors);
    resp.data.into_json().unwrap_or_default()
}

async fn check_percentiles(state: &AppState) {
    let schema = mlgraph::build_schema(state.clone());
    let model = run(
        &schema,
        state,
        "mutation { createModel(input: {ns: \"acme.com/perf\", name: \"m\"}) { id } }",
        json!({}),
    )
    .await;
    let model = model["createModel"]["id"].clone();
    let v = run(
        &schema,
        state,
        "mutation($m: ID!) { createModelVersion(input: {modelId: $m}) { id } }",
        json!({"m": model}),
    )
    .await;
    let v = v["createModelVersion"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let pts = points();
    let input: Vec<Value> = pts
        .iter()
        .map(|(ts, value)| json!({"modelVersionId": v, "name": "latency_ms", "value": value, "timestamp": ts.to_rfc3339()}))
        .collect();
    let n = run(&schema, state, RECORD, json!({"p": input})).await;
    assert_eq!(n["recordMetrics"], 900);

    let to = start() + chrono::Duration::hours(3);
    let hourly = run(
        &schema,
        state,
        STATS,
        json!({"v": v, "from": start().to_rfc3339(), "to": to.to_rfc3339(), "b": "HOUR"}),
    )
    .await;
    let buckets = hourly["metricStats"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(buckets.len(), 3);
    for (h, b) in buckets.iter().enumerate() {
        let lo = start() + chrono::Duration::hours(h as i64);
        let hi = lo + chrono::Duration::hours(1);
        let mut vals: Vec<f64> = pts
            .iter()
            .filter(|(t, _)| *t >= lo && *t < hi)
            .map(|(_, v)| *v)
            .collect();
        vals.sort_by(f64::total_cmp);
        assert_eq!(b["count"], json!(vals.len()));
        assert_eq!(
            DateTime::parse_from_rfc3339(b["bucketStart"].as_str().unwrap_or_default())
                .map(|d| d.with_timezone(&Utc))
                .ok(),
            Some(lo)
        );
        for (field, want) in [
            ("p50", percentile(&vals, 0.5)),
            ("p95", percentile(&vals, 0.95)),
            ("p99", percentile(&vals, 0.99)),
            ("min", vals[0]),
            ("max", vals[vals.len() - 1]),
            ("avg", vals.iter().sum::<f64>() / vals.len() as f64),
        ] {
            let got = b[field].as_f64().unwrap_or(f64::NAN);
            assert!(
                (got - want).abs() < 1e-9,
                "hour {h} {field}: {got} != {want}"
            );
        }
    }
    let whole = run(
        &schema,
        state,
        STATS,
        json!({"v": v, "from": start().to_rfc3339(), "to": to.to_rfc3339(), "b": "NONE"}),
    )
    .await;
    let mut all: Vec<f64> = pts.iter().map(|(_, v)| *v).collect();
    all.sort_by(f64::total_cmp);
    let p99 = whole["metricStats"][0]["p99"].as_f64().unwrap_or(f64::NAN);
    assert!((p99 - percentile(&all, 0.99)).abs() < 1e-9);
    assert_eq!(whole["metricStats"][0]["count"], 900);
}

#[tokio::test]
async fn percentiles_equal_the_reference_on_postgres() {
    let app = TestApp::new().await;
    check_percentiles(&app.state).await;
}

#[tokio::test]
async fn percentiles_equal_the_reference_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("mlgraph-perf-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}?mode=rwc", dir.join("mlgraph.db").display());
    let (conn, statements) = mlgraph::db::connect(&url, &mlgraph::db::DbOptions::default())
        .await
        .unwrap_or_else(|e| panic!("open sqlite: {e}"));
    mlgraph::db::migrate(&conn)
        .await
        .unwrap_or_else(|e| panic!("migrate: {e}"));
    check_percentiles(&AppState::new(conn, statements)).await;
    std::fs::remove_dir_all(&dir).ok();
}

/// A batch with one bad point is refused as a whole, naming the point; so is one with a
/// version the caller may not write; nothing is written either way.
#[tokio::test]
async fn a_bad_point_refuses_the_whole_batch() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "m").await;
    let v = create_version(&app, &model).await;
    let good = json!({"modelVersionId": v, "name": "accuracy", "value": 0.9});
    let resp = app
        .gql(
            RECORD,
            json!({"p": [good, good, {"modelVersionId": v, "name": " ", "value": 1.0}]}),
        )
        .await;
    assert_eq!(resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        resp["errors"][0]["extensions"]["field"], "points.2.name",
        "{resp}"
    );
    let viewer = RequestContext {
        actor: Some("v".into()),
        scope: Scope::Grants(vec![mlgraph::core::context::Grant {
            ns: NS.into(),
            role: mlgraph::core::context::Role::Viewer,
        }]),
        ..RequestContext::default()
    };
    let resp = app.gql_as(viewer, RECORD, json!({"p": [good]})).await;
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{resp}"
    );
    assert_eq!(app.count("metric_points").await, 0);
    let too_many: Vec<Value> = (0..10_001).map(|_| good.clone()).collect();
    assert_eq!(
        app.error_code(RECORD, json!({"p": too_many})).await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.ok(RECORD, json!({"p": [good, good]})).await["recordMetrics"],
        2
    );
    assert_eq!(app.count("metric_points").await, 2);
}

/// Two versions side by side: the second's average difference to the first.
#[tokio::test]
async fn compare_models_side_by_side() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "m").await;
    let a = create_version(&app, &model).await;
    let b = create_version(&app, &model).await;
    let ts = start().to_rfc3339();
    let mut pts = Vec::new();
    for (v, vals) in [(&a, [10.0, 20.0, 30.0]), (&b, [12.0, 22.0, 35.0])] {
        for x in vals {
            pts.push(
                json!({"modelVersionId": v, "name": "latency_ms", "value": x, "timestamp": ts}),
            );
        }
    }
    app.ok(RECORD, json!({"p": pts})).await;
    let cmp = app
        .ok(
            "query($vs: [ID!]!, $from: DateTime!, $to: DateTime!) { compareModels(versions: $vs, metrics: [\"latency_ms\", \"accuracy\"], from: $from, to: $to) {
                metric modelVersion { id } stats { count avg p50 } avgDifference } }",
            json!({"vs": [a, b], "from": start().to_rfc3339(), "to": (start() + chrono::Duration::hours(1)).to_rfc3339()}),
        )
        .await;
    let rows = cmp["compareModels"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0]["stats"],
        json!({"count": 3, "avg": 20.0, "p50": 20.0})
    );
    assert_eq!(rows[0]["avgDifference"], Value::Null);
    assert_eq!(rows[1]["modelVersion"]["id"], json!(b));
    assert!((rows[1]["avgDifference"].as_f64().unwrap_or(0.0) - 3.0).abs() < 1e-9);
    assert_eq!(rows[2]["metric"], "accuracy");
    assert_eq!(rows[2]["stats"], Value::Null, "no accuracy points");
}

const COSTS: &str = "mutation($r: [CostRecordInput!]!) { recordCosts(records: $r) }";
const SUMMARY: &str = "query($g: CostGroupBy!, $from: DateTime!, $to: DateTime!) { costSummary(groupBy: $g, from: $from, to: $to) { key currency count total } }";

async fn check_costs(state: &AppState) {
    let schema = mlgraph::build_schema(state.clone());
    let model = run(
        &schema,
        state,
        "mutation { createModel(input: {ns: \"acme.com/perf\", name: \"costly\"}) { id } }",
        json!({}),
    )
    .await;
    let model = model["createModel"]["id"].clone();
    let mut versions = Vec::new();
    for _ in 0..2 {
        let v = run(
            &schema,
            state,
            "mutation($m: ID!) { createModelVersion(input: {modelId: $m}) { id } }",
            json!({"m": model}),
        )
        .await;
        versions.push(
            v["createModelVersion"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    // 3,000 tenths of a cent on day one (openai, version 0), 2 × 1.25 EUR on day two.
    let day1 = start().to_rfc3339();
    let day2 = (start() + chrono::Duration::days(1)).to_rfc3339();
    let mut records: Vec<Value> = (0..3000)
        .map(|_| json!({"provider": "openai", "modelVersionId": versions[0], "amount": "0.001", "currency": "USD", "units": 10, "unit": "tokens", "timestamp": day1}))
        .collect();
    for _ in 0..2 {
        records.push(json!({"provider": "vertex", "modelVersionId": versions[1], "amount": "1.25", "currency": "EUR", "timestamp": day2}));
    }
    assert_eq!(
        run(&schema, state, COSTS, json!({"r": records})).await["recordCosts"],
        3002
    );
    let range = json!({"from": start().to_rfc3339(), "to": (start() + chrono::Duration::days(3)).to_rfc3339()});
    let by = |g: &str| {
        let mut v = range.clone();
        v["g"] = json!(g);
        v
    };
    let providers = run(&schema, state, SUMMARY, by("PROVIDER")).await;
    assert_eq!(
        providers["costSummary"],
        json!([
            {"key": "openai", "currency": "USD", "count": 3000, "total": "3.000000"},
            {"key": "vertex", "currency": "EUR", "count": 2, "total": "2.500000"},
        ])
    );
    let days = run(&schema, state, SUMMARY, by("DAY")).await;
    assert_eq!(days["costSummary"][0]["key"], "2026-11-30");
    assert_eq!(days["costSummary"][1]["key"], "2026-12-01");
    // Trends per day, with the change against the currency's previous bucket.
    let day3 = (start() + chrono::Duration::days(2)).to_rfc3339();
    run(&schema, state, COSTS, json!({"r": [{"provider": "openai", "modelVersionId": versions[0], "amount": "1", "currency": "USD", "timestamp": day3}]})).await;
    let trends = run(
        &schema,
        state,
        "query($from: DateTime!, $to: DateTime!) { costTrends(bucket: DAY, from: $from, to: $to) { bucket currency total change } }",
        range.clone(),
    )
    .await;
    assert_eq!(
        trends["costTrends"],
        json!([
            {"bucket": "2026-11-30", "currency": "USD", "total": "3.000000", "change": null},
            {"bucket": "2026-12-01", "currency": "EUR", "total": "2.500000", "change": null},
            {"bucket": "2026-12-02", "currency": "USD", "total": "1.000000", "change": "-2.000000"},
        ])
    );
    let hourly = run(
        &schema,
        state,
        "query($from: DateTime!, $to: DateTime!) { costTrends(bucket: HOUR, from: $from, to: $to) { bucket } }",
        range.clone(),
    )
    .await;
    assert_eq!(hourly["costTrends"][0]["bucket"], "2026-11-30T10");
    // ROI: 4 successful predictions (made now) worth 1.5 each over the version's costs up
    // to now: all its records, the last on 2026-12-02 10:00 (4 USD; this test ran before
    // that day with the last one still ahead, which is why the range must not depend on
    // today's date to keep its answer: every record is now in the past).
    let ep = run(&schema, state, "mutation { createEndpoint(input: {ns: \"acme.com/perf\", name: \"roi-ep\", environment: STAGING}) { id } }", json!({})).await;
    let ep = ep["createEndpoint"]["id"].clone();
    for _ in 0..4 {
        run(&schema, state, "mutation($e: ID!, $v: ID!) { createPrediction(input: {endpointId: $e, modelVersionId: $v, input: {}, output: {ok: true}}) { id } }", json!({"e": ep, "v": versions[0]})).await;
    }
    let roi = run(
        &schema,
        state,
        "query($v: ID!, $from: DateTime!, $to: DateTime!) { roi(of: $v, valuePerSuccess: \"1.5\", currency: \"USD\", from: $from, to: $to) { successes value cost roi } }",
        json!({"v": versions[0], "from": start().to_rfc3339(), "to": (Utc::now() + chrono::Duration::hours(1)).to_rfc3339()}),
    )
    .await;
    assert_eq!(
        roi["roi"],
        json!({"successes": 4, "value": "6.000000", "cost": "4.000000", "roi": 1.5})
    );
    let per_version = run(&schema, state, SUMMARY, by("MODEL_VERSION")).await;
    let keys: Vec<&str> = per_version["costSummary"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["key"].as_str())
        .collect();
    assert!(
        keys.contains(&versions[0].as_str()) && keys.contains(&versions[1].as_str()),
        "{per_version}"
    );
}

/// Exact decimal costs: 3,000 × 0.001 sums to exactly 3, grouped by provider, day and
/// version, on both backends; a bad record refuses the batch.
#[tokio::test]
async fn costs_add_up_exactly_on_both_backends() {
    let app = TestApp::new().await;
    check_costs(&app.state).await;
    let model = create_model(&app, NS, "m").await;
    let v = create_version(&app, &model).await;
    let resp = app
        .gql(COSTS, json!({"r": [{"provider": "p", "modelVersionId": v, "amount": "1.5", "currency": "USD"}, {"provider": "p", "modelVersionId": v, "amount": "0.0000001", "currency": "USD"}]}))
        .await;
    assert_eq!(
        resp["errors"][0]["extensions"]["field"], "records.1.amount",
        "{resp}"
    );
    assert_eq!(
        app.count("cost_records").await,
        3003,
        "nothing of the refused batch"
    );

    let dir = std::env::temp_dir().join(format!("mlgraph-costs-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}?mode=rwc", dir.join("mlgraph.db").display());
    let (conn, statements) = mlgraph::db::connect(&url, &mlgraph::db::DbOptions::default())
        .await
        .unwrap_or_else(|e| panic!("open sqlite: {e}"));
    mlgraph::db::migrate(&conn)
        .await
        .unwrap_or_else(|e| panic!("migrate: {e}"));
    check_costs(&AppState::new(conn, statements)).await;
    std::fs::remove_dir_all(&dir).ok();
}

/// One call records the prediction, its cost and its quality score, in one transaction:
/// a bad cost leaves no prediction behind.
#[tokio::test]
async fn track_inference_records_all_three_or_nothing() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "m").await;
    let v = create_version(&app, &model).await;
    let ep = crate::harness::create_endpoint(&app, NS, "ep", "STAGING").await;
    let track = "mutation($i: TrackInferenceInput!) { trackInference(input: $i) { prediction { id latencyMs status } cost qualityRecorded } }";
    let done = app
        .ok(track, json!({"i": {"endpointId": ep, "modelVersionId": v, "output": {"score": 0.7}, "latencyMs": 41.0, "confidence": 0.8,
            "cost": {"provider": "openai", "amount": "0.0042", "currency": "USD", "units": 900, "unit": "tokens"}, "qualityScore": 0.93}}))
        .await;
    assert_eq!(done["trackInference"]["cost"], "0.004200");
    assert_eq!(done["trackInference"]["qualityRecorded"], true);
    assert_eq!(done["trackInference"]["prediction"]["status"], "COMPLETED");
    assert_eq!(
        (
            app.count("predictions").await,
            app.count("cost_records").await,
            app.count("metric_points").await
        ),
        (1, 1, 1)
    );
    let bad = app
        .gql(track, json!({"i": {"endpointId": ep, "modelVersionId": v, "cost": {"provider": "p", "amount": "-1", "currency": "USD"}}}))
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "input.cost.amount",
        "{bad}"
    );
    assert_eq!(
        app.count("predictions").await,
        1,
        "nothing of the refused call"
    );
}

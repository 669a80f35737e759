//! Registry behaviour: version numbering, stages, atomic register-and-deploy, delete
//! rules, filters, ordering, paging and the event log.

use serde_json::json;

use crate::harness::{TestApp, create_endpoint, create_model, create_version, deploy};

/// The model names of a `models` answer, in order.
fn names(d: &serde_json::Value) -> Vec<String> {
    d["models"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn concurrent_version_creates_get_consecutive_numbers() {
    let app = TestApp::new().await;
    let model = create_model(&app, "acme.com", "fraud").await;
    let q = "mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }";
    let tasks = (0..10).map(|_| app.gql(q, json!({"i": {"modelId": model}})));
    let results = futures::future::join_all(tasks).await;
    let mut numbers: Vec<i64> = results
        .iter()
        .map(|r| {
            assert!(r.get("errors").is_none(), "{r:#}");
            r["data"]["createModelVersion"]["version"]
                .as_i64()
                .unwrap_or(-1)
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
}

#[tokio::test]
async fn promotion_keeps_one_production_version_per_model() {
    let app = TestApp::new().await;
    let model = create_model(&app, "acme.com", "fraud").await;
    let v1 = create_version(&app, &model).await;
    let v2 = create_version(&app, &model).await;
    let promote = "mutation($id: ID!) { promoteModelVersion(id: $id, stage: PRODUCTION) {
        version { stage } demoted { id stage } } }";
    let first = app.ok(promote, json!({"id": v1})).await;
    assert_eq!(
        first["promoteModelVersion"]["demoted"],
        serde_json::Value::Null
    );
    let second = app.ok(promote, json!({"id": v2})).await;
    assert_eq!(
        second["promoteModelVersion"]["version"]["stage"],
        "PRODUCTION"
    );
    assert_eq!(second["promoteModelVersion"]["demoted"]["id"], v1.as_str());
    assert_eq!(
        second["promoteModelVersion"]["demoted"]["stage"],
        "ARCHIVED"
    );

    let models = app
        .ok(
            "{ models(filter: {versions: {stage: {eq: PRODUCTION}}}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(models["models"]["totalCount"], 1);

    // A deprecated model's versions cannot reach production.
    app.ok(
        "mutation($id: ID!) { deprecateModel(id: $id) { status } }",
        json!({"id": model}),
    )
    .await;
    let code = app.error_code(promote, json!({"id": v1})).await;
    assert_eq!(code, "INVALID_TRANSITION");
}

#[tokio::test]
async fn register_and_deploy_is_atomic() {
    let app = TestApp::new().await;
    let model = create_model(&app, "acme.com", "fraud").await;
    let endpoint = create_endpoint(&app, "acme.com", "prod", "PRODUCTION").await;
    let other_ns = create_endpoint(&app, "other.org", "prod", "PRODUCTION").await;
    let q = "mutation($v: CreateModelVersionInput!, $d: CreateDeploymentSpec!) {
        registerAndDeployModelVersion(version: $v, deployment: $d) {
          version { version } deployment { trafficPercent endpoint { name } } } }";
    let events_before = app.count("events").await;

    // Traffic out of range: nothing written.
    let code = app
        .error_code(
            q,
            json!({"v": {"modelId": model}, "d": {"endpointId": endpoint, "trafficPercent": 150}}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // Endpoint of another namespace: refused after the version was inserted, so the
    // transaction must roll the version back.
    let code = app
        .error_code(
            q,
            json!({"v": {"modelId": model}, "d": {"endpointId": other_ns, "trafficPercent": 50}}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(app.count("model_versions").await, 0);
    assert_eq!(app.count("deployments").await, 0);
    assert_eq!(app.count("events").await, events_before);

    let ok = app
        .ok(
            q,
            json!({"v": {"modelId": model}, "d": {"endpointId": endpoint, "trafficPercent": 50}}),
        )
        .await;
    // The rolled-back attempts did not consume version numbers.
    assert_eq!(ok["registerAndDeployModelVersion"]["version"]["version"], 1);
    assert_eq!(
        ok["registerAndDeployModelVersion"]["deployment"]["endpoint"]["name"],
        "prod"
    );
    assert_eq!(app.count("events").await, events_before + 2);
}

#[tokio::test]
async fn deployed_versions_cannot_be_deleted_but_models_cascade_otherwise() {
    let app = TestApp::new().await;
    let model = create_model(&app, "acme.com", "fraud").await;
    let v1 = create_version(&app, &model).await;
    let endpoint = create_endpoint(&app, "acme.com", "prod", "PRODUCTION").await;
    let dep = deploy(&app, &v1, &endpoint, 100).await;

    let code = app
        .error_code(
            "mutation($id: ID!) { deleteModelVersion(id: $id) }",
            json!({"id": v1}),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let code = app
        .error_code(
            "mutation($id: ID!) { deleteModel(id: $id) }",
            json!({"id": model}),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(app.count("model_versions").await, 1);

    app.ok(
        "mutation($id: ID!) { deleteDeployment(id: $id) }",
        json!({"id": dep}),
    )
    .await;
    app.ok(
        "mutation($id: ID!) { deleteModel(id: $id) }",
        json!({"id": model}),
    )
    .await;
    assert_eq!(app.count("models").await, 0);
    assert_eq!(
        app.count("model_versions").await,
        0,
        "versions go with their model"
    );
    let gone = app
        .gql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": v1}),
        )
        .await;
    assert_eq!(gone["data"]["node"], serde_json::Value::Null);
}

#[tokio::test]
async fn filters_ordering_and_paging() {
    let app = TestApp::new().await;
    for (ns, name, framework) in [
        ("acme.com", "alpha", "pytorch"),
        ("acme.com", "beta", "xgboost"),
        ("acme.com", "gamma", "pytorch"),
        ("other.org", "delta", "sklearn"),
        ("other.org", "alpha", "jax"),
    ] {
        app.ok(
            "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
            json!({"i": {"ns": ns, "name": name, "framework": framework}}),
        )
        .await;
    }
    let q = "query($f: ModelFilter, $o: [ModelOrder!], $first: Int, $after: String, $offset: Int) {
        models(filter: $f, orderBy: $o, first: $first, after: $after, offset: $offset) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { name ns } } } }";
    let by_name = json!([{"field": "NAME"}]);

    let d = app
        .ok(q, json!({"f": {"or": [{"framework": {"eq": "pytorch"}}, {"ns": {"startsWith": "other"}}]}, "o": by_name}))
        .await;
    assert_eq!(names(&d), vec!["alpha", "alpha", "delta", "gamma"]);
    assert_eq!(d["models"]["totalCount"], 4);

    let d = app
        .ok(q, json!({"f": {"not": {"ns": {"eq": "acme.com"}}, "name": {"in": ["alpha", "delta", "beta"]}}, "o": by_name}))
        .await;
    assert_eq!(names(&d), vec!["alpha", "delta"]);

    // Multi-key order: namespace descending, then name.
    let d = app
        .ok(q, json!({"o": [{"field": "NAME", "direction": "DESC"}], "f": {"name": {"contains": "a"}}}))
        .await;
    assert_eq!(names(&d), vec!["gamma", "delta", "beta", "alpha", "alpha"]);

    // Cursor paging.
    let page1 = app.ok(q, json!({"o": by_name, "first": 2})).await;
    assert_eq!(names(&page1), vec!["alpha", "alpha"]);
    assert_eq!(page1["models"]["pageInfo"]["hasNextPage"], true);
    let cursor = page1["models"]["pageInfo"]["endCursor"].clone();
    let page2 = app
        .ok(q, json!({"o": by_name, "first": 2, "after": cursor}))
        .await;
    assert_eq!(names(&page2), vec!["beta", "delta"]);
    // Offset paging (tables of pages).
    let page3 = app
        .ok(q, json!({"o": by_name, "first": 2, "offset": 4}))
        .await;
    assert_eq!(names(&page3), vec!["gamma"]);
    assert_eq!(page3["models"]["pageInfo"]["hasNextPage"], false);

    // Lookup by namespace and name.
    let d = app
        .ok(
            "{ model(ns: \"other.org\", name: \"alpha\") { framework } }",
            json!({}),
        )
        .await;
    assert_eq!(d["model"]["framework"], "jax");
}

#[tokio::test]
async fn every_mutation_writes_its_event_in_the_same_transaction() {
    let app = TestApp::new().await;
    let model = create_model(&app, "acme.com", "fraud").await;
    app.ok(
        "mutation($i: UpdateModelInput!) { updateModel(input: $i) { description } }",
        json!({"i": {"id": model, "description": "catches fraud"}}),
    )
    .await;
    let d = app
        .ok(
            "query($id: ID!) { events(filter: {entity: {eq: $id}}, orderBy: [{field: CREATED_AT}]) {
               edges { node { action actor requestId entityId before after } } } }",
            json!({"id": model}),
        )
        .await;
    let events = d["events"]["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["node"]["action"], "CREATE");
    assert_eq!(events[0]["node"]["before"], serde_json::Value::Null);
    assert_eq!(events[1]["node"]["action"], "UPDATE");
    assert_eq!(events[1]["node"]["actor"], "tester");
    assert_eq!(events[1]["node"]["requestId"], "test-request");
    assert_eq!(events[1]["node"]["entityId"], model.as_str());
    assert_eq!(events[1]["node"]["after"]["description"], "catches fraud");

    // A failed mutation leaves no event.
    let before = app.count("events").await;
    let code = app
        .error_code(
            "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
            json!({"i": {"ns": "acme.com", "name": "fraud"}}),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(app.count("events").await, before);
}

#[tokio::test]
async fn dataset_versions_runs_and_prediction_aggregates() {
    let app = TestApp::new().await;
    let ds = app
        .ok(
            "mutation { createDataset(input: {ns: \"acme.com\", name: \"tx\", dataType: TABULAR}) { id } }",
            json!({}),
        )
        .await["createDataset"]["id"]
        .clone();
    for _ in 0..2 {
        app.ok(
            "mutation($i: CreateDatasetVersionInput!) { createDatasetVersion(input: $i) { version } }",
            json!({"i": {"datasetId": ds, "storageUri": "s3://b/tx", "sizeBytes": 10, "rowCount": 3}}),
        )
        .await;
    }
    let d = app
        .ok(
            "query($id: ID!) { dataset(id: $id) { latestVersionNumber versions(orderBy: [{field: VERSION}]) { edges { node { version dataset { id } } } } } }",
            json!({"id": ds}),
        )
        .await;
    assert_eq!(d["dataset"]["latestVersionNumber"], 2);
    assert_eq!(d["dataset"]["versions"]["edges"][1]["node"]["version"], 2);
    assert_eq!(
        d["dataset"]["versions"]["edges"][1]["node"]["dataset"]["id"],
        ds
    );

    let model = create_model(&app, "acme.com", "fraud").await;
    let v = create_version(&app, &model).await;
    let e1 = create_endpoint(&app, "acme.com", "e1", "PRODUCTION").await;
    let e2 = create_endpoint(&app, "acme.com", "e2", "STAGING").await;
    for (e, latency, confidence) in [(&e1, 10.0, 0.5), (&e1, 30.0, 0.9), (&e2, 5.0, 0.7)] {
        app.ok(
            "mutation($i: CreatePredictionInput!) { createPrediction(input: $i) { status } }",
            json!({"i": {"endpointId": e, "modelVersionId": v, "input": {"x": 1}, "output": {"y": 0}, "latencyMs": latency, "confidence": confidence}}),
        )
        .await;
    }
    let before = app.statements().get();
    let d = app
        .ok(
            "{ predictionStats(groupBy: ENDPOINT) { count avgLatencyMs maxLatencyMs minConfidence endpoint { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        app.statements().get() - before,
        2,
        "one aggregate + one batched endpoint load"
    );
    let groups = d["predictionStats"].as_array().cloned().unwrap_or_default();
    let e1_group = groups
        .iter()
        .find(|g| g["endpoint"]["name"] == "e1")
        .cloned()
        .unwrap_or_default();
    assert_eq!(e1_group["count"], 2);
    assert_eq!(e1_group["avgLatencyMs"], 20.0);
    assert_eq!(e1_group["maxLatencyMs"], 30.0);
    assert_eq!(e1_group["minConfidence"], 0.5);
    let d = app
        .ok(
            "{ predictionStats(groupBy: DAY, filter: {latencyMs: {gt: 6}}) { key count } }",
            json!({}),
        )
        .await;
    assert_eq!(d["predictionStats"][0]["count"], 2);
    assert!(
        d["predictionStats"][0]["key"]
            .as_str()
            .is_some_and(|k| k.ends_with("T00:00:00Z"))
    );

    // Runs are numbered per job.
    let job = app
        .ok(
            "mutation($i: CreateTrainingJobInput!) { createTrainingJob(input: $i) { id status priority } }",
            json!({"i": {"ns": "acme.com", "name": "train", "modelId": model}}),
        )
        .await["createTrainingJob"]
        .clone();
    assert_eq!(job["status"], "QUEUED");
    assert_eq!(job["priority"], 5);
    for expected in 1..=2 {
        let r = app
            .ok(
                "mutation($i: CreateExperimentRunInput!) { createExperimentRun(input: $i) { runNumber trainingJob { name } } }",
                json!({"i": {"trainingJobId": job["id"], "metrics": {"loss": 0.1}}}),
            )
            .await;
        assert_eq!(r["createExperimentRun"]["runNumber"], expected);
    }
}

/// `predictionStats` answers from daily rollups when its filter allows; the rollups
/// must give what a scan of the predictions gives, after bulk inserts, API inserts,
/// updates, SET NULL when a version goes, and deletes.
#[tokio::test]
async fn prediction_rollups_answer_like_a_scan() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::new().await;
    let model = create_model(&app, "acme.com", "fraud").await;
    let v1 = create_version(&app, &model).await;
    let v2 = create_version(&app, &model).await;
    let e1 = create_endpoint(&app, "acme.com", "e1", "PRODUCTION").await;
    let e2 = create_endpoint(&app, "acme.com", "e2", "STAGING").await;
    let uuid = |id: &str| {
        mlgraph::core::ids::decode(id)
            .map(|(_, u)| u.to_string())
            .unwrap_or_default()
    };
    // Bulk: 600 predictions over 30 hours (two UTC days at least), two endpoints, two versions (and none), three statuses.
    app.db()
        .execute_unprepared(&format!(
            "INSERT INTO predictions (id, ns, endpoint_id, model_version_id, input, latency_ms, confidence, status, created_at, updated_at)
             SELECT gen_random_uuid(), 'acme.com',
                    CASE WHEN i % 2 = 0 THEN '{e1}'::uuid ELSE '{e2}'::uuid END,
                    CASE i % 3 WHEN 0 THEN '{v1}'::uuid WHEN 1 THEN '{v2}'::uuid ELSE NULL END,
                    '{{}}', CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 37 % 101)::float8 END,
                    CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 10)::float8 / 10 END,
                    (ARRAY['PENDING','COMPLETED','FAILED'])[1 + i % 3],
                    date_trunc('hour', now()) - (i * 3 || ' minutes')::interval, now()
             FROM generate_series(1, 600) i",
            e1 = uuid(&e1),
            e2 = uuid(&e2),
            v1 = uuid(&v1),
            v2 = uuid(&v2),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let one = app
        .ok(
            "mutation($i: CreatePredictionInput!) { createPrediction(input: $i) { id } }",
            json!({"i": {"endpointId": e1, "modelVersionId": v1, "input": {}, "latencyMs": 1000.0, "confidence": 0.01}}),
        )
        .await["createPrediction"]["id"]
        .clone();

    compare_rollups(&app, &e1, "after inserts").await;
    app.ok(
        "mutation($i: UpdatePredictionInput!) { updatePrediction(input: $i) { id } }",
        json!({"i": {"id": one, "latencyMs": 2.0, "status": "FAILED"}}),
    )
    .await;
    app.db()
        .execute_unprepared(
            "UPDATE predictions SET latency_ms = latency_ms + 1000 WHERE latency_ms > 90",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    compare_rollups(&app, &e1, "after updates").await;
    app.ok(
        "mutation($id: ID!) { deletePrediction(id: $id) }",
        json!({"id": one}),
    )
    .await;
    app.db()
        .execute_unprepared("DELETE FROM predictions WHERE confidence IS NULL")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    compare_rollups(&app, &e1, "after deletes").await;
    // SET NULL: the version's predictions move to the null-version buckets.
    app.db()
        .execute_unprepared(&format!(
            "DELETE FROM model_versions WHERE id = '{}'",
            uuid(&v2)
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    compare_rollups(&app, &e1, "after a version is deleted").await;
    // The fast path does read the rollups: emptied behind its back, it sees nothing.
    app.db()
        .execute_unprepared("DELETE FROM prediction_rollups")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let all = app.ok("{ predictionStats { count } }", json!({})).await;
    assert_eq!(all["predictionStats"][0]["count"], 0);
}

/// Compares `predictionStats` answered from rollups with the same answer from a scan.
async fn compare_rollups(app: &TestApp, e1: &str, label: &str) {
    use chrono::DurationRound;
    let fields = "key count avgLatencyMs minLatencyMs maxLatencyMs avgConfidence minConfidence maxConfidence";
    // A filter the rollups cannot answer that selects every prediction: forces a scan.
    let scan = r#"{or: [{latencyMs: {isNull: true}}, {latencyMs: {isNull: false}}]}"#;
    let app_ref = app;
    let now_hour = chrono::Utc::now()
        .duration_trunc(chrono::TimeDelta::hours(1))
        .unwrap_or_default();
    // The midnight starting the day of the newest prediction (made up to the start of the
    // current hour: in the first hour of a day, that is yesterday's), so that predictions
    // lie on both sides of it whatever the time of day.
    let newest_day = (now_hour - chrono::TimeDelta::hours(1)).date_naive();
    let hour = newest_day
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().to_rfc3339())
        .unwrap_or_default();
    // Bounds the daily rollups cannot answer: inside a day (two whole hours, one of which
    // is not midnight) and a millisecond after midnight. Answered by a scan, they must
    // still agree with one.
    let inside_day: Vec<String> = [5, 6]
        .iter()
        .map(|h| (now_hour - chrono::TimeDelta::hours(*h)).to_rfc3339())
        .collect();
    let after_midnight = newest_day
        .and_hms_milli_opt(0, 0, 0, 1)
        .map(|t| t.and_utc().to_rfc3339())
        .unwrap_or_default();
    let mut cases = vec![
        ("ALL", "{}".to_owned()),
        ("ENDPOINT", "{}".to_owned()),
        ("MODEL_VERSION", "{}".to_owned()),
        (
            "STATUS",
            r#"{status: {in: [COMPLETED, FAILED]}}"#.to_owned(),
        ),
        ("HOUR", format!(r#"{{createdAt: {{gte: "{hour}"}}}}"#)),
        ("ALL", format!(r#"{{createdAt: {{lt: "{hour}"}}}}"#)),
        (
            "DAY",
            format!(r#"{{not: {{createdAt: {{gte: "{hour}"}}}}}}"#),
        ),
        ("DAY", format!(r#"{{endpoint: {{eq: "{e1}"}}}}"#)),
        (
            "DAY",
            format!(r#"{{createdAt: {{lt: "{after_midnight}"}}}}"#),
        ),
    ];
    for bound in &inside_day {
        cases.push(("DAY", format!(r#"{{createdAt: {{gte: "{bound}"}}}}"#)));
        cases.push(("ALL", format!(r#"{{createdAt: {{lt: "{bound}"}}}}"#)));
    }
    for (group, filter) in cases {
        let q = |f: &str| {
            format!(
                "{{ predictionStats(groupBy: {group}, limit: 1000, filter: {f}) {{ {fields} }} }}"
            )
        };
        let fast = app_ref.ok(&q(&filter), json!({})).await["predictionStats"].clone();
        let slow_filter = format!("{{and: [{filter}, {scan}]}}");
        let slow = app_ref.ok(&q(&slow_filter), json!({})).await["predictionStats"].clone();
        let (fast, slow) = (
            fast.as_array().cloned().unwrap_or_default(),
            slow.as_array().cloned().unwrap_or_default(),
        );
        assert!(!slow.is_empty(), "{label} {group}");
        assert_eq!(fast.len(), slow.len(), "{label} {group}");
        for (a, b) in fast.iter().zip(&slow) {
            assert_eq!(a["key"], b["key"], "{label} {group}");
            assert_eq!(a["count"], b["count"], "{label} {group} {}", a["key"]);
            for f in [
                "avgLatencyMs",
                "minLatencyMs",
                "maxLatencyMs",
                "avgConfidence",
                "minConfidence",
                "maxConfidence",
            ] {
                let (x, y) = (a[f].as_f64(), b[f].as_f64());
                assert_eq!(x.is_some(), y.is_some(), "{label} {group} {f}");
                if let (Some(x), Some(y)) = (x, y) {
                    assert!((x - y).abs() < 1e-9, "{label} {group} {f}: {x} vs {y}");
                }
            }
        }
    }
}

#[tokio::test]
async fn contains_and_starts_with_match_wildcards_literally() {
    let app = TestApp::new().await;
    for name in ["a_c", "abc", "a%c", "a\\c", "xa_c"] {
        create_model(&app, "acme.com", name).await;
    }
    let q = "query($f: ModelFilter) { models(filter: $f, orderBy: [{field: NAME}]) { edges { node { name } } } }";
    for (filter, want) in [
        (json!({"name": {"contains": "_"}}), vec!["a_c", "xa_c"]),
        (json!({"name": {"startsWith": "a_"}}), vec!["a_c"]),
        (json!({"name": {"contains": "%"}}), vec!["a%c"]),
        (json!({"name": {"startsWith": "a\\"}}), vec!["a\\c"]),
        (json!({"name": {"contains": "b"}}), vec!["abc"]),
    ] {
        let d = app.ok(q, json!({"f": filter})).await;
        assert_eq!(names(&d), want, "{filter}");
    }
}

//! The seed designs' last gaps: ARCHIVED models, 2,048-character names, tags changed
//! after creation, raw metric points, production models through explicit edges, models
//! needing retraining, canonical URLs.

use serde_json::{Value, json};

use crate::harness::{TestApp, create_endpoint, create_model, create_version, deploy};

const NS: &str = "acme.com/seeds";

fn code(resp: &Value) -> &str {
    resp["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no error>")
}

/// ARCHIVED: no new version, no promotion to STAGING or PRODUCTION, refused while a
/// version is deployed; restoring makes it ACTIVE again; each change is one event.
#[tokio::test]
async fn archived_models_take_no_new_versions_and_no_promotions() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "retiring").await;
    let v = create_version(&app, &model).await;
    let ep = create_endpoint(&app, NS, "prod", "PRODUCTION").await;
    let dep = deploy(&app, &v, &ep, 100).await;
    let archive = "mutation($id: ID!) { archiveModel(id: $id) { status } }";
    let refused = app.gql(archive, json!({"id": model})).await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    app.ok(
        "mutation($id: ID!) { deleteDeployment(id: $id) }",
        json!({"id": dep}),
    )
    .await;
    let events = app.count("events").await;
    let done = app.ok(archive, json!({"id": model})).await;
    assert_eq!(done["archiveModel"]["status"], "ARCHIVED");
    assert_eq!(app.count("events").await, events + 1);
    app.ok(archive, json!({"id": model})).await;
    assert_eq!(app.count("events").await, events + 1, "idempotent");

    let versions = app.count("model_versions").await;
    let new_version = app
        .gql(
            "mutation($m: ID!) { createModelVersion(input: {modelId: $m}) { id } }",
            json!({"m": model}),
        )
        .await;
    assert_eq!(code(&new_version), "INVALID_TRANSITION", "{new_version}");
    assert_eq!(app.count("model_versions").await, versions);
    let promote = "mutation($v: ID!, $s: ModelStage!) { promoteModelVersion(id: $v, stage: $s) { version { stage } } }";
    for stage in ["STAGING", "PRODUCTION"] {
        let r = app.gql(promote, json!({"v": v, "s": stage})).await;
        assert_eq!(code(&r), "INVALID_TRANSITION", "{stage}: {r}");
    }
    let retired = app.ok(promote, json!({"v": v, "s": "ARCHIVED"})).await;
    assert_eq!(
        retired["promoteModelVersion"]["version"]["stage"],
        "ARCHIVED"
    );
    let listed = app
        .ok(
            "{ models(filter: {status: {eq: ARCHIVED}}) { nodes { id status } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["models"]["nodes"][0]["id"], model, "{listed}");

    let back = app
        .ok(
            "mutation($id: ID!) { restoreModel(id: $id) { status } }",
            json!({"id": model}),
        )
        .await;
    assert_eq!(back["restoreModel"]["status"], "ACTIVE");
    app.ok(
        "mutation($m: ID!) { createModelVersion(input: {modelId: $m}) { id } }",
        json!({"m": model}),
    )
    .await;
    let actions = app
        .ok(
            "query($id: ID!) { events(filter: {entity: {eq: $id}}) { nodes { action } } }",
            json!({"id": model}),
        )
        .await;
    let actions: Vec<&str> = actions["events"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"ARCHIVED"), "{actions:?}");
    assert!(actions.contains(&"RESTORED"), "{actions:?}");
}

/// ARCHIVED on SQLite too (its CHECK was widened in place by the migration).
#[tokio::test]
async fn archiving_works_on_sqlite() {
    let app = TestApp::sqlite().await;
    let model = create_model(&app, NS, "old").await;
    let done = app
        .ok(
            "mutation($id: ID!) { archiveModel(id: $id) { status } }",
            json!({"id": model}),
        )
        .await;
    assert_eq!(done["archiveModel"]["status"], "ARCHIVED");
    let bad = app
        .gql(
            "mutation($m: ID!) { createModelVersion(input: {modelId: $m}) { id } }",
            json!({"m": model}),
        )
        .await;
    assert_eq!(code(&bad), "INVALID_TRANSITION", "{bad}");
}

/// Names up to 2,048 characters (and 2,400 bytes), as the seeds allow, kept unique by
/// the same index, even when they do not compress; longer ones are refused naming the
/// field.
#[tokio::test]
async fn names_hold_2048_characters() {
    let app = TestApp::new().await;
    let create =
        "mutation($n: String!) { createModel(input: {ns: \"acme.com/seeds\", name: $n}) { name } }";
    let long = "n".repeat(2048);
    let r = app.ok(create, json!({"n": long})).await;
    assert_eq!(r["createModel"]["name"], long);
    let again = app.gql(create, json!({"n": long})).await;
    assert_eq!(code(&again), "CONFLICT", "the unique index still holds");
    // 800 characters of 3 bytes that do not repeat: 2,400 bytes, incompressible.
    let wide: String = (0..800u32)
        .filter_map(|i| char::from_u32(0x4E00 + i * 7))
        .collect();
    assert_eq!(wide.len(), 2400);
    let r = app.ok(create, json!({"n": wide})).await;
    assert_eq!(r["createModel"]["name"], wide);
    for bad in ["n".repeat(2049), format!("{wide}x")] {
        let r = app.gql(create, json!({"n": bad})).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], "input.name");
    }
}

/// `setTags` on a model, a model version and a run: set and remove at once, one event,
/// nothing when nothing changes; bad tags and untagged types are refused.
#[tokio::test]
async fn tags_change_after_creation_with_one_event() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "tagged").await;
    let v = create_version(&app, &model).await;
    let set = "mutation($id: ID!, $t: TagsChange!) { setTags(id: $id, tags: $t) { id ... on Model { tags } ... on ModelVersion { tags } } }";
    for id in [&model, &v] {
        let events = app.count("events").await;
        let r = app
            .ok(
                set,
                json!({"id": id, "t": {"set": {"team": "risk", "tier": "1"}}}),
            )
            .await;
        assert_eq!(r["setTags"]["tags"], json!({"team": "risk", "tier": "1"}));
        let r = app
            .ok(
                set,
                json!({"id": id, "t": {"set": {"team": "fraud"}, "remove": ["tier"]}}),
            )
            .await;
        assert_eq!(r["setTags"]["tags"], json!({"team": "fraud"}));
        assert_eq!(app.count("events").await, events + 2);
        app.ok(set, json!({"id": id, "t": {"set": {"team": "fraud"}}}))
            .await;
        assert_eq!(app.count("events").await, events + 2, "no change, no event");
    }
    let ep = create_endpoint(&app, NS, "e", "STAGING").await;
    let events = app.count("events").await;
    let bad = app
        .gql(set, json!({"id": model, "t": {"set": {"n": 1}}}))
        .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT", "{bad}");
    let untagged = app
        .gql(set, json!({"id": ep, "t": {"set": {"a": "b"}}}))
        .await;
    assert_eq!(code(&untagged), "BAD_USER_INPUT", "{untagged}");
    assert_eq!(app.count("events").await, events);
}

/// `metricPoints`: the raw points of one series, oldest first, paged by cursor, bounded
/// by time; another version's points and other metrics stay out.
#[tokio::test]
async fn metric_points_page_a_series_in_time_order() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "measured").await;
    let v = create_version(&app, &model).await;
    let other = create_version(&app, &model).await;
    let mut points = vec![];
    for i in 0..25 {
        points.push(json!({"modelVersionId": v, "name": "latency_ms", "value": f64::from(i), "timestamp": format!("2026-12-01T10:{:02}:00Z", 59 - i)}));
    }
    points.push(json!({"modelVersionId": v, "name": "accuracy", "value": 0.5}));
    points.push(json!({"modelVersionId": other, "name": "latency_ms", "value": 99.0}));
    app.ok(
        "mutation($p: [MetricPointInput!]!) { recordMetrics(points: $p) }",
        json!({"p": points}),
    )
    .await;
    let q = "query($v: ID!, $after: String, $from: DateTime) { metricPoints(of: $v, metric: \"latency_ms\", first: 10, after: $after, from: $from) { totalCount pageInfo { hasNextPage endCursor } edges { node { timestamp value } } } }";
    let mut seen = vec![];
    let mut after = Value::Null;
    loop {
        let page = app.ok(q, json!({"v": v, "after": after})).await["metricPoints"].clone();
        assert_eq!(page["totalCount"], 25);
        for e in page["edges"].as_array().into_iter().flatten() {
            seen.push(e["node"]["value"].as_f64().unwrap_or(-1.0));
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let expected: Vec<f64> = (0..25).rev().map(f64::from).collect();
    assert_eq!(
        seen, expected,
        "oldest first (the largest value was measured first)"
    );
    let late = app
        .ok(q, json!({"v": v, "from": "2026-12-01T10:55:00Z"}))
        .await;
    assert_eq!(late["metricPoints"]["totalCount"], 5, "{late}");
    let bad = app
        .gql(
            "query($v: ID!) { metricPoints(of: $v, metric: \"x\", first: 100000) { totalCount } }",
            json!({"v": v}),
        )
        .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT", "{bad}");
}

/// "Active production models": a version deployed to a PRODUCTION endpoint, or an
/// explicit `deployedTo` edge from the model or a version to such an endpoint or to one
/// of its deployments; a staging deployment does not count.
#[tokio::test]
async fn production_models_include_those_deployed_through_edges() {
    let app = TestApp::new().await;
    let prod = create_endpoint(&app, NS, "prod", "PRODUCTION").await;
    let staging = create_endpoint(&app, NS, "staging", "STAGING").await;
    let by_key = create_model(&app, NS, "by-key").await;
    let kv = create_version(&app, &by_key).await;
    let dep = deploy(&app, &kv, &prod, 100).await;
    let by_edge = create_model(&app, NS, "by-edge").await;
    let by_version_edge = create_model(&app, NS, "by-version-edge").await;
    let vv = create_version(&app, &by_version_edge).await;
    let staged = create_model(&app, NS, "staged").await;
    let sv = create_version(&app, &staged).await;
    deploy(&app, &sv, &staging, 100).await;
    let link =
        "mutation($s: ID!, $t: ID!) { link(kind: \"deployedTo\", source: $s, target: $t) { id } }";
    app.ok(link, json!({"s": by_edge, "t": prod})).await;
    app.ok(link, json!({"s": vv, "t": dep})).await;
    let q = "{ models(filter: {deployedTo: {environment: {eq: PRODUCTION}}}, orderBy: [{field: NAME}]) { nodes { name } } }";
    let names = app.ok(q, json!({})).await;
    assert_eq!(
        names["models"]["nodes"],
        json!([{"name": "by-edge"}, {"name": "by-key"}, {"name": "by-version-edge"}]),
        "{names}"
    );
}

/// Models needing retraining: by their newest version's training data, and by a
/// `trainedOn` edge from the model itself to a dataset that has a newer version since.
#[tokio::test]
async fn models_needing_retraining_include_models_linked_directly() {
    let app = TestApp::new().await;
    let ds = app
        .ok("mutation { createDataset(input: {ns: \"acme.com/seeds\", name: \"events\", dataType: TABULAR, firstVersion: {storageUri: \"s3://b/e1\"}}) { id versions { nodes { id } } } }", json!({}))
        .await["createDataset"]
        .clone();
    let dv1 = ds["versions"]["nodes"][0]["id"].clone();
    let direct = create_model(&app, NS, "direct").await;
    let fresh = create_model(&app, NS, "fresh").await;
    app.ok(
        "mutation($s: ID!, $t: ID!) { link(kind: \"trainedOn\", source: $s, target: $t) { id } }",
        json!({"s": direct, "t": dv1}),
    )
    .await;
    let q = "{ modelsNeedingRetraining { nodes { name } } }";
    let before = app.ok(q, json!({})).await;
    assert_eq!(
        before["modelsNeedingRetraining"]["nodes"],
        json!([]),
        "{before}"
    );
    app.ok(
        "mutation($d: ID!) { createDatasetVersion(input: {datasetId: $d, storageUri: \"s3://b/e2\"}) { id } }",
        json!({"d": ds["id"]}),
    )
    .await;
    // Trained after the new data: not stale.
    create_version(&app, &fresh).await;
    let after = app.ok(q, json!({})).await;
    assert_eq!(
        after["modelsNeedingRetraining"]["nodes"],
        json!([{"name": "direct"}]),
        "{after}"
    );
}

/// Canonical URLs: `url` on named nodes, `GET` on it answers the node (spaces as `_`,
/// names with `/`), another tenant's node answers exactly like a missing one.
#[tokio::test]
async fn canonical_urls_resolve_to_their_node() {
    let app = TestApp::new().await;
    let base = app.serve().await;
    let model = create_model(&app, NS, "Software developer").await;
    let ds = app
        .ok(
            "mutation { createDataset(input: {ns: \"github.com\", name: \"dot-do/workers\", dataType: TEXT}) { id canonicalUrl } }",
            json!({}),
        )
        .await["createDataset"]
        .clone();
    assert_eq!(ds["canonicalUrl"], "/ns/github.com/Dataset/dot-do/workers");
    let url = app
        .ok(
            "query($id: ID!) { model(id: $id) { canonicalUrl } }",
            json!({"id": model}),
        )
        .await["model"]["canonicalUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(url, "/ns/acme.com/seeds/Model/Software_developer");
    let client = reqwest::Client::new();
    for (path, id) in [
        (url.as_str(), &json!(model)),
        ("/ns/github.com/Dataset/dot-do/workers", &ds["id"]),
    ] {
        let resp = client
            .get(format!("http://{base}{path}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(resp.status(), 200, "{path}");
        let body: Value = resp.json().await.unwrap_or_default();
        assert_eq!(&body["id"], id, "{body}");
        assert_eq!(body["url"], path, "{body}");
    }
    for path in [
        "/ns/acme.com/seeds/Model/Nobody".to_owned(),
        "/ns/acme.com/other/Model/Software_developer".to_owned(),
        "/ns/acme.com/seeds/Thing/x".to_owned(),
        "/ns/acme.com/seeds/Model/".to_owned(),
        "/ns/acme.com/seeds/Model/a%00b".to_owned(),
        "/ns/..%2F..%2Fetc/Model/passwd".to_owned(),
        format!("/ns/acme.com/seeds/Model/{}", "x".repeat(5000)),
    ] {
        let resp = client
            .get(format!("http://{base}{path}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(resp.status(), 404, "{path}");
        let body: Value = resp.json().await.unwrap_or_default();
        assert_eq!(code(&body), "NOT_FOUND", "{body}");
    }
}

/// With authentication on, a node of another tenant's namespace answers exactly as a
/// node that does not exist; the tenant's own answers.
#[tokio::test]
async fn canonical_urls_answer_the_same_for_elsewhere_and_nowhere() {
    let base = TestApp::new().await;
    create_model(&base, "acme.com/seeds", "ours").await;
    create_model(&base, "globex.com", "theirs").await;
    let s = crate::ingest::served(&base).await;
    let token = crate::ingest::key_with(
        &s,
        "ann@acme.com",
        &[("acme.com", entity::enums::Role::Viewer)],
    )
    .await;
    let client = reqwest::Client::new();
    let get = async |path: &str| {
        let resp = client
            .get(format!("http://{}{path}", s.addr))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = resp.status().as_u16();
        let mut body: Value = resp.json().await.unwrap_or_default();
        // The message names the path asked for; the rest must be the same.
        if let Some(e) = body.pointer_mut("/errors/0/message") {
            *e = Value::Null;
        }
        (status, body)
    };
    let ours = get("/ns/acme.com/seeds/Model/ours").await;
    assert_eq!(ours.0, 200, "{ours:?}");
    let elsewhere = get("/ns/globex.com/Model/theirs").await;
    let nowhere = get("/ns/globex.com/Model/nobody").await;
    assert_eq!(elsewhere.0, 404);
    assert_eq!(elsewhere, nowhere);
}

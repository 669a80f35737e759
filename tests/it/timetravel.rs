//! Time travel: every as-of answer equals the live answer captured at that instant, on
//! PostgreSQL and on SQLite, for a fixture that changes a model, its versions' stages,
//! its deployments' traffic and its edges at known instants, and deletes rows.

use chrono::{DateTime, Utc};
use mlgraph::core::context::{Grant, RequestContext, Role, Scope};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::harness::{TestApp, create_endpoint, create_model, create_version, deploy};

/// The registry in one query: lists with nested relations (the instant comes from the
/// top-level fields, nested fields inherit it).
const REGISTRY: &str = r#"query($at: DateTime) {
  models(asOf: $at, orderBy: [{field: NAME}]) { totalCount edges { node { name description
    versions(first: 10) { totalCount edges { node { version stage
      deployments { edges { node { trafficPercent endpoint { name } } } } } } } } } }
  endpoints(asOf: $at) { totalCount edges { node { name
    deployments { edges { node { trafficPercent modelVersion { version stage } } } } } } }
  datasets(asOf: $at) { edges { node { name versions { totalCount } } } }
}"#;

/// The lineage of the endpoint down to the datasets it was trained on.
const LINEAGE: &str = r#"query($at: DateTime, $e: ID!) {
  lineage(of: $e, direction: UPSTREAM, depth: 5, asOf: $at) { totalCount
    nodes { distance node { __typename
      ... on ModelVersion { version stage } ... on DatasetVersion { version }
      ... on Deployment { trafficPercent } ... on Model { name } } } }
  endpoint(id: $e, asOf: $at) { name deployments { totalCount } }
}"#;

fn sorted_lineage(mut v: Value) -> Value {
    // The lineage page lists nodes by distance; ties come in no promised order.
    if let Some(nodes) = v["lineage"]["nodes"].as_array_mut() {
        nodes.sort_by_key(|n| n.to_string());
    }
    v
}

async fn live(app: &TestApp, query: &str, vars: Value) -> Value {
    app.ok(query, vars).await
}

/// Runs the fixture; returns (instant, registry answer, lineage answer or null).
async fn fixture(app: &TestApp) -> (String, Vec<(DateTime<Utc>, Value, Value)>) {
    let mut seen: Vec<(DateTime<Utc>, Value, Value)> = Vec::new();
    let ns = "acme.com/tt";
    let mut endpoint: Option<String> = None;
    macro_rules! capture {
        () => {{
            let reg = live(app, REGISTRY, json!({"at": null})).await;
            let lin = match &endpoint {
                Some(e) => sorted_lineage(live(app, LINEAGE, json!({"at": null, "e": e})).await),
                None => Value::Null,
            };
            seen.push((Utc::now(), reg, lin));
        }};
    }
    capture!();
    let ds = app
        .ok(
            "mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }",
            json!({"i": {"ns": ns, "name": "tx", "dataType": "TABULAR"}}),
        )
        .await["createDataset"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut dvs = Vec::new();
    for v in 1..=2 {
        let dv = app
            .ok(
                "mutation($i: CreateDatasetVersionInput!) { createDatasetVersion(input: $i) { id } }",
                json!({"i": {"datasetId": ds, "storageUri": format!("s3://d/tx/v{v}")}}),
            )
            .await["createDatasetVersion"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        dvs.push(dv);
    }
    let e = create_endpoint(app, ns, "prod", "PRODUCTION").await;
    endpoint = Some(e.clone());
    capture!();
    let m = create_model(app, ns, "fraud").await;
    let v1 = create_version(app, &m).await;
    let link =
        "mutation($s: ID!, $t: ID!) { link(kind: \"trainedOn\", source: $s, target: $t) { id } }";
    app.ok(link, json!({"s": v1, "t": dvs[0]})).await;
    capture!();
    let d1 = deploy(app, &v1, &e, 100).await;
    capture!();
    app.ok(
        "mutation($id: ID!) { promoteModelVersion(id: $id, stage: PRODUCTION) { version { stage } } }",
        json!({"id": v1}),
    )
    .await;
    app.ok(
        "mutation($i: UpdateModelInput!) { updateModel(input: $i) { id } }",
        json!({"i": {"id": m, "description": "the fraud detector"}}),
    )
    .await;
    capture!();
    let v2 = create_version(app, &m).await;
    app.ok(link, json!({"s": v2, "t": dvs[1]})).await;
    deploy(app, &v2, &e, 10).await;
    let update = "mutation($i: UpdateDeploymentInput!) { updateDeployment(input: $i) { id } }";
    app.ok(update, json!({"i": {"id": d1, "trafficPercent": 90}}))
        .await;
    capture!();
    app.ok(
        "mutation($id: ID!) { promoteModelVersion(id: $id, stage: PRODUCTION) { version { stage } } }",
        json!({"id": v2}),
    )
    .await;
    capture!();
    app.ok(
        "mutation($s: ID!, $t: ID!) { unlink(kind: \"trainedOn\", source: $s, target: $t) }",
        json!({"s": v1, "t": dvs[0]}),
    )
    .await;
    capture!();
    app.ok(
        "mutation($id: ID!) { deleteDeployment(id: $id) }",
        json!({"id": d1}),
    )
    .await;
    capture!();
    app.ok(
        "mutation($i: UpdateModelInput!) { updateModel(input: $i) { id } }",
        json!({"i": {"id": m, "name": "fraud-v2", "description": null}}),
    )
    .await;
    capture!();
    let canary = create_endpoint(app, ns, "canary", "STAGING").await;
    let dc = deploy(app, &v2, &canary, 100).await;
    capture!();
    app.ok(
        "mutation($id: ID!) { deleteDeployment(id: $id) }",
        json!({"id": dc}),
    )
    .await;
    app.ok(
        "mutation($id: ID!) { deleteEndpoint(id: $id) }",
        json!({"id": canary}),
    )
    .await;
    app.ok(
        "mutation($i: UpdateModelInput!) { updateModel(input: $i) { id } }",
        json!({"i": {"id": m, "description": "after the canary"}}),
    )
    .await;
    capture!();
    (e, seen)
}

async fn every_instant_answers_as_it_was(app: &TestApp) {
    let (e, seen) = fixture(app).await;
    assert_eq!(seen.len(), 12, "a dozen instants");
    // The fixture's answers differ from one another (else the comparison proves little).
    let distinct: std::collections::HashSet<String> =
        seen.iter().map(|(_, r, l)| format!("{r}{l}")).collect();
    assert_eq!(distinct.len(), seen.len(), "each step changes the answer");
    for (i, (at, reg, lin)) in seen.iter().enumerate() {
        let at = at.to_rfc3339();
        let past = app.ok(REGISTRY, json!({"at": at})).await;
        assert_eq!(&past, reg, "registry at instant {i} ({at})");
        if !lin.is_null() {
            let past = sorted_lineage(app.ok(LINEAGE, json!({"at": at, "e": e})).await);
            assert_eq!(&past, lin, "lineage at instant {i} ({at})");
        }
    }
    // The deleted deployment and the removed edge are back before their deletion.
    let (at, _, lin) = &seen[6];
    assert_eq!(lin["endpoint"]["deployments"]["totalCount"], 2, "{lin:#}");
    let versions_trained: Vec<&Value> = lin["lineage"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["node"]["__typename"] == "DatasetVersion")
        .collect();
    assert_eq!(versions_trained.len(), 2, "both dataset versions at {at}");
    let now = app.ok(LINEAGE, json!({"at": null, "e": e})).await;
    assert_eq!(now["endpoint"]["deployments"]["totalCount"], 1);
}

#[tokio::test]
async fn as_of_answers_equal_the_live_answers_captured_at_each_instant() {
    let app = TestApp::new().await;
    every_instant_answers_as_it_was(&app).await;
    // `lineage_history` is derived from the log alone: what the trigger kept equals what
    // the migration's backfill computes from the events again.
    let types = migration::lineage_relation::history_types()
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let rebuilt = migration::lineage_relation::history_select(&format!(
        "(SELECT entity_type, entity_id, ns, action, after, created_at,
                 LEAD(created_at) OVER (PARTITION BY entity_id ORDER BY created_at, seq) AS next_at
            FROM events WHERE entity_type IN ({types})) e"
    ));
    let app = &app;
    let rows = |sql: String| async move {
        let q = format!("SELECT string_agg(r::text, '\n' ORDER BY r::text) AS rows FROM ({sql}) r");
        app.db()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                q,
            ))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .and_then(|r| r.try_get::<String>("", "rows").ok())
            .unwrap_or_default()
    };
    let kept = rows("SELECT * FROM lineage_history".to_owned()).await;
    let again = rows(rebuilt).await;
    assert!(kept.lines().count() >= 8, "{kept}");
    assert_eq!(kept, again, "the trigger and the backfill agree");
}

#[tokio::test]
async fn sqlite_gives_the_same_answers_as_of() {
    let app = TestApp::sqlite().await;
    every_instant_answers_as_it_was(&app).await;
}

#[tokio::test]
async fn as_of_refuses_the_future_mixed_instants_and_is_empty_before_the_registry() {
    let app = TestApp::new().await;
    let m = create_model(&app, "acme.com/tt", "fraud").await;
    let future = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let code = app
        .error_code(
            "query($at: DateTime) { models(asOf: $at) { totalCount } }",
            json!({"at": future}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let now = Utc::now().to_rfc3339();
    let resp = app
        .gql(
            "query($at: DateTime) { models(asOf: $at) { totalCount } endpoints { totalCount } }",
            json!({"at": now}),
        )
        .await;
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{resp:#}"
    );
    assert!(
        resp["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("endpoints")),
        "{resp:#}"
    );
    let before = "2020-01-01T00:00:00Z";
    let data = app
        .ok(
            "query($at: DateTime, $m: ID!) { models(asOf: $at) { totalCount } node(id: $m, asOf: $at) { id } }",
            json!({"at": before, "m": m}),
        )
        .await;
    assert_eq!(data, json!({"models": {"totalCount": 0}, "node": null}));
    // Access control applies to the past as to the present.
    let q = "query($at: DateTime) { models(asOf: $at) { totalCount } }";
    let outsider = RequestContext {
        scope: Scope::Grants(vec![Grant {
            ns: "other.com".into(),
            role: Role::Viewer,
        }]),
        ..RequestContext::default()
    };
    let seen = app.gql_as(outsider, q, json!({"at": now})).await;
    assert_eq!(seen["data"]["models"]["totalCount"], 0, "{seen:#}");
    let insider = RequestContext {
        scope: Scope::Grants(vec![Grant {
            ns: "acme.com".into(),
            role: Role::Viewer,
        }]),
        ..RequestContext::default()
    };
    let seen = app.gql_as(insider, q, json!({"at": now})).await;
    assert_eq!(seen["data"]["models"]["totalCount"], 1, "{seen:#}");
    // Facts without asOf (predictions) may sit beside an as-of field.
    app.ok(
        "query($at: DateTime) { models(asOf: $at) { totalCount } predictions { totalCount } }",
        json!({"at": now}),
    )
    .await;
}

#[tokio::test]
async fn changes_lists_the_fields_that_differ_between_two_instants() {
    let app = TestApp::new().await;
    let m = create_model(&app, "acme.com/tt", "fraud").await;
    let t0 = Utc::now().to_rfc3339();
    app.ok(
        "mutation($i: UpdateModelInput!) { updateModel(input: $i) { id } }",
        json!({"i": {"id": m, "description": "catches fraud"}}),
    )
    .await;
    let t1 = Utc::now().to_rfc3339();
    // A node's history under an as-of root ends at that instant.
    let history = "query($m: ID!, $at: DateTime) { node(id: $m, asOf: $at) { history { edges { node { action } } } } }";
    let then = app.ok(history, json!({"m": m, "at": t0})).await;
    let now = app.ok(history, json!({"m": m, "at": null})).await;
    assert_eq!(
        then["node"]["history"]["edges"].as_array().map(Vec::len),
        Some(1),
        "{then:#}"
    );
    assert_eq!(
        now["node"]["history"]["edges"].as_array().map(Vec::len),
        Some(2),
        "{now:#}"
    );
    let q =
        "query($m: ID!, $from: DateTime!, $to: DateTime) { changes(of: $m, from: $from, to: $to) {
        existedAtFrom existsAtTo events fields { field from to } } }";
    let data = app.ok(q, json!({"m": m, "from": t0, "to": t1})).await;
    let c = &data["changes"];
    assert_eq!(c["existedAtFrom"], true);
    assert_eq!(c["existsAtTo"], true);
    assert_eq!(c["events"], 1);
    let fields: Vec<&str> = c["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert!(fields.contains(&"description"), "{c:#}");
    let desc = c["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["field"] == "description")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        desc,
        json!({"field": "description", "from": null, "to": "catches fraud"})
    );
    // From before it existed: everything is new.
    let data = app
        .ok(q, json!({"m": m, "from": "2020-01-01T00:00:00Z", "to": t1}))
        .await;
    assert_eq!(data["changes"]["existedAtFrom"], false);
    assert!(
        data["changes"]["fields"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["field"] == "name" && f["to"] == "fraud"))
    );
    let code = app
        .error_code(q, json!({"m": m, "from": t1, "to": t0}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[tokio::test]
async fn events_export_before_an_instant_writes_exactly_the_older_events_oldest_first() {
    let app = TestApp::new().await;
    let m = create_model(&app, "acme.com/tt", "fraud").await;
    create_version(&app, &m).await;
    let cut = Utc::now();
    create_version(&app, &m).await;
    let mut out = Vec::new();
    let n = mlgraph::portability::export_events_before(app.db(), cut, &mut out)
        .await
        .unwrap_or_else(|e| panic!("export: {e:?}"));
    let lines: Vec<Value> = String::from_utf8_lossy(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(n, lines.len());
    assert_eq!(n, 2, "the model and its first version: {lines:#?}");
    assert_eq!(lines[0]["entity_type"], "Model");
    assert_eq!(lines[1]["entity_type"], "ModelVersion");
    assert!(
        lines
            .iter()
            .all(|l| l["after"].is_object() && l["seq"].is_i64())
    );
    assert_eq!(app.count("events").await, 3, "nothing deleted");
}

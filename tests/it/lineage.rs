//! Lineage and impact: edge kinds and their direction, depth/kind/type filters, cycles,
//! partial answers, namespace rules, batching, the seed design's graph questions, and the
//! same answer on SQLite as on PostgreSQL.

use std::collections::BTreeSet;

use mlgraph::AppState;
use mlgraph::core::context::RequestContext;
use mlgraph::db::{self, DbOptions};
use serde_json::{Value, json};

use crate::harness::{TestApp, create_endpoint, create_model, create_version, deploy};

const LINK: &str = "mutation($k: String!, $s: ID!, $t: ID!, $p: JSON) {
    link(kind: $k, source: $s, target: $t, properties: $p) { id kind } }";
const LINEAGE: &str = "query($of: ID!, $dir: LineageDirection!, $depth: Int!, $kinds: [String!], $types: [NodeType!]) {
    lineage(of: $of, direction: $dir, depth: $depth, kinds: $kinds, nodeTypes: $types) {
      totalCount isPartial hasCycle
      nodes { id distance direction path }
      edges { kind upstream downstream edgeId } } }";

async fn link(app: &TestApp, kind: &str, s: &str, t: &str) -> Value {
    app.ok(LINK, json!({"k": kind, "s": s, "t": t})).await["link"].clone()
}

async fn reached(
    app: &TestApp,
    of: &str,
    dir: &str,
    depth: i32,
    kinds: Option<Vec<&str>>,
) -> Value {
    app.ok(
        LINEAGE,
        json!({"of": of, "dir": dir, "depth": depth, "kinds": kinds, "types": null}),
    )
    .await["lineage"]
        .clone()
}

fn ids(graph: &Value) -> BTreeSet<String> {
    graph["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["id"].as_str().map(str::to_owned))
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

async fn dataset_version(app: &TestApp, ns: &str, name: &str) -> (String, String) {
    let ds = app
        .ok(
            "mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }",
            json!({"i": {"ns": ns, "name": name, "dataType": "TABULAR"}}),
        )
        .await["createDataset"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let dv = new_dataset_version(app, &ds).await;
    (ds, dv)
}

async fn new_dataset_version(app: &TestApp, ds: &str) -> String {
    app.ok(
        "mutation($i: CreateDatasetVersionInput!) { createDatasetVersion(input: $i) { id } }",
        json!({"i": {"datasetId": ds, "storageUri": "s3://b/d"}}),
    )
    .await["createDatasetVersion"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn experiment(app: &TestApp, ns: &str, name: &str) -> String {
    app.ok(
        "mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { id } }",
        json!({"i": {"ns": ns, "name": name, "experimentType": "AB_TEST"}}),
    )
    .await["createExperiment"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn each_edge_kind_points_upstream_the_documented_way() {
    let app = TestApp::new().await;
    let (ds, dv) = dataset_version(&app, "acme.com", "tx").await;
    let model = create_model(&app, "acme.com", "fraud").await;
    let v1 = create_version(&app, &model).await;
    let v2 = create_version(&app, &model).await;
    let endpoint = create_endpoint(&app, "acme.com", "prod", "PRODUCTION").await;
    let dep = deploy(&app, &v1, &endpoint, 100).await;
    let exp = experiment(&app, "acme.com", "ab").await;
    let other = create_model(&app, "acme.com", "other").await;

    // (kind, source, target, node whose UPSTREAM must contain the other end, that end)
    let cases = [
        ("trainedOn", &v2, &dv, &v2, &dv),
        ("evaluatedOn", &v2, &ds, &v2, &ds),
        ("derivedFrom", &v2, &v1, &v2, &v1),
        ("deployedTo", &v2, &dep, &dep, &v2),
        ("replacedBy", &model, &other, &other, &model),
        ("dependsOn", &model, &other, &model, &other),
        ("usedBy", &model, &exp, &exp, &model),
        ("approvedBy", &v2, &exp, &v2, &exp),
    ];
    for (kind, s, t, downstream_node, upstream_node) in cases {
        link(&app, kind, s, t).await;
        let up = reached(&app, downstream_node, "UPSTREAM", 1, Some(vec![kind])).await;
        assert!(
            ids(&up).contains(upstream_node.as_str()),
            "{kind}: upstream of {downstream_node} is {up:#}"
        );
        let down = reached(&app, upstream_node, "DOWNSTREAM", 1, Some(vec![kind])).await;
        assert!(
            ids(&down).contains(downstream_node.as_str()),
            "{kind}: downstream"
        );
        // The explicit edge is there, normalised, naming its row (implicit foreign-key
        // edges of the same kind, like a deployment's own version, have no row).
        let explicit = up["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["edgeId"].is_string())
            .cloned()
            .unwrap_or_default();
        assert_eq!(explicit["kind"], kind);
        assert_eq!(explicit["upstream"], upstream_node.as_str());
        assert_eq!(explicit["downstream"], downstream_node.as_str());
    }
}

#[tokio::test]
async fn implicit_edges_reach_from_data_to_endpoints_with_blast_radius() {
    let app = TestApp::new().await;
    let (ds, dv) = dataset_version(&app, "acme.com", "tx").await;
    let model = create_model(&app, "acme.com", "fraud").await;
    let job = app
        .ok(
            "mutation($i: CreateTrainingJobInput!) { createTrainingJob(input: $i) { id } }",
            json!({"i": {"ns": "acme.com", "name": "train", "modelId": model, "datasetVersionId": dv}}),
        )
        .await["createTrainingJob"]["id"]
        .clone();
    let version = app
        .ok(
            "mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }",
            json!({"i": {"modelId": model, "trainingJobId": job}}),
        )
        .await["createModelVersion"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let endpoint = create_endpoint(&app, "acme.com", "prod", "PRODUCTION").await;
    deploy(&app, &version, &endpoint, 30).await;
    for _ in 0..3 {
        app.ok(
            "mutation($i: CreatePredictionInput!) { createPrediction(input: $i) { id } }",
            json!({"i": {"endpointId": endpoint, "modelVersionId": version, "input": {}}}),
        )
        .await;
    }
    let q = "query($of: ID!) { lineage(of: $of, direction: DOWNSTREAM, depth: 6, nodeTypes: [DEPLOYMENT, ENDPOINT]) {
        isPartial totalCount nodes { distance path node {
          ... on Deployment { trafficPercent predictionVolume24h endpoint { environment } }
          ... on Endpoint { name environment predictionVolume24h } } } } }";
    let d = app.ok(q, json!({"of": ds})).await;
    let nodes = d["lineage"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(d["lineage"]["totalCount"], 2);
    assert_eq!(
        nodes[0]["distance"], 4,
        "dataset → version → job → model version → deployment"
    );
    assert_eq!(nodes[0]["node"]["trafficPercent"], 30);
    assert_eq!(nodes[0]["node"]["predictionVolume24h"], 3);
    assert_eq!(nodes[0]["node"]["endpoint"]["environment"], "PRODUCTION");
    assert_eq!(nodes[0]["path"].as_array().map(Vec::len), Some(5));
    assert_eq!(nodes[0]["path"][0], ds.as_str());
    assert_eq!(nodes[1]["distance"], 5);
    assert_eq!(nodes[1]["node"]["name"], "prod");
    assert_eq!(nodes[1]["node"]["predictionVolume24h"], 3);

    // The whole downstream graph of the dataset, every type, with its edges.
    let q = "query($of: ID!) { lineage(of: $of, direction: DOWNSTREAM, depth: 6) {
        start totalCount isPartial hasCycle
        nodes { id nodeType distance direction path }
        edges { kind upstream downstream edgeId } } }";
    let graph = app.ok(q, json!({"of": ds})).await;
    let labels = [
        (ds.as_str(), "dataset tx"),
        (dv.as_str(), "dataset tx v1"),
        (model.as_str(), "model fraud"),
        (job.as_str().unwrap_or_default(), "job train"),
        (version.as_str(), "model fraud v1"),
        (endpoint.as_str(), "endpoint prod"),
    ];
    insta::assert_json_snapshot!(
        "downstream_of_a_dataset",
        crate::harness::redacted(&graph, &labels)
    );
}

#[tokio::test]
async fn depth_filters_partial_answers_and_cycles() {
    let app = TestApp::new().await;
    let mut chain = Vec::new();
    for i in 0..5 {
        chain.push(create_model(&app, "acme.com", &format!("m{i}")).await);
    }
    for w in chain.windows(2) {
        link(&app, "dependsOn", &w[0], &w[1]).await;
    }
    let g = reached(&app, &chain[0], "UPSTREAM", 2, None).await;
    assert_eq!(ids(&g), set(&[&chain[1], &chain[2]]));
    assert_eq!(g["isPartial"], true, "m3 lies beyond the depth cap");
    let g = reached(&app, &chain[0], "UPSTREAM", 4, None).await;
    assert_eq!(g["isPartial"], false);
    assert_eq!(g["hasCycle"], false);
    assert_eq!(g["totalCount"], 4);
    // Kind filter: nothing reachable by another kind.
    let g = reached(&app, &chain[0], "UPSTREAM", 4, Some(vec!["trainedOn"])).await;
    assert_eq!(g["totalCount"], 0);
    // Node-type filter reports only models, but walks through versions.
    let v = create_version(&app, &chain[4]).await;
    let g = app
        .ok(
            LINEAGE,
            json!({"of": v, "dir": "UPSTREAM", "depth": 10, "kinds": null, "types": ["MODEL"]}),
        )
        .await["lineage"]
        .clone();
    assert_eq!(
        ids(&g),
        set(&[&chain[4]]),
        "versionOf leads to the model, dependsOn does not go upstream from m4"
    );

    // Close the loop: m4 depends on m0. The walk terminates and reports each node once.
    link(&app, "dependsOn", &chain[4], &chain[0]).await;
    let g = reached(&app, &chain[0], "UPSTREAM", 20, Some(vec!["dependsOn"])).await;
    assert_eq!(g["hasCycle"], true);
    assert_eq!(ids(&g), set(&[&chain[1], &chain[2], &chain[3], &chain[4]]));
    let distances: Vec<i64> = g["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["distance"].as_i64())
        .collect();
    assert_eq!(distances, vec![1, 2, 3, 4]);
    let g = reached(&app, &chain[2], "BOTH", 1, Some(vec!["dependsOn"])).await;
    assert_eq!(ids(&g), set(&[&chain[1], &chain[3]]));
}

/// A walk that reaches more nodes than the server's budget (`--max-lineage-reach`)
/// stops after the level that crossed it and says `isPartial`, in time; under the
/// budget the same walk is whole.
#[tokio::test]
async fn a_walk_past_the_reach_budget_stops_and_says_partial() {
    let app = TestApp::new().await;
    // A fan: m0 depends on m1..m4, each of which depends on two more (m5..m12).
    let mut models = Vec::new();
    for i in 0..13 {
        models.push(create_model(&app, "acme.com", &format!("m{i}")).await);
    }
    for i in 1..5 {
        link(&app, "dependsOn", &models[0], &models[i]).await;
        for j in [3 + 2 * i, 4 + 2 * i] {
            link(&app, "dependsOn", &models[i], &models[j]).await;
        }
    }
    let whole = reached(&app, &models[0], "UPSTREAM", 10, Some(vec!["dependsOn"])).await;
    assert_eq!(whole["totalCount"], 12);
    assert_eq!(whole["isPartial"], false);
    let count = |g: &Value| g["totalCount"].as_i64().unwrap_or(-1);
    for (budget, reach, partial) in [
        (3, 4, true),
        (4, 4, true),
        (12, 12, false),
        (100, 12, false),
    ] {
        let small = app.with_limits(|l| l.max_lineage_reach = budget);
        let g = reached(&small, &models[0], "UPSTREAM", 10, Some(vec!["dependsOn"])).await;
        assert_eq!(
            count(&g),
            reach,
            "budget {budget}: the first level is 4 nodes, the second 8"
        );
        assert_eq!(g["isPartial"], partial, "budget {budget}");
        let distances: BTreeSet<i64> = g["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n["distance"].as_i64())
            .collect();
        let levels: BTreeSet<i64> = if reach == 4 {
            [1].into()
        } else {
            [1, 2].into()
        };
        assert_eq!(distances, levels, "budget {budget}");
    }
}

#[tokio::test]
async fn linking_rules() {
    let app = TestApp::new().await;
    let a = create_model(&app, "acme.com", "a").await;
    let b = create_model(&app, "acme.com", "b").await;
    let foreign = create_model(&app, "other.org", "c").await;
    let first = link(&app, "dependsOn", &a, &b).await;
    let again = link(&app, "dependsOn", &a, &b).await;
    assert_eq!(first["id"], again["id"], "link is idempotent");
    assert_eq!(app.count("edges").await, 1);

    let code = app
        .error_code(LINK, json!({"k": "dependsOn", "s": a, "t": foreign}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "cross-namespace");
    let (_, dv) = dataset_version(&app, "acme.com", "tx").await;
    let code = app
        .error_code(LINK, json!({"k": "trainedOn", "s": dv, "t": a}))
        .await;
    assert_eq!(
        code, "BAD_USER_INPUT",
        "trainedOn goes from a model to data"
    );
    let code = app
        .error_code(LINK, json!({"k": "Not A Kind", "s": a, "t": b}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let code = app
        .error_code(LINK, json!({"k": "dependsOn", "s": a, "t": a}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    app.ok(
        "mutation($id: ID!) { deleteModel(id: $id) }",
        json!({"id": foreign}),
    )
    .await;
    let code = app
        .error_code(LINK, json!({"k": "dependsOn", "s": a, "t": foreign}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    // An open set: a new kind needs no migration.
    link(&app, "monitoredBy", &a, &b).await;
    assert_eq!(app.count("edges").await, 2);

    let d = app
        .ok("query($id: ID!) { node(id: $id) { ... on Model { edges(direction: OUT, kinds: [\"dependsOn\"]) { totalCount edges { node { kind target { id } } } } } } }", json!({"id": a}))
        .await;
    assert_eq!(d["node"]["edges"]["totalCount"], 1);
    assert_eq!(
        d["node"]["edges"]["edges"][0]["node"]["target"]["id"],
        b.as_str()
    );

    let removed = app
        .ok(
            "mutation($s: ID!, $t: ID!) { unlink(kind: \"dependsOn\", source: $s, target: $t) }",
            json!({"s": a, "t": b}),
        )
        .await;
    assert_eq!(removed["unlink"], true);
    assert_eq!(app.count("edges").await, 1);
}

#[tokio::test]
async fn nested_upstream_fields_are_batched_into_one_statement() {
    let app = TestApp::new().await;
    let (_, dv) = dataset_version(&app, "acme.com", "tx").await;
    let model = create_model(&app, "acme.com", "fraud").await;
    for _ in 0..8 {
        let v = create_version(&app, &model).await;
        link(&app, "trainedOn", &v, &dv).await;
    }
    let q = "{ models { edges { node { versions(first: 8) { edges { node { version
        upstream(kinds: [\"trainedOn\"], nodeTypes: [DATASET_VERSION]) { totalCount nodes { id } } } } } } } } }";
    let before = app.statements().get();
    let d = app.ok(q, json!({})).await;
    // models, versions, and one traversal for all eight versions.
    assert_eq!(app.statements().get() - before, 3);
    let versions = d["models"]["edges"][0]["node"]["versions"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(versions.len(), 8);
    for v in versions {
        assert_eq!(v["node"]["upstream"]["nodes"][0]["id"], dv.as_str());
    }
}

/// The seed design's graph questions on a hand-built fixture with known answers.
#[tokio::test]
async fn the_seed_design_questions() {
    let app = TestApp::new().await;
    let (ds, dv1) = dataset_version(&app, "acme.com", "tx").await;
    let fraud = create_model(&app, "acme.com", "fraud").await;
    let churn = create_model(&app, "acme.com", "churn").await;
    let legacy = create_model(&app, "acme.com", "legacy-fraud").await;
    let fraud_v1 = create_version(&app, &fraud).await;
    let churn_v1 = create_version(&app, &churn).await;
    let prod = create_endpoint(&app, "acme.com", "prod", "PRODUCTION").await;
    let staging = create_endpoint(&app, "acme.com", "staging", "STAGING").await;
    deploy(&app, &fraud_v1, &prod, 100).await;
    deploy(&app, &churn_v1, &staging, 100).await;
    link(&app, "trainedOn", &fraud_v1, &dv1).await;
    link(&app, "trainedOn", &churn_v1, &ds).await;

    // 1. Production models: versions deployed to a production endpoint.
    let d = app
        .ok("{ models(filter: {versions: {deployments: {endpointMatches: {environment: {eq: PRODUCTION}}}}}) { edges { node { name } } } }", json!({}))
        .await;
    assert_eq!(d["models"]["edges"].as_array().map(Vec::len), Some(1));
    assert_eq!(d["models"]["edges"][0]["node"]["name"], "fraud");

    // 2. Models needing retraining: a newer dataset version appears after fraud v1.
    let q = "{ modelVersionsNeedingRetraining { edges { node { id model { name } } } } }";
    assert_eq!(
        app.ok(q, json!({})).await["modelVersionsNeedingRetraining"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    new_dataset_version(&app, &ds).await;
    let d = app.ok(q, json!({})).await;
    let names: BTreeSet<String> = d["modelVersionsNeedingRetraining"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["model"]["name"].as_str().map(str::to_owned))
        .collect();
    // fraud v1 (its dataset version has a successor) and churn v1 (its dataset changed).
    assert_eq!(names, set(&["churn", "fraud"]));

    // 3. Replacement chain, both ways.
    link(&app, "replacedBy", &legacy, &fraud).await;
    let g = reached(&app, &fraud, "BOTH", 5, Some(vec!["replacedBy"])).await;
    assert_eq!(ids(&g), set(&[&legacy]));
    let g = reached(&app, &legacy, "DOWNSTREAM", 5, Some(vec!["replacedBy"])).await;
    assert_eq!(ids(&g), set(&[&fraud]));

    // 4. An A/B experiment: the models it used and where they are deployed.
    let ab = experiment(&app, "acme.com", "checkout-ab").await;
    link(&app, "usedBy", &fraud, &ab).await;
    link(&app, "usedBy", &churn, &ab).await;
    let d = app
        .ok(
            "query($of: ID!) { lineage(of: $of, kinds: [\"usedBy\"], nodeTypes: [MODEL], depth: 1) {
               nodes { node { ... on Model { name versions { edges { node {
                 deployments { edges { node { endpoint { name environment } } } } } } } } } } } }",
            json!({"of": ab}),
        )
        .await;
    let mut seen: Vec<(String, String)> = d["lineage"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| {
            let m = &n["node"];
            let env = m["versions"]["edges"][0]["node"]["deployments"]["edges"][0]["node"]["endpoint"]["environment"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            (m["name"].as_str().unwrap_or_default().to_owned(), env)
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("churn".into(), "STAGING".into()),
            ("fraud".into(), "PRODUCTION".into())
        ]
    );
}

/// Builds the same small graph through the API and describes a traversal by names.
async fn describe_traversal(
    run: &(dyn Fn(&'static str, Value) -> futures::future::BoxFuture<'static, Value> + Sync),
) -> Vec<(i64, String)> {
    let data = |v: Value, path: &[&str]| {
        let mut cur = v;
        for p in path {
            cur = cur[*p].clone();
        }
        cur
    };
    let ds = data(run("mutation { createDataset(input: {ns: \"acme.com\", name: \"tx\", dataType: TABULAR}) { id } }", json!({})).await, &["createDataset", "id"]);
    let dv = data(run("mutation($d: ID!) { createDatasetVersion(input: {datasetId: $d, storageUri: \"s3://x\"}) { id } }", json!({"d": ds})).await, &["createDatasetVersion", "id"]);
    let m = data(
        run(
            "mutation { createModel(input: {ns: \"acme.com\", name: \"fraud\"}) { id } }",
            json!({}),
        )
        .await,
        &["createModel", "id"],
    );
    let job = data(run("mutation($m: ID!, $dv: ID!) { createTrainingJob(input: {ns: \"acme.com\", name: \"j\", modelId: $m, datasetVersionId: $dv}) { id } }", json!({"m": m, "dv": dv})).await, &["createTrainingJob", "id"]);
    let v1 = data(run("mutation($m: ID!, $j: ID!) { createModelVersion(input: {modelId: $m, trainingJobId: $j}) { id } }", json!({"m": m, "j": job})).await, &["createModelVersion", "id"]);
    let v2 = data(run("mutation($m: ID!, $p: ID!) { createModelVersion(input: {modelId: $m, parentVersionId: $p}) { id } }", json!({"m": m, "p": v1})).await, &["createModelVersion", "id"]);
    let e = data(run("mutation { createEndpoint(input: {ns: \"acme.com\", name: \"prod\", environment: PRODUCTION}) { id } }", json!({})).await, &["createEndpoint", "id"]);
    run("mutation($v: ID!, $e: ID!) { createDeployment(input: {modelVersionId: $v, spec: {endpointId: $e, trafficPercent: 100}}) { id } }", json!({"v": v2, "e": e})).await;
    run(
        "mutation($s: ID!, $t: ID!) { link(kind: \"evaluatedOn\", source: $s, target: $t) { id } }",
        json!({"s": v2, "t": ds}),
    )
    .await;
    let g = run(
        "query($of: ID!) { lineage(of: $of, direction: DOWNSTREAM, depth: 6) { nodes { distance nodeType node {
            ... on ModelVersion { version } ... on Endpoint { name } ... on DatasetVersion { version } } } } }",
        json!({"of": ds}),
    )
    .await;
    let mut out: Vec<(i64, String)> = g["lineage"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| {
            (
                n["distance"].as_i64().unwrap_or(-1),
                format!("{}{}", n["nodeType"], n["node"]),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn sqlite_and_postgres_give_the_same_answer() {
    let pg = std::sync::Arc::new(TestApp::new().await);
    let pg2 = pg.clone();
    let on_pg = describe_traversal(&move |q, v| {
        let app = pg2.clone();
        Box::pin(async move { app.ok(q, v).await })
    })
    .await;

    let dir =
        std::env::temp_dir().join(format!("mlgraph-lineage-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display());
    let (conn, counter) = db::connect(&url, &DbOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    db::migrate(&conn).await.unwrap_or_else(|e| panic!("{e}"));
    let state = AppState::new(conn, counter);
    let schema = std::sync::Arc::new(mlgraph::build_schema(state.clone()));
    let on_sqlite = describe_traversal(&move |q, v| {
        let schema = schema.clone();
        let state = state.clone();
        Box::pin(async move {
            let req =
                async_graphql::Request::new(q).variables(async_graphql::Variables::from_json(v));
            let resp =
                mlgraph::schema::execute(&schema, req, &state, RequestContext::default()).await;
            assert!(resp.errors.is_empty(), "{:?}", resp.errors);
            resp.data.into_json().unwrap_or_default()
        })
    })
    .await;
    assert!(on_pg.len() >= 6, "{on_pg:?}");
    assert_eq!(on_pg, on_sqlite);
    std::fs::remove_dir_all(&dir).ok();
}

/// Without `edges`, `path` or `hasCycle` the database pages the nodes itself; the answer
/// must be the one the full walk gives, page by page, with type filters and both caps.
#[tokio::test]
async fn paging_in_sql_gives_the_same_pages_as_the_full_walk() {
    let app = TestApp::new().await;
    // A small diamond-rich DAG: m_i depends on m_{i+1} and m_{i+2}; each has versions.
    let mut models = Vec::new();
    for i in 0..8 {
        models.push(create_model(&app, "acme.com", &format!("p{i}")).await);
    }
    for i in 0..8 {
        for j in [i + 1, i + 2] {
            if j < 8 {
                link(&app, "dependsOn", &models[i], &models[j]).await;
            }
        }
        create_version(&app, &models[i]).await;
    }
    let full = "query($of: ID!, $dir: LineageDirection!, $d: Int!, $t: [NodeType!], $f: Int!, $a: String) {
        lineage(of: $of, direction: $dir, depth: $d, nodeTypes: $t, first: $f, after: $a) {
          totalCount isPartial hasCycle nodes { id distance direction } endCursor } }";
    let lean = "query($of: ID!, $dir: LineageDirection!, $d: Int!, $t: [NodeType!], $f: Int!, $a: String) {
        lineage(of: $of, direction: $dir, depth: $d, nodeTypes: $t, first: $f, after: $a) {
          totalCount isPartial nodes { id distance direction } endCursor } }";
    for (dir, depth, types) in [
        ("BOTH", 2, json!(null)),
        ("BOTH", 3, json!(["MODEL"])),
        ("BOTH", 6, json!(null)),
        ("BOTH", 1, json!(["MODEL_VERSION"])),
        ("UPSTREAM", 3, json!(null)),
        ("UPSTREAM", 0, json!(null)),
        ("DOWNSTREAM", 6, json!(null)),
        ("DOWNSTREAM", 2, json!(["MODEL"])),
    ] {
        let mut after = Value::Null;
        let mut pages = 0;
        loop {
            pages += 1;
            let vars =
                json!({"of": models[3], "dir": dir, "d": depth, "t": types, "f": 3, "a": after});
            let a = app.ok(full, vars.clone()).await["lineage"].clone();
            let b = app.ok(lean, vars).await["lineage"].clone();
            for key in ["totalCount", "isPartial", "nodes", "endCursor"] {
                assert_eq!(
                    a[key], b[key],
                    "{dir}, depth {depth}, types {types}, after {after}: {key}"
                );
            }
            if a["nodes"].as_array().is_none_or(|n| n.len() < 3) || a["endCursor"].is_null() {
                break;
            }
            after = a["endCursor"].clone();
        }
        if dir == "UPSTREAM" && depth == 3 {
            assert!(pages > 1, "the upstream walk spans pages");
        }
    }
    // Many starts in one statement (nested fields) page per start the same way.
    let nested = |extra: &str| {
        format!(
            "query($f: Int!) {{ models(first: 20) {{ edges {{ node {{ id
                downstream(depth: 3, first: $f) {{ totalCount isPartial nodes {{ id distance }} {extra} }} }} }} }} }}"
        )
    };
    for first in [1, 2, 5] {
        let a = app.ok(&nested("hasCycle"), json!({"f": first})).await;
        let b = app.ok(&nested(""), json!({"f": first})).await;
        let pages = |v: &Value| -> Vec<Value> {
            v["models"]["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    let g = &e["node"]["downstream"];
                    json!([e["node"]["id"], g["totalCount"], g["isPartial"], g["nodes"]])
                })
                .collect()
        };
        assert_eq!(pages(&a).len(), 8);
        assert_eq!(pages(&a), pages(&b), "first {first}");
    }
}

/// PostgreSQL traverses `lineage_links`, maintained by triggers; it must always hold
/// exactly the rows of the `lineage_edges` view, through inserts, updates that move a
/// foreign key, SET NULL and CASCADE deletes, links and unlinks.
#[tokio::test]
async fn materialised_links_always_equal_the_view() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::new().await;
    let diff = |app: &TestApp| {
        let db = app.db().clone();
        async move {
            let cols = "kind, ns, up_type, up_id, down_type, down_id, edge_id";
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    format!(
                        "SELECT (SELECT COUNT(*) FROM (SELECT {cols} FROM lineage_links EXCEPT ALL SELECT {cols} FROM lineage_edges) a)
                              + (SELECT COUNT(*) FROM (SELECT {cols} FROM lineage_edges EXCEPT ALL SELECT {cols} FROM lineage_links) b) AS n,
                                (SELECT COUNT(*) FROM lineage_links) AS links"
                    ),
                ))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("no row"));
            let n: i64 = row.try_get("", "n").unwrap_or(-1);
            let links: i64 = row.try_get("", "links").unwrap_or(-1);
            (n, links)
        }
    };
    let (_, dv) = dataset_version(&app, "acme.com", "tx").await;
    let model = create_model(&app, "acme.com", "fraud").await;
    let job = app
        .ok(
            "mutation($i: CreateTrainingJobInput!) { createTrainingJob(input: $i) { id } }",
            json!({"i": {"ns": "acme.com", "name": "train", "modelId": model, "datasetVersionId": dv}}),
        )
        .await["createTrainingJob"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let v1 = create_version(&app, &model).await;
    let v2 = app
        .ok(
            "mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }",
            json!({"i": {"modelId": model, "parentVersionId": v1, "trainingJobId": job}}),
        )
        .await["createModelVersion"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let ep = create_endpoint(&app, "acme.com", "ep", "PRODUCTION").await;
    deploy(&app, &v2, &ep, 100).await;
    let other = create_model(&app, "acme.com", "other").await;
    link(&app, "dependsOn", &model, &other).await;
    link(&app, "replacedBy", &other, &model).await;
    let (d, links) = diff(&app).await;
    assert_eq!(d, 0);
    assert!(links >= 9, "{links} links");

    // RESTRICT (the job produced a version), SET NULL (the parent version goes, its child
    // stays), CASCADE (the model goes with its versions and deployments), unlink.
    assert_eq!(
        app.error_code(
            "mutation($id: ID!) { deleteTrainingJob(id: $id) }",
            json!({"id": job}),
        )
        .await,
        "CONFLICT"
    );
    app.ok(
        "mutation($id: ID!) { deleteModelVersion(id: $id) }",
        json!({"id": v1}),
    )
    .await;
    assert_eq!(diff(&app).await.0, 0);
    app.ok(
        "mutation($k: String!, $s: ID!, $t: ID!) { unlink(kind: $k, source: $s, target: $t) }",
        json!({"k": "dependsOn", "s": model, "t": other}),
    )
    .await;
    assert_eq!(diff(&app).await.0, 0);
    app.db()
        .execute_unprepared(
            "DELETE FROM deployments; UPDATE model_versions SET parent_version_id = NULL",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(diff(&app).await.0, 0);
    app.ok(
        "mutation($id: ID!) { deleteModel(id: $id) }",
        json!({"id": model}),
    )
    .await;
    let (d, links) = diff(&app).await;
    assert_eq!(d, 0);
    assert!(links >= 1, "the dataset's version is still linked");
}

#[tokio::test]
async fn a_top_level_traversal_is_one_statement_and_checks_its_start() {
    use mlgraph::core::context::Scope;
    use mlgraph::core::ids::{self, NodeType};
    use mlgraph::lineage::service::{self, LineageDirection, TraversalArgs};

    let app = TestApp::new().await;
    let a = create_model(&app, "acme.com", "a").await;
    let b = create_model(&app, "acme.com", "b").await;
    link(&app, "dependsOn", &a, &b).await;
    let q = "query($of: ID!) { lineage(of: $of, depth: 5) { totalCount isPartial nodes { id distance } } }";
    let before = app.statements().get();
    let g = app.ok(q, json!({"of": a})).await["lineage"].clone();
    assert_eq!(
        app.statements().get() - before,
        1,
        "start check, walk, count and page share one statement"
    );
    assert_eq!(ids(&g), set(&[&b]));
    assert_eq!(g["totalCount"], 1);

    // A start that does not exist is NOT_FOUND, not an empty answer.
    let missing = ids::encode(NodeType::Model, uuid::Uuid::now_v7());
    assert_eq!(
        app.error_code(q, json!({"of": missing.as_str()})).await,
        "NOT_FOUND"
    );
    app.ok(
        "mutation($id: ID!) { deleteModel(id: $id) }",
        json!({"id": b}),
    )
    .await;
    assert_eq!(app.error_code(q, json!({"of": b})).await, "NOT_FOUND");

    // Outside the caller's scope a start does not exist either; a namespace covers its
    // children.
    let start = ids::decode(&a).unwrap_or_else(|| panic!("not a global id: {a}"));
    let args = TraversalArgs {
        direction: LineageDirection::Upstream,
        depth: 5,
        kinds: None,
        node_types: None,
        first: 10,
        offset: 0,
        with_edges: false,
        check_start: true,
        max_reach: None,
    };
    for (scope, found) in [
        (vec!["other.org"], false),
        (vec!["acme"], false),
        (vec!["other.org", "acme.com"], true),
    ] {
        let ctx = RequestContext {
            scope: Scope::editor_of(scope.iter().copied()),
            ..RequestContext::default()
        };
        let graphs = service::traverse(&app.state.db, &ctx, &[start], &args)
            .await
            .unwrap_or_else(|e| panic!("traverse: {e:?}"));
        assert_eq!(
            graphs.get(&start).map(|g| g.start_found),
            Some(found),
            "scope {scope:?}"
        );
    }
}

/// Minimum distances from `start` over `next` (breadth first), up to `depth`, and whether
/// a node at the cap has a further edge.
fn reference_walk(
    next: &std::collections::HashMap<usize, Vec<usize>>,
    start: usize,
    depth: i64,
) -> (std::collections::BTreeMap<usize, i64>, bool) {
    let mut dist = std::collections::BTreeMap::from([(start, 0)]);
    let mut frontier = vec![start];
    for d in 1..=depth {
        let mut level = Vec::new();
        for n in &frontier {
            for m in next.get(n).into_iter().flatten() {
                if !dist.contains_key(m) {
                    dist.insert(*m, d);
                    level.push(*m);
                }
            }
        }
        frontier = level;
    }
    let partial = dist
        .iter()
        .any(|(n, d)| *d == depth && next.get(n).is_some_and(|v| !v.is_empty()));
    dist.remove(&start);
    (dist, partial)
}

#[tokio::test]
async fn distances_match_a_breadth_first_walk_on_a_graph_with_shortcuts_and_cycles() {
    let app = TestApp::new().await;
    let n = 24;
    let mut models = Vec::new();
    for i in 0..n {
        models.push(create_model(&app, "acme.com", &format!("m{i}")).await);
    }
    // i dependsOn (i·k + 5) mod n: many paths of different lengths to the same node,
    // shortcuts, and cycles.
    let mut up: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    let mut down: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        for k in [1, 3, 7] {
            let j = (i * k + 5) % n;
            if j != i && !up.get(&i).is_some_and(|v| v.contains(&j)) {
                link(&app, "dependsOn", &models[i], &models[j]).await;
                up.entry(i).or_default().push(j);
                down.entry(j).or_default().push(i);
            }
        }
    }
    let index: std::collections::HashMap<&str, usize> = models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let q = "query($of: ID!, $dir: LineageDirection!, $depth: Int!) {
        lineage(of: $of, direction: $dir, depth: $depth, first: 1000) { totalCount isPartial nodes { id distance } } }";
    for (dir, next) in [("UPSTREAM", &up), ("DOWNSTREAM", &down)] {
        for start in [0, 5, 11] {
            for depth in [1, 2, 3, 6] {
                let (want, partial) = reference_walk(next, start, depth);
                let g = app
                    .ok(q, json!({"of": models[start], "dir": dir, "depth": depth}))
                    .await["lineage"]
                    .clone();
                let got: std::collections::BTreeMap<usize, i64> = g["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|n| Some((*index.get(n["id"].as_str()?)?, n["distance"].as_i64()?)))
                    .collect();
                let case = format!("{dir} from m{start}, depth {depth}");
                assert_eq!(got, want, "{case}");
                assert_eq!(g["totalCount"], want.len(), "{case}");
                assert_eq!(g["isPartial"], partial, "{case}");
            }
        }
    }
}

#[tokio::test]
async fn the_depth_cap_is_configurable() {
    let app = TestApp::new().await;
    let a = create_model(&app, "acme.com", "a").await;
    let q = "query($of: ID!, $d: Int!) { lineage(of: $of, depth: $d) { totalCount } }";
    assert_eq!(
        app.error_code(q, json!({"of": a, "d": 21})).await,
        "BAD_USER_INPUT",
        "20 by default"
    );
    app.ok(q, json!({"of": a, "d": 20})).await;

    let mut state = app.state.clone();
    state.limits.max_lineage_depth = 2;
    let schema = mlgraph::build_schema(state.clone());
    let code = |resp: async_graphql::Response| {
        let v = serde_json::to_value(&resp).unwrap_or_default();
        v["errors"][0]["extensions"]["code"]
            .as_str()
            .map(str::to_owned)
    };
    let nested = "query($of: ID!, $d: Int!) { node(id: $of) { ... on Model { upstream(depth: $d) { totalCount } } } }";
    for (query, depth, want) in [
        (q, 2, None),
        (q, 3, Some("BAD_USER_INPUT")),
        (nested, 2, None),
        (nested, 3, Some("BAD_USER_INPUT")),
    ] {
        let req = async_graphql::Request::new(query).variables(
            async_graphql::Variables::from_json(json!({"of": a, "d": depth})),
        );
        let resp = mlgraph::schema::execute(&schema, req, &state, RequestContext::default()).await;
        assert_eq!(code(resp).as_deref(), want, "{query} at depth {depth}");
    }
}

//! Full-text search on both backends over the demo registry: stemming, phrases,
//! prefixes, type and namespace filters, ranking, snippets, paging, scope, and documents
//! kept current by the database.

use mlgraph::core::context::{Grant, RequestContext, Role, Scope};
use serde_json::{Value, json};

use crate::harness::TestApp;

const SEARCH: &str = r#"query($text: String!, $types: [SearchType!], $ns: String, $first: Int, $after: String) {
  search(text: $text, types: $types, ns: $ns, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { rank snippet node { __typename id
      ... on Model { name } ... on Dataset { name } ... on Workflow { name } ... on DatasetVersion { version } } } }
  }
}"#;

async fn search(app: &TestApp, vars: Value) -> Value {
    app.ok(SEARCH, vars).await["search"].clone()
}

fn names(hits: &Value) -> Vec<String> {
    hits["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let n = &e["node"]["node"];
            format!(
                "{}:{}",
                n["__typename"].as_str().unwrap_or("?"),
                n["name"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| n["version"].to_string())
            )
        })
        .collect()
}

async fn searches_the_demo(app: &TestApp) {
    mlgraph::demo::seed(app.db())
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    // Stemmed: "detectors" finds the fraud-detector models; the title outranks the body.
    let hits = search(app, json!({"text": "detectors", "types": ["MODEL"]})).await;
    let found = names(&hits);
    assert!(
        found.contains(&"Model:fraud-detector".to_owned()),
        "{found:?}"
    );
    assert!(found.iter().all(|n| n.starts_with("Model:")), "{found:?}");
    let ranks: Vec<f64> = hits["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["rank"].as_f64())
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] >= w[1]),
        "best first: {ranks:?}"
    );
    let snippet = hits["edges"][0]["node"]["snippet"].as_str().unwrap_or("");
    assert!(snippet.contains("**"), "matches marked: {snippet}");
    // A phrase, in order only.
    let phrase = names(&search(app, json!({"text": "\"feature build\""})).await);
    assert_eq!(phrase, vec!["Workflow:fraud-pipeline".to_owned()]);
    // Words are split at punctuation on both sides: a hyphenated name is its words.
    let hyphen = names(
        &search(
            app,
            json!({"text": "\"fraud pipeline\"", "types": ["WORKFLOW"]}),
        )
        .await,
    );
    assert_eq!(hyphen, vec!["Workflow:fraud-pipeline".to_owned()]);
    let reversed = search(app, json!({"text": "\"build feature\""})).await;
    assert_eq!(reversed["totalCount"], 0, "{reversed:#}");
    // A prefix.
    let prefix = names(&search(app, json!({"text": "merch*", "types": ["DATASET"]})).await);
    assert_eq!(prefix, vec!["Dataset:merchant-descriptions".to_owned()]);
    // A dataset version's column names are in its document.
    let columns = search(app, json!({"text": "amount", "types": ["DATASET_VERSION"]})).await;
    assert!(
        columns["totalCount"].as_i64().unwrap_or(0) >= 3,
        "{columns:#}"
    );
    // Paging: disjoint pages that add up to the count.
    let all = search(app, json!({"text": "fraud", "first": 100})).await;
    let total = all["totalCount"].as_i64().unwrap_or(0);
    assert!(total >= 5, "{all:#}");
    let p1 = search(app, json!({"text": "fraud", "first": 2})).await;
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    let p2 = search(
        app,
        json!({"text": "fraud", "first": 2, "after": p1["pageInfo"]["endCursor"]}),
    )
    .await;
    let ids = |v: &Value| -> Vec<String> {
        v["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["node"]["node"]["id"].as_str().map(str::to_owned))
            .collect()
    };
    let all_ids = ids(&all);
    assert_eq!(&all_ids[..2], &ids(&p1)[..]);
    assert_eq!(&all_ids[2..4], &ids(&p2)[..]);
    // Namespaces: the filter, and the caller's scope.
    let elsewhere = search(app, json!({"text": "fraud", "ns": "other.org"})).await;
    assert_eq!(elsewhere["totalCount"], 0);
    let outsider = RequestContext {
        scope: Scope::Grants(vec![Grant {
            ns: "other.org".into(),
            role: Role::Viewer,
        }]),
        ..RequestContext::default()
    };
    let seen = app.gql_as(outsider, SEARCH, json!({"text": "fraud"})).await;
    assert_eq!(seen["data"]["search"]["totalCount"], 0, "{seen:#}");
    assert_eq!(seen["data"]["search"]["edges"], json!([]));
    // Kept current by the database: an update is found at once, a deletion is gone.
    let m = crate::harness::create_model(app, "acme.com/fraud", "churn-predictor").await;
    assert_eq!(
        search(app, json!({"text": "isotonic"})).await["totalCount"],
        0
    );
    app.ok(
        "mutation($i: UpdateModelInput!) { updateModel(input: $i) { id } }",
        json!({"i": {"id": m, "description": "isotonic calibration of boosted trees"}}),
    )
    .await;
    let found = names(&search(app, json!({"text": "isotonic calibration"})).await);
    assert_eq!(found, vec!["Model:churn-predictor".to_owned()]);
    app.ok(
        "mutation($id: ID!) { deleteModel(id: $id) }",
        json!({"id": m}),
    )
    .await;
    assert_eq!(
        search(app, json!({"text": "isotonic"})).await["totalCount"],
        0
    );
    // Within a lineage: the transactions dataset reaches its own versions (and what was
    // trained on them), not the chargebacks dataset's.
    let ds = app
        .ok(
            r#"{ dataset(ns: "acme.com/fraud", name: "transactions") { id } }"#,
            json!({}),
        )
        .await["dataset"]["id"]
        .clone();
    let scoped = app
        .ok(
            r#"query($ds: ID!) { search(text: "s3", types: [DATASET_VERSION], within: {lineageOf: $ds, direction: DOWNSTREAM, depth: 1}, first: 50) {
                totalCount edges { node { snippet } } } }"#,
            json!({"ds": ds}),
        )
        .await;
    assert_eq!(scoped["search"]["totalCount"], 4, "{scoped:#}");
    // Every dataset version: the demo's seven and the OpenLineage run's output.
    let unscoped = search(app, json!({"text": "s3", "types": ["DATASET_VERSION"]})).await;
    assert_eq!(unscoped["totalCount"], 8, "{unscoped:#}");
    // Approved only: no model version is approved yet.
    let approved = app
        .ok(
            r#"{ search(text: "fraud", approvedOnly: true) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(approved["search"]["totalCount"], 0);
    // Nothing to search for is the caller's mistake.
    let code = app.error_code(SEARCH, json!({"text": "!!! ---"})).await;
    assert_eq!(code, "BAD_USER_INPUT");
}

#[tokio::test]
async fn full_text_search_on_postgresql() {
    searches_the_demo(&TestApp::new().await).await;
}

#[tokio::test]
async fn full_text_search_on_sqlite() {
    searches_the_demo(&TestApp::sqlite().await).await;
}

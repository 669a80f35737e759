//! Vector similarity on both backends: embeddings set by clients, nearest nodes by cosine,
//! dimension checks, type filters and scope; on PostgreSQL the model's HNSW index exists
//! and answers the query.

use mlgraph::core::context::{Grant, RequestContext, Role, Scope};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

use crate::harness::TestApp;

const SET: &str = "mutation($n: ID!, $v: [Float!]!) { setEmbedding(node: $n, model: \"test/mini-3\", vector: $v) { model dimension } }";
const SIMILAR: &str = r#"query($to: ID, $v: [Float!], $types: [SearchType!]) {
  similar(to: $to, vector: $v, model: "test/mini-3", types: $types, first: 5) {
    hits { similarity node { __typename id ... on Model { name } ... on Dataset { name } } } isPartial } }"#;

fn names(v: &Value) -> Vec<String> {
    v["similar"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            format!(
                "{}:{}",
                h["node"]["__typename"].as_str().unwrap_or("?"),
                h["node"]["name"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

async fn nearest_nodes(app: &TestApp) {
    mlgraph::demo::seed(app.db())
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    let data = app
        .ok(
            "{ models { nodes { id name } } datasets { nodes { id name } } }",
            json!({}),
        )
        .await;
    let id_of = |list: &str, name: &str| -> String {
        data[list]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|n| n["name"] == name)
            .and_then(|n| n["id"].as_str())
            .unwrap_or_else(|| panic!("no {name}"))
            .to_owned()
    };
    let detector = id_of("models", "fraud-detector");
    let distilled = id_of("models", "fraud-detector-distilled");
    let transactions = id_of("datasets", "transactions");
    let chargebacks = id_of("datasets", "chargebacks");
    for (n, v) in [
        (&detector, json!([1.0, 0.0, 0.0])),
        (&distilled, json!([0.9, 0.2, 0.0])),
        (&transactions, json!([0.0, 1.0, 0.1])),
        (&chargebacks, json!([0.1, 0.0, 1.0])),
    ] {
        let set = app.ok(SET, json!({"n": n, "v": v})).await;
        assert_eq!(set["setEmbedding"]["dimension"], 3);
    }
    // Nearest to a vector, most similar first, with cosine similarities.
    let near = app.ok(SIMILAR, json!({"v": [1.0, 0.05, 0.0]})).await;
    let order = names(&near);
    assert_eq!(
        &order[..2],
        &[
            "Model:fraud-detector".to_owned(),
            "Model:fraud-detector-distilled".to_owned()
        ]
    );
    let sims: Vec<f64> = near["similar"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["similarity"].as_f64())
        .collect();
    assert!(sims.windows(2).all(|w| w[0] >= w[1]), "{sims:?}");
    let expected = 1.0 / (1.0f64 + 0.05 * 0.05).sqrt();
    assert!((sims[0] - expected).abs() < 1e-3, "cosine: {sims:?}");
    // Nearest to a node: itself left out.
    let to = app.ok(SIMILAR, json!({"to": detector})).await;
    assert_eq!(names(&to)[0], "Model:fraud-detector-distilled");
    assert!(!names(&to).contains(&"Model:fraud-detector".to_owned()));
    // Types.
    let datasets = app
        .ok(SIMILAR, json!({"v": [1.0, 0.0, 0.0], "types": ["DATASET"]}))
        .await;
    assert!(names(&datasets).iter().all(|n| n.starts_with("Dataset:")));
    assert_eq!(names(&datasets).len(), 2);
    // Bad vectors are the caller's.
    let wrong = app
        .error_code(SET, json!({"n": detector, "v": [1.0, 0.0]}))
        .await;
    assert_eq!(wrong, "BAD_USER_INPUT");
    let zero = app.error_code(SIMILAR, json!({"v": [0.0, 0.0, 0.0]})).await;
    assert_eq!(zero, "BAD_USER_INPUT");
    // Lineage and governance scopes: the fraud-detector's versions, and of those only the
    // one approved for its current stage.
    let versions = app
        .ok(
            r#"{ model(ns: "acme.com/fraud", name: "fraud-detector") { versions { nodes { id version stage } } } }"#,
            json!({}),
        )
        .await;
    let version = |n: i64| -> String {
        versions["model"]["versions"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["version"] == n)
            .and_then(|v| v["id"].as_str())
            .unwrap_or_else(|| panic!("no version {n}"))
            .to_owned()
    };
    let (v2, v3) = (version(2), version(3));
    for (n, v) in [(&v2, json!([1.0, 0.1, 0.0])), (&v3, json!([1.0, 0.0, 0.1]))] {
        app.ok(SET, json!({"n": n, "v": v})).await;
    }
    let scoped = "query($m: ID!, $approved: Boolean) { similar(vector: [1, 0, 0], model: \"test/mini-3\", approvedOnly: $approved,
        within: {lineageOf: $m, direction: DOWNSTREAM, depth: 1}) { hits { node { id } } } }";
    let ids = |v: &Value| -> Vec<String> {
        v["similar"]["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h["node"]["id"].as_str().map(str::to_owned))
            .collect()
    };
    let within = app
        .ok(scoped, json!({"m": detector, "approved": false}))
        .await;
    let mut got = ids(&within);
    got.sort();
    let mut want = vec![v2.clone(), v3.clone()];
    want.sort();
    assert_eq!(got, want, "only the model's versions: {within:#}");
    assert!(
        ids(&app
            .ok(scoped, json!({"m": detector, "approved": true}))
            .await)
        .is_empty()
    );
    let as_actor = |actor: &str| RequestContext {
        actor: Some(actor.into()),
        scope: Scope::All,
        ..RequestContext::default()
    };
    let asked = app
        .gql_as(
            as_actor("ann"),
            "mutation($v: ID!) { requestApproval(input: {modelVersionId: $v, targetStage: PRODUCTION}) { id status } }",
            json!({"v": v3}),
        )
        .await;
    let approval = asked["data"]["requestApproval"]["id"].clone();
    assert_eq!(
        asked["data"]["requestApproval"]["status"], "PENDING",
        "{asked:#}"
    );
    let reviewed = app
        .gql_as(
            as_actor("bob"),
            "mutation($a: ID!) { reviewApproval(input: {id: $a, decision: APPROVE, expectedRevision: 1}) { status } }",
            json!({"a": approval}),
        )
        .await;
    assert_eq!(
        reviewed["data"]["reviewApproval"]["status"], "APPROVED",
        "{reviewed:#}"
    );
    let approved = app
        .ok(scoped, json!({"m": detector, "approved": true}))
        .await;
    assert_eq!(ids(&approved), vec![v3.clone()]);
    // An SLO scope: p95 latency of the last 24 hours below 50 ms (v2 is fast, v3 slow).
    let mut points = Vec::new();
    for i in 0..20 {
        points.push(json!({"modelVersionId": v2, "name": "latency_ms", "value": 10.0 + i as f64}));
        points.push(json!({"modelVersionId": v3, "name": "latency_ms", "value": 60.0 + i as f64}));
    }
    app.ok(
        "mutation($p: [MetricPointInput!]!) { recordMetrics(points: $p) }",
        json!({"p": points}),
    )
    .await;
    let fast = app
        .ok(
            "query($m: ID!) { similar(vector: [1, 0, 0], model: \"test/mini-3\", maxP95LatencyMs: 50,
               within: {lineageOf: $m, direction: DOWNSTREAM, depth: 1}) { hits { node { id } } } }",
            json!({"m": detector}),
        )
        .await;
    assert_eq!(ids(&fast), vec![v2.clone()], "{fast:#}");
    // Scope: an outsider finds nothing and sets nothing.
    let outsider = RequestContext {
        scope: Scope::Grants(vec![Grant {
            ns: "other.org".into(),
            role: Role::Editor,
        }]),
        ..RequestContext::default()
    };
    let seen = app
        .gql_as(outsider.clone(), SIMILAR, json!({"v": [1.0, 0.0, 0.0]}))
        .await;
    assert_eq!(seen["data"]["similar"]["hits"], json!([]), "{seen:#}");
    // A lineage scope starts only from a node the caller may read, and one that exists.
    let hidden = app
        .gql_as(outsider.clone(), scoped, json!({"m": detector}))
        .await;
    assert_eq!(
        hidden["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{hidden:#}"
    );
    let gone = app
        .gql(
            scoped,
            json!({"m": mlgraph::core::ids::encode(
                mlgraph::core::ids::NodeType::Model,
                uuid::Uuid::now_v7()
            )
            .to_string()}),
        )
        .await;
    assert_eq!(
        gone["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{gone:#}"
    );
    let set = app
        .gql_as(outsider, SET, json!({"n": detector, "v": [0.0, 1.0, 0.0]}))
        .await;
    assert_eq!(
        set["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{set:#}"
    );
}

#[tokio::test]
async fn similar_nodes_on_postgresql_through_the_hnsw_index() {
    let app = TestApp::new().await;
    nearest_nodes(&app).await;
    let db = app.db();
    let txn = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
    txn.execute_unprepared("SET LOCAL enable_seqscan = off")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let plan = txn
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "EXPLAIN SELECT node_id FROM embeddings e WHERE e.model = 'test/mini-3' AND e.dimension = 3
              ORDER BY e.embedding::vector(3) <=> CAST('[1,0,0]' AS vector(3)) LIMIT 5",
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let text: Vec<String> = plan
        .iter()
        .filter_map(|r| r.try_get::<String>("", "QUERY PLAN").ok())
        .collect();
    assert!(
        text.iter().any(|l| l.contains("ix_embeddings_hnsw_")),
        "the model's HNSW index answers: {text:#?}"
    );
    txn.rollback().await.ok();
}

#[tokio::test]
async fn similar_nodes_on_sqlite_exactly() {
    nearest_nodes(&TestApp::sqlite().await).await;
}

const SEL: &str = "mutation($n: ID!, $v: [Float!]!) { setEmbedding(node: $n, model: \"test/sel-8\", vector: $v) { dimension } }";

/// The `k`-th vector the tests look for: cosine about 0.7 to the query `[1, 0, ...]`,
/// so that about 4 % of the decoys are nearer the query.
fn sought(k: usize) -> Value {
    let v: Vec<f64> = (0..8)
        .map(|i| match i {
            0 | 1 => 1.0,
            _ => 0.01 * ((k * 7 + i * 3) % 11) as f64,
        })
        .collect();
    json!(v)
}

/// 20,000 decoy vectors `[1, r1, ..., r7]` (`r` uniform in [0, 1)) of datasets and 180
/// of models (`[0.5, r1, ...]` with `r` in [0.3, 1): cosine at most 0.54, always farther
/// than the sought ones; with `r` from 0 a decoy model outranked a sought one in about one
/// run in twenty, and, being no node, left the page a hit short), none of them existing
/// nodes, written in bulk (only the index needs them), the model's index built over them
/// as the server builds it, and the table analysed: 1 % of the vectors are models.
async fn decoys(app: &TestApp) {
    app.db()
        .execute_unprepared(
            "INSERT INTO embeddings (node_id, model, node_type, ns, dimension, embedding)
             SELECT gen_random_uuid(), 'test/sel-8', CASE WHEN i <= 180 THEN 'Model' ELSE 'Dataset' END,
                    'default', 8,
                    CAST('[' || CASE WHEN i <= 180 THEN '0.5' ELSE '1' END || ','
                      || array_to_string(ARRAY(SELECT round(CASE WHEN i <= 180
                              THEN 0.3 + 0.7 * random() ELSE random() END::numeric, 4)
                           FROM generate_series(1, 7) WHERE i > 0), ',') || ']' AS vector)
               FROM generate_series(1, 20000) i",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    mlgraph::search::vectors::ensure_index(app.db(), app.state.limits.hnsw, "test/sel-8", 8)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    app.db()
        .execute_unprepared("ANALYZE embeddings")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A 1 %-selective filter (200 models among 20,020 vectors) still fills the page on
/// PostgreSQL: the HNSW scan goes on past `ef_search` candidates (iterative scans) and
/// finds the 20 nearest models. The same query with iterative scans off
/// (`max_scan_tuples` 0) sees only the `ef_search` nearest vectors, all datasets, comes back short
/// and says it may be partial; a small bound is partial exactly when it leaves the page short.
#[tokio::test]
async fn a_selective_filter_still_fills_the_page() {
    let app = TestApp::new().await;
    decoys(&app).await;
    let mut models = Vec::new();
    for k in 0..20 {
        let m = crate::harness::create_model(&app, "default", &format!("rare-{k}")).await;
        app.ok(SEL, json!({"n": m, "v": sought(k)})).await;
        models.push(m);
    }
    assert_eq!(app.count("embeddings").await, 20_020);
    let q = "query { similar(vector: [1, 0, 0, 0, 0, 0, 0, 0], model: \"test/sel-8\", types: [MODEL], first: 20) {
               hits { node { id } } isPartial } }";
    let found = |v: &Value| -> Vec<String> {
        let mut ids: Vec<String> = v["similar"]["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h["node"]["id"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    let mut all = models.clone();
    all.sort();
    // A candidate list of 40, so that the planner picks the index at this size (a larger
    // one makes it rank the 200 models exactly, which hides what the scan does).
    let ef40 = |max_scan_tuples: u32| {
        app.with_limits(|l| {
            l.hnsw.ef_search = 40;
            l.hnsw.max_scan_tuples = max_scan_tuples;
        })
    };
    // A bound past every vector: the iterative scan may visit all 20,020 if it must.
    let full = ef40(100_000).ok(q, json!({})).await;
    // The page is full, of models; HNSW is approximate (its graph is built at random),
    // so nearly all of them, not always all, are the 20 sought ones.
    assert_eq!(found(&full).len(), 20, "{full:#}");
    let sought_found = found(&full).iter().filter(|id| all.contains(id)).count();
    assert!(sought_found >= 18, "recall {sought_found}/20: {full:#}");
    assert_eq!(full["similar"]["isPartial"], false, "{full:#}");

    let off = ef40(0);
    let short = off.ok(q, json!({})).await;
    assert!(found(&short).len() < 20, "{short:#}");
    assert_eq!(short["similar"]["isPartial"], true, "{short:#}");
    // A small bound ends the iterative scan early, but pgvector then still returns the
    // candidates it had seen and set aside, which depend on the (randomly built) graph:
    // the page may or may not fill. What holds either way: only models, and partial
    // exactly when the page is short (20,020 vectors lie beyond a bound of 100).
    let bounded = ef40(100);
    let cut = bounded.ok(q, json!({})).await;
    let cut_ids = found(&cut);
    assert!(cut_ids.iter().all(|id| all.contains(id)), "{cut:#}");
    assert_eq!(
        cut["similar"]["isPartial"],
        cut_ids.len() < 20,
        "partial exactly when short: {cut:#}"
    );

    // A lineage scope is ranked exactly: all five versions of a model, though every
    // decoy is nearer and the index could not see past them.
    let model = crate::harness::create_model(&app, "default", "scoped").await;
    let mut versions = Vec::new();
    for k in 0..5 {
        let v = crate::harness::create_version(&app, &model).await;
        app.ok(SEL, json!({"n": v, "v": sought(k)})).await;
        versions.push(v);
    }
    versions.sort();
    let scoped = format!(
        "query {{ similar(vector: [1, 0, 0, 0, 0, 0, 0, 0], model: \"test/sel-8\", first: 10,
                  within: {{lineageOf: \"{model}\", direction: DOWNSTREAM, depth: 1}}) {{
                  hits {{ node {{ id }} similarity }} isPartial }} }}"
    );
    let exact = off.ok(&scoped, json!({})).await;
    assert_eq!(found(&exact), versions, "{exact:#}");
    assert_eq!(exact["similar"]["isPartial"], false, "{exact:#}");
    let sims: Vec<f64> = exact["similar"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["similarity"].as_f64())
        .collect();
    assert!(
        sims.windows(2).all(|w| w[0] >= w[1]),
        "most similar first: {sims:?}"
    );
}

/// A deleted node takes its embeddings with it, and those of the rows deleted with it (a
/// model's versions): `similar` no longer ranks them, and its page fills with live nodes
/// instead of coming back short.
async fn deleted_nodes_leave_no_vectors(app: &TestApp) {
    let kept = crate::harness::create_model(app, "default", "kept").await;
    let gone = crate::harness::create_model(app, "default", "gone").await;
    let version = crate::harness::create_version(app, &gone).await;
    // The nodes to be deleted are the nearest to the query.
    let v = |x: f64, y: f64| json!([x, y, 0, 0, 0, 0, 0, 0]);
    app.ok(SEL, json!({"n": kept, "v": v(0.5, 1.0)})).await;
    app.ok(SEL, json!({"n": gone, "v": v(1.0, 0.0)})).await;
    app.ok(SEL, json!({"n": version, "v": v(1.0, 0.1)})).await;
    let q = "query { similar(vector: [1, 0, 0, 0, 0, 0, 0, 0], model: \"test/sel-8\", first: 2) {
               hits { node { id } } isPartial } }";
    let ids = |v: &Value| -> Vec<String> {
        v["similar"]["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h["node"]["id"].as_str().map(str::to_owned))
            .collect()
    };
    let before = app.ok(q, json!({})).await;
    assert_eq!(ids(&before), [gone.clone(), version.clone()], "{before:#}");
    assert_eq!(app.count("embeddings").await, 3);

    app.ok(
        "mutation($id: ID!) { deleteModel(id: $id) }",
        json!({"id": gone}),
    )
    .await;
    assert_eq!(
        app.count("embeddings").await,
        1,
        "the model's and its version's go"
    );
    let after = app.ok(q, json!({})).await;
    assert_eq!(ids(&after), [kept], "{after:#}");
    assert_eq!(after["similar"]["isPartial"], false, "{after:#}");
}

#[tokio::test]
async fn a_deleted_node_takes_its_embeddings_with_it() {
    deleted_nodes_leave_no_vectors(&TestApp::new().await).await;
}

#[tokio::test]
async fn a_deleted_node_takes_its_embeddings_with_it_on_sqlite() {
    deleted_nodes_leave_no_vectors(&TestApp::sqlite().await).await;
}

/// Embeddings an earlier version left behind on deleted nodes are removed when the upgrade
/// applies its migrations; those of live nodes stay.
#[tokio::test]
async fn migrating_removes_embeddings_left_on_deleted_nodes() {
    let app = TestApp::new().await;
    let model = crate::harness::create_model(&app, "default", "m").await;
    let version = crate::harness::create_version(&app, &model).await;
    let v = json!([1, 0, 0, 0, 0, 0, 0, 0]);
    app.ok(SEL, json!({"n": model, "v": v})).await;
    app.ok(SEL, json!({"n": version, "v": v})).await;
    // What an earlier version left: the version deleted, its vector not.
    app.db()
        .execute_unprepared("DELETE FROM model_versions")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(app.count("embeddings").await, 2);
    app.upgrade_again().await;
    assert_eq!(app.count("embeddings").await, 1);
    let q = "query { similar(vector: [1, 0, 0, 0, 0, 0, 0, 0], model: \"test/sel-8\", first: 5) {
               hits { node { id } } } }";
    let data = app.ok(q, json!({})).await;
    assert_eq!(data["similar"]["hits"][0]["node"]["id"], model, "{data:#}");
    assert_eq!(
        data["similar"]["hits"].as_array().map(Vec::len),
        Some(1),
        "{data:#}"
    );
}

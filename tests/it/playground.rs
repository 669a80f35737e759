//! The playground works with no network: GraphiQL and React come from the binary. A real
//! browser (Debian's Chromium, driven by playwright-core) opens `/` with every request
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

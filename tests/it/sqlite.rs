//! The embedded default: SQLite, migrated on start, with the demo registry.

use mlgraph::AppState;
use mlgraph::core::context::RequestContext;

#[tokio::test]
async fn embedded_sqlite_serves_the_demo_registry_with_nested_queries() {
    let dir = crate::harness::temp_dir("sqlite");
    let (conn, statements) = crate::harness::sqlite_db(&dir).await;
    let summary = mlgraph::demo::seed(&conn)
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    assert!(summary.starts_with("seeded"), "{summary}");
    let again = mlgraph::demo::seed(&conn)
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    assert!(
        again.contains("already present"),
        "seeding twice must not duplicate"
    );

    let state = AppState::new(conn, statements.clone());
    let schema = mlgraph::build_schema(state.clone());
    let rc = RequestContext::default();
    let req = async_graphql::Request::new(
        r#"{
          workflows(first: 5, filter: {name: {eq: "fraud-pipeline"}}) { edges { node { name
            datasets(first: 5) { totalCount edges { node { name
              versions(first: 5) { edges { node { version
                trainingJobs(first: 5) { edges { node { name status
                  producedVersions(first: 5) { edges { node { version
                    deployments(first: 5) { edges { node { trafficPercent endpoint { name environment } } } }
                  } } }
                } } }
              } } }
            } } }
            models(filter: {name: {eq: "fraud-detector"}}) { edges { node {
              versions(first: 1) { edges { node { version stage } } }
            } } }
          } } }
          predictionStats(groupBy: ENDPOINT) { count endpoint { name } }
        }"#,
    );
    let before = statements.get();
    let resp = mlgraph::schema::execute(&schema, req, &state, rc).await;
    assert!(resp.errors.is_empty(), "{:?}", resp.errors);
    let data = resp.data.into_json().unwrap_or_default();
    let wf = &data["workflows"]["edges"][0]["node"];
    assert_eq!(wf["name"], "fraud-pipeline");
    assert_eq!(wf["datasets"]["totalCount"], 3);
    assert_eq!(
        wf["models"]["edges"][0]["node"]["versions"]["edges"][0]["node"]["stage"],
        "PRODUCTION"
    );
    let total: i64 = data["predictionStats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["count"].as_i64())
        .sum();
    assert_eq!(total, 3000);
    // Batched on SQLite too: one statement per level (workflows, datasets, versions,
    // jobs, produced versions, deployments, endpoints, models, model versions, stats,
    // stat endpoints).
    assert!(
        statements.get() - before <= 11,
        "used {}",
        statements.get() - before
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The embedded default has the whole artifact feature: the demo's model and dataset
/// versions get files in the local directory store, verified, and their presigned
/// download URLs (served by mlgraph itself) hand out the bytes.
#[tokio::test]
async fn embedded_sqlite_demo_has_artifacts_in_the_local_store() {
    use mlgraph::artifacts::service::{ArtifactSettings, Artifacts};
    use mlgraph::artifacts::store::{LocalStore, ObjectStore};
    let dir = crate::harness::temp_dir("sqlite");
    let (conn, statements) = crate::harness::sqlite_db(&dir).await;
    mlgraph::demo::seed(&conn)
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let arts = Artifacts {
        store: ObjectStore::Local(LocalStore::new(
            dir.join("artifacts"),
            b"demo key".to_vec(),
            format!("http://{addr}"),
        )),
        settings: ArtifactSettings::default(),
        clock: mlgraph::core::clock::Clock::system(),
    };
    let seeded = mlgraph::demo::seed_artifacts(&conn, &arts)
        .await
        .unwrap_or_else(|e| panic!("seed artifacts: {e:?}"));
    assert_eq!(
        seeded,
        4 + 7 + 1 + 1,
        "every model version and dataset version (the OpenLineage run's output included), \
         and the uploaded file"
    );
    assert_eq!(
        mlgraph::demo::seed_artifacts(&conn, &arts)
            .await
            .unwrap_or_else(|e| panic!("{e:?}")),
        0,
        "once"
    );
    let mut state = AppState::new(conn, statements);
    state.artifacts = Some(std::sync::Arc::new(arts));
    let app = mlgraph::app(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    let schema = mlgraph::build_schema(state.clone());
    let req = async_graphql::Request::new(
        r#"{ artifacts(first: 50, filter: {status: {eq: VERIFIED}}) { totalCount
              nodes { path sizeBytes sha256 downloadUrl owner { __typename } } } }"#,
    );
    let resp = mlgraph::schema::execute(&schema, req, &state, RequestContext::default()).await;
    assert!(resp.errors.is_empty(), "{:?}", resp.errors);
    let data = resp.data.into_json().unwrap_or_default();
    assert_eq!(data["artifacts"]["totalCount"], 13);
    // The uploaded file, validated by the worker as on PostgreSQL: a VALIDATED version,
    // its Parquet file an artifact too.
    let Some(arts) = state.artifacts.clone() else {
        panic!("the store")
    };
    while mlgraph::prep::uploads::run_once(&state.db, &arts, "sqlite")
        .await
        .unwrap_or_else(|e| panic!("validate: {e:?}"))
    {}
    let resp = mlgraph::schema::execute(
        &schema,
        async_graphql::Request::new(
            "{ datasetVersions(filter: {uploadStatus: {eq: VALIDATED}}) { nodes { numRows processedFile { path } } } }",
        ),
        &state,
        RequestContext::default(),
    )
    .await;
    assert!(resp.errors.is_empty(), "{:?}", resp.errors);
    assert_eq!(
        resp.data.into_json().unwrap_or_default()["datasetVersions"]["nodes"],
        serde_json::json!([{"numRows": 120, "processedFile": {"path": "processed/chargebacks-2026-11.parquet"}}])
    );
    let csv = data["artifacts"]["nodes"]
        .as_array()
        .and_then(|a| a.iter().find(|n| n["path"] == "data.csv"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(csv["owner"]["__typename"], "DatasetVersion");
    let body = reqwest::get(csv["downloadUrl"].as_str().unwrap_or_default())
        .await
        .unwrap_or_else(|e| panic!("download: {e}"))
        .bytes()
        .await
        .unwrap_or_default();
    assert_eq!(Some(body.len() as i64), csv["sizeBytes"].as_i64());
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&body)),
        csv["sha256"].as_str().unwrap_or_default()
    );
    std::fs::remove_dir_all(&dir).ok();
}

//! The embedded default: SQLite, migrated on start, with the demo registry.

use mlgraph::AppState;
use mlgraph::core::context::RequestContext;
use mlgraph::db::{self, DbOptions};

#[tokio::test]
async fn embedded_sqlite_serves_the_demo_registry_with_nested_queries() {
    let dir =
        std::env::temp_dir().join(format!("mlgraph-sqlite-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}?mode=rwc", dir.join("mlgraph.db").display());
    let (conn, statements) = db::connect(&url, &DbOptions::default())
        .await
        .unwrap_or_else(|e| panic!("open sqlite: {e}"));
    db::migrate(&conn)
        .await
        .unwrap_or_else(|e| panic!("migrate: {e}"));
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
          workflows(first: 5) { edges { node { name
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
    let req = mlgraph::schema::prepare(req, &state, rc);
    let before = statements.get();
    let resp = schema.execute(req).await;
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

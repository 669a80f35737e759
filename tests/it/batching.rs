//! Nested relations are batched: one SQL statement per level, whatever the fan-out, and
//! nested connections are paged per parent in SQL.

use serde_json::{Value, json};

use crate::harness::{TestApp, create_endpoint, create_model, create_version, deploy};

/// 20 models × 10 versions; every version deployed to one of two endpoints.
async fn fixture(app: &TestApp) {
    let prod = create_endpoint(app, "acme.com", "prod", "PRODUCTION").await;
    let staging = create_endpoint(app, "acme.com", "staging", "STAGING").await;
    for m in 0..20 {
        let model = create_model(app, "acme.com", &format!("model-{m:02}")).await;
        for v in 0..10 {
            let version = create_version(app, &model).await;
            let endpoint = if v % 2 == 0 { &prod } else { &staging };
            deploy(app, &version, endpoint, 50).await;
        }
    }
}

const THREE_LEVELS: &str = "{
  models(first: 20, orderBy: [{field: NAME}]) {
    edges { node { name
      versions(first: 10) { totalCount edges { node { version
        deployments { edges { node { trafficPercent endpoint { name environment } } } }
      } } }
    } }
  }
}";

#[tokio::test]
async fn a_three_level_query_costs_one_statement_per_level() {
    let planned = TestApp::new().await;
    fixture(&planned).await;
    // The DataLoader path (the planner, on by default, would make it one statement).
    let app = planned.with_limits(|l| l.planner = false);

    let before = app.statements().get();
    let data = app.ok(THREE_LEVELS, json!({})).await;
    let used = app.statements().get() - before;

    let models = data["models"]["edges"].as_array().map(Vec::len);
    assert_eq!(models, Some(20));
    let first = &data["models"]["edges"][0]["node"];
    assert_eq!(first["name"], "model-00");
    assert_eq!(first["versions"]["totalCount"], 10);
    assert_eq!(
        first["versions"]["edges"].as_array().map(Vec::len),
        Some(10)
    );
    let dep = &first["versions"]["edges"][0]["node"]["deployments"]["edges"][0]["node"];
    assert!(dep["endpoint"]["name"].is_string());
    // models, versions, deployments, endpoints: four levels, four statements.
    assert_eq!(used, 4, "statements for a 3-level nested query");

    // Planned: the whole tree in one statement, the same answer.
    let before = planned.statements().get();
    assert_eq!(planned.ok(THREE_LEVELS, json!({})).await, data);
    assert_eq!(
        planned.statements().get() - before,
        1,
        "statements when planned"
    );
}

#[tokio::test]
async fn nested_pages_are_cut_per_parent_in_sql() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let q = "query($after: String) { models(first: 3, orderBy: [{field: NAME}]) { edges { node {
        versions(first: 4, after: $after, orderBy: [{field: VERSION}]) {
          totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
          edges { node { version } } } } } } }";
    let data = app.ok(q, json!({"after": null})).await;
    for edge in data["models"]["edges"].as_array().into_iter().flatten() {
        let versions = &edge["node"]["versions"];
        let numbers: Vec<i64> = versions["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["node"]["version"].as_i64())
            .collect();
        assert_eq!(numbers, vec![1, 2, 3, 4]);
        assert_eq!(versions["pageInfo"]["hasNextPage"], true);
        assert_eq!(versions["pageInfo"]["hasPreviousPage"], false);
        assert_eq!(versions["totalCount"], 10);
    }
    let cursor = data["models"]["edges"][0]["node"]["versions"]["pageInfo"]["endCursor"].clone();
    let next = app.ok(q, json!({"after": cursor})).await;
    let numbers: Vec<i64> = next["models"]["edges"][0]["node"]["versions"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["version"].as_i64())
        .collect();
    assert_eq!(numbers, vec![5, 6, 7, 8]);

    // `last` without a cursor takes each parent's tail.
    let tail = app
        .ok(
            "{ models(first: 2) { edges { node { versions(last: 3, orderBy: [{field: VERSION}]) {
                pageInfo { hasPreviousPage hasNextPage } edges { node { version } } } } } } }",
            json!({}),
        )
        .await;
    let versions = &tail["models"]["edges"][1]["node"]["versions"];
    let numbers: Vec<i64> = versions["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["version"].as_i64())
        .collect();
    assert_eq!(numbers, vec![8, 9, 10]);
    assert_eq!(versions["pageInfo"]["hasPreviousPage"], true);
}

#[tokio::test]
async fn nodes_are_batched_per_type() {
    let app = TestApp::new().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(create_model(&app, "acme.com", &format!("m{i}")).await);
    }
    let before = app.statements().get();
    let data = app
        .ok(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Model { name } } }",
            json!({"ids": ids}),
        )
        .await;
    assert_eq!(app.statements().get() - before, 1);
    assert_eq!(data["nodes"][3]["name"], "m3");
    assert_eq!(data["nodes"][3]["id"], ids[3].as_str());
}

/// Many concurrent requests on a busy two-thread runtime: each level of each request is
/// still one statement (fetches start only once a request has registered every key of
/// the level, not when a timer fires).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_stay_whole_under_concurrent_load() {
    let base = TestApp::new().await;
    fixture(&base).await;
    // The DataLoader path: the planner would answer each request in one statement.
    let app = std::sync::Arc::new(base.with_limits(|l| l.planner = false));
    // Other work on the same runtime, as on a loaded server: a request that yields to
    // itself (a long list does) is polled again only after several milliseconds.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let burners: Vec<_> = (0..8)
        .map(|_| {
            let stop = stop.clone();
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let until = std::time::Instant::now() + std::time::Duration::from_millis(3);
                    while std::time::Instant::now() < until {
                        std::hint::spin_loop();
                    }
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    let before = app.statements().get();
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..3 {
                app.ok(THREE_LEVELS, json!({})).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap_or_else(|e| panic!("{e}"));
    }
    let used = app.statements().get() - before;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for b in burners {
        b.await.ok();
    }
    // models, versions, deployments, endpoints: four levels, 96 requests.
    assert_eq!(used, 96 * 4);
}

/// Rows of `table` (or of its month partitions) the plan read (the sum of "Actual Rows"
/// × loops over its scans).
fn rows_read(plan: &Value, table: &str) -> f64 {
    let mut total = 0.0;
    let name = plan["Relation Name"].as_str().unwrap_or_default();
    if name == table
        || name
            .strip_prefix(table)
            .is_some_and(|rest| rest.starts_with('_'))
    {
        total += plan["Actual Rows"].as_f64().unwrap_or(0.0)
            * plan["Actual Loops"].as_f64().unwrap_or(1.0);
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        total += rows_read(child, table);
    }
    total
}

/// Rows of `table` that running `q` reads, from `EXPLAIN (ANALYZE, FORMAT JSON)` (see
/// [`rows_read`]).
pub(crate) async fn explained_rows_read(
    app: &TestApp,
    q: &sea_orm::sea_query::SelectStatement,
    table: &str,
) -> f64 {
    use sea_orm::ConnectionTrait;
    let mut stmt = app.db().get_database_backend().build(q);
    stmt.sql = format!("EXPLAIN (ANALYZE, FORMAT JSON) {}", stmt.sql);
    let row = app
        .db()
        .query_one_raw(stmt)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no plan"));
    let plan: Value = row
        .try_get_by_index(0)
        .unwrap_or_else(|e| panic!("plan: {e}"));
    rows_read(&plan[0]["Plan"], table)
}

/// A nested page reads the page, not the parent's children: with 10,000 predictions on
/// one endpoint, the statement `endpoint { predictions(first: 5) }` sends reads a handful
/// of predictions (an index range scan stopped after the page), and counting happens
/// only when `totalCount` is selected.
#[tokio::test]
async fn a_nested_page_reads_the_page_not_every_child() {
    use mlgraph::core::loader::ChildRelation;
    use mlgraph::core::paging::Window;
    use mlgraph::core::store::{ChildQuery, ListSpec, children_lateral_query};
    use mlgraph::relations::EndpointPredictions;
    use sea_orm::ConnectionTrait;

    let app = TestApp::new().await;
    let endpoint = create_endpoint(&app, "acme.com", "busy", "PRODUCTION").await;
    let other = create_endpoint(&app, "acme.com", "quiet", "STAGING").await;
    let uuid = |id: &str| {
        mlgraph::core::ids::decode(id)
            .map(|(_, u)| u)
            .unwrap_or_default()
    };
    app.db()
        .execute_unprepared(&format!(
            "INSERT INTO predictions (id, ns, endpoint_id, input, status, created_at, updated_at)
             SELECT gen_random_uuid(), 'acme.com', '{}', '{{}}', 'COMPLETED', now() - i * interval '1 second', now()
             FROM generate_series(1, 10000) i;
             ANALYZE predictions",
            uuid(&endpoint)
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let explain = |want_total: bool, rollup: bool| {
        let app = &app;
        let parents = [uuid(&endpoint), uuid(&other)];
        async move {
            let spec = ListSpec::new(
                sea_orm::Condition::all(),
                mlgraph::serving::PredictionOrder::keys(None),
            );
            let query = ChildQuery {
                link: EndpointPredictions::parent_link(),
                spec: &spec,
                window: Window::Forward { start: 0, limit: 5 },
                want_total,
                rollup: rollup.then(EndpointPredictions::count_rollup).flatten(),
            };
            let q = children_lateral_query::<entity::prediction::Entity>(
                &mlgraph::core::context::RequestContext::default(),
                &parents,
                &query,
            );
            explained_rows_read(app, &q, "predictions").await
        }
    };
    let read = explain(false, false).await;
    assert!(read <= 20.0, "a page of 5 read {read} predictions");
    // Counting reads the children (an index-only count), but only when asked...
    assert!(explain(true, false).await >= 10_000.0);
    // ... and not at all when the rollups count them.
    let read = explain(true, true).await;
    assert!(
        read <= 20.0,
        "a counted page from the rollups read {read} predictions"
    );

    // And the page itself, through the API, with and without the count.
    let q = "query($id: ID!) { endpoint(id: $id) { predictions(first: 5) { totalCount edges { node { id } } pageInfo { hasNextPage } } } }";
    let d = app.ok(q, json!({"id": endpoint})).await;
    assert_eq!(d["endpoint"]["predictions"]["totalCount"], 10_000);
    assert_eq!(
        d["endpoint"]["predictions"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert_eq!(
        d["endpoint"]["predictions"]["pageInfo"]["hasNextPage"],
        true
    );

    // The rollups' count is the scan's, for every endpoint, after changes too: a filter
    // that matches everything forces the counted scan.
    let counts = |filtered: bool| {
        let app = &app;
        async move {
            let f = if filtered {
                "(filter: {or: [{latencyMs: {isNull: true}}, {latencyMs: {isNull: false}}]})"
            } else {
                ""
            };
            let q = format!(
                "{{ endpoints(first: 10, orderBy: [{{field: NAME}}]) {{ edges {{ node {{ name predictions{f} {{ totalCount }} }} }} }} }}"
            );
            app.ok(&q, json!({})).await["endpoints"]["edges"].clone()
        }
    };
    let fast = counts(false).await;
    assert_eq!(fast, counts(true).await);
    assert_eq!(
        fast[0]["node"]["predictions"]["totalCount"], 10_000,
        "{fast}"
    );
    app.db()
        .execute_unprepared(&format!(
            "DELETE FROM predictions WHERE ctid IN (SELECT ctid FROM predictions WHERE endpoint_id = '{}' LIMIT 7)",
            uuid(&endpoint)
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let fast = counts(false).await;
    assert_eq!(fast, counts(true).await);
    assert_eq!(fast[0]["node"]["predictions"]["totalCount"], 9_993);
}

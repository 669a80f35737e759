//! The HTTP surface: GraphQL over POST and GET, GraphiQL, health, limits, request ids.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::harness::TestApp;

async fn send(app: &TestApp, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    call(&mlgraph::app(app.state.clone()), req).await
}

/// One request through `router` (a server's one router: its rate-limit buckets persist).
async fn call(
    router: &axum::Router,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = router
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get(path: &str) -> Request<Body> {
    Request::get(path)
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn post(body: &str) -> Request<Body> {
    Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn graphql_over_post_and_get_with_request_ids() {
    let app = TestApp::new().await;
    let (status, headers, body) = send(
        &app,
        post(r#"{"query":"mutation { createModel(input: {ns: \"acme.com\", name: \"m\"}) { name } }"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#""name":"m""#), "{body}");
    assert!(headers.contains_key("x-request-id"));

    let get = Request::get("/graphql?query=%7Bmodels%7BtotalCount%7D%7D")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, headers, body) = send(&app, get).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#""totalCount":1"#), "{body}");
    assert_eq!(
        headers.get("x-request-id").and_then(|v| v.to_str().ok()),
        Some("abc-123")
    );

    // Mutations are refused over GET and change nothing.
    let get_mutation = Request::get("/graphql?query=mutation%7BcreateModel(input:%7Bns:%22acme.com%22,name:%22x%22%7D)%7Bid%7D%7D")
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, _, body) = send(&app, get_mutation).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body.contains("BAD_USER_INPUT"), "{body}");
    assert_eq!(app.count("models").await, 1);
}

#[tokio::test]
async fn playground_health_and_body_limit() {
    let app = TestApp::new().await;
    let (status, _, body) = send(&app, get("/graphiql")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("graphiql"), "GraphiQL page expected");
    let (status, _, body) = send(&app, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("/assets/console.js"),
        "the console at /: {body}"
    );
    let (status, _, _) = send(&app, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = send(&app, get("/readyz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ready");

    let huge = format!(
        r#"{{"query":"{{ models {{ totalCount }} }}","x":"{}"}}"#,
        "a".repeat(5 * 1024 * 1024)
    );
    let mut req = post(&huge);
    req.headers_mut()
        .insert("content-length", huge.len().into());
    let (status, _, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("\"BAD_USER_INPUT\""), "{body}");
    // Streamed without a length, it is cut off at the cap too, in the GraphQL error shape.
    let (status, _, body) = send(&app, post(&huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
}

/// CSRF: a POST a browser may send cross-site without a preflight (text/plain, a form,
/// no content type) is refused before it runs, unless it carries a custom header.
#[tokio::test]
async fn simple_cross_site_posts_are_refused_before_they_run() {
    let app = TestApp::new().await;
    let mutation = r#"{"query":"mutation { createModel(input: {ns: \"acme.com\", name: \"csrf\"}) { name } }"}"#;
    for content_type in [
        Some("text/plain"),
        Some("text/plain; charset=utf-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut req = Request::post("/graphql");
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        let req = req
            .body(Body::from(mutation.to_owned()))
            .unwrap_or_else(|e| panic!("{e}"));
        let (status, _, body) = send(&app, req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type:?}: {body}");
        assert!(body.contains("BAD_USER_INPUT"), "{body}");
    }
    assert_eq!(app.count("models").await, 0, "nothing ran");
    // JSON (which needs a preflight cross-site) runs.
    let (status, _, body) = send(&app, post(mutation)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.count("models").await, 1);
}

/// A database that cannot be reached is `UNAVAILABLE` with HTTP 503 and `Retry-After`
/// (a client should retry), never `INTERNAL`; `/healthz` still answers.
#[tokio::test]
async fn an_unreachable_database_is_unavailable_not_internal() {
    let unreachable = sea_orm::Database::connect(
        sea_orm::ConnectOptions::new("postgres://postgres@127.0.0.1:1/none")
            .connect_lazy(true)
            .acquire_timeout(std::time::Duration::from_millis(300))
            .to_owned(),
    )
    .await
    .unwrap_or_else(|e| panic!("lazy pool: {e}"));
    let state = mlgraph::AppState::new(unreachable, mlgraph::db::StatementCounter::default());
    let app = mlgraph::app(state);
    let (status, headers, body) = call(
        &app,
        post(
            r#"{"query":"mutation { createModel(input: {ns: \"acme.com\", name: \"m\"}) { name } }"}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(headers.get("retry-after").is_some());
    assert!(body.contains("\"UNAVAILABLE\""), "{body}");
    let (status, _, _) = call(&app, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
}

/// The `graphql-http` package's audit of the GraphQL-over-HTTP specification, run by Node
/// against the real server: every MUST and every SHOULD passes.
#[tokio::test]
async fn the_graphql_over_http_audit_passes() {
    let app = TestApp::new().await;
    let addr = app.serve().await;
    let dir = std::path::PathBuf::from(std::env::var("MLGRAPH_TEST_BROWSER_DIR").unwrap_or_else(
        |_| panic!("MLGRAPH_TEST_BROWSER_DIR is not set: run the suite with ./scripts/test.sh"),
    ));
    // ESM resolves `graphql-http` next to the script.
    let script = dir.join("graphql-http-audit.mjs");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/browser/graphql-http-audit.mjs"
        ),
        &script,
    )
    .unwrap_or_else(|e| panic!("copy the audit script: {e}"));
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .arg(format!("http://{addr}/graphql"))
        .output()
        .await
        .unwrap_or_else(|e| panic!("run node: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "audit failed to run: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no audit report: {stdout}"));
    let level = |r: &serde_json::Value| {
        r["name"]
            .as_str()
            .and_then(|n| n.split(' ').next())
            .unwrap_or_default()
            .to_owned()
    };
    let failing: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| matches!(level(r).as_str(), "MUST" | "SHOULD") && r["status"] != "ok")
        .collect();
    assert!(failing.is_empty(), "failing audits: {failing:#?}");
    let musts = results.iter().filter(|r| level(r) == "MUST").count();
    let shoulds = results.iter().filter(|r| level(r) == "SHOULD").count();
    assert!(
        musts >= 10 && shoulds >= 20,
        "{musts} MUSTs, {shoulds} SHOULDs audited"
    );
}

/// An exhausted pool answers fast: a request that cannot get a connection within
/// `acquire_timeout` is `UNAVAILABLE` (503), `/healthz` keeps answering, and requests are
/// served again once a connection is free.
#[tokio::test]
async fn an_exhausted_pool_answers_fast_with_unavailable() {
    use sea_orm::TransactionTrait;
    let owner = TestApp::new().await;
    let (db, statements) = mlgraph::db::connect(
        &owner.url,
        &mlgraph::db::DbOptions {
            max_connections: 1,
            acquire_timeout: std::time::Duration::from_millis(300),
            ..mlgraph::db::DbOptions::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("connect: {e}"));
    let app = mlgraph::app(mlgraph::AppState::new(db.clone(), statements));
    let query = || post(r#"{"query":"{ models { totalCount } }"}"#);
    // The only connection is taken.
    let held = db.begin().await.unwrap_or_else(|e| panic!("begin: {e}"));
    let started = std::time::Instant::now();
    let (status, _, body) = call(&app, query()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("\"UNAVAILABLE\""), "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "refused after {:?}",
        started.elapsed()
    );
    let (status, _, _) = call(&app, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    held.rollback()
        .await
        .unwrap_or_else(|e| panic!("rollback: {e}"));
    let (status, _, body) = call(&app, query()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// With `--rate-limit`, each caller has a token bucket (a burst of twice the rate): past
/// it, `RATE_LIMITED` with 429 and `Retry-After`, before any SQL; other callers are not
/// affected. Off by default.
#[tokio::test]
async fn callers_past_their_rate_get_rate_limited() {
    let app = TestApp::new().await;
    let limited = app.with_limits(|l| l.rate_limit_per_second = 1);
    let as_actor = |actor: &str| {
        Request::post("/graphql")
            .header("content-type", "application/json")
            .header("x-actor", actor)
            .body(Body::from(r#"{"query":"{ models { totalCount } }"}"#))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    // One router, as a server has: the buckets live in it.
    let router = mlgraph::app(limited.state.clone());
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(call(&router, as_actor("alice")).await.0);
    }
    // A burst of 2, one more per second: however slow this machine, 6 requests in a
    // row leave most refused.
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!((2..=3).contains(&ok), "{statuses:?}");
    assert_eq!(statuses[..2], [StatusCode::OK, StatusCode::OK], "the burst");
    let before = limited.statements().get();
    let (status, headers, body) = call(&router, as_actor("alice")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.contains("\"RATE_LIMITED\""), "{body}");
    assert!(headers.get("retry-after").is_some());
    assert_eq!(limited.statements().get(), before, "refused before any SQL");
    assert_eq!(call(&router, as_actor("bob")).await.0, StatusCode::OK);
    // Off by default.
    let unlimited = mlgraph::app(app.state.clone());
    for _ in 0..10 {
        assert_eq!(call(&unlimited, as_actor("alice")).await.0, StatusCode::OK);
    }
}

/// A request past `--request-timeout-ms` is abandoned with `TIMEOUT` (503) and keeps
/// nothing: a mutation stuck behind another transaction's row lock writes no row and no
/// event once the lock goes.
#[tokio::test]
async fn requests_past_the_deadline_are_abandoned_and_keep_nothing() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = TestApp::new().await;
    let model = crate::harness::create_model(&app, "acme.com", "locked").await;
    let quick = app.with_limits(|l| l.request_timeout = std::time::Duration::from_millis(300));
    let router = mlgraph::app(quick.state.clone());
    let held = app
        .db()
        .begin()
        .await
        .unwrap_or_else(|e| panic!("begin: {e}"));
    held.execute_unprepared("SELECT id FROM models FOR UPDATE")
        .await
        .unwrap_or_else(|e| panic!("lock: {e}"));
    let events = app.count("events").await;
    let body =
        format!(r#"{{"query":"mutation {{ deprecateModel(id: \"{model}\") {{ status }} }}"}}"#);
    let started = std::time::Instant::now();
    let (status, headers, text) = call(&router, post(&body)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert!(text.contains("\"TIMEOUT\""), "{text}");
    assert!(headers.get("retry-after").is_some());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    held.rollback()
        .await
        .unwrap_or_else(|e| panic!("rollback: {e}"));
    // The abandoned change did not land once the lock was released.
    let data = app
        .ok(
            "query($id: ID!) { model(id: $id) { status } }",
            serde_json::json!({"id": model}),
        )
        .await;
    assert_eq!(data["model"]["status"], "ACTIVE");
    assert_eq!(app.count("events").await, events);
}

/// `/metrics` explains latency: after a mixed workload it has per-operation RED metrics
/// (requests by outcome, errors by code, a duration histogram), SQL statement durations
/// by kind, pool gauges and lineage traversal histograms, in Prometheus text format.
#[tokio::test]
async fn metrics_describe_a_mixed_workload() {
    let app = TestApp::new().await;
    let model = crate::harness::create_model(&app, "acme.com", "metered").await;
    let router = mlgraph::app(app.state.clone());
    let op = format!("Probe{}", uuid::Uuid::now_v7().simple());
    for _ in 0..3 {
        let body = format!(
            r#"{{"query":"query {op} {{ models {{ totalCount }} }}","operationName":"{op}"}}"#
        );
        assert_eq!(call(&router, post(&body)).await.0, StatusCode::OK);
    }
    let missing = format!(
        r#"{{"query":"query {op} {{ model(id: \"TW9kZWw6MDAwMDAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw\") {{ id }} }}"}}"#
    );
    call(&router, post(&missing)).await;
    let lineage = format!(
        r#"{{"query":"query {op}L {{ lineage(of: \"{model}\", direction: BOTH) {{ totalCount }} }}"}}"#
    );
    assert_eq!(call(&router, post(&lineage)).await.0, StatusCode::OK);

    let (status, headers, text) = call(&router, get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"))
    );
    let line = |prefix: &str, labels: &[&str]| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(prefix) && labels.iter().all(|lab| l.contains(lab)))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    };
    for (name, kind) in [
        ("mlgraph_graphql_requests_total", "counter"),
        ("mlgraph_graphql_errors_total", "counter"),
        ("mlgraph_graphql_request_duration_seconds", "histogram"),
        ("mlgraph_sql_statement_duration_seconds", "histogram"),
        ("mlgraph_db_pool_connections", "gauge"),
        ("mlgraph_lineage_traversal_duration_seconds", "histogram"),
        ("mlgraph_sql_statements_total", "counter"),
    ] {
        assert!(
            text.contains(&format!("# TYPE {name} {kind}")),
            "{name} {kind} missing:\n{text}"
        );
    }
    let op_label = format!("operation=\"{op}\"");
    assert_eq!(
        line(
            "mlgraph_graphql_requests_total{",
            &[&op_label, "type=\"query\"", "outcome=\"ok\""]
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        line(
            "mlgraph_graphql_errors_total{",
            &[&op_label, "code=\"NOT_FOUND\""]
        ),
        Some(1.0)
    );
    assert!(
        line(
            "mlgraph_graphql_request_duration_seconds_count{",
            &[&op_label]
        )
        .is_some_and(|n| n >= 4.0)
    );
    assert!(
        line(
            "mlgraph_sql_statement_duration_seconds_bucket{",
            &["kind=\"SELECT\""]
        )
        .is_some_and(|n| n > 0.0)
    );
    assert!(line("mlgraph_db_pool_connections{", &["state=\"idle\""]).is_some());
    assert!(
        line("mlgraph_lineage_traversal_duration_seconds_count", &[]).is_some_and(|n| n >= 1.0)
    );
    assert!(
        !text.contains("metered"),
        "no query text or names of nodes in labels"
    );
}

/// With `--cors-origins`, a listed origin's preflight is allowed, its responses expose
/// the request id and the write position (`x-mlgraph-lsn`) to the page, and an origin not
/// listed gets no allowance.
#[tokio::test]
async fn cors_allows_listed_origins_and_exposes_the_servers_headers() {
    let base = TestApp::new().await;
    let mut state = base.state.clone();
    state.cors_origins = vec!["https://console.example".into()];
    let router = mlgraph::app(state);
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/graphql")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, x-mlgraph-lsn",
            )
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let (_, headers, _) = call(&router, preflight("https://console.example")).await;
    assert_eq!(
        headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://console.example")
    );
    let (_, headers, _) = call(&router, preflight("https://evil.example")).await;
    assert!(headers.get("access-control-allow-origin").is_none());
    let post = Request::builder()
        .method("POST")
        .uri("/graphql")
        .header("origin", "https://console.example")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"query": "{ apiVersion }"}"#))
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, headers, body) = call(&router, post).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let exposed = headers
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("x-request-id") && exposed.contains("x-mlgraph-lsn"),
        "{exposed}"
    );
}

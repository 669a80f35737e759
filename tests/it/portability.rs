//! Export and import: the demo registry exported from PostgreSQL and imported into a
//! fresh PostgreSQL and a fresh SQLite database gives identical GraphQL answers (lists,
//! lineage, history); importing again changes nothing; a bad line imports nothing.

use mlgraph::AppState;
use mlgraph::core::context::RequestContext;
use serde_json::{Value, json};

use crate::harness::TestApp;

const QUERIES: &[&str] = &[
    r#"{ models(orderBy: [{field: NAME}]) { totalCount nodes { id name status
        versions { nodes { id version stage metrics deployments { nodes { trafficPercent endpoint { name } } } } } } } }"#,
    r#"{ dataset(ns: "acme.com/fraud", name: "transactions") { id
        downstream(depth: 6) { totalCount nodes { id distance } }
        upstream(depth: 3) { totalCount nodes { id } } } }"#,
    r#"{ datasets(orderBy: [{field: NAME}]) { nodes { name versions { nodes { version storageUri } } } } }"#,
    r#"{ endpoints(orderBy: [{field: NAME}]) { nodes { name environment predictionVolume24h deployments { nodes { trafficPercent } } } } }"#,
    r#"{ predictions(first: 1) { totalCount } }"#,
    r#"{ events(first: 100) { totalCount nodes { id action entityType entityId actor } } }"#,
    r#"{ trainingJobs(orderBy: [{field: CREATED_AT}]) { nodes { id name status runs { nodes { runNumber metrics } } } } }"#,
    r#"{ costSummary(groupBy: MODEL_VERSION, from: "2026-11-01T00:00:00Z", to: "2026-12-31T00:00:00Z") { key currency count total } }"#,
];

async fn answers(state: &AppState) -> Vec<Value> {
    let schema = mlgraph::build_schema(state.clone());
    let mut out = Vec::new();
    for q in QUERIES {
        let resp = mlgraph::schema::execute(
            &schema,
            async_graphql::Request::new(*q),
            state,
            RequestContext::default(),
        )
        .await;
        assert!(resp.errors.is_empty(), "{q}: {:?}", resp.errors);
        let mut v = resp.data.into_json().unwrap_or_default();
        // The 24-hour volume moves with the clock, not with the data.
        if let Some(eps) = v
            .pointer_mut("/endpoints/nodes")
            .and_then(Value::as_array_mut)
        {
            for e in eps {
                e["predictionVolume24h"] = json!("-");
            }
        }
        out.push(v);
    }
    out
}

#[tokio::test]
async fn export_then_import_into_both_backends_gives_the_same_answers() {
    let source = TestApp::new().await;
    mlgraph::demo::seed(source.db())
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    let mut file = Vec::new();
    let rows = mlgraph::portability::export(source.db(), &["acme.com/fraud".to_owned()], &mut file)
        .await
        .unwrap_or_else(|e| panic!("export: {e:?}"));
    assert!(rows > 3000, "every prediction and event travels: {rows}");
    let expected = answers(&source.state).await;

    // Into a fresh PostgreSQL database.
    let pg = TestApp::new().await;
    let report = mlgraph::portability::import(pg.db(), file.as_slice())
        .await
        .unwrap_or_else(|e| panic!("import: {e:?}"));
    assert_eq!((report.inserted, report.skipped), (rows, 0));
    assert_eq!(
        answers(&pg.state).await,
        expected,
        "PostgreSQL → PostgreSQL"
    );
    let again = mlgraph::portability::import(pg.db(), file.as_slice())
        .await
        .unwrap_or_else(|e| panic!("import again: {e:?}"));
    assert_eq!((again.inserted, again.skipped), (0, rows), "idempotent");
    assert_eq!(answers(&pg.state).await, expected);

    // Into a fresh SQLite file.
    let dir = crate::harness::temp_dir("import");
    let (conn, statements) = crate::harness::sqlite_db(&dir).await;
    let report = mlgraph::portability::import(&conn, file.as_slice())
        .await
        .unwrap_or_else(|e| panic!("import into SQLite: {e:?}"));
    assert_eq!(report.inserted, rows);
    let sqlite = AppState::new(conn.clone(), statements);
    assert_eq!(answers(&sqlite).await, expected, "PostgreSQL → SQLite");

    // And back: SQLite → PostgreSQL.
    let mut back = Vec::new();
    mlgraph::portability::export(&conn, &[], &mut back)
        .await
        .unwrap_or_else(|e| panic!("export from SQLite: {e:?}"));
    let round = TestApp::new().await;
    mlgraph::portability::import(round.db(), back.as_slice())
        .await
        .unwrap_or_else(|e| panic!("import from SQLite: {e:?}"));
    assert_eq!(answers(&round.state).await, expected, "SQLite → PostgreSQL");
    std::fs::remove_dir_all(&dir).ok();

    // A bad line: nothing lands.
    let empty = TestApp::new().await;
    let mut broken = file.clone();
    broken.extend_from_slice(b"{\"type\": \"Model\", \"row\": {\"id\": \"not-a-uuid\"}}\n");
    let err = mlgraph::portability::import(empty.db(), broken.as_slice()).await;
    assert!(
        matches!(err, Err(mlgraph::error::AppError::BadInput { .. })),
        "{err:?}"
    );
    assert_eq!(empty.count("models").await, 0);
    assert_eq!(empty.count("events").await, 0);
}

/// A CLI command's stdout is its data, at the default log level (logs go to stderr):
/// `export | import` round-trips, `events export` is JSON lines, `schema` writes the
/// contract, `migrate status` prints its table, `admin create-key` prints only the token.
#[tokio::test]
async fn cli_stdout_is_data_and_export_pipes_into_import() {
    use std::io::Write;
    let source = TestApp::new().await;
    mlgraph::demo::seed(source.db())
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    let run = |args: &[&str], url: &str, stdin: &[u8]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mlgraph"))
            .args(args)
            .env("DATABASE_URL", url)
            .env("MLGRAPH_PASSWORD", "a long bootstrap passphrase")
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run mlgraph: {e}"));
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin)
                .unwrap_or_else(|e| panic!("stdin: {e}"));
        }
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("mlgraph {args:?}: {e}"));
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (exported, log) = run(&["export"], &source.url, b"");
    // Progress goes to stderr: a line per step and a summary (stderr is not a terminal).
    assert!(log.contains("export: Model ("), "{log}");
    let summary = log.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with(&format!(
            "export: {} rows in ",
            exported.lines().count() - 1
        )),
        "{log}"
    );
    for (i, line) in exported.lines().enumerate() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}: {line}", i + 1));
        assert!(v.is_object());
    }
    let fresh = TestApp::new().await;
    let (_, log) = run(&["import"], &fresh.url, exported.as_bytes());
    assert!(log.contains("already present)"), "{log}");
    for table in ["models", "model_versions", "datasets", "edges", "events"] {
        assert_eq!(
            fresh.count(table).await,
            source.count(table).await,
            "{table}"
        );
    }
    let (events, _) = run(
        &["events", "export", "--before", "2100-01-01T00:00:00Z"],
        &source.url,
        b"",
    );
    assert!(events.lines().count() > 0);
    for line in events.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    let (schema, _) = run(&["schema"], &source.url, b"");
    assert!(
        schema == include_str!("../../schema.graphql"),
        "`mlgraph schema` is not schema.graphql"
    );
    let (status, _) = run(&["migrate", "status"], &fresh.url, b"");
    let lines: Vec<&str> = status.lines().collect();
    assert!(lines.len() >= 22, "{status}");
    assert!(
        lines.iter().all(|l| l.starts_with("applied  m20")),
        "{status}"
    );
    run(
        &[
            "admin",
            "create-user",
            "--email",
            "root@acme.com",
            "--superuser",
        ],
        &fresh.url,
        b"",
    );
    let (token, _) = run(
        &[
            "admin",
            "create-key",
            "--email",
            "root@acme.com",
            "--name",
            "ci",
        ],
        &fresh.url,
        b"",
    );
    assert_eq!(token.lines().count(), 1, "{token}");
    assert!(token.starts_with("mlg_"), "{token}");
}

//! Test harness: a fresh PostgreSQL database per test, cloned from a template that is
//! migrated once per test process, and helpers to run GraphQL against the real schema.
//!
//! `MLGRAPH_TEST_DATABASE_URL` (server URL without a database, e.g.
//! `postgres://postgres@127.0.0.1:5432`) must be set; `scripts/test.sh` provisions a
//! server and sets it. Without it the tests fail loudly rather than skip.

use std::sync::OnceLock;

use async_graphql::Request;
use mlgraph::core::context::RequestContext;
use mlgraph::db::{self, DbOptions, StatementCounter};
use mlgraph::{AppSchema, AppState, build_schema};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;

fn server_url() -> String {
    match std::env::var("MLGRAPH_TEST_DATABASE_URL") {
        Ok(url) => url.trim_end_matches('/').to_owned(),
        Err(_) => panic!(
            "MLGRAPH_TEST_DATABASE_URL is not set: run the suite with ./scripts/test.sh, \
             which provisions PostgreSQL with pgvector"
        ),
    }
}

/// Creates and migrates the template database once per process, on a runtime of its own
/// (each test has its own runtime, and pools must not outlive theirs).
fn template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("mlgraph_tpl_{}", std::process::id());
        let name2 = name.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("runtime: {e}"));
            rt.block_on(async move {
                let admin = Database::connect(format!("{}/postgres", server_url()))
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL: {e}"));
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name2}"))
                    .await
                    .unwrap_or_else(|e| panic!("drop template: {e}"));
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name2}"))
                    .await
                    .unwrap_or_else(|e| panic!("create template: {e}"));
                admin.close().await.ok();
                let (tpl, _) =
                    db::connect(&format!("{}/{name2}", server_url()), &DbOptions::default())
                        .await
                        .unwrap_or_else(|e| panic!("connect template: {e}"));
                db::migrate(&tpl)
                    .await
                    .unwrap_or_else(|e| panic!("migrate: {e}"));
                tpl.close().await.ok();
            });
        })
        .join()
        .unwrap_or_else(|_| panic!("template setup panicked"));
        name
    })
}

/// One test's application: its own database, schema and statement counter.
pub struct TestApp {
    /// The state (pool, limits, counter).
    pub state: AppState,
    /// The schema built from it.
    pub schema: AppSchema,
    /// The database URL.
    pub url: String,
    /// Whether this app created its database (and drops it when the test ends).
    owns_database: bool,
}

impl Drop for TestApp {
    /// Drops the test's database (other instances on it do not): thousands of runs must
    /// not leave thousands of databases behind. Runs on a thread of its own, since the
    /// test's runtime may be shutting down; a failure is reported, never a panic.
    fn drop(&mut self) {
        if !self.owns_database {
            return;
        }
        let Some(name) = self.url.rsplit('/').next().map(str::to_owned) else {
            return;
        };
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async move {
                let admin = Database::connect(format!("{}/postgres", server_url()))
                    .await
                    .map_err(|e| e.to_string())?;
                let result = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                admin.close().await.ok();
                result
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop the test database: {e}"),
            Err(_) => eprintln!("dropping the test database panicked"),
        }
    }
}

impl TestApp {
    /// A fresh database cloned from the migrated template.
    pub async fn new() -> TestApp {
        let tpl = template();
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(format!("{}/postgres", server_url()))
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL: {e}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {tpl}"))
            .await
            .unwrap_or_else(|e| panic!("create test database: {e}"));
        admin.close().await.ok();
        let url = format!("{}/{name}", server_url());
        let mut app = TestApp::on(url).await;
        app.owns_database = true;
        app
    }

    /// An application on a fresh embedded SQLite database (a file in a temporary
    /// directory), migrated.
    pub async fn sqlite() -> TestApp {
        let dir = temp_dir("sqlite");
        let (conn, statements) = sqlite_db(&dir).await;
        let state = AppState::new(conn, statements);
        TestApp {
            schema: build_schema(state.clone()),
            state,
            url: sqlite_url(&dir),
            owns_database: false,
        }
    }

    /// Another gateway instance (its own pool, feed and listener) on the same database.
    pub async fn instance(&self) -> TestApp {
        TestApp::on(self.url.clone()).await
    }

    /// The same database served under other limits (its own schema; shares the pool).
    pub fn with_limits(&self, change: impl FnOnce(&mut mlgraph::Limits)) -> TestApp {
        let mut state = self.state.clone();
        change(&mut state.limits);
        TestApp {
            schema: build_schema(state.clone()),
            state,
            url: self.url.clone(),
            owns_database: false,
        }
    }

    /// The same database with the built-in embedding model loaded (its own schema).
    pub fn with_embedder(
        &self,
        embedder: std::sync::Arc<mlgraph::search::embedding::Embedder>,
    ) -> TestApp {
        let mut state = self.state.clone();
        state.embedder = Some(embedder);
        TestApp {
            schema: build_schema(state.clone()),
            state,
            url: self.url.clone(),
            owns_database: false,
        }
    }

    /// The same database with authentication on, the given clock, and WebSockets that
    /// re-check their key every 100 ms.
    pub fn with_auth(&self, clock: mlgraph::core::clock::Clock) -> TestApp {
        let mut state = self.state.clone();
        state.auth = mlgraph::AuthConfig {
            enabled: true,
            recheck_interval: std::time::Duration::from_millis(100),
            ..mlgraph::AuthConfig::default()
        };
        state.clock = clock;
        TestApp {
            schema: build_schema(state.clone()),
            state,
            url: self.url.clone(),
            owns_database: false,
        }
    }

    async fn on(url: String) -> TestApp {
        let (db, statements) = db::connect(
            &url,
            &DbOptions {
                max_connections: 8,
                ..DbOptions::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
        let state = AppState::new(db, statements);
        TestApp {
            schema: build_schema(state.clone()),
            state,
            url,
            owns_database: false,
        }
    }

    /// The same database with this artifact store (its own schema; shares the pool).
    pub fn with_artifacts(&self, arts: mlgraph::artifacts::service::Artifacts) -> TestApp {
        let mut state = self.state.clone();
        state.artifacts = Some(std::sync::Arc::new(arts));
        TestApp {
            schema: build_schema(state.clone()),
            state,
            url: self.url.clone(),
            owns_database: false,
        }
    }

    /// A listener on a free port, to learn the address before serving.
    pub async fn bind() -> tokio::net::TcpListener {
        tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"))
    }

    /// A free local address for a process of the test's to listen on (the port is freed
    /// again at once).
    pub async fn free_addr() -> std::net::SocketAddr {
        Self::bind()
            .await
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Serves the app over real HTTP on a free port; returns `127.0.0.1:port`.
    pub async fn serve(&self) -> String {
        self.serve_on(TestApp::bind().await).await
    }

    /// Serves the app on `listener`; returns its address.
    pub async fn serve_on(&self, listener: tokio::net::TcpListener) -> String {
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local addr: {e}"));
        let app = mlgraph::app(self.state.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                panic!("server failed: {e}");
            }
        });
        addr.to_string()
    }

    /// The pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// The statement counter.
    pub fn statements(&self) -> &StatementCounter {
        &self.state.statements
    }

    /// Runs a GraphQL request as `actor` and returns the JSON response.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let rc = RequestContext {
            actor: Some("tester".into()),
            request_id: Some("test-request".into()),
            ..RequestContext::default()
        };
        self.gql_as(rc, query, variables).await
    }

    /// Runs a GraphQL request as the caller `rc` and returns the JSON response.
    pub async fn gql_as(&self, rc: RequestContext, query: &str, variables: Value) -> Value {
        let req = Request::new(query).variables(async_graphql::Variables::from_json(variables));
        let resp = mlgraph::schema::execute(&self.schema, req, &self.state, rc).await;
        serde_json::to_value(&resp).unwrap_or_else(|e| panic!("serialise response: {e}"))
    }

    /// Runs a request that must succeed and returns its `data`.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let resp = self.gql(query, variables).await;
        assert!(resp.get("errors").is_none(), "unexpected errors: {resp:#}");
        resp["data"].clone()
    }

    /// Runs a request that must fail and returns the first error's `extensions.code`.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let resp = self.gql(query, variables).await;
        let code = resp["errors"][0]["extensions"]["code"].as_str();
        match code {
            Some(c) => c.to_owned(),
            None => panic!("expected an error with a code, got {resp:#}"),
        }
    }

    /// An upgrade: the newest migration is rolled back and the server's migration step
    /// (the migrations, then the clean-ups that follow them) runs again.
    pub async fn upgrade_again(&self) {
        use migration::MigratorTrait;
        migration::Migrator::down(self.db(), Some(1))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        mlgraph::db::migrate(self.db())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                self.db().get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap_or_else(|e| panic!("count {table}: {e}"));
        row.and_then(|r| r.try_get::<i64>("", "n").ok())
            .unwrap_or(-1)
    }
}

/// A new, empty temporary directory named after `label`.
pub fn temp_dir(label: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("mlgraph-{label}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn sqlite_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("mlgraph.db").display())
}

/// A fresh, migrated SQLite database in `dir`, with its statement counter.
pub async fn sqlite_db(dir: &std::path::Path) -> (DatabaseConnection, StatementCounter) {
    let (conn, statements) = db::connect(&sqlite_url(dir), &DbOptions::default())
        .await
        .unwrap_or_else(|e| panic!("open sqlite: {e}"));
    db::migrate(&conn)
        .await
        .unwrap_or_else(|e| panic!("migrate: {e}"));
    (conn, statements)
}

/// Creates a model in `ns` and returns its id.
pub async fn create_model(app: &TestApp, ns: &str, name: &str) -> String {
    let data = app
        .ok(
            "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }",
            serde_json::json!({"i": {"ns": ns, "name": name}}),
        )
        .await;
    data["createModel"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Creates a version of a model and returns its id.
pub async fn create_version(app: &TestApp, model: &str) -> String {
    let data = app
        .ok(
            "mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }",
            serde_json::json!({"i": {"modelId": model, "artifactUri": "s3://b/m", "metrics": {"auc": 0.9}}}),
        )
        .await;
    data["createModelVersion"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Creates an endpoint and returns its id.
pub async fn create_endpoint(app: &TestApp, ns: &str, name: &str, env: &str) -> String {
    let data = app
        .ok(
            "mutation($i: CreateEndpointInput!) { createEndpoint(input: $i) { id } }",
            serde_json::json!({"i": {"ns": ns, "name": name, "environment": env}}),
        )
        .await;
    data["createEndpoint"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Deploys a version to an endpoint and returns the deployment id.
pub async fn deploy(app: &TestApp, version: &str, endpoint: &str, traffic: i32) -> String {
    let data = app
        .ok(
            "mutation($i: CreateDeploymentInput!) { createDeployment(input: $i) { id } }",
            serde_json::json!({"i": {"modelVersionId": version, "spec": {"endpointId": endpoint, "trafficPercent": traffic}}}),
        )
        .await;
    data["createDeployment"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// `value` with its ids and timestamps made stable for a snapshot: the ids in `known`
/// become their labels, any other global id `<Type #n>` (numbered in order of first
/// appearance), any RFC 3339 timestamp `<time>`.
pub fn redacted(value: &Value, known: &[(&str, &str)]) -> Value {
    fn walk(v: &Value, known: &[(&str, &str)], seen: &mut Vec<String>) -> Value {
        match v {
            Value::String(s) => {
                if let Some((_, label)) = known.iter().find(|(id, _)| id == s) {
                    return Value::String((*label).to_owned());
                }
                if let Some((ty, _)) = mlgraph::core::ids::decode(s) {
                    let n = match seen.iter().position(|x| x == s) {
                        Some(n) => n,
                        None => {
                            seen.push(s.clone());
                            seen.len() - 1
                        }
                    };
                    return Value::String(format!("<{} #{n}>", ty.name()));
                }
                if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
                    return Value::String("<time>".into());
                }
                v.clone()
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| walk(i, known, seen)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, i)| (k.clone(), walk(i, known, seen)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    walk(value, known, &mut Vec::new())
}

/// The `mlgraph` binary started as `bash -c "exec <command>"` (a README command with its
/// addresses put in), on a free port, with `envs` set; returned once its log has had every
/// line of `ready` (within 60 s). Its log keeps being collected; the process is killed on
/// drop.
pub struct Spawned {
    pub addr: String,
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _child: tokio::process::Child,
}

impl Spawned {
    pub async fn start(command: &str, envs: &[(&str, String)], ready: &[&str]) -> Spawned {
        use tokio::io::AsyncBufReadExt;
        let addr = TestApp::free_addr().await.to_string();
        let mut child = Self::command(command, envs)
            .env("MLGRAPH_LISTEN", &addr)
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = child
            .stderr
            .take()
            .unwrap_or_else(|| panic!("the server's stderr"));
        let mut lines = tokio::io::BufReader::new(stderr).lines();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let mut pending: Vec<&str> = ready.to_vec();
        tokio::time::timeout(std::time::Duration::from_secs(60), async {
            while !pending.is_empty() {
                let line = lines
                    .next_line()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
                    .unwrap_or_else(|| {
                        panic!(
                            "the server stopped:\n{}",
                            log.lock().map(|l| l.join("\n")).unwrap_or_default()
                        )
                    });
                pending.retain(|p| !line.contains(p));
                if let Ok(mut l) = log.lock() {
                    l.push(line);
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("the server did not log {ready:?} within 60 s"));
        let kept = log.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(mut l) = kept.lock() {
                    l.push(line);
                }
            }
        });
        Spawned {
            addr,
            log,
            _child: child,
        }
    }

    /// The same command run to its end (within 60 s): for commands that must refuse to
    /// start.
    pub async fn run_to_exit(command: &str, envs: &[(&str, String)]) -> std::process::Output {
        let addr = TestApp::free_addr().await.to_string();
        let out = Self::command(command, envs)
            .env("MLGRAPH_LISTEN", addr)
            .output();
        tokio::time::timeout(std::time::Duration::from_secs(60), out)
            .await
            .unwrap_or_else(|_| panic!("`{command}` did not end within 60 s"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn command(command: &str, envs: &[(&str, String)]) -> tokio::process::Command {
        let bin = std::path::Path::new(env!("CARGO_BIN_EXE_mlgraph"))
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let mut cmd = tokio::process::Command::new("bash");
        cmd.arg("-c")
            .arg(format!("exec {}", command.trim()))
            .env(
                "PATH",
                format!("{bin}:{}", std::env::var("PATH").unwrap_or_default()),
            )
            .env("RUST_LOG", "info")
            .env_remove("DATABASE_URL")
            .kill_on_drop(true);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd
    }

    /// Whether a line of its log so far contains `text`.
    pub fn logged(&self, text: &str) -> bool {
        self.log
            .lock()
            .map(|l| l.iter().any(|line| line.contains(text)))
            .unwrap_or(false)
    }
}

/// GraphQL over HTTP to a served instance (as `actor` when given, by `x-actor`); its
/// `data`, failing on errors.
pub async fn http_ok(addr: &str, actor: Option<&str>, query: &str, variables: Value) -> Value {
    let mut req = reqwest::Client::new().post(format!("http://{addr}/graphql"));
    if let Some(a) = actor {
        req = req.header("x-actor", a);
    }
    let resp: Value = req
        .json(&serde_json::json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("http: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("http json: {e}"));
    assert!(resp.get("errors").is_none(), "{query}: {resp:#}");
    resp["data"].clone()
}

/// A variable the test command sets: the test fails loudly without it, never skips.
pub fn test_env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the suite with ./scripts/test.sh"))
}

//! mlgraph through a connection pooler in transaction mode: the README's PgBouncer
//! configuration and `serve` command as written (addresses put in), PgBouncer 1.24 built
//! by the test command from Debian's source package. Many clients share few server
//! connections (prepared statements move between them), subscriptions hear other
//! instances' writes through the direct LISTEN connection, and a server pointed at the
//! pooler without its direct address refuses to start with a hint.

use std::collections::BTreeSet;
use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::harness::{Spawned, TestApp, test_env};

/// PgBouncer with the README's configuration, in front of the test's database: the
/// listener on `port`, trust authentication for the test's user (the README's is
/// SCRAM with an auth file of the operator's), and 3 server connections, so that the
/// server's clients must share them. Killed on drop.
struct Pooler {
    _child: tokio::process::Child,
    url: String,
}

impl Pooler {
    async fn start(app: &TestApp) -> Pooler {
        use tokio::io::AsyncBufReadExt;
        let readme = include_str!("../../README.md");
        let database = app.url.rsplit('/').next().unwrap_or_default().to_owned();
        let server = test_env("MLGRAPH_TEST_DATABASE_URL");
        let pg_port = server.rsplit(':').next().unwrap_or_default().to_owned();
        let port = TestApp::free_addr().await.port();
        let dir =
            std::env::temp_dir().join(format!("mlgraph-pooler-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let users = dir.join("userlist.txt");
        std::fs::write(&users, "\"postgres\" \"\"\n").unwrap_or_else(|e| panic!("{e}"));
        let config = crate::readme::block(readme, "ini", "pool_mode = transaction");
        let config = config
            .replace(
                "mlgraph = host=primary port=5432 dbname=mlgraph",
                &format!("{database} = host=127.0.0.1 port={pg_port} dbname={database}"),
            )
            .replace("listen_addr = 0.0.0.0", "listen_addr = 127.0.0.1")
            .replace("listen_port = 6432", &format!("listen_port = {port}"))
            .replace("auth_type = scram-sha-256", "auth_type = trust")
            .replace(
                "auth_file = /etc/pgbouncer/userlist.txt",
                &format!("auth_file = {}", users.display()),
            )
            .replace("default_pool_size = 20", "default_pool_size = 3");
        for (line, why) in [
            ("pool_mode = transaction", "transaction mode"),
            ("max_prepared_statements = 200", "prepared statements"),
            ("default_pool_size = 3", "3 server connections"),
            ("auth_type = trust", "the test's authentication"),
        ] {
            assert!(config.contains(line), "{why}: {config}");
        }
        // No Unix socket (the listener is TCP only).
        let config = format!("{config}unix_socket_dir =\n");
        let ini = dir.join("pgbouncer.ini");
        std::fs::write(&ini, config).unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = tokio::process::Command::new(test_env("MLGRAPH_TEST_PGBOUNCER"));
        // PgBouncer refuses to run as root: as the test cluster's user, then.
        if let Some(user) = std::env::var("MLGRAPH_TEST_PG_USER")
            .ok()
            .filter(|u| !u.is_empty())
        {
            cmd.args(["-u", &user]);
            let _ = std::process::Command::new("chmod")
                .args(["-R", "a+rX"])
                .arg(&dir)
                .status();
        }
        let mut child = cmd
            .arg(&ini)
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("pgbouncer: {e}"));
        let stderr = child
            .stderr
            .take()
            .unwrap_or_else(|| panic!("pgbouncer's stderr"));
        let mut lines = tokio::io::BufReader::new(stderr).lines();
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let line = lines
                    .next_line()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
                    .unwrap_or_else(|| panic!("pgbouncer stopped"));
                if line.contains("process up") {
                    break;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("pgbouncer did not start within 30 s"));
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Pooler {
            _child: child,
            url: format!("postgres://postgres@127.0.0.1:{port}/{database}"),
        }
    }
}

/// The README's `serve` command through the pooler, with `direct` as the database's own
/// address (`None`: the option left out).
fn serve_command(pooler: &Pooler, direct: Option<&str>) -> String {
    let readme = include_str!("../../README.md");
    let block = crate::readme::block(readme, "sh", "--direct-database-url");
    let serve = block
        .split("mlgraph serve")
        .nth(1)
        .unwrap_or_else(|| panic!("no `mlgraph serve` in {block}"));
    let command = format!("mlgraph serve{serve}")
        .replace("postgres://mlgraph@pgbouncer:6432/mlgraph", &pooler.url);
    match direct {
        Some(url) => command.replace("postgres://mlgraph@primary:5432/mlgraph", url),
        None => command
            .replace(
                "--direct-database-url postgres://mlgraph@primary:5432/mlgraph",
                "",
            )
            .replace("\\\n", " "),
    }
}

async fn gql(addr: &str, actor: &str, query: &str, variables: Value) -> Value {
    crate::harness::http_ok(addr, Some(actor), query, variables).await
}

const CREATE: &str = "mutation($name: String!) { createModel(input: {ns: \"pool.example\", name: $name, framework: \"sklearn\"}) { id } }";
const FIND: &str =
    "query($name: String!) { models(filter: {name: {eq: $name}}) { nodes { id name } } }";

#[tokio::test]
async fn the_readme_pooler_setup_serves_many_clients_over_few_server_connections() {
    let app = TestApp::new().await;
    let database = app.url.rsplit('/').next().unwrap_or_default().to_owned();
    // The README's role settings, on the test's database (the role is the whole suite's).
    for setting in ["statement_timeout = '30s'", "jit = off"] {
        app.db()
            .execute_unprepared(&format!("ALTER DATABASE \"{database}\" SET {setting}"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let pooler = Pooler::start(&app).await;
    // Only LISTEN can wake this server's subscriptions in time: its poll is 10 minutes.
    let server = Spawned::start(
        &serve_command(&pooler, Some(&app.url)),
        &[
            ("MLGRAPH_AUTH", "off".into()),
            ("MLGRAPH_EVENT_POLL_MS", "600000".into()),
        ],
        &["mlgraph listening on"],
    )
    .await;
    assert!(
        server.logged("through a connection pooler") && server.logged("statement_timeout_ms=30000"),
        "the server read the role's timeout through the pooler: {:?}",
        server.log
    );
    let addr = server.addr.clone();

    // A subscriber from a known event on.
    app.ok(CREATE, json!({"name": "pool-start"})).await;
    let start = crate::live::newest_cursor(&app).await;
    assert!(start.is_some(), "the set-up write left an event");
    let mut ws = crate::live::Ws::connect_with(&addr, "graphql-transport-ws", json!({})).await;
    ws.subscribe(
        "models",
        "subscription($after: String) { events(after: $after, filter: {entityTypes: [\"Model\"], actions: [\"CREATE\"]}) { entityId } }",
        json!({"after": start}),
    )
    .await;

    // 32 clients at once, each writing and reading back through the pooler's 3 server
    // connections (the server's pool holds up to 16): every statement is prepared, so
    // this fails unless the pooler carries prepared statements between connections.
    let mut tasks = Vec::new();
    for i in 0..32 {
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("pooled-{i}");
            let created = gql(&addr, &format!("client-{i}"), CREATE, json!({"name": name})).await;
            let id = created["createModel"]["id"].clone();
            let read = gql(&addr, &format!("client-{i}"), FIND, json!({"name": name})).await;
            assert_eq!(
                read["models"]["nodes"],
                json!([{"id": id, "name": name}]),
                "client {i} reads its write"
            );
            id
        }));
    }
    let mut created = BTreeSet::new();
    for t in tasks {
        created.insert(t.await.unwrap_or_else(|e| panic!("{e}")).to_string());
    }
    assert_eq!(created.len(), 32);

    // A write through another instance (the test's own, on the database directly) is
    // heard through NOTIFY on the direct connection, not the 10-minute poll.
    let other = app
        .ok(
            "mutation { createModel(input: {ns: \"pool.example\", name: \"elsewhere\", framework: \"sklearn\"}) { id } }",
            json!({}),
        )
        .await["createModel"]["id"]
        .to_string();
    created.insert(other.clone());
    let mut seen = BTreeSet::new();
    let mut last = String::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while seen.len() < created.len() {
            last = ws.next_data().await["events"]["entityId"].to_string();
            seen.insert(last.clone());
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "the subscriber saw {} of {} writes in 20 s",
            seen.len(),
            created.len()
        )
    });
    assert_eq!(seen, created, "every write reached the subscriber");
    assert_eq!(last, other, "the other instance's write came last");

    // The MLflow REST surface through the pooler: an experiment, a run, a batch, read back.
    let mlflow = |path: &str, body: Value| {
        let url = format!("http://{addr}/ns/pool.example/api/2.0/mlflow/{path}");
        async move {
            let resp = reqwest::Client::new()
                .post(url)
                .header("x-actor", "trainer")
                .json(&body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(resp.status().is_success(), "{}", resp.status());
            resp.json::<Value>().await.unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let exp =
        mlflow("experiments/create", json!({"name": "pooled"})).await["experiment_id"].clone();
    let run = mlflow(
        "runs/create",
        json!({"experiment_id": exp, "start_time": 1}),
    )
    .await["run"]["info"]["run_id"]
        .clone();
    let metrics: Vec<Value> = (0..50)
        .map(|s| json!({"key": "loss", "value": 1.0 / f64::from(s + 1), "timestamp": 1000 + s, "step": s}))
        .collect();
    mlflow("runs/log-batch", json!({"run_id": run, "metrics": metrics})).await;
    let got: Value = reqwest::Client::new()
        .get(format!(
            "http://{addr}/ns/pool.example/api/2.0/mlflow/metrics/get-history?run_id={}&metric_key=loss",
            run.as_str().unwrap_or_default()
        ))
        .header("x-actor", "trainer")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let values: Vec<f64> = got["metrics"]
        .as_array()
        .map(|m| m.iter().filter_map(|p| p["value"].as_f64()).collect())
        .unwrap_or_default();
    let expected: Vec<f64> = (0..50).map(|s| 1.0 / f64::from(s + 1)).collect();
    assert_eq!(values, expected, "the history, bit for bit, in step order");
}

/// Pointed at the pooler without its direct address, the server does not start: the
/// pooler refuses the session settings it would send, and the error says what to give.
#[tokio::test]
async fn a_pooler_without_the_direct_address_stops_the_server_with_a_hint() {
    let app = TestApp::new().await;
    let pooler = Pooler::start(&app).await;
    let command = serve_command(&pooler, None);
    assert!(!command.contains("direct-database-url"), "{command}");
    let out = Spawned::run_to_exit(&command, &[("MLGRAPH_AUTH", "off".into())]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it must not start: {stderr}");
    assert!(
        stderr.contains("unsupported startup parameter")
            && stderr.contains("--direct-database-url"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing on stdout");
    // A direct address that is not PostgreSQL's is refused at start, too.
    let bad = serve_command(&pooler, Some("sqlite://direct.db?mode=rwc"));
    let out = Spawned::run_to_exit(&bad, &[("MLGRAPH_AUTH", "off".into())]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("--direct-database-url"), "{stderr}");
}

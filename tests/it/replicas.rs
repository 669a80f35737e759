//! Read replicas (`--replica-url`) against a real PostgreSQL streaming replica (started by
//! the test command with `pg_basebackup -R`): queries go to the replica, a writer reads
//! its writes at once (on this instance by itself, on another by sending back
//! `x-mlgraph-lsn`), and a replica that stops mid-run costs no client an error.

use std::sync::Arc;
use std::time::Duration;

use mlgraph::replicas::{LSN_HEADER, Replicas};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

use crate::harness::{TestApp, test_env};

/// The replica's URL for the test's own database.
fn replica_url(app: &TestApp) -> String {
    let database = app.url.rsplit('/').next().unwrap_or_default();
    format!(
        "{}/{database}",
        test_env("MLGRAPH_TEST_REPLICA_URL").trim_end_matches('/')
    )
}

/// `pg_ctl stop|start` of the test command's replica.
async fn pg_ctl(action: &str) {
    let bin = std::path::PathBuf::from(test_env("MLGRAPH_TEST_PG_BIN")).join("pg_ctl");
    let data = test_env("MLGRAPH_TEST_REPLICA_DATA");
    let mut cmd = match std::env::var("MLGRAPH_TEST_PG_USER")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(user) => {
            let mut c = tokio::process::Command::new("runuser");
            c.args(["-u", &user, "--"]).arg(bin);
            c
        }
        None => tokio::process::Command::new(bin),
    };
    cmd.arg("-D").arg(&data).args(["-w", "-t", "60"]);
    match action {
        "start" => {
            cmd.arg("-l")
                .arg(format!("{data}.log"))
                .arg("start")
                .arg("-o")
                .arg(test_env("MLGRAPH_TEST_REPLICA_OPTS"));
        }
        _ => {
            cmd.args(["-m", "fast", "stop"]);
        }
    }
    let out = cmd
        .output()
        .await
        .unwrap_or_else(|e| panic!("pg_ctl {action}: {e}"));
    assert!(
        out.status.success(),
        "pg_ctl {action}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An instance of mlgraph over the test's database and its replica, served over HTTP.
async fn instance(app: &TestApp, replica: &DatabaseConnection) -> (String, Arc<Replicas>) {
    let replicas = Arc::new(Replicas::new(
        app.db().clone(),
        vec![("replica".into(), replica.clone())],
        Duration::from_secs(30),
        &app.state.statements,
    ));
    replicas.poll().await;
    replicas.spawn_monitor(Duration::from_millis(20));
    let mut state = app.state.clone();
    state.replicas = Some(replicas.clone());
    let listener = TestApp::bind().await;
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let router = mlgraph::app(state);
    tokio::spawn(async move { axum::serve(listener, router).await });
    (addr, replicas)
}

/// A GraphQL request as `actor`, sending `lsn` back when given; the body and the
/// `x-mlgraph-lsn` the server answered.
async fn call(
    addr: &str,
    actor: &str,
    lsn: Option<&str>,
    query: &str,
    variables: Value,
) -> (Value, Option<String>) {
    let mut req = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .header("x-actor", actor)
        .json(&json!({"query": query, "variables": variables}));
    if let Some(l) = lsn {
        req = req.header(LSN_HEADER, l);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{e}"));
    let written = resp
        .headers()
        .get(LSN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = resp.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(body.get("errors").is_none(), "{query}: {body}");
    (body["data"].clone(), written)
}

const CREATE: &str = "mutation($name: String!) { createModel(input: {ns: \"acme.com\", name: $name, framework: \"sklearn\"}) { id } }";
const FIND: &str =
    "query($name: String!) { models(filter: {name: {eq: $name}}) { nodes { name } } }";

fn found(data: &Value) -> bool {
    data["models"]["nodes"]
        .as_array()
        .is_some_and(|n| !n.is_empty())
}

/// Awaits `cond` on the monitor's view of the replicas: checked now, then after each of
/// its rounds, for at most 30 s.
async fn until(what: &str, r: &Replicas, cond: impl Fn() -> bool) {
    let mut rounds = r.rounds();
    let wait = async {
        while !cond() {
            if rounds.changed().await.is_err() {
                panic!("{what}: the monitor stopped");
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within 30 s"));
}

#[tokio::test]
async fn queries_read_from_the_replica_and_writers_read_their_writes() {
    // A run that failed mid-way may have left replay paused: resume it first.
    let admin = sea_orm::Database::connect(format!(
        "{}/postgres",
        test_env("MLGRAPH_TEST_REPLICA_URL").trim_end_matches('/')
    ))
    .await
    .unwrap_or_else(|e| panic!("the replica: {e}"));
    admin
        .execute_unprepared("SELECT pg_wal_replay_resume()")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    admin.close().await.ok();
    let app = TestApp::new().await;
    let opts = mlgraph::db::DbOptions {
        max_connections: 8,
        ..mlgraph::db::DbOptions::default()
    };
    let replica = mlgraph::db::connect_replica(&replica_url(&app), &opts, &app.state.statements)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (one, r1) = instance(&app, &replica).await;
    let (two, _) = instance(&app, &replica).await;
    until("the replica is seen", &r1, || r1.is_up(0)).await;

    // Replay paused: the replica is stale on purpose.
    replica
        .execute_unprepared("SELECT pg_wal_replay_pause()")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, lsn) = call(&one, "ann", None, CREATE, json!({"name": "m-ann"})).await;
    let lsn = lsn.unwrap_or_else(|| panic!("a write answers {LSN_HEADER}"));
    let before = r1.reads();
    // Ann reads her write at once, from any instance that knows her position: this one
    // by itself, the other because she sends it back.
    let (mine, _) = call(&one, "ann", None, FIND, json!({"name": "m-ann"})).await;
    assert!(
        found(&mine),
        "ann reads her write on the instance she wrote through"
    );
    let (there, _) = call(&two, "ann", Some(&lsn), FIND, json!({"name": "m-ann"})).await;
    assert!(found(&there), "and on another, with {LSN_HEADER}");
    assert_eq!(r1.reads().1, before.1 + 1, "her read went to the primary");
    // Bob has written nothing: his query goes to the replica, which has not replayed it.
    let (theirs, _) = call(&one, "bob", None, FIND, json!({"name": "m-ann"})).await;
    assert!(
        !found(&theirs),
        "bob's read was answered by the (paused) replica"
    );
    assert_eq!(r1.reads().0, before.0 + 1);

    replica
        .execute_unprepared("SELECT pg_wal_replay_resume()")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ann = mlgraph::replicas::parse_lsn(&lsn).unwrap_or(u64::MAX);
    until("the replica replays ann's write", &r1, || {
        r1.replayed(0) >= ann
    })
    .await;
    let before = r1.reads();
    let (theirs, _) = call(&one, "bob", None, FIND, json!({"name": "m-ann"})).await;
    assert!(found(&theirs), "once replayed, the replica has ann's write");
    assert_eq!(r1.reads().0, before.0 + 1, "and answered bob");

    // A mixed workload: writers read their writes at once, always; reads of callers
    // that did not just write go to the replica.
    let (r0, p0) = r1.reads();
    for i in 0..20 {
        let name = format!("mix-{i}");
        let writer = format!("writer-{}", i % 3);
        call(&one, &writer, None, CREATE, json!({"name": name})).await;
        let (d, _) = call(&one, &writer, None, FIND, json!({"name": name})).await;
        assert!(found(&d), "{writer} reads {name} at once");
        for _ in 0..10 {
            call(&one, "reader", None, FIND, json!({"name": "m-ann"})).await;
        }
    }
    let (r, p) = r1.reads();
    let replica_share = (r - r0) as f64 / ((r - r0) + (p - p0)) as f64;
    assert!(
        replica_share >= 0.85,
        "most reads went to the replica: {replica_share} ({} of {})",
        r - r0,
        (r - r0) + (p - p0)
    );

    // The replica stops under load: no client sees an error; it is used again once back.
    let load = {
        let one = one.clone();
        tokio::spawn(async move {
            for _ in 0..200 {
                let (d, _) = call(&one, "reader", None, FIND, json!({"name": "m-ann"})).await;
                assert!(found(&d));
            }
        })
    };
    pg_ctl("stop").await;
    until("the replica is seen down", &r1, || !r1.is_up(0)).await;
    let (d, _) = call(&one, "reader", None, FIND, json!({"name": "m-ann"})).await;
    assert!(
        found(&d),
        "answered by the primary while the replica is down"
    );
    pg_ctl("start").await;
    until("the replica is seen again", &r1, || r1.is_up(0)).await;
    load.await
        .unwrap_or_else(|e| panic!("a read failed while the replica stopped: {e}"));
    let back = r1.reads();
    call(&one, "reader", None, FIND, json!({"name": "m-ann"})).await;
    assert_eq!(r1.reads().0, back.0 + 1, "the replica serves again");
}

/// The README's read-replica command as written (its URLs put in, authentication off):
/// the server it starts sends queries to the replicas, as its `/metrics` says.
#[tokio::test]
async fn the_readme_replica_command_serves_queries_from_the_replicas() {
    let readme = include_str!("../../README.md");
    let app = TestApp::new().await;
    let replica = replica_url(&app);
    let command = crate::readme::block(readme, "sh", "--replica-url")
        .replace("postgres://mlgraph@primary/mlgraph", &app.url)
        .replace("postgres://mlgraph@replica-1/mlgraph", &replica)
        .replace("postgres://mlgraph@replica-2/mlgraph", &replica);
    assert!(!command.contains("@replica-"), "{command}");
    // Its log says when it listens and when a replica is usable (the replica has the
    // test's database once it has replayed its creation; until then reads go to the
    // primary): await both.
    let server = crate::harness::Spawned::start(
        &command,
        &[("MLGRAPH_AUTH", "off".into())],
        &["mlgraph listening on", "read replica available"],
    )
    .await;
    let addr = server.addr.clone();
    let (data, _) = call(&addr, "reader", None, FIND, json!({"name": "none"})).await;
    assert_eq!(data, json!({"models": {"nodes": []}}));
    let metrics = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    let served = metrics
        .lines()
        .find_map(|l| l.strip_prefix("mlgraph_db_reads_total{target=\"replica\"} "))
        .and_then(|v| v.trim().parse::<f64>().ok());
    assert_eq!(
        served,
        Some(1.0),
        "the query was served by a replica:\n{metrics}"
    );
}

/// Three instances (each its own pools and event listener) over the primary and its
/// streaming replica, a mixed workload across them: every write is read back at once by
/// its writer through *another* instance (sending `x-mlgraph-lsn`), and a subscriber on
/// every instance receives every write's event, in the same order.
#[tokio::test]
async fn three_instances_over_a_primary_and_a_replica_stay_consistent() {
    let app = TestApp::new().await;
    let opts = mlgraph::db::DbOptions {
        max_connections: 4,
        ..mlgraph::db::DbOptions::default()
    };
    let mut addrs = Vec::new();
    let mut monitors = Vec::new();
    let mut instances = Vec::new();
    for _ in 0..3 {
        let inst = app.instance().await;
        let replica =
            mlgraph::db::connect_replica(&replica_url(&app), &opts, &inst.state.statements)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        let (addr, r) = instance(&inst, &replica).await;
        // The shared replica has this test's database once it has replayed its creation
        // (another test may hold replay paused for a moment, or stop the replica).
        until("the replica is seen", &r, || r.is_up(0)).await;
        addrs.push(addr);
        monitors.push(r);
        instances.push(inst);
    }
    // The subscriptions start after a known event: the server acknowledges no subscribe
    // message, so a write racing a subscription's start is delivered by its catch-up.
    call(
        &addrs[0],
        "setup",
        None,
        CREATE,
        json!({"name": "multi-start"}),
    )
    .await;
    let start = crate::live::newest_cursor(&app).await;
    assert!(start.is_some(), "the set-up write left an event");
    let mut subscribers = Vec::new();
    for addr in &addrs {
        let mut ws = crate::live::Ws::connect_with(addr, "graphql-transport-ws", json!({})).await;
        ws.subscribe(
            "models",
            "subscription($after: String) { events(after: $after, filter: {entityTypes: [\"Model\"], actions: [\"CREATE\"]}) { entityId cursor } }",
            json!({"after": start}),
        )
        .await;
        subscribers.push(ws);
    }
    let mut created = Vec::new();
    for i in 0..12 {
        let writer = format!("writer-{}", i % 4);
        let name = format!("multi-{i}");
        let (data, lsn) = call(&addrs[i % 3], &writer, None, CREATE, json!({"name": name})).await;
        created.push(data["createModel"]["id"].clone());
        let elsewhere = &addrs[(i + 1) % 3];
        let (read, _) = call(
            elsewhere,
            &writer,
            lsn.as_deref(),
            FIND,
            json!({"name": name}),
        )
        .await;
        assert!(
            found(&read),
            "{writer} reads {name} at once through another instance"
        );
        // Readers that wrote nothing read too (from the replica when it is current).
        call(elsewhere, "reader", None, FIND, json!({"name": "multi-0"})).await;
    }
    for (n, ws) in subscribers.iter_mut().enumerate() {
        let mut seen = Vec::new();
        for _ in 0..created.len() {
            seen.push(ws.next_data().await["events"]["entityId"].clone());
        }
        assert_eq!(
            seen, created,
            "instance {n}'s subscriber saw every write, in order"
        );
    }
    // A reader that wrote nothing reads from the replica whenever it is up and current.
    // Other tests share the replica (one stops it, one pauses its replay for a moment):
    // while no read has reached it, await the monitor's next round and read again.
    let replica_reads = || monitors.iter().map(|r| r.reads().0).sum::<u64>();
    let mut rounds = monitors[0].rounds();
    let reached = async {
        while replica_reads() == 0 {
            if monitors[0].is_up(0) {
                call(&addrs[0], "reader", None, FIND, json!({"name": "multi-0"})).await;
            }
            if replica_reads() == 0 && rounds.changed().await.is_err() {
                panic!("the monitor stopped");
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), reached)
        .await
        .unwrap_or_else(|_| panic!("no read was served by the replica within 30 s"));
}

/// Bad input around replicas: a malformed or absurd `x-mlgraph-lsn` only sends that
/// caller's reads to the primary (never an error); `--replica-url` on the embedded SQLite
/// database, or with a URL that is not PostgreSQL's, stops the server at start with a
/// clear message on stderr and nothing on stdout.
#[tokio::test]
async fn bad_replica_input_is_refused_or_harmless() {
    let app = TestApp::new().await;
    let opts = mlgraph::db::DbOptions {
        max_connections: 2,
        ..mlgraph::db::DbOptions::default()
    };
    let replica = mlgraph::db::connect_replica(&replica_url(&app), &opts, &app.state.statements)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (addr, r) = instance(&app, &replica).await;
    for sent in [
        "not an lsn",
        "FFFFFFFF/FFFFFFFF",
        "1/2/3",
        &"9".repeat(5000),
    ] {
        let before = r.reads();
        let (data, _) = call(&addr, "mallory", Some(sent), FIND, json!({"name": "x"})).await;
        assert_eq!(data, json!({"models": {"nodes": []}}), "{sent}");
        let after = r.reads();
        assert_eq!(after.0 + after.1, before.0 + before.1 + 1, "{sent}");
    }
    // The highest position a replica can never reach: that caller reads the primary.
    let before = r.reads();
    call(
        &addr,
        "mallory",
        Some("FFFFFFFF/FFFFFFFF"),
        FIND,
        json!({"name": "x"}),
    )
    .await;
    assert_eq!(r.reads().1, before.1 + 1);

    let dir = crate::harness::temp_dir("replica-cli");
    for (database, replica, says) in [
        (
            None,
            "postgres://127.0.0.1:1/x",
            "--replica-url needs PostgreSQL",
        ),
        (
            Some(app.url.as_str()),
            "mysql://127.0.0.1/x",
            "a replica is a postgres:// URL",
        ),
    ] {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mlgraph"));
        cmd.args([
            "serve",
            "--no-migrate",
            "--listen",
            "127.0.0.1:0",
            "--replica-url",
            replica,
        ])
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .env("MLGRAPH_AUTH", "off");
        if let Some(url) = database {
            cmd.env("DATABASE_URL", url);
        }
        let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
            .await
            .unwrap_or_else(|_| panic!("serve did not stop"))
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    std::fs::remove_dir_all(&dir).ok();
}

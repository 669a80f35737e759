//! Subscriptions over real WebSockets: both protocols, fan-out across two instances
//! sharing one database, resumption from a cursor, a listener whose connection is
//! killed, rolled-back writes, and in-process delivery on SQLite.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use mlgraph::observability::feed::{EventFeed, FeedOptions};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::harness::TestApp;

const NS: &str = "acme.com/live";
const WAIT: Duration = Duration::from_secs(10);

/// A GraphQL-over-WebSocket client speaking `graphql-transport-ws` or legacy `graphql-ws`.
pub(crate) struct Ws {
    pub(crate) socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    pub(crate) legacy: bool,
}

impl Ws {
    async fn connect(addr: &str, protocol: &str) -> Ws {
        Ws::connect_with(addr, protocol, json!({})).await
    }

    /// Connects with this `connection_init` payload and waits for the ack.
    pub(crate) async fn connect_with(addr: &str, protocol: &str, payload: Value) -> Ws {
        let mut ws = Ws::open(addr, protocol).await;
        ws.send(json!({"type": "connection_init", "payload": payload}))
            .await;
        let ack = ws.recv().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    /// Opens the socket, before any handshake.
    pub(crate) async fn open(addr: &str, protocol: &str) -> Ws {
        let mut req = format!("ws://{addr}/graphql")
            .into_client_request()
            .unwrap_or_else(|e| panic!("request: {e}"));
        req.headers_mut().insert(
            "sec-websocket-protocol",
            protocol.parse().unwrap_or_else(|e| panic!("{e}")),
        );
        let (socket, resp) = tokio_tungstenite::connect_async(req)
            .await
            .unwrap_or_else(|e| panic!("websocket connect: {e}"));
        assert_eq!(
            resp.headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some(protocol)
        );
        Ws {
            socket,
            legacy: protocol == "graphql-ws",
        }
    }

    pub(crate) async fn send(&mut self, v: Value) {
        self.socket
            .send(Message::text(v.to_string()))
            .await
            .unwrap_or_else(|e| panic!("websocket send: {e}"));
    }

    /// The next protocol message (answering pings, skipping keep-alives).
    pub(crate) async fn recv(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no message within {WAIT:?}"))
                .unwrap_or_else(|| panic!("websocket closed"))
                .unwrap_or_else(|e| panic!("websocket: {e}"));
            let Message::Text(text) = msg else { continue };
            let v: Value =
                serde_json::from_str(text.as_str()).unwrap_or_else(|e| panic!("json: {e}"));
            match v["type"].as_str() {
                Some("ping") => self.send(json!({"type": "pong"})).await,
                Some("ka") => {}
                _ => return v,
            }
        }
    }

    pub(crate) async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let ty = if self.legacy { "start" } else { "subscribe" };
        self.send(
            json!({"id": id, "type": ty, "payload": {"query": query, "variables": variables}}),
        )
        .await;
    }

    /// The next result's `data` (fails on errors).
    pub(crate) async fn next_data(&mut self) -> Value {
        let v = self.recv().await;
        let ty = if self.legacy { "data" } else { "next" };
        assert_eq!(v["type"], ty, "{v}");
        assert!(v["payload"].get("errors").is_none(), "{v}");
        v["payload"]["data"].clone()
    }

    /// Whether anything arrives within `d`.
    pub(crate) async fn quiet_for(&mut self, d: Duration) -> bool {
        match tokio::time::timeout(d, self.socket.next()).await {
            Err(_) => true,
            Ok(Some(Ok(Message::Text(t)))) => panic!("unexpected message: {t}"),
            Ok(other) => panic!("unexpected: {other:?}"),
        }
    }
}

/// Sends GraphQL over HTTP to a served instance.
async fn http(addr: &str, query: &str, variables: Value) -> Value {
    crate::harness::http_ok(addr, None, query, variables).await
}

const ENQUEUE: &str =
    "mutation($i: EnqueueTrainingJobInput!) { enqueueTrainingJob(input: $i) { id revision } }";
const CLAIM: &str =
    "mutation($ns: String) { claimTrainingJob(worker: \"w1\", ns: $ns) { id status } }";
const PROGRESS: &str = "mutation($id: ID!, $p: Float!) { reportTrainingProgress(input: {id: $id, progress: $p}) { id } }";
const WATCH_JOB: &str =
    "subscription($id: ID!) { trainingJobUpdated(id: $id) { id status progress revision worker } }";
const WATCH_EVENTS: &str = "subscription($after: String, $types: [String!]) {
    events(after: $after, filter: {entityTypes: $types}) { id action entityType entityId cursor } }";

fn instance_with_slow_poll(app: &mut TestApp) {
    // Only NOTIFY (or an in-process write) can wake this instance in time.
    app.state.feed = EventFeed::new(
        app.state.db.clone(),
        FeedOptions {
            poll_interval: Duration::from_secs(600),
            ..FeedOptions::default()
        },
    );
}

pub(crate) async fn newest_cursor(app: &TestApp) -> Option<String> {
    let data = app
        .ok(
            "{ events(first: 1) { edges { node { cursor } } } }",
            json!({}),
        )
        .await;
    data["events"]["edges"][0]["node"]["cursor"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn a_subscriber_on_one_instance_sees_changes_made_through_another() {
    let a = TestApp::new().await;
    let mut b = a.instance().await;
    instance_with_slow_poll(&mut b);
    let (addr_a, addr_b) = (a.serve().await, b.serve().await);

    let job =
        http(&addr_a, ENQUEUE, json!({"i": {"ns": NS, "name": "j1"}})).await["enqueueTrainingJob"]
            ["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    let mut ws = Ws::connect(&addr_b, "graphql-transport-ws").await;
    ws.subscribe("1", WATCH_JOB, json!({"id": job})).await;
    let first = ws.next_data().await;
    assert_eq!(
        first["trainingJobUpdated"]["status"], "QUEUED",
        "current state first"
    );

    http(&addr_a, CLAIM, json!({"ns": NS})).await;
    let running = ws.next_data().await["trainingJobUpdated"].clone();
    assert_eq!(running["status"], "RUNNING");
    assert_eq!(running["worker"], "w1");
    http(&addr_a, PROGRESS, json!({"id": job, "p": 30.0})).await;
    let progressed = ws.next_data().await["trainingJobUpdated"].clone();
    assert_eq!(progressed["progress"], 30.0);
    assert_eq!(progressed["revision"], 3);

    // A filtered list subscription on B sees only what matches, from a cursor: whenever
    // it starts, it sees every change after the newest event it was given.
    let start = newest_cursor(&a).await;
    ws.subscribe(
        "2",
        "subscription($after: String) { trainingJobs(filter: {status: [SUCCEEDED], ns: \"acme.com/live\"}, after: $after) { id status } }",
        json!({"after": start}),
    )
    .await;
    http(
        &addr_a,
        "mutation($id: ID!) { completeTrainingJob(input: {id: $id}) { job { id } } }",
        json!({"id": job}),
    )
    .await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let msg = ws.recv().await;
        seen.push((
            msg["id"].as_str().unwrap_or_default().to_owned(),
            msg["payload"]["data"].clone(),
        ));
    }
    seen.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(seen[0].1["trainingJobUpdated"]["status"], "SUCCEEDED");
    assert_eq!(seen[1].1["trainingJobs"]["status"], "SUCCEEDED");
    assert_eq!(seen[1].1["trainingJobs"]["id"], job.as_str());
}

#[tokio::test]
async fn a_client_that_resumes_from_its_cursor_misses_nothing() {
    let app = TestApp::new().await;
    let addr = app.serve().await;
    http(&addr, ENQUEUE, json!({"i": {"ns": NS, "name": "seed"}})).await;
    let start = newest_cursor(&app).await;
    assert!(start.is_some());

    let mut ws = Ws::connect(&addr, "graphql-transport-ws").await;
    ws.subscribe(
        "1",
        WATCH_EVENTS,
        json!({"after": start, "types": ["TrainingJob"]}),
    )
    .await;
    let mut names = Vec::new();
    for i in 0..3 {
        let name = format!("first-{i}");
        http(&addr, ENQUEUE, json!({"i": {"ns": NS, "name": name}})).await;
        names.push(name);
    }
    let e1 = ws.next_data().await["events"].clone();
    let e2 = ws.next_data().await["events"].clone();
    assert_eq!(e1["action"], "CREATE");
    assert_ne!(e1["id"], e2["id"]);
    // The client goes away after two events.
    drop(ws);
    for i in 0..4 {
        http(
            &addr,
            ENQUEUE,
            json!({"i": {"ns": NS, "name": format!("later-{i}")}}),
        )
        .await;
    }
    let mut ws = Ws::connect(&addr, "graphql-transport-ws").await;
    ws.subscribe(
        "1",
        WATCH_EVENTS,
        json!({"after": e2["cursor"], "types": ["TrainingJob"]}),
    )
    .await;
    let mut resumed = Vec::new();
    for _ in 0..5 {
        resumed.push(ws.next_data().await["events"].clone());
    }
    assert!(
        ws.quiet_for(Duration::from_millis(700)).await,
        "no duplicates after the gap"
    );

    // Exactly the log's events after e2, in the log's order.
    let log = app
        .ok(
            "{ events(filter: {entityType: {eq: \"TrainingJob\"}}, orderBy: [{field: CREATED_AT, direction: ASC}], first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let log: Vec<&str> = log["events"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["id"].as_str())
        .collect();
    let pos = log
        .iter()
        .position(|id| Some(*id) == e2["id"].as_str())
        .unwrap_or_else(|| panic!("e2 not in the log"));
    let expected: Vec<&str> = log[pos + 1..].to_vec();
    let got: Vec<&str> = resumed.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(got, expected);
    let cursors: Vec<&str> = resumed
        .iter()
        .filter_map(|e| e["cursor"].as_str())
        .collect();
    let distinct: std::collections::BTreeSet<&&str> = cursors.iter().collect();
    assert_eq!(distinct.len(), 5);

    // A cursor that is not one is refused with a code.
    ws.subscribe(
        "2",
        WATCH_EVENTS,
        json!({"after": "garbage", "types": null}),
    )
    .await;
    let err = ws.recv().await;
    assert_eq!(err["id"], "2", "{err}");
    assert_eq!(
        err["payload"]["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(err["payload"]["errors"][0]["extensions"]["field"], "after");
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_is_served_too() {
    let app = TestApp::new().await;
    let addr = app.serve().await;
    let job = http(&addr, ENQUEUE, json!({"i": {"ns": NS, "name": "legacy"}})).await["enqueueTrainingJob"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut ws = Ws::connect(&addr, "graphql-ws").await;
    ws.subscribe("a", WATCH_JOB, json!({"id": job})).await;
    assert_eq!(
        ws.next_data().await["trainingJobUpdated"]["status"],
        "QUEUED"
    );
    http(
        &addr,
        "mutation($id: ID!) { cancelTrainingJob(input: {id: $id}) { id } }",
        json!({"id": job}),
    )
    .await;
    assert_eq!(
        ws.next_data().await["trainingJobUpdated"]["status"],
        "CANCELLED"
    );
}

#[tokio::test]
async fn the_listener_reconnects_after_its_connection_is_killed() {
    let writer = TestApp::new().await;
    let mut watcher = writer.instance().await;
    instance_with_slow_poll(&mut watcher);
    let addr = watcher.serve().await;
    let job = writer
        .ok(ENQUEUE, json!({"i": {"ns": NS, "name": "survivor"}}))
        .await["enqueueTrainingJob"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut ws = Ws::connect(&addr, "graphql-transport-ws").await;
    ws.subscribe("1", WATCH_JOB, json!({"id": job})).await;
    assert_eq!(
        ws.next_data().await["trainingJobUpdated"]["status"],
        "QUEUED"
    );

    // The listener connects in the background: wait for it, then kill it.
    let mut killed = 0;
    for _ in 0..100 {
        killed = writer
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                writer.db().get_database_backend(),
                "SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
                  WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
            ))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .and_then(|r| r.try_get::<i64>("", "n").ok())
            .unwrap_or(0);
        if killed > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(killed, 1, "the watcher's listener connection");
    // No wait for the reconnect: a write before it is caught up on reconnect, one after
    // it is heard through NOTIFY.

    // A write through the other instance: only NOTIFY on a reconnected listener (or its
    // catch-up on reconnect) can bring it to the watcher before its 10-minute poll.
    writer.ok(CLAIM, json!({"ns": NS})).await;
    assert_eq!(
        ws.next_data().await["trainingJobUpdated"]["status"],
        "RUNNING"
    );
    writer.ok(PROGRESS, json!({"id": job, "p": 55.0})).await;
    assert_eq!(ws.next_data().await["trainingJobUpdated"]["progress"], 55.0);
}

#[tokio::test]
async fn a_rolled_back_write_announces_nothing() {
    let app = TestApp::new().await;
    let addr = app.serve().await;
    let job = http(&addr, ENQUEUE, json!({"i": {"ns": NS, "name": "rb"}})).await["enqueueTrainingJob"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    http(&addr, CLAIM, json!({"ns": NS})).await;
    let start = newest_cursor(&app).await;
    let mut ws = Ws::connect(&addr, "graphql-transport-ws").await;
    ws.subscribe("1", WATCH_EVENTS, json!({"after": start}))
        .await;
    // Fails after the job row was updated inside its transaction: rolled back.
    let resp: Value = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .json(&json!({"query": "mutation($id: ID!) { completeTrainingJob(input: {id: $id, runs: [{metrics: 3}]}) { job { id } } }", "variables": {"id": job}}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        ws.quiet_for(Duration::from_millis(800)).await,
        "nothing announced"
    );
    http(&addr, PROGRESS, json!({"id": job, "p": 1.0})).await;
    let e = ws.next_data().await["events"].clone();
    assert_eq!(
        e["action"], "JOB_PROGRESS",
        "the next event is the committed one"
    );
}

#[tokio::test]
async fn sqlite_delivers_in_process() {
    let dir = std::env::temp_dir().join(format!("mlgraph-live-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}?mode=rwc", dir.join("live.db").display());
    let (conn, statements) = mlgraph::db::connect(&url, &mlgraph::db::DbOptions::default())
        .await
        .unwrap_or_else(|e| panic!("open sqlite: {e}"));
    mlgraph::db::migrate(&conn)
        .await
        .unwrap_or_else(|e| panic!("migrate: {e}"));
    let mut state = mlgraph::AppState::new(conn, statements);
    state.feed = EventFeed::new(
        state.db.clone(),
        FeedOptions {
            poll_interval: Duration::from_secs(600),
            ..FeedOptions::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let db = state.db.clone();
    let router = mlgraph::app(state);
    tokio::spawn(async move { axum::serve(listener, router).await });

    // Subscribe from the newest event's cursor: deliveries do not depend on when the
    // subscription starts.
    http(&addr, ENQUEUE, json!({"i": {"ns": NS, "name": "first"}})).await;
    let start = http(
        &addr,
        "{ events(first: 1) { edges { node { cursor } } } }",
        json!({}),
    )
    .await["events"]["edges"][0]["node"]["cursor"]
        .clone();
    assert!(start.is_string(), "{start}");
    let mut ws = Ws::connect(&addr, "graphql-transport-ws").await;
    ws.subscribe(
        "1",
        WATCH_EVENTS,
        json!({"after": start, "types": ["TrainingJob"]}),
    )
    .await;
    let mut created = Vec::new();
    for i in 0..3 {
        created.push(
            http(
                &addr,
                ENQUEUE,
                json!({"i": {"ns": NS, "name": format!("s{i}")}}),
            )
            .await["enqueueTrainingJob"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(
            ws.next_data().await["events"]["entityId"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(got, created, "in commit order");

    // Writes that no GraphQL request made announce themselves too (a commit wakes the
    // feed, whoever wrote it): a worker failing a silent job, an OpenLineage event.
    let claimed = http(
        &addr,
        "mutation { claimTrainingJob(worker: \"w\") { id } }",
        json!({}),
    )
    .await["claimTrainingJob"]["id"]
        .clone();
    assert_eq!(ws.next_data().await["events"]["action"], "JOB_CLAIMED");
    let failed = mlgraph::training::lifecycle::fail_stale_jobs(&db, Duration::ZERO)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(failed.len(), 1);
    let e = ws.next_data().await["events"].clone();
    assert_eq!(e["entityId"], claimed, "{e}");
    let mut runs = Ws::connect(&addr, "graphql-transport-ws").await;
    runs.subscribe(
        "2",
        WATCH_EVENTS,
        json!({"after": start, "types": ["JobRun"]}),
    )
    .await;
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/lineage"))
        .json(&json!({
            "eventType": "START",
            "eventTime": "2026-12-01T09:00:00Z",
            "producer": "https://example.com/producer",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": "0199d7a1-0000-7000-8000-0000000000f1"},
            "job": {"namespace": "etl", "name": "nightly"},
        }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status().as_u16(), 200);
    let e = runs.next_data().await["events"].clone();
    assert_eq!(
        (e["entityType"].as_str(), e["action"].as_str()),
        (Some("JobRun"), Some("CREATE")),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// An instance that polls the log only every 10 minutes, serving, with one event in the
/// log and a subscriber to every event after it.
async fn watching_events_with_slow_poll() -> (TestApp, String, Ws) {
    let mut app = TestApp::new().await;
    instance_with_slow_poll(&mut app);
    let addr = app.serve().await;
    http(&addr, ENQUEUE, json!({"i": {"ns": NS, "name": "before"}})).await;
    let start = newest_cursor(&app).await;
    let mut ws = Ws::connect(&addr, "graphql-transport-ws").await;
    ws.subscribe("1", WATCH_EVENTS, json!({"after": start}))
        .await;
    (app, addr, ws)
}

/// An open transaction on `db` that holds a transaction id (as a writer does).
async fn open_writer(db: &sea_orm::DatabaseConnection) -> sea_orm::DatabaseTransaction {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let txn = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
    txn.execute_unprepared("SELECT pg_current_xact_id()")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    txn
}

#[tokio::test]
async fn an_event_behind_an_older_open_transaction_waits_for_it_then_arrives() {
    let (app, addr, mut ws) = watching_events_with_slow_poll().await;

    // An older writing transaction is still open when the next event commits: a reader
    // resuming from a cursor could otherwise skip whatever that transaction writes.
    let older = open_writer(app.db()).await;
    http(&addr, ENQUEUE, json!({"i": {"ns": NS, "name": "after"}})).await;
    assert!(
        ws.quiet_for(Duration::from_millis(700)).await,
        "not final while an older transaction runs"
    );
    older.rollback().await.unwrap_or_else(|e| panic!("{e}"));
    // No further wake-up comes (the poll is 10 minutes): the feed must look again itself.
    let e = ws.next_data().await["events"].clone();
    assert_eq!(e["action"], "CREATE");
}

#[tokio::test]
async fn an_open_transaction_in_another_database_holds_nothing_back() {
    let (_app, addr, mut ws) = watching_events_with_slow_poll().await;

    // A writing transaction of another database of the same cluster, older than the
    // event: it cannot write this log, so delivery does not wait for it.
    let other = TestApp::new().await;
    let elsewhere = open_writer(other.db()).await;
    http(&addr, ENQUEUE, json!({"i": {"ns": NS, "name": "after"}})).await;
    let e = ws.next_data().await["events"].clone();
    assert_eq!(e["action"], "CREATE");
    elsewhere.rollback().await.unwrap_or_else(|e| panic!("{e}"));
}

/// A raw `graphql-transport-ws` socket, before any handshake.
pub(crate) async fn raw_socket(
    addr: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut req = format!("ws://{addr}/graphql")
        .into_client_request()
        .unwrap_or_else(|e| panic!("request: {e}"));
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws"
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    tokio_tungstenite::connect_async(req)
        .await
        .unwrap_or_else(|e| panic!("websocket connect: {e}"))
        .0
}

/// The close code the server ends the socket with (skipping other frames).
pub(crate) async fn close_code(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> u16 {
    loop {
        let msg = tokio::time::timeout(WAIT, socket.next())
            .await
            .unwrap_or_else(|_| panic!("not closed within {WAIT:?}"));
        match msg {
            Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// graphql-transport-ws close codes, with raw frames: 4408 without `connection_init`
/// (within the configured timeout), 4401 for `subscribe` before it, 4400 for a message
/// that is not JSON, 4409 for a second `subscribe` with a running id, 4429 for a second
/// `connection_init`.
#[tokio::test]
async fn protocol_errors_close_with_the_codes_the_protocol_names() {
    let app = TestApp::new().await;
    let app = app.with_limits(|l| l.ws_init_timeout = Duration::from_millis(300));
    let addr = app.serve().await;
    let init = || Message::text(json!({"type": "connection_init", "payload": {}}).to_string());
    let watch = |id: &str| {
        Message::text(
            json!({"id": id, "type": "subscribe", "payload": {"query": "subscription { events { id } }"}})
                .to_string(),
        )
    };

    let mut silent = raw_socket(&addr).await;
    assert_eq!(close_code(&mut silent).await, 4408, "no connection_init");

    let mut early = raw_socket(&addr).await;
    early
        .send(watch("1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        close_code(&mut early).await,
        4401,
        "subscribe before connection_init"
    );

    let mut garbage = raw_socket(&addr).await;
    garbage.send(init()).await.unwrap_or_else(|e| panic!("{e}"));
    garbage
        .send(Message::text("{not json"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(close_code(&mut garbage).await, 4400, "unparseable message");

    // A type or format the protocol does not name is a violation too (graphql-ws's
    // PROTOCOL.md: "Receiving a message of a type or format which is not specified in
    // this document will result in an immediate socket closure with 4400").
    for (bad, why) in [
        (json!({"type": "hello"}), "unknown type"),
        (
            json!({"type": "subscribe", "payload": {"query": "{ apiVersion }"}}),
            "subscribe without id",
        ),
        (
            json!({"id": "1", "type": "subscribe", "payload": {}}),
            "subscribe without a query",
        ),
        (
            json!({"id": "1", "type": "subscribe", "payload": {"query": 5}}),
            "a query that is not a string",
        ),
        (json!({"type": "complete"}), "complete without id"),
        (json!({"type": 7}), "a type that is not a string"),
    ] {
        let mut socket = raw_socket(&addr).await;
        socket.send(init()).await.unwrap_or_else(|e| panic!("{e}"));
        socket
            .send(Message::text(bad.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(close_code(&mut socket).await, 4400, "{why}");
    }

    let mut twice = raw_socket(&addr).await;
    twice.send(init()).await.unwrap_or_else(|e| panic!("{e}"));
    twice
        .send(watch("1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    twice
        .send(watch("1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        close_code(&mut twice).await,
        4409,
        "duplicate subscription id"
    );

    let mut reinit = raw_socket(&addr).await;
    reinit.send(init()).await.unwrap_or_else(|e| panic!("{e}"));
    reinit.send(init()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        close_code(&mut reinit).await,
        4429,
        "second connection_init"
    );

    // A well-behaved client is served as before, past the init timeout.
    let mut ws = Ws::connect(&addr, "graphql-transport-ws").await;
    ws.subscribe("1", "subscription { events { action } }", json!({}))
        .await;
    assert!(
        ws.quiet_for(Duration::from_millis(500)).await,
        "still open, nothing to say"
    );
    http(
        &addr,
        ENQUEUE,
        json!({"i": {"ns": NS, "name": "after-timeout"}}),
    )
    .await;
    assert_eq!(ws.next_data().await["events"]["action"], "CREATE");
}

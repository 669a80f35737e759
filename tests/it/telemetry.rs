//! OpenTelemetry traces: the real binary exports to an OTLP/HTTP receiver run by the
//! test (protobuf decoded with `opentelemetry-proto`), and a nested query continuing a
//! client's `traceparent` produces the span tree HTTP request → GraphQL operation →
//! DataLoader batch → SQL statement, all in the client's trace.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

use crate::harness::TestApp;

/// Starts a receiver; returns its base URL and the spans it is sent.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Span>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let tx = tx.clone();
            async move {
                let req = ExportTraceServiceRequest::decode(body)
                    .unwrap_or_else(|e| panic!("not an OTLP trace export: {e}"));
                for rs in req.resource_spans {
                    for ss in rs.scope_spans {
                        for span in ss.spans {
                            let _ = tx.send(span);
                        }
                    }
                }
                // An empty ExportTraceServiceResponse.
                (
                    [("content-type", "application/x-protobuf")],
                    Vec::<u8>::new(),
                )
            }
        }),
    );
    let listener = TestApp::bind().await;
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("receiver address: {e}"));
    tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .unwrap_or_else(|e| panic!("receiver: {e}"))
    });
    (format!("http://{addr}"), rx)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn a_nested_query_exports_the_span_tree_in_the_callers_trace() {
    let (otlp, mut spans) = receiver().await;
    let dir = std::env::temp_dir().join(format!("mlgraph-otel-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let port = {
        let l = TestApp::bind().await;
        l.local_addr()
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mlgraph"))
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--database-url")
        .arg(format!("sqlite://{}?mode=rwc", dir.join("m.db").display()))
        .args(["--otlp-endpoint", &otlp, "--log-format", "json"])
        .env("OTEL_BSP_SCHEDULE_DELAY", "50")
        .env("RUST_LOG", "info")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start mlgraph: {e}"));
    // Ready once it says it listens (its log goes to stderr).
    let out = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let mut lines = BufReader::new(out).lines();
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("listening on") {
                return;
            }
        }
        panic!("mlgraph exited before listening");
    })
    .await
    .unwrap_or_else(|_| panic!("mlgraph did not start listening"));
    // The rest of the log, line by line.
    let (log_tx, mut log) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = log_tx.send(line);
        }
    });

    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let body = serde_json::json!({"query": "query Nested { models(first: 5) { edges { node { name versions(first: 3) { edges { node { version deployments { edges { node { endpoint { name } } } } } } } } } } }"});
    let resp: serde_json::Value = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .header("traceparent", format!("00-{trace}-{caller_span}-01"))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("query: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("response: {e}"));
    assert!(resp.get("errors").is_none(), "{resp:#}");
    assert_eq!(
        resp["extensions"]["traceId"], trace,
        "trace id in the response"
    );

    // Collect the trace's spans until the tree is complete (or give up loudly).
    let mut by_id: HashMap<String, Span> = HashMap::new();
    let complete = |by_id: &HashMap<String, Span>| -> Option<(String, String, String, String)> {
        let parent_of = |s: &Span| hex(&s.parent_span_id);
        let http = by_id.values().find(|s| parent_of(s) == caller_span)?;
        let http_id = hex(&http.span_id);
        let op = by_id
            .values()
            .find(|s| parent_of(s) == http_id && s.name.contains("Nested"))?;
        let op_id = hex(&op.span_id);
        let batch = by_id
            .values()
            .find(|s| parent_of(s) == op_id && s.name.starts_with("dataloader"))?;
        let batch_id = hex(&batch.span_id);
        let sql = by_id
            .values()
            .find(|s| parent_of(s) == batch_id && s.name.starts_with("SELECT"))?;
        Some((
            http.name.clone(),
            op.name.clone(),
            batch.name.clone(),
            sql.name.clone(),
        ))
    };
    let tree = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(tree) = complete(&by_id) {
                return tree;
            }
            match spans.recv().await {
                Some(s) if hex(&s.trace_id) == trace => {
                    by_id.insert(hex(&s.span_id), s);
                }
                Some(_) => {}
                None => panic!("receiver closed"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| {
        let names: Vec<(String, String, String)> = by_id
            .values()
            .map(|s| (s.name.clone(), hex(&s.span_id), hex(&s.parent_span_id)))
            .collect();
        panic!("incomplete span tree: {names:#?}")
    });
    assert_eq!(tree.0, "POST /graphql");
    assert_eq!(tree.1, "query Nested");
    let op = by_id
        .values()
        .find(|s| s.name == "query Nested")
        .unwrap_or_else(|| panic!("no operation span"));
    let complexity = op
        .attributes
        .iter()
        .find(|a| a.key == "graphql.complexity")
        .and_then(|a| a.value.as_ref())
        .and_then(|v| match &v.value {
            Some(opentelemetry_proto::tonic::common::v1::any_value::Value::IntValue(n)) => Some(*n),
            _ => None,
        });
    assert!(
        complexity.is_some_and(|c| c > 5),
        "complexity on the operation: {:?}",
        op.attributes
    );
    // SQL spans name the statement kind and table, never values.
    let sql: Vec<&Span> = by_id
        .values()
        .filter(|s| s.name.starts_with("SELECT"))
        .collect();
    assert!(
        sql.iter().any(|s| s.name == "SELECT models"),
        "{:?}",
        sql.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    for s in &sql {
        assert!(
            s.attributes.iter().all(|a| a.key != "db.query.text"),
            "no statement text is exported"
        );
        assert!(s.end_time_unix_nano >= s.start_time_unix_nano);
    }
    // The response's log line carries the request id and the trace id.
    let line = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(line) = log.recv().await {
            if line.contains("finished processing request") && line.contains(trace) {
                return line;
            }
        }
        panic!("the log ended without the request's line");
    })
    .await
    .unwrap_or_else(|_| panic!("no log line with the trace id"));
    let v: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(v["span"]["trace_id"], trace, "{v:#}");
    assert!(
        v["span"]["request_id"]
            .as_str()
            .is_some_and(|r| r.len() > 8),
        "{v:#}"
    );
    child.kill().await.ok();
}

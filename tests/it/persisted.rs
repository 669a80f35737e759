//! Persisted documents (GraphQL-over-HTTP, Appendix A): a document named by its
//! `sha256:` id by POST and GET answers as the document itself would; an unknown id is a
//! single error; a mutation by GET is 405; with `--persisted-only` nothing else runs; the
//! CLI writes the manifest and prints the ids.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use mlgraph::gql::persisted::{PersistedDocuments, id_of};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::harness::{TestApp, create_model};

const READ: &str =
    "query ($id: ID!) {\n  node(id: $id) {\n    id\n    ... on Model { name }\n  }\n}";
const WRITE: &str =
    "mutation { createWorkflow(input: {ns: \"acme.com\", name: \"persisted\"}) { name } }";

async fn call(router: &axum::Router, req: Request<Body>) -> (u16, Value) {
    let resp = router
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn post(body: &Value) -> Request<Body> {
    Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn get(query: &[(&str, &str)]) -> Request<Body> {
    let qs = serde_urlencoded::to_string(query).unwrap_or_default();
    Request::get(format!("/graphql?{qs}"))
        .header("accept", "application/graphql-response+json")
        .body(Body::empty())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn router(app: &TestApp, only: bool) -> axum::Router {
    let manifest = json!({ id_of(READ): READ, id_of(WRITE): WRITE, "home-page": "{ __typename }" });
    let docs = PersistedDocuments::from_manifest(&manifest.to_string(), only)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut state = app.state.clone();
    state.persisted = Some(Arc::new(docs));
    mlgraph::app(state)
}

#[tokio::test]
async fn documents_run_by_id_by_post_and_get() {
    let app = TestApp::new().await;
    let model = create_model(&app, "acme.com", "fraud").await;
    let r = router(&app, false);
    let vars = json!({"id": model});

    let sent = call(&r, post(&json!({"query": READ, "variables": vars}))).await;
    assert_eq!(sent.1["data"]["node"]["name"], "fraud", "{sent:?}");
    let by_post = call(
        &r,
        post(&json!({"documentId": id_of(READ), "variables": vars})),
    )
    .await;
    assert_eq!(by_post, sent);
    let vars_text = vars.to_string();
    let by_get = call(
        &r,
        get(&[("documentId", &id_of(READ)), ("variables", &vars_text)]),
    )
    .await;
    assert_eq!(by_get, sent);
    let custom = call(&r, post(&json!({"documentId": "home-page"}))).await;
    assert_eq!(custom.1["data"]["__typename"], "QueryRoot", "{custom:?}");

    // An unknown id: one error, coded.
    let (status, body) = call(
        &r,
        post(&json!({"documentId": "sha256:0000000000000000000000000000000000000000000000000000000000000000"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_DOCUMENT_NOT_FOUND"
    );
    let (status, body) = call(&r, get(&[("documentId", "nope")])).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_DOCUMENT_NOT_FOUND"
    );
    // A query that is not the document named is refused.
    let (status, body) = call(
        &r,
        post(&json!({"documentId": id_of(READ), "query": "{ __typename }"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // A mutation by GET is 405, and writes nothing.
    let before = app.count("workflows").await;
    let (status, _) = call(&r, get(&[("documentId", &id_of(WRITE))])).await;
    assert_eq!(status, 405);
    assert_eq!(app.count("workflows").await, before);
    let (status, body) = call(&r, post(&json!({"documentId": id_of(WRITE)}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["createWorkflow"]["name"], "persisted");
}

#[tokio::test]
async fn persisted_only_runs_nothing_else() {
    let app = TestApp::new().await;
    let r = router(&app, true);
    let (status, body) = call(&r, post(&json!({"query": "{ models { totalCount } }"}))).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "PERSISTED_DOCUMENT_REQUIRED",
        "{body}"
    );
    assert_ne!(status, 200, "{body}");
    assert_eq!(body["data"], Value::Null);
    // Exactly a persisted document's text runs; by id too.
    let (_, body) = call(&r, post(&json!({"query": "{ __typename }"}))).await;
    assert_eq!(body["data"]["__typename"], "QueryRoot", "{body}");
    let (_, body) = call(&r, post(&json!({"documentId": "home-page"}))).await;
    assert_eq!(body["data"]["__typename"], "QueryRoot", "{body}");
    let (_, body) = call(&r, post(&json!({"query": "{ __typename } "}))).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "PERSISTED_DOCUMENT_REQUIRED",
        "{body}"
    );
}

/// `--persisted-only` holds over WebSocket too: an operation sent as text that is not a
/// persisted document is refused with its code; a persisted one runs.
#[tokio::test]
async fn persisted_only_holds_over_websocket() {
    let app = TestApp::new().await;
    let listener = TestApp::bind().await;
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let served = router(&app, true);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, served).await {
            panic!("server failed: {e}");
        }
    });
    let mut ws = crate::live::Ws::connect_with(&addr, "graphql-transport-ws", json!({})).await;
    ws.subscribe("1", "{ models { totalCount } }", json!({}))
        .await;
    let refused = ws.recv().await;
    assert_eq!(refused["id"], "1", "{refused}");
    assert_eq!(refused["payload"]["data"], Value::Null, "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "PERSISTED_DOCUMENT_REQUIRED",
        "{refused}"
    );
    ws.subscribe("2", "{ __typename }", json!({})).await;
    let answer = loop {
        let m = ws.recv().await;
        if m["id"] == "2" {
            break m;
        }
    };
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(
        answer["payload"]["data"],
        json!({"__typename": "QueryRoot"})
    );
}

#[tokio::test]
async fn the_cli_adds_documents_to_a_manifest_and_prints_their_ids() {
    let dir = crate::harness::temp_dir("persisted");
    let doc = dir.join("read.graphql");
    std::fs::write(&doc, READ).unwrap_or_else(|e| panic!("{e}"));
    let manifest = dir.join("manifest.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlgraph"))
        .args(["persisted", "add", "--manifest"])
        .arg(&manifest)
        .arg(&doc)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, format!("{}\t{}\n", id_of(READ), doc.display()));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written, json!({ id_of(READ): READ }));
    // Not a GraphQL document: refused, the manifest untouched.
    let bad = dir.join("bad.graphql");
    std::fs::write(&bad, "{ unclosed").unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlgraph"))
        .args(["persisted", "add", "--manifest"])
        .arg(&manifest)
        .arg(&bad)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, written);
    std::fs::remove_dir_all(&dir).ok();
}

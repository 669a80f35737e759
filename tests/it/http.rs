//! The HTTP surface: GraphQL over POST and GET, GraphiQL, health, limits, request ids.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::harness::TestApp;

async fn send(app: &TestApp, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = mlgraph::app(app.state.clone())
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
    let (status, _, body) = send(
        &app,
        Request::get("/")
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("graphiql"), "GraphiQL page expected");
    let (status, _, _) = send(
        &app,
        Request::get("/healthz")
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = send(
        &app,
        Request::get("/readyz")
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ready");

    let huge = format!(
        r#"{{"query":"{{ models {{ totalCount }} }}","x":"{}"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    let mut req = post(&huge);
    req.headers_mut()
        .insert("content-length", huge.len().into());
    let (status, _, _) = send(&app, req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

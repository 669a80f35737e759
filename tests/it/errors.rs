//! Bad input of every kind gets a coded error, and rejected queries run no SQL.

use mlgraph::error::AppError;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::harness::{TestApp, create_model};

#[tokio::test]
async fn invalid_arguments_are_bad_user_input() {
    let app = TestApp::new().await;
    let model = create_model(&app, "acme.com", "fraud").await;
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("query { model(id: \"garbage\") { id } }", json!({})),
        (
            "query($id: ID!) { dataset(id: $id) { id } }",
            json!({"id": model}),
        ),
        ("query { models(first: 0) { totalCount } }", json!({})),
        ("query { models(first: 101) { totalCount } }", json!({})),
        (
            "query { models(after: \"nope\") { totalCount } }",
            json!({}),
        ),
        (
            "query { models(first: 1, last: 1) { totalCount } }",
            json!({}),
        ),
        ("query { models { noSuchField } }", json!({})),
        (
            "query { models(filter: {id: {eq: \"garbage\"}}) { totalCount } }",
            json!({}),
        ),
        ("query { this is not graphql", json!({})),
        (
            "mutation { createModel(input: {ns: \"/acme\", name: \"x\"}) { id } }",
            json!({}),
        ),
        (
            "mutation { createModel(input: {ns: \"acme.com\", name: \"  \"}) { id } }",
            json!({}),
        ),
        (
            "mutation { createTrainingJob(input: {ns: \"acme.com\", name: \"j\", priority: 11}) { id } }",
            json!({}),
        ),
        (
            "mutation($m: ID!) { createModelVersion(input: {modelId: $m, sizeBytes: 0}) { id } }",
            json!({"m": model}),
        ),
        (
            "mutation($m: ID!) { createModelVersion(input: {modelId: $m, metrics: [1, 2]}) { id } }",
            json!({"m": model}),
        ),
        (
            "mutation { createDataset(input: {ns: \"acme.com\", name: \"d\", dataType: NOT_A_TYPE}) { id } }",
            json!({}),
        ),
    ];
    let mut errors = Vec::new();
    for (query, vars) in cases {
        let resp = app.gql(query, vars).await;
        assert_eq!(
            resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}: {resp:#}"
        );
        errors.push(json!({"query": query, "errors": resp["errors"]}));
    }
    // What each client is told: message, field and code (ids and times redacted).
    insta::assert_json_snapshot!(
        "invalid_arguments",
        crate::harness::redacted(&json!(errors), &[(model.as_str(), "model fraud")])
    );
    // Nothing was half-written by any of them.
    assert_eq!(app.count("model_versions").await, 0);
    assert_eq!(app.count("training_jobs").await, 0);
    assert_eq!(app.count("datasets").await, 0);
}

#[tokio::test]
async fn missing_nodes_are_not_found() {
    let app = TestApp::new().await;
    let model = create_model(&app, "acme.com", "fraud").await;
    app.ok(
        "mutation($id: ID!) { deleteModel(id: $id) }",
        json!({"id": model}),
    )
    .await;
    for (q, vars) in [
        (
            "query($id: ID!) { model(id: $id) { id } }",
            json!({"id": model}),
        ),
        (
            "mutation($id: ID!) { deleteModel(id: $id) }",
            json!({"id": model}),
        ),
        (
            "mutation($m: ID!) { createModelVersion(input: {modelId: $m}) { id } }",
            json!({"m": model}),
        ),
        (
            "{ model(ns: \"acme.com\", name: \"nope\") { id } }",
            json!({}),
        ),
    ] {
        assert_eq!(app.error_code(q, vars).await, "NOT_FOUND", "{q}");
    }
}

#[tokio::test]
async fn references_across_namespaces_are_refused() {
    let app = TestApp::new().await;
    let wf = app
        .ok(
            "mutation { createWorkflow(input: {ns: \"other.org\", name: \"w\"}) { id } }",
            json!({}),
        )
        .await["createWorkflow"]["id"]
        .clone();
    let code = app
        .error_code(
            "mutation($w: ID!) { createModel(input: {ns: \"acme.com\", name: \"m\", workflowId: $w}) { id } }",
            json!({"w": wf}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(app.count("models").await, 0);
}

#[tokio::test]
async fn limits_reject_queries_before_any_sql() {
    let app = TestApp::new().await;
    let before = app.statements().get();
    // Deeper than the default depth limit (32): version → model → version ... 10 times.
    let mut deep = String::from("id");
    for _ in 0..10 {
        deep = format!("model {{ versions(first: 1) {{ edges {{ node {{ {deep} }} }} }} }}");
    }
    let deep = format!("{{ modelVersions(first: 1) {{ edges {{ node {{ {deep} }} }} }} }}");
    let deep = deep.as_str();
    let resp = app.gql(deep, json!({})).await;
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{resp}"
    );
    // Too complex: wide pages nested three times.
    let wide = "{ models(first: 100) { edges { node { versions(first: 100) { edges { node { deployments(first: 100) { edges { node { id trafficPercent } } } } } } } } } }";
    assert_eq!(app.error_code(wide, json!({})).await, "QUERY_TOO_COMPLEX");
    assert_eq!(
        app.statements().get(),
        before,
        "rejected queries must not touch the database"
    );
}

#[tokio::test]
async fn database_constraints_back_the_rules_and_map_to_fields() {
    let app = TestApp::new().await;
    // Bypass the service layer: the database itself refuses out-of-range values.
    let err = app
        .db()
        .execute_unprepared(
            "INSERT INTO training_jobs (id, ns, name, status, priority, progress, config, revision, created_at, updated_at)
             VALUES (gen_random_uuid(), 'acme.com', 'j', 'QUEUED', 11, 0, '{}', 1, now(), now())",
        )
        .await
        .err()
        .map(AppError::from_db);
    match err {
        Some(AppError::BadInput { field, .. }) => assert_eq!(field.as_deref(), Some("priority")),
        other => panic!("expected a priority violation, got {other:?}"),
    }
    let err = app
        .db()
        .execute_unprepared(
            "INSERT INTO endpoints (id, ns, name, environment, status, created_at, updated_at)
             VALUES (gen_random_uuid(), 'acme.com', 'e', 'MARS', 'ACTIVE', now(), now())",
        )
        .await
        .err()
        .map(AppError::from_db);
    assert!(matches!(err, Some(AppError::BadInput { .. })), "{err:?}");
    // A second PRODUCTION version of one model is refused by the partial unique index.
    let model = create_model(&app, "acme.com", "fraud").await;
    let model_uuid = mlgraph::core::ids::decode(&model)
        .map(|(_, u)| u)
        .unwrap_or_default();
    let insert = |n: i32| {
        format!(
            "INSERT INTO model_versions (id, ns, model_id, version, metrics, params, stage, created_at, updated_at)
             VALUES (gen_random_uuid(), 'acme.com', '{model_uuid}', {n}, '{{}}', '{{}}', 'PRODUCTION', now(), now())"
        )
    };
    app.db()
        .execute_unprepared(&insert(1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let err = app
        .db()
        .execute_unprepared(&insert(2))
        .await
        .err()
        .map(AppError::from_db);
    assert!(matches!(err, Some(AppError::Conflict { .. })), "{err:?}");
}

/// A write outside the caller's namespaces is refused before it reaches the database:
/// the answer is `FORBIDDEN`, not the database's verdict (a name conflict would tell the
/// caller what exists there), and nothing is written.
#[tokio::test]
async fn writes_outside_the_scope_are_refused_before_the_database_sees_them() {
    use mlgraph::core::context::{RequestContext, Scope};
    let app = TestApp::new().await;
    crate::harness::create_model(&app, "acme.com", "fraud").await;
    let (models, events) = (app.count("models").await, app.count("events").await);
    let outsider = RequestContext {
        actor: Some("outsider".into()),
        scope: Scope::editor_of(["other.com"]),
        ..RequestContext::default()
    };
    let q = "mutation($i: CreateModelInput!) { createModel(input: $i) { id } }";
    for name in ["fraud", "new-one"] {
        let resp = app
            .gql_as(
                outsider.clone(),
                q,
                json!({"i": {"ns": "acme.com", "name": name}}),
            )
            .await;
        assert_eq!(
            resp["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{name}: {resp:#}"
        );
    }
    assert_eq!(app.count("models").await, models);
    assert_eq!(app.count("events").await, events);
}

/// Hostile documents are refused cheaply, coded `QUERY_TOO_COMPLEX`, before any SQL:
/// alias amplification, too many top-level fields, directive floods, huge documents and
/// deep nesting. Text with NUL is the caller's bad input, not `INTERNAL`, and writes nothing.
#[tokio::test]
async fn hostile_documents_are_refused_before_any_sql() {
    let app = TestApp::new().await;
    let aliases = format!(
        "{{ {} }}",
        (0..300)
            .map(|i| format!("m{i}: models(first: 1) {{ totalCount }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let roots = format!(
        "{{ {} }}",
        (0..40).map(|_| "apiVersion").collect::<Vec<_>>().join(" ")
    );
    let directives = format!(
        "{{ apiVersion {} }}",
        (0..2000)
            .map(|_| "@include(if: true)")
            .collect::<Vec<_>>()
            .join(" ")
    );
    let huge = format!(
        "{{ models(filter: {{name: {{in: [{}]}}}}) {{ totalCount }} }}",
        (0..30_000)
            .map(|i| format!("\"n{i}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut deep = String::from("id");
    for _ in 0..75 {
        deep = format!("model {{ versions(first: 1) {{ edges {{ node {{ {deep} }} }} }} }}");
    }
    let deep = format!("{{ modelVersions(first: 1) {{ edges {{ node {{ {deep} }} }} }} }}");
    let before = app.statements().get();
    for (name, q) in [
        ("aliases", aliases),
        ("root fields", roots),
        ("directives", directives),
        ("tokens", huge),
        ("depth", deep),
    ] {
        assert_eq!(
            app.error_code(&q, json!({})).await,
            "QUERY_TOO_COMPLEX",
            "{name}"
        );
    }
    assert_eq!(app.statements().get(), before, "refused before any SQL");

    let events = app.count("events").await;
    let resp = app
        .gql(
            "mutation($d: String) { createModel(input: {ns: \"acme.com\", name: \"nul\", description: $d}) { id } }",
            json!({"d": "a\u{0}b"}),
        )
        .await;
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{resp:#}"
    );
    assert_eq!(app.count("models").await, 0);
    assert_eq!(app.count("events").await, events);
}

/// "Did you mean" suggestions spell out the schema to whoever probes it: off unless
/// `--dev`; `--production` also turns off introspection (`__schema` answers null), and
/// suggestions with it even under `--dev`.
#[tokio::test]
async fn production_mode_hides_the_schema() {
    let app = TestApp::new().await;
    let typo = "{ modells { totalCount } }";
    let plain = app.gql(typo, json!({})).await;
    assert!(!plain.to_string().contains("Did you mean"), "{plain}");
    assert_eq!(plain["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let dev = app.with_limits(|l| l.suggestions = true);
    let open = dev.gql(typo, json!({})).await;
    assert!(open.to_string().contains("Did you mean"), "{open}");
    app.ok("{ __schema { queryType { name } } }", json!({}))
        .await;

    let prod = app.with_limits(|l| {
        l.production = true;
        l.suggestions = false;
    });
    let hidden = prod.gql(typo, json!({})).await;
    assert!(!hidden.to_string().contains("Did you mean"), "{hidden}");
    assert_eq!(hidden["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let intro = prod
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(intro["data"]["__schema"].is_null(), "{intro}");
}

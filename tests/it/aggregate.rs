//! Aggregates over any list: seed 001's "average training duration grouped by model",
//! grouping by columns, references and time buckets, `having`, the list's own typed
//! filter, scoping, and bad input — on PostgreSQL and SQLite.

use chrono::{Duration, TimeZone, Utc};
use entity::training_job;
use mlgraph::core::context::{Grant, RequestContext, Role, Scope};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::harness::{TestApp, create_model};

const NS: &str = "acme.com/agg";

/// Two models' training jobs with known durations (set on the rows: a worker's
/// lifecycle is tested elsewhere): model a 1 h and 3 h, model b 30 min; one job never ran.
async fn jobs(app: &TestApp) -> (String, String) {
    let a = create_model(app, NS, "a").await;
    let b = create_model(app, NS, "b").await;
    let start = Utc
        .with_ymd_and_hms(2026, 11, 30, 8, 0, 0)
        .single()
        .unwrap_or_default();
    for (model, minutes, priority) in [
        (&a, Some(60), 5),
        (&a, Some(180), 7),
        (&b, Some(30), 1),
        (&b, None, 2),
    ] {
        let id = app
            .ok(
                "mutation($m: ID!, $p: Int) { enqueueTrainingJob(input: {ns: \"acme.com/agg\", name: \"train\", modelId: $m, priority: $p}) { id } }",
                json!({"m": model, "p": priority}),
            )
            .await["enqueueTrainingJob"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (_, uuid) = mlgraph::core::ids::decode(&id).unwrap_or_else(|| panic!("an id"));
        if let Some(m) = minutes {
            training_job::Entity::update_many()
                .col_expr(training_job::Column::StartedAt, Expr::value(start))
                .col_expr(
                    training_job::Column::FinishedAt,
                    Expr::value(start + Duration::minutes(m)),
                )
                .filter(training_job::Column::Id.eq(uuid))
                .exec(app.db())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    (a, b)
}

const BY_MODEL: &str = "{ aggregate(of: TRAINING_JOB, groupBy: [{field: \"model\"}], filter: {ns: {eq: \"acme.com/agg\"}}) {
    key count avg(field: \"durationSeconds\") min(field: \"durationSeconds\") max(field: \"durationSeconds\") sum(field: \"priority\") } }";

fn group<'a>(data: &'a Value, model: &str) -> &'a Value {
    data["aggregate"]
        .as_array()
        .and_then(|gs| gs.iter().find(|g| g["key"]["model"] == model))
        .unwrap_or_else(|| panic!("no group of {model} in {data}"))
}

async fn average_duration_by_model(app: &TestApp) {
    let (a, b) = jobs(app).await;
    let data = app.ok(BY_MODEL, json!({})).await;
    assert_eq!(
        data["aggregate"].as_array().map(Vec::len),
        Some(2),
        "{data}"
    );
    let ga = group(&data, &a);
    assert_eq!(ga["count"], 2);
    assert_eq!(ga["avg"], 7200.0, "(3600 + 10800) / 2: {data}");
    assert_eq!(ga["min"], 3600.0);
    assert_eq!(ga["max"], 10800.0);
    assert_eq!(ga["sum"], 12.0);
    let gb = group(&data, &b);
    assert_eq!(gb["count"], 2, "the job that never ran counts");
    assert_eq!(gb["avg"], 1800.0, "and has no duration: {data}");
}

/// Seed 001: "average training duration grouped by model", on PostgreSQL.
#[tokio::test]
async fn average_training_duration_grouped_by_model() {
    average_duration_by_model(&TestApp::new().await).await;
}

/// The same on SQLite.
#[tokio::test]
async fn average_training_duration_grouped_by_model_on_sqlite() {
    average_duration_by_model(&TestApp::sqlite().await).await;
}

/// Columns, time buckets and `having`; no `groupBy` is one group of everything.
#[tokio::test]
async fn groups_by_columns_and_time_buckets_with_having() {
    let app = TestApp::new().await;
    jobs(&app).await;
    let q = "{ aggregate(of: TRAINING_JOB, groupBy: [{field: \"status\"}, {field: \"startedAt\", bucket: DAY}], having: {count: {gte: 1}}) { key count } }";
    let data = app.ok(q, json!({})).await;
    assert_eq!(
        data["aggregate"],
        json!([
            {"key": {"status": "QUEUED", "startedAt": "2026-11-30T00:00:00Z"}, "count": 3},
            {"key": {"status": "QUEUED", "startedAt": null}, "count": 1},
        ]),
        "{data}"
    );
    let q = "{ aggregate(of: TRAINING_JOB, groupBy: [{field: \"priority\"}], having: {count: {gt: 1}}) { key count } }";
    let none = app.ok(q, json!({})).await;
    assert_eq!(
        none["aggregate"],
        json!([]),
        "every priority is alone: {none}"
    );
    let all = app
        .ok("{ aggregate(of: MODEL) { key count } }", json!({}))
        .await;
    assert_eq!(all["aggregate"], json!([{"key": {}, "count": 2}]));
    // The list's own filter, enumerations as strings (JSON has no enumerations), nested.
    let q = "{ aggregate(of: TRAINING_JOB, filter: {status: {eq: \"QUEUED\"}, priority: {gte: 5}}) { count } }";
    let filtered = app.ok(q, json!({})).await;
    assert_eq!(filtered["aggregate"][0]["count"], 2, "{filtered}");
}

/// Another namespace's rows are not counted; a grant on it counts them.
#[tokio::test]
async fn aggregates_are_scoped_like_the_list() {
    let app = TestApp::new().await;
    jobs(&app).await;
    create_model(&app, "globex.com", "theirs").await;
    let only = |ns: &str| RequestContext {
        actor: Some("ann".into()),
        scope: Scope::Grants(vec![Grant {
            ns: ns.into(),
            role: Role::Viewer,
        }]),
        ..RequestContext::default()
    };
    let q = "{ aggregate(of: MODEL) { count } }";
    let ours = app.gql_as(only("acme.com"), q, json!({})).await;
    assert_eq!(ours["data"]["aggregate"][0]["count"], 2, "{ours}");
    let theirs = app.gql_as(only("globex.com"), q, json!({})).await;
    assert_eq!(theirs["data"]["aggregate"][0]["count"], 1, "{theirs}");
}

/// Bad input is named: an unknown group field, a time without a bucket, a bucket on a
/// non-time, a filter that is not the type's, a numeric field that is not one, a page
/// past the bound.
#[tokio::test]
async fn bad_aggregates_are_refused_with_their_field() {
    let app = TestApp::new().await;
    let cases = [
        (
            "{ aggregate(of: MODEL, groupBy: [{field: \"nope\"}]) { count } }",
            "groupBy.0.field",
        ),
        (
            "{ aggregate(of: MODEL, groupBy: [{field: \"createdAt\"}]) { count } }",
            "groupBy",
        ),
        (
            "{ aggregate(of: MODEL, groupBy: [{field: \"name\", bucket: DAY}]) { count } }",
            "groupBy",
        ),
        (
            "{ aggregate(of: MODEL, filter: {bogus: 1}) { count } }",
            "filter",
        ),
        (
            "{ aggregate(of: MODEL, filter: {versions: {stage: {eq: \"NOPE\"}}}) { count } }",
            "filter",
        ),
        (
            "{ aggregate(of: MODEL, filter: {versions: {bogus: {eq: 1}}}) { count } }",
            "filter.versions",
        ),
        (
            "{ aggregate(of: MODEL, filter: [1]) { count } }",
            "filter.0",
        ),
        ("{ aggregate(of: MODEL, first: 100000) { count } }", "first"),
    ];
    for (q, field) in cases {
        let r = app.gql(q, json!({})).await;
        assert_eq!(
            r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{q}: {r}"
        );
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{q}: {r}");
    }
    create_model(&app, NS, "m").await;
    let r = app
        .gql(
            "{ aggregate(of: MODEL) { avg(field: \"name\") } }",
            json!({}),
        )
        .await;
    assert_eq!(
        r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{r}"
    );
}

/// At an instant in the past, an aggregate counts what existed then.
#[tokio::test]
async fn aggregates_answer_as_of_an_instant() {
    let app = TestApp::new().await;
    create_model(&app, NS, "first").await;
    let then = Utc::now();
    create_model(&app, NS, "second").await;
    let q = "query($t: DateTime) { aggregate(of: MODEL, asOf: $t) { count } }";
    let now = app.ok(q, json!({"t": null})).await;
    assert_eq!(now["aggregate"][0]["count"], 2, "{now}");
    let past = app.ok(q, json!({"t": then})).await;
    assert_eq!(past["aggregate"][0]["count"], 1, "{past}");
}

/// `<relation>Aggregate` on an object: the groups of its own children only, with the
/// child list's typed filter; across a list of parents, each parent's own.
#[tokio::test]
async fn relations_aggregate_their_own_children() {
    let app = TestApp::new().await;
    let (a, b) = jobs(&app).await;
    for _ in 0..3 {
        crate::harness::create_version(&app, &a).await;
    }
    crate::harness::create_version(&app, &b).await;
    let one = app
        .ok(
            "query($m: ID!) { model(id: $m) { versionsAggregate(groupBy: [{field: \"stage\"}]) { key count max(field: \"version\") } trainingJobsAggregate(filter: {priority: {gte: 6}}) { count avg(field: \"durationSeconds\") } } }",
            json!({"m": a}),
        )
        .await;
    assert_eq!(
        one["model"]["versionsAggregate"],
        json!([{"key": {"stage": "NONE"}, "count": 3, "max": 3.0}]),
        "{one}"
    );
    assert_eq!(
        one["model"]["trainingJobsAggregate"],
        json!([{"count": 1, "avg": 10800.0}]),
        "{one}"
    );
    let all = app
        .ok(
            "{ models(orderBy: [{field: NAME}]) { nodes { name versionsAggregate { count } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        all["models"]["nodes"],
        json!([
            {"name": "a", "versionsAggregate": [{"count": 3}]},
            {"name": "b", "versionsAggregate": [{"count": 1}]},
        ]),
        "{all}"
    );
}

/// An aggregate costs its groups times its selection, like a page: many of them in one
/// document are refused before any runs.
#[tokio::test]
async fn many_aggregates_in_one_document_are_too_complex() {
    let app = TestApp::new().await;
    let one =
        "{ aggregate(of: MODEL, first: 1000) { key count sum(field: \"latestVersionNumber\") } }";
    let ok = app.gql(one, json!({})).await;
    assert!(ok.get("errors").is_none(), "{ok}");
    let many: String = (0..100)
        .map(|i| format!("a{i}: aggregate(of: MODEL, first: 1000) {{ key count }} "))
        .collect();
    let refused = app.gql(&format!("{{ {many} }}"), json!({})).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{refused}"
    );
}

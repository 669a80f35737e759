//! The ecosystem's clients against a served mlgraph: `openlineage-python` posting run
//! events (gzip, API key), their replay and shuffle, batches with a bad event; the
//! `mlflow` client logging runs and registering models (see `mlflow_*`).

use chrono::{TimeZone, Utc};
use mlgraph::access::service::{self, NewUser};
use mlgraph::core::clock::Clock;
use mlgraph::core::context::RequestContext;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::harness::{TestApp, temp_dir};

/// The Python with the test clients (`scripts/test.sh` installs them).
pub fn python() -> String {
    std::env::var("MLGRAPH_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "MLGRAPH_TEST_PYTHON is not set: run the suite with ./scripts/test.sh, which installs \
             openlineage-python and mlflow-skinny"
        )
    })
}

/// What the stock MLflow client runs with against `uri`: no retries, no telemetry, git
/// quiet, and the credentials in `auth` (`MLFLOW_TRACKING_TOKEN`, or user name and password).
pub fn mlflow_env(uri: String, auth: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("MLFLOW_TRACKING_URI", uri),
        ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0".into()),
        ("GIT_PYTHON_REFRESH", "quiet".into()),
        ("MLFLOW_DISABLE_TELEMETRY", "true".into()),
        ("DO_NOT_TRACK", "true".into()),
    ];
    env.extend(auth.iter().cloned());
    env
}

/// Which release of the stock `mlflow` client a test runs: the newest (the test venv's),
/// or the one before (`scripts/test.sh` installs it beside, first on `PYTHONPATH`).
#[derive(Clone, Copy, Debug)]
pub enum Release {
    Newest,
    Previous,
}

/// [`mlflow_env`] for `release` of the client. For the previous one, checks that it is
/// the release the test command installed (so a test never runs the newest twice).
pub async fn mlflow_env_for(
    release: Release,
    uri: String,
    auth: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut env = mlflow_env(uri, auth);
    if let Release::Previous = release {
        let var = |k: &str| {
            std::env::var(k).unwrap_or_else(|_| {
                panic!("{k} is not set: run the suite with ./scripts/test.sh, which installs the previous mlflow client")
            })
        };
        env.push(("PYTHONPATH", var("MLGRAPH_TEST_MLFLOW_PREVIOUS")));
        let version = run_python("import mlflow\nprint(mlflow.__version__)\n", &env).await;
        assert_eq!(
            version.trim(),
            var("MLGRAPH_TEST_MLFLOW_PREVIOUS_VERSION"),
            "the previous mlflow client is not the one on PYTHONPATH"
        );
    }
    env
}

/// Runs a Python script with `env`; panics with its output when it fails.
pub async fn run_python(script: &str, env: &[(&str, String)]) -> String {
    let dir = temp_dir("py");
    let path = dir.join("script.py");
    std::fs::write(&path, script).unwrap_or_else(|e| panic!("write script: {e}"));
    let mut cmd = tokio::process::Command::new(python());
    cmd.arg(&path).current_dir(&dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .await
        .unwrap_or_else(|e| panic!("run python: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
    stdout
}

/// An application with authentication on, served over HTTP, and a superuser's key.
pub struct Served {
    pub app: TestApp,
    pub addr: String,
    pub clock: Clock,
}

pub async fn served(base: &TestApp) -> Served {
    let clock = Clock::system();
    let app = base.with_auth(clock.clone());
    let addr = app.serve().await;
    Served { app, addr, clock }
}

fn root() -> RequestContext {
    RequestContext {
        actor: Some("test-admin".into()),
        ..RequestContext::default()
    }
}

/// A person with `grants` and an API key; returns the token.
pub async fn key_with(s: &Served, email: &str, grants: &[(&str, entity::enums::Role)]) -> String {
    let db = s.app.db();
    let user = service::create_user(
        db,
        &s.clock,
        &root(),
        NewUser {
            email: email.into(),
            full_name: None,
            kind: entity::enums::PrincipalKind::Service,
            password: None,
            superuser: false,
            grants: Vec::new(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("create user: {e:?}"));
    for (ns, role) in grants {
        service::grant_role(db, &s.clock, &root(), user.id, (*ns).into(), *role)
            .await
            .unwrap_or_else(|e| panic!("grant: {e:?}"));
    }
    service::create_api_key(db, &s.clock, &root(), Some(user.id), "test".into(), None)
        .await
        .unwrap_or_else(|e| panic!("key: {e:?}"))
        .token
}

/// POSTs JSON to `path` with a bearer token; returns (status, body or null).
pub async fn post_json(addr: &str, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("http://{addr}{path}"))
        .json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

const NS: &str = "airflow-prod";
const DAG_RUN: &str = "0199d7a1-0000-7000-8000-000000000001";
const ETL_RUN: &str = "0199d7a1-0000-7000-8000-000000000002";
const TRAIN_RUN: &str = "0199d7a1-0000-7000-8000-000000000003";

/// A DAG run whose task builds features from a PostgreSQL table into a versioned S3
/// dataset (START, RUNNING, COMPLETE), and a training task that reads them and fails.
/// Emitted through the client's HTTP transport with gzip and an API key; every event as
/// sent is written to `OL_OUT`.
const OPENLINEAGE_SCRIPT: &str = r#"
import json, os
from openlineage.client import OpenLineageClient
from openlineage.client.transport.http import (
    ApiKeyTokenProvider, HttpCompression, HttpConfig, HttpTransport)
from openlineage.client.event_v2 import (
    InputDataset, Job, OutputDataset, Run, RunEvent, RunState)
from openlineage.client.facet_v2 import (
    dataset_version_dataset, error_message_run, output_statistics_output_dataset,
    parent_run, schema_dataset)
from openlineage.client.serde import Serde

client = OpenLineageClient(transport=HttpTransport(HttpConfig(
    url=os.environ["OL_URL"],
    auth=ApiKeyTokenProvider({"apiKey": os.environ["OL_KEY"]}),
    compression=HttpCompression.GZIP,
)))
PRODUCER = "https://github.com/example/mlgraph-test"
NS = "airflow-prod"
emitted = []

def emit(event):
    client.emit(event)
    emitted.append(json.loads(Serde.to_json(event)))

def t(mmss):
    return "2026-12-01T10:" + mmss + ".000000Z"

schema = schema_dataset.SchemaDatasetFacet(fields=[
    schema_dataset.SchemaDatasetFacetFields(name="amount", type="DECIMAL"),
    schema_dataset.SchemaDatasetFacetFields(name="merchant", type="VARCHAR"),
])
source = InputDataset(namespace="postgres://db.example.com:5432",
                      name="payments.public.transactions", facets={"schema": schema})
version = {"version": dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion="2026-12-01")}

def features_out():
    return OutputDataset(
        namespace="s3://lake", name="features/fraud", facets=dict(version, schema=schema),
        outputFacets={"outputStatistics":
            output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(rowCount=1000, size=4096)})

parent = {"parent": parent_run.ParentRunFacet(
    run=parent_run.Run(runId=os.environ["OL_DAG_RUN"]),
    job=parent_run.Job(namespace=NS, name="fraud_dag"))}
etl = Job(namespace=NS, name="fraud_dag.build_features")
emit(RunEvent(eventType=RunState.START, eventTime=t("00:00"), producer=PRODUCER,
              run=Run(runId=os.environ["OL_ETL_RUN"], facets=parent), job=etl,
              inputs=[source], outputs=[features_out()]))
emit(RunEvent(eventType=RunState.RUNNING, eventTime=t("01:00"), producer=PRODUCER,
              run=Run(runId=os.environ["OL_ETL_RUN"]), job=etl))
emit(RunEvent(eventType=RunState.COMPLETE, eventTime=t("02:00"), producer=PRODUCER,
              run=Run(runId=os.environ["OL_ETL_RUN"]), job=etl,
              inputs=[source], outputs=[features_out()]))
train = Job(namespace=NS, name="fraud_dag.train")
emit(RunEvent(eventType=RunState.START, eventTime=t("03:00"), producer=PRODUCER,
              run=Run(runId=os.environ["OL_TRAIN_RUN"], facets=parent), job=train,
              inputs=[InputDataset(namespace="s3://lake", name="features/fraud", facets=version)]))
emit(RunEvent(eventType=RunState.FAIL, eventTime=t("04:00"), producer=PRODUCER,
              run=Run(runId=os.environ["OL_TRAIN_RUN"], facets={"errorMessage":
                  error_message_run.ErrorMessageRunFacet(message="out of memory", programmingLanguage="python")}),
              job=train))
with open(os.environ["OL_OUT"], "w") as f:
    json.dump(emitted, f)
print(len(emitted))
"#;

/// Emits the script's events with the real client; returns them as sent.
async fn emit_with_client(s: &Served, token: &str) -> Vec<Value> {
    let out = temp_dir("ol-out").join("events.json");
    run_python(
        OPENLINEAGE_SCRIPT,
        &[
            ("OL_URL", format!("http://{}", s.addr)),
            ("OL_KEY", token.to_owned()),
            ("OL_OUT", out.display().to_string()),
            ("OL_DAG_RUN", DAG_RUN.into()),
            ("OL_ETL_RUN", ETL_RUN.into()),
            ("OL_TRAIN_RUN", TRAIN_RUN.into()),
        ],
    )
    .await;
    let text = std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("events: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("events json: {e}"))
}

async fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    app.db()
        .query_all_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| {
            r.try_get_by_index::<String>(0)
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// The graph the events made, by names (stable across databases; runs by the producer's
/// run id): every edge with its ends, every run with its state, times and facets, every dataset version with its
/// source version and schema, every dataset's and workflow's facets.
pub(crate) async fn graph_signature(app: &TestApp) -> Vec<String> {
    let end = |alias: &str, col: &str| {
        format!(
            "COALESCE((SELECT 'Workflow:' || name FROM workflows WHERE id = {alias}.{col}), \
             (SELECT 'Dataset:' || name FROM datasets WHERE id = {alias}.{col}), \
             (SELECT 'DatasetVersion:' || d.name || '@' || v.source_version FROM dataset_versions v \
                JOIN datasets d ON d.id = v.dataset_id WHERE v.id = {alias}.{col}), \
             (SELECT 'JobRun:' || external_id::text FROM job_runs WHERE id = {alias}.{col}), '?')"
        )
    };
    let mut out = strings(
        app,
        &format!(
            "SELECT e.kind || ' ' || {} || ' -> ' || {} || ' ' || e.properties::text FROM edges e ORDER BY 1",
            end("e", "source_id"),
            end("e", "target_id")
        ),
    )
    .await;
    out.extend(
        strings(
            app,
            "SELECT r.external_id::text || ' ' || r.ns || ' ' || r.name || ' ' || r.state || ' ' \
             || COALESCE(r.started_at::text, '-') || ' ' || COALESCE(r.ended_at::text, '-') || ' ' \
             || COALESCE((SELECT name FROM workflows WHERE id = r.workflow_id), '-') || ' ' \
             || COALESCE((SELECT p.external_id::text FROM job_runs p WHERE p.id = r.parent_run_id), '-') \
             || ' ' || r.facets::text FROM job_runs r ORDER BY 1",
        )
        .await,
    );
    out.extend(
        strings(
            app,
            "SELECT d.name || '@' || COALESCE(v.source_version, '-') || ' ' || COALESCE(v.schema::text, '-') \
             || ' ' || COALESCE(v.row_count::text, '-') FROM dataset_versions v \
             JOIN datasets d ON d.id = v.dataset_id ORDER BY 1",
        )
        .await,
    );
    out.extend(
        strings(
            app,
            "SELECT 'Dataset ' || ns || ' ' || name || ' ' || data_type || ' ' || COALESCE(facets::text, '-') \
             FROM datasets UNION ALL SELECT 'Workflow ' || ns || ' ' || name || ' ' || config::text \
             FROM workflows ORDER BY 1",
        )
        .await,
    );
    out
}

#[tokio::test]
async fn openlineage_client_events_become_lineage() {
    let base = TestApp::new().await;
    let s = served(&base).await;
    let token = key_with(
        &s,
        "airflow@example.com",
        &[(NS, entity::enums::Role::Editor)],
    )
    .await;
    let events = emit_with_client(&s, &token).await;
    assert_eq!(events.len(), 5);

    // The job and its runs, with states by event time.
    let q = r#"query($f: JobRunFilter) {
        jobRuns(filter: $f, orderBy: [{field: NAME}]) { totalCount nodes {
            id name state source startedAt endedAt facets
            job { name ns } parent { job { name } state }
        } } }"#;
    let data = base
        .ok(
            q,
            json!({"f": {"job": {"isNull": false}, "ns": {"eq": NS}, "parent": {"isNull": false}}}),
        )
        .await;
    let runs = &data["jobRuns"]["nodes"];
    assert_eq!(data["jobRuns"]["totalCount"], 2, "{data}");
    assert_eq!(runs[0]["name"], "fraud_dag.build_features");
    assert_eq!(runs[0]["state"], "COMPLETED");
    assert_eq!(runs[0]["source"], "OPEN_LINEAGE");
    assert_eq!(runs[0]["startedAt"], "2026-12-01T10:00:00+00:00");
    assert_eq!(runs[0]["endedAt"], "2026-12-01T10:02:00+00:00");
    assert_eq!(runs[0]["job"]["name"], "fraud_dag.build_features");
    assert_eq!(runs[0]["parent"]["job"]["name"], "fraud_dag");
    assert_eq!(runs[1]["name"], "fraud_dag.train");
    assert_eq!(runs[1]["state"], "FAILED");
    assert_eq!(
        runs[1]["facets"]["errorMessage"]["message"], "out of memory",
        "unknown facets are kept: {}",
        runs[1]
    );

    // Lineage: the failed training run's upstream reaches the PostgreSQL table through
    // the features version and the run that wrote it.
    let q = r#"query($id: ID!) { node(id: $id) { ... on JobRun {
        upstream(depth: 5) { nodes { node { __typename ... on Dataset { name } ... on DatasetVersion { sourceVersion } ... on JobRun { name } } } }
    } } }"#;
    let train_id = runs[1]["id"].as_str().unwrap_or_default().to_owned();
    let data = base.ok(q, json!({"id": train_id})).await;
    let up = data["node"]["upstream"]["nodes"].to_string();
    for needle in [
        "postgres://db.example.com:5432/payments.public.transactions",
        "v:2026-12-01",
        "fraud_dag.build_features",
    ] {
        assert!(
            up.contains(needle),
            "{needle} not upstream of the run: {up}"
        );
    }
    // The version carries the schema and the output statistics.
    let q = r#"{ datasets(filter: {name: {eq: "s3://lake/features/fraud"}}) { nodes {
        dataType facets versions { nodes { version sourceVersion rowCount sizeBytes schema } } } } }"#;
    let data = base.ok(q, json!({})).await;
    let ds = &data["datasets"]["nodes"][0];
    assert_eq!(ds["dataType"], "TABULAR", "{data}");
    let v = &ds["versions"]["nodes"];
    assert_eq!(v.as_array().map(Vec::len), Some(1), "one version: {data}");
    assert_eq!(v[0]["sourceVersion"], "v:2026-12-01");
    assert_eq!(v[0]["rowCount"], 1000);
    assert_eq!(v[0]["sizeBytes"], 4096);
    assert_eq!(v[0]["schema"]["fields"][1]["name"], "merchant");

    // Replayed as they were sent (a producer's retries): nothing changes, not even the log.
    let before = graph_signature(&base).await;
    assert!(before.len() > 15, "the events made a graph: {before:#?}");
    let events_before = base.count("events").await;
    let (status, body) = post_json(
        &s.addr,
        "/api/v1/lineage/batch",
        Some(&token),
        &json!(events),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "success", "{body}");
    assert_eq!(body["summary"]["successful"], 5);
    for e in &events {
        let (status, body) = post_json(&s.addr, "/api/v1/lineage", Some(&token), e).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(graph_signature(&base).await, before);
    assert_eq!(
        base.count("events").await,
        events_before,
        "a replay writes no event"
    );

    // Shuffled into a fresh database (COMPLETE before START, FAIL first): the same graph.
    let other = TestApp::new().await;
    let t = served(&other).await;
    let token2 = key_with(
        &t,
        "airflow@example.com",
        &[(NS, entity::enums::Role::Editor)],
    )
    .await;
    for i in [4, 2, 0, 3, 1] {
        let (status, body) = post_json(&t.addr, "/api/v1/lineage", Some(&token2), &events[i]).await;
        assert_eq!(status, 200, "event {i}: {body}");
    }
    assert_eq!(
        graph_signature(&other).await,
        before,
        "order of arrival changed the graph"
    );
}

#[tokio::test]
async fn openlineage_refusals_and_batches() {
    let base = TestApp::new().await;
    let s = served(&base).await;
    let token = key_with(
        &s,
        "etl@example.com",
        &[("etl", entity::enums::Role::Editor)],
    )
    .await;
    let viewer = key_with(
        &s,
        "viewer@example.com",
        &[("etl", entity::enums::Role::Viewer)],
    )
    .await;
    let event = |run: &str, kind: &str, minute: u32| {
        json!({
            "eventType": kind,
            "eventTime": Utc.with_ymd_and_hms(2026, 12, 1, 9, minute, 0).single().map(|t| t.to_rfc3339()),
            "producer": "https://example.com/producer",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": run},
            "job": {"namespace": "etl", "name": "nightly"},
            "outputs": [{"namespace": "s3://b", "name": "out", "facets": {"custom_thing": {"x": 1}}}],
        })
    };
    let good = "0199d7a1-0000-7000-8000-00000000000a";

    // What the spec requires, refused with a reason; nothing written.
    let events_before = base.count("events").await;
    for (broken, why) in [("eventTime", "eventTime"), ("producer", "producer")] {
        let mut e = event(good, "START", 0);
        e.as_object_mut().map(|o| o.remove(broken));
        let (status, body) = post_json(&s.addr, "/api/v1/lineage", Some(&token), &e).await;
        assert_eq!(status, 400, "{broken}: {body}");
        assert_eq!(body["code"], "BAD_USER_INPUT");
        assert!(
            body["message"].as_str().unwrap_or_default().contains(why),
            "{body}"
        );
    }
    let mut runless = event(good, "START", 0);
    runless["run"].as_object_mut().map(|o| o.remove("runId"));
    let (status, body) = post_json(&s.addr, "/api/v1/lineage", Some(&token), &runless).await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("run.runId"),
        "{body}"
    );
    let mut nameless = event(good, "START", 0);
    nameless["job"].as_object_mut().map(|o| o.remove("name"));
    let (status, _) = post_json(&s.addr, "/api/v1/lineage", Some(&token), &nameless).await;
    assert_eq!(status, 400);
    assert_eq!(
        base.count("events").await,
        events_before,
        "a refusal writes nothing"
    );

    // Credentials: none → 401; a viewer → 403; both write nothing.
    let (status, _) = post_json(&s.addr, "/api/v1/lineage", None, &event(good, "START", 0)).await;
    assert_eq!(status, 401);
    let (status, body) = post_json(
        &s.addr,
        "/api/v1/lineage",
        Some(&viewer),
        &event(good, "START", 0),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(base.count("job_runs").await, 0);

    // A batch with one bad event: the others stored, the bad one named by index.
    let mut bad = event("0199d7a1-0000-7000-8000-00000000000b", "START", 1);
    bad.as_object_mut().map(|o| o.remove("eventTime"));
    let batch = json!([
        event(good, "START", 0),
        bad,
        event(good, "COMPLETE", 5),
        event("0199d7a1-0000-7000-8000-00000000000c", "ABORT", 7),
    ]);
    let (status, body) = post_json(&s.addr, "/api/v1/lineage/batch", Some(&token), &batch).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "partial_success", "{body}");
    assert_eq!(
        body["summary"],
        json!({"received": 4, "successful": 3, "failed": 1, "retriable": 0, "non_retriable": 1})
    );
    assert_eq!(body["failed_events"][0]["index"], 1);
    assert_eq!(body["failed_events"][0]["retriable"], false);
    let data = base
        .ok(
            "{ jobRuns(orderBy: [{field: STATE}]) { nodes { state endedAt job { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["jobRuns"]["nodes"],
        json!([
            {"state": "ABORTED", "endedAt": "2026-12-01T09:07:00+00:00", "job": {"name": "nightly"}},
            {"state": "COMPLETED", "endedAt": "2026-12-01T09:05:00+00:00", "job": {"name": "nightly"}},
        ]),
        "{data}"
    );
    // A late START does not reopen the completed run.
    let (status, _) = post_json(
        &s.addr,
        "/api/v1/lineage",
        Some(&token),
        &event(good, "START", 3),
    )
    .await;
    assert_eq!(status, 200);
    let data = base
        .ok(
            "{ jobRuns(orderBy: [{field: STATE}]) { nodes { externalId state startedAt } } }",
            json!({}),
        )
        .await;
    let run = data["jobRuns"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["externalId"] == good)
        .cloned()
        .unwrap_or_default();
    assert_eq!(run["state"], "COMPLETED", "{data}");
    assert_eq!(run["startedAt"], "2026-12-01T09:00:00+00:00");

    // The custom facet is kept on the dataset; the namespace named by the request wins.
    let data = base
        .ok("{ datasets { nodes { ns name facets } } }", json!({}))
        .await;
    assert_eq!(data["datasets"]["nodes"][0]["name"], "s3://b/out");
    assert_eq!(
        data["datasets"]["nodes"][0]["facets"]["custom_thing"]["x"],
        1
    );
    let resp = reqwest::Client::new()
        .post(format!(
            "http://{}/api/v1/lineage?namespace=etl/team",
            s.addr
        ))
        .bearer_auth(&token)
        .json(&event("0199d7a1-0000-7000-8000-00000000000d", "START", 9))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status().as_u16(), 200);
    let data = base
        .ok(
            r#"{ workflows(filter: {ns: {eq: "etl/team"}}) { nodes { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["workflows"]["nodes"][0]["name"], "nightly", "{data}");
}

/// Tracks a run with the stock client (params, metrics one by one and in a batch, tags),
/// logs a model (MLflow 3) and registers it from `runs:/<id>/model`, sets an alias,
/// moves it to Staging and reads everything back through the client.
const MLFLOW_SCRIPT: &str = r#"
import json, os
import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

mlflow.set_experiment("fraud-mlflow")
with mlflow.start_run(run_name="rf-1") as run:
    mlflow.log_param("n_estimators", 100)
    mlflow.log_params({"max_depth": 8, "criterion": "gini"})
    mlflow.log_metric("auc", 0.91, step=0)
    mlflow.log_metric("auc", 0.94, step=1)
    mlflow.log_metrics({"loss": 0.2, "precision": 0.88})
    mlflow.set_tag("team", "fraud")
    mlflow.initialize_logged_model(name="model", source_run_id=run.info.run_id)
run_id = run.info.run_id
client = MlflowClient()
try:
    mlflow.log_param("n_estimators", 200, run_id=run_id) if False else client.log_param(run_id, "n_estimators", 200)
    param_change = "accepted"
except MlflowException as e:
    param_change = e.error_code
mv = mlflow.register_model(f"runs:/{run_id}/model", "fraud-mlflow-model")
client.set_registered_model_alias("fraud-mlflow-model", "champion", mv.version)
by_alias = client.get_model_version_by_alias("fraud-mlflow-model", "champion")
staged = client.transition_model_version_stage("fraud-mlflow-model", mv.version, "Staging")
by_name = client.search_model_versions("name = 'fraud-mlflow-model'")
by_run = client.search_model_versions(f"run_id = '{run_id}'")
models = client.search_registered_models("name LIKE 'fraud-%'")
try:
    client.create_registered_model("fraud-mlflow-model")
    duplicate = "accepted"
except MlflowException as e:
    duplicate = e.error_code
try:
    client.get_registered_model("no-such-model")
    missing = "found"
except MlflowException as e:
    missing = e.error_code
got = client.get_run(run_id)
print(json.dumps({
    "run_id": run_id,
    "experiment_id": run.info.experiment_id,
    "status": got.info.status,
    "params": got.data.params,
    "metrics": got.data.metrics,
    "tags": {k: v for k, v in got.data.tags.items() if not k.startswith("mlflow.")},
    "history": [(m.step, m.value) for m in client.get_metric_history(run_id, "auc")],
    "version": mv.version,
    "version_run_id": mv.run_id,
    "alias_version": by_alias.version,
    "alias_aliases": list(by_alias.aliases),
    "staged": staged.current_stage,
    "by_name": [v.version for v in by_name],
    "by_run": [v.version for v in by_run],
    "models": [m.name for m in models],
    "param_change": param_change,
    "duplicate": duplicate,
    "missing": missing,
}))
"#;

#[tokio::test]
async fn the_mlflow_client_tracks_and_registers() {
    tracks_and_registers(TestApp::new().await, Release::Newest).await;
}

#[tokio::test]
async fn the_previous_mlflow_client_tracks_and_registers() {
    tracks_and_registers(TestApp::new().await, Release::Previous).await;
}

#[tokio::test]
async fn the_mlflow_client_tracks_and_registers_on_sqlite() {
    tracks_and_registers(TestApp::sqlite().await, Release::Newest).await;
}

async fn tracks_and_registers(base: TestApp, release: Release) {
    let s = served(&base).await;
    let token = key_with(
        &s,
        "trainer@example.com",
        &[("ml.team", entity::enums::Role::Editor)],
    )
    .await;
    let out = run_python(
        MLFLOW_SCRIPT,
        &mlflow_env_for(
            release,
            format!("http://{}/ns/ml.team", s.addr),
            &[("MLFLOW_TRACKING_TOKEN", token.clone())],
        )
        .await,
    )
    .await;
    let line = out.lines().last().unwrap_or_default();
    let got: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(got["status"], "FINISHED", "{got}");
    assert_eq!(
        got["params"],
        json!({"n_estimators": "100", "max_depth": "8", "criterion": "gini"})
    );
    assert_eq!(
        got["metrics"],
        json!({"auc": 0.94, "loss": 0.2, "precision": 0.88})
    );
    assert_eq!(got["tags"], json!({"team": "fraud"}));
    assert_eq!(got["history"], json!([[0, 0.91], [1, 0.94]]));
    assert_eq!(got["version"], "1");
    assert_eq!(got["version_run_id"], got["run_id"]);
    assert_eq!(got["alias_version"], "1");
    assert_eq!(got["alias_aliases"], json!(["champion"]));
    assert_eq!(got["staged"], "Staging");
    assert_eq!(got["by_name"], json!(["1"]));
    assert_eq!(got["by_run"], json!(["1"]));
    assert_eq!(got["models"], json!(["fraud-mlflow-model"]));
    assert_eq!(got["param_change"], "INVALID_PARAMETER_VALUE");
    assert_eq!(got["duplicate"], "RESOURCE_ALREADY_EXISTS");
    assert_eq!(got["missing"], "RESOURCE_DOES_NOT_EXIST");

    // The same objects through GraphQL: the experiment, its run and metrics, the version
    // with its alias and stage, and the lineage from the version to the experiment.
    let q = r#"{ experiments(filter: {ns: {eq: "ml.team"}, name: {eq: "fraud-mlflow"}}) { nodes {
        name jobRuns { nodes { name state source params metrics tags } } } }
      models(filter: {ns: {eq: "ml.team"}}) { nodes { name versionByAlias(alias: "champion") { version }
        versions { nodes { id version stage aliases metrics params artifactUri } } } } }"#;
    let data = base.ok(q, json!({})).await;
    let exp = &data["experiments"]["nodes"][0];
    assert_eq!(exp["name"], "fraud-mlflow", "{data}");
    let run = &exp["jobRuns"]["nodes"][0];
    assert_eq!(run["name"], "rf-1");
    assert_eq!(run["state"], "COMPLETED");
    assert_eq!(run["source"], "MLFLOW");
    assert_eq!(run["metrics"]["auc"], 0.94);
    assert_eq!(run["params"]["max_depth"], "8");
    let model = &data["models"]["nodes"][0];
    assert_eq!(model["name"], "fraud-mlflow-model");
    assert_eq!(model["versionByAlias"]["version"], 1);
    let v = &model["versions"]["nodes"][0];
    assert_eq!(v["stage"], "STAGING");
    assert_eq!(v["aliases"], json!(["champion"]));
    assert_eq!(
        v["metrics"]["auc"], 0.94,
        "the run's metrics travel with the version"
    );
    let q = r#"query($id: ID!) { node(id: $id) { ... on ModelVersion {
        upstream(depth: 3) { nodes { node { __typename ... on JobRun { name } ... on Experiment { name } } } } } } }"#;
    let data = base.ok(q, json!({"id": v["id"]})).await;
    let up = data["node"]["upstream"]["nodes"].to_string();
    assert!(up.contains("rf-1") && up.contains("fraud-mlflow"), "{up}");

    // An export carries what MLflow logged; imported into SQLite, the alias still names
    // the version.
    let mut file = Vec::new();
    mlgraph::portability::export(base.db(), &["ml.team".to_owned()], &mut file)
        .await
        .unwrap_or_else(|e| panic!("export: {e:?}"));
    let text = String::from_utf8_lossy(&file).into_owned();
    for ty in [
        "\"JobRun\"",
        "\"JobRunMetric\"",
        "\"ModelAlias\"",
        "\"LoggedModel\"",
    ] {
        assert!(
            text.contains(&format!("\"type\":{ty}")),
            "{ty} not exported"
        );
    }
    let lite = TestApp::sqlite().await;
    mlgraph::portability::import(lite.db(), file.as_slice())
        .await
        .unwrap_or_else(|e| panic!("import: {e:?}"));
    let data = lite
        .ok(
            r#"{ models { nodes { versionByAlias(alias: "champion") { version aliases } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["models"]["nodes"][0]["versionByAlias"],
        json!({"version": 1, "aliases": ["champion"]}),
        "{data}"
    );

    // Routes not served answer ENDPOINT_NOT_FOUND; no token → 401.
    let resp = reqwest::Client::new()
        .get(format!(
            "http://{}/ns/ml.team/api/2.0/mlflow/gateway/secrets/list",
            s.addr
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status().as_u16(), 404);
    let body: Value = resp.json().await.unwrap_or_default();
    assert_eq!(body["error_code"], "ENDPOINT_NOT_FOUND");
    let (status, _) = post_json(
        &s.addr,
        "/api/2.0/mlflow/experiments/create",
        None,
        &json!({"name": "x"}),
    )
    .await;
    assert_eq!(status, 401);
}

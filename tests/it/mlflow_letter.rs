//! The stock `mlflow` client against mlgraph where MLflow's own server sets the rules:
//! every search honours `order_by` (MLflow's tie-breaks, missing values last), deleting
//! a run or an experiment is MLflow's soft delete (restorable, `lifecycle_stage`,
//! searches by view type, writes to a deleted run refused), experiments are renamed and
//! lose tags, registered models are renamed with their versions and aliases, logged
//! models take params and lose tags.

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::ingest::{Release, key_with, mlflow_env, mlflow_env_for, run_python, served};

const SCRIPT: &str = r#"
import json
from mlflow import MlflowClient
from mlflow.entities import Metric, ViewType
from mlflow.exceptions import MlflowException

c = MlflowClient()
out = {}

def code(f):
    try:
        f()
    except MlflowException as e:
        return e.error_code
    return "OK"

def names(runs):
    return [r.info.run_name for r in runs]

exp = c.create_experiment("ordering")
runs = []
for i, auc in enumerate([0.7, 0.95, None, 0.8]):
    r = c.create_run(exp, run_name=f"r{i}", start_time=1_700_000_000_000 + i)
    if auc is not None:
        c.log_metric(r.info.run_id, "auc", auc)
    c.log_param(r.info.run_id, "p", "dcba"[i])
    runs.append(r.info.run_id)

tricky = [0.19225217199848266, 0.1 + 0.2, 1e-300, 2.0 ** 0.5]
for i, v in enumerate(tricky):
    c.log_metric(runs[0], "exact", v, step=i)
out["exact_latest"] = c.get_run(runs[0]).data.metrics["exact"] == tricky[-1]
out["exact_history"] = [m.value for m in c.get_metric_history(runs[0], "exact")] == tricky
c.log_metric(runs[3], "m0", 0.19225217199848266)
out["exact_m0"] = c.get_run(runs[3]).data.metrics["m0"] == 0.19225217199848266
out["run_ids"] = runs

out["best"] = names(c.search_runs([exp], order_by=["metrics.auc DESC"], max_results=1))
out["auc_asc"] = names(c.search_runs([exp], order_by=["metrics.auc ASC"]))
out["auc_desc"] = names(c.search_runs([exp], order_by=["metrics.`auc` DESC"]))
out["param"] = names(c.search_runs([exp], order_by=["params.p"]))
out["name_desc"] = names(c.search_runs([exp], order_by=["attributes.run_name DESC"]))
out["default"] = names(c.search_runs([exp]))
page1 = c.search_runs([exp], order_by=["metrics.auc DESC"], max_results=2)
page2 = c.search_runs([exp], order_by=["metrics.auc DESC"], max_results=2, page_token=page1.token)
out["pages"] = [names(page1), names(page2)]
out["bad_order"] = code(lambda: c.search_runs([exp], order_by=["metrics.auc SIDEWAYS"]))
out["bad_key"] = code(lambda: c.search_runs([exp], order_by=["colour"]))

c.delete_run(runs[1])
out["deleted_stage"] = c.get_run(runs[1]).info.lifecycle_stage
out["active_only"] = names(c.search_runs([exp], order_by=["metrics.auc DESC"]))
out["deleted_only"] = names(c.search_runs([exp], run_view_type=ViewType.DELETED_ONLY))
out["all"] = len(c.search_runs([exp], run_view_type=ViewType.ALL))
out["log_to_deleted"] = code(lambda: c.log_metric(runs[1], "auc", 0.1))
c.restore_run(runs[1])
out["restored_stage"] = c.get_run(runs[1]).info.lifecycle_stage
out["best_again"] = names(c.search_runs([exp], order_by=["metrics.auc DESC"], max_results=1))

other = c.create_experiment("to-rename")
c.rename_experiment(other, "renamed")
out["renamed"] = c.get_experiment(other).name
c.set_experiment_tag(other, "k", "v")
c.delete_experiment_tag(other, "k")
out["exp_tags"] = c.get_experiment(other).tags
inside = c.create_run(other).info.run_id
c.delete_experiment(other)
out["exp_stage"] = c.get_experiment(other).lifecycle_stage
out["exp_run_stage"] = c.get_run(inside).info.lifecycle_stage
out["name_taken"] = code(lambda: c.create_experiment("renamed"))
out["run_in_deleted"] = code(lambda: c.create_run(other))
out["active_exps"] = sorted(e.name for e in c.search_experiments())
out["deleted_exps"] = [e.name for e in c.search_experiments(view_type=ViewType.DELETED_ONLY)]
c.restore_experiment(other)
out["exp_restored"] = c.get_experiment(other).lifecycle_stage
out["run_restored"] = c.get_run(inside).info.lifecycle_stage
out["exps_by_name"] = [e.name for e in c.search_experiments(order_by=["name DESC"])]

for n in ["b-model", "a-model", "c-model"]:
    c.create_registered_model(n)
out["models"] = [m.name for m in c.search_registered_models()]
out["models_desc"] = [m.name for m in c.search_registered_models(order_by=["name DESC"])]
c.create_model_version("a-model", "s3://bucket/m1", run_id=runs[0])
c.create_model_version("a-model", "s3://bucket/m2")
c.set_registered_model_alias("a-model", "champion", "2")
c.rename_registered_model("a-model", "z-model")
out["renamed_versions"] = [v.version for v in c.search_model_versions("name='z-model'")]
out["versions_asc"] = [v.version for v in c.search_model_versions("name='z-model'", order_by=["version_number ASC"])]
out["alias_after_rename"] = c.get_model_version_by_alias("z-model", "champion").version
out["old_name"] = code(lambda: c.get_registered_model("a-model"))
out["rename_taken"] = code(lambda: c.rename_registered_model("z-model", "b-model"))

lm = c.create_logged_model(experiment_id=exp, name="clf")
c.log_model_params(lm.model_id, {"depth": "3"})
c.set_logged_model_tags(lm.model_id, {"k": "v", "keep": "1"})
c.delete_logged_model_tag(lm.model_id, "k")
got = c.get_logged_model(lm.model_id)
out["lm_params"] = got.params
out["lm_tags"] = {k: v for k, v in got.tags.items() if not k.startswith("mlflow.")}
out["lm_param_change"] = code(lambda: c.log_model_params(lm.model_id, {"depth": "4"}))

# Metrics of logged models (MLflow 3's model_id on a logged value).
lm2 = c.create_logged_model(experiment_id=exp, name="reg", source_run_id=runs[0])
c.log_metric(runs[0], "acc", 0.7, timestamp=1000, step=0, model_id=lm.model_id, dataset_name="val", dataset_digest="d1")
c.log_metric(runs[0], "acc", 0.9, timestamp=2000, step=1, model_id=lm.model_id, dataset_name="val", dataset_digest="d1")
c.log_batch(runs[0], metrics=[Metric("acc", 0.8, 1500, 0, model_id=lm2.model_id)])
got = c.get_logged_model(lm.model_id)
out["lm_metrics"] = sorted([m.key, m.value, m.step, m.dataset_name, m.dataset_digest, m.run_id == runs[0], m.model_id == lm.model_id] for m in got.metrics)
out["lm2_metrics"] = [[m.key, m.value] for m in c.get_logged_model(lm2.model_id).metrics]
out["lm_by_acc"] = [m.name for m in c.search_logged_models([exp], order_by=[{"field_name": "metrics.acc", "ascending": False}])]
out["lm_by_acc_asc"] = [m.name for m in c.search_logged_models([exp], order_by=[{"field_name": "metrics.acc", "ascending": True}])]
out["lm_acc_gt"] = [m.name for m in c.search_logged_models([exp], filter_string="metrics.acc > 0.85")]
out["lm_acc_any"] = [m.name for m in c.search_logged_models([exp], filter_string="metrics.acc < 0.75")]
out["lm_on_val"] = [m.name for m in c.search_logged_models([exp], datasets=[{"dataset_name": "val"}])]
out["lm_by_val"] = [m.name for m in c.search_logged_models([exp], order_by=[{"field_name": "metrics.acc", "ascending": True, "dataset_name": "val"}])]
out["lm_by_param"] = [m.name for m in c.search_logged_models([exp], filter_string="params.depth = '3'")]
out["lm_unknown_model"] = code(lambda: c.log_metric(runs[0], "acc", 0.5, model_id="m-" + "0" * 32))
out["run_acc"] = c.get_run(runs[0]).data.metrics.get("acc")
print(json.dumps(out))
"#;

#[tokio::test]
async fn the_mlflow_client_orders_searches_and_soft_deletes_as_mlflow_does() {
    orders_searches_and_soft_deletes(TestApp::new().await, Release::Newest).await;
}

#[tokio::test]
async fn the_previous_mlflow_client_orders_searches_and_soft_deletes_as_mlflow_does() {
    orders_searches_and_soft_deletes(TestApp::new().await, Release::Previous).await;
}

#[tokio::test]
async fn the_mlflow_client_orders_searches_and_soft_deletes_on_sqlite() {
    orders_searches_and_soft_deletes(TestApp::sqlite().await, Release::Newest).await;
}

async fn orders_searches_and_soft_deletes(base: TestApp, release: Release) {
    let s = served(&base).await;
    let token = key_with(
        &s,
        "letter@example.com",
        &[("ml.letter", entity::enums::Role::Editor)],
    )
    .await;
    let out = run_python(
        SCRIPT,
        &mlflow_env_for(
            release,
            format!("http://{}/ns/ml.letter", s.addr),
            &[("MLFLOW_TRACKING_TOKEN", token.clone())],
        )
        .await,
    )
    .await;
    let line = out.lines().last().unwrap_or_default();
    let got: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {out}"));
    // The charts' sampled history: two of four steps, the first and the last, exact.
    let ids = got["run_ids"].as_array().cloned().unwrap_or_default();
    let sampled: Value = reqwest::Client::new()
        .get(format!(
            "http://{}/ns/ml.letter/api/2.0/mlflow/metrics/get-history-bulk-interval",
            s.addr
        ))
        .query(&[
            ("run_ids", ids[0].as_str().unwrap_or_default()),
            ("run_ids", ids[3].as_str().unwrap_or_default()),
            ("metric_key", "exact"),
            ("max_results", "2"),
        ])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let points: Vec<(i64, f64)> = sampled["metrics"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|p| {
                    (
                        p["step"].as_i64().unwrap_or(-1),
                        p["value"].as_f64().unwrap_or(-1.0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        points,
        [(0, 0.192_252_171_998_482_66), (3, 2f64.sqrt())],
        "{sampled}"
    );
    assert!(
        sampled["metrics"]
            .as_array()
            .is_some_and(|m| m.iter().all(|p| p["run_id"] == ids[0]))
    );
    // Every logged float comes back bit for bit, latest value and history.
    assert_eq!(got["exact_latest"], true, "{got}");
    assert_eq!(got["exact_history"], true, "{got}");
    assert_eq!(got["exact_m0"], true, "{got}");
    // The "best run" idiom, and missing metrics last in both directions.
    assert_eq!(got["best"], json!(["r1"]), "{got}");
    assert_eq!(got["auc_asc"], json!(["r0", "r3", "r1", "r2"]));
    assert_eq!(got["auc_desc"], json!(["r1", "r3", "r0", "r2"]));
    assert_eq!(got["param"], json!(["r3", "r2", "r1", "r0"]));
    assert_eq!(got["name_desc"], json!(["r3", "r2", "r1", "r0"]));
    // Without order_by: newest start first.
    assert_eq!(got["default"], json!(["r3", "r2", "r1", "r0"]));
    assert_eq!(got["pages"], json!([["r1", "r3"], ["r0", "r2"]]));
    assert_eq!(got["bad_order"], "INVALID_PARAMETER_VALUE");
    assert_eq!(got["bad_key"], "INVALID_PARAMETER_VALUE");

    assert_eq!(got["deleted_stage"], "deleted");
    assert_eq!(got["active_only"], json!(["r3", "r0", "r2"]));
    assert_eq!(got["deleted_only"], json!(["r1"]));
    assert_eq!(got["all"], 4);
    assert_eq!(got["log_to_deleted"], "INVALID_PARAMETER_VALUE");
    assert_eq!(got["restored_stage"], "active");
    assert_eq!(got["best_again"], json!(["r1"]));

    assert_eq!(got["renamed"], "renamed");
    assert_eq!(got["exp_tags"], json!({}));
    assert_eq!(got["exp_stage"], "deleted");
    assert_eq!(got["exp_run_stage"], "deleted");
    assert_eq!(got["name_taken"], "RESOURCE_ALREADY_EXISTS");
    assert_eq!(got["run_in_deleted"], "INVALID_PARAMETER_VALUE");
    assert_eq!(got["active_exps"], json!(["ordering"]));
    assert_eq!(got["deleted_exps"], json!(["renamed"]));
    assert_eq!(got["exp_restored"], "active");
    assert_eq!(got["run_restored"], "active");
    assert_eq!(got["exps_by_name"], json!(["renamed", "ordering"]));

    assert_eq!(got["models"], json!(["a-model", "b-model", "c-model"]));
    assert_eq!(got["models_desc"], json!(["c-model", "b-model", "a-model"]));
    assert_eq!(got["renamed_versions"], json!(["2", "1"]));
    assert_eq!(got["versions_asc"], json!(["1", "2"]));
    assert_eq!(got["alias_after_rename"], "2");
    assert_eq!(got["old_name"], "RESOURCE_DOES_NOT_EXIST");
    assert_eq!(got["rename_taken"], "RESOURCE_ALREADY_EXISTS");

    assert_eq!(got["lm_params"], json!({"depth": "3"}));
    assert_eq!(got["lm_tags"], json!({"keep": "1"}));
    assert_eq!(got["lm_param_change"], "INVALID_PARAMETER_VALUE");

    // A value logged with a model id belongs to the run and to that logged model, with
    // its dataset; the model's search filters and orders by its latest value.
    assert_eq!(
        got["lm_metrics"],
        json!([
            ["acc", 0.7, 0, "val", "d1", true, true],
            ["acc", 0.9, 1, "val", "d1", true, true]
        ]),
        "{got}"
    );
    assert_eq!(got["lm2_metrics"], json!([["acc", 0.8]]));
    assert_eq!(got["lm_by_acc"], json!(["clf", "reg"]));
    assert_eq!(got["lm_by_acc_asc"], json!(["reg", "clf"]));
    assert_eq!(got["lm_acc_gt"], json!(["clf"]));
    // Any logged value meets a filter (clf's first was 0.7), as in MLflow.
    assert_eq!(got["lm_acc_any"], json!(["clf"]));
    assert_eq!(got["lm_on_val"], json!(["clf"]));
    assert_eq!(got["lm_by_val"], json!(["clf", "reg"]));
    assert_eq!(got["lm_by_param"], json!(["clf"]));
    assert_eq!(got["lm_unknown_model"], "RESOURCE_DOES_NOT_EXIST");
    assert_eq!(got["run_acc"], 0.9);

    // The soft-deleted and restored run is one row with its history: the delete and the
    // restore are two UPDATE events, and GraphQL shows it active again.
    let data = base
        .ok(
            r#"{ jobRuns(filter: {ns: {eq: "ml.letter"}, name: {eq: "r1"}}) { nodes { name deletedAt metrics
                history { nodes { action after } } } } }"#,
            json!({}),
        )
        .await;
    let run = &data["jobRuns"]["nodes"][0];
    assert_eq!(run["deletedAt"], Value::Null, "{data}");
    assert_eq!(run["metrics"]["auc"], 0.95);
    let deletions = run["history"]["nodes"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter(|e| e["action"] == "UPDATE" && !e["after"]["deleted_at"].is_null())
                .count()
        })
        .unwrap_or_default();
    assert_eq!(deletions, 1, "{data}");
}

/// MLflow's error shape on every route under `/api/2.0/mlflow*`: a body that is not JSON
/// is `MALFORMED_REQUEST`, a file sent to a route mlgraph does not serve is
/// `ENDPOINT_NOT_FOUND`, an upload to a server without an artifact store
/// `FEATURE_DISABLED`, never mlgraph's own `{code, message}`.
#[tokio::test]
async fn mlflow_routes_answer_bad_bodies_in_mlflows_shape() {
    let base = TestApp::new().await;
    let s = served(&base).await;
    let token = key_with(
        &s,
        "shape@example.com",
        &[("ml.shape", entity::enums::Role::Editor)],
    )
    .await;
    let client = reqwest::Client::new();
    let send = |method: reqwest::Method, path: &str, body: &'static str| {
        client
            .request(
                method,
                format!("http://{}/ns/ml.shape/api/2.0/{path}", s.addr),
            )
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
    };
    let answer = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or_else(|e| panic!("{e}"));
        (status, body)
    };
    let (status, body) = answer(
        send(reqwest::Method::POST, "mlflow/runs/create", "{not json")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_code"], "MALFORMED_REQUEST", "{body}");
    assert!(body.get("code").is_none(), "{body}");
    let (status, body) = answer(
        send(
            reqwest::Method::PUT,
            "mlflow/files/model.pkl",
            "\u{1}binary",
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error_code"], "ENDPOINT_NOT_FOUND", "{body}");
    // This server keeps no artifacts: an upload says so in MLflow's shape.
    let exp = answer(
        send(
            reqwest::Method::POST,
            "mlflow/experiments/create",
            r#"{"name": "e"}"#,
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}")),
    )
    .await
    .1["experiment_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!exp.is_empty());
    let (status, body) = answer(
        send(
            reqwest::Method::PUT,
            &format!("mlflow-artifacts/artifacts/{exp}/r/artifacts/m.pkl"),
            "\u{1}binary",
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(status, 501, "{body}");
    assert_eq!(body["error_code"], "FEATURE_DISABLED", "{body}");
    let (status, body) = answer(
        send(
            reqwest::Method::POST,
            "mlflow/experiments/nonexistent",
            "{}",
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error_code"], "ENDPOINT_NOT_FOUND", "{body}");
    // A registered model goes through the registry's own checks: a name past 2,048
    // characters is refused in MLflow's shape, and nothing is written.
    let (status, body) = answer(
        client
            .post(format!(
                "http://{}/ns/ml.shape/api/2.0/mlflow/registered-models/create",
                s.addr
            ))
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": "m".repeat(2049)}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_code"], "INVALID_PARAMETER_VALUE", "{body}");
    assert_eq!(base.count("models").await, 0);
}

/// MLflow 3 workspaces are namespaces (`mlflow.set_workspace` sends `X-MLFLOW-WORKSPACE`),
/// and the client's user name and password settings work with an API key as the password.
#[tokio::test]
async fn workspaces_are_namespaces_and_a_key_is_a_password() {
    let base = TestApp::new().await;
    let s = served(&base).await;
    let token = key_with(
        &s,
        "workspace@example.com",
        &[("team-b", entity::enums::Role::Editor)],
    )
    .await;
    let script = r#"
import json, mlflow
from mlflow import MlflowClient
mlflow.set_workspace("team-b")
c = MlflowClient()
e = c.create_experiment("in-b")
print(json.dumps({"name": c.get_experiment(e).name}))
"#;
    let out = run_python(
        script,
        &mlflow_env(
            format!("http://{}", s.addr),
            &[
                ("MLFLOW_TRACKING_USERNAME", "anyone".into()),
                ("MLFLOW_TRACKING_PASSWORD", token.clone()),
            ],
        ),
    )
    .await;
    let got: Value = serde_json::from_str(out.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(got["name"], "in-b");
    let data = base
        .ok(
            r#"{ experiments(filter: {name: {eq: "in-b"}}) { nodes { ns } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["experiments"]["nodes"],
        json!([{"ns": "team-b"}]),
        "the workspace is the namespace: {data}"
    );
    // A wrong password is refused in MLflow's shape; a workspace that is not a namespace
    // name is refused before anything is read.
    let client = reqwest::Client::new();
    let url = format!("http://{}/api/2.0/mlflow/experiments/search", s.addr);
    let resp = client
        .post(&url)
        .basic_auth("anyone", Some("mlg_not_a_key"))
        .json(&json!({}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status().as_u16(), 401);
    let body: Value = resp.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body["error_code"], "UNAUTHENTICATED", "{body}");
    let resp = client
        .post(&url)
        .basic_auth("anyone", Some(&token))
        .header("x-mlflow-workspace", "../etc")
        .json(&json!({}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body["error_code"], "INVALID_PARAMETER_VALUE", "{body}");
}

const INPUTS: &str = r#"
import json
import mlflow
import pandas as pd
from mlflow import MlflowClient

c = MlflowClient()
out = {}
exp = c.create_experiment("inputs")
with mlflow.start_run(experiment_id=exp) as run:
    df = pd.DataFrame({"amount": [1.5, 2.0, 3.25], "label": [0, 1, 0]})
    ds = mlflow.data.from_pandas(df, source="s3://lake/tx.parquet", name="transactions")
    mlflow.log_input(ds, context="training")
    # The same input again: nothing new (MLflow dedups by name and digest).
    mlflow.log_input(ds, context="training")
    out["digest"] = ds.digest
with mlflow.start_run(experiment_id=exp) as plain:
    mlflow.log_param("inputs", "none")
def found(f):
    try:
        return sorted(r.info.run_id == run.info.run_id for r in c.search_runs([exp], filter_string=f))
    except Exception as e:
        return getattr(e, "error_code", type(e).__name__)
out["by_name"] = found("dataset.name = 'transactions'")
out["by_context"] = found("datasets.context = 'training' AND dataset.digest = '" + ds.digest + "'")
out["by_other"] = found("dataset.name = 'nope'")
out["by_bogus"] = found("dataset.colour = 'x'")
inputs = c.get_run(run.info.run_id).inputs.dataset_inputs
out["run_id"] = run.info.run_id
out["inputs"] = [
    {"name": i.dataset.name, "digest": i.dataset.digest, "source_type": i.dataset.source_type,
     "context": {t.key: t.value for t in i.tags}.get("mlflow.data.context"),
     "has_schema": bool(i.dataset.schema)}
    for i in inputs
]
print(json.dumps(out))
"#;

/// `mlflow.log_input` (what autologging calls): the dataset and its digest's version in
/// the registry, the run consuming it in the lineage, `get_run` answering the inputs back
/// as MLflow does; logging it again adds nothing. Bad inputs are refused in MLflow's
/// shape, writing nothing, and another namespace's run is not found.
#[tokio::test]
async fn logged_inputs_are_datasets_in_the_runs_lineage() {
    let base = TestApp::new().await;
    let s = served(&base).await;
    let token = key_with(
        &s,
        "inputs@example.com",
        &[("ml.inputs", entity::enums::Role::Editor)],
    )
    .await;
    let out = run_python(
        INPUTS,
        &mlflow_env(
            format!("http://{}/ns/ml.inputs", s.addr),
            &[("MLFLOW_TRACKING_TOKEN", token.clone())],
        ),
    )
    .await;
    let line = out.lines().last().unwrap_or_default();
    let got: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(
        got["inputs"],
        json!([{"name": "transactions", "digest": got["digest"], "source_type": "s3", "context": "training", "has_schema": true}]),
        "{got}"
    );
    assert_eq!(
        got["by_name"],
        json!([true]),
        "only the run with the input: {got}"
    );
    assert_eq!(got["by_context"], json!([true]), "{got}");
    assert_eq!(got["by_other"], json!([]), "{got}");
    assert_eq!(got["by_bogus"], "INVALID_PARAMETER_VALUE", "{got}");
    let lineage = base
        .ok(
            "{ datasets(filter: {ns: {eq: \"ml.inputs\"}}) { nodes { name dataType storageUri versions { nodes { storageUri schema downstream(depth: 1) { nodes { node { __typename } } } } } } } }",
            json!({}),
        )
        .await;
    let ds = &lineage["datasets"]["nodes"];
    assert_eq!(ds.as_array().map(Vec::len), Some(1), "{lineage}");
    assert_eq!(ds[0]["name"], "transactions");
    assert_eq!(ds[0]["dataType"], "TABULAR");
    let version = &ds[0]["versions"]["nodes"][0];
    assert_eq!(version["storageUri"], "s3://lake/tx.parquet", "{lineage}");
    assert!(version["schema"].is_object(), "{lineage}");
    assert_eq!(
        version["downstream"]["nodes"][0]["node"]["__typename"], "JobRun",
        "{lineage}"
    );
    assert_eq!(base.count("dataset_versions").await, 1);

    let client = reqwest::Client::new();
    let post = |body: Value, token: String| {
        let url = format!(
            "http://{}/ns/ml.inputs/api/2.0/mlflow/runs/log-inputs",
            s.addr
        );
        let client = client.clone();
        async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or_default();
            (status, body)
        }
    };
    let run = got["run_id"].clone();
    let (edges, events) = (base.count("edges").await, base.count("events").await);
    let ok = json!({"dataset": {"name": "fine", "digest": "abc"}});
    for bad in [
        json!([ok, {"tags": []}]),
        json!([ok, {"dataset": {"name": "x".repeat(600), "digest": "d"}}]),
        json!([ok, {"dataset": {"name": "x", "digest": ""}}]),
        json!([ok, {"dataset": {"name": "x", "digest": "d", "source": 5}}]),
    ] {
        let (status, body) = post(json!({"run_id": run, "datasets": bad}), token.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error_code"], "INVALID_PARAMETER_VALUE", "{body}");
    }
    assert_eq!(base.count("edges").await, edges, "nothing half-written");
    assert_eq!(base.count("events").await, events);
    // Another namespace's key: the run does not exist for it.
    let other = key_with(
        &s,
        "other@example.com",
        &[("ml.other", entity::enums::Role::Editor)],
    )
    .await;
    let url = format!(
        "http://{}/ns/ml.other/api/2.0/mlflow/runs/log-inputs",
        s.addr
    );
    let r = client
        .post(url)
        .bearer_auth(&other)
        .json(&json!({"run_id": run, "datasets": [ok]}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status().as_u16(), 404);
    let body: Value = r.json().await.unwrap_or_default();
    assert_eq!(body["error_code"], "RESOURCE_DOES_NOT_EXIST", "{body}");
}

/// Creates `runs/search`'s test data over REST on a served app: 24 runs of one
/// experiment, with a metric `m` on most, a param `p` of a few values (case matters), a
/// tag on some, ascending start times; returns the experiment id.
async fn search_fixture(addr: &str) -> String {
    use crate::ingest::post_json;
    let (status, exp) = post_json(
        addr,
        "/api/2.0/mlflow/experiments/create",
        None,
        &json!({"name": "search"}),
    )
    .await;
    assert_eq!(status, 200, "{exp}");
    let exp = exp["experiment_id"].as_str().unwrap_or_default().to_owned();
    for i in 0..24u32 {
        let (_, run) = post_json(
            addr,
            "/api/2.0/mlflow/runs/create",
            None,
            &json!({"experiment_id": exp, "run_name": format!("r{i:02}"), "start_time": 1_700_000_000_000u64 + u64::from(i % 7) * 1000}),
        )
        .await;
        let id = run["run"]["info"]["run_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let mut metrics = Vec::new();
        if i % 5 != 0 {
            // 0.1 .. 0.9, some equal (ties fall back to start time, then id).
            metrics.push(json!({"key": "m", "value": f64::from(i % 9 + 1) / 10.0, "timestamp": 1, "step": 0}));
        }
        let p = ["a", "b", "A", "ab", "b%_"][i as usize % 5];
        let mut tags = Vec::new();
        if i % 3 == 0 {
            tags.push(json!({"key": "team", "value": if i % 2 == 0 { "fraud" } else { "risk" }}));
        }
        let (status, body) = post_json(
            addr,
            "/api/2.0/mlflow/runs/log-batch",
            None,
            &json!({"run_id": id, "metrics": metrics, "params": [{"key": "p", "value": p}], "tags": tags}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        if i == 7 {
            let (status, body) = post_json(
                addr,
                "/api/2.0/mlflow/runs/update",
                None,
                &json!({"run_id": id, "status": "FINISHED", "end_time": 1_700_000_100_000u64}),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
    }
    exp
}

/// Every page of an MLflow search (a POST of `body` to `path`), following
/// `next_page_token`: each item of the answer's `list` as `name` reads it, or the error
/// code of the first page refused. No page holds more than `max_results`.
async fn all_pages(
    addr: &str,
    path: &str,
    mut body: Value,
    list: &str,
    name: fn(&Value) -> Option<&str>,
) -> Result<Vec<String>, String> {
    let max = body["max_results"].as_u64().unwrap_or(u64::MAX);
    let mut names = Vec::new();
    loop {
        let (status, page) = crate::ingest::post_json(addr, path, None, &body).await;
        if status != 200 {
            return Err(page["error_code"].as_str().unwrap_or_default().to_owned());
        }
        let items = page[list].as_array().cloned().unwrap_or_default();
        assert!(items.len() as u64 <= max, "{page}");
        names.extend(items.iter().filter_map(|i| name(i).map(str::to_owned)));
        match page["next_page_token"].as_str() {
            Some(t) => body["page_token"] = json!(t),
            None => return Ok(names),
        }
    }
}

/// Every page of a `runs/search`, 5 runs a page, as run names.
async fn search_names(
    addr: &str,
    exp: &str,
    filter: &str,
    order: &[&str],
) -> Result<Vec<String>, String> {
    all_pages(
        addr,
        "/api/2.0/mlflow/runs/search",
        json!({"experiment_ids": [exp], "filter": filter, "order_by": order, "max_results": 5}),
        "runs",
        |r| r["info"]["run_name"].as_str(),
    )
    .await
}

/// `runs/search` is compiled to SQL: PostgreSQL and SQLite give the same pages for every
/// filter and order (each checked against the data where it is easy to say), a search
/// costs a few statements whatever its page holds, and a filter of the wrong type is
/// refused as MLflow refuses it.
#[tokio::test]
async fn runs_search_runs_in_the_database_and_agrees_on_both_backends() {
    let pg = TestApp::new().await;
    let lite = TestApp::sqlite().await;
    let (pg_addr, lite_addr) = (pg.serve().await, lite.serve().await);
    let (pg_exp, lite_exp) = (
        search_fixture(&pg_addr).await,
        search_fixture(&lite_addr).await,
    );
    let cases: &[(&str, &[&str])] = &[
        ("", &[]),
        ("", &["metrics.m DESC"]),
        ("", &["metrics.m ASC"]),
        ("", &["params.p ASC", "metrics.m DESC"]),
        ("", &["attributes.run_name DESC"]),
        ("", &["start_time ASC"]),
        ("metrics.m > 0.5", &["metrics.m DESC"]),
        ("metrics.m <= 0.5", &[]),
        ("metrics.m != 0.3", &["run_name"]),
        ("metrics.m = '0.3'", &[]),
        ("params.p = 'a'", &[]),
        ("params.p != 'a'", &["run_name"]),
        ("params.p LIKE 'a%'", &["run_name"]),
        ("params.p ILIKE 'a%'", &["run_name"]),
        ("params.p LIKE 'b\\%\\_'", &[]),
        ("params.p LIKE 'b%_'", &["run_name"]),
        ("params.p IN ('a', 'b')", &["run_name"]),
        ("params.p NOT IN ('a')", &["run_name"]),
        ("tags.team = 'fraud'", &["run_name"]),
        ("tags.team != 'fraud'", &["run_name"]),
        ("attributes.run_name LIKE 'r1%'", &["run_name DESC"]),
        ("attributes.status = 'FINISHED'", &[]),
        ("run_name < 'r03'", &["run_name"]),
        ("attributes.start_time >= 1700000005000", &["run_name"]),
        ("metrics.m > 0.2 AND params.p = 'b'", &["metrics.m ASC"]),
        ("params.p > 5", &[]),
        ("metrics.m = 'abc'", &[]),
        ("metrics.m LIKE 'a%'", &[]),
    ];
    let mut answers = Vec::new();
    for (filter, order) in cases {
        let on_pg = search_names(&pg_addr, &pg_exp, filter, order).await;
        let on_lite = search_names(&lite_addr, &lite_exp, filter, order).await;
        assert_eq!(on_pg, on_lite, "{filter:?} {order:?}: PostgreSQL vs SQLite");
        answers.push(on_pg);
    }
    let all: Vec<String> = (0..24).map(|i| format!("r{i:02}")).collect();
    let names = |f: &dyn Fn(u32) -> bool| -> Vec<String> {
        (0..24)
            .filter(|i| f(*i))
            .map(|i| format!("r{i:02}"))
            .collect()
    };
    // Unordered: newest start first, then run id; every run once.
    let mut unordered = answers[0].clone().unwrap_or_default();
    unordered.sort();
    assert_eq!(unordered, all);
    // The best run first; runs without `m` last in both directions.
    let best = answers[1].clone().unwrap_or_default();
    assert!(["r08", "r17"].contains(&best[0].as_str()), "{best:?}");
    let missing = names(&|i| i % 5 == 0);
    for (i, dir) in [(1, "DESC"), (2, "ASC")] {
        let got = answers[i].clone().unwrap_or_default();
        let mut tail = got[got.len() - missing.len()..].to_vec();
        tail.sort();
        assert_eq!(tail, missing, "missing metrics last ({dir})");
    }
    assert_eq!(
        answers[4].clone().unwrap_or_default(),
        all.iter().rev().cloned().collect::<Vec<_>>()
    );
    let mut above = answers[6].clone().unwrap_or_default();
    above.sort();
    assert_eq!(above, names(&|i| i % 5 != 0 && (i % 9 + 1) > 5));
    assert_eq!(
        answers[8].clone().unwrap_or_default(),
        names(&|i| i % 5 == 0 || i % 9 + 1 != 3),
        "a missing metric is != 0.3"
    );
    assert_eq!(
        answers[12].clone().unwrap_or_default(),
        names(&|i| i % 5 == 0 || i % 5 == 3),
        "LIKE is case-sensitive"
    );
    assert_eq!(
        answers[13].clone().unwrap_or_default(),
        names(&|i| i % 5 == 0 || i % 5 == 2 || i % 5 == 3),
        "ILIKE is not"
    );
    assert_eq!(
        answers[15].clone().unwrap_or_default(),
        names(&|i| i % 5 == 4),
        "b%_ as a pattern"
    );
    assert_eq!(
        answers[18].clone().unwrap_or_default(),
        names(&|i| i % 6 == 0)
    );
    assert_eq!(
        answers[19].clone().unwrap_or_default(),
        names(&|i| i % 6 != 0),
        "a missing tag is != 'fraud'"
    );
    assert_eq!(
        answers[20].clone().unwrap_or_default(),
        names(&|i| (10..20).contains(&i))
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
    );
    assert_eq!(answers[21].clone().unwrap_or_default(), ["r07"]);
    assert_eq!(
        answers[22].clone().unwrap_or_default(),
        ["r00", "r01", "r02"]
    );
    assert_eq!(
        answers[23].clone().unwrap_or_default(),
        names(&|i| i % 7 >= 5)
    );
    for wrong in &answers[25..] {
        assert_eq!(wrong, &Err("INVALID_PARAMETER_VALUE".to_owned()));
    }
    // A page token carries the last row's sort values, for its own search only: a
    // forged one, or one of a search with other keys, is refused in MLflow's shape.
    let search = |order: Value, token: Option<&str>| {
        let mut body = json!({"experiment_ids": [pg_exp], "max_results": 5, "order_by": order});
        if let Some(t) = token {
            body["page_token"] = json!(t);
        }
        let addr = pg_addr.clone();
        async move { crate::ingest::post_json(&addr, "/api/2.0/mlflow/runs/search", None, &body).await }
    };
    let (_, by_name) = search(json!(["run_name"]), None).await;
    let name_token = by_name["next_page_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (_, by_metric) = search(json!(["metrics.m DESC"]), None).await;
    let metric_token = by_metric["next_page_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!name_token.is_empty() && !metric_token.is_empty());
    let (status, second) = search(json!(["run_name"]), Some(&name_token)).await;
    assert_eq!(status, 200);
    assert_eq!(second["runs"][0]["info"]["run_name"], "r05");
    for (order, token) in [
        (json!(["run_name"]), "garbage!"),
        (json!(["run_name"]), "W10"),
        (json!(["run_name"]), "5"),
        (json!([]), name_token.as_str()),
        (json!(["metrics.m DESC"]), name_token.as_str()),
        (json!(["run_name"]), metric_token.as_str()),
    ] {
        let (status, body) = search(order.clone(), Some(token)).await;
        assert_eq!(status, 400, "{order} {token}: {body}");
        assert_eq!(body["error_code"], "INVALID_PARAMETER_VALUE", "{body}");
    }
    // A page of 1,000 costs a few statements, not one per run.
    let before = pg.statements().get();
    let (status, page) = crate::ingest::post_json(
        &pg_addr,
        "/api/2.0/mlflow/runs/search",
        None,
        &json!({"experiment_ids": [pg_exp], "max_results": 1000, "order_by": ["metrics.m DESC"]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["runs"].as_array().map(Vec::len), Some(24));
    let spent = pg.statements().get() - before;
    assert!(spent <= 6, "{spent} statements for one search");
}

/// `JobRun.metricHistory`: what an MLflow client logged over steps, in GraphQL — every
/// value exactly, sampled evenly in the database when asked for fewer points (first and
/// last kept), one key or all, one statement for every run of a response, as of an
/// instant, `maxPoints` checked; another namespace's caller reaches no run to ask.
#[tokio::test]
async fn metric_history_is_served_in_graphql_sampled_and_batched() {
    metric_history_on(TestApp::new().await).await;
}

#[tokio::test]
async fn metric_history_on_sqlite() {
    metric_history_on(TestApp::sqlite().await).await;
}

async fn metric_history_on(base: TestApp) {
    use crate::ingest::post_json;
    let s = served(&base).await;
    let token = key_with(
        &s,
        "sweep@acme.com",
        &[("acme.com", entity::enums::Role::Editor)],
    )
    .await;
    let stranger = key_with(
        &s,
        "x@other.org",
        &[("other.org", entity::enums::Role::Viewer)],
    )
    .await;
    let ml = |path: &'static str, body: Value| {
        let (addr, token) = (s.addr.clone(), token.clone());
        async move {
            let (status, v) = post_json(
                &addr,
                &format!("/ns/acme.com/api/2.0/mlflow/{path}"),
                Some(&token),
                &body,
            )
            .await;
            assert_eq!(status, 200, "{path}: {v}");
            v
        }
    };
    let gql = |token: String, query: &'static str, variables: Value| {
        let addr = s.addr.clone();
        async move {
            post_json(
                &addr,
                "/graphql",
                Some(&token),
                &json!({"query": query, "variables": variables}),
            )
            .await
            .1
        }
    };
    let exp = ml("experiments/create", json!({"name": "history"})).await["experiment_id"].clone();
    let mut runs = Vec::new();
    for name in ["long", "short", "other"] {
        let run = ml(
            "runs/create",
            json!({"experiment_id": exp, "run_name": name, "start_time": 1_700_000_000_000i64}),
        )
        .await["run"]["info"]["run_id"]
            .clone();
        runs.push(run);
    }
    // 1,000 steps of loss on the first run; 10 on the second; 3 points of acc each.
    let loss = |n: i64| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"key": "loss", "value": 1.0 / (i as f64 + 3.0), "timestamp": 1_700_000_000_000i64 + i, "step": i}))
            .collect()
    };
    ml(
        "runs/log-batch",
        json!({"run_id": runs[0], "metrics": loss(1000)}),
    )
    .await;
    ml(
        "runs/log-batch",
        json!({"run_id": runs[1], "metrics": loss(10)}),
    )
    .await;
    for run in &runs {
        let acc: Vec<Value> = (0..3)
            .map(|i| json!({"key": "acc", "value": 0.5 + f64::from(i) / 10.0, "timestamp": 1_700_000_000_000i64, "step": i}))
            .collect();
        ml("runs/log-batch", json!({"run_id": run, "metrics": acc})).await;
    }
    // A wide run: twelve metrics of two steps each.
    let wide = ml(
        "runs/create",
        json!({"experiment_id": exp, "run_name": "wide", "start_time": 1_700_000_000_000i64}),
    )
    .await["run"]["info"]["run_id"]
        .clone();
    let metrics: Vec<Value> = (0..12)
        .flat_map(|k| (0..2).map(move |step| json!({"key": format!("k{k:02}"), "value": f64::from(k), "timestamp": 1_700_000_000_000i64, "step": step})))
        .collect();
    ml(
        "runs/log-batch",
        json!({"run_id": wide, "metrics": metrics}),
    )
    .await;
    let instant = chrono::Utc::now();
    ml("runs/log-metric", json!({"run_id": runs[2], "key": "acc", "value": 0.9, "timestamp": 1_700_000_000_100i64, "step": 3})).await;

    const Q: &str = "query($name: String, $max: Int!, $keys: [String!], $at: DateTime) {
        experiments(first: 1, filter: {name: {eq: \"history\"}}, asOf: $at) { nodes { jobRuns(first: 10, orderBy: [{field: NAME}], filter: {name: {eq: $name}}) { nodes {
          id name metricHistory(maxPoints: $max, keys: $keys) { key logged points { step value timestamp } } } } } } }";
    let all = gql(token.clone(), Q, json!({"max": 100})).await;
    let by_name = |v: &Value, name: &str| -> Value {
        v["data"]["experiments"]["nodes"][0]["jobRuns"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no run {name}: {v}"))
    };
    let long = by_name(&all, "long");
    let keys: Vec<&Value> = long["metricHistory"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| &h["key"])
        .collect();
    assert_eq!(
        keys,
        [&json!("acc"), &json!("loss")],
        "in key order: {long}"
    );
    let sampled = &long["metricHistory"][1];
    assert_eq!(sampled["logged"], 1000);
    let points = sampled["points"].as_array().cloned().unwrap_or_default();
    assert!(
        points.len() <= 100 && points.len() >= 90,
        "{} points",
        points.len()
    );
    let steps: Vec<i64> = points.iter().filter_map(|p| p["step"].as_i64()).collect();
    assert_eq!(steps.first(), Some(&0));
    assert_eq!(steps.last(), Some(&999), "the last step is kept");
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
    let gaps: std::collections::BTreeSet<i64> = steps[..steps.len() - 1]
        .windows(2)
        .map(|w| w[1] - w[0])
        .collect();
    assert_eq!(gaps.len(), 1, "evenly sampled: {gaps:?}");
    for p in &points {
        let step = p["step"].as_i64().unwrap_or(-1);
        assert_eq!(
            p["value"].as_f64(),
            Some(1.0 / (step as f64 + 3.0)),
            "exact at step {step}"
        );
        assert_eq!(
            p["timestamp"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.timestamp_millis()),
            Some(1_700_000_000_000 + step)
        );
    }
    // Fewer than asked for: every value.
    let short = by_name(&all, "short");
    assert_eq!(
        short["metricHistory"][1]["points"].as_array().map(Vec::len),
        Some(10)
    );
    assert_eq!(by_name(&all, "other")["metricHistory"][0]["logged"], 4);
    // Without keys, a run's first ten metrics in key order; named, those.
    let wide_keys = |v: &Value| -> Vec<String> {
        by_name(v, "wide")["metricHistory"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h["key"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        wide_keys(&all),
        (0..10).map(|k| format!("k{k:02}")).collect::<Vec<_>>()
    );
    let named = gql(
        token.clone(),
        Q,
        json!({"max": 3, "keys": ["k11", "k10", "nope"]}),
    )
    .await;
    assert_eq!(wide_keys(&named), ["k10", "k11"]);
    // One key.
    let acc = gql(token.clone(), Q, json!({"max": 3, "keys": ["acc"]})).await;
    let long_acc = by_name(&acc, "long")["metricHistory"].clone();
    assert_eq!(long_acc.as_array().map(Vec::len), Some(1), "{long_acc}");
    assert_eq!(long_acc[0]["points"].as_array().map(Vec::len), Some(3));
    // Sampled to 3 of 4: the first and the last.
    let other = by_name(&acc, "other")["metricHistory"][0]["points"].clone();
    let kept: Vec<i64> = other
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["step"].as_i64())
        .collect();
    assert_eq!(kept.first(), Some(&0));
    assert_eq!(kept.last(), Some(&3));
    assert!(kept.len() <= 3, "{kept:?}");
    // As of the instant: the value logged after it is not there.
    let then = gql(
        token.clone(),
        Q,
        json!({"max": 100, "keys": ["acc"], "at": instant}),
    )
    .await;
    assert_eq!(
        by_name(&then, "other")["metricHistory"][0]["logged"],
        3,
        "{then}"
    );
    // One statement for every run's history: three runs cost what one does.
    let statements = |vars: Value| {
        let (token, counter) = (token.clone(), s.app.statements().clone());
        let gql = &gql;
        async move {
            let before = counter.get();
            let v = gql(token, Q, vars).await;
            assert!(v.get("errors").is_none(), "{v}");
            counter.get() - before
        }
    };
    let one = statements(json!({"max": 50, "name": "long"})).await;
    let all_runs = statements(json!({"max": 50})).await;
    assert_eq!(one, all_runs, "the histories of every run in one statement");
    // maxPoints and keys are checked.
    for max in [2, 2_501] {
        let bad = gql(token.clone(), Q, json!({"max": max, "keys": ["loss"]})).await;
        assert_eq!(
            bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{bad}"
        );
    }
    let keys: Vec<String> = (0..101).map(|k| format!("k{k}")).collect();
    let bad = gql(token.clone(), Q, json!({"max": 3, "keys": keys})).await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );
    // What a response may hold is bounded before it runs: 100 runs × 10 metrics × 2,500
    // points is refused as too complex, reading nothing but the caller's key (as much as
    // a query that reads no data at all).
    let mark = s.app.statements().get();
    gql(token.clone(), "{ __typename }", json!({})).await;
    let key_only = s.app.statements().get() - mark;
    let before = s.app.statements().get();
    let huge = gql(
        token.clone(),
        "{ jobRuns(first: 100) { nodes { metricHistory(maxPoints: 2500) { key points { step value } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        huge["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{huge}"
    );
    assert_eq!(huge["data"], Value::Null);
    assert_eq!(
        s.app.statements().get() - before,
        key_only,
        "refused before any statement"
    );
    // Another namespace's caller: the run is as absent as one that never was.
    let id = long["id"].clone();
    const NODE: &str = "query($id: ID!) { jobRun(id: $id) { metricHistory { key } } }";
    let theirs = gql(stranger.clone(), NODE, json!({"id": id})).await;
    let nowhere = gql(
        stranger,
        NODE,
        json!({"id": mlgraph::core::ids::encode(mlgraph::core::ids::NodeType::JobRun, uuid::Uuid::now_v7())}),
    )
    .await;
    assert_eq!(
        theirs["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{theirs}"
    );
    assert_eq!(
        theirs["errors"][0]["extensions"],
        nowhere["errors"][0]["extensions"]
    );
    assert_eq!(theirs["data"], nowhere["data"]);
}

/// Every page of an `experiments/search`, as names.
async fn experiment_names(addr: &str, body: Value) -> Result<Vec<String>, String> {
    all_pages(
        addr,
        "/api/2.0/mlflow/experiments/search",
        body,
        "experiments",
        |e| e["name"].as_str(),
    )
    .await
}

/// `experiments/search` runs in the database too: filter, view, order and keyset pages
/// agree on both backends and with what was made.
#[tokio::test]
async fn experiments_search_runs_in_the_database_and_agrees_on_both_backends() {
    use crate::ingest::post_json;
    let pg = TestApp::new().await;
    let lite = TestApp::sqlite().await;
    let mut answers: Vec<Vec<Result<Vec<String>, String>>> = Vec::new();
    for addr in [pg.serve().await, lite.serve().await] {
        for i in 0..7u32 {
            let mut tags = Vec::new();
            if i % 2 == 0 {
                tags.push(
                    json!({"key": "team", "value": if i % 4 == 0 { "fraud" } else { "risk" }}),
                );
            }
            let (status, made) = post_json(
                &addr,
                "/api/2.0/mlflow/experiments/create",
                None,
                &json!({"name": format!("e{i}"), "tags": tags}),
            )
            .await;
            assert_eq!(status, 200, "{made}");
            if i == 3 {
                let (status, _) = post_json(
                    &addr,
                    "/api/2.0/mlflow/experiments/delete",
                    None,
                    &json!({"experiment_id": made["experiment_id"]}),
                )
                .await;
                assert_eq!(status, 200);
            }
        }
        let mut got = Vec::new();
        for body in [
            json!({"max_results": 2}),
            json!({"max_results": 2, "order_by": ["name"]}),
            json!({"max_results": 2, "order_by": ["tags.team DESC"]}),
            json!({"max_results": 2, "filter": "tags.team = 'fraud'", "order_by": ["name"]}),
            json!({"max_results": 2, "filter": "name LIKE 'e%' AND tags.team != 'fraud'", "order_by": ["name"]}),
            json!({"max_results": 2, "view_type": "DELETED_ONLY"}),
            json!({"max_results": 2, "view_type": "ALL", "order_by": ["name DESC"]}),
            json!({"max_results": 2, "filter": "creation_time > 'x'"}),
            json!({"max_results": 2, "page_token": "not-a-token"}),
        ] {
            got.push(experiment_names(&addr, body).await);
        }
        answers.push(got);
    }
    assert_eq!(answers[0], answers[1], "PostgreSQL vs SQLite");
    let a = &answers[0];
    let names = |l: &[&str]| Ok(l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    // Newest first; the Default experiment is made on first use only.
    assert_eq!(a[0], names(&["e6", "e5", "e4", "e2", "e1", "e0"]));
    assert_eq!(a[1], names(&["e0", "e1", "e2", "e4", "e5", "e6"]));
    // As in MLflow, experiments order by their attributes only.
    assert_eq!(a[2], Err("INVALID_PARAMETER_VALUE".to_owned()));
    assert_eq!(a[3], names(&["e0", "e4"]));
    assert_eq!(a[4], names(&["e1", "e2", "e5", "e6"]));
    assert_eq!(a[5], names(&["e3"]));
    assert_eq!(a[6], names(&["e6", "e5", "e4", "e3", "e2", "e1", "e0"]));
    assert_eq!(a[7], Err("INVALID_PARAMETER_VALUE".to_owned()));
    assert_eq!(a[8], Err("INVALID_PARAMETER_VALUE".to_owned()));
}

/// `registered-models/search` runs in the database: filter, order and keyset pages agree
/// on both backends, and a page of models costs the same few statements however many
/// it holds (their latest versions and aliases read for all of them at once).
#[tokio::test]
async fn registered_models_search_runs_in_the_database_and_agrees_on_both_backends() {
    use crate::ingest::post_json;
    let pg = TestApp::new().await;
    let lite = TestApp::sqlite().await;
    let mut answers = Vec::new();
    let search = |addr: String, query: String| async move {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = format!(
                "http://{addr}/api/2.0/mlflow/registered-models/search?max_results=2&{query}"
            );
            if let Some(t) = &token {
                url.push_str(&format!("&page_token={t}"));
            }
            let resp = reqwest::get(&url).await.unwrap_or_else(|e| panic!("{e}"));
            let status = resp.status().as_u16();
            let page: Value = resp.json().await.unwrap_or_default();
            if status != 200 {
                return Err(page["error_code"].as_str().unwrap_or_default().to_owned());
            }
            names.extend(
                page["registered_models"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m["name"].as_str().map(str::to_owned)),
            );
            match page["next_page_token"].as_str() {
                Some(t) => token = Some(t.to_owned()),
                None => return Ok::<_, String>(names),
            }
        }
    };
    for addr in [pg.serve().await, lite.serve().await] {
        for (name, team) in [
            ("b", Some("fraud")),
            ("a", None),
            ("B", Some("risk")),
            ("c", Some("fraud")),
            ("ab", None),
        ] {
            let tags: Vec<Value> = team
                .map(|t| json!({"key": "team", "value": t}))
                .into_iter()
                .collect();
            let (status, made) = post_json(
                &addr,
                "/api/2.0/mlflow/registered-models/create",
                None,
                &json!({"name": name, "tags": tags}),
            )
            .await;
            assert_eq!(status, 200, "{made}");
        }
        // Model a: four versions over three stages, an alias on the oldest. Its answer
        // names each stage's latest version and the aliased one, whatever it holds.
        for v in 1..=4 {
            let (status, made) = post_json(
                &addr,
                "/api/2.0/mlflow/model-versions/create",
                None,
                &json!({"name": "a", "source": format!("s3://b/a{v}")}),
            )
            .await;
            assert_eq!(status, 200, "{made}");
        }
        for (version, stage) in [("1", "Staging"), ("2", "Production"), ("4", "Staging")] {
            let (status, moved) = post_json(
                &addr,
                "/api/2.0/mlflow/model-versions/transition-stage",
                None,
                &json!({"name": "a", "version": version, "stage": stage}),
            )
            .await;
            assert_eq!(status, 200, "{moved}");
        }
        let (status, aliased) = post_json(
            &addr,
            "/api/2.0/mlflow/registered-models/alias",
            None,
            &json!({"name": "a", "alias": "champion", "version": "1"}),
        )
        .await;
        assert_eq!(status, 200, "{aliased}");
        let a: Value = reqwest::get(format!(
            "http://{addr}/api/2.0/mlflow/registered-models/get?name=a"
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let latest: Vec<(String, String)> = a["registered_model"]["latest_versions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                (
                    v["version"].as_str().unwrap_or_default().to_owned(),
                    v["current_stage"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let pairs = |l: &[(&str, &str)]| -> Vec<(String, String)> {
            l.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        assert_eq!(
            latest,
            pairs(&[("2", "Production"), ("3", "None"), ("4", "Staging")]),
            "{a}"
        );
        assert_eq!(
            a["registered_model"]["aliases"],
            json!([{"alias": "champion", "version": "1"}])
        );
        let mut got = Vec::new();
        for query in [
            "",
            "order_by=name+DESC",
            "filter=tags.team+%3D+%27fraud%27",
            "filter=name+LIKE+%27a%25%27",
            "order_by=tags.team",
            "page_token=forged",
        ] {
            got.push(search(addr.clone(), query.to_owned()).await);
        }
        answers.push(got);
    }
    assert_eq!(answers[0], answers[1], "PostgreSQL vs SQLite");
    let a = &answers[0];
    let names = |l: &[&str]| Ok(l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    // By name, byte for byte (upper case first).
    assert_eq!(a[0], names(&["B", "a", "ab", "b", "c"]));
    assert_eq!(a[1], names(&["c", "b", "ab", "a", "B"]));
    assert_eq!(a[2], names(&["b", "c"]));
    assert_eq!(a[3], names(&["a", "ab"]));
    assert_eq!(a[4], Err("INVALID_PARAMETER_VALUE".to_owned()));
    assert_eq!(a[5], Err("INVALID_PARAMETER_VALUE".to_owned()));
    // A page of five models: a fixed handful of statements, not a few per model.
    let addr = pg.serve().await;
    let before = pg.statements().get();
    let resp = reqwest::get(format!(
        "http://{addr}/api/2.0/mlflow/registered-models/search?max_results=100"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let page: Value = resp.json().await.unwrap_or_default();
    assert_eq!(page["registered_models"].as_array().map(Vec::len), Some(5));
    let spent = pg.statements().get() - before;
    assert!(spent <= 6, "{spent} statements for one page of models");
}

/// `logged-models/search` runs in the database: its filter on both backends, newest
/// first, keyset pages, and a forged token refused.
#[tokio::test]
async fn logged_models_search_runs_in_the_database() {
    use crate::ingest::post_json;
    let mut answers = Vec::new();
    for app in [TestApp::new().await, TestApp::sqlite().await] {
        let addr = app.serve().await;
        let (_, exp) = post_json(
            &addr,
            "/api/2.0/mlflow/experiments/create",
            None,
            &json!({"name": "lm"}),
        )
        .await;
        let exp = exp["experiment_id"].as_str().unwrap_or_default().to_owned();
        let mut ids = Vec::new();
        for (name, flavor, kind) in [
            ("m1", "sklearn", "aa"),
            ("m2", "torch", "mm"),
            ("m3", "sklearn", "zz"),
        ] {
            let (status, made) = post_json(
                &addr,
                "/api/2.0/mlflow/logged-models",
                None,
                &json!({"experiment_id": exp, "name": name, "model_type": kind,
                        "tags": [{"key": "flavor", "value": flavor}]}),
            )
            .await;
            assert_eq!(status, 200, "{made}");
            ids.push(made["model"]["info"]["model_id"].clone());
        }
        // Metrics of m1 and m3 (m3's latest is its second value), logged through a run.
        let (_, run) = post_json(
            &addr,
            "/api/2.0/mlflow/runs/create",
            None,
            &json!({"experiment_id": exp}),
        )
        .await;
        let metric = |model: &Value, value: f64, timestamp: i64| json!({"key": "auc", "value": value, "timestamp": timestamp, "step": 0, "model_id": model});
        let (status, logged) = post_json(
            &addr,
            "/api/2.0/mlflow/runs/log-batch",
            None,
            &json!({"run_id": run["run"]["info"]["run_id"], "metrics": [
                metric(&ids[0], 0.5, 1), metric(&ids[2], 0.2, 1), metric(&ids[2], 0.9, 2),
                // m1 on the validation set too.
                {"key": "auc", "value": 0.6, "timestamp": 0, "step": 0, "model_id": &ids[0],
                 "dataset_name": "val", "dataset_digest": "d1"}
            ]}),
        )
        .await;
        assert_eq!(status, 200, "{logged}");
        let mut got = Vec::new();
        let by = |field: &str, asc: Value| json!([{"field_name": field, "ascending": asc}]);
        for body in [
            ("", None, Value::Null),
            ("tags.flavor = 'sklearn'", None, Value::Null),
            ("name LIKE 'm%' AND name != 'm1'", None, Value::Null),
            ("", Some("forged"), Value::Null),
            // MLflow 3's order_by: objects, ascending by default.
            ("", None, json!([{"field_name": "name"}])),
            ("", None, by("name", json!(false))),
            // Times are numbers (milliseconds), in the filter as in the order.
            ("creation_timestamp > 0", None, by("name", json!(true))),
            (
                "tags.flavor = 'sklearn'",
                None,
                by("model_type", Value::Null),
            ),
            // By the latest value; a model without the metric last either way.
            ("", None, by("metrics.auc", json!(false))),
            ("", None, by("bogus", json!(true))),
            ("", None, by("params.depth", json!(true))),
            ("", None, by("metrics.auc", json!(true))),
            ("metrics.auc < 0.8", None, Value::Null),
            // No model holds this one: the ties (newest first) decide.
            ("", None, by("metrics.loss", json!(false))),
        ]
        .into_iter()
        .map(|(filter, token, order)| {
            let mut body = json!({"filter": filter});
            if let Some(t) = token {
                body["page_token"] = json!(t);
            }
            if !order.is_null() {
                body["order_by"] = order;
            }
            body
        })
        // MLflow 3's `datasets`: the models with a metric on one of them, and metric
        // clauses restricted to them; an order key on a dataset's values.
        .chain([
            json!({"datasets": [{"dataset_name": "val"}]}),
            json!({"datasets": [{"dataset_name": "val", "dataset_digest": "other"}]}),
            json!({"filter": "metrics.auc > 0.55", "datasets": [{"dataset_name": "val"}]}),
            json!({"filter": "metrics.auc > 0.55"}),
            json!({"datasets": [{"dataset_digest": "d1"}]}),
            json!({"order_by": [{"field_name": "metrics.auc", "ascending": false, "dataset_name": "val"}]}),
        ]) {
            let mut body = body;
            body["experiment_ids"] = json!([exp]);
            body["max_results"] = json!(1);
            got.push(
                all_pages(
                    &addr,
                    "/api/2.0/mlflow/logged-models/search",
                    body,
                    "models",
                    |m| m["info"]["name"].as_str(),
                )
                .await,
            );
        }
        answers.push(got);
    }
    assert_eq!(answers[0], answers[1], "PostgreSQL vs SQLite");
    let names = |l: &[&str]| Ok(l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    assert_eq!(answers[0][0], names(&["m3", "m2", "m1"]));
    assert_eq!(answers[0][1], names(&["m3", "m1"]));
    assert_eq!(answers[0][2], names(&["m3", "m2"]));
    assert_eq!(answers[0][3], Err("INVALID_PARAMETER_VALUE".to_owned()));
    assert_eq!(answers[0][4], names(&["m1", "m2", "m3"]));
    assert_eq!(answers[0][5], names(&["m3", "m2", "m1"]));
    assert_eq!(answers[0][6], names(&["m1", "m2", "m3"]));
    assert_eq!(answers[0][7], names(&["m1", "m3"]));
    assert_eq!(answers[0][8], names(&["m3", "m1", "m2"]));
    assert_eq!(answers[0][9], Err("INVALID_PARAMETER_VALUE".to_owned()));
    assert_eq!(answers[0][10], Err("INVALID_PARAMETER_VALUE".to_owned()));
    // By the latest value (m1's is 0.5, its newest timestamp), missing values last.
    assert_eq!(answers[0][11], names(&["m1", "m3", "m2"]));
    // A metric clause holds when any value meets it, as in MLflow: m3 once logged 0.2.
    assert_eq!(answers[0][12], names(&["m3", "m1"]));
    assert_eq!(answers[0][13], names(&["m3", "m2", "m1"]));
    assert_eq!(answers[0][14], names(&["m1"]));
    assert_eq!(answers[0][15], names(&[]));
    assert_eq!(answers[0][16], names(&["m1"]));
    assert_eq!(answers[0][17], names(&["m3", "m1"]));
    assert_eq!(answers[0][18], Err("INVALID_PARAMETER_VALUE".to_owned()));
    assert_eq!(answers[0][19], names(&["m1", "m3", "m2"]));
}

//! MLflow's artifact workflows with the stock client, on the S3-compatible store:
//! `log_text`, `log_dict`, `log_artifact(s)` (one file past the multipart threshold),
//! `pyfunc.log_model` and `load_model`, `list_artifacts`, `download_artifacts`, and a
//! file replaced by a second upload. Every file is an artifact of its run (or of the
//! logged model's experiment) with its SHA-256, verified in the store.

use mlgraph::core::clock::Clock;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::artifacts::{Env, Kind, setup, setup_on};
use crate::harness::TestApp;
use crate::ingest::{Release, mlflow_env, mlflow_env_for, run_python};

const SCRIPT: &str = r#"
import hashlib, json, os, sys, tempfile
import mlflow, mlflow.pyfunc
import pandas as pd
from mlflow import MlflowClient

class Add(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return [int(x) + 1 for x in model_input["x"]]

def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()

c = MlflowClient()
mlflow.set_experiment("arts")
d = tempfile.mkdtemp()
with open(os.path.join(d, "notes.txt"), "w") as f:
    f.write("hello artifacts\n")
os.makedirs(os.path.join(d, "plots"))
with open(os.path.join(d, "plots", "a.csv"), "w") as f:
    f.write("x,y\n1,2\n")
big = os.path.join(d, "big.bin")
with open(big, "wb") as f:
    f.write(os.urandom(7 * 1024 * 1024))
with mlflow.start_run() as run:
    mlflow.log_text("some text", "texts/t.txt")
    mlflow.log_dict({"a": 1}, "conf/d.json")
    mlflow.log_artifact(os.path.join(d, "notes.txt"))
    mlflow.log_artifacts(os.path.join(d, "plots"), artifact_path="plots")
    mlflow.log_artifact(big)
    info = mlflow.pyfunc.log_model(name="adder", python_model=Add())
rid = run.info.run_id
out = {"run_id": rid, "big_sha": sha(big), "model_id": info.model_id}
out["root"] = sorted([f.path, f.is_dir] for f in c.list_artifacts(rid))
out["plots"] = sorted([f.path, f.file_size] for f in c.list_artifacts(rid, "plots"))
with open(mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="texts/t.txt")) as f:
    out["text"] = f.read()
out["dict"] = mlflow.artifacts.load_dict(f"runs:/{rid}/conf/d.json")
out["big_back"] = sha(mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="big.bin"))
model = mlflow.pyfunc.load_model(info.model_uri)
out["predict"] = [int(v) for v in model.predict(pd.DataFrame({"x": [1, 2]}))]
c.log_text(rid, "second version", "texts/t.txt")
with open(mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="texts/t.txt")) as f:
    out["text_again"] = f.read()
out["registered"] = mlflow.register_model(info.model_uri, "adder-model").version
out["predict_registered"] = [
    int(v) for v in mlflow.pyfunc.load_model("models:/adder-model/1").predict(pd.DataFrame({"x": [5]}))
]
c.create_registered_model("plots-model")
out["registered_from_run"] = c.create_model_version("plots-model", f"runs:/{rid}/plots", run_id=rid).version
try:
    mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="nothing/here.txt")
    out["missing"] = "downloaded"
except Exception as e:
    out["missing"] = type(e).__name__
print(json.dumps(out))
"#;

#[tokio::test]
async fn the_mlflow_client_logs_and_loads_artifacts_and_models() {
    let env = setup(Kind::S3, Clock::system()).await;
    logs_and_loads_artifacts_and_models(env, Release::Newest).await;
}

#[tokio::test]
async fn the_previous_mlflow_client_logs_and_loads_artifacts_and_models() {
    let env = setup(Kind::S3, Clock::system()).await;
    logs_and_loads_artifacts_and_models(env, Release::Previous).await;
}

/// SQLite with the local artifact store: the laptop setup.
#[tokio::test]
async fn the_mlflow_client_logs_and_loads_artifacts_and_models_on_sqlite() {
    let env = setup_on(TestApp::sqlite().await, Kind::Local, Clock::system()).await;
    logs_and_loads_artifacts_and_models(env, Release::Newest).await;
}

async fn logs_and_loads_artifacts_and_models(env: Env, release: Release) {
    let addr = env.app.serve().await;
    let out = run_python(
        SCRIPT,
        &mlflow_env_for(release, format!("http://{addr}/ns/ml.arts"), &[]).await,
    )
    .await;
    let line = out.lines().last().unwrap_or_default();
    let got: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {out}"));
    let root = got["root"].as_array().cloned().unwrap_or_default();
    for entry in [
        json!(["big.bin", false]),
        json!(["conf", true]),
        json!(["notes.txt", false]),
        json!(["plots", true]),
        json!(["texts", true]),
    ] {
        assert!(root.contains(&entry), "{entry} not in {root:?}");
    }
    assert_eq!(got["plots"], json!([["plots/a.csv", 8]]), "{got}");
    assert_eq!(got["text"], "some text");
    assert_eq!(got["dict"], json!({"a": 1}));
    assert_eq!(
        got["big_back"], got["big_sha"],
        "the large file came back whole"
    );
    assert_eq!(got["predict"], json!([2, 3]), "the model loaded and ran");
    assert_eq!(
        got["text_again"], "second version",
        "a second upload replaces"
    );
    assert_ne!(got["missing"], "downloaded");

    // In mlgraph: verified artifacts of the run, the large one with its SHA-256, the
    // replaced text once; the logged model's files under its experiment.
    let run_id = got["run_id"].as_str().unwrap_or_default();
    let live: Vec<(String, String, String)> = {
        use entity::artifact::{Column, Entity};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        Entity::find()
            .filter(
                Column::OwnerId.eq(uuid::Uuid::parse_str(run_id).unwrap_or_else(|e| panic!("{e}"))),
            )
            .filter(Column::DeletedAt.is_null())
            .order_by_asc(Column::Path)
            .all(env.app.db())
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|a| (a.path, a.sha256, format!("{:?}", a.status).to_uppercase()))
            .collect()
    };
    let paths: Vec<&str> = live.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "big.bin",
            "conf/d.json",
            "notes.txt",
            "plots/a.csv",
            "texts/t.txt"
        ],
        "{live:?}"
    );
    assert!(live.iter().all(|(_, _, s)| s == "VERIFIED"), "{live:?}");
    assert_eq!(Some(live[0].1.as_str()), got["big_sha"].as_str());
    let model_files = env
        .app
        .count(&format!(
            "artifacts WHERE path LIKE 'models/{}/artifacts/%' AND status = 'VERIFIED' \
             AND deleted_at IS NULL",
            got["model_id"].as_str().unwrap_or_default()
        ))
        .await;
    assert!(
        model_files >= 2,
        "MLmodel and the pickled model: {model_files}"
    );
}

const MULTIPART: &str = r#"
import hashlib, json, os, tempfile
import requests
import mlflow

def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()

d = tempfile.mkdtemp()
big = os.path.join(d, "weights.bin")
with open(big, "wb") as f:
    f.write(os.urandom(11 * 1024 * 1024 + 1))
mlflow.set_experiment("mpu")
with mlflow.start_run() as run:
    mlflow.log_artifact(big, artifact_path="model")
rid = run.info.run_id
out = {"run_id": rid, "sha": sha(big)}
out["back"] = sha(mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="model/weights.bin"))

# The same API by hand: an abort, and what is refused.
base = os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow-artifacts/mpu"
loc = f"{run.info.experiment_id}/{rid}/artifacts/tmp"
def call(op, body):
    r = requests.post(f"{base}/{op}/{loc}", json=body)
    return r.status_code, r.json()
status, created = call("create", {"path": "x.bin", "num_parts": 2})
out["create"] = [status, len(created.get("credentials", []))]
out["abort"] = call("abort", {"path": "x.bin", "upload_id": created["upload_id"]})[0]
status, body = call("complete", {"path": "x.bin", "upload_id": created["upload_id"], "parts": []})
out["complete_aborted"] = [status, body.get("error_code")]
status, body = call("create", {"path": "x.bin", "num_parts": 0})
out["zero_parts"] = [status, body.get("error_code")]
status, body = call("complete", {"path": "x.bin", "upload_id": "no-such-upload", "parts": []})
out["unknown"] = [status, body.get("error_code")]
status, created = call("create", {"path": "y.bin", "num_parts": 2})
first = created["credentials"][0]
out["part"] = requests.put(first["url"], data=b"only one part of two", headers=first["headers"]).status_code
status, body = call("complete", {"path": "y.bin", "upload_id": created["upload_id"], "parts": []})
out["missing_part"] = [status, body.get("error_code")]
print(json.dumps(out))
"#;

/// MLflow's multipart upload (`mlflow-artifacts/mpu/create|complete|abort`), which the
/// stock client uses for large files once the server says it takes them: the client's
/// parts go straight to the store (S3's presigned `UploadPart`, or the local store's
/// signed part URL), the joined file comes back whole and is a VERIFIED artifact of the
/// run with its SHA-256; an abort fails the upload; a missing part, zero parts or an
/// unknown upload are refused in MLflow's shape, and nothing is left half-written.
#[tokio::test]
async fn the_mlflow_client_uploads_large_files_in_parts_on_s3() {
    multipart_on(Kind::S3).await;
}

#[tokio::test]
async fn the_mlflow_client_uploads_large_files_in_parts_on_the_local_store() {
    multipart_on(Kind::Local).await;
}

async fn multipart_on(kind: Kind) {
    let env = setup(kind, Clock::system()).await;
    let addr = env.app.serve().await;
    let mut vars = mlflow_env(format!("http://{addr}/ns/ml.mpu"), &[]);
    vars.push(("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", "1".into()));
    vars.push((
        "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE",
        (5 * 1024 * 1024).to_string(),
    ));
    let out = run_python(MULTIPART, &vars).await;
    let got: Value = serde_json::from_str(out.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(got["back"], got["sha"], "the file came back whole: {got}");
    assert_eq!(got["create"], json!([200, 2]));
    assert_eq!(got["abort"], 200);
    assert_eq!(got["complete_aborted"], json!([400, "INVALID_STATE"]));
    assert_eq!(got["zero_parts"], json!([400, "INVALID_PARAMETER_VALUE"]));
    assert_eq!(got["unknown"], json!([404, "RESOURCE_DOES_NOT_EXIST"]));
    assert_eq!(got["part"], 200);
    assert_eq!(got["missing_part"], json!([400, "INVALID_PARAMETER_VALUE"]));

    let run = uuid::Uuid::parse_str(got["run_id"].as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = env
        .app
        .db()
        .query_all_raw(sea_orm::Statement::from_string(
            env.app.db().get_database_backend(),
            format!(
                "SELECT path, sha256, status, size_bytes, part_count, upload_id IS NOT NULL \
                 FROM artifacts WHERE owner_id = '{run}'::uuid AND deleted_at IS NULL ORDER BY path"
            ),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!([
                r.try_get_by_index::<String>(0).unwrap_or_default(),
                r.try_get_by_index::<String>(2).unwrap_or_default(),
                r.try_get_by_index::<i64>(3).unwrap_or_default(),
                r.try_get_by_index::<Option<i32>>(4).unwrap_or_default(),
                r.try_get_by_index::<bool>(5).unwrap_or_default(),
            ])
        })
        .collect();
    // Sent by the client in two parts (6 MiB, then 5 MiB and a byte), verified with the
    // client's hash.
    assert_eq!(
        found,
        [
            json!([
                "model/weights.bin",
                "VERIFIED",
                11 * 1024 * 1024 + 1,
                3,
                true
            ]),
            json!(["tmp/x.bin", "FAILED", 0, 2, true]),
            json!(["tmp/y.bin", "PENDING", 0, 2, true]),
        ],
        "{got}"
    );
    assert_eq!(
        rows[0].try_get_by_index::<String>(1).ok().as_deref(),
        got["sha"].as_str()
    );
}

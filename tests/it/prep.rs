//! Pipelines on both backends: DAGs checked on save (a cycle refused and named, nothing
//! written), versions per owner, DRAFT → VALIDATED → ARCHIVED, training jobs with an
//! immutable snapshot, the seed's delete rules, and lineage dataset → pipeline →
//! training job → model version.

use serde_json::{Value, json};

use crate::harness::{TestApp, create_model};

const CREATE: &str = "mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id name version status validatedAt config } }";
const UPDATE: &str = "mutation($i: UpdatePipelineInput!) { updatePipeline(input: $i) { id status validatedAt config } }";

fn dag(train_algorithm: Value, extra_edge: Option<(&str, &str)>) -> Value {
    let mut edges = vec![
        json!({"from": "load", "to": "split"}),
        json!({"from": "split", "to": "train"}),
        json!({"from": "train", "to": "evaluate"}),
    ];
    if let Some((a, b)) = extra_edge {
        edges.push(json!({"from": a, "to": b}));
    }
    json!({
        "nodes": [
            {"id": "load", "type": "load_dataset"},
            {"id": "split", "type": "split", "params": {"testSize": 0.2}},
            {"id": "train", "type": "train", "params": {"algorithm": train_algorithm}},
            {"id": "evaluate", "type": "evaluate", "params": {"metrics": ["auc"]}},
        ],
        "edges": edges,
    })
}

async fn dataset(app: &TestApp, name: &str) -> String {
    app.ok(
        "mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }",
        json!({"i": {"ns": "acme.com", "name": name, "dataType": "TABULAR"}}),
    )
    .await["createDataset"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

async fn pipelines(app: &TestApp) {
    let ds = dataset(app, "transactions").await;
    let (rows, events) = (app.count("pipelines").await, app.count("events").await);

    // A cycle is refused, named by its nodes; so is a step without its parameter; nothing
    // is written.
    let cyclic = app
        .gql(
            CREATE,
            json!({"i": {"ns": "acme.com", "name": "fraud", "datasetId": ds,
                         "config": dag(json!("xgboost"), Some(("evaluate", "split")))}}),
        )
        .await;
    assert_eq!(
        cyclic["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{cyclic:#}"
    );
    let message = cyclic["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(
            "node `evaluate`: the edges make a cycle: evaluate → split → train → evaluate"
        ),
        "{message}"
    );
    let missing = app
        .gql(
            CREATE,
            json!({"i": {"ns": "acme.com", "name": "fraud", "datasetId": ds, "config": dag(Value::Null, None)}}),
        )
        .await;
    let message = missing["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("node `train`: type `train` needs the parameter `algorithm`"),
        "{missing:#}"
    );
    let no_dataset = app
        .error_code(
            CREATE,
            json!({"i": {"ns": "acme.com", "name": "fraud", "config": dag(json!("xgboost"), None)}}),
        )
        .await;
    assert_eq!(
        no_dataset, "BAD_USER_INPUT",
        "load_dataset needs the dataset"
    );
    assert_eq!(app.count("pipelines").await, rows);
    assert_eq!(app.count("events").await, events);
    // The same check, without saving.
    let problems = app
        .ok(
            "query($c: JSON!) { checkPipelineConfig(config: $c) { node message } }",
            json!({"c": dag(json!("xgboost"), Some(("train", "load")))}),
        )
        .await;
    assert_eq!(
        problems["checkPipelineConfig"],
        json!([{"node": "load", "message": "the edges make a cycle: load → split → train → load"}])
    );

    // A draft, then a valid DAG; versions count per owner.
    let draft = app
        .ok(
            CREATE,
            json!({"i": {"ns": "acme.com", "name": "draft", "datasetId": ds}}),
        )
        .await["createPipeline"]
        .clone();
    assert_eq!(draft["status"], "DRAFT");
    assert_eq!(draft["validatedAt"], Value::Null);
    assert_eq!(draft["version"], 1);
    let p = app
        .ok(
            CREATE,
            json!({"i": {"ns": "acme.com", "name": "fraud", "datasetId": ds, "config": dag(json!("xgboost"), None)}}),
        )
        .await["createPipeline"]
        .clone();
    assert_eq!(p["status"], "VALIDATED", "{p:#}");
    assert_eq!(p["version"], 2);
    assert!(p["validatedAt"].is_string());
    let pid = id(&p);

    // A job from a draft is refused; from the validated pipeline it keeps a snapshot.
    let model = create_model(app, "acme.com", "fraud-model").await;
    let job_q = "mutation($i: CreateTrainingJobInput!) { createTrainingJob(input: $i) { id pipeline { id } pipelineSnapshot } }";
    let refused = app
        .error_code(
            job_q,
            json!({"i": {"ns": "acme.com", "name": "j0", "pipelineId": id(&draft)}}),
        )
        .await;
    assert_eq!(refused, "CONFLICT");
    let job = app
        .ok(
            job_q,
            json!({"i": {"ns": "acme.com", "name": "j1", "modelId": model, "pipelineId": pid}}),
        )
        .await["createTrainingJob"]
        .clone();
    assert_eq!(job["pipeline"]["id"], p["id"]);
    assert_eq!(job["pipelineSnapshot"]["version"], 2);
    assert_eq!(job["pipelineSnapshot"]["config"], p["config"]);
    let job_id = id(&job);

    // Changing the pipeline re-validates it; the job's snapshot stays as it was.
    let changed = app
        .ok(
            UPDATE,
            json!({"i": {"id": pid, "config": dag(json!("random_forest"), None)}}),
        )
        .await["updatePipeline"]
        .clone();
    assert_eq!(changed["status"], "VALIDATED");
    assert_eq!(
        changed["config"]["nodes"][2]["params"]["algorithm"],
        "random_forest"
    );
    let cycle = app
        .error_code(
            UPDATE,
            json!({"i": {"id": pid, "config": dag(json!("xgboost"), Some(("evaluate", "load")))}}),
        )
        .await;
    assert_eq!(cycle, "BAD_USER_INPUT");
    let snap = app
        .ok(
            "query($id: ID!) { node(id: $id) { ... on TrainingJob { pipelineSnapshot } } }",
            json!({"id": job_id}),
        )
        .await;
    assert_eq!(
        snap["node"]["pipelineSnapshot"]["config"]["nodes"][2]["params"]["algorithm"],
        "xgboost"
    );

    // Lineage: dataset → pipeline → training job → model version.
    let version = app
        .ok(
            "mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }",
            json!({"i": {"modelId": model, "trainingJobId": job_id}}),
        )
        .await["createModelVersion"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let down = app
        .ok(
            "query($of: ID!) { lineage(of: $of, direction: DOWNSTREAM, depth: 3) { nodes { id distance } } }",
            json!({"of": ds}),
        )
        .await;
    let at = |node: &str| -> Option<i64> {
        down["lineage"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|n| n["id"] == node)
            .and_then(|n| n["distance"].as_i64())
    };
    assert_eq!(at(&pid), Some(1), "{down:#}");
    assert_eq!(at(&job_id), Some(2), "{down:#}");
    assert_eq!(at(&version), Some(3), "{down:#}");
    let listed = app
        .ok(
            "query($id: ID!) { pipeline(id: $id) { dataset { id } trainingJobs { totalCount } } }",
            json!({"id": pid}),
        )
        .await;
    assert_eq!(listed["pipeline"]["dataset"]["id"], json!(ds));
    assert_eq!(listed["pipeline"]["trainingJobs"]["totalCount"], 1);

    // Delete rules: the dataset is held by the pipeline (RESTRICT); the pipeline's job
    // produced a version (RESTRICT); once that version is gone the pipeline takes its job.
    let held = app
        .error_code(
            "mutation($id: ID!) { deleteDataset(id: $id) }",
            json!({"id": ds}),
        )
        .await;
    assert_eq!(held, "CONFLICT");
    let del = "mutation($id: ID!) { deletePipeline(id: $id) }";
    assert_eq!(app.error_code(del, json!({"id": pid})).await, "CONFLICT");
    app.ok(
        "mutation($id: ID!) { deleteModelVersion(id: $id) }",
        json!({"id": version}),
    )
    .await;
    app.ok(del, json!({"id": pid})).await;
    let gone = app
        .gql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": job_id}),
        )
        .await;
    assert_eq!(gone["data"]["node"], Value::Null, "{gone:#}");

    // Archived: neither changed nor run until brought back.
    let archived = app
        .ok(
            UPDATE,
            json!({"i": {"id": id(&draft), "status": "ARCHIVED"}}),
        )
        .await;
    assert_eq!(archived["updatePipeline"]["status"], "ARCHIVED");
    let frozen = app
        .error_code(
            UPDATE,
            json!({"i": {"id": id(&draft), "config": dag(json!("xgboost"), None)}}),
        )
        .await;
    assert_eq!(frozen, "CONFLICT");
    let back = app
        .ok(
            UPDATE,
            json!({"i": {"id": id(&draft), "status": "VALIDATED", "config": dag(json!("xgboost"), None)}}),
        )
        .await;
    assert_eq!(back["updatePipeline"]["status"], "VALIDATED");
    let types = app
        .ok("{ pipelineStepTypes { name requiredParams } }", json!({}))
        .await;
    assert!(
        types["pipelineStepTypes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| t["name"] == "train" && t["requiredParams"] == json!(["algorithm"])),
        "{types:#}"
    );
}

/// `pipeline` and `pipelines` read the past like every lookup and list: as of an instant
/// before a rename, the old name (nested fields, the dataset, at that instant too).
#[tokio::test]
async fn pipelines_are_read_as_of_an_instant() {
    let app = TestApp::new().await;
    let ds = dataset(&app, "transactions").await;
    let created = app
        .ok(
            CREATE,
            json!({"i": {"ns": "acme.com", "name": "before", "datasetId": ds,
                         "config": dag(json!("xgboost"), None)}}),
        )
        .await;
    let id = created["createPipeline"]["id"].clone();
    let at = chrono::Utc::now();
    app.ok(UPDATE, json!({"i": {"id": id, "name": "after"}}))
        .await;
    let read = "query($id: ID!, $at: DateTime) {
      pipeline(id: $id, asOf: $at) { name dataset { name } }
      pipelines(filter: {ns: {eq: \"acme.com\"}}, asOf: $at) { totalCount nodes { name } }
    }";
    let then = app.ok(read, json!({"id": id, "at": at})).await;
    assert_eq!(then["pipeline"]["name"], "before", "{then}");
    assert_eq!(
        then["pipeline"]["dataset"]["name"], "transactions",
        "{then}"
    );
    assert_eq!(
        then["pipelines"]["nodes"],
        json!([{"name": "before"}]),
        "{then}"
    );
    let now = app.ok(read, json!({"id": id, "at": null})).await;
    assert_eq!(now["pipeline"]["name"], "after", "{now}");
    assert_eq!(now["pipelines"]["totalCount"], 1, "{now}");
}

#[tokio::test]
async fn pipelines_on_postgresql() {
    pipelines(&TestApp::new().await).await;
}

#[tokio::test]
async fn pipelines_on_sqlite() {
    pipelines(&TestApp::sqlite().await).await;
}

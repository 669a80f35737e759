//! Dataset uploads against the real S3 server: a CSV sent through presigned URLs,
//! validated by mlgraph's own worker, its schema deduced and accepted, its EDA report
//! inline or (over 1 MB) on S3; a malformed file FAILED with row numbers; the same file
//! again deduplicated; a task whose worker died finished by another instance.

use mlgraph::core::clock::Clock;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::artifacts::{Env, Kind, setup, setup_on, sha_hex, upload};

const NS: &str = "acme.com/prep";

const CREATE: &str = "mutation($i: CreateDatasetUploadInput!) { createDatasetUpload(input: $i) {
    deduplicated datasetVersion { id version uploadStatus }
    upload { alreadyPresent artifact { id } upload { method url headers { name value } }
             parts { partNumber offset sizeBytes request { method url headers { name value } } } } } }";
const COMPLETE: &str =
    "mutation($v: ID!) { completeDatasetUpload(datasetVersionId: $v) { id uploadStatus } }";
const VERSION: &str = "query($v: ID!) { node(id: $v) { ... on DatasetVersion {
    uploadStatus numRows numColumns columnNames validationErrors schema
    schemaDeductions { nodes { id status agentVersion confidence proposedSchema columnMetadata } }
    edaReports { nodes { status summary storageLocation report reportSizeBytes s3Bucket s3Key downloadUrl } } } } }";

async fn dataset(env: &Env, name: &str) -> String {
    env.app
        .ok(
            "mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }",
            json!({"i": {"ns": NS, "name": name, "dataType": "TABULAR"}}),
        )
        .await["createDataset"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Creates the upload, sends the bytes, completes it; returns the version id and the
/// answer of `createDatasetUpload`.
async fn send_file(env: &Env, ds: &str, name: &str, data: &[u8]) -> (String, Value) {
    let planned = env
        .app
        .ok(
            CREATE,
            json!({"i": {"datasetId": ds, "fileName": name, "contentType": "text/csv",
                         "sizeBytes": data.len(), "sha256": sha_hex(data)}}),
        )
        .await["createDatasetUpload"]
        .clone();
    let v = planned["datasetVersion"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if planned["upload"].is_object() && planned["upload"]["alreadyPresent"] == false {
        let statuses = upload(&planned["upload"], data).await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    }
    if !planned["deduplicated"].as_bool().unwrap_or(false) {
        let done = env.app.ok(COMPLETE, json!({"v": v})).await;
        assert_eq!(
            done["completeDatasetUpload"]["uploadStatus"], "UPLOADED",
            "{done:#}"
        );
    }
    (v, planned)
}

/// Runs the server's worker until no task is left.
async fn work(env: &Env, worker: &str) -> usize {
    let arts = env
        .app
        .state
        .artifacts
        .clone()
        .unwrap_or_else(|| panic!("no store"));
    let mut n = 0;
    while mlgraph::prep::uploads::run_once(env.app.db(), &arts, worker)
        .await
        .unwrap_or_else(|e| panic!("worker: {e:?}"))
    {
        n += 1;
    }
    n
}

async fn version(env: &Env, v: &str) -> Value {
    env.app.ok(VERSION, json!({"v": v})).await["node"].clone()
}

const KNOWN: &str = "id,amount,country,is_fraud,day\n\
1,10.5,DE,true,2026-01-01\n\
2,20,FR,false,2026-01-02\n\
3,,DE,no,2026-01-03\n\
4,40,DE,yes,2026-01-04\n\
5,50.25,IT,no,2026-01-05\n\
6,60,DE,no,2026-01-06\n";

#[tokio::test]
async fn a_known_csv_from_upload_to_accepted_schema() {
    let env = setup(Kind::S3, Clock::system()).await;
    let ds = dataset(&env, "transactions").await;
    let (v, planned) = send_file(&env, &ds, "tx.csv", KNOWN.as_bytes()).await;
    assert_eq!(planned["datasetVersion"]["uploadStatus"], "UPLOADING");
    assert_eq!(planned["deduplicated"], false);
    assert_eq!(work(&env, "w1").await, 1);
    let got = version(&env, &v).await;
    assert_eq!(got["uploadStatus"], "VALIDATED", "{got:#}");
    assert_eq!(got["numRows"], 6);
    assert_eq!(got["numColumns"], 5);
    assert_eq!(
        got["columnNames"],
        json!(["id", "amount", "country", "is_fraud", "day"])
    );
    assert_eq!(got["validationErrors"]["count"], 0);
    let deduction = &got["schemaDeductions"]["nodes"][0];
    assert_eq!(deduction["status"], "PROPOSED");
    assert_eq!(deduction["agentVersion"], "mlgraph-infer/1");
    let types: Vec<(&str, &str, bool)> = deduction["proposedSchema"]["columns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default(),
                c["type"].as_str().unwrap_or_default(),
                c["nullable"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        types,
        vec![
            ("id", "integer", false),
            ("amount", "float", true),
            ("country", "categorical", false),
            ("is_fraud", "boolean", false),
            ("day", "date", false),
        ]
    );
    assert_eq!(deduction["confidence"], 1.0);
    let report = &got["edaReports"]["nodes"][0];
    assert_eq!(report["status"], "COMPLETED");
    assert_eq!(report["storageLocation"], "POSTGRES");
    assert_eq!(report["summary"]["rows"], 6);
    assert_eq!(
        report["summary"]["missingPct"]["amount"],
        json!(100.0 / 6.0)
    );
    let amount = &report["report"]["columnStats"][1]["numeric"];
    assert_eq!(amount["min"], 10.5);
    assert_eq!(amount["max"], 60.0);
    assert_eq!(amount["mean"], json!(180.75 / 5.0));
    assert_eq!(
        report["report"]["columnStats"][2]["top"][0],
        json!({"value": "DE", "count": 4})
    );
    assert_eq!(report["downloadUrl"], Value::Null);

    // The same file again: the same version, nothing to upload, no second task.
    let (again, planned) = send_file(&env, &ds, "copy.csv", KNOWN.as_bytes()).await;
    assert_eq!(planned["deduplicated"], true);
    assert_eq!(again, v);
    assert_eq!(planned["upload"], Value::Null);
    assert_eq!(work(&env, "w1").await, 0);

    // Accepted: the version takes the schema; an agent's later proposal, accepted,
    // supersedes it.
    let accept = "mutation($id: ID!) { acceptSchemaDeduction(id: $id) { status } }";
    let first = deduction["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        env.app.ok(accept, json!({"id": first})).await["acceptSchemaDeduction"]["status"],
        "ACCEPTED"
    );
    assert_eq!(
        version(&env, &v).await["schema"],
        deduction["proposedSchema"]
    );
    let proposed = env
        .app
        .ok(
            "mutation($i: ProposeSchemaDeductionInput!) { proposeSchemaDeduction(input: $i) { id status } }",
            json!({"i": {"datasetVersionId": v, "confidence": 0.8, "agentVersion": "schema-agent/2.3",
                         "proposedSchema": {"columns": [{"name": "id", "type": "string"}]}}}),
        )
        .await["proposeSchemaDeduction"]
        .clone();
    let second = proposed["id"].as_str().unwrap_or_default().to_owned();
    env.app.ok(accept, json!({"id": second})).await;
    let statuses = env
        .app
        .ok(
            "query($v: ID!) { node(id: $v) { ... on DatasetVersion { schemaDeductions(orderBy: [{field: CREATED_AT, direction: ASC}]) { nodes { status } } } } }",
            json!({"v": v}),
        )
        .await;
    assert_eq!(
        statuses["node"]["schemaDeductions"]["nodes"],
        json!([{"status": "SUPERSEDED"}, {"status": "ACCEPTED"}])
    );
    let again = env.app.error_code(accept, json!({"id": first})).await;
    assert_eq!(again, "INVALID_TRANSITION");
    let reject = env
        .app
        .error_code(
            "mutation($id: ID!) { rejectSchemaDeduction(id: $id, reason: \"wrong\") { status } }",
            json!({"id": second}),
        )
        .await;
    assert_eq!(reject, "INVALID_TRANSITION");
    // Every step is an event of the version (what subscriptions deliver).
    let id = mlgraph::core::ids::decode(&v)
        .map(|(_, u)| u)
        .unwrap_or_default();
    let events = env
        .app
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            env.app.db().get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM events WHERE entity_id = '{id}'"),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or_default();
    assert!(
        events >= 5,
        "create, uploaded, validating, validated, schema: {events}"
    );
}

#[tokio::test]
async fn a_malformed_csv_fails_with_row_numbers() {
    let env = setup(Kind::S3, Clock::system()).await;
    let ds = dataset(&env, "broken").await;
    let data = "a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n";
    let (v, _) = send_file(&env, &ds, "broken.csv", data.as_bytes()).await;
    assert_eq!(work(&env, "w1").await, 1);
    let got = version(&env, &v).await;
    assert_eq!(got["uploadStatus"], "FAILED", "{got:#}");
    assert_eq!(got["numRows"], 4);
    assert_eq!(
        got["validationErrors"],
        json!({"count": 2, "errors": [
            {"row": 2, "message": "2 fields where the header has 3 (line 3)"},
            {"row": 4, "message": "4 fields where the header has 3 (line 5)"}]})
    );
    assert_eq!(got["schemaDeductions"]["nodes"], json!([]));
    assert_eq!(got["edaReports"]["nodes"][0]["status"], "FAILED");
    // A file that is not CSV is refused before anything is written.
    let refused = env
        .app
        .error_code(
            CREATE,
            json!({"i": {"datasetId": ds, "fileName": "x.parquet", "contentType": "application/vnd.apache.parquet",
                         "sizeBytes": 10, "sha256": sha_hex(b"0123456789")}}),
        )
        .await;
    assert_eq!(refused, "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_report_over_a_megabyte_is_stored_on_s3() {
    let env = setup(Kind::S3, Clock::system()).await;
    let ds = dataset(&env, "wide").await;
    // 2,500 text columns of long distinct values: the report's top values pass 1 MB.
    let cols = 2_500;
    let mut data = (0..cols)
        .map(|c| format!("c{c}"))
        .collect::<Vec<_>>()
        .join(",");
    data.push('\n');
    for r in 0..5 {
        let row: Vec<String> = (0..cols)
            .map(|c| format!("value-{r}-{c}-{}", "x".repeat(60)))
            .collect();
        data.push_str(&row.join(","));
        data.push('\n');
    }
    let (v, _) = send_file(&env, &ds, "wide.csv", data.as_bytes()).await;
    assert_eq!(work(&env, "w1").await, 1);
    let got = version(&env, &v).await;
    assert_eq!(
        got["uploadStatus"], "VALIDATED",
        "{:#}",
        got["validationErrors"]
    );
    let report = &got["edaReports"]["nodes"][0];
    assert_eq!(report["storageLocation"], "S3");
    assert_eq!(report["report"], Value::Null);
    assert!(report["reportSizeBytes"].as_i64().unwrap_or(0) > 1024 * 1024);
    assert!(report["s3Bucket"].is_string() && report["s3Key"].is_string());
    let url = report["downloadUrl"].as_str().unwrap_or_default();
    let body = reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let full: Value = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(full["rows"], 5);
    assert_eq!(full["columns"], cols);
    assert_eq!(report["summary"]["columns"], cols);
}

#[tokio::test]
async fn a_task_whose_worker_died_is_finished_by_another_instance() {
    let env = setup(Kind::S3, Clock::system()).await;
    let ds = dataset(&env, "resumed").await;
    let (v, _) = send_file(&env, &ds, "tx.csv", KNOWN.as_bytes()).await;
    // A worker claimed it and died: its lease runs out a minute ago. While a lease
    // holds, no one else takes the task.
    let db = env.app.db();
    db.execute_unprepared(
        "UPDATE prep_tasks SET status = 'RUNNING', worker = 'dead', attempts = 1,
                lease_until = now() + interval '1 minute'",
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let other = env.app.instance().await;
    let arts = env
        .app
        .state
        .artifacts
        .clone()
        .unwrap_or_else(|| panic!("no store"));
    let run = |app: &crate::harness::TestApp| {
        let (db, arts) = (app.db().clone(), arts.clone());
        async move {
            mlgraph::prep::uploads::run_once(&db, &arts, "w2")
                .await
                .unwrap_or_else(|e| panic!("{e:?}"))
        }
    };
    assert!(!run(&other).await, "a live lease is left alone");
    db.execute_unprepared("UPDATE prep_tasks SET lease_until = now() - interval '1 minute'")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(run(&other).await);
    assert_eq!(version(&env, &v).await["uploadStatus"], "VALIDATED");
    let task = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT status, worker, attempts FROM prep_tasks".to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no task"));
    assert_eq!(
        task.try_get::<String>("", "status").ok().as_deref(),
        Some("DONE")
    );
    assert_eq!(
        task.try_get::<String>("", "worker").ok().as_deref(),
        Some("w2")
    );
    assert_eq!(task.try_get::<i32>("", "attempts").ok(), Some(2));
}

/// SQLite with the local store: the same flow, the task claimed without `SKIP LOCKED`.
#[tokio::test]
async fn a_known_csv_on_sqlite_with_the_local_store() {
    let env = setup_on(
        crate::harness::TestApp::sqlite().await,
        Kind::Local,
        Clock::system(),
    )
    .await;
    let ds = dataset(&env, "transactions").await;
    let (v, _) = send_file(&env, &ds, "tx.csv", KNOWN.as_bytes()).await;
    assert_eq!(work(&env, "w1").await, 1);
    let got = version(&env, &v).await;
    assert_eq!(got["uploadStatus"], "VALIDATED", "{got:#}");
    assert_eq!(got["numRows"], 6);
    assert_eq!(
        got["schemaDeductions"]["nodes"][0]["proposedSchema"]["columns"][1]["type"],
        "float"
    );
    assert_eq!(got["edaReports"]["nodes"][0]["status"], "COMPLETED");
    assert_eq!(work(&env, "w1").await, 0, "nothing left");
}

//! Dataset uploads against the real S3 server: a CSV sent through presigned URLs,
//! validated by mlgraph's own worker, its schema deduced and accepted, its EDA report
//! inline or (over 1 MB) on S3, its processed Parquet file readable; a Parquet upload
//! typed by its schema; a malformed file FAILED with row numbers; the same file again
//! deduplicated; a server killed during validation, its task finished by another instance.

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
    edaReports { nodes { status summary storageLocation report reportSizeBytes s3Bucket s3Key downloadUrl } }
    rawFile { path contentType } processedFile { path contentType sizeBytes status downloadUrl } } } }";

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

/// Creates the upload of a CSV file, sends the bytes, completes it; returns the version
/// id and the answer of `createDatasetUpload`.
async fn send_file(env: &Env, ds: &str, name: &str, data: &[u8]) -> (String, Value) {
    send_typed(env, ds, name, "text/csv", data).await
}

/// [`send_file`] for a file of any type.
async fn send_typed(
    env: &Env,
    ds: &str,
    name: &str,
    content_type: &str,
    data: &[u8],
) -> (String, Value) {
    let planned = env
        .app
        .ok(
            CREATE,
            json!({"i": {"datasetId": ds, "fileName": name, "contentType": content_type,
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

/// The bytes behind an artifact's `downloadUrl`.
async fn download(artifact: &Value) -> bytes::Bytes {
    let url = artifact["downloadUrl"].as_str().unwrap_or_default();
    let resp = reqwest::get(url).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status(), 200, "{url}");
    resp.bytes().await.unwrap_or_else(|e| panic!("{e}"))
}

/// A (small) Parquet file's rows: one batch.
fn read_parquet(data: bytes::Bytes) -> arrow_array::RecordBatch {
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(data)
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut batches: Vec<_> = reader
        .map(|b| b.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(batches.len(), 1, "a small file is one batch");
    batches.remove(0)
}

/// Each row's values as text (nulls empty).
fn cells(batch: &arrow_array::RecordBatch) -> Vec<Vec<String>> {
    let options = arrow_cast::display::FormatOptions::default();
    let shown: Vec<_> = batch
        .columns()
        .iter()
        .map(|a| {
            arrow_cast::display::ArrayFormatter::try_new(a.as_ref(), &options)
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    (0..batch.num_rows())
        .map(|r| shown.iter().map(|f| f.value(r).to_string()).collect())
        .collect()
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
    // The raw file, and the processed one: the same rows as typed Parquet.
    assert_eq!(
        got["rawFile"],
        json!({"path": "raw/tx.csv", "contentType": "text/csv"})
    );
    let processed = &got["processedFile"];
    assert_eq!(processed["path"], "processed/tx.parquet");
    assert_eq!(processed["contentType"], "application/vnd.apache.parquet");
    assert_eq!(processed["status"], "VERIFIED");
    let parquet = download(processed).await;
    assert_eq!(
        parquet.len() as i64,
        processed["sizeBytes"].as_i64().unwrap_or(-1)
    );
    let batch = read_parquet(parquet);
    assert_eq!(batch.num_rows(), 6);
    let types: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| format!("{}:{}", f.name(), f.data_type()))
        .collect();
    assert_eq!(
        types,
        [
            "id:Int64",
            "amount:Float64",
            "country:Utf8",
            "is_fraud:Boolean",
            "day:Date32"
        ]
    );
    let rows = cells(&batch);
    assert_eq!(rows[0], ["1", "10.5", "DE", "true", "2026-01-01"]);
    assert_eq!(
        rows[2],
        ["3", "", "DE", "false", "2026-01-03"],
        "a missing value is null"
    );
    assert_eq!(rows[3], ["4", "40.0", "DE", "true", "2026-01-04"]);

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
    assert_eq!(
        got["processedFile"],
        Value::Null,
        "no Parquet from a bad file"
    );
    // A file neither CSV nor Parquet is refused before anything is written.
    let versions = env.app.count("dataset_versions").await;
    let refused = env
        .app
        .error_code(
            CREATE,
            json!({"i": {"datasetId": ds, "fileName": "x.xlsx", "contentType": "application/vnd.ms-excel",
                         "sizeBytes": 10, "sha256": sha_hex(b"0123456789")}}),
        )
        .await;
    assert_eq!(refused, "BAD_USER_INPUT");
    assert_eq!(env.app.count("dataset_versions").await, versions);
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

/// A Parquet file of known content, written here with the Arrow writer: typed columns
/// (integers, nullable doubles, a dictionary of labels, UTC timestamps, booleans).
fn known_parquet() -> Vec<u8> {
    use arrow_array::{
        ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, RecordBatch,
        TimestampMillisecondArray, types::Int32Type,
    };
    use std::sync::Arc;
    let labels: DictionaryArray<Int32Type> = ["cat", "dog", "cat", "cat"].into_iter().collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(Int32Array::from(vec![1, 2, 3, 4]))),
        (
            "score",
            Arc::new(Float64Array::from(vec![
                Some(0.5),
                None,
                Some(2.5),
                Some(1.0),
            ])),
        ),
        ("label", Arc::new(labels)),
        (
            "seen_at",
            Arc::new(
                TimestampMillisecondArray::from(vec![
                    1_767_225_600_000,
                    1_767_229_200_000,
                    1_767_232_800_000,
                    1_767_236_400_000,
                ])
                .with_timezone("UTC"),
            ),
        ),
        (
            "ok",
            Arc::new(BooleanArray::from(vec![true, false, true, true])),
        ),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None)
        .unwrap_or_else(|e| panic!("{e}"));
    writer.write(&batch).unwrap_or_else(|e| panic!("{e}"));
    writer.close().unwrap_or_else(|e| panic!("{e}"));
    out
}

/// A Parquet upload: counted, its columns typed as its schema declares (confidence 1),
/// described; no processed file (the upload is one). A file that says it is Parquet and
/// is not FAILS with the reason.
#[tokio::test]
async fn a_parquet_file_is_validated_with_its_declared_types() {
    let env = setup(Kind::S3, Clock::system()).await;
    let ds = dataset(&env, "scores").await;
    let data = known_parquet();
    let (v, _) = send_typed(
        &env,
        &ds,
        "scores.parquet",
        "application/vnd.apache.parquet",
        &data,
    )
    .await;
    assert_eq!(work(&env, "w1").await, 1);
    let got = version(&env, &v).await;
    assert_eq!(got["uploadStatus"], "VALIDATED", "{got:#}");
    assert_eq!(got["numRows"], 4);
    assert_eq!(
        got["columnNames"],
        json!(["id", "score", "label", "seen_at", "ok"])
    );
    let deduction = &got["schemaDeductions"]["nodes"][0];
    let types: Vec<(&str, bool)> = deduction["proposedSchema"]["columns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["type"].as_str().unwrap_or_default(),
                c["nullable"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            ("integer", false),
            ("float", true),
            ("categorical", false),
            ("datetime", false),
            ("boolean", false)
        ]
    );
    assert_eq!(deduction["confidence"], 1.0);
    let report = &got["edaReports"]["nodes"][0];
    assert_eq!(report["status"], "COMPLETED");
    assert_eq!(report["summary"]["missingPct"]["score"], 25.0);
    let score = &report["report"]["columnStats"][1]["numeric"];
    assert_eq!(
        (score["min"].clone(), score["max"].clone()),
        (json!(0.5), json!(2.5))
    );
    assert_eq!(score["mean"], json!(4.0 / 3.0));
    assert_eq!(
        report["report"]["columnStats"][2]["top"][0],
        json!({"value": "cat", "count": 3})
    );
    assert_eq!(got["processedFile"], Value::Null);
    assert_eq!(got["rawFile"]["path"], "raw/scores.parquet");

    // mlgraph's own processed file of a CSV reads back as the same table.
    let (csv_version, _) = send_file(&env, &ds, "tx.csv", KNOWN.as_bytes()).await;
    assert_eq!(work(&env, "w1").await, 1);
    let processed = download(&version(&env, &csv_version).await["processedFile"]).await;
    let (again, _) = send_typed(
        &env,
        &ds,
        "tx.parquet",
        "application/vnd.apache.parquet",
        &processed,
    )
    .await;
    assert_eq!(work(&env, "w1").await, 1);
    let round = version(&env, &again).await;
    assert_eq!(round["uploadStatus"], "VALIDATED", "{round:#}");
    assert_eq!(round["numRows"], 6);
    assert_eq!(
        round["schemaDeductions"]["nodes"][0]["proposedSchema"]["columns"]
            .as_array()
            .map(|c| c.iter().map(|c| c["type"].clone()).collect::<Vec<_>>()),
        Some(vec![
            json!("integer"),
            json!("float"),
            json!("categorical"),
            json!("boolean"),
            json!("date")
        ])
    );

    // Not Parquet at all.
    let (bad, _) = send_typed(
        &env,
        &ds,
        "bad.parquet",
        "application/vnd.apache.parquet",
        b"id,amount\n1,2\n",
    )
    .await;
    assert_eq!(work(&env, "w1").await, 1);
    let failed = version(&env, &bad).await;
    assert_eq!(failed["uploadStatus"], "FAILED", "{failed:#}");
    assert_eq!(failed["validationErrors"]["count"], 1);
    assert_eq!(failed["validationErrors"]["errors"][0]["row"], 0);
    let message = failed["validationErrors"]["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.starts_with("not a readable Parquet file"),
        "{message}"
    );
    assert_eq!(failed["schemaDeductions"]["nodes"], json!([]));
}

/// One row of `prep_tasks`: (status, worker, attempts).
async fn task_row(env: &Env) -> (String, String, i32) {
    let db = env.app.db();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT status, COALESCE(worker, '') AS worker, attempts FROM prep_tasks".to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no task"));
    (
        row.try_get("", "status").unwrap_or_default(),
        row.try_get("", "worker").unwrap_or_default(),
        row.try_get("", "attempts").unwrap_or_default(),
    )
}

/// A real `mlgraph serve` claims the validation of a large file and is killed (SIGKILL)
/// in the middle of it. Another instance takes the task over once the dead one's lease
/// runs out (not before), and finishes it: the version VALIDATED with the exact counts,
/// the interrupted report marked FAILED, one completed report, one proposal.
#[tokio::test]
async fn a_server_killed_during_validation_leaves_its_task_to_another_instance() {
    use tokio::io::AsyncBufReadExt;
    let env = setup(Kind::S3, Clock::system()).await;
    let ds = dataset(&env, "killed").await;
    // 300,000 rows of 8 columns (about 15 MB): seconds of work for a debug build.
    let rows = 300_000;
    let mut data = String::from("id,a,b,c,d,e,label,day\n");
    for i in 0..rows {
        data.push_str(&format!(
            "{i},{},{}.5,{},{},{},L{},2026-01-{:02}\n",
            i % 97,
            i % 1013,
            i * 7 % 10_007,
            i % 3,
            i % 11,
            i % 5,
            i % 28 + 1
        ));
    }
    let (v, _) = send_file(&env, &ds, "big.csv", data.as_bytes()).await;

    let port = {
        let l = crate::harness::TestApp::bind().await;
        l.local_addr()
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let victim = format!("victim-{}", uuid::Uuid::now_v7().simple());
    let env_var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set"));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mlgraph"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--database-url", &env.app.url])
        .args(["--s3-bucket", &env_var("MLGRAPH_TEST_S3_BUCKET")])
        .args(["--s3-endpoint", &env_var("MLGRAPH_TEST_S3_ENDPOINT")])
        .args(["--s3-path-style", "--prep-lease-secs", "3"])
        .env("AWS_ACCESS_KEY_ID", env_var("MLGRAPH_TEST_S3_ACCESS_KEY"))
        .env(
            "AWS_SECRET_ACCESS_KEY",
            env_var("MLGRAPH_TEST_S3_SECRET_KEY"),
        )
        .env("HOSTNAME", &victim)
        .env("RUST_LOG", "warn,mlgraph=info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start mlgraph: {e}"));
    // Its log goes to stderr.
    let out = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let mut lines = tokio::io::BufReader::new(out).lines();
    tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("listening on") {
                return;
            }
        }
        panic!("mlgraph exited before listening");
    })
    .await
    .unwrap_or_else(|_| panic!("mlgraph did not start listening"));
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    // Killed as soon as it holds the task and the version is VALIDATING.
    tokio::time::timeout(std::time::Duration::from_secs(60), async {
        loop {
            let (status, worker, _) = task_row(&env).await;
            if status == "RUNNING"
                && worker.starts_with(&victim)
                && version(&env, &v).await["uploadStatus"] == "VALIDATING"
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the spawned server never took the task"));
    child.start_kill().unwrap_or_else(|e| panic!("kill: {e}"));
    let status = child.wait().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(!status.success(), "killed, not finished: {status}");
    assert_eq!(
        version(&env, &v).await["uploadStatus"],
        "VALIDATING",
        "the victim died mid-validation"
    );

    // While the dead worker's lease holds, the task stays its; then it is ours.
    let arts = env
        .app
        .state
        .artifacts
        .clone()
        .unwrap_or_else(|| panic!("no store"));
    let other = env.app.instance().await;
    let took = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        let mut refused = 0;
        loop {
            let ran = mlgraph::prep::uploads::run_once(other.db(), &arts, "survivor")
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
            if ran {
                return refused;
            }
            refused += 1;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the task was never taken over"));
    assert!(took > 0, "a live lease is left alone at first");
    assert_eq!(
        task_row(&env).await,
        ("DONE".to_owned(), "survivor".to_owned(), 2)
    );
    let got = version(&env, &v).await;
    assert_eq!(
        got["uploadStatus"], "VALIDATED",
        "{:#}",
        got["validationErrors"]
    );
    assert_eq!(got["numRows"], rows);
    assert_eq!(got["numColumns"], 8);
    let reports: Vec<&str> = got["edaReports"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["status"].as_str())
        .collect();
    let mut sorted = reports.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["COMPLETED", "FAILED"], "{reports:?}");
    assert_eq!(
        got["schemaDeductions"]["nodes"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(got["processedFile"]["status"], "VERIFIED");
}

//! The training-job lifecycle: every allowed and refused transition, atomic claims under
//! concurrency, optimistic concurrency, heartbeat timeouts with two instances, and
//! completions that fail midway leaving nothing behind.

use std::time::Duration;

use futures::StreamExt;
use mlgraph::training::lifecycle;
use serde_json::{Value, json};

use crate::harness::{TestApp, create_model};

const NS: &str = "acme.com/train";
const JOB_FIELDS: &str = "id status revision worker progress currentStep error traceback startedAt finishedAt heartbeatAt";

async fn enqueue(app: &TestApp, name: &str, priority: i32) -> Value {
    enqueue_in(app, NS, name, priority).await
}

async fn enqueue_in(app: &TestApp, ns: &str, name: &str, priority: i32) -> Value {
    let q = format!(
        "mutation($i: EnqueueTrainingJobInput!) {{ enqueueTrainingJob(input: $i) {{ {JOB_FIELDS} }} }}"
    );
    app.ok(
        &q,
        json!({"i": {"ns": ns, "name": name, "priority": priority}}),
    )
    .await["enqueueTrainingJob"]
        .clone()
}

async fn claim(app: &TestApp, worker: &str) -> Value {
    claim_in(app, worker, NS).await
}

async fn claim_in(app: &TestApp, worker: &str, ns: &str) -> Value {
    let q = format!(
        "mutation($w: String!, $ns: String) {{ claimTrainingJob(worker: $w, ns: $ns) {{ {JOB_FIELDS} }} }}"
    );
    app.ok(&q, json!({"w": worker, "ns": ns})).await["claimTrainingJob"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// The mutation that moves a job to `to` (QUEUED → RUNNING is a claim, tested apart).
fn transition(to: &str, job: &str) -> (String, Value) {
    let fields = "id status revision";
    match to {
        "SUCCEEDED" => (
            format!(
                "mutation($i: CompleteTrainingJobInput!) {{ completeTrainingJob(input: $i) {{ job {{ {fields} }} }} }}"
            ),
            json!({"i": {"id": job}}),
        ),
        "FAILED" => (
            format!(
                "mutation($i: FailTrainingJobInput!) {{ failTrainingJob(input: $i) {{ {fields} }} }}"
            ),
            json!({"i": {"id": job, "error": "OOM", "traceback": "Traceback ...\nMemoryError"}}),
        ),
        "CANCELLED" => (
            format!(
                "mutation($i: CancelTrainingJobInput!) {{ cancelTrainingJob(input: $i) {{ {fields} }} }}"
            ),
            json!({"i": {"id": job, "reason": "superseded"}}),
        ),
        other => panic!("no mutation for {other}"),
    }
}

async fn job_state(app: &TestApp, job: &str) -> Value {
    let q = format!("query($id: ID!) {{ trainingJob(id: $id) {{ {JOB_FIELDS} }} }}");
    app.ok(&q, json!({"id": job})).await["trainingJob"].clone()
}

async fn events_of(app: &TestApp, job: &str) -> Vec<String> {
    let data = app
        .ok(
            "query($id: ID!) { trainingJob(id: $id) { history(first: 100) { edges { node { action } } } } }",
            json!({"id": job}),
        )
        .await;
    data["trainingJob"]["history"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["action"].as_str().map(str::to_owned))
        .collect()
}

/// Moves a job's last heartbeat an hour into the past.
async fn backdate_heartbeat(app: &TestApp, job: &str) {
    use sea_orm::ConnectionTrait;
    let id = mlgraph::core::ids::decode(job)
        .map(|(_, u)| u.to_string())
        .unwrap_or_default();
    app.db()
        .execute_unprepared(&format!(
            "UPDATE training_jobs SET heartbeat_at = heartbeat_at - interval '1 hour' WHERE id = '{id}'"
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Puts a fresh job into `state` through the API (in a namespace of its own, so that
/// its claim cannot take another test job).
async fn job_in(app: &TestApp, state: &str, n: usize) -> String {
    let ns = format!("{NS}/{n}");
    let job = id(&enqueue_in(app, &ns, &format!("job-{state}-{n}"), 5).await);
    if state == "QUEUED" {
        return job;
    }
    let claimed = claim_in(app, "w", &ns).await;
    assert_eq!(id(&claimed), job, "the only queued job is claimed");
    if state != "RUNNING" {
        let (q, v) = transition(state, &job);
        app.ok(&q, v).await;
    }
    job
}

#[tokio::test]
async fn every_allowed_and_refused_transition() {
    let app = TestApp::new().await;
    let states = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"];
    let allowed = [
        ("QUEUED", "CANCELLED"),
        ("RUNNING", "SUCCEEDED"),
        ("RUNNING", "FAILED"),
        ("RUNNING", "CANCELLED"),
    ];
    let mut n = 0;
    for from in states {
        for to in ["SUCCEEDED", "FAILED", "CANCELLED"] {
            n += 1;
            let job = job_in(&app, from, n).await;
            let before = job_state(&app, &job).await;
            let events_before = events_of(&app, &job).await.len();
            let (q, v) = transition(to, &job);
            let resp = app.gql(&q, v).await;
            if allowed.contains(&(from, to)) {
                assert!(resp.get("errors").is_none(), "{from} -> {to}: {resp:#}");
                let after = job_state(&app, &job).await;
                assert_eq!(after["status"], to, "{from} -> {to}");
                assert_eq!(
                    after["revision"],
                    json!(before["revision"].as_i64().unwrap_or(0) + 1)
                );
                assert!(after["finishedAt"].is_string());
                assert_eq!(events_of(&app, &job).await.len(), events_before + 1);
            } else {
                assert_eq!(
                    resp["errors"][0]["extensions"]["code"], "INVALID_TRANSITION",
                    "{from} -> {to} must be refused: {resp:#}"
                );
                assert_eq!(
                    job_state(&app, &job).await,
                    before,
                    "{from} -> {to} changed the job"
                );
                assert_eq!(events_of(&app, &job).await.len(), events_before);
            }
        }
    }
    // QUEUED -> RUNNING only by a claim; a claim takes only QUEUED jobs.
    let queued = job_in(&app, "QUEUED", 100).await;
    let ns = format!("{NS}/100");
    let claimed = claim_in(&app, "worker-1", &ns).await;
    assert_eq!(id(&claimed), queued);
    assert_eq!(claimed["status"], "RUNNING");
    assert_eq!(claimed["worker"], "worker-1");
    assert!(claimed["startedAt"].is_string() && claimed["heartbeatAt"].is_string());
    assert_eq!(
        claim_in(&app, "worker-2", &ns).await,
        Value::Null,
        "nothing left to claim"
    );

    // Failure keeps the worker's error and traceback.
    let failed = job_in(&app, "FAILED", 101).await;
    let state = job_state(&app, &failed).await;
    assert_eq!(state["error"], "OOM");
    assert!(
        state["traceback"]
            .as_str()
            .unwrap_or_default()
            .contains("MemoryError")
    );
    assert_eq!(
        events_of(&app, &failed).await,
        ["JOB_FAILED", "JOB_CLAIMED", "CREATE"],
        "history is newest first"
    );
}

#[tokio::test]
async fn progress_and_heartbeats_only_while_running() {
    let app = TestApp::new().await;
    let job = job_in(&app, "QUEUED", 0).await;
    let ns = format!("{NS}/0");
    let progress = "mutation($i: ReportTrainingProgressInput!) { reportTrainingProgress(input: $i) { progress currentStep revision heartbeatAt } }";
    let beat = "mutation($id: ID!) { heartbeat(id: $id) { revision heartbeatAt } }";
    assert_eq!(
        app.error_code(progress, json!({"i": {"id": job, "progress": 10.0}}))
            .await,
        "INVALID_TRANSITION"
    );
    assert_eq!(
        app.error_code(beat, json!({"id": job})).await,
        "INVALID_TRANSITION"
    );

    let claimed = claim_in(&app, "w", &ns).await;
    let rev = claimed["revision"].as_i64().unwrap_or(0);
    for bad in [-1.0, 100.5] {
        assert_eq!(
            app.error_code(progress, json!({"i": {"id": job, "progress": bad}}))
                .await,
            "BAD_USER_INPUT"
        );
    }
    let p = app
        .ok(progress, json!({"i": {"id": job, "progress": 42.5, "currentStep": "epoch 3/10", "expectedRevision": rev}}))
        .await["reportTrainingProgress"]
        .clone();
    assert_eq!(p["progress"], 42.5);
    assert_eq!(p["currentStep"], "epoch 3/10");
    assert_eq!(p["revision"], rev + 1);
    let b = app.ok(beat, json!({"id": job})).await["heartbeat"].clone();
    assert_eq!(b["revision"], rev + 1, "a heartbeat is not a state change");
    assert!(b["heartbeatAt"].as_str() >= p["heartbeatAt"].as_str());
    assert_eq!(
        events_of(&app, &job).await,
        ["JOB_HEARTBEAT", "JOB_PROGRESS", "JOB_CLAIMED", "CREATE"]
    );
}

#[tokio::test]
async fn a_stale_expected_revision_is_a_conflict_and_changes_nothing() {
    let app = TestApp::new().await;
    let job = job_in(&app, "RUNNING", 0).await;
    let state = job_state(&app, &job).await;
    let rev = state["revision"].as_i64().unwrap_or(0);
    let events = app.count("events").await;
    for (q, v) in [
        (
            "mutation($i: ReportTrainingProgressInput!) { reportTrainingProgress(input: $i) { id } }",
            json!({"i": {"id": job, "progress": 50.0, "expectedRevision": rev - 1}}),
        ),
        (
            "mutation($i: CancelTrainingJobInput!) { cancelTrainingJob(input: $i) { id } }",
            json!({"i": {"id": job, "expectedRevision": rev + 7}}),
        ),
        (
            "mutation($i: CompleteTrainingJobInput!) { completeTrainingJob(input: $i) { job { id } } }",
            json!({"i": {"id": job, "expectedRevision": rev - 1}}),
        ),
    ] {
        let resp = app.gql(q, v).await;
        assert_eq!(
            resp["errors"][0]["extensions"]["code"], "CONFLICT",
            "{resp:#}"
        );
        assert_eq!(resp["errors"][0]["extensions"]["field"], "expectedRevision");
    }
    assert_eq!(job_state(&app, &job).await, state);
    assert_eq!(app.count("events").await, events);
    // The current revision is accepted.
    let ok = app
        .ok(
            "mutation($i: CancelTrainingJobInput!) { cancelTrainingJob(input: $i) { status revision } }",
            json!({"i": {"id": job, "expectedRevision": rev}}),
        )
        .await;
    assert_eq!(ok["cancelTrainingJob"]["status"], "CANCELLED");
}

#[tokio::test]
async fn concurrent_workers_never_claim_the_same_job() {
    let app = TestApp::new().await;
    for i in 0..100 {
        enqueue(&app, &format!("job-{i:03}"), 1 + (i % 10)).await;
    }
    let app = std::sync::Arc::new(app);
    let mut workers = Vec::new();
    for w in 0..20 {
        let app = app.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let job = claim(&app, &format!("worker-{w}")).await;
                if job.is_null() {
                    break;
                }
                assert_eq!(job["worker"], format!("worker-{w}"));
                mine.push((id(&job), job["revision"].as_i64().unwrap_or(0)));
            }
            mine
        }));
    }
    let mut claimed = Vec::new();
    for w in workers {
        claimed.extend(w.await.unwrap_or_else(|e| panic!("worker panicked: {e}")));
    }
    let distinct: std::collections::BTreeSet<_> = claimed.iter().map(|(j, _)| j.clone()).collect();
    assert_eq!(claimed.len(), 100, "every job claimed exactly once");
    assert_eq!(distinct.len(), 100);
    let claims = app
        .ok(
            "{ events(filter: {action: {eq: \"JOB_CLAIMED\"}}, first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(claims["events"]["totalCount"], 100);
}

#[tokio::test]
async fn claims_take_the_highest_priority_then_the_oldest() {
    let app = TestApp::new().await;
    let low = id(&enqueue(&app, "low", 1).await);
    let high_old = id(&enqueue(&app, "high-old", 9).await);
    let high_new = id(&enqueue(&app, "high-new", 9).await);
    let mid = id(&enqueue(&app, "mid", 5).await);
    let order: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(id(&claim(&app, "w").await));
        }
        v
    };
    assert_eq!(order, [high_old, high_new, mid, low]);
}

#[tokio::test]
async fn completion_registers_the_version_and_runs_or_nothing() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "fraud").await;
    let enqueue_q =
        "mutation($i: EnqueueTrainingJobInput!) { enqueueTrainingJob(input: $i) { id } }";
    let job = app
        .ok(enqueue_q, json!({"i": {"ns": NS, "name": "train-fraud", "modelId": model, "config": {"lr": 0.1}}}))
        .await["enqueueTrainingJob"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    claim(&app, "w").await;
    let complete = "mutation($i: CompleteTrainingJobInput!) { completeTrainingJob(input: $i) {
        job { status progress } modelVersion { version metrics trainingJob { id } } runs { runNumber metrics status } } }";
    let rows = (
        app.count("model_versions").await,
        app.count("experiment_runs").await,
        app.count("events").await,
    );
    let before = job_state(&app, &job).await;
    // The second run is invalid: nothing of the completion may remain.
    let resp = app
        .gql(
            complete,
            json!({"i": {"id": job, "modelVersion": {"artifactUri": "s3://m/1", "metrics": {"auc": 0.91}},
                   "runs": [{"metrics": {"loss": 0.2}}, {"metrics": [1, 2]}]}}),
        )
        .await;
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{resp:#}"
    );
    assert_eq!(
        resp["errors"][0]["extensions"]["field"],
        "input.runs.1.metrics"
    );
    assert_eq!(
        (
            app.count("model_versions").await,
            app.count("experiment_runs").await,
            app.count("events").await
        ),
        rows,
        "a failed completion leaves no rows and no events"
    );
    assert_eq!(
        job_state(&app, &job).await,
        before,
        "the job is still RUNNING"
    );

    let done = app
        .ok(
            complete,
            json!({"i": {"id": job, "modelVersion": {"artifactUri": "s3://m/1", "metrics": {"auc": 0.91}},
                   "runs": [{"metrics": {"loss": 0.2}}, {"metrics": {"loss": 0.1}, "status": "FAILED"}]}}),
        )
        .await["completeTrainingJob"]
        .clone();
    assert_eq!(done["job"]["status"], "SUCCEEDED");
    assert_eq!(done["job"]["progress"], 100.0);
    assert_eq!(done["modelVersion"]["version"], 1);
    assert_eq!(done["modelVersion"]["trainingJob"]["id"], job.as_str());
    assert_eq!(done["runs"][0]["runNumber"], 1);
    assert_eq!(done["runs"][1]["runNumber"], 2);
    assert_eq!(done["runs"][1]["status"], "FAILED");
    assert_eq!(app.count("model_versions").await, rows.0 + 1);
    assert_eq!(app.count("experiment_runs").await, rows.1 + 2);
    // job event + version event + two run events
    assert_eq!(app.count("events").await, rows.2 + 4);

    // A job without a model cannot register a version.
    let other = job_in(&app, "RUNNING", 1).await;
    assert_eq!(
        app.error_code(
            complete,
            json!({"i": {"id": other, "modelVersion": {"artifactUri": "s3://x"}}})
        )
        .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn enqueue_checks_its_references_and_links_extra_training_sets() {
    let app = TestApp::new().await;
    let ds = app
        .ok(
            "mutation { createDataset(input: {ns: \"acme.com/train\", name: \"tx\", dataType: TABULAR}) { id } }",
            json!({}),
        )
        .await["createDataset"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut versions = Vec::new();
    for _ in 0..3 {
        versions.push(
            app.ok(
                "mutation($d: ID!) { createDatasetVersion(input: {datasetId: $d, storageUri: \"s3://d\"}) { id } }",
                json!({"d": ds}),
            )
            .await["createDatasetVersion"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let q = "mutation($i: EnqueueTrainingJobInput!) { enqueueTrainingJob(input: $i) {
        id datasetVersion { id } upstream(nodeTypes: [DATASET_VERSION], depth: 1) { nodes { id } } } }";
    let job = app
        .ok(
            q,
            json!({"i": {"ns": NS, "name": "multi", "datasetVersionIds": versions}}),
        )
        .await["enqueueTrainingJob"]
        .clone();
    assert_eq!(job["datasetVersion"]["id"], versions[0].as_str());
    let upstream: std::collections::BTreeSet<&str> = job["upstream"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(upstream, versions.iter().map(String::as_str).collect());

    let missing = mlgraph::core::ids::encode(
        mlgraph::core::ids::NodeType::DatasetVersion,
        uuid::Uuid::now_v7(),
    );
    let edges = app.count("edges").await;
    let events = app.count("events").await;
    for (input, code) in [
        (
            json!({"ns": NS, "name": "p", "priority": 11}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"ns": "other.com", "name": "x", "datasetVersionIds": [versions[0]]}),
            "BAD_USER_INPUT",
        ),
        (
            json!({"ns": NS, "name": "x", "datasetVersionIds": [versions[1], missing.as_str()]}),
            "NOT_FOUND",
        ),
    ] {
        let resp = app.gql(q, json!({"i": input})).await;
        assert_eq!(resp["errors"][0]["extensions"]["code"], code, "{resp:#}");
    }
    assert_eq!(app.count("edges").await, edges);
    assert_eq!(app.count("events").await, events);
}

#[tokio::test]
async fn stale_jobs_are_failed_once_with_two_instances() {
    let a = TestApp::new().await;
    let b = a.instance().await;
    let mut jobs = Vec::new();
    for n in 0..5 {
        jobs.push(job_in(&a, "RUNNING", n).await);
    }
    let fresh = job_in(&a, "QUEUED", 99).await;
    // Their last heartbeat an hour ago (rather than waiting for them to age).
    for job in &jobs {
        backdate_heartbeat(&a, job).await;
    }
    // Both instances reap at the same time.
    let timeout = Duration::from_secs(60);
    let (ra, rb) = tokio::join!(
        lifecycle::fail_stale_jobs(&a.state.db, timeout),
        lifecycle::fail_stale_jobs(&b.state.db, timeout)
    );
    let (ra, rb) = (
        ra.unwrap_or_else(|e| panic!("{e:?}")),
        rb.unwrap_or_else(|e| panic!("{e:?}")),
    );
    assert_eq!(
        ra.len() + rb.len(),
        5,
        "each stale job failed by exactly one instance"
    );
    // The server's own monitors (both instances) find nothing more to do.
    let ma =
        lifecycle::spawn_heartbeat_monitor(a.state.clone(), timeout, Duration::from_millis(50));
    let mb =
        lifecycle::spawn_heartbeat_monitor(b.state.clone(), timeout, Duration::from_millis(50));
    let later = job_in(&a, "RUNNING", 100).await;
    let from = a.state.feed.now().await;
    backdate_heartbeat(&a, &later).await;
    // Await the monitors' verdict on it in the event log.
    let later_id = mlgraph::core::ids::decode(&later).map(|(_, u)| u);
    let timed_out = a.state.feed.stream(Some(from)).filter(|e| {
        futures::future::ready(Some(e.entity_id) == later_id && e.action == "JOB_TIMED_OUT")
    });
    futures::pin_mut!(timed_out);
    tokio::time::timeout(Duration::from_secs(30), timed_out.next())
        .await
        .unwrap_or_else(|_| panic!("no monitor failed the stale job"));
    ma.abort();
    mb.abort();
    for job in jobs.iter().chain([&later]) {
        let state = job_state(&a, job).await;
        assert_eq!(state["status"], "FAILED", "{state:#}");
        assert!(
            state["error"]
                .as_str()
                .unwrap_or_default()
                .contains("no heartbeat")
        );
        let timed_out = events_of(&a, job)
            .await
            .into_iter()
            .filter(|e| e == "JOB_TIMED_OUT")
            .count();
        assert_eq!(timed_out, 1, "failed once: {job}");
    }
    assert_eq!(
        job_state(&a, &fresh).await["status"],
        "QUEUED",
        "queued jobs have no heartbeat to miss"
    );
}

#[tokio::test]
async fn concurrent_changes_without_an_expected_revision_all_apply() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let job = job_in(&app, "RUNNING", 0).await;
    let rev = job_state(&app, &job).await["revision"]
        .as_i64()
        .unwrap_or(0);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (app, job) = (app.clone(), job.clone());
        tasks.push(tokio::spawn(async move {
            app.gql(
                "mutation($i: ReportTrainingProgressInput!) { reportTrainingProgress(input: $i) { revision } }",
                json!({"i": {"id": job, "progress": f64::from(i)}}),
            )
            .await
        }));
    }
    for t in tasks {
        let resp = t.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(resp.get("errors").is_none(), "{resp:#}");
    }
    assert_eq!(job_state(&app, &job).await["revision"], rev + 20);
}

/// A job enqueued with several dataset versions is a training job of each of them
/// (`DatasetVersion.trainingJobs`), and a model version it produced needs retraining
/// when any of them, not only the first, gets a newer version.
#[tokio::test]
async fn every_training_set_of_a_job_sees_it_and_makes_its_versions_stale() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "fraud").await;
    let dataset = |name: &'static str| {
        let app = &app;
        async move {
            let ds = app
                .ok(
                    "mutation($n: String!) { createDataset(input: {ns: \"acme.com/train\", name: $n, dataType: TABULAR}) { id } }",
                    json!({"n": name}),
                )
                .await["createDataset"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let v = new_dataset_version(app, &ds).await;
            (ds, v)
        }
    };
    let (_, a1) = dataset("a").await;
    let (b, b1) = dataset("b").await;
    let job = app
        .ok(
            "mutation($i: EnqueueTrainingJobInput!) { enqueueTrainingJob(input: $i) { id } }",
            json!({"i": {"ns": NS, "name": "multi", "modelId": model, "datasetVersionIds": [a1, b1]}}),
        )
        .await["enqueueTrainingJob"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Both training sets list the job, in one statement for both.
    let before = app.statements().get();
    let d = app
        .ok(
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on DatasetVersion { trainingJobs { totalCount edges { node { id } } } } } }",
            json!({"ids": [a1, b1]}),
        )
        .await;
    assert_eq!(
        app.statements().get() - before,
        2,
        "versions, then their jobs"
    );
    for i in 0..2 {
        let jobs = &d["nodes"][i]["trainingJobs"];
        assert_eq!(jobs["totalCount"], 1, "{d:#}");
        assert_eq!(jobs["edges"][0]["node"]["id"], job.as_str());
    }

    claim(&app, "w").await;
    app.ok(
        "mutation($i: CompleteTrainingJobInput!) { completeTrainingJob(input: $i) { job { status } } }",
        json!({"i": {"id": job, "modelVersion": {"artifactUri": "s3://m/1"}}}),
    )
    .await;
    let stale = || async {
        app.ok(
            "{ modelVersionsNeedingRetraining { totalCount } }",
            json!({}),
        )
        .await["modelVersionsNeedingRetraining"]["totalCount"]
            .as_i64()
    };
    assert_eq!(stale().await, Some(0));
    // A newer version of the second training set (linked by `trainedOn`, not the job's
    // own column) makes the produced version stale.
    new_dataset_version(&app, &b).await;
    assert_eq!(stale().await, Some(1));
}

async fn new_dataset_version(app: &TestApp, ds: &str) -> String {
    app.ok(
        "mutation($d: ID!) { createDatasetVersion(input: {datasetId: $d, storageUri: \"s3://d\"}) { id } }",
        json!({"d": ds}),
    )
    .await["createDatasetVersion"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// `updateTrainingJob` goes through the job's lock and compare-and-set like every state
/// change: concurrent updates each get a revision of their own, and a stale
/// `expectedRevision` is a `CONFLICT` that changes nothing.
#[tokio::test]
async fn concurrent_updates_of_a_job_each_get_their_own_revision() {
    let app = TestApp::new().await;
    let job = id(&enqueue(&app, "busy", 5).await);
    let q = "mutation($i: UpdateTrainingJobInput!) { updateTrainingJob(input: $i) { revision priority } }";
    let updates = (1..=8).map(|p| {
        let app = &app;
        let job = job.clone();
        async move {
            app.ok(q, json!({"i": {"id": job, "priority": 1 + p % 10}}))
                .await["updateTrainingJob"]["revision"]
                .as_i64()
        }
    });
    let mut revisions: Vec<Option<i64>> = futures::future::join_all(updates).await;
    revisions.sort();
    assert_eq!(revisions, (2..=9).map(Some).collect::<Vec<_>>());
    let events = app.count("events").await;
    let resp = app
        .gql(
            q,
            json!({"i": {"id": job, "name": "stale", "expectedRevision": 1}}),
        )
        .await;
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "CONFLICT",
        "{resp:#}"
    );
    assert_eq!(job_state(&app, &job).await["revision"], 9);
    assert_eq!(app.count("events").await, events);
}

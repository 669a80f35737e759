//! Governance against PostgreSQL: approvals and their transitions, four-eyes review,
//! concurrent reviews, gated promotion, and each built-in check on fixtures with known
//! answers (GDPR found through lineage).

use mlgraph::core::context::{Grant, RequestContext, Role, Scope};
use serde_json::{Value, json};

use crate::harness::{TestApp, create_endpoint, create_model, create_version};

const NS: &str = "acme.com/gov";

fn as_user(name: &str, role: Role) -> RequestContext {
    RequestContext {
        actor: Some(name.into()),
        request_id: None,
        scope: Scope::Grants(vec![Grant {
            ns: NS.into(),
            role,
        }]),
        principal: None,
        as_of: Default::default(),
        reads: Default::default(),
    }
}

async fn ok_as(app: &TestApp, rc: RequestContext, q: &str, v: Value) -> Value {
    let resp = app.gql_as(rc, q, v).await;
    assert!(resp.get("errors").is_none(), "unexpected errors: {resp:#}");
    resp["data"].clone()
}

async fn code_as(app: &TestApp, rc: RequestContext, q: &str, v: Value) -> String {
    let resp = app.gql_as(rc, q, v).await;
    resp["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error: {resp:#}"))
        .to_owned()
}

const REQUEST: &str = "mutation($v: ID!, $s: ModelStage!) { requestApproval(input: {modelVersionId: $v, targetStage: $s, justification: \"ready\"}) {
    id status revision requestedBy checks { check result blocking evidence } } }";
const REVIEW: &str = "mutation($id: ID!, $d: ReviewDecision!, $r: Int!) { reviewApproval(input: {id: $id, decision: $d, comment: \"ok\", expectedRevision: $r}) { id status reviewedBy revision } }";
const PROMOTE: &str =
    "mutation($v: ID!) { promoteModelVersion(id: $v, stage: PRODUCTION) { version { stage } } }";

fn check<'a>(approval: &'a Value, kind: &str) -> &'a Value {
    approval["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["check"] == kind))
        .unwrap_or_else(|| panic!("no {kind} check in {approval}"))
}

/// A dataset with personal data and no legal basis fails GDPR for every version trained
/// on it (through its training job's dataset version, found by lineage), and passes once
/// a legal basis and retention are recorded; an erasure request fails it again.
#[tokio::test]
async fn gdpr_follows_lineage_to_the_training_data() {
    let app = TestApp::new().await;
    let ds = app
        .ok("mutation { createDataset(input: {ns: \"acme.com/gov\", name: \"customers\", dataType: TABULAR}) { id } }", json!({}))
        .await["createDataset"]["id"]
        .clone();
    let dv = app
        .ok("mutation($d: ID!) { createDatasetVersion(input: {datasetId: $d, storageUri: \"s3://b/c.csv\"}) { id } }", json!({"d": ds}))
        .await["createDatasetVersion"]["id"]
        .clone();
    let model = create_model(&app, NS, "churn").await;
    let job = app
        .ok("mutation($m: ID!, $dv: ID!) { enqueueTrainingJob(input: {ns: \"acme.com/gov\", name: \"train\", modelId: $m, datasetVersionIds: [$dv]}) { id } }", json!({"m": model, "dv": dv}))
        .await["enqueueTrainingJob"]["id"]
        .clone();
    let mut versions = Vec::new();
    for _ in 0..2 {
        let v = app
            .ok("mutation($m: ID!, $j: ID!) { createModelVersion(input: {modelId: $m, trainingJobId: $j}) { id } }", json!({"m": model, "j": job}))
            .await["createModelVersion"]["id"]
            .clone();
        versions.push(v);
    }
    let untouched = create_version(&app, &model).await;

    let set = "mutation($d: ID!, $b: String, $r: Int) { setDatasetCompliance(input: {id: $d, personalData: true, legalBasis: $b, retentionDays: $r}) { personalData } }";
    app.ok(set, json!({"d": ds, "b": null, "r": null})).await;
    for v in &versions {
        let a = app.ok(REQUEST, json!({"v": v, "s": "STAGING"})).await["requestApproval"].clone();
        assert_eq!(check(&a, "GDPR")["result"], "FAIL", "{a}");
        assert_eq!(a["status"], "CHECKS_FAILED");
        assert!(
            check(&a, "GDPR")["evidence"]["problems"]
                .to_string()
                .contains("legal basis")
        );
    }
    // A version not trained on it passes.
    let a = app
        .ok(REQUEST, json!({"v": untouched, "s": "STAGING"}))
        .await["requestApproval"]
        .clone();
    assert_eq!(check(&a, "GDPR")["result"], "PASS", "{a}");

    app.ok(set, json!({"d": ds, "b": "contract", "r": 365}))
        .await;
    let a = app
        .ok(REQUEST, json!({"v": versions[0], "s": "STAGING"}))
        .await["requestApproval"]
        .clone();
    assert_eq!(check(&a, "GDPR")["result"], "PASS", "{a}");
    app.ok(
        "mutation($d: ID!) { requestDatasetErasure(id: $d) { erasureRequestedAt } }",
        json!({"d": ds}),
    )
    .await;
    let rerun = app
        .ok("mutation($id: ID!) { rerunComplianceChecks(id: $id) { status checks { check result } } }", json!({"id": a["id"]}))
        .await;
    assert_eq!(
        rerun["rerunComplianceChecks"]["status"], "CHECKS_FAILED",
        "{rerun}"
    );
}

/// An approval decided after its checks were run again records the run it was decided
/// on: the `approvedBy` edge carries that run's checks (one per kind, all passing here)
/// and when it ran, not the earlier failures, which stay in the approval's history. The
/// dataset and its first version come from one `createDataset`.
#[tokio::test]
async fn an_approval_records_the_check_run_it_was_decided_on() {
    let app = TestApp::new().await;
    let created = app
        .ok("mutation { createDataset(input: {ns: \"acme.com/gov\", name: \"people\", dataType: TABULAR, firstVersion: {storageUri: \"s3://b/people.csv\", rowCount: 10}}) { id versions { totalCount nodes { id version rowCount } } } }", json!({}))
        .await["createDataset"]
        .clone();
    assert_eq!(created["versions"]["totalCount"], 1, "{created}");
    assert_eq!(created["versions"]["nodes"][0]["version"], 1);
    assert_eq!(created["versions"]["nodes"][0]["rowCount"], 10);
    let ds = created["id"].clone();
    let dv = created["versions"]["nodes"][0]["id"].clone();
    // A bad first version leaves no dataset behind.
    let before = app.count("datasets").await;
    let bad = app
        .gql("mutation { createDataset(input: {ns: \"acme.com/gov\", name: \"half\", dataType: TABULAR, firstVersion: {storageUri: \"s3://b/x\", sha256: \"nope\"}}) { id } }", json!({}))
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "input.firstVersion.sha256",
        "{bad}"
    );
    assert_eq!(app.count("datasets").await, before);

    let model = create_model(&app, NS, "people-scorer").await;
    let job = app
        .ok("mutation($m: ID!, $dv: ID!) { enqueueTrainingJob(input: {ns: \"acme.com/gov\", name: \"train\", modelId: $m, datasetVersionIds: [$dv]}) { id } }", json!({"m": model, "dv": dv}))
        .await["enqueueTrainingJob"]["id"]
        .clone();
    let v = app
        .ok("mutation($m: ID!, $j: ID!) { createModelVersion(input: {modelId: $m, trainingJobId: $j}) { id } }", json!({"m": model, "j": job}))
        .await["createModelVersion"]["id"]
        .clone();
    let set = "mutation($d: ID!, $b: String, $r: Int) { setDatasetCompliance(input: {id: $d, personalData: true, legalBasis: $b, retentionDays: $r}) { personalData } }";
    app.ok(set, json!({"d": ds, "b": null, "r": null})).await;
    let ann = as_user("ann", Role::Editor);
    let a =
        ok_as(&app, ann, REQUEST, json!({"v": v, "s": "STAGING"})).await["requestApproval"].clone();
    assert_eq!(a["status"], "CHECKS_FAILED", "{a}");
    app.ok(set, json!({"d": ds, "b": "contract", "r": 365}))
        .await;
    let rerun = app
        .ok("mutation($id: ID!) { rerunComplianceChecks(id: $id) { status revision checks { check result createdAt } } }", json!({"id": a["id"]}))
        .await["rerunComplianceChecks"]
        .clone();
    assert_eq!(rerun["status"], "PENDING", "{rerun}");
    let all_runs = rerun["checks"].as_array().map_or(0, Vec::len);
    let done = ok_as(
        &app,
        as_user("bob", Role::Approver),
        REVIEW,
        json!({"id": a["id"], "d": "APPROVE", "r": rerun["revision"]}),
    )
    .await;
    assert_eq!(done["reviewApproval"]["status"], "APPROVED");
    let edges = app
        .ok("query($v: ID!) { node(id: $v) { edges(kinds: [\"approvedBy\"]) { nodes { properties } } } }", json!({"v": v}))
        .await;
    let props = &edges["node"]["edges"]["nodes"][0]["properties"];
    let checks = props["checks"].as_array().cloned().unwrap_or_default();
    assert!(!checks.is_empty(), "{props}");
    assert!(
        checks.len() < all_runs,
        "only the last run: {props} of {rerun}"
    );
    let kinds: std::collections::BTreeSet<String> = checks
        .iter()
        .filter_map(|c| c["check"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(kinds.len(), checks.len(), "one per kind: {props}");
    let gdpr = checks.iter().find(|c| c["check"] == "GDPR");
    assert_eq!(gdpr.map(|c| &c["result"]), Some(&json!("PASS")), "{props}");
    assert!(props["checksRunAt"].is_string(), "{props}");
}

/// EU AI Act, fairness, bias and security on fixtures with known answers.
#[tokio::test]
async fn each_check_answers_what_its_fixture_says() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "credit").await;
    let v = create_version(&app, &model).await;
    let req =
        async || app.ok(REQUEST, json!({"v": v, "s": "STAGING"})).await["requestApproval"].clone();

    let a = req().await;
    assert_eq!(
        check(&a, "EU_AI_ACT")["result"],
        "WARN",
        "undeclared risk class"
    );
    assert_eq!(
        check(&a, "FAIRNESS")["result"],
        "WARN",
        "no metric recorded"
    );
    assert_eq!(check(&a, "SECURITY")["result"], "PASS");
    assert_eq!(a["status"], "PENDING");

    let set = "mutation($m: ID!, $o: String) { setModelCompliance(input: {id: $m, riskClass: HIGH, humanOversight: $o, intendedPurpose: \"credit scoring\"}) { riskClass } }";
    app.ok(set, json!({"m": model, "o": null})).await;
    let a = req().await;
    assert_eq!(
        check(&a, "EU_AI_ACT")["result"],
        "FAIL",
        "HIGH without oversight"
    );
    assert_eq!(a["status"], "CHECKS_FAILED");
    app.ok(
        set,
        json!({"m": model, "o": "a credit officer reviews every refusal"}),
    )
    .await;
    assert_eq!(check(&req().await, "EU_AI_ACT")["result"], "PASS");

    let ds = app
        .ok("mutation { createDataset(input: {ns: \"acme.com/gov\", name: \"holdout\", dataType: TABULAR}) { id } }", json!({}))
        .await["createDataset"]["id"]
        .clone();
    let link = "mutation($v: ID!, $d: ID!, $p: JSON) { link(source: $v, kind: \"evaluatedOn\", target: $d, properties: $p) { id } }";
    app.ok(link, json!({"v": v, "d": ds, "p": {"demographicParityDifference": 0.25, "equalizedOddsDifference": -0.04}})).await;
    let a = req().await;
    assert_eq!(check(&a, "FAIRNESS")["result"], "FAIL", "{a}");
    assert_eq!(check(&a, "FAIRNESS")["evidence"]["value"], json!(0.25));
    assert_eq!(check(&a, "BIAS")["result"], "PASS", "|-0.04| within 0.1");
    assert_eq!(a["status"], "PENDING", "fairness does not block by default");

    let finding = app
        .ok("mutation($v: ID!) { recordSecurityFinding(input: {modelVersionId: $v, severity: HIGH, description: \"pickle deserialisation\"}) { id } }", json!({"v": v}))
        .await["recordSecurityFinding"]["id"]
        .clone();
    let a = req().await;
    assert_eq!(check(&a, "SECURITY")["result"], "FAIL");
    assert_eq!(a["status"], "CHECKS_FAILED");
    app.ok(
        "mutation($id: ID!) { resolveSecurityFinding(id: $id) { resolvedAt } }",
        json!({"id": finding}),
    )
    .await;
    assert_eq!(check(&req().await, "SECURITY")["result"], "PASS");
}

/// Four-eyes and the transitions: the requester, a viewer and an editor cannot approve;
/// an approver can, once; a stale revision is a conflict; withdrawn is final; refused
/// steps write no event.
#[tokio::test]
async fn reviews_are_four_eyes_and_happen_once() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "m").await;
    let v = create_version(&app, &model).await;
    let ann = as_user("ann", Role::Editor);
    let a = ok_as(
        &app,
        ann.clone(),
        REQUEST,
        json!({"v": v, "s": "PRODUCTION"}),
    )
    .await["requestApproval"]
        .clone();
    assert_eq!(
        (a["status"].as_str(), a["requestedBy"].as_str()),
        (Some("PENDING"), Some("ann"))
    );
    let id = a["id"].clone();
    let rev = a["revision"].as_i64().unwrap_or(0);

    let events = app.count("events").await;
    let ann_approver = RequestContext {
        scope: Scope::Grants(vec![Grant {
            ns: NS.into(),
            role: Role::Admin,
        }]),
        ..ann.clone()
    };
    assert_eq!(
        code_as(
            &app,
            ann_approver,
            REVIEW,
            json!({"id": id, "d": "APPROVE", "r": rev})
        )
        .await,
        "FORBIDDEN",
        "the requester"
    );
    assert_eq!(
        code_as(
            &app,
            as_user("vic", Role::Viewer),
            REVIEW,
            json!({"id": id, "d": "APPROVE", "r": rev})
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        code_as(
            &app,
            as_user("ed", Role::Editor),
            REVIEW,
            json!({"id": id, "d": "APPROVE", "r": rev})
        )
        .await,
        "FORBIDDEN"
    );
    let bob = as_user("bob", Role::Approver);
    assert_eq!(
        code_as(
            &app,
            bob.clone(),
            REVIEW,
            json!({"id": id, "d": "APPROVE", "r": rev + 7})
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(
        app.count("events").await,
        events,
        "refused reviews write nothing"
    );

    let done = ok_as(
        &app,
        bob.clone(),
        REVIEW,
        json!({"id": id, "d": "APPROVE", "r": rev}),
    )
    .await;
    assert_eq!(done["reviewApproval"]["status"], "APPROVED");
    assert_eq!(done["reviewApproval"]["reviewedBy"], "bob");
    let again = done["reviewApproval"]["revision"].as_i64().unwrap_or(0);
    assert_eq!(
        code_as(
            &app,
            as_user("carl", Role::Approver),
            REVIEW,
            json!({"id": id, "d": "REJECT", "r": again})
        )
        .await,
        "INVALID_TRANSITION"
    );
    // The approval is in the graph: an approvedBy edge from the version.
    let edges = app
        .ok("query($v: ID!) { node(id: $v) { edges(kinds: [\"approvedBy\"]) { nodes { properties target { id } } } } }", json!({"v": v}))
        .await;
    let edge = &edges["node"]["edges"]["nodes"][0];
    assert_eq!(edge["target"]["id"], id);
    assert_eq!(edge["properties"]["approver"], "bob");

    // Withdrawn is final, and only its requester withdraws.
    let b =
        ok_as(&app, ann.clone(), REQUEST, json!({"v": v, "s": "STAGING"})).await["requestApproval"]
            .clone();
    let withdraw = "mutation($id: ID!) { withdrawApproval(id: $id) { status } }";
    assert_eq!(
        code_as(
            &app,
            as_user("ed", Role::Editor),
            withdraw,
            json!({"id": b["id"]})
        )
        .await,
        "FORBIDDEN"
    );
    ok_as(&app, ann.clone(), withdraw, json!({"id": b["id"]})).await;
    assert_eq!(
        code_as(
            &app,
            bob,
            REVIEW,
            json!({"id": b["id"], "d": "APPROVE", "r": 2})
        )
        .await,
        "INVALID_TRANSITION"
    );

    // The history of the model lists every step, newest first.
    let h = app
        .ok("query($m: ID!) { governanceHistory(of: $m, first: 50) { nodes { action entityType actor } } }", json!({"m": model}))
        .await;
    let actions: Vec<&str> = h["governanceHistory"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["action"].as_str())
        .collect();
    assert_eq!(actions.first(), Some(&"WITHDRAWN"), "{actions:?}");
    for a in ["APPROVAL_REQUESTED", "CHECK_RUN", "APPROVED"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

/// Fifty reviewers at once with the same revision: exactly one decides.
#[tokio::test]
async fn concurrent_reviews_decide_once() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "m").await;
    let v = create_version(&app, &model).await;
    let a = ok_as(
        &app,
        as_user("ann", Role::Editor),
        REQUEST,
        json!({"v": v, "s": "PRODUCTION"}),
    )
    .await["requestApproval"]
        .clone();
    let rev = a["revision"].as_i64().unwrap_or(0);
    let reviews = (0..50).map(|i| {
        let app = &app;
        let id = a["id"].clone();
        async move {
            app.gql_as(
                as_user(&format!("r{i}"), Role::Approver),
                REVIEW,
                json!({"id": id, "d": if i % 2 == 0 { "APPROVE" } else { "REJECT" }, "r": rev}),
            )
            .await
        }
    });
    let results = futures::future::join_all(reviews).await;
    let won = results.iter().filter(|r| r.get("errors").is_none()).count();
    assert_eq!(won, 1, "{results:#?}");
    for r in results.iter().filter(|r| r.get("errors").is_some()) {
        let code = r["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default();
        assert!(code == "CONFLICT" || code == "INVALID_TRANSITION", "{r}");
    }
}

/// A policy that gates PRODUCTION: promotion and deployment to a production endpoint
/// are refused with APPROVAL_REQUIRED (nothing changes) until an approval is approved.
#[tokio::test]
async fn gated_promotion_needs_an_approved_approval() {
    let app = TestApp::new().await;
    let model = create_model(&app, NS, "m").await;
    let v = create_version(&app, &model).await;
    let policy = app
        .ok(
            "mutation { setGovernancePolicy(input: {ns: \"acme.com\", requireApprovalFor: [PRODUCTION],
                checks: [{check: SECURITY, blocking: true}, {check: FAIRNESS, blocking: true, threshold: 0.2}]}) { version requireApprovalFor checks { check blocking threshold } } }",
            json!({}),
        )
        .await;
    assert_eq!(policy["setGovernancePolicy"]["version"], 1);
    let inherited = app
        .ok(
            "{ governancePolicy(ns: \"acme.com/gov\") { ns version } }",
            json!({}),
        )
        .await;
    assert_eq!(
        inherited["governancePolicy"],
        json!({"ns": "acme.com", "version": 1})
    );

    let ep = create_endpoint(&app, NS, "prod", "PRODUCTION").await;
    let events = app.count("events").await;
    assert_eq!(
        app.error_code(PROMOTE, json!({"v": v})).await,
        "APPROVAL_REQUIRED"
    );
    let deploy = "mutation($v: ID!, $e: ID!) { createDeployment(input: {modelVersionId: $v, spec: {endpointId: $e, trafficPercent: 100}}) { id } }";
    assert_eq!(
        app.error_code(deploy, json!({"v": v, "e": ep})).await,
        "APPROVAL_REQUIRED"
    );
    assert_eq!(
        app.count("events").await,
        events,
        "refused promotions change nothing"
    );
    assert_eq!(app.count("deployments").await, 0);
    // STAGING is not gated.
    app.ok(
        "mutation($v: ID!) { promoteModelVersion(id: $v, stage: STAGING) { version { stage } } }",
        json!({"v": v}),
    )
    .await;

    let a = ok_as(
        &app,
        as_user("ann", Role::Editor),
        REQUEST,
        json!({"v": v, "s": "PRODUCTION"}),
    )
    .await["requestApproval"]
        .clone();
    assert_eq!(
        a["checks"].as_array().map(Vec::len),
        Some(2),
        "the policy's checks only"
    );
    ok_as(
        &app,
        as_user("bob", Role::Approver),
        REVIEW,
        json!({"id": a["id"], "d": "APPROVE", "r": a["revision"]}),
    )
    .await;
    let promoted = app.ok(PROMOTE, json!({"v": v})).await;
    assert_eq!(
        promoted["promoteModelVersion"]["version"]["stage"],
        "PRODUCTION"
    );
    app.ok(deploy, json!({"v": v, "e": ep})).await;
}

/// Approvals expire: a pending one not decided in time and an approved one past its
/// validity become EXPIRED (with an event), and the gate stops accepting the latter.
#[tokio::test]
async fn approvals_expire() {
    let app = TestApp::new().await;
    app.ok("mutation { setGovernancePolicy(input: {ns: \"acme.com/gov\", requireApprovalFor: [PRODUCTION], checks: [], approvalTtlHours: 2}) { version } }", json!({})).await;
    let model = create_model(&app, NS, "m").await;
    let approved_v = create_version(&app, &model).await;
    let pending_v = create_version(&app, &model).await;
    let a = ok_as(
        &app,
        as_user("ann", Role::Editor),
        REQUEST,
        json!({"v": approved_v, "s": "PRODUCTION"}),
    )
    .await["requestApproval"]
        .clone();
    ok_as(
        &app,
        as_user("bob", Role::Approver),
        REVIEW,
        json!({"id": a["id"], "d": "APPROVE", "r": a["revision"]}),
    )
    .await;
    let p = ok_as(
        &app,
        as_user("ann", Role::Editor),
        REQUEST,
        json!({"v": pending_v, "s": "PRODUCTION"}),
    )
    .await["requestApproval"]
        .clone();

    assert_eq!(
        mlgraph::governance::service::expire(app.db(), chrono::Utc::now())
            .await
            .unwrap_or(99),
        0,
        "nothing due yet"
    );
    let later = chrono::Utc::now() + chrono::Duration::hours(3);
    assert_eq!(
        mlgraph::governance::service::expire(app.db(), later)
            .await
            .unwrap_or_default(),
        2
    );
    for id in [&a["id"], &p["id"]] {
        let row = app
            .ok(
                "query($id: ID!) { approval(id: $id) { status } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(row["approval"]["status"], "EXPIRED");
    }
    assert_eq!(
        app.error_code(PROMOTE, json!({"v": approved_v})).await,
        "APPROVAL_REQUIRED"
    );
    let h = app
        .ok(
            "query($m: ID!) { governanceHistory(of: $m) { nodes { action } } }",
            json!({"m": model}),
        )
        .await;
    assert_eq!(h["governanceHistory"]["nodes"][0]["action"], "EXPIRED");
}

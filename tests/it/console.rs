//! The web console (`/`) in a real browser (Debian's Chromium, driven by playwright-core)
//! against a real server, every request off this host refused: each view shows what the
//! API answers to the same question, a worker's progress report reaches the screen with
//! no reload, the time control shows an earlier state, and sign-in, the four-eyes review
//! and sign-out work with authentication on. axe-core finds no serious or critical
//! accessibility violation on any view.

use chrono::Utc;
use mlgraph::access::service::{self, NewUser};
use mlgraph::core::clock::Clock;
use mlgraph::core::context::RequestContext;
use serde_json::{Value, json};

use crate::harness::{TestApp, create_version};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the suite with ./scripts/test.sh, which installs Chromium and playwright-core")
    })
}

/// Runs `tests/browser/console.mjs` with this configuration; its report.
async fn browse(config: Value) -> Value {
    // ESM resolves `playwright-core` and `axe-core` next to the script.
    let dir = std::path::PathBuf::from(env("MLGRAPH_TEST_BROWSER_DIR"));
    let script = dir.join("console.mjs");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/console.mjs"),
        &script,
    )
    .unwrap_or_else(|e| panic!("copy the browser script: {e}"));
    let shots = crate::harness::temp_dir("console-shots");
    let mut config = config;
    config["chromium"] = json!(env("MLGRAPH_TEST_CHROMIUM"));
    config["shots"] = json!(shots);
    let file = shots.join("config.json");
    std::fs::write(&file, config.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&file)
        .output()
        .await
        .unwrap_or_else(|e| panic!("run node: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser run failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no report from the browser: {stdout}"));
    assert_eq!(report["blocked"], json!([]), "requests off this host");
    assert_eq!(report["errors"], json!([]), "page errors");
    for (view, found) in report["axe"].as_object().into_iter().flatten() {
        assert_eq!(
            found,
            &json!([]),
            "serious accessibility violations on {view}"
        );
    }
    // The screenshots of the README (docs/), when asked for.
    if let Ok(keep) = std::env::var("MLGRAPH_CONSOLE_SCREENSHOTS") {
        for entry in std::fs::read_dir(&shots).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|e| e == "png") {
                std::fs::copy(
                    entry.path(),
                    std::path::Path::new(&keep).join(entry.file_name()),
                )
                .unwrap_or_else(|e| panic!("keep the screenshot: {e}"));
            }
        }
    }
    report
}

fn ids(v: &Value) -> Vec<Value> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|n| n["id"].clone())
        .collect()
}

fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(Value::to_string);
    v
}

#[tokio::test]
async fn the_console_shows_the_apis_answers_live_and_as_of() {
    let app = TestApp::new().await;
    mlgraph::demo::seed(app.db())
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    let models = app
        .ok(
            "{ models(first: 100, orderBy: [{field: NAME}]) { nodes { id name versions(first: 50) { nodes { version stage aliases } } } } }",
            json!({}),
        )
        .await;
    let model = app
        .ok(
            "{ model(ns: \"acme.com/fraud\", name: \"fraud-detector\") { id name } }",
            json!({}),
        )
        .await["model"]
        .clone();
    let model_id = model["id"].as_str().unwrap_or_default().to_owned();
    // A change after an instant: the page as of the instant has one version fewer.
    let before: Vec<Value> = ids(&app
        .ok(
            "query($id: ID) { model(id: $id) { versions(first: 100, orderBy: [{field: VERSION}]) { nodes { id } } } }",
            json!({"id": model_id}),
        )
        .await["model"]["versions"]["nodes"]);
    let instant = Utc::now();
    let added = create_version(&app, &model_id).await;
    let filtered = ids(&app
        .ok(
            "{ models(first: 100, orderBy: [{field: NAME}], filter: {name: {contains: \"fraud\"}}) { nodes { id } } }",
            json!({}),
        )
        .await["models"]["nodes"]);
    let search = ids(&app
        .ok(
            "{ search(text: \"fraud\", first: 30) { nodes { node { id } } } }",
            json!({}),
        )
        .await["search"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| h["node"].clone())
        .collect::<Value>());
    let lineage = ids(&app
        .ok(
            "query($id: ID!) { lineage(of: $id, direction: BOTH, depth: 2, first: 500) { nodes { id } } }",
            json!({"id": model_id}),
        )
        .await["lineage"]["nodes"]);
    app.ok(
        "mutation($v: ID!) { requestApproval(input: {modelVersionId: $v, targetStage: PRODUCTION, justification: \"better recall\"}) { id } }",
        json!({"v": added}),
    )
    .await;
    let approvals = ids(&app
        .ok("{ approvals(first: 100) { nodes { id } } }", json!({}))
        .await["approvals"]["nodes"]);
    // A job a worker runs.
    let job = app
        .ok(
            "mutation { enqueueTrainingJob(input: {ns: \"acme.com/console\", name: \"console-job\"}) { id } }",
            json!({}),
        )
        .await["enqueueTrainingJob"]["id"]
        .clone();
    let claimed = app
        .ok(
            "mutation { claimTrainingJob(worker: \"w-1\", ns: \"acme.com/console\") { id status } }",
            json!({}),
        )
        .await;
    assert_eq!(claimed["claimTrainingJob"]["id"], job);
    // The other views' questions, asked of the API directly.
    let datasets = app
        .ok(
            "{ datasets(first: 100, orderBy: [{field: NAME}]) { nodes { id name versions(first: 50) { nodes { id } } } } }",
            json!({}),
        )
        .await["datasets"]["nodes"]
        .clone();
    let dataset = datasets
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["name"] == "transactions")
        .cloned()
        .unwrap_or_else(|| panic!("the demo's transactions dataset: {datasets}"));
    let experiments = ids(&app
        .ok(
            "{ experiments(first: 100, orderBy: [{field: NAME}]) { nodes { id } } }",
            json!({}),
        )
        .await["experiments"]["nodes"]);
    let ab = app
        .ok(
            "{ experiments(filter: {name: {eq: \"checkout-ab-test\"}}) { nodes { id } } }",
            json!({}),
        )
        .await["experiments"]["nodes"][0]["id"]
        .clone();
    let winner = app
        .ok(
            "query($x: ID!) { abTestResult(experiment: $x, metric: \"quality\") { winner { version model { name } } } }",
            json!({"x": ab}),
        )
        .await["abTestResult"]["winner"]
        .clone();
    let endpoints = app
        .ok(
            "{ endpoints(first: 100, orderBy: [{field: NAME}]) { nodes { id name deployments(first: 20) { nodes { id } } } } }",
            json!({}),
        )
        .await["endpoints"]["nodes"]
        .clone();
    let prod = endpoints
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == "fraud-prod")
        .cloned()
        .unwrap_or_else(|| panic!("the demo's fraud-prod endpoint: {endpoints}"));
    let users = app.ok("{ users { id } }", json!({})).await["users"].clone();
    let addr = app.serve().await;
    let pages = json!([
        {"name": "datasets", "path": "/datasets", "rows": "#datasets tbody tr", "shot": true},
        {"name": "dataset", "path": format!("/datasets/{}", dataset["id"].as_str().unwrap_or_default()),
         "rows": "#dataset-versions > li", "text": "#dataset h1"},
        {"name": "experiments", "path": "/experiments", "rows": "#experiments tbody tr"},
        {"name": "ab", "path": format!("/experiments/{}", ab.as_str().unwrap_or_default()),
         "rows": "#runs tbody tr", "wait": "#ab", "text": "#ab"},
        {"name": "endpoints", "path": "/endpoints", "rows": "#endpoints tbody tr"},
        {"name": "endpoint", "path": format!("/endpoints/{}", prod["id"].as_str().unwrap_or_default()),
         "rows": "#endpoint-deployments tbody tr", "text": "#endpoint", "shot": true},
        {"name": "admin", "path": "/admin", "rows": "#users tbody tr", "wait": "h2"},
    ]);

    let seen = browse(json!({
        "mode": "demo",
        "pages": pages,
        "base": format!("http://{addr}"),
        "filter": "fraud",
        "model": model,
        "asOf": instant.to_rfc3339(),
        "asOfVersions": before.len(),
        "nowVersions": before.len() + 1,
        "search": "fraud",
        "job": {"id": job},
    }))
    .await;
    let views = &seen["views"];

    // Models: the API's list, in its order, with every stage and alias as a badge.
    let api_models = models["models"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        views["models"]
            .as_array()
            .map(|m| m.iter().map(|r| r["id"].clone()).collect::<Vec<_>>()),
        Some(ids(&models["models"]["nodes"])),
        "{seen}"
    );
    for (row, api) in views["models"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(&api_models)
    {
        assert_eq!(row["name"], api["name"]);
        let mut badges = Vec::new();
        for v in api["versions"]["nodes"].as_array().into_iter().flatten() {
            if v["stage"] != "NONE" {
                badges.push(format!(
                    "v{} {}",
                    v["version"],
                    v["stage"].as_str().unwrap_or_default()
                ));
            }
            for a in v["aliases"].as_array().into_iter().flatten() {
                badges.push(format!(
                    "@{} → v{}",
                    a.as_str().unwrap_or_default(),
                    v["version"]
                ));
            }
        }
        let mut shown: Vec<String> = row["badges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b.as_str().map(str::to_owned))
            .collect();
        shown.sort();
        badges.sort();
        assert_eq!(shown, badges, "badges of {}", api["name"]);
    }
    assert!(
        views["models"].to_string().contains("@champion"),
        "the demo's champion alias: {seen}"
    );
    assert_eq!(views["filtered"], json!(filtered), "the name filter");
    assert!(!filtered.is_empty());

    // The model page: its versions now, with the added one, the chart, the history.
    let versions: Vec<Value> = views["model"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v["id"].clone())
        .collect();
    let mut now = before.clone();
    now.push(json!(added));
    assert_eq!(versions, now, "{seen}");
    assert!(
        views["model"]["versions"]
            .to_string()
            .contains("PRODUCTION"),
        "{seen}"
    );
    assert_eq!(views["model"]["chart"], 1, "metrics across versions");
    assert!(views["model"]["history"].as_u64().is_some_and(|n| n > 0));
    // As of the instant: the banner, the versions as they were.
    assert_eq!(views["asOf"]["versions"], json!(before), "{seen}");
    assert!(
        views["asOf"]["banner"]
            .as_str()
            .is_some_and(|b| b.contains("as it was")),
        "{seen}"
    );
    assert!(
        !views["asOf"]["input"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );

    assert_eq!(views["search"], json!(search), "search results = the API's");
    assert!(!search.is_empty());
    assert_eq!(
        views["lineage"],
        json!(sorted(lineage)),
        "lineage = the API's"
    );
    assert_eq!(views["approvals"], json!(sorted(approvals)));

    // Live: the report shows without a reload; the progress as the worker sent it.
    let jobs = &views["jobs"];
    assert_eq!(jobs["before"], "0%", "{seen}");
    assert_eq!(
        jobs["ack"]["data"]["reportTrainingProgress"]["progress"].as_f64(),
        Some(42.0)
    );
    assert_eq!(jobs["step"], "epoch 3");
    assert_eq!(jobs["reloads"], 0, "no reload: {seen}");

    let pages = &seen["pages"];
    assert_eq!(pages["datasets"]["rows"], json!(ids(&datasets)), "{seen}");
    assert_eq!(
        pages["dataset"]["rows"].as_array().map(Vec::len),
        dataset["versions"]["nodes"].as_array().map(Vec::len),
        "{seen}"
    );
    assert!(
        pages["dataset"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("transactions"))
    );
    assert_eq!(pages["experiments"]["rows"], json!(experiments), "{seen}");
    let won = format!(
        "winner {} v{}",
        winner["model"]["name"].as_str().unwrap_or_default(),
        winner["version"]
    );
    assert!(
        pages["ab"]["text"]
            .as_str()
            .is_some_and(|t| t.contains(&won)),
        "the A/B result names {won}: {seen}"
    );
    assert_eq!(pages["endpoints"]["rows"], json!(ids(&endpoints)), "{seen}");
    assert_eq!(
        pages["endpoint"]["rows"],
        json!(ids(&prod["deployments"]["nodes"])),
        "{seen}"
    );
    assert_eq!(pages["admin"]["rows"], json!(ids(&users)), "{seen}");

    assert_eq!(
        seen["phoneOverflow"],
        json!({}),
        "views that scroll sideways on a phone (by how many pixels)"
    );
    assert_eq!(views["error"], "BAD_USER_INPUT", "{seen}");
    // The first view: the shell's `me` and the view's one operation.
    assert_eq!(seen["firstViewRequests"], 2, "{seen}");
    eprintln!(
        "console: first view {} ms, live update {} ms after the ack",
        seen["firstViewMs"], jobs["updateAfterAckMs"]
    );
}

#[tokio::test]
async fn the_console_signs_in_reviews_with_four_eyes_and_signs_out() {
    let base = TestApp::new().await;
    let clock = Clock::system();
    let app = base.with_auth(clock.clone());
    let root = RequestContext {
        actor: Some("test-admin".into()),
        ..RequestContext::default()
    };
    let password = "correct horse battery staple";
    let mut keys = Vec::new();
    use entity::enums::Role;
    for (email, roles) in [
        ("ann@acme.example", &[Role::Editor, Role::Approver][..]),
        ("bob@acme.example", &[Role::Approver][..]),
    ] {
        let user = service::create_user(
            app.db(),
            &clock,
            &root,
            NewUser {
                email: email.into(),
                full_name: None,
                kind: entity::enums::PrincipalKind::User,
                password: Some(password.into()),
                superuser: false,
                grants: Vec::new(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("create user: {e:?}"));
        for role in roles {
            service::grant_role(app.db(), &clock, &root, user.id, "acme.com".into(), *role)
                .await
                .unwrap_or_else(|e| panic!("grant: {e:?}"));
        }
        let key = service::create_api_key(app.db(), &clock, &root, Some(user.id), "k".into(), None)
            .await
            .unwrap_or_else(|e| panic!("key: {e:?}"));
        keys.push(key.token);
    }
    let addr = app.serve().await;
    // Ann registers a version and asks for its promotion.
    let ann = |query: &'static str, variables: Value| {
        let (addr, key) = (addr.clone(), keys[0].clone());
        async move {
            let body: Value = reqwest::Client::new()
                .post(format!("http://{addr}/graphql"))
                .bearer_auth(key)
                .json(&json!({"query": query, "variables": variables}))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .json()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(body.get("errors").is_none(), "{body}");
            body["data"].clone()
        }
    };
    let model = ann(
        "mutation { createModel(input: {ns: \"acme.com\", name: \"reviewed\"}) { id } }",
        json!({}),
    )
    .await["createModel"]["id"]
        .clone();
    let version = ann(
        "mutation($m: ID!) { createModelVersion(input: {modelId: $m, metrics: {auc: 0.9}}) { id } }",
        json!({"m": model}),
    )
    .await["createModelVersion"]["id"]
        .clone();
    let approval = ann(
        "mutation($v: ID!) { requestApproval(input: {modelVersionId: $v, targetStage: PRODUCTION, justification: \"ready\"}) { id } }",
        json!({"v": version}),
    )
    .await["requestApproval"]["id"]
        .clone();

    let seen = browse(json!({
        "mode": "auth",
        "base": format!("http://{addr}"),
        "password": password,
        "requester": {"email": "ann@acme.example"},
        "reviewer": {"email": "bob@acme.example"},
        "approval": approval,
    }))
    .await;
    assert_eq!(seen["signedOut"], 0, "nothing shown before signing in");
    assert_eq!(seen["ownReview"], "FORBIDDEN", "four eyes: {seen}");
    assert_eq!(seen["storedKeys"], json!([]), "no secret in localStorage");
    assert!(
        seen["reviewed"]
            .as_str()
            .is_some_and(|r| r.contains("bob@acme.example") && r.contains("looks good")),
        "{seen}"
    );
    assert_eq!(
        seen["tokenWorked"]["data"]["me"]["user"]["email"],
        "bob@acme.example"
    );
    assert_eq!(seen["afterSignOut"]["stored"], Value::Null);
    assert_eq!(
        seen["afterSignOut"]["api"]["status"], 401,
        "signing out revoked the session: {seen}"
    );
    // The API agrees: approved by bob.
    let status = ann(
        "query($id: ID!) { approval(id: $id) { status reviewedBy reviewComment } }",
        json!({"id": approval}),
    )
    .await;
    assert_eq!(
        status["approval"],
        json!({"status": "APPROVED", "reviewedBy": "bob@acme.example", "reviewComment": "looks good"})
    );
}

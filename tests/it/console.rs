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

use mlgraph::artifacts::service::{ArtifactSettings, Artifacts};
use mlgraph::artifacts::store::{LocalStore, ObjectStore};

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
    // The demo as `serve --demo` makes it: with its files and its validated upload.
    let base = TestApp::new().await;
    let listener = TestApp::bind().await;
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let app = base
        .with_artifacts(Artifacts {
            store: ObjectStore::Local(LocalStore::new(
                crate::harness::temp_dir("console-artifacts"),
                b"console signing key".to_vec(),
                format!("http://{addr}"),
            )),
            settings: ArtifactSettings::default(),
            clock: Clock::system(),
        })
        .with_embedder(crate::embedding::shared().await);
    mlgraph::demo::seed(app.db())
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    let arts = app
        .state
        .artifacts
        .clone()
        .unwrap_or_else(|| panic!("the console's server has an artifact store"));
    mlgraph::demo::seed_artifacts(app.db(), &arts)
        .await
        .unwrap_or_else(|e| panic!("seed artifacts: {e:?}"));
    while mlgraph::prep::uploads::run_once(app.db(), &arts, "console")
        .await
        .unwrap_or_else(|e| panic!("validate the upload: {e:?}"))
    {}
    // What the server's indexer does in the background: the demo's documents embedded,
    // so the console searches by meaning too.
    let embedder = crate::embedding::shared().await;
    while mlgraph::search::embedding::index(app.db(), &embedder, app.state.limits.hnsw, 256)
        .await
        .unwrap_or_else(|e| panic!("embed the demo: {e:?}"))
        > 0
    {}
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
            "{ search(text: \"stolen credit cards\", first: 30, hybrid: true) { nodes { node { id } } } }",
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
    // The model's approvals, newest first, and how many checks they carry.
    let mut model_versions = before.clone();
    model_versions.push(json!(added));
    let model_approvals = app
        .ok(
            "query($v: [ID!]) { approvals(first: 100, filter: {modelVersion: {in: $v}}, orderBy: [{field: CREATED_AT, direction: DESC}]) { nodes { id checks { id } } } }",
            json!({"v": model_versions}),
        )
        .await["approvals"]["nodes"]
        .clone();
    let model_checks: usize = model_approvals
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a["checks"].as_array().map_or(0, Vec::len))
        .sum();
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
    // The uploaded dataset: its EDA report and the schema deduction to accept.
    let uploaded = app
        .ok(
            "{ datasets(filter: {name: {eq: \"chargebacks\"}}) { nodes { id versions(first: 1, orderBy: [{field: VERSION, direction: DESC}]) { nodes {
                schemaDeductions(first: 1) { nodes { id status proposedSchema } }
                edaReports(first: 1) { nodes { status report } } } } } } }",
            json!({}),
        )
        .await["datasets"]["nodes"][0]
        .clone();
    let upload_version = &uploaded["versions"]["nodes"][0];
    let deduction = upload_version["schemaDeductions"]["nodes"][0].clone();
    assert_eq!(deduction["status"], "PROPOSED", "{uploaded}");
    let eda = &upload_version["edaReports"]["nodes"][0];
    assert_eq!(eda["status"], "COMPLETED", "{uploaded}");
    let histograms: Vec<String> = eda["report"]["columnStats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["numeric"].is_object())
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    assert!(!histograms.is_empty(), "{eda}");
    // The demo's MLflow sweep: its runs' curves, as the API answers them.
    let sweep = app
        .ok(
            "{ experiments(first: 1, filter: {name: {eq: \"fraud-lr-sweep\"}}) { nodes { id jobRuns(first: 10) { nodes { name metricHistory(maxPoints: 50) { key logged points { step } } } } } } }",
            json!({}),
        )
        .await["experiments"]["nodes"][0]
        .clone();
    let sweep_runs: Vec<String> = sweep["jobRuns"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(sweep_runs.len(), 3, "{sweep}");
    for run in sweep["jobRuns"]["nodes"].as_array().into_iter().flatten() {
        let keys: Vec<&Value> = run["metricHistory"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| &h["key"])
            .collect();
        assert_eq!(keys, [&json!("loss"), &json!("val_auc")], "{run}");
        assert_eq!(run["metricHistory"][0]["logged"], 30, "{run}");
        assert_eq!(
            run["metricHistory"][0]["points"].as_array().map(Vec::len),
            Some(30)
        );
    }
    app.serve_on(listener).await;
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
        "search": "stolen credit cards",
        "job": {"id": job},
        "eda": {"dataset": uploaded["id"]},
        "curves": {"experiment": sweep["id"]},
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
    assert_eq!(
        views["model"]["approvals"],
        json!(ids(&model_approvals)),
        "{seen}"
    );
    assert!(!ids(&model_approvals).is_empty());
    assert_eq!(views["model"]["checks"], json!(model_checks));
    assert!(model_checks > 0, "the approval's compliance evidence");
    let mut drawn = lineage.clone();
    drawn.push(json!(model_id));
    assert_eq!(
        views["model"]["graph"],
        json!(sorted(drawn)),
        "the model's lineage graph"
    );
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
    assert!(
        !search.is_empty(),
        "found by meaning: no demo text says 'stolen'"
    );
    assert!(
        views["searchMode"]
            .as_str()
            .is_some_and(|m| m.contains("by meaning")),
        "{seen}"
    );
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

    // The EDA report as charts: the missing values and one histogram per numeric column.
    let charts: Vec<String> = views["eda"]["charts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        charts.len(),
        histograms.len() + 1,
        "{charts:?} for {histograms:?}"
    );
    assert!(charts[0].starts_with("Missing values"), "{charts:?}");
    for (chart, column) in charts[1..].iter().zip(&histograms) {
        assert!(
            chart.starts_with(&format!("{column}: histogram")),
            "{chart}"
        );
    }
    assert_eq!(
        views["eda"]["correlations"].as_u64().map(|n| n as usize),
        eda["report"]["correlations"].as_array().map(Vec::len)
    );
    // The proposed schema as a table of its columns.
    let columns: Vec<Value> = deduction["proposedSchema"]["columns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(views["eda"]["schema"], json!(columns), "{seen}");
    assert_eq!(columns.len(), 6);
    // Accepted in the browser, accepted in the API.
    assert_eq!(views["eda"]["deduction"], "ACCEPTED", "{seen}");
    let decided = app
        .ok(
            "query($id: ID!) { node(id: $id) { ... on SchemaDeduction { status } } }",
            json!({"id": deduction["id"]}),
        )
        .await;
    assert_eq!(decided["node"]["status"], "ACCEPTED");
    // The sweep's curves: one chart per metric, a line per run.
    assert_eq!(
        views["curves"]["charts"],
        json!(["loss over steps", "val_auc over steps"]),
        "{seen}"
    );
    for legend in views["curves"]["legends"].as_array().into_iter().flatten() {
        for run in &sweep_runs {
            assert!(
                legend.to_string().contains(run.as_str()),
                "{run} in {legend}"
            );
        }
    }

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

/// The console's and GraphiQL's files go gzipped to a browser (a third of the bytes or
/// less for the scripts), the same bytes once inflated, each form with its own ETag that
/// revalidates to a bodiless 304; a client that takes no gzip gets the files as they are.
#[tokio::test]
async fn the_console_files_are_gzipped_for_browsers_and_revalidate() {
    use std::io::Read;
    let app = TestApp::new().await;
    let addr = app.serve().await;
    let client = reqwest::Client::new();
    let (mut plain_total, mut zipped_total) = (0, 0);
    for path in [
        "/",
        "/assets/console.js",
        "/assets/console.css",
        "/assets/console-graph.js",
        "/playground/graphiql.min.js",
    ] {
        let url = format!("http://{addr}{path}");
        let plain = client
            .get(&url)
            .header("accept-encoding", "identity")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plain.status(), 200, "{path}");
        assert!(plain.headers().get("content-encoding").is_none(), "{path}");
        let plain_tag = plain.headers()["etag"].clone();
        let plain = plain.bytes().await.unwrap_or_default();
        let zipped = client
            .get(&url)
            .header("accept-encoding", "gzip, deflate, br, zstd")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(zipped.headers()["content-encoding"], "gzip", "{path}");
        assert_eq!(zipped.headers()["vary"], "accept-encoding", "{path}");
        let tag = zipped.headers()["etag"].clone();
        assert_ne!(tag, plain_tag, "{path}: one tag per form");
        let zipped = zipped.bytes().await.unwrap_or_default();
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(&zipped[..])
            .read_to_end(&mut inflated)
            .unwrap_or_else(|e| panic!("{path}: not gzip: {e}"));
        assert_eq!(inflated, plain, "{path}");
        assert!(zipped.len() < plain.len(), "{path}");
        if path.ends_with(".js") {
            plain_total += plain.len();
            zipped_total += zipped.len();
        }
        let again = client
            .get(&url)
            .header("accept-encoding", "gzip")
            .header("if-none-match", tag)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.unwrap_or_default().is_empty());
    }
    assert!(
        zipped_total * 3 < plain_total,
        "scripts: {zipped_total} bytes gzipped of {plain_total}"
    );
}

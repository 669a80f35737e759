//! The planner (`gql::plan`): a plain selection of a top-level list is answered by one
//! statement, and its answer is exactly the resolvers' (compared field for field with the
//! planner turned off on the same database); anything else falls back to the resolvers.

use mlgraph::core::context::{RequestContext, Scope};
use serde_json::{Value, json};

use crate::harness::{TestApp, create_endpoint, create_model, create_version, deploy};

/// A registry touching every field the planner reads: workflows, models with versions
/// (parents, training jobs), endpoints in two namespaces, deployments, predictions,
/// datasets with versions, experiments and training jobs.
async fn fixture(app: &TestApp) {
    let wf = app
        .ok(
            r#"mutation { createWorkflow(input: {ns: "acme.com", name: "etl", description: "nightly", config: {steps: [1, 2]}}) { id } }"#,
            json!({}),
        )
        .await["createWorkflow"]["id"]
        .clone();
    let ds = app
        .ok(
            "mutation($w: ID) { createDataset(input: {ns: \"acme.com\", name: \"cards\", dataType: TABULAR, format: \"csv\", workflowId: $w}) { id } }",
            json!({"w": wf}),
        )
        .await["createDataset"]["id"]
        .clone();
    let mut dvs = Vec::new();
    for rows in [10, 20] {
        let dv = app
            .ok(
                "mutation($d: ID!, $r: Int) { createDatasetVersion(input: {datasetId: $d, storageUri: \"s3://b/c.csv\", rowCount: $r, schema: {a: \"int\"}, split: TRAIN}) { id } }",
                json!({"d": ds, "r": rows}),
            )
            .await["createDatasetVersion"]["id"]
            .clone();
        dvs.push(dv);
    }
    let exp = app
        .ok(
            "mutation($w: ID) { createExperiment(input: {ns: \"acme.com\", name: \"sweep\", experimentType: HYPERPARAMETER_TUNING, config: {lr: 0.1}, workflowId: $w}) { id } }",
            json!({"w": wf}),
        )
        .await["createExperiment"]["id"]
        .clone();

    let prod = create_endpoint(app, "acme.com", "prod", "PRODUCTION").await;
    let staging = create_endpoint(app, "acme.com", "staging", "STAGING").await;
    let elsewhere = create_endpoint(app, "other.com", "theirs", "PRODUCTION").await;
    for m in 0..3 {
        let model = app
            .ok(
                "mutation($n: String!, $w: ID) { createModel(input: {ns: \"acme.com\", name: $n, task: \"classification\", workflowId: $w}) { id } }",
                json!({"n": format!("model-{m}"), "w": if m == 0 { wf.clone() } else { Value::Null }}),
            )
            .await["createModel"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let job = app
            .ok(
                "mutation($m: ID, $d: ID, $e: ID) { createTrainingJob(input: {ns: \"acme.com\", name: \"train\", modelId: $m, datasetVersionId: $d, experimentId: $e, priority: 3, config: {epochs: 2}}) { id } }",
                json!({"m": model, "d": dvs[m % 2], "e": if m == 1 { exp.clone() } else { Value::Null }}),
            )
            .await["createTrainingJob"]["id"]
            .clone();
        let mut parent = Value::Null;
        for v in 0..3 {
            let version = app
                .ok(
                    "mutation($m: ID!, $p: ID, $j: ID) { createModelVersion(input: {modelId: $m, artifactUri: \"s3://b/m\", sizeBytes: 123, metrics: {auc: 0.5}, params: {depth: 3}, parentVersionId: $p, trainingJobId: $j}) { id } }",
                    json!({"m": model, "p": parent, "j": if v == 0 { job.clone() } else { Value::Null }}),
                )
                .await["createModelVersion"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let endpoint = [&prod, &staging][(m + v) % 2];
            deploy(app, &version, endpoint, 40).await;
            for (i, latency) in [Value::from(3.0), json!(12.5), Value::Null]
                .iter()
                .enumerate()
            {
                if v == 0 {
                    app.ok(
                        "mutation($e: ID!, $v: ID, $l: Float) { createPrediction(input: {endpointId: $e, modelVersionId: $v, input: {x: [1, 2]}, output: {y: 1}, latencyMs: $l, confidence: 0.75}) { id } }",
                        json!({"e": prod, "v": if i == 2 { Value::Null } else { version.clone().into() }, "l": latency}),
                    )
                    .await;
                }
            }
            parent = version.into();
        }
    }
    // A model with one version, and another namespace's model deployed there.
    let lone = create_model(app, "acme.com", "model-lone").await;
    create_version(app, &lone).await;
    // Column names as validation writes them, and one list that is not of strings.
    use sea_orm::ConnectionTrait;
    app.db()
        .execute_unprepared(
            "UPDATE dataset_versions SET column_names = CASE version WHEN 1 THEN '[\"amount\", \"label\"]'::jsonb ELSE '[1, 2]'::jsonb END",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let theirs = create_model(app, "other.com", "their-model").await;
    let version = create_version(app, &theirs).await;
    deploy(app, &version, &elsewhere, 100).await;
}

/// Runs `query` with the planner on and off, as `rc`: both answers must be the same, and
/// with the planner on it must have cost `planned` statements (one per top-level field:
/// it was planned), or, with `None`, more (it fell back). Returns the answer.
async fn same_both_ways(
    app: &TestApp,
    rc: RequestContext,
    query: &str,
    vars: Value,
    planned: Option<u64>,
) -> Value {
    let off = app.with_limits(|l| l.planner = false);
    let expected = off.gql_as(rc.clone(), query, vars.clone()).await;
    let before = app.statements().get();
    let got = app.gql_as(rc, query, vars).await;
    let used = app.statements().get() - before;
    assert_eq!(
        got, expected,
        "planned and resolved answers differ for {query}"
    );
    // Keys in the same order too (maps compare equal in any order).
    assert_eq!(
        got.to_string(),
        expected.to_string(),
        "order differs for {query}"
    );
    match planned {
        Some(n) => assert_eq!(used, n, "statements for a planned query: {query}"),
        None => assert!(used > 1, "{query} should have fallen back, used {used}"),
    }
    got
}

fn caller() -> RequestContext {
    RequestContext {
        actor: Some("tester".into()),
        ..RequestContext::default()
    }
}

const MODELS: &str = r#"{ models(orderBy: [{field: NAME}]) {
  __typename totalCount
  pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
  edges { __typename cursor node {
    __typename id ns name description task framework status latestVersionNumber createdBy
    createdAt updatedAt tags riskClass humanOversight intendedPurpose
    workflow { id name description status config createdBy createdAt updatedAt ns }
    trainingJobs { totalCount nodes { name } }
    versions(first: 2, orderBy: [{field: VERSION}]) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
      nodes {
        id ns version stage metrics params tags artifactUri checksum sizeBytes createdBy
        createdAt updatedAt
        model { name } parent { id version } trainingJob { name priority }
        derivedVersions { totalCount nodes { version } }
        predictions(first: 2) { totalCount nodes { latencyMs } }
        deployments { edges { node {
          id ns trafficPercent minReplicas maxReplicas machineType status createdBy createdAt
          updatedAt
          endpoint { id ns name description environment region url status createdBy createdAt updatedAt }
          modelVersion { version }
        } } }
      }
    }
  } }
} }"#;

#[tokio::test]
async fn a_plain_nested_list_is_one_statement_with_the_resolvers_answer() {
    let app = TestApp::new().await;
    fixture(&app).await;

    let data = same_both_ways(&app, caller(), MODELS, json!({}), Some(1)).await;
    let models = &data["data"]["models"];
    assert_eq!(models["totalCount"], 5);
    assert_eq!(models["edges"][0]["node"]["name"], "model-0");
    assert_eq!(models["edges"][0]["node"]["workflow"]["name"], "etl");
    assert_eq!(models["edges"][1]["node"]["workflow"], Value::Null);
    let versions = &models["edges"][0]["node"]["versions"];
    assert_eq!(versions["totalCount"], 3);
    assert_eq!(versions["pageInfo"]["hasNextPage"], true);
    assert_eq!(versions["nodes"][1]["parent"]["version"], 1);
    assert_eq!(versions["nodes"][0]["predictions"]["totalCount"], 2);
    assert_eq!(
        versions["nodes"][0]["predictions"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        versions["nodes"][0]["deployments"]["edges"][0]["node"]["endpoint"]["environment"],
        "PRODUCTION"
    );

    // Predictions, with floats that are whole numbers, null versions and filtered counts.
    let q = r#"{ endpoints(orderBy: [{field: NAME}]) { nodes { name
        predictions(first: 4, orderBy: [{field: LATENCY_MS, direction: DESC}]) {
          totalCount
          edges { node { id ns latencyMs confidence status input output completedAt createdAt updatedAt
            endpoint { name } modelVersion { version } } } }
        slow: predictions(filter: {latencyMs: {gt: 5}}) { totalCount }
        deployments(first: 1) { totalCount pageInfo { hasNextPage } }
      } } }"#;
    let data = same_both_ways(&app, caller(), q, json!({}), Some(1)).await;
    let prod = &data["data"]["endpoints"]["nodes"][0];
    assert_eq!(prod["name"], "prod");
    assert_eq!(prod["predictions"]["totalCount"], 9);
    assert_eq!(prod["slow"]["totalCount"], 3);

    // Training jobs, datasets, experiments and workflows, every field the planner reads.
    let q = r#"{ trainingJobs(orderBy: [{field: CREATED_AT}]) { nodes {
          id ns name status priority progress currentStep config worker heartbeatAt startedAt
          finishedAt error traceback revision createdBy createdAt updatedAt pipelineSnapshot
          experiment { name experimentType status config description createdAt }
          model { name }
          datasetVersion { version rowCount numRows dataset { name dataType format } }
          producedVersions { totalCount nodes { version } }
        } } }"#;
    same_both_ways(&app, caller(), q, json!({}), Some(1)).await;
    let q = r#"{ datasets { nodes {
          id ns name description dataType format storageUri latestVersionNumber personalData
          legalBasis retentionDays erasureRequestedAt createdBy createdAt updatedAt
          workflow { name }
          versions(orderBy: [{field: VERSION}]) { totalCount nodes {
            id ns version storageUri sizeBytes sha256 rowCount numRows numColumns columnNames schema split
            uploadStatus contentType validationErrors sourceVersion createdBy createdAt updatedAt
            dataset { name }
            trainingJobs { totalCount nodes { name model { name } } }
          } }
        } } }"#;
    let data = same_both_ways(&app, caller(), q, json!({}), Some(1)).await;
    let versions = &data["data"]["datasets"]["nodes"][0]["versions"];
    assert_eq!(versions["nodes"][0]["trainingJobs"]["totalCount"], 2);
    assert_eq!(
        versions["nodes"][0]["columnNames"],
        json!(["amount", "label"])
    );
    assert_eq!(versions["nodes"][1]["columnNames"], Value::Null);
    let q = r#"{ workflows { nodes { name status config
          datasets { nodes { name } } models { totalCount nodes { name } }
          experiments { nodes { name trainingJobs { nodes { name } } } } } }
        experiments { nodes { name workflow { name } } } }"#;
    same_both_ways(&app, caller(), q, json!({}), Some(2)).await;
    // One root field at a time: each is one statement.
    for q in [
        "{ deployments(first: 5, offset: 2) { totalCount nodes { trafficPercent endpoint { name } modelVersion { version model { name } } } } }",
        "{ predictions(first: 3, filter: {latencyMs: {gt: 1}}) { totalCount nodes { latencyMs modelVersion { version } } } }",
        "{ modelVersions(first: 4, orderBy: [{field: VERSION, direction: DESC}]) { edges { cursor node { version model { name } } } } }",
        "{ datasetVersions { totalCount nodes { version dataset { name } } } }",
        "{ models(filter: {name: {eq: \"nope\"}}) { totalCount pageInfo { startCursor endCursor hasNextPage hasPreviousPage } edges { node { id } } nodes { name } } }",
    ] {
        same_both_ways(&app, caller(), q, json!({}), Some(1)).await;
    }
}

#[tokio::test]
async fn variables_fragments_aliases_and_cursors_are_planned_like_the_resolvers() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let q = r#"query($after: String, $n: Int = 2, $order: [ModelVersionOrder!]) {
      page: models(first: $n, after: $after, orderBy: {field: NAME}) {
        pageInfo { endCursor hasNextPage hasPreviousPage }
        edges { ...Edge }
        again: nodes { name }
      }
    }
    fragment Edge on ModelEdge { cursor node { ...M } }
    fragment M on Model {
      ... on Node { id }
      name
      v: versions(first: 1, orderBy: $order) { edges { node { ... on ModelVersion { version } } } }
      ... { status }
    }"#;
    let first = same_both_ways(&app, caller(), q, json!({}), Some(1)).await;
    let page = &first["data"]["page"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["again"][1]["name"], "model-1");
    let cursor = page["pageInfo"]["endCursor"].clone();
    let vars =
        json!({"after": cursor, "n": 3, "order": [{"field": "VERSION", "direction": "DESC"}]});
    let next = same_both_ways(&app, caller(), q, vars, Some(1)).await;
    let page = &next["data"]["page"];
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(page["edges"][0]["node"]["name"], "model-2");
    assert_eq!(
        page["edges"][0]["node"]["v"]["edges"][0]["node"]["version"],
        3
    );
}

#[tokio::test]
async fn what_the_planner_does_not_know_falls_back_to_the_resolvers() {
    let app = TestApp::new().await;
    fixture(&app).await;
    for q in [
        // A field with logic of its own (aliases of a version).
        "{ models { nodes { name versions { nodes { version aliases } } } } }",
        // Graph fields.
        "{ models { nodes { name versions { nodes { version } } history { totalCount } } } }",
        // Graph fields through the interface, a repeated key.
        "{ models { nodes { ... on Node { id history { totalCount } } versions { nodes { version } } } } }",
        "{ models { nodes { name versions { nodes { version } } versions { nodes { stage } } } } }",
        // A tail page.
        "{ models(last: 2) { nodes { name versions { nodes { version } } } } }",
        "{ models { nodes { name versions(last: 1) { nodes { version } } } } }",
    ] {
        let data = same_both_ways(&app, caller(), q, json!({}), None).await;
        assert!(data.get("errors").is_none(), "{data:#}");
    }
    // `@skip` and `@include` are applied before any field runs: still planned.
    let q = "query($s: Boolean!) { models(orderBy: {field: NAME}) { nodes { name @include(if: $s) status @skip(if: $s) versions { nodes { version } } } } }";
    let data = same_both_ways(&app, caller(), q, json!({"s": true}), Some(1)).await;
    assert_eq!(data["data"]["models"]["nodes"][0]["name"], "model-0");
    assert!(
        data["data"]["models"]["nodes"][0].get("status").is_none(),
        "{data:#}"
    );
    // On fragments too, read from the request's one view of the operation as the
    // executor reads them: a condition's variable left to its default counts as false in
    // async-graphql 7 (it reads the variables sent only), so `...N` is left out both ways.
    let q = "query($s: Boolean! = true) { models(orderBy: {field: NAME}) { nodes { ...N @include(if: $s) ... on Model @skip(if: false) { status } versions { nodes { version } } } } } fragment N on Model { name }";
    let data = same_both_ways(&app, caller(), q, json!({}), Some(1)).await;
    let first = &data["data"]["models"]["nodes"][0];
    assert!(first.get("name").is_none(), "{data:#}");
    assert!(first["status"].is_string(), "{data:#}");
    let data = same_both_ways(&app, caller(), q, json!({"s": true}), Some(1)).await;
    assert_eq!(data["data"]["models"]["nodes"][0]["name"], "model-0");

    // Bad arguments are the resolvers' errors, whichever path.
    for q in [
        "{ models(first: 0) { nodes { name } } }",
        "{ models { nodes { name versions(first: 0) { nodes { version } } } } }",
        "{ models { nodes { versions(after: \"nonsense\") { nodes { version } } } } }",
    ] {
        let off = app.with_limits(|l| l.planner = false);
        let expected = off.gql(q, json!({})).await;
        let got = app.gql(q, json!({})).await;
        assert_eq!(got, expected);
        assert_eq!(
            got["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{got:#}"
        );
    }
}

#[tokio::test]
async fn a_planned_statement_reads_only_what_the_caller_may_see() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let acme_only = RequestContext {
        actor: Some("tester".into()),
        scope: Scope::editor_of(["acme.com"]),
        ..RequestContext::default()
    };
    let q = r#"{ deployments { totalCount nodes { ns endpoint { ns name } } }
                 endpoints { nodes { ns name } } }"#;
    let everyone = app.gql_as(caller(), q, json!({})).await;
    let all: Vec<Value> = everyone["data"]["endpoints"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(all.iter().any(|e| e["ns"] == "other.com"), "{everyone:#}");

    let data = same_both_ways(&app, acme_only.clone(), q, json!({}), Some(2)).await;
    let text = data.to_string();
    assert!(!text.contains("other.com"), "{data:#}");
    assert!(text.contains("acme.com"), "{data:#}");
    let q = r#"{ models { totalCount nodes { name versions { nodes { deployments { nodes { ns endpoint { name } } } } } } } }"#;
    let data = same_both_ways(&app, acme_only, q, json!({}), Some(1)).await;
    assert_eq!(data["data"]["models"]["totalCount"], 4);
    assert!(!data.to_string().contains("their"), "{data:#}");
}

/// A planned nested page reads the page, not the parent's children: with 10,000
/// predictions on one endpoint, the statement planned for `endpoints { predictions(first:
/// 5) }` reads a handful of predictions (an index range scan stopped after each page),
/// also with an unfiltered `totalCount` (read from the rollups); a filtered count scans.
#[tokio::test]
async fn a_planned_nested_page_reads_the_page_not_every_child() {
    use mlgraph::core::paging::Window;
    use mlgraph::core::store::ListSpec;
    use mlgraph::gql::operation::View;
    use mlgraph::gql::plan::plan_list;
    use sea_orm::ConnectionTrait;

    let app = TestApp::new().await;
    let busy = create_endpoint(&app, "acme.com", "busy", "PRODUCTION").await;
    create_endpoint(&app, "acme.com", "quiet", "STAGING").await;
    let uuid = mlgraph::core::ids::decode(&busy)
        .map(|(_, u)| u)
        .unwrap_or_default();
    app.db()
        .execute_unprepared(&format!(
            "INSERT INTO predictions (id, ns, endpoint_id, input, status, latency_ms, created_at, updated_at)
             SELECT gen_random_uuid(), 'acme.com', '{uuid}', '{{}}', 'COMPLETED', i % 100, now() - i * interval '1 second', now()
             FROM generate_series(1, 10000) i;
             ANALYZE predictions"
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let explain = |query: &'static str| {
        let app = &app;
        async move {
            let doc = async_graphql::parser::parse_query(query).unwrap_or_else(|e| panic!("{e}"));
            let variables = async_graphql::Variables::default();
            let view = View::new(&doc, &mlgraph::schema::request::registry(), &variables);
            let Some(field) = view
                .operation(None)
                .and_then(|op| op.selection.fields.first())
            else {
                panic!("one operation with a field")
            };
            let spec = ListSpec::new(
                sea_orm::Condition::all(),
                mlgraph::serving::EndpointOrder::keys(None),
            );
            let plan = plan_list::<entity::endpoint::Entity>(
                field,
                &RequestContext::default(),
                &mlgraph::Limits::default(),
                &spec,
                Window::Forward {
                    start: 0,
                    limit: 20,
                },
            )
            .unwrap_or_else(|| panic!("{query} was not planned"));
            crate::batching::explained_rows_read(app, plan.statement(), "predictions").await
        }
    };
    let read = explain("{ endpoints { nodes { predictions(first: 5) { nodes { id } } } } }").await;
    assert!(read <= 20.0, "two pages of 5 read {read} predictions");
    let read = explain(
        "{ endpoints { nodes { predictions(first: 5) { totalCount pageInfo { hasNextPage } nodes { id } } } } }",
    )
    .await;
    assert!(read <= 20.0, "counted pages read {read} predictions");
    let read = explain(
        "{ endpoints { nodes { predictions(first: 5, filter: {latencyMs: {gte: 0}}) { totalCount } } } }",
    )
    .await;
    assert!(
        read >= 10_000.0,
        "a filtered count read only {read} predictions"
    );

    // Through the API: the same pages, one statement.
    let q = "{ endpoints(orderBy: {field: NAME}) { nodes { name predictions(first: 5) { totalCount pageInfo { hasNextPage } nodes { id } } } } }";
    let data = same_both_ways(&app, caller(), q, json!({}), Some(1)).await;
    let busy = &data["data"]["endpoints"]["nodes"][0]["predictions"];
    assert_eq!(busy["totalCount"], 10_000);
    assert_eq!(busy["nodes"].as_array().map(Vec::len), Some(5));
    assert_eq!(busy["pageInfo"]["hasNextPage"], true);
}

/// A top-level node by id or by name, with its tree, is one statement too; a missing one
/// (or one outside the caller's scope) is the resolvers' `NOT_FOUND`.
#[tokio::test]
async fn a_plain_node_with_its_tree_is_one_statement() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let ids = app
        .ok(
            "{ models(orderBy: {field: NAME}, first: 1) { nodes { id versions(first: 1, orderBy: {field: VERSION}) { nodes { id trainingJob { id } deployments { nodes { id endpoint { id } } } } } } }
               predictions(first: 1) { nodes { id } } datasets { nodes { id versions(first: 1) { nodes { id } } } } workflows { nodes { id } } experiments { nodes { id } } }",
            json!({}),
        )
        .await;
    let model = &ids["models"]["nodes"][0];
    let version = &model["versions"]["nodes"][0];
    let deployment = &version["deployments"]["nodes"][0];
    let cases = [
        (
            "query($id: ID!) { model(id: $id) { __typename id name status versions { totalCount nodes { version stage deployments { nodes { endpoint { name } } } } } } }",
            model["id"].clone(),
        ),
        (
            "query($id: ID!) { modelVersion(id: $id) { version model { name } trainingJob { name } derivedVersions { nodes { version } } } }",
            version["id"].clone(),
        ),
        (
            "query($id: ID!) { trainingJob(id: $id) { name status model { name } datasetVersion { version } producedVersions { nodes { version } } } }",
            version["trainingJob"]["id"].clone(),
        ),
        (
            "query($id: ID!) { deployment(id: $id) { trafficPercent endpoint { name } modelVersion { version } } }",
            deployment["id"].clone(),
        ),
        (
            "query($id: ID!) { endpoint(id: $id) { name predictions(first: 2) { totalCount nodes { latencyMs } } deployments { totalCount } } }",
            deployment["endpoint"]["id"].clone(),
        ),
        (
            "query($id: ID!) { prediction(id: $id) { latencyMs endpoint { name } modelVersion { version } } }",
            ids["predictions"]["nodes"][0]["id"].clone(),
        ),
        (
            "query($id: ID!) { dataset(id: $id) { name versions { nodes { version trainingJobs { totalCount } } } } }",
            ids["datasets"]["nodes"][0]["id"].clone(),
        ),
        (
            "query($id: ID!) { datasetVersion(id: $id) { version dataset { name } } }",
            ids["datasets"]["nodes"][0]["versions"]["nodes"][0]["id"].clone(),
        ),
        (
            "query($id: ID!) { workflow(id: $id) { name models { nodes { name } } datasets { totalCount } } }",
            ids["workflows"]["nodes"][0]["id"].clone(),
        ),
        (
            "query($id: ID!) { experiment(id: $id) { name trainingJobs { nodes { name } } } }",
            ids["experiments"]["nodes"][0]["id"].clone(),
        ),
    ];
    for (q, id) in cases {
        let data = same_both_ways(&app, caller(), q, json!({"id": id}), Some(1)).await;
        assert!(data.get("errors").is_none(), "{data:#}");
        assert!(data["data"].as_object().is_some_and(|d| !d.is_empty()));
    }
    // `node(id:)`: the fragments on its type apply, those on other node types do not.
    let q = "query($id: ID!) { node(id: $id) { __typename id ... on Model { name versions { totalCount } } ... on Dataset { dataType } ...D } } fragment D on DatasetVersion { version }";
    let data = same_both_ways(&app, caller(), q, json!({"id": model["id"]}), Some(1)).await;
    assert_eq!(data["data"]["node"]["__typename"], "Model");
    assert_eq!(data["data"]["node"]["versions"]["totalCount"], 3);
    assert!(data["data"]["node"].get("dataType").is_none(), "{data:#}");
    let q = "query($id: ID!) { node(id: $id) { __typename ... on Node { id } ... on DatasetVersion { version dataset { name } } } }";
    let dv = ids["datasets"]["nodes"][0]["versions"]["nodes"][0]["id"].clone();
    same_both_ways(&app, caller(), q, json!({"id": dv}), Some(1)).await;
    // Graph fields through the interface, a type the planner does not know: resolved.
    let q = "query($id: ID!) { node(id: $id) { id upstream { totalCount } ... on Model { versions { totalCount } } } }";
    same_both_ways(&app, caller(), q, json!({"id": model["id"]}), None).await;

    let by_name = "{ model(ns: \"acme.com\", name: \"model-1\") { name versions { totalCount } } dataset(ns: \"acme.com\", name: \"cards\") { name } }";
    let data = same_both_ways(&app, caller(), by_name, json!({}), Some(2)).await;
    assert_eq!(data["data"]["model"]["versions"]["totalCount"], 3);

    // Missing, or outside the caller's scope: NOT_FOUND either way.
    let elsewhere = RequestContext {
        actor: Some("tester".into()),
        scope: Scope::editor_of(["other.com"]),
        ..RequestContext::default()
    };
    let q = "query($id: ID!) { model(id: $id) { name versions { totalCount } } }";
    let missing =
        mlgraph::core::ids::encode(mlgraph::core::ids::NodeType::Model, Default::default());
    for (rc, id) in [(caller(), json!(missing)), (elsewhere, model["id"].clone())] {
        let off = app.with_limits(|l| l.planner = false);
        let expected = off.gql_as(rc.clone(), q, json!({"id": id})).await;
        let got = app.gql_as(rc, q, json!({"id": id})).await;
        assert_eq!(got, expected);
        assert_eq!(
            got["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{got:#}"
        );
    }
}

/// Every field of every node type's declaration (`gql::declare`), read through
/// `node(id:)` with the planner on and off: the same answer, from one statement. The
/// list of fields is the declaration's own, so a field added to a declaration is
/// compared here without touching this test.
#[tokio::test]
async fn every_declared_field_of_every_type_reads_the_same_planned_and_resolved() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::new().await;
    fixture(&app).await;
    mlgraph::demo::seed(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    every_other_type(&app).await;
    let mut uncovered = Vec::new();
    let mut compared = 0;
    for (object, table, decl) in mlgraph::gql::declare::declarations() {
        let mut fields: Vec<String> = decl.columns.iter().map(|c| (*c).to_owned()).collect();
        fields.extend(
            decl.references
                .iter()
                .map(|r| format!("{r} {{ __typename id }}")),
        );
        fields.extend(
            decl.children
                .iter()
                .map(|c| format!("{c}(first: 3) {{ totalCount nodes {{ __typename id }} }}")),
        );
        let query = format!(
            "query($id: ID!) {{ node(id: $id) {{ __typename id ... on {object} {{ {} }} }} }}",
            fields.join(" ")
        );
        let rows = app
            .db()
            .query_all_raw(Statement::from_string(
                app.db().get_database_backend(),
                format!("SELECT id::text AS id FROM {table} ORDER BY id LIMIT 3"),
            ))
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        if rows.is_empty() {
            uncovered.push(object);
        }
        let ty = mlgraph::core::ids::NodeType::from_name(object)
            .unwrap_or_else(|| panic!("{object} is not a node type"));
        for row in rows {
            let id: String = row.try_get("", "id").unwrap_or_else(|e| panic!("{e}"));
            let id = uuid::Uuid::parse_str(&id).unwrap_or_else(|e| panic!("{e}"));
            let gid = mlgraph::core::ids::encode(ty, id);
            let got = same_both_ways(&app, caller(), &query, json!({"id": gid}), Some(1)).await;
            assert_eq!(got["data"]["node"]["__typename"], object, "{got}");
            assert_eq!(got["data"]["node"]["id"], gid.as_str(), "{got}");
            compared += 1;
        }
    }
    assert_eq!(
        uncovered,
        Vec::<&str>::new(),
        "types without a row to compare"
    );
    assert!(compared >= 50, "compared {compared} nodes");
}

/// Rows of the types neither `fixture` nor the demo has: an explicit edge, a pipeline, a
/// proposed schema, a policy with an approval and its checks, a security finding, an
/// OpenLineage run, artifacts (local store) and an EDA report.
async fn every_other_type(app: &TestApp) {
    use mlgraph::artifacts::service::{ArtifactSettings, Artifacts};
    use mlgraph::artifacts::store::LocalStore;
    use mlgraph::artifacts::store::ObjectStore;
    use sea_orm::{ActiveModelTrait, Set};
    let model = create_model(app, "acme.com", "governed").await;
    let version = create_version(app, &model).await;
    let ds = app
        .ok(
            "mutation { createDataset(input: {ns: \"acme.com\", name: \"eval\", dataType: TABULAR}) { id } }",
            json!({}),
        )
        .await["createDataset"]["id"]
        .clone();
    let dv = app
        .ok(
            "mutation($d: ID!) { createDatasetVersion(input: {datasetId: $d, storageUri: \"s3://b/e.csv\"}) { id } }",
            json!({"d": ds}),
        )
        .await["createDatasetVersion"]["id"]
        .clone();
    app.ok(
        "mutation($v: ID!, $d: ID!) { link(source: $v, kind: \"evaluatedOn\", target: $d, properties: {demographicParityDifference: 0.02}) { id } }",
        json!({"v": version, "d": ds}),
    )
    .await;
    app.ok(
        "mutation($d: ID!) { createPipeline(input: {ns: \"acme.com\", name: \"prep\", datasetId: $d, status: DRAFT}) { id } }",
        json!({"d": ds}),
    )
    .await;
    app.ok(
        "mutation($v: ID!) { proposeSchemaDeduction(input: {datasetVersionId: $v, proposedSchema: {columns: [{name: \"a\", type: \"int64\", nullable: false}]}, confidence: 0.9, agentVersion: \"agent-1\"}) { id } }",
        json!({"v": dv}),
    )
    .await;
    app.ok(
        "mutation { setGovernancePolicy(input: {ns: \"acme.com\", requireApprovalFor: [PRODUCTION], checks: [{check: EU_AI_ACT, blocking: true}, {check: FAIRNESS, blocking: false}], approvalTtlHours: 2}) { version } }",
        json!({}),
    )
    .await;
    app.ok(
        "mutation($v: ID!) { requestApproval(input: {modelVersionId: $v, targetStage: PRODUCTION, justification: \"ready\"}) { id } }",
        json!({"v": version}),
    )
    .await;
    app.ok(
        "mutation($v: ID!) { recordSecurityFinding(input: {modelVersionId: $v, severity: HIGH, description: \"pickle\"}) { id } }",
        json!({"v": version}),
    )
    .await;
    let event = mlgraph::ingest::openlineage::parse(json!({
        "eventType": "COMPLETE",
        "eventTime": "2026-12-01T10:00:00Z",
        "producer": "https://example.com/producer",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0193a5f4-0000-7000-8000-000000000001"},
        "job": {"namespace": "acme.com", "name": "nightly"},
        "inputs": [{"namespace": "acme.com", "name": "raw"}],
        "outputs": [{"namespace": "acme.com", "name": "clean"}],
    }))
    .unwrap_or_else(|e| panic!("{e:?}"));
    mlgraph::ingest::openlineage::record(app.db(), &caller(), Some("acme.com"), &event)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let dir = crate::harness::temp_dir("plan-artifacts");
    let arts = Artifacts {
        store: ObjectStore::Local(LocalStore::new(
            dir,
            b"plan key".to_vec(),
            "http://127.0.0.1:9".to_owned(),
        )),
        settings: ArtifactSettings::default(),
        clock: mlgraph::core::clock::Clock::system(),
    };
    mlgraph::demo::seed_artifacts(app.db(), &arts)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let (_, ds_id) = mlgraph::core::ids::decode(ds.as_str().unwrap_or_default())
        .unwrap_or_else(|| panic!("{ds}"));
    let (_, dv_id) = mlgraph::core::ids::decode(dv.as_str().unwrap_or_default())
        .unwrap_or_else(|| panic!("{dv}"));
    let now = chrono::Utc::now();
    entity::eda_report::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        ns: Set("acme.com".into()),
        dataset_id: Set(ds_id),
        dataset_version_id: Set(Some(dv_id)),
        summary: Set(json!({"rows": 3, "columns": 1})),
        report_size_bytes: Set(Some(42)),
        storage_location: Set(Some(entity::enums::ReportStorage::Postgres)),
        full_report: Set(Some(json!({"columns": {"a": {"missing": 0}}}))),
        s3_bucket: Set(None),
        s3_key: Set(None),
        artifact_id: Set(None),
        report_version: Set("1".into()),
        generation_seconds: Set(Some(0.25)),
        status: Set(entity::enums::EdaReportStatus::Completed),
        error: Set(None),
        created_by: Set(Some("tester".into())),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(app.db())
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
}

/// `orderBy: ID` on every list: creation order (ids are time-ordered), planned and
/// resolved alike.
#[tokio::test]
async fn order_by_id_is_creation_order_planned_and_resolved() {
    let app = TestApp::new().await;
    for name in ["c", "a", "b"] {
        create_model(&app, "acme.com", name).await;
    }
    let names = |data: &Value| -> Vec<String> {
        data["data"]["models"]["nodes"]
            .as_array()
            .map(|n| {
                n.iter()
                    .filter_map(|m| m["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (direction, expected) in [("ASC", ["c", "a", "b"]), ("DESC", ["b", "a", "c"])] {
        let q = format!(
            "{{ models(orderBy: [{{field: ID, direction: {direction}}}]) {{ totalCount nodes {{ name versions {{ totalCount }} }} }} }}"
        );
        let data = same_both_ways(&app, caller(), &q, json!({}), Some(1)).await;
        assert_eq!(names(&data), expected, "{data}");
    }
}

//! OpenLineage as producers really send it, on PostgreSQL: a dbt-shaped run whose START
//! names its output without a schema and whose COMPLETE brings it, event times with
//! nanoseconds (Java producers), facets whose numbers and key order `jsonb` rewrites.
//! Replayed, it writes nothing; reversed, it leaves the same graph; the output is TABULAR
//! either way.

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::ingest::{Served, graph_signature, key_with, post_json, served};

const NS: &str = "dbt.prod";

fn events() -> Vec<Value> {
    let run = json!({"runId": "01935f8e-0000-7000-8000-0000000000a1", "facets": {
        "processing_engine": {"_producer": "https://github.com/dbt-labs/dbt-core",
            "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json",
            "version": "1.9.0", "name": "dbt"},
        "dbt_stats": {"rows": 1.5e3, "bytes": 2048.0, "zeta": 1, "alpha": [3, 2.50]}
    }});
    let job = json!({"namespace": NS, "name": "analytics.orders"});
    let input = json!({"namespace": "postgres://db:5432", "name": "shop.public.orders_raw"});
    let output = |schema: bool| {
        let mut o = json!({"namespace": "postgres://db:5432", "name": "shop.public.orders"});
        if schema {
            o["facets"] = json!({"schema": {
                "_producer": "https://github.com/dbt-labs/dbt-core",
                "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
                "fields": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "numeric"}]
            }});
        }
        o
    };
    let event = |kind: &str, time: &str, schema: bool| {
        json!({
            "eventType": kind,
            "eventTime": time,
            "producer": "https://github.com/dbt-labs/dbt-core/tree/1.9.0",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": run,
            "job": job,
            "inputs": [input],
            "outputs": [output(schema)],
        })
    };
    vec![
        event("START", "2026-12-01T10:00:00.123456789Z", false),
        event("COMPLETE", "2026-12-01T10:05:00.987654321Z", true),
    ]
}

async fn post_all(s: &Served, token: &str, events: &[Value]) {
    for e in events {
        let (status, body) = post_json(&s.addr, "/api/v1/lineage", Some(token), e).await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn output_type(app: &TestApp) -> Value {
    app.ok(
        r#"{ datasets(filter: {name: {eq: "postgres://db:5432/shop.public.orders"}}) { nodes { dataType } } }"#,
        json!({}),
    )
    .await["datasets"]["nodes"][0]["dataType"]
        .clone()
}

#[tokio::test]
async fn a_producers_stream_replayed_or_reversed_leaves_the_same_graph_and_log() {
    let events = events();
    let base = TestApp::new().await;
    let s = served(&base).await;
    let token = key_with(&s, "dbt@example.com", &[(NS, entity::enums::Role::Editor)]).await;
    post_all(&s, &token, &events).await;
    assert_eq!(output_type(&base).await, "TABULAR");
    let graph = graph_signature(&base).await;
    assert!(graph.len() > 5, "{graph:#?}");
    let logged = base.count("events").await;

    // A producer's retries: the same events again, one by one and as a batch.
    post_all(&s, &token, &events).await;
    let (status, body) = post_json(
        &s.addr,
        "/api/v1/lineage/batch",
        Some(&token),
        &json!(events),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(graph_signature(&base).await, graph);
    assert_eq!(
        base.count("events").await,
        logged,
        "a replay writes no event"
    );

    // Reversed into a fresh database: COMPLETE (with the schema) before START.
    let other = TestApp::new().await;
    let t = served(&other).await;
    let token2 = key_with(&t, "dbt@example.com", &[(NS, entity::enums::Role::Editor)]).await;
    let reversed: Vec<Value> = events.iter().rev().cloned().collect();
    post_all(&t, &token2, &reversed).await;
    assert_eq!(output_type(&other).await, "TABULAR");
    assert_eq!(
        graph_signature(&other).await,
        graph,
        "order of arrival changed the graph"
    );
    let run = other
        .ok(
            r#"{ jobRuns(filter: {ns: {eq: "dbt.prod"}}) { nodes { state startedAt endedAt } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        run["jobRuns"]["nodes"][0],
        json!({"state": "COMPLETED", "startedAt": "2026-12-01T10:00:00.123456+00:00",
               "endedAt": "2026-12-01T10:05:00.987654+00:00"}),
        "{run}"
    );
}

/// Lenient where producers are: an event without `schemaURL` is accepted, a run id that is
/// not a UUID (Spark's application ids) maps to one stable run and keeps its original id;
/// strict where the spec is: no `eventTime`, `run.runId`, `job.namespace` or `job.name`
/// is a 400 naming the field, and writes nothing.
#[tokio::test]
async fn producers_ids_and_missing_schema_urls_are_heard_and_the_spec_is_kept() {
    let base = TestApp::new().await;
    let s = served(&base).await;
    let token = key_with(
        &s,
        "spark@example.com",
        &[(NS, entity::enums::Role::Editor)],
    )
    .await;
    let event = |kind: &str, time: &str| {
        json!({
            "eventType": kind,
            "eventTime": time,
            "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/spark",
            "run": {"runId": "spark-application-1764583200000"},
            "job": {"namespace": NS, "name": "nightly_join"},
        })
    };
    let logged = base.count("events").await;
    for (path, outer, inner) in [
        ("eventTime", None, "eventTime"),
        ("run.runId", Some("run"), "runId"),
        ("job.namespace", Some("job"), "namespace"),
        ("job.name", Some("job"), "name"),
    ] {
        let mut broken = event("START", "2026-12-01T10:00:00Z");
        let holder = match outer {
            Some(o) => &mut broken[o],
            None => &mut broken,
        };
        holder.as_object_mut().map(|o| o.remove(inner));
        let (status, body) = post_json(&s.addr, "/api/v1/lineage", Some(&token), &broken).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body["message"].as_str().unwrap_or_default().contains(path),
            "{path}: {body}"
        );
    }
    assert_eq!(
        base.count("events").await,
        logged,
        "a refusal writes nothing"
    );

    for e in [
        event("START", "2026-12-01T10:00:00Z"),
        event("COMPLETE", "2026-12-01T10:07:00Z"),
    ] {
        let (status, body) = post_json(&s.addr, "/api/v1/lineage", Some(&token), &e).await;
        assert_eq!(status, 200, "{body}");
    }
    let data = base
        .ok(
            r#"{ jobRuns(filter: {ns: {eq: "dbt.prod"}}) { totalCount nodes { externalId state facets } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["jobRuns"]["totalCount"], 1,
        "one run for both events: {data}"
    );
    let run = &data["jobRuns"]["nodes"][0];
    assert_eq!(run["state"], "COMPLETED");
    assert_eq!(
        run["externalId"],
        mlgraph::ingest::openlineage::run_uuid("spark-application-1764583200000").to_string()
    );
    assert_eq!(
        run["facets"]["mlgraph_runId"]["runId"], "spark-application-1764583200000",
        "{run}"
    );
}

/// A Spark job's `columnLineage`: `users.email` feeds `features.email_hash`, which feeds
/// `scores.risk`; `users.country` feeds `features.country` only. Downstream of `email` is
/// those two fields with their distance and transformation, and through their datasets
/// the model version trained on the scores — one query; upstream of `risk` walks back to
/// `email`. Another tenant's key sees neither dataset.
#[tokio::test]
async fn column_lineage_is_a_graph_from_a_field_to_the_models_it_feeds() {
    let base = TestApp::new().await;
    let s = served(&base).await;
    let token = key_with(
        &s,
        "spark@example.com",
        &[("spark.prod", entity::enums::Role::Editor)],
    )
    .await;
    let lake = "s3://lake";
    let field = |name: &str, field: &str, t: &str| {
        json!({"namespace": lake, "name": name, "field": field,
               "transformations": [{"type": t, "subtype": "IDENTITY", "masking": t == "INDIRECT"}]})
    };
    let event = |run: &str, job: &str, input: &str, output: &str, fields: Value| {
        json!({
            "eventType": "COMPLETE", "eventTime": "2026-12-01T10:00:00Z",
            "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/spark",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": run}, "job": {"namespace": "spark.prod", "name": job},
            "inputs": [{"namespace": lake, "name": input}],
            "outputs": [{"namespace": lake, "name": output, "facets": {"columnLineage": {
                "_producer": "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/spark",
                "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                "fields": fields}}}]
        })
    };
    post_all(&s, &token, &[
        event("01935f8e-0000-7000-8000-0000000000c1", "features", "users", "features", json!({
            "email_hash": {"inputFields": [field("users", "email", "DIRECT")]},
            "country": {"inputFields": [field("users", "country", "DIRECT")]},
        })),
        event("01935f8e-0000-7000-8000-0000000000c2", "scores", "features", "scores", json!({
            "risk": {"inputFields": [field("features", "email_hash", "INDIRECT"), field("features", "country", "DIRECT")]},
        })),
    ]).await;
    let id_of = async |name: &str| {
        base.ok(
            "query($n: String!) { datasets(filter: {name: {eq: $n}}) { nodes { id } } }",
            json!({"n": format!("{lake}/{name}")}),
        )
        .await["datasets"]["nodes"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let (users, scores) = (id_of("users").await, id_of("scores").await);
    // A model version trained on the scores.
    let model = crate::harness::create_model(&base, "spark.prod", "risk-model").await;
    let version = crate::harness::create_version(&base, &model).await;
    base.ok(
        "mutation($s: ID!, $t: ID!) { link(kind: \"trainedOn\", source: $s, target: $t) { id } }",
        json!({"s": version, "t": scores}),
    )
    .await;
    let q = "query($d: ID!, $f: String!, $dir: ColumnDirection! = DOWNSTREAM) { columnLineage(dataset: $d, field: $f, direction: $dir) {
        isPartial fields { field distance transformations dataset { name
          downstream(depth: 2, nodeTypes: [MODEL_VERSION]) { nodes { node { id } } } } } } }";
    let down = base.ok(q, json!({"d": users, "f": "email"})).await;
    let fields = &down["columnLineage"]["fields"];
    let summary: Vec<(String, String, i64)> = fields
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["dataset"]["name"].as_str().unwrap_or_default().to_owned(),
                f["field"].as_str().unwrap_or_default().to_owned(),
                f["distance"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (format!("{lake}/features"), "email_hash".to_owned(), 1),
            (format!("{lake}/scores"), "risk".to_owned(), 2),
        ],
        "{down}"
    );
    assert_eq!(
        fields[1]["transformations"][0]["type"], "INDIRECT",
        "{down}"
    );
    assert_eq!(
        fields[1]["dataset"]["downstream"]["nodes"][0]["node"]["id"], version,
        "the model version trained on the scores: {down}"
    );
    assert_eq!(down["columnLineage"]["isPartial"], false);
    let up = base
        .ok(q, json!({"d": scores, "f": "risk", "dir": "UPSTREAM"}))
        .await;
    let names: Vec<String> = up["columnLineage"]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{}.{}",
                f["dataset"]["name"].as_str().unwrap_or_default(),
                f["field"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            format!("{lake}/features.country"),
            format!("{lake}/features.email_hash"),
            format!("{lake}/users.country"),
            format!("{lake}/users.email"),
        ],
        "{up}"
    );
    // Another tenant: the dataset is not there for it, exactly like one that is not.
    let other = key_with(
        &s,
        "other@example.com",
        &[("other.prod", entity::enums::Role::Viewer)],
    )
    .await;
    let ask = |d: &str| json!({"query": "query($d: ID!) { columnLineage(dataset: $d, field: \"email\") { fields { field } } }", "variables": {"d": d}});
    let (_, theirs) = post_json(&s.addr, "/graphql", Some(&other), &ask(&users)).await;
    let missing =
        mlgraph::core::ids::encode(mlgraph::core::ids::NodeType::Dataset, uuid::Uuid::now_v7())
            .to_string();
    let (_, nowhere) = post_json(&s.addr, "/graphql", Some(&other), &ask(&missing)).await;
    assert_eq!(
        theirs["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{theirs}"
    );
    assert_eq!(
        theirs["errors"][0]["extensions"]["code"],
        nowhere["errors"][0]["extensions"]["code"]
    );
    let bad = base
        .gql(
            "query($d: ID!) { columnLineage(dataset: $d, field: \"email\", depth: 99) { isPartial } }",
            json!({"d": users}),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );
}

/// The 2026 additions of the spec: a run's `parent` facet with its `root` (a dbt model
/// under `dbt run` under an Airflow DAG run) makes the chain of runs, whatever reports
/// first; a job's `lineage` facet (LineageJobFacet) declares dataset → dataset,
/// field-level and job → job lineage, which the graph and `columnLineage` then follow.
/// Replayed it writes nothing, reversed it leaves the same graph, and a malformed entry
/// is a 400 that writes nothing.
#[tokio::test]
async fn parent_roots_and_declared_lineage_make_the_graph() {
    let pg = "postgres://db:5432";
    let producer = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/dbt";
    let model_run = json!({
        "eventType": "COMPLETE",
        "eventTime": "2026-12-01T10:05:00Z",
        "producer": producer,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "01935f8e-0000-7000-8000-0000000000c1", "facets": {"parent": {
            "_producer": producer,
            "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json",
            "run": {"runId": "01935f8e-0000-7000-8000-0000000000b1"},
            "job": {"namespace": NS, "name": "dbt_run"},
            "root": {"run": {"runId": "01935f8e-0000-7000-8000-0000000000a9"},
                     "job": {"namespace": NS, "name": "nightly_dag"}}
        }}},
        "job": {"namespace": NS, "name": "analytics.orders_model"},
    });
    let declared = json!({
        "eventTime": "2026-12-01T09:00:00Z",
        "producer": producer,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
        "job": {"namespace": NS, "name": "analytics.orders", "facets": {"lineage": {
            "_producer": producer,
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/LineageFacet.json#/$defs/LineageJobFacet",
            "entries": [
                {"type": "DATASET", "namespace": pg, "name": "shop.public.orders",
                 "inputs": [{"type": "DATASET", "namespace": pg, "name": "shop.public.orders_raw"}],
                 "fields": {"amount": {"inputs": [{"type": "DATASET", "namespace": pg,
                     "name": "shop.public.orders_raw", "field": "amount_cents",
                     "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION"}]}]}}},
                {"type": "JOB", "inputs": [
                    {"type": "JOB", "namespace": NS, "name": "ingest.orders_raw"},
                    {"type": "DATASET", "namespace": pg, "name": "shop.public.customers"}]}
            ]
        }}},
    });
    let events = vec![model_run, declared];
    let base = TestApp::new().await;
    let s = served(&base).await;
    let token = key_with(&s, "ol@example.com", &[(NS, entity::enums::Role::Editor)]).await;

    // A malformed entry: refused, nothing written.
    let logged = base.count("events").await;
    let mut bad = events[1].clone();
    bad["job"]["facets"]["lineage"]["entries"][1]["type"] = json!("TABLE");
    let (status, body) = post_json(&s.addr, "/api/v1/lineage", Some(&token), &bad).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("entries[1]"),
        "{body}"
    );
    assert_eq!(
        base.count("events").await,
        logged,
        "a refusal writes nothing"
    );
    assert_eq!(base.count("workflows").await, 0);

    post_all(&s, &token, &events).await;
    // The chain of runs: the model's run, its dbt run, the DAG run at the root.
    let runs = base
        .ok(
            r#"{ jobRuns(filter: {ns: {eq: "dbt.prod"}}) { nodes { externalId job { name } parent { externalId job { name } parent { externalId job { name } } } } } }"#,
            json!({}),
        )
        .await;
    let model = runs["jobRuns"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["externalId"] == "01935f8e-0000-7000-8000-0000000000c1")
        .cloned()
        .unwrap_or_else(|| panic!("{runs}"));
    assert_eq!(
        model["parent"]["externalId"], "01935f8e-0000-7000-8000-0000000000b1",
        "{model}"
    );
    assert!(
        model["parent"]["job"]["name"]
            .as_str()
            .is_some_and(|n| n.ends_with("dbt_run"))
    );
    assert_eq!(
        model["parent"]["parent"]["externalId"], "01935f8e-0000-7000-8000-0000000000a9",
        "the parent is part of the root: {model}"
    );
    assert!(
        model["parent"]["parent"]["job"]["name"]
            .as_str()
            .is_some_and(|n| n.ends_with("nightly_dag"))
    );

    // Declared lineage: orders ← orders_raw, field by field too; the job ← its upstream job
    // and the customers table.
    let orders = base
        .ok(
            r#"{ datasets(filter: {name: {eq: "postgres://db:5432/shop.public.orders"}}) { nodes { id upstream(depth: 1) { nodes { node { ... on Dataset { name } } } } } } }"#,
            json!({}),
        )
        .await["datasets"]["nodes"][0]
        .clone();
    assert!(
        orders["upstream"]
            .to_string()
            .contains("shop.public.orders_raw"),
        "{orders}"
    );
    let columns = base
        .ok(
            "query($d: ID!) { columnLineage(dataset: $d, field: \"amount\", direction: UPSTREAM) { fields { field dataset { name } transformations } } }",
            json!({"d": orders["id"]}),
        )
        .await;
    assert_eq!(
        columns["columnLineage"]["fields"][0]["field"], "amount_cents",
        "{columns}"
    );
    assert_eq!(
        columns["columnLineage"]["fields"][0]["dataset"]["name"],
        "postgres://db:5432/shop.public.orders_raw"
    );
    assert_eq!(
        columns["columnLineage"]["fields"][0]["transformations"],
        json!([{"type": "DIRECT", "subtype": "TRANSFORMATION"}])
    );
    let jobs = base
        .ok(
            r#"{ workflows(filter: {name: {contains: "analytics.orders"}}) { nodes { name upstream(depth: 1) { nodes { node { ... on Workflow { name } ... on Dataset { name } } } } } } }"#,
            json!({}),
        )
        .await;
    let job = jobs["workflows"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|w| {
            w["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("analytics.orders"))
        })
        .cloned()
        .unwrap_or_else(|| panic!("{jobs}"));
    let up = job["upstream"].to_string();
    assert!(
        up.contains("ingest.orders_raw") && up.contains("shop.public.customers"),
        "{job}"
    );

    // Replayed: nothing written; reversed, into a fresh database: the same graph.
    let graph = graph_signature(&base).await;
    let logged = base.count("events").await;
    post_all(&s, &token, &events).await;
    assert_eq!(graph_signature(&base).await, graph);
    assert_eq!(
        base.count("events").await,
        logged,
        "a replay writes no event"
    );
    let other = TestApp::new().await;
    let t = served(&other).await;
    let token2 = key_with(&t, "ol@example.com", &[(NS, entity::enums::Role::Editor)]).await;
    let reversed: Vec<Value> = events.iter().rev().cloned().collect();
    post_all(&t, &token2, &reversed).await;
    assert_eq!(
        graph_signature(&other).await,
        graph,
        "order of arrival changed the graph"
    );
}

/// `jobType.emissionPattern`: a COMPLETE_SNAPSHOT job event says all of a job's inputs
/// and outputs, so the latest replaces what older ones linked, and an ACCUMULATIVE one
/// adds; in any order of arrival the job ends with the same links, and a replay writes
/// nothing.
#[tokio::test]
async fn complete_snapshots_replace_a_jobs_links_in_any_order() {
    let producer = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/flink";
    let pg = "postgres://db:5432";
    let event = |time: &str, mode: &str, inputs: &[&str], outputs: &[&str]| {
        let ds = |names: &[&str]| -> Vec<Value> {
            names
                .iter()
                .map(|n| json!({"namespace": pg, "name": n}))
                .collect()
        };
        json!({
            "eventTime": time,
            "producer": producer,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
            "job": {"namespace": NS, "name": "stream.enrich", "facets": {"jobType": {
                "_producer": producer,
                "_schemaURL": "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json",
                "processingType": "STREAMING", "integration": "FLINK",
                "emissionPattern": {"eventTrigger": "PERIODIC", "eventContentMode": mode, "windowDuration": 300}
            }}},
            "inputs": ds(inputs),
            "outputs": ds(outputs),
        })
    };
    let events = [
        event(
            "2026-12-01T10:00:00Z",
            "COMPLETE_SNAPSHOT",
            &["a", "b"],
            &["x"],
        ),
        event(
            "2026-12-01T10:05:00Z",
            "COMPLETE_SNAPSHOT",
            &["b", "c"],
            &["y"],
        ),
        event("2026-12-01T10:07:00Z", "ACCUMULATIVE", &["d"], &[]),
    ];
    async fn links(app: &TestApp) -> Vec<String> {
        let data = app
            .ok(
                r#"{ workflows(filter: {name: {contains: "stream.enrich"}}) { nodes { upstream(depth: 1) { nodes { node { ... on Dataset { name } } } } downstream(depth: 1) { nodes { node { ... on Dataset { name } } } } } } }"#,
                json!({}),
            )
            .await;
        let wf = &data["workflows"]["nodes"][0];
        let mut out = Vec::new();
        for (dir, label) in [("upstream", "in"), ("downstream", "out")] {
            for n in wf[dir]["nodes"].as_array().into_iter().flatten() {
                if let Some(name) = n["node"]["name"].as_str() {
                    out.push(format!(
                        "{label} {}",
                        name.rsplit('/').next().unwrap_or_default()
                    ));
                }
            }
        }
        out.sort();
        out
    }
    let expected = ["in b", "in c", "in d", "out y"];
    let mut graphs = Vec::new();
    for order in [[0usize, 1, 2], [2, 1, 0], [1, 2, 0], [0, 2, 1]] {
        let app = TestApp::new().await;
        let s = served(&app).await;
        let token = key_with(
            &s,
            "flink@example.com",
            &[(NS, entity::enums::Role::Editor)],
        )
        .await;
        let sent: Vec<Value> = order.iter().map(|i| events[*i].clone()).collect();
        post_all(&s, &token, &sent).await;
        assert_eq!(links(&app).await, expected, "order {order:?}");
        let logged = app.count("events").await;
        post_all(&s, &token, &sent).await;
        assert_eq!(
            app.count("events").await,
            logged,
            "a replay writes nothing ({order:?})"
        );
        graphs.push(graph_signature(&app).await);
    }
    assert!(
        graphs.windows(2).all(|w| w[0] == w[1]),
        "the same graph in every order"
    );
}

//! The node vocabulary as clients see it: the graph fields on the `Node` interface for
//! every node type (edges and events included), complexity counted through the
//! interface and from the configured limits, fields in the order selected, and one
//! opaque cursor format.

use serde_json::{Value, json};

use crate::harness::{TestApp, create_endpoint, create_model, create_version, deploy};

const LINK: &str =
    "mutation($s: ID!, $t: ID!) { link(kind: \"dependsOn\", source: $s, target: $t) { id } }";

/// The keys of a JSON object, in order.
fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_node_type_answers_the_graph_fields_through_the_interface() {
    let app = TestApp::new().await;
    let a = create_model(&app, "acme.com", "a").await;
    let b = create_model(&app, "acme.com", "b").await;
    let version = create_version(&app, &a).await;
    let endpoint = create_endpoint(&app, "acme.com", "e", "PRODUCTION").await;
    let deployment = deploy(&app, &version, &endpoint, 100).await;
    let edge = app.ok(LINK, json!({"s": a, "t": b})).await["link"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let event = app
        .ok(
            "query($id: ID!) { node(id: $id) { history(first: 1) { edges { node { id } } } } }",
            json!({"id": a}),
        )
        .await["node"]["history"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!event.is_empty(), "a created model has a CREATE event");

    // No fragment per type: every field below is declared on `Node`.
    let q = "query($id: ID!) { node(id: $id) {
        __typename id
        upstream(depth: 2) { totalCount }
        downstream(depth: 2) { totalCount }
        edges(direction: OUT) { totalCount }
        history { totalCount } } }";
    for (id, typename) in [
        (&a, "Model"),
        (&version, "ModelVersion"),
        (&endpoint, "Endpoint"),
        (&deployment, "Deployment"),
        (&edge, "Edge"),
        (&event, "Event"),
    ] {
        let node = app.ok(q, json!({"id": id})).await["node"].clone();
        assert_eq!(node["__typename"], typename);
        assert_eq!(node["id"], id.as_str(), "{typename}");
        for field in ["upstream", "downstream", "edges", "history"] {
            assert!(
                node[field]["totalCount"].is_i64(),
                "{typename}.{field}: {node:#}"
            );
        }
    }
    // What they answer is the node's own: a's explicit edge, its version downstream,
    // the deployment upstream of the endpoint.
    let of = |id: &str| {
        let app = &app;
        let id = id.to_owned();
        async move { app.ok(q, json!({"id": id})).await["node"].clone() }
    };
    assert_eq!(of(&a).await["edges"]["totalCount"], 1);
    assert!(of(&a).await["downstream"]["totalCount"].as_i64() >= Some(2));
    assert!(of(&endpoint).await["upstream"]["totalCount"].as_i64() >= Some(2));
    assert!(of(&a).await["history"]["totalCount"].as_i64() >= Some(1));
}

#[tokio::test]
async fn complexity_counts_fields_selected_through_the_interface() {
    let app = TestApp::new().await;
    let a = create_model(&app, "acme.com", "a").await;
    let before = app.statements().get();
    // 1000 lineage nodes × 100 versions × 1000 more: far over the limit, whether the
    // graph fields are selected on the interface or in a fragment.
    for q in [
        "query($id: ID!) { node(id: $id) { upstream(first: 1000) { nodes { node {
            upstream(first: 1000) { nodes { node { upstream(first: 1000) { totalCount } } } } } } } } }",
        "query($id: ID!) { node(id: $id) { ... on Model { upstream(first: 1000) { nodes { node {
            upstream(first: 1000) { nodes { node { upstream(first: 1000) { totalCount } } } } } } } } } }",
    ] {
        assert_eq!(
            app.error_code(q, json!({"id": a})).await,
            "QUERY_TOO_COMPLEX",
            "{q}"
        );
    }
    // Through a variable too.
    let q = "query($id: ID!, $n: Int) { node(id: $id) { upstream(first: $n) { nodes { node {
        upstream(first: $n) { nodes { node { upstream(first: $n) { totalCount } } } } } } } } }";
    assert_eq!(
        app.error_code(q, json!({"id": a, "n": 1000})).await,
        "QUERY_TOO_COMPLEX"
    );
    assert_eq!(app.statements().get(), before, "refused before any SQL");
    app.ok(q, json!({"id": a, "n": 10})).await;
}

#[tokio::test]
async fn complexity_follows_the_configured_page_sizes() {
    let app = TestApp::new().await;
    create_model(&app, "acme.com", "a").await;
    // models × versions × deployments without `first`: 20 × 20 × 20 by default.
    let q = "{ models { edges { node { versions { edges { node { deployments { edges { node { id } } } } } } } } } }";
    let tight = app.with_limits(|l| l.max_complexity = 30_000);
    tight.ok(q, json!({})).await;
    let bigger_pages = app.with_limits(|l| {
        l.max_complexity = 30_000;
        l.default_page_size = 50;
    });
    assert_eq!(
        bigger_pages.error_code(q, json!({})).await,
        "QUERY_TOO_COMPLEX",
        "50 × 50 × 50 items"
    );
    // And the configured depth limit, counted the same way.
    let shallow = app.with_limits(|l| l.max_depth = 4);
    assert_eq!(shallow.error_code(q, json!({})).await, "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn responses_follow_the_selection_order() {
    let app = TestApp::new().await;
    let a = create_model(&app, "acme.com", "a").await;
    let version = create_version(&app, &a).await;
    let q = "query($of: ID!) { lineage(of: $of, direction: DOWNSTREAM) {
        nodes { node { id } distance } totalCount } }";
    let g = app.ok(q, json!({"of": a})).await["lineage"].clone();
    assert_eq!(keys(&g), ["nodes", "totalCount"]);
    assert_eq!(keys(&g["nodes"][0]), ["node", "distance"]);
    assert_eq!(g["nodes"][0]["node"]["id"], version.as_str());
    // Reversed selection, aliases, fragments and a field selected twice.
    let q = "query($of: ID!) { lineage(of: $of, direction: DOWNSTREAM) {
        total: totalCount nodes { distance ...N node { id } } } }
        fragment N on LineageNode { node { __typename } nodeType }";
    let g = app.ok(q, json!({"of": a})).await["lineage"].clone();
    assert_eq!(keys(&g), ["total", "nodes"]);
    assert_eq!(keys(&g["nodes"][0]), ["distance", "node", "nodeType"]);
    assert_eq!(keys(&g["nodes"][0]["node"]), ["__typename", "id"]);
    // A model's own fields around loaders: the order asked.
    let d = app
        .ok(
            "query($id: ID!) { node(id: $id) { ... on Model { versions { totalCount } name id workflow { id } ns } } }",
            json!({"id": a}),
        )
        .await;
    assert_eq!(
        keys(&d["node"]),
        ["versions", "name", "id", "workflow", "ns"]
    );
}

#[tokio::test]
async fn lineage_cursors_are_opaque_like_every_other_cursor() {
    let app = TestApp::new().await;
    let a = create_model(&app, "acme.com", "a").await;
    for _ in 0..3 {
        create_version(&app, &a).await;
    }
    let q = "query($of: ID!, $after: String) { lineage(of: $of, direction: DOWNSTREAM, first: 2, after: $after) {
        nodes { id } endCursor } }";
    let first = app.ok(q, json!({"of": a})).await["lineage"].clone();
    let cursor = first["endCursor"].as_str().unwrap_or_default().to_owned();
    assert!(
        cursor.parse::<u64>().is_err(),
        "not a bare position: {cursor}"
    );
    // The same format as a connection's cursors.
    let conn = app
        .ok(
            "query($id: ID!) { node(id: $id) { ... on Model { versions(first: 2) { pageInfo { endCursor } } } } }",
            json!({"id": a}),
        )
        .await;
    assert_eq!(
        conn["node"]["versions"]["pageInfo"]["endCursor"],
        cursor.as_str()
    );
    let second = app.ok(q, json!({"of": a, "after": cursor})).await["lineage"].clone();
    assert_eq!(second["nodes"].as_array().map(Vec::len), Some(1));
    assert_ne!(second["nodes"][0]["id"], first["nodes"][0]["id"]);
    assert_eq!(
        app.error_code(q, json!({"of": a, "after": "2"})).await,
        "BAD_USER_INPUT"
    );
}

/// Deleting a node takes its explicit edges with it (each with its `DELETE` event), so
/// lineage and impact of the nodes it was linked to no longer list it.
#[tokio::test]
async fn deleting_a_node_removes_its_explicit_edges() {
    let app = TestApp::new().await;
    let a = create_model(&app, "acme.com", "a").await;
    let b = create_model(&app, "acme.com", "b").await;
    let c = create_model(&app, "acme.com", "c").await;
    for (s, t) in [(&a, &b), (&c, &a)] {
        app.ok(
            "mutation($s: ID!, $t: ID!) { link(kind: \"dependsOn\", source: $s, target: $t) { kind } }",
            json!({"s": s, "t": t}),
        )
        .await;
    }
    assert_eq!(app.count("edges").await, 2);
    app.ok(
        "mutation($id: ID!) { deleteModel(id: $id) }",
        json!({"id": a}),
    )
    .await;
    assert_eq!(app.count("edges").await, 0);
    let q = "query($id: ID!) { node(id: $id) { upstream(depth: 3) { totalCount nodes { node { id } } } downstream(depth: 3) { totalCount } } }";
    for other in [&b, &c] {
        let data = app.ok(q, json!({"id": other})).await;
        assert_eq!(data["node"]["upstream"]["totalCount"], 0, "{data}");
        assert_eq!(data["node"]["downstream"]["totalCount"], 0, "{data}");
    }
    let data = app
        .ok(
            "{ events(filter: {entityType: {eq: \"Edge\"}}) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = data["events"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["action"].as_str())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "DELETE").count(),
        2,
        "{data}"
    );
}

/// Deleting a node also removes the explicit edges of the rows the database deletes with
/// it (a model's versions), each with its event; a traversal from the other end finds
/// nothing, never a `null` node.
#[tokio::test]
async fn deleting_a_node_removes_the_edges_of_its_cascaded_children() {
    let app = TestApp::new().await;
    let model = create_model(&app, "acme.com", "gone").await;
    let version = create_version(&app, &model).await;
    let other = create_model(&app, "acme.com", "kept").await;
    app.ok(LINK, json!({"s": other, "t": version})).await;
    app.ok(LINK, json!({"s": version, "t": other})).await;
    app.ok(
        "mutation($id: ID!) { deleteModel(id: $id) }",
        json!({"id": model}),
    )
    .await;
    assert_eq!(app.count("model_versions").await, 0);
    assert_eq!(app.count("edges").await, 0);
    let data = app
        .ok(
            "query($id: ID!) { node(id: $id) { upstream(depth: 3) { totalCount nodes { node { id } } } downstream(depth: 3) { totalCount nodes { node { id } } } } }",
            json!({"id": other}),
        )
        .await;
    assert_eq!(data["node"]["upstream"]["totalCount"], 0, "{data}");
    assert_eq!(data["node"]["downstream"]["totalCount"], 0, "{data}");
    let deletes = app
        .ok(
            "{ events(filter: {entityType: {eq: \"Edge\"}, action: {eq: \"DELETE\"}}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(deletes["events"]["totalCount"], 2, "{deletes}");
}

/// Edges already dangling (left by earlier versions) are removed when an upgrade applies
/// migrations, each with its `DELETE` event; edges whose ends exist stay.
#[tokio::test]
async fn migrating_removes_edges_left_dangling() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::new().await;
    let a = create_model(&app, "acme.com", "a").await;
    let b = create_model(&app, "acme.com", "b").await;
    app.ok(LINK, json!({"s": a, "t": b})).await;
    // What an earlier version left: an edge to a version deleted without it.
    let version = create_version(&app, &b).await;
    app.ok(LINK, json!({"s": a, "t": version})).await;
    app.db()
        .execute_unprepared("DELETE FROM model_versions")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(app.count("edges").await, 2);
    app.upgrade_again().await;
    assert_eq!(
        app.count("edges").await,
        1,
        "the dangling edge is gone, the live one stays"
    );
    let data = app
        .ok(
            "{ events(filter: {entityType: {eq: \"Edge\"}, action: {eq: \"DELETE\"}}) { totalCount edges { node { actor } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["events"]["totalCount"], 1, "{data}");
    assert_eq!(
        data["events"]["edges"][0]["node"]["actor"], "mlgraph:migrate",
        "{data}"
    );
    let up = app
        .ok(
            "query($id: ID!) { node(id: $id) { upstream(depth: 2) { totalCount nodes { node { id } } } } }",
            json!({"id": a}),
        )
        .await;
    assert_eq!(up["node"]["upstream"]["totalCount"], 1, "{up}");
    assert_eq!(up["node"]["upstream"]["nodes"][0]["node"]["id"], b, "{up}");
}

/// `CASCADES` names every foreign key that deletes a node-typed row with its parent.
#[tokio::test]
async fn the_cascade_list_matches_the_database() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::new().await;
    let rows = app
        .db()
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT c.conrelid::regclass::text AS child, a.attname AS fk, c.confrelid::regclass::text AS parent \
             FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
             WHERE c.contype = 'f' AND c.confdeltype = 'c' ORDER BY 1, 2",
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let tables: std::collections::HashMap<&str, mlgraph::core::ids::NodeType> =
        mlgraph::core::ids::NodeType::ALL
            .iter()
            .map(|t| (t.table(), *t))
            .collect();
    let mut in_db: Vec<(String, String, String)> = vec![];
    for row in rows {
        let child: String = row.try_get("", "child").unwrap_or_default();
        let fk: String = row.try_get("", "fk").unwrap_or_default();
        let parent: String = row.try_get("", "parent").unwrap_or_default();
        if let (Some(c), Some(p)) = (tables.get(child.as_str()), tables.get(parent.as_str())) {
            in_db.push((c.name().to_string(), fk, p.name().to_string()));
        }
    }
    let mut listed: Vec<(String, String, String)> = mlgraph::lineage::service::CASCADES
        .iter()
        .map(|(c, fk, p)| (c.name().to_string(), fk.to_string(), p.name().to_string()))
        .collect();
    in_db.sort();
    listed.sort();
    assert!(!in_db.is_empty());
    assert_eq!(listed, in_db);
}

/// Linking an existing edge with new properties replaces them (one `UPDATE` event);
/// linking it again with the same ones, or without any, changes nothing.
#[tokio::test]
async fn linking_again_with_new_properties_updates_them() {
    let app = TestApp::new().await;
    let a = create_model(&app, "acme.com", "a").await;
    let b = create_model(&app, "acme.com", "b").await;
    let link = "mutation($s: ID!, $t: ID!, $p: JSON) { link(kind: \"dependsOn\", source: $s, target: $t, properties: $p) { id properties } }";
    let first = app
        .ok(link, json!({"s": a, "t": b, "p": {"fairness": 0.71}}))
        .await;
    let events = app.count("events").await;
    let fixed = app
        .ok(link, json!({"s": a, "t": b, "p": {"fairness": 0.93}}))
        .await;
    assert_eq!(fixed["link"]["id"], first["link"]["id"]);
    assert_eq!(fixed["link"]["properties"], json!({"fairness": 0.93}));
    assert_eq!(app.count("events").await, events + 1);
    for p in [json!({"fairness": 0.93}), Value::Null] {
        let again = app.ok(link, json!({"s": a, "t": b, "p": p})).await;
        assert_eq!(again["link"]["properties"], json!({"fairness": 0.93}));
    }
    assert_eq!(app.count("events").await, events + 1, "no change, no event");
    assert_eq!(app.count("edges").await, 1);
}

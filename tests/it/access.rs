//! Access control over real HTTP and WebSockets against PostgreSQL: a viewer of one
//! namespace reads nothing of another through any entry point; role checks on writes;
//! keys that are revoked, expired or belong to deleted users; lockout with a clock the
//! test moves; no secret at rest; the audit trail names the authenticated principal.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use mlgraph::access::service::{self, NewUser};
use mlgraph::core::clock::Clock;
use mlgraph::core::context::RequestContext;
use mlgraph::core::ids::{NodeType, encode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::live::{Ws, close_code};

const A: &str = "a.example";
/// Shares `A`'s text as a prefix without being under it: a grant on `A` must not cover it.
const B: &str = "a.example-partner";

/// An application with authentication on, served over HTTP, and its clock.
struct Secured {
    app: TestApp,
    addr: String,
    clock: Clock,
}

async fn secured(base: &TestApp) -> Secured {
    let clock = Clock::manual(
        Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
            .single()
            .unwrap_or_default(),
    );
    let app = base.with_auth(clock.clone());
    let addr = app.serve().await;
    Secured { app, addr, clock }
}

/// The shell's context (`mlgraph admin`): may do everything.
fn root() -> RequestContext {
    RequestContext {
        actor: Some("test-admin".into()),
        ..RequestContext::default()
    }
}

/// Creates a person (a superuser or not) with `grants` and an API key named `key_name`;
/// returns (user id, token).
async fn person(
    s: &Secured,
    email: &str,
    superuser: bool,
    grants: &[(&str, entity::enums::Role)],
    key_name: &str,
) -> (String, String) {
    let db = s.app.db();
    let user = service::create_user(
        db,
        &s.clock,
        &root(),
        NewUser {
            email: email.into(),
            full_name: None,
            kind: entity::enums::PrincipalKind::User,
            password: Some("correct horse battery staple".into()),
            superuser,
            grants: Vec::new(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("create user: {e:?}"));
    for (ns, role) in grants {
        service::grant_role(db, &s.clock, &root(), user.id, (*ns).into(), *role)
            .await
            .unwrap_or_else(|e| panic!("grant: {e:?}"));
    }
    let key = service::create_api_key(db, &s.clock, &root(), Some(user.id), key_name.into(), None)
        .await
        .unwrap_or_else(|e| panic!("key: {e:?}"));
    (user.id.to_string(), key.token)
}

/// Creates a person with `grants` and returns (user id, API key token).
async fn user_with(
    s: &Secured,
    email: &str,
    grants: &[(&str, entity::enums::Role)],
) -> (String, String) {
    person(s, email, false, grants, "test").await
}

/// Creates a superuser and returns its API key token.
async fn superuser(s: &Secured, email: &str) -> String {
    person(s, email, true, &[], "root").await.1
}

/// POSTs a GraphQL request with an optional bearer token; returns (status, body).
async fn post(addr: &str, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .header("x-actor", "mallory")
        .json(&json!({"query": query, "variables": variables}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("http: {e}"));
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or_else(|e| panic!("json: {e}"));
    (status, body)
}

/// `data` of a request that must succeed.
async fn ok(addr: &str, token: &str, query: &str, variables: Value) -> Value {
    let (status, body) = post(addr, Some(token), query, variables).await;
    assert!(
        status == 200 && body.get("errors").is_none(),
        "{status} {body:#}"
    );
    body["data"].clone()
}

/// The first error code of a request that must fail.
async fn code(addr: &str, token: Option<&str>, query: &str, variables: Value) -> (u16, String) {
    let (status, body) = post(addr, token, query, variables).await;
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error: {body:#}"))
        .to_owned();
    (status, code)
}

async fn rows(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    app.db()
        .query_all_raw(Statement::from_string(
            app.db().get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every node of namespace `ns` (and below): global ids and raw UUIDs.
async fn ids_in(app: &TestApp, ns: &str) -> (Vec<(NodeType, String)>, BTreeSet<String>) {
    let mut global = Vec::new();
    let mut raw = BTreeSet::new();
    for &ty in NodeType::ALL {
        for r in rows(
            app,
            &format!(
                "SELECT id FROM {} WHERE ns = '{ns}' OR ns LIKE '{ns}/%'",
                ty.table()
            ),
        )
        .await
        {
            let id: uuid::Uuid = r.try_get("", "id").unwrap_or_else(|e| panic!("{e}"));
            raw.insert(id.to_string());
            global.push((ty, encode(ty, id).to_string()));
        }
    }
    (global, raw)
}

/// The lookup root field of a node type, where there is one.
fn lookup_field(ty: NodeType) -> Option<String> {
    let name = ty.name();
    if matches!(ty, NodeType::Edge | NodeType::Event) {
        return None;
    }
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
}

const LISTS: &[&str] = &[
    "workflows",
    "models",
    "modelVersions",
    "modelVersionsNeedingRetraining",
    "datasets",
    "datasetVersions",
    "experiments",
    "trainingJobs",
    "experimentRuns",
    "patternRecognitionJobs",
    "endpoints",
    "deployments",
    "predictions",
    "cloudRunServices",
    "serviceDeployments",
    "events",
    "jobRuns",
];

/// Everything a caller can ask that might reach namespace `B`, from the nodes of `A`
/// (`a_ids`) and towards those of `B` (`b_ids`): the responses, concatenated.
async fn sweep(
    addr: &str,
    token: &str,
    a_ids: &[(NodeType, String)],
    b_ids: &[(NodeType, String)],
) -> String {
    let mut out = String::new();
    let mut found_counts = Vec::new();
    let mut ask = async |query: String, variables: Value| {
        let (_, body) = post(addr, Some(token), &query, variables.clone()).await;
        out.push_str(&format!("\n## {query} {variables}\n{body}"));
        body
    };
    // Lookups of every node of B, by node, nodes and the type's own field.
    let all_b: Vec<&str> = b_ids.iter().map(|(_, id)| id.as_str()).collect();
    for chunk in all_b.chunks(50) {
        let body = ask(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }".into(),
            json!({"ids": chunk}),
        )
        .await;
        let found = body["data"]["nodes"]
            .as_array()
            .map(|v| v.iter().filter(|n| !n.is_null()).count());
        found_counts.push(found);
    }
    for &ty in NodeType::ALL {
        for id in b_ids
            .iter()
            .filter(|(t, _)| *t == ty)
            .map(|(_, id)| id)
            .take(5)
        {
            ask(
                "query($id: ID!) { node(id: $id) { id } }".into(),
                json!({"id": id}),
            )
            .await;
            if let Some(field) = lookup_field(ty) {
                ask(
                    format!("query($id: ID!) {{ {field}(id: $id) {{ id }} }}"),
                    json!({"id": id}),
                )
                .await;
            }
        }
    }
    ask(
        format!("{{ endpointByName(ns: \"{B}\", name: \"fraud-scoring\") {{ id }} }}"),
        json!({}),
    )
    .await;
    ask(
        format!("{{ model(ns: \"{B}\", name: \"fraud-detector\") {{ id }} }}"),
        json!({}),
    )
    .await;
    // Lists, unfiltered and filtered to B, with their counts.
    for list in LISTS {
        ask(
            format!("{{ {list}(first: 100) {{ totalCount nodes {{ id }} }} }}"),
            json!({}),
        )
        .await;
        ask(
            format!("{{ {list}(first: 100, filter: {{ns: {{eq: \"{B}\"}}}}) {{ totalCount nodes {{ id }} }} }}"),
            json!({}),
        )
        .await;
    }
    for group in ["ALL", "ENDPOINT", "MODEL_VERSION"] {
        ask(
            format!("{{ predictionStats(groupBy: {group}) {{ key count endpoint {{ id }} modelVersion {{ id }} }} }}"),
            json!({}),
        )
        .await;
    }
    // From A's nodes: lineage both ways, nested traversals, explicit edges, history.
    for (_, id) in a_ids
        .iter()
        .filter(|(t, _)| !matches!(t, NodeType::Event | NodeType::Prediction))
    {
        ask(
            "query($id: ID!) { lineage(of: $id, direction: BOTH, depth: 6) { totalCount nodes { id node { id } } edges { upstream downstream } } }".into(),
            json!({"id": id}),
        )
        .await;
        ask(
            "query($id: ID!) { node(id: $id) { id
                upstream(depth: 6) { totalCount nodes { id } edges { upstream downstream } }
                downstream(depth: 6) { totalCount nodes { id } edges { upstream downstream } }
                out: edges(direction: OUT) { nodes { id source { id } target { id } } }
                in: edges(direction: IN) { nodes { id source { id } target { id } } }
                history(first: 50) { totalCount nodes { id entityId ns } } } }"
                .into(),
            json!({"id": id}),
        )
        .await;
    }
    let found: Vec<String> = found_counts
        .iter()
        .map(|f| format!("nodes found: {f:?}"))
        .collect();
    format!("{out}\n{}", found.join("\n"))
}

/// The sweep of the issue: a viewer of `a.example` asks for every node of another
/// namespace through every entry point, and for lineage, edges and history from its own
/// nodes: nothing of the other namespace comes back (no id, no count, no event). The same
/// sweep by a superuser does reach it, so the check can fail. (Edges and references never
/// cross namespaces, so lineage cannot lead there; the walk also applies the scope at
/// every step.)
#[tokio::test]
async fn a_viewer_of_one_namespace_reads_nothing_of_another() {
    let base = TestApp::new().await;
    for ns in [A, B] {
        mlgraph::demo::seed_in(base.db(), ns)
            .await
            .unwrap_or_else(|e| panic!("seed {ns}: {e:?}"));
    }
    let s = secured(&base).await;
    let (_, viewer) = user_with(&s, "viewer@a.example", &[(A, entity::enums::Role::Viewer)]).await;
    let root_token = superuser(&s, "root@example.com").await;
    let (a_ids, _) = ids_in(&base, A).await;
    let (b_ids, b_raw) = ids_in(&base, B).await;
    assert!(b_ids.len() > 100, "the seed fills the other namespace");

    let leaks = |text: &str| -> Vec<String> {
        let mut found: Vec<String> = b_ids
            .iter()
            .map(|(_, id)| id.clone())
            .chain(b_raw.iter().cloned())
            .filter(|id| text.contains(id.as_str()))
            .take(5)
            .collect();
        if text.contains(&format!("\"{B}\"")) {
            found.push(B.into());
        }
        found
    };
    let seen_by_viewer = sweep(&s.addr, &viewer, &a_ids, &b_ids).await;
    let leaked: Vec<&str> = seen_by_viewer
        .split("\n## ")
        // Each section is the request line, then the response: only responses count, and
        // an error that names the id the request itself asked for tells nothing new.
        .filter(|section| {
            let (request, body) = section.split_once('\n').unwrap_or(("", section));
            leaks(body).iter().any(|id| {
                let asked_raw = b_ids.iter().any(|(_, g)| {
                    request.contains(g.as_str())
                        && mlgraph::core::ids::decode(g).is_some_and(|(_, u)| u.to_string() == *id)
                });
                !request.contains(id.as_str()) && !asked_raw
            })
        })
        .take(3)
        .collect();
    assert!(
        leaked.is_empty(),
        "the other namespace leaked to a viewer of a.example: {leaked:#?}"
    );
    assert!(seen_by_viewer.contains("nodes found: Some(0)"));
    let seen_by_root = sweep(&s.addr, &root_token, &a_ids, &b_ids).await;
    assert!(
        leaks(&seen_by_root).len() >= 5,
        "a superuser sees the other namespace"
    );

    // Counts are A's own, exactly: lists, aggregates and events.
    for (list, table) in [
        ("models", "models"),
        ("predictions", "predictions"),
        ("events", "events"),
    ] {
        let expected = rows(
            &base,
            &format!("SELECT COUNT(*) AS n FROM {table} WHERE ns = '{A}'"),
        )
        .await
        .first()
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or(-1);
        let got = ok(
            &s.addr,
            &viewer,
            &format!("{{ {list}(first: 1) {{ totalCount }} }}"),
            json!({}),
        )
        .await;
        assert_eq!(got[list]["totalCount"], json!(expected), "{list}");
    }
    let stats = ok(&s.addr, &viewer, "{ predictionStats { count } }", json!({})).await;
    assert_eq!(stats["predictionStats"][0]["count"], json!(3000));
}

/// Role checks for every mutation family: a viewer writes nothing, an editor of A
/// writes in A only, nobody but an admin grants; a refused write leaves no row and no
/// event.
#[tokio::test]
async fn writes_need_the_role_on_their_namespace() {
    let base = TestApp::new().await;
    let s = secured(&base).await;
    let (_, viewer) = user_with(&s, "viewer@a.example", &[(A, entity::enums::Role::Viewer)]).await;
    let (_, editor) = user_with(&s, "editor@a.example", &[(A, entity::enums::Role::Editor)]).await;
    let (target, _) = user_with(&s, "someone@a.example", &[]).await;
    let (_, admin) = user_with(&s, "admin@a.example", &[(A, entity::enums::Role::Admin)]).await;

    let create_model =
        "mutation($ns: String!) { createModel(input: {ns: $ns, name: \"m\"}) { id ns createdBy } }";
    let events_before = base.count("events").await;
    for (token, ns) in [(&viewer, A), (&editor, B), (&viewer, B)] {
        assert_eq!(
            code(&s.addr, Some(token), create_model, json!({"ns": ns})).await,
            (200, "FORBIDDEN".into())
        );
    }
    assert_eq!(base.count("models").await, 0);
    assert_eq!(
        base.count("events").await,
        events_before,
        "refused writes leave no event"
    );

    let model = ok(&s.addr, &editor, create_model, json!({"ns": A})).await;
    assert_eq!(
        model["createModel"]["createdBy"], "editor@a.example",
        "x-actor cannot forge the author"
    );
    let model_id = model["createModel"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let made = ok(&s.addr, &editor, "mutation { createDataset(input: {ns: \"a.example\", name: \"data\", dataType: TABULAR}) { id } }", json!({})).await;
    let dataset_id = made["createDataset"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ok(
        &s.addr,
        &editor,
        "mutation($m: ID!, $d: ID!) { link(source: $m, kind: \"trainedOn\", target: $d) { id } }",
        json!({"m": model_id, "d": dataset_id}),
    )
    .await;
    let made = ok(
        &s.addr,
        &editor,
        "mutation { enqueueTrainingJob(input: {ns: \"a.example\", name: \"queued\"}) { id } }",
        json!({}),
    )
    .await;
    let job_id = made["enqueueTrainingJob"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let made = ok(&s.addr, &editor, "mutation($m: ID!) { createModelVersion(input: {modelId: $m, artifactUri: \"s3://b/m\"}) { id } }", json!({"m": model_id})).await;
    let version_id = made["createModelVersion"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Every family, by the viewer: registry, data, training, serving, lineage.
    let by_viewer = [
        (
            "mutation($m: ID!) { createModelVersion(input: {modelId: $m, artifactUri: \"s3://b/m\"}) { id } }",
            json!({"m": model_id}),
        ),
        (
            "mutation($m: ID!) { deprecateModel(id: $m) { id } }",
            json!({"m": model_id}),
        ),
        (
            "mutation($m: ID!) { deleteModel(id: $m) }",
            json!({"m": model_id}),
        ),
        (
            "mutation { createDataset(input: {ns: \"a.example\", name: \"d\", dataType: TABULAR}) { id } }",
            json!({}),
        ),
        (
            "mutation { createExperiment(input: {ns: \"a.example\", name: \"e\", experimentType: EVALUATION}) { id } }",
            json!({}),
        ),
        (
            "mutation { enqueueTrainingJob(input: {ns: \"a.example\", name: \"j\"}) { id } }",
            json!({}),
        ),
        (
            "mutation { createEndpoint(input: {ns: \"a.example\", name: \"ep\", environment: STAGING}) { id } }",
            json!({}),
        ),
        (
            "mutation($m: ID!, $d: ID!) { link(source: $m, kind: \"trainedOn\", target: $d) { id } }",
            json!({"m": model_id, "d": dataset_id}),
        ),
        (
            "mutation($m: ID!, $d: ID!) { unlink(source: $m, kind: \"trainedOn\", target: $d) }",
            json!({"m": model_id, "d": dataset_id}),
        ),
        (
            "mutation($j: ID!) { cancelTrainingJob(input: {id: $j}) { id } }",
            json!({"j": job_id}),
        ),
        (
            "mutation($v: ID!) { promoteModelVersion(id: $v, stage: NONE) { version { stage } } }",
            json!({"v": version_id}),
        ),
        (
            "mutation($v: ID!) { promoteModelVersion(id: $v, stage: PRODUCTION) { version { stage } } }",
            json!({"v": version_id}),
        ),
        (
            "mutation($m: ID!) { updateModel(input: {id: $m, description: \"x\"}) { id } }",
            json!({"m": model_id}),
        ),
    ];
    // A viewer claims nothing, even with a job queued in its namespace.
    let claimed = ok(
        &s.addr,
        &viewer,
        "mutation { claimTrainingJob(worker: \"w\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(claimed["claimTrainingJob"], Value::Null);
    let events_before = base.count("events").await;
    for (q, v) in by_viewer {
        let (status, body) = post(&s.addr, Some(&viewer), q, v).await;
        let c = body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(c, "FORBIDDEN", "{q}: {status} {body}");
    }
    assert_eq!(base.count("events").await, events_before);
    assert_eq!(base.count("model_versions").await, 1);
    assert_eq!(
        base.count("edges").await,
        1,
        "the viewer's unlink removed nothing"
    );

    // Grants: editors do not grant, an admin of A grants in A only.
    let grant = "mutation($u: ID!, $ns: String!) { grantRole(input: {userId: $u, ns: $ns, role: VIEWER}) { id ns role } }";
    assert_eq!(
        code(&s.addr, Some(&editor), grant, json!({"u": target, "ns": A}))
            .await
            .1,
        "FORBIDDEN"
    );
    assert_eq!(
        code(&s.addr, Some(&admin), grant, json!({"u": target, "ns": B}))
            .await
            .1,
        "FORBIDDEN"
    );
    let g = ok(
        &s.addr,
        &admin,
        grant,
        json!({"u": target, "ns": "a.example/fraud"}),
    )
    .await;
    assert_eq!(g["grantRole"]["ns"], "a.example/fraud");
    // An admin cannot mint keys for someone holding more than they administer.
    let (other, _) = user_with(&s, "other@b.example", &[(B, entity::enums::Role::Viewer)]).await;
    let mint = "mutation($u: ID!) { createApiKey(input: {userId: $u, name: \"x\"}) { token } }";
    assert_eq!(
        code(&s.addr, Some(&admin), mint, json!({"u": other}))
            .await
            .1,
        "FORBIDDEN"
    );
    let minted = ok(&s.addr, &admin, mint, json!({"u": target})).await;
    assert!(
        minted["createApiKey"]["token"]
            .as_str()
            .is_some_and(|t| t.starts_with("mlg_"))
    );
    // Creating a superuser takes a superuser.
    let su = "mutation { createUser(input: {email: \"boss@a.example\", password: \"long enough password\", isSuperuser: true}) { id } }";
    assert_eq!(
        code(&s.addr, Some(&admin), su, json!({})).await.1,
        "FORBIDDEN"
    );
}

/// Without a key only `login` answers (401); a bad, revoked or expired key, or one of a
/// deleted user, is refused on the very next request.
#[tokio::test]
async fn keys_are_checked_on_every_request() {
    let base = TestApp::new().await;
    let s = secured(&base).await;
    let (uid, key) = user_with(&s, "dev@a.example", &[(A, entity::enums::Role::Editor)]).await;
    let q = "{ models(first: 1) { totalCount } }";

    assert_eq!(
        code(&s.addr, None, q, json!({})).await,
        (401, "UNAUTHENTICATED".into())
    );
    assert_eq!(
        code(&s.addr, Some("mlg_nonsense"), q, json!({})).await,
        (401, "UNAUTHENTICATED".into())
    );
    let forged = format!("{}x", &key[..key.len() - 1]);
    assert_eq!(
        code(&s.addr, Some(&forged), q, json!({})).await,
        (401, "UNAUTHENTICATED".into())
    );
    ok(&s.addr, &key, q, json!({})).await;

    // A key that expires in an hour works until the clock passes it.
    let expiring = ok(
        &s.addr,
        &key,
        "mutation($t: DateTime!) { createApiKey(input: {name: \"short\", expiresAt: $t}) { token apiKey { id } } }",
        json!({"t": (s.clock.now() + chrono::Duration::hours(1)).to_rfc3339()}),
    )
    .await;
    let short = expiring["createApiKey"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ok(&s.addr, &short, q, json!({})).await;
    s.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        code(&s.addr, Some(&short), q, json!({})).await.1,
        "UNAUTHENTICATED"
    );

    // Revoked: refused on the next request.
    let me = ok(
        &s.addr,
        &key,
        "{ me { user { email apiKeys { id name revokedAt } } } }",
        json!({}),
    )
    .await;
    let key_id = me["me"]["user"]["apiKeys"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(me["me"]["user"]["email"], "dev@a.example");
    let second = ok(
        &s.addr,
        &key,
        "mutation { createApiKey(input: {name: \"ci\"}) { token } }",
        json!({}),
    )
    .await;
    let second = second["createApiKey"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ok(
        &s.addr,
        &second,
        "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
        json!({"id": key_id}),
    )
    .await;
    assert_eq!(
        code(&s.addr, Some(&key), q, json!({})).await.1,
        "UNAUTHENTICATED"
    );
    ok(&s.addr, &second, q, json!({})).await;

    // A deleted user: keys refused, login refused, name kept on the trail.
    let root_token = superuser(&s, "root@example.com").await;
    ok(
        &s.addr,
        &root_token,
        "mutation($id: ID!) { deleteUser(id: $id) { deletedAt } }",
        json!({"id": uid}),
    )
    .await;
    assert_eq!(
        code(&s.addr, Some(&second), q, json!({})).await.1,
        "UNAUTHENTICATED"
    );
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    assert_eq!(
        code(
            &s.addr,
            None,
            login,
            json!({"e": "dev@a.example", "p": "correct horse battery staple"})
        )
        .await
        .1,
        "UNAUTHENTICATED"
    );
    let trail = rows(
        &base,
        "SELECT actor FROM events WHERE entity_type = 'ApiKey' AND action = 'REVOKE'",
    )
    .await;
    assert_eq!(
        trail
            .first()
            .and_then(|r| r.try_get::<String>("", "actor").ok())
            .as_deref(),
        Some("dev@a.example")
    );
}

/// Login opens a session that `logout` ends; five failures lock the account for 15
/// minutes (also against the right password), with the same answer as an unknown
/// account; after the window it opens again.
#[tokio::test]
async fn login_lockout_and_logout() {
    let base = TestApp::new().await;
    let s = secured(&base).await;
    user_with(&s, "ann@a.example", &[(A, entity::enums::Role::Viewer)]).await;
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token expiresAt user { email grants { ns role } } } }";
    let right = json!({"e": "Ann@A.example", "p": "correct horse battery staple"});
    let wrong = json!({"e": "ann@a.example", "p": "wrong password!"});
    let unknown = json!({"e": "nobody@a.example", "p": "wrong password!"});

    let (_, body) = post(&s.addr, None, login, right.clone()).await;
    let session = body["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert_eq!(
        body["data"]["login"]["user"]["grants"],
        json!([{"ns": A, "role": "VIEWER"}])
    );
    ok(&s.addr, &session, "{ models { totalCount } }", json!({})).await;
    assert_eq!(
        ok(&s.addr, &session, "mutation { logout }", json!({})).await["logout"],
        true
    );
    assert_eq!(
        code(
            &s.addr,
            Some(&session),
            "{ models { totalCount } }",
            json!({})
        )
        .await
        .1,
        "UNAUTHENTICATED"
    );

    let (_, unknown_answer) = post(&s.addr, None, login, unknown).await;
    for _ in 0..5 {
        let (status, body) = post(&s.addr, None, login, wrong.clone()).await;
        assert_eq!(status, 401);
        assert_eq!(
            body["errors"][0]["message"],
            unknown_answer["errors"][0]["message"]
        );
    }
    let (_, locked) = post(&s.addr, None, login, right.clone()).await;
    assert_eq!(
        locked["errors"][0]["message"], unknown_answer["errors"][0]["message"],
        "locked: {locked}"
    );
    s.clock.advance(chrono::Duration::minutes(14));
    assert!(
        post(&s.addr, None, login, right.clone())
            .await
            .1
            .get("errors")
            .is_some(),
        "still locked"
    );
    s.clock.advance(chrono::Duration::minutes(2));
    let (status, body) = post(&s.addr, None, login, right.clone()).await;
    assert_eq!(status, 200, "{body}");
    let token = body["data"]["login"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // A new password: the old one stops working, the new one logs in.
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    assert_eq!(
        code(
            &s.addr,
            Some(&token),
            change,
            json!({"c": "wrong password!", "n": "another long passphrase"})
        )
        .await
        .1,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        code(
            &s.addr,
            Some(&token),
            change,
            json!({"c": "correct horse battery staple", "n": "short"})
        )
        .await
        .1,
        "BAD_USER_INPUT"
    );
    ok(
        &s.addr,
        &token,
        change,
        json!({"c": "correct horse battery staple", "n": "another long passphrase"}),
    )
    .await;
    assert_eq!(post(&s.addr, None, login, right).await.0, 401);
    let (status, _) = post(
        &s.addr,
        None,
        login,
        json!({"e": "ann@a.example", "p": "another long passphrase"}),
    )
    .await;
    assert_eq!(status, 200);
}

/// After creating users and keys, no password and no key secret is anywhere in the
/// database: every text and JSON column of every table is searched.
#[tokio::test]
async fn no_secret_at_rest() {
    let base = TestApp::new().await;
    let s = secured(&base).await;
    let (_, key) = user_with(&s, "sec@a.example", &[(A, entity::enums::Role::Admin)]).await;
    let (_, body) = post(
        &s.addr,
        None,
        "mutation { login(email: \"sec@a.example\", password: \"correct horse battery staple\") { token } }",
        json!({}),
    )
    .await;
    let session = body["data"]["login"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let secrets = [
        "correct horse battery staple".to_owned(),
        key.splitn(3, '_').nth(2).unwrap_or_default().to_owned(),
        session.splitn(3, '_').nth(2).unwrap_or_default().to_owned(),
    ];
    assert!(secrets.iter().all(|s| s.len() >= 20));
    let dump = rows(
        &base,
        "SELECT string_agg(t::text, E'\\n') AS dump FROM (
           SELECT row_to_json(x)::text AS t FROM users x UNION ALL
           SELECT row_to_json(x)::text FROM api_keys x UNION ALL
           SELECT row_to_json(x)::text FROM grants x UNION ALL
           SELECT row_to_json(x)::text FROM events x) all_rows",
    )
    .await;
    let dump: String = dump
        .first()
        .and_then(|r| r.try_get("", "dump").ok())
        .unwrap_or_default();
    assert!(
        dump.contains("sec@a.example") && dump.contains("$argon2id$v=19$m=19456,t=2,p=1$"),
        "the dump has the rows"
    );
    for secret in &secrets {
        assert!(
            !dump.contains(secret.as_str()),
            "a secret is stored in plain text"
        );
    }
    let hashes = rows(&base, "SELECT secret_sha256 FROM api_keys").await;
    let events = rows(&base, "SELECT COALESCE(after::text, '') AS a FROM events").await;
    for h in hashes
        .iter()
        .filter_map(|r| r.try_get::<String>("", "secret_sha256").ok())
    {
        assert!(
            events
                .iter()
                .filter_map(|r| r.try_get::<String>("", "a").ok())
                .all(|a| !a.contains(&h)),
            "the event log copies no key hash"
        );
    }
}

/// Subscriptions: the key goes in `connection_init`; a missing or bad one closes with
/// 4403; a subscriber receives only events it may read; revoking its grant while it is
/// connected closes the connection with 4403.
#[tokio::test]
async fn subscriptions_are_scoped_and_closed_when_access_ends() {
    let base = TestApp::new().await;
    let s = secured(&base).await;
    let (_, viewer) = user_with(&s, "watch@a.example", &[(A, entity::enums::Role::Viewer)]).await;
    let root_token = superuser(&s, "root@example.com").await;

    for protocol in ["graphql-transport-ws", "graphql-ws"] {
        for payload in [json!({}), json!({"authorization": "Bearer mlg_bad"})] {
            let mut ws = Ws::open(&s.addr, protocol).await;
            ws.send(json!({"type": "connection_init", "payload": payload}))
                .await;
            assert_eq!(
                close_code(&mut ws.socket).await,
                4403,
                "{protocol} {payload}"
            );
        }
    }

    let mut ws = Ws::connect_with(
        &s.addr,
        "graphql-transport-ws",
        json!({"authorization": format!("Bearer {viewer}")}),
    )
    .await;
    ws.subscribe(
        "1",
        "subscription { events { ns entityType action } }",
        json!({}),
    )
    .await;
    // Subscribed once a first event reaches it: write in A until one arrives.
    let create =
        "mutation($ns: String!, $n: String!) { createModel(input: {ns: $ns, name: $n}) { id } }";
    ok(
        &s.addr,
        &root_token,
        create,
        json!({"ns": B, "n": "hidden"}),
    )
    .await;
    ok(&s.addr, &root_token, create, json!({"ns": A, "n": "seen"})).await;
    let first = ws.next_data().await;
    assert_eq!(
        first["events"]["ns"], A,
        "the B event, written first, is not delivered: {first}"
    );
    // A job of the other namespace cannot be watched, and its events do not arrive: the
    // next event the viewer gets is the A write made after them.
    let job = ok(
        &s.addr,
        &root_token,
        "mutation($ns: String!) { enqueueTrainingJob(input: {ns: $ns, name: \"j\"}) { id } }",
        json!({"ns": B}),
    )
    .await;
    let mut other = Ws::connect_with(
        &s.addr,
        "graphql-transport-ws",
        json!({"authorization": format!("Bearer {viewer}")}),
    )
    .await;
    other
        .subscribe(
            "w",
            "subscription($id: ID!) { trainingJobUpdated(id: $id) { id } }",
            json!({"id": job["enqueueTrainingJob"]["id"]}),
        )
        .await;
    let refused = other.recv().await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
    ok(&s.addr, &root_token, create, json!({"ns": A, "n": "after"})).await;
    let next = ws.next_data().await;
    assert_eq!(next["events"]["ns"], A, "{next}");
    assert_eq!(next["events"]["entityType"], "Model", "{next}");

    let grant_id = rows(&base, "SELECT g.id::text AS id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.email = 'watch@a.example'")
        .await
        .first()
        .and_then(|r| r.try_get::<String>("", "id").ok())
        .unwrap_or_default();
    ok(
        &s.addr,
        &root_token,
        "mutation($id: ID!) { revokeGrant(id: $id) { id } }",
        json!({"id": grant_id}),
    )
    .await;
    let started = std::time::Instant::now();
    assert_eq!(close_code(&mut ws.socket).await, 4403);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// With authentication off (the embedded demo), everything works as before and
/// `x-actor` names the author; `me` says authentication is off.
#[tokio::test]
async fn authentication_off_keeps_the_open_mode() {
    let base = TestApp::new().await;
    let addr = base.serve().await;
    let (status, body) = post(
        &addr,
        None,
        "mutation { createModel(input: {ns: \"a.example\", name: \"m\"}) { createdBy } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["createModel"]["createdBy"], "mallory");
    let (_, me) = post(
        &addr,
        None,
        "{ me { authentication user { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        me["data"]["me"],
        json!({"authentication": false, "user": null})
    );
}

/// `mlgraph admin` bootstraps the first superuser and its key from the shell; the key
/// works over HTTP, and the password never appears in the command's output.
#[tokio::test]
async fn the_admin_cli_bootstraps_a_superuser() {
    let base = TestApp::new().await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlgraph"))
            .args(["admin"])
            .args(args)
            .env("DATABASE_URL", &base.url)
            .env("MLGRAPH_PASSWORD", "a long bootstrap passphrase")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap_or_else(|e| panic!("run mlgraph: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{args:?}: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!stdout.contains("bootstrap passphrase"));
        stdout
    };
    let created = run(&["create-user", "--email", "Root@Acme.com", "--superuser"]);
    assert!(created.contains("root@acme.com"), "{created}");
    let token = run(&["create-key", "--email", "root@acme.com", "--name", "laptop"]);
    let token = token.trim();
    assert!(token.starts_with("mlg_"), "{token}");
    run(&[
        "grant",
        "--email",
        "root@acme.com",
        "--ns",
        "acme.com",
        "--role",
        "viewer",
    ]);

    let s = secured(&base).await;
    let me = ok(
        &s.addr,
        token,
        "{ me { user { email isSuperuser grants { ns role } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        me["me"]["user"],
        json!({"email": "root@acme.com", "isSuperuser": true, "grants": [{"ns": "acme.com", "role": "VIEWER"}]})
    );
}

/// An ADMIN of one namespace tries every account operation on another tenant's users
/// (issue #32): none reaches them, and a key the ADMIN minted stops working once its
/// holder is granted a role elsewhere.
#[tokio::test]
async fn an_admin_of_one_namespace_cannot_reach_another_tenants_accounts() {
    use entity::enums::Role;
    let base = TestApp::new().await;
    let s = secured(&base).await;
    let other = "b.example";
    let (_, admin_a) = user_with(&s, "admin@a.example", &[(A, Role::Admin)]).await;
    let (_, admin_b) = user_with(&s, "admin@b.example", &[(other, Role::Admin)]).await;
    let (bob, _) = user_with(&s, "bob@b.example", &[(other, Role::Editor)]).await;

    // An account without grants is nobody's namespace: only a superuser creates one.
    let bare = "mutation { createUser(input: {email: \"fresh@b.example\", kind: SERVICE}) { id } }";
    assert_eq!(
        code(&s.addr, Some(&admin_a), bare, json!({})).await.1,
        "BAD_USER_INPUT"
    );
    let into_b = "mutation { createUser(input: {email: \"fresh@b.example\", kind: SERVICE, grants: [{ns: \"b.example\", role: VIEWER}]}) { id } }";
    assert_eq!(
        code(&s.addr, Some(&admin_a), into_b, json!({})).await.1,
        "FORBIDDEN"
    );
    assert_eq!(
        rows(
            &base,
            "SELECT id FROM users WHERE email = 'fresh@b.example'"
        )
        .await
        .len(),
        0,
        "a refused creation wrote no account"
    );
    // B's admin makes an account with its first grant in one step.
    let created = ok(
        &s.addr,
        &admin_b,
        "mutation { createUser(input: {email: \"svc@b.example\", kind: SERVICE, grants: [{ns: \"b.example\", role: EDITOR}]}) { id grants { ns role } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        created["createUser"]["grants"],
        json!([{"ns": "b.example", "role": "EDITOR"}])
    );
    let svc = created["createUser"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // A's admin lists only A's accounts, and cannot mint for, delete or revoke B's.
    let listed = ok(&s.addr, &admin_a, "{ users { email } }", json!({})).await;
    let emails: BTreeSet<&str> = listed["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails, BTreeSet::from(["admin@a.example"]), "{listed}");
    let mint = "mutation($u: ID!) { createApiKey(input: {userId: $u, name: \"x\"}) { token } }";
    for victim in [&svc, &bob] {
        assert_eq!(
            code(&s.addr, Some(&admin_a), mint, json!({"u": victim}))
                .await
                .1,
            "FORBIDDEN"
        );
        assert_eq!(
            code(
                &s.addr,
                Some(&admin_a),
                "mutation($u: ID!) { deleteUser(id: $u) { id } }",
                json!({"u": victim})
            )
            .await
            .1,
            "FORBIDDEN"
        );
    }
    let b_keys = rows(
        &base,
        &format!("SELECT id FROM api_keys WHERE user_id = '{bob}'"),
    )
    .await;
    let b_key: uuid::Uuid = b_keys[0].try_get("", "id").unwrap_or_default();
    assert_eq!(
        code(
            &s.addr,
            Some(&admin_a),
            "mutation($k: ID!) { revokeApiKey(id: $k) { id } }",
            json!({"k": b_key.to_string()})
        )
        .await
        .1,
        "NOT_FOUND"
    );

    // A's admin makes an account in A and mints its key; once B grants the account a
    // role, that key (minted by someone who no longer manages the holder) is refused,
    // while the holder's own keys and B's admin are unaffected.
    let made = ok(
        &s.addr,
        &admin_a,
        "mutation { createUser(input: {email: \"shared@a.example\", kind: SERVICE, grants: [{ns: \"a.example\", role: VIEWER}]}) { id } }",
        json!({}),
    )
    .await;
    let shared = made["createUser"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let minted = ok(&s.addr, &admin_a, mint, json!({"u": shared})).await;
    let token = minted["createApiKey"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        ok(&s.addr, &token, "{ models { totalCount } }", json!({})).await["models"]["totalCount"],
        0
    );
    ok(
        &s.addr,
        &admin_b,
        "mutation($u: ID!) { grantRole(input: {userId: $u, ns: \"b.example\", role: EDITOR}) { id } }",
        json!({"u": shared}),
    )
    .await;
    let (status, body) = post(
        &s.addr,
        Some(&token),
        "mutation { createModel(input: {ns: \"b.example\", name: \"pwned\"}) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(base.count("models").await, 0);
    // Now neither admin alone manages the account.
    for admin in [&admin_a, &admin_b] {
        assert_eq!(
            code(&s.addr, Some(admin), mint, json!({"u": shared}))
                .await
                .1,
            "FORBIDDEN"
        );
    }
}

//! Artifacts against a real S3-compatible server (SeaweedFS, started by the test command:
//! it checks signatures, expiry and `x-amz-checksum-sha256`) and against the local
//! directory store mlgraph serves itself. A plain HTTP client moves the bytes using only
//! the presigned requests the API hands out; every scenario runs on both stores.

use mlgraph::artifacts::service::{self, ArtifactSettings, Artifacts};
use mlgraph::artifacts::store::{LocalStore, ObjectStore, S3Settings, S3Store};
use mlgraph::core::clock::Clock;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{TestApp, create_endpoint, create_model, create_version, deploy};

const NS: &str = "acme.com/files";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the suite with ./scripts/test.sh, which starts an S3 server")
    })
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    S3,
    Local,
}

/// A served app with an artifact store of `kind`; multipart from 6 MiB on, in 5 MiB
/// parts. Presigned URLs start at `clock`.
pub(crate) struct Env {
    pub(crate) app: TestApp,
    /// The local store's directory, removed at the end.
    dir: Option<std::path::PathBuf>,
    /// Owns the database (dropped last).
    _base: TestApp,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            std::fs::remove_dir_all(dir).ok();
        }
    }
}

async fn s3_settings() -> S3Settings {
    let s = S3Settings {
        endpoint: Some(env("MLGRAPH_TEST_S3_ENDPOINT")),
        region: "us-east-1".into(),
        bucket: env("MLGRAPH_TEST_S3_BUCKET"),
        path_style: true,
        access_key_id: env("MLGRAPH_TEST_S3_ACCESS_KEY"),
        secret_access_key: env("MLGRAPH_TEST_S3_SECRET_KEY"),
        session_token: None,
    };
    // The test command's server made the bucket before it said it was ready; make sure
    // (creating it again is refused harmlessly), then it must answer for it.
    let client = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new(
                &s.access_key_id,
                &s.secret_access_key,
                None,
                None,
                "test",
            ))
            .endpoint_url(s.endpoint.clone().unwrap_or_default())
            .force_path_style(true)
            .build(),
    );
    client.create_bucket().bucket(&s.bucket).send().await.ok();
    if let Err(e) = client.head_bucket().bucket(&s.bucket).send().await {
        panic!(
            "the S3 server does not answer for bucket {}: {e:?}",
            s.bucket
        );
    }
    s
}

pub(crate) async fn setup(kind: Kind, clock: Clock) -> Env {
    setup_on(TestApp::new().await, kind, clock).await
}

/// [`setup`] over a given app (e.g. on SQLite).
pub(crate) async fn setup_on(base: TestApp, kind: Kind, clock: Clock) -> Env {
    let listener = TestApp::bind().await;
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let (store, dir) = match kind {
        Kind::S3 => (ObjectStore::S3(S3Store::new(&s3_settings().await)), None),
        Kind::Local => {
            let dir = std::env::temp_dir().join(format!(
                "mlgraph-artifacts-{}",
                uuid::Uuid::now_v7().simple()
            ));
            (
                ObjectStore::Local(LocalStore::new(
                    dir.clone(),
                    b"test signing key".to_vec(),
                    format!("http://{addr}"),
                )),
                Some(dir),
            )
        }
    };
    let app = base.with_artifacts(Artifacts {
        store,
        settings: ArtifactSettings {
            multipart_threshold: 6 * 1024 * 1024,
            part_size: 5 * 1024 * 1024,
            ..ArtifactSettings::default()
        },
        clock: clock.clone(),
    });
    app.serve_on(listener).await;
    Env {
        app,
        dir,
        _base: base,
    }
}

pub(crate) fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Deterministic bytes.
fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

const CREATE: &str = "mutation($i: CreateArtifactUploadInput!) { createArtifactUpload(input: $i) {
    alreadyPresent partSize
    artifact { id status key deduplicated sizeBytes sha256 }
    upload { method url headers { name value } expiresAt }
    parts { partNumber offset sizeBytes request { method url headers { name value } } } } }";
const COMPLETE: &str = "mutation($id: ID!) { completeArtifactUpload(id: $id) { id status failureReason verifiedAt key } }";
const DOWNLOAD: &str =
    "query($id: ID!) { artifact(id: $id) { downloadUrl(expiresInSeconds: 60) } }";

async fn plan(env: &Env, owner: &str, path: &str, data: &[u8]) -> Value {
    env.app
        .ok(
            CREATE,
            json!({"i": {"ownerId": owner, "path": path, "sizeBytes": data.len(), "sha256": sha_hex(data), "contentType": "application/octet-stream"}}),
        )
        .await["createArtifactUpload"]
        .clone()
}

/// Sends `body` as the presigned request says; returns the status.
async fn send(request: &Value, body: Vec<u8>) -> u16 {
    let client = reqwest::Client::new();
    let method = request["method"].as_str().unwrap_or("PUT");
    let url = request["url"].as_str().unwrap_or_default();
    let mut req = client.request(method.parse().unwrap_or(reqwest::Method::PUT), url);
    for h in request["headers"].as_array().into_iter().flatten() {
        let (Some(n), Some(v)) = (h["name"].as_str(), h["value"].as_str()) else {
            continue;
        };
        if n.eq_ignore_ascii_case("host") {
            continue;
        }
        req = req.header(n, v);
    }
    req.body(body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Uploads `data` by the plan (one PUT or its parts).
pub(crate) async fn upload(plan: &Value, data: &[u8]) -> Vec<u16> {
    if plan["upload"].is_object() {
        return vec![send(&plan["upload"], data.to_vec()).await];
    }
    let mut statuses = Vec::new();
    for part in plan["parts"].as_array().into_iter().flatten() {
        let off = part["offset"].as_u64().unwrap_or(0) as usize;
        let size = part["sizeBytes"].as_u64().unwrap_or(0) as usize;
        statuses.push(send(&part["request"], data[off..off + size].to_vec()).await);
    }
    statuses
}

async fn complete(env: &Env, id: &str) -> Value {
    env.app.ok(COMPLETE, json!({"id": id})).await["completeArtifactUpload"].clone()
}

async fn download(env: &Env, id: &str) -> (u16, Vec<u8>) {
    let url = env.app.ok(DOWNLOAD, json!({"id": id})).await["artifact"]["downloadUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let resp = reqwest::get(&url)
        .await
        .unwrap_or_else(|e| panic!("download: {e}"));
    let status = resp.status().as_u16();
    (
        status,
        resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
    )
}

/// Whether the store holds the object of `key`.
async fn stored(env: &Env, key: &str) -> bool {
    let arts = env
        .app
        .state
        .artifacts
        .as_ref()
        .unwrap_or_else(|| panic!("no store"));
    arts.store
        .head(key)
        .await
        .unwrap_or_else(|e| panic!("head: {e:?}"))
        .is_some()
}

async fn version_owner(env: &Env) -> String {
    let model = create_model(
        &env.app,
        NS,
        &format!("m-{}", uuid::Uuid::now_v7().simple()),
    )
    .await;
    create_version(&env.app, &model).await
}

async fn single_and_multipart_round_trip(kind: Kind) {
    let env = setup(kind, Clock::system()).await;
    let owner = version_owner(&env).await;

    let small = bytes(10_000, 1);
    let p = plan(&env, &owner, "model.pkl", &small).await;
    assert_eq!(p["artifact"]["status"], "PENDING");
    assert!(
        p["upload"]["url"].is_string() && p["parts"] == json!([]),
        "{p}"
    );
    assert_eq!(upload(&p, &small).await, vec![200]);
    let id = p["artifact"]["id"].as_str().unwrap_or_default().to_owned();
    let done = complete(&env, &id).await;
    assert_eq!(done["status"], "VERIFIED", "{done}");
    assert!(
        done["key"]
            .as_str()
            .is_some_and(|k| k.starts_with(&format!("models/{NS}/")) && k.ends_with("/model.pkl"))
    );
    assert_eq!(download(&env, &id).await, (200, small.clone()));

    // 11 MiB: three parts (5, 5, 1 MiB), completed without listing them.
    let big = bytes(11 * 1024 * 1024, 7);
    let p = plan(&env, &owner, "weights/model.bin", &big).await;
    assert_eq!(p["partSize"], json!(5 * 1024 * 1024));
    assert_eq!(p["parts"].as_array().map(Vec::len), Some(3), "{p}");
    assert_eq!(upload(&p, &big).await, vec![200, 200, 200]);
    let id = p["artifact"]["id"].as_str().unwrap_or_default().to_owned();
    let done = complete(&env, &id).await;
    assert_eq!(done["status"], "VERIFIED", "{done}");
    let (status, got) = download(&env, &id).await;
    assert_eq!((status, sha_hex(&got)), (200, sha_hex(&big)));

    // The version lists both; events tell the story.
    let listed = env
        .app
        .ok("query($v: ID!) { modelVersion(id: $v) { artifacts { totalCount nodes { path status } } } }", json!({"v": owner}))
        .await;
    assert_eq!(
        listed["modelVersion"]["artifacts"]["totalCount"], 2,
        "{listed}"
    );
    let actions = env
        .app
        .ok(
            "query($id: ID!) { node(id: $id) { history { nodes { action } } } }",
            json!({"id": id}),
        )
        .await;
    let actions: Vec<&str> = actions["node"]["history"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec!["VERIFIED", "UPLOADED", "MULTIPART_STARTED", "CREATE"]
    );
}

async fn wrong_bytes_fail_and_leave_nothing(kind: Kind) {
    let env = setup(kind, Clock::system()).await;
    let owner = version_owner(&env).await;
    let declared = bytes(4096, 2);
    let other = bytes(4096, 3);

    // One PUT: the store itself refuses bytes whose SHA-256 differs from the signed one.
    let p = plan(&env, &owner, "a.bin", &declared).await;
    let status = upload(&p, &other).await;
    assert!(
        status[0] >= 400,
        "the store accepted other bytes: {status:?}"
    );
    let id = p["artifact"]["id"].as_str().unwrap_or_default().to_owned();
    let done = complete(&env, &id).await;
    assert_eq!(done["status"], "FAILED", "{done}");
    assert!(!stored(&env, p["artifact"]["key"].as_str().unwrap_or_default()).await);

    // Multipart parts carry no checksum: the server finds the difference and deletes the object.
    let declared = bytes(7 * 1024 * 1024, 4);
    let mut sent = declared.clone();
    sent[6 * 1024 * 1024] ^= 0xff;
    let p = plan(&env, &owner, "b.bin", &declared).await;
    assert_eq!(upload(&p, &sent).await, vec![200, 200]);
    let id = p["artifact"]["id"].as_str().unwrap_or_default().to_owned();
    let done = complete(&env, &id).await;
    assert_eq!(done["status"], "FAILED", "{done}");
    assert!(
        done["failureReason"]
            .as_str()
            .is_some_and(|r| r.contains("SHA-256")),
        "{done}"
    );
    assert!(!stored(&env, p["artifact"]["key"].as_str().unwrap_or_default()).await);
    // A download of a failed artifact is refused.
    let resp = env.app.gql(DOWNLOAD, json!({"id": id})).await;
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "CONFLICT",
        "{resp}"
    );
}

async fn expired_urls_are_refused(kind: Kind) {
    // URLs that started two hours ago: the upload URL (1 hour) and downloads are dead.
    let clock = Clock::manual(chrono::Utc::now() - chrono::Duration::hours(2));
    let env = setup(kind, clock.clone()).await;
    let owner = version_owner(&env).await;
    let data = bytes(2048, 5);
    let p = plan(&env, &owner, "late.bin", &data).await;
    assert_eq!(upload(&p, &data).await, vec![403]);

    // Now on time: upload, then a download URL made two hours back is refused.
    clock.advance(chrono::Duration::hours(2));
    let p = plan(&env, &owner, "ontime.bin", &data).await;
    assert_eq!(upload(&p, &data).await, vec![200]);
    let id = p["artifact"]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(complete(&env, &id).await["status"], "VERIFIED");
    assert_eq!(download(&env, &id).await.0, 200);
    clock.advance(chrono::Duration::hours(-2));
    assert_eq!(download(&env, &id).await.0, 403);
}

async fn same_bytes_upload_once(kind: Kind) {
    let env = setup(kind, Clock::system()).await;
    let first_owner = version_owner(&env).await;
    let second_owner = version_owner(&env).await;
    let data = bytes(5000, 9);
    let p = plan(&env, &first_owner, "model.pkl", &data).await;
    upload(&p, &data).await;
    let id = p["artifact"]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(complete(&env, &id).await["status"], "VERIFIED");

    let again = plan(&env, &second_owner, "copy.pkl", &data).await;
    assert_eq!(again["alreadyPresent"], true, "{again}");
    assert_eq!(again["artifact"]["status"], "VERIFIED");
    assert_eq!(again["artifact"]["deduplicated"], true);
    assert_eq!(again["artifact"]["key"], p["artifact"]["key"]);
    assert!(again["upload"].is_null() && again["parts"] == json!([]));
    let copy = again["artifact"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(download(&env, &copy).await, (200, data.clone()));

    // Another namespace shares nothing.
    let model = create_model(&env.app, "other.org", "m").await;
    let elsewhere = create_version(&env.app, &model).await;
    assert_eq!(
        plan(&env, &elsewhere, "model.pkl", &data).await["alreadyPresent"],
        false
    );

    // Deleting the first keeps the shared object until the copy goes too.
    let delete = "mutation($id: ID!) { deleteArtifact(id: $id) { deletedAt } }";
    env.app.ok(delete, json!({"id": id})).await;
    let arts = env
        .app
        .state
        .artifacts
        .clone()
        .unwrap_or_else(|| panic!("store"));
    service::sweep(env.app.db(), &arts, chrono::Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let key = p["artifact"]["key"].as_str().unwrap_or_default();
    assert!(stored(&env, key).await, "a live artifact still shares it");
    env.app.ok(delete, json!({"id": copy})).await;
    let report = service::sweep(env.app.db(), &arts, chrono::Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(report.objects_deleted, 1);
    assert!(!stored(&env, key).await);
}

async fn deletion_rules_and_the_sweeper(kind: Kind) {
    let env = setup(kind, Clock::system()).await;
    let arts = env
        .app
        .state
        .artifacts
        .clone()
        .unwrap_or_else(|| panic!("store"));
    let owner = version_owner(&env).await;
    let data = bytes(3000, 11);
    let p = plan(&env, &owner, "served.pkl", &data).await;
    upload(&p, &data).await;
    let served = p["artifact"]["id"].as_str().unwrap_or_default().to_owned();
    complete(&env, &served).await;
    let endpoint = create_endpoint(&env.app, NS, "ep", "STAGING").await;
    deploy(&env.app, &owner, &endpoint, 100).await;
    let delete = "mutation($id: ID!) { deleteArtifact(id: $id) { deletedAt } }";
    assert_eq!(
        env.app.error_code(delete, json!({"id": served})).await,
        "CONFLICT"
    );

    // Deleting the owner marks its artifacts deleted in the same transaction; the sweep
    // removes the object.
    let other = version_owner(&env).await;
    let data = bytes(3000, 12);
    let p = plan(&env, &other, "gone.pkl", &data).await;
    upload(&p, &data).await;
    let gone = p["artifact"]["id"].as_str().unwrap_or_default().to_owned();
    complete(&env, &gone).await;
    env.app
        .ok(
            "mutation($id: ID!) { deleteModelVersion(id: $id) }",
            json!({"id": other}),
        )
        .await;
    let row = env
        .app
        .ok(
            "query($id: ID!) { artifact(id: $id) { deletedAt } }",
            json!({"id": gone}),
        )
        .await;
    assert!(row["artifact"]["deletedAt"].is_string(), "{row}");
    let key = p["artifact"]["key"].as_str().unwrap_or_default().to_owned();
    assert!(stored(&env, &key).await);

    // An upload never completed fails after its TTL, its parts and object are dropped.
    let big = bytes(7 * 1024 * 1024, 13);
    let p = plan(&env, &owner, "abandoned.bin", &big).await;
    upload(&p, &big).await;
    let abandoned = p["artifact"]["id"].as_str().unwrap_or_default().to_owned();

    let later = chrono::Utc::now() + chrono::Duration::hours(25);
    let report = service::sweep(env.app.db(), &arts, later)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(report.expired, 1, "{report:?}");
    assert!(report.objects_deleted >= 1, "{report:?}");
    assert!(
        !stored(&env, &key).await,
        "the deleted owner's object is gone"
    );
    let row = env
        .app
        .ok(
            "query($id: ID!) { artifact(id: $id) { status failureReason } }",
            json!({"id": abandoned}),
        )
        .await;
    assert_eq!(row["artifact"]["status"], "FAILED", "{row}");
    // The served one stays.
    assert_eq!(download(&env, &served).await.0, 200);

    // A cascade (the model goes, with its versions): the sweeper finds the orphans.
    let model = create_model(&env.app, NS, "cascade").await;
    let version = create_version(&env.app, &model).await;
    let data = bytes(1000, 14);
    let p = plan(&env, &version, "c.pkl", &data).await;
    upload(&p, &data).await;
    complete(&env, p["artifact"]["id"].as_str().unwrap_or_default()).await;
    env.app
        .ok(
            "mutation($id: ID!) { deleteModel(id: $id) }",
            json!({"id": model}),
        )
        .await;
    let report = service::sweep(env.app.db(), &arts, chrono::Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (report.orphaned, report.objects_deleted),
        (1, 1),
        "{report:?}"
    );
    assert!(!stored(&env, p["artifact"]["key"].as_str().unwrap_or_default()).await);
}

/// The server's own files (`service::put`): bytes and a file on disk, in one request
/// and in parts past the multipart threshold, each verified and read back whole; the
/// same bytes again are the stored object.
async fn the_server_stores_its_own_files(kind: Kind) {
    use mlgraph::artifacts::service::{Contents, put};
    let env = setup(kind, Clock::system()).await;
    let owner = version_owner(&env).await;
    let owner = (
        mlgraph::core::ids::NodeType::ModelVersion,
        mlgraph::core::ids::decode(&owner)
            .map(|(_, u)| u)
            .unwrap_or_else(|| panic!("not an id")),
    );
    let arts = env
        .app
        .state
        .artifacts
        .clone()
        .unwrap_or_else(|| panic!("no store"));
    let ctx = mlgraph::core::context::RequestContext::default();
    let dir = std::env::temp_dir().join(format!("mlgraph-put-{}", uuid::Uuid::now_v7().simple()));
    for (i, size) in [100_000usize, 13 * 1024 * 1024].into_iter().enumerate() {
        let data = bytes(size, 3 + i as u8);
        std::fs::write(&dir, &data).unwrap_or_else(|e| panic!("{e}"));
        let from_file = put(
            env.app.db(),
            &arts,
            &ctx,
            owner,
            &format!("own/file-{i}.bin"),
            "application/octet-stream",
            Contents::File {
                path: &dir,
                size: size as i64,
                sha256: sha_hex(&data),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(from_file.status, entity::enums::ArtifactStatus::Verified);
        assert_eq!(from_file.part_count, (size > 6 * 1024 * 1024).then_some(3));
        let id = mlgraph::core::ids::encode(mlgraph::core::ids::NodeType::Artifact, from_file.id);
        let (status, got) = download(&env, id.as_str()).await;
        assert_eq!((status, sha_hex(&got)), (200, sha_hex(&data)));
        // The same bytes from memory, elsewhere: the stored object, nothing sent again.
        let from_memory = put(
            env.app.db(),
            &arts,
            &ctx,
            owner,
            &format!("own/bytes-{i}.bin"),
            "application/octet-stream",
            Contents::Bytes(data.clone()),
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(from_memory.deduplicated);
        assert_eq!(from_memory.object_key, from_file.object_key);
        // New bytes from memory past the threshold go in parts too.
        let other = bytes(size, 200 + i as u8);
        let parted = put(
            env.app.db(),
            &arts,
            &ctx,
            owner,
            &format!("own/other-{i}.bin"),
            "application/octet-stream",
            Contents::Bytes(other.clone()),
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
        let id = mlgraph::core::ids::encode(mlgraph::core::ids::NodeType::Artifact, parted.id);
        let (status, got) = download(&env, id.as_str()).await;
        assert_eq!((status, sha_hex(&got)), (200, sha_hex(&other)));
    }
    std::fs::remove_file(&dir).ok();
}

macro_rules! on_both_stores {
    ($($name:ident),+ $(,)?) => {
        mod s3 {
            $(#[tokio::test] async fn $name() { super::$name(super::Kind::S3).await })+
        }
        mod local {
            $(#[tokio::test] async fn $name() { super::$name(super::Kind::Local).await })+
        }
    };
}

on_both_stores!(
    single_and_multipart_round_trip,
    wrong_bytes_fail_and_leave_nothing,
    expired_urls_are_refused,
    same_bytes_upload_once,
    deletion_rules_and_the_sweeper,
    the_server_stores_its_own_files,
);

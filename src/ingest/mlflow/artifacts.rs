//! MLflow's artifact proxy, `/api/2.0/mlflow-artifacts/artifacts/...`, over mlgraph's
//! artifact store (S3 or the local directory): what `log_artifact`, `log_text`,
//! `log_dict`, `log_model`, `list_artifacts`, `download_artifacts` and `load_model` call
//! when an experiment's artifact location is `mlflow-artifacts:/...` (the default here).
//!
//! A location is a run's (`<experiment>/<run>/artifacts/<path>`: the file is an
//! `Artifact` of the `JobRun`) or a logged model's (`<experiment>/models/<m-id>/artifacts/
//! <path>`: an `Artifact` of the experiment under `models/<m-id>/artifacts/`). Every file
//! is stored, deduplicated and verified like any other artifact (SHA-256 computed while
//! it streams in, off the runtime, in constant memory: the body goes to a scratch file,
//! never into memory whole), so governance's checks and `downloadUrl` see it. A `PUT`
//! over an existing path replaces it, as MLflow's does. Large files may come by MLflow's
//! multipart upload instead (`mlflow-artifacts/mpu/...`, [`Api::multipart`]): the parts
//! go from the client to the store directly.

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use entity::{artifact, experiment, job_run, logged_model};
use sea_orm::{ColumnTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Api, MlResult, MlflowError, hex};
use crate::artifacts::service::{self as arts_service, Artifacts, Contents};
use crate::artifacts::store::SpoolError;
use crate::core::ids::NodeType;

/// The longest pause between two chunks of an upload before it is given up.
const IDLE: std::time::Duration = std::time::Duration::from_secs(60);
/// The largest file one `PUT` takes (S3's own limit for one object is 5 TiB).
const MAX_FILE: i64 = 5 * 1024 * 1024 * 1024 * 1024;

/// Where an MLflow artifact path lives in mlgraph.
pub(super) struct Place {
    /// The node the files belong to.
    owner: (NodeType, Uuid),
    /// The prefix of the location's files among the owner's artifacts (`""` for a run,
    /// `models/<m-id>/artifacts` for a logged model).
    base: String,
    /// The path under the location (may be empty: the location itself).
    path: String,
}

impl Place {
    /// The artifact path of `self.path` (or of `rel` under it) among the owner's.
    fn full(&self, rel: &str) -> String {
        [self.base.as_str(), self.path.as_str(), rel]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("/")
    }
}

impl Api<'_> {
    /// The place an artifact path (`<experiment>/<run>/artifacts/...` or
    /// `<experiment>/models/<m-id>/artifacts/...`) names, in this namespace.
    pub(super) async fn place(&self, location: &str) -> MlResult<Place> {
        let location = location.trim_matches('/');
        let segments: Vec<&str> = location.split('/').collect();
        let unknown = || {
            MlflowError::invalid(format!(
                "mlgraph keeps the artifacts of runs (<experiment>/<run>/artifacts/...) and of \
                 logged models (<experiment>/models/<model>/artifacts/...); '{location}' is neither"
            ))
        };
        if segments
            .iter()
            .any(|s| s.is_empty() || *s == "." || *s == "..")
        {
            return Err(unknown());
        }
        match segments.as_slice() {
            [exp, "models", model, "artifacts", rest @ ..] => {
                let exp = self.experiment(exp, false).await?;
                let lm: logged_model::Model = self.logged_model(model).await?;
                if lm.experiment_id != exp.id {
                    return Err(MlflowError::missing(format!(
                        "Logged model with ID '{model}' not found."
                    )));
                }
                Ok(Place {
                    owner: (NodeType::Experiment, exp.id),
                    base: format!("models/m-{}/artifacts", hex(lm.id)),
                    path: rest.join("/"),
                })
            }
            [exp, run, "artifacts", rest @ ..] => {
                let exp: experiment::Model = self.experiment(exp, false).await?;
                let run: job_run::Model = self.run(run).await?;
                if run.experiment_id != Some(exp.id) {
                    return Err(MlflowError::missing(format!(
                        "Run '{}' not found",
                        hex(run.id)
                    )));
                }
                Ok(Place {
                    owner: (NodeType::JobRun, run.id),
                    base: String::new(),
                    path: rest.join("/"),
                })
            }
            _ => Err(unknown()),
        }
    }

    /// `mlflow-artifacts/artifacts[/<location>]`: upload (`PUT`), download (`GET` of a
    /// file), list (`GET` with `?path=`), delete (`DELETE`).
    pub(super) async fn artifacts(
        &self,
        method: &Method,
        location: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: Body,
    ) -> MlResult<Response> {
        // Without a store nothing was kept: listings are empty, downloads find nothing,
        // uploads are refused.
        let store = || {
            self.arts.ok_or_else(|| {
                MlflowError::new(
                    StatusCode::NOT_IMPLEMENTED,
                    "FEATURE_DISABLED",
                    "this server keeps no artifacts (start it with an artifact store: \
                     --artifacts-dir or the S3 settings)",
                )
            })
        };
        let location = location.trim_matches('/');
        match (method.as_str(), location.is_empty()) {
            ("GET", true) => {
                let pairs: Vec<(String, String)> =
                    serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
                let path = pairs
                    .iter()
                    .find(|(k, _)| k == "path")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                let files = self.list(&self.place(&path).await?).await?;
                Ok(axum::Json(json!({ "files": files })).into_response())
            }
            ("GET", false) => {
                let place = self.place(location).await?;
                match self.arts {
                    Some(arts) => self.download(arts, &place).await,
                    None => Err(MlflowError::missing(format!(
                        "Artifact '{location}' does not exist."
                    ))),
                }
            }
            ("PUT", false) => {
                let arts = store()?;
                let place = self.place(location).await?;
                self.upload(arts, &place, headers, body).await?;
                Ok(axum::Json(json!({})).into_response())
            }
            ("DELETE", false) => {
                store()?;
                let place = self.place(location).await?;
                for a in arts_service::live_under(self.db, self.ctx, place.owner.1, &place.full(""))
                    .await?
                {
                    arts_service::delete_artifact(self.db, self.ctx, a.id).await?;
                }
                Ok(axum::Json(json!({})).into_response())
            }
            _ => Err(MlflowError::endpoint(
                method,
                &format!("mlflow-artifacts/artifacts/{location}"),
            )),
        }
    }

    /// `mlflow-artifacts/mpu/{create,complete,abort}/<location>`: the multipart upload the
    /// client uses for large files. `create` (`path`: the file's name, `num_parts`) opens
    /// an upload of the file into the location and answers a URL per part (the store's:
    /// S3's presigned `UploadPart`, or the local store's signed part URL), which the
    /// client `PUT`s to directly; `complete` joins the parts the store holds, reads the
    /// file back for its size and SHA-256 and makes it the `Artifact` at that path
    /// (replacing what was there, as a `PUT` does); `abort` abandons it (its parts are
    /// deleted). Without an artifact store: 501, which the client takes as "not
    /// supported" and falls back to one `PUT`.
    pub(super) async fn multipart(
        &self,
        op: &str,
        location: &str,
        p: &super::Params,
    ) -> MlResult<Value> {
        let arts = self.arts.ok_or_else(|| {
            MlflowError::new(
                StatusCode::NOT_IMPLEMENTED,
                "FEATURE_DISABLED",
                "this server keeps no artifacts, so it takes no multipart uploads",
            )
        })?;
        // Clients before MLflow 3.18 sent the whole local path: its last segment is the name.
        let file = p.req("path")?;
        let file = file
            .rsplit(['/', '\\'])
            .next()
            .filter(|f| !f.is_empty() && *f != "." && *f != "..")
            .ok_or_else(|| MlflowError::invalid("'path' must name a file"))?
            .to_owned();
        let place = self.place(location).await?;
        let path = place.full(&file);
        match op {
            "create" => {
                let parts = p.int("num_parts")?.unwrap_or(1);
                let parts = i32::try_from(parts)
                    .map_err(|_| MlflowError::invalid("num_parts must be between 1 and 10000"))?;
                let (row, urls) = arts_service::open_upload(
                    self.db,
                    arts,
                    self.ctx,
                    place.owner,
                    &path,
                    "application/octet-stream",
                    parts,
                )
                .await?;
                let credentials: Vec<Value> = urls
                    .into_iter()
                    .zip(1..)
                    .map(|(u, n): (_, i32)| {
                        let headers: serde_json::Map<String, Value> = u
                            .headers
                            .into_iter()
                            .map(|(k, v)| (k, Value::String(v)))
                            .collect();
                        json!({"part_number": n, "url": u.url, "headers": headers})
                    })
                    .collect();
                Ok(json!({"upload_id": row.upload_id, "credentials": credentials}))
            }
            "complete" | "abort" => {
                let upload = p.req("upload_id")?;
                let row = crate::core::store::scoped::<artifact::Entity>(self.ctx)
                    .filter(artifact::Column::OwnerId.eq(place.owner.1))
                    .filter(artifact::Column::Path.eq(path.as_str()))
                    .filter(artifact::Column::UploadId.eq(upload.as_str()))
                    .filter(artifact::Column::DeletedAt.is_null())
                    .one(self.db)
                    .await?
                    .ok_or_else(|| {
                        MlflowError::missing(format!("No multipart upload '{upload}' of '{path}'."))
                    })?;
                if op == "abort" {
                    arts_service::abort_upload(self.db, arts, self.ctx, row.id).await?;
                    return Ok(json!({}));
                }
                let done =
                    arts_service::complete_undeclared(self.db, arts, self.ctx, row.id).await?;
                // The new file replaces what was at its path, as a PUT's does.
                self.replace_at(place.owner.1, &path, Some(done.id)).await?;
                Ok(json!({}))
            }
            _ => Err(MlflowError::endpoint(
                &axum::http::Method::POST,
                &format!("mlflow-artifacts/mpu/{op}/{location}"),
            )),
        }
    }

    /// Deletes the live files of `owner` at exactly `path` (but `keep`): what a new file
    /// there replaces.
    async fn replace_at(
        &self,
        owner: Uuid,
        path: &str,
        keep: Option<Uuid>,
    ) -> crate::error::AppResult<()> {
        for old in arts_service::live_under(self.db, self.ctx, owner, path).await? {
            if old.path == path && Some(old.id) != keep {
                arts_service::delete_artifact(self.db, self.ctx, old.id).await?;
            }
        }
        Ok(())
    }

    /// The files under a place, with their paths relative to it.
    pub(super) async fn files(&self, place: &Place) -> MlResult<Vec<(String, artifact::Model)>> {
        let dir = place.full("");
        Ok(
            arts_service::live_under(self.db, self.ctx, place.owner.1, &dir)
                .await?
                .into_iter()
                .filter_map(|a| {
                    let rel = if dir.is_empty() {
                        a.path.clone()
                    } else {
                        // A file at the place itself has nothing under it.
                        a.path.strip_prefix(&dir)?.strip_prefix('/')?.to_owned()
                    };
                    Some((rel, a))
                })
                .collect(),
        )
    }

    /// The entries directly under a place: files with their sizes, directories once.
    pub(super) async fn list(&self, place: &Place) -> MlResult<Vec<Value>> {
        let mut out: Vec<Value> = Vec::new();
        for (rel, a) in self.files(place).await? {
            match rel.split_once('/') {
                Some((sub, _)) => {
                    if !out.iter().any(|f| f["path"] == sub) {
                        out.push(json!({"path": sub, "is_dir": true}));
                    }
                }
                None => out.push(json!({"path": rel, "is_dir": false, "file_size": a.size_bytes})),
            }
        }
        Ok(out)
    }

    async fn upload(
        &self,
        arts: &Artifacts,
        place: &Place,
        headers: &HeaderMap,
        body: Body,
    ) -> MlResult<artifact::Model> {
        if place.path.is_empty() {
            return Err(MlflowError::invalid("an upload names a file"));
        }
        let spooled = crate::artifacts::store::spool(body, &arts.store.spool_dir(), MAX_FILE, IDLE)
            .await
            .map_err(|e| match e {
                SpoolError::Cut | SpoolError::Idle => {
                    MlflowError::invalid("the upload was cut short")
                }
                SpoolError::TooLarge => MlflowError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "INVALID_PARAMETER_VALUE",
                    "the file is larger than 5 TiB",
                ),
                SpoolError::Io(e) => {
                    tracing::error!(error = %e, "spooling an MLflow artifact");
                    MlflowError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "INTERNAL_ERROR",
                        "the upload could not be received",
                    )
                }
            })?;
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let path = place.full("");
        let stored = async {
            // MLflow's PUT replaces what was at the path.
            self.replace_at(place.owner.1, &path, None).await?;
            arts_service::put(
                self.db,
                arts,
                self.ctx,
                place.owner,
                &path,
                &content_type,
                Contents::File {
                    path: &spooled.path,
                    size: spooled.size,
                    sha256: spooled.sha256.clone(),
                },
            )
            .await
        }
        .await;
        tokio::fs::remove_file(&spooled.path).await.ok();
        Ok(stored?)
    }

    async fn download(&self, arts: &Artifacts, place: &Place) -> MlResult<Response> {
        let path = place.full("");
        let found = arts_service::live_under(self.db, self.ctx, place.owner.1, &path)
            .await?
            .into_iter()
            .find(|a| a.path == path)
            .ok_or_else(|| {
                MlflowError::missing(format!("Artifact '{}' does not exist.", place.path))
            })?;
        let (tx, rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(4);
        let store = arts.store.clone();
        let key = found.object_key.clone();
        tokio::spawn(async move {
            if let Err(e) = store.stream_to(&key, tx).await {
                tracing::error!(error = ?e, "streaming an MLflow artifact");
            }
        });
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv()
                .await
                .map(|chunk| (Ok::<_, std::io::Error>(chunk), rx))
        });
        Ok((
            [
                (header::CONTENT_TYPE, found.content_type.clone()),
                (header::CONTENT_LENGTH, found.size_bytes.to_string()),
            ],
            Body::from_stream(stream),
        )
            .into_response())
    }
}

//! `runs/log-inputs`: the datasets a run used (`mlflow.log_input`, autologging), as
//! lineage. An MLflow dataset `(name, digest)` is a `Dataset` of that name in the
//! namespace (created on first use) and its `DatasetVersion` keyed by the digest
//! (`sourceVersion: "mlflow:<digest>"`, storage from the dataset's `source`, schema from
//! its `schema`); the run `--consumes-->` that version, the input as MLflow sent it (tags,
//! source, profile) kept in the edge's properties so `runs/get` answers it back. Logging
//! the same input again changes nothing, as in MLflow.

use entity::enums::DatasetType;
use entity::{dataset, dataset_version, edge};
use sea_orm::{ColumnTrait, DatabaseTransaction, QueryFilter, QueryOrder};
use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Api, MlResult, MlflowError, Params};
use crate::core::ids::NodeType;
use crate::core::store;
use crate::data::commands::{CreateDataset, NewDatasetVersion};

/// The most inputs one call logs (MLflow's own limit).
const MAX_INPUTS: usize = 1000;
/// The longest text of a dataset's fields that mlgraph keeps (MLflow's column sizes).
const MAX_NAME: usize = 500;
const MAX_DIGEST: usize = 36;
const MAX_TEXT: usize = 1024 * 1024;

/// One input as MLflow sends it, checked.
struct Input {
    name: String,
    digest: String,
    /// `{tags, dataset}` as sent: answered back by `runs/get`.
    raw: Value,
    uri: Option<String>,
    schema: Option<Value>,
}

fn text<'a>(d: &'a Value, key: &str, max: usize, required: bool) -> MlResult<Option<&'a str>> {
    match d.get(key) {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= max => Ok(Some(s)),
        _ => Err(MlflowError::invalid(format!(
            "dataset.{key} must be {}a string of at most {max} characters",
            if required { "a non-empty " } else { "" }
        ))),
    }
}

fn input_of(v: &Value) -> MlResult<Input> {
    let d = v
        .get("dataset")
        .filter(|d| d.is_object())
        .ok_or_else(|| MlflowError::invalid("each dataset input needs a `dataset` object"))?;
    let name = text(d, "name", MAX_NAME, true)?
        .unwrap_or_default()
        .to_owned();
    crate::core::validate::name("dataset.name", &name)?;
    let digest = text(d, "digest", MAX_DIGEST, true)?
        .unwrap_or_default()
        .to_owned();
    for key in ["source_type", "source", "schema", "profile"] {
        text(d, key, MAX_TEXT, false)?;
    }
    for t in v
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if t.get("key")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(MlflowError::invalid("an input tag needs a key"));
        }
    }
    // `source` is JSON text (`{"uri": "s3://..."}`, `{"url": ...}`, `{"path": ...}`).
    let source: Option<Value> = d
        .get("source")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str(s).ok());
    let uri = source.as_ref().and_then(|s| {
        ["uri", "url", "path", "table_name"]
            .iter()
            .find_map(|k| s.get(*k).and_then(Value::as_str).map(str::to_owned))
    });
    let schema = d
        .get("schema")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str(s).ok());
    Ok(Input {
        name,
        digest,
        raw: json!({"tags": v.get("tags").cloned().unwrap_or(json!([])), "dataset": d}),
        uri,
        schema,
    })
}

impl Api<'_> {
    /// `runs/log-inputs`: every input checked first, then all written in one transaction.
    pub(super) async fn log_inputs(&self, p: &Params) -> MlResult<Value> {
        let run = self.run(&p.req("run_id")?).await?;
        let inputs = p.list("datasets");
        if inputs.len() > MAX_INPUTS {
            return Err(MlflowError::invalid(format!(
                "at most {MAX_INPUTS} dataset inputs per call"
            )));
        }
        let inputs: Vec<Input> = inputs.iter().map(input_of).collect::<MlResult<_>>()?;
        let (ctx, ns) = (self.ctx, self.ns);
        store::transaction(self.db, async |txn| {
            for input in &inputs {
                let version = dataset_version_of(txn, ctx, ns, input).await?;
                let used = store::unscoped::<edge::Entity>()
                    .filter(edge::Column::Kind.eq("consumes"))
                    .filter(edge::Column::SourceId.eq(run.id))
                    .filter(edge::Column::TargetId.eq(version.id))
                    .one(txn)
                    .await?;
                if used.is_none() {
                    crate::lineage::service::link_in(
                        txn,
                        ctx,
                        "consumes",
                        (NodeType::JobRun, run.id),
                        (NodeType::DatasetVersion, version.id),
                        Some(json!({"mlflow": input.raw})),
                    )
                    .await?;
                }
            }
            Ok(())
        })
        .await?;
        Ok(json!({}))
    }
}

impl Api<'_> {
    /// The MLflow inputs of each run of `runs`, in the order they were logged.
    pub(super) async fn inputs_of(
        &self,
        runs: impl Iterator<Item = uuid::Uuid>,
    ) -> MlResult<HashMap<uuid::Uuid, Vec<Value>>> {
        let runs: Vec<uuid::Uuid> = runs.collect();
        let mut out: HashMap<uuid::Uuid, Vec<Value>> = HashMap::new();
        for chunk in runs.chunks(1000) {
            let edges = store::scoped::<edge::Entity>(self.ctx)
                .filter(edge::Column::Kind.eq("consumes"))
                .filter(edge::Column::SourceId.is_in(chunk.iter().copied()))
                .order_by_asc(edge::Column::CreatedAt)
                .order_by_asc(edge::Column::Id)
                .all(self.db)
                .await?;
            for e in edges {
                if let Some(input) = e.properties.get("mlflow") {
                    out.entry(e.source_id).or_default().push(input.clone());
                }
            }
        }
        Ok(out)
    }
}

/// The version of the input's dataset keyed by its digest, created (with the dataset)
/// on first use, through the data service.
async fn dataset_version_of(
    txn: &DatabaseTransaction,
    ctx: &crate::core::context::RequestContext,
    ns: &str,
    input: &Input,
) -> crate::error::AppResult<dataset_version::Model> {
    let ds = match store::unscoped::<dataset::Entity>()
        .filter(dataset::Column::Ns.eq(ns))
        .filter(dataset::Column::Name.eq(input.name.as_str()))
        .one(txn)
        .await?
    {
        Some(ds) => ds,
        None => {
            crate::data::service::insert_dataset(
                txn,
                ctx,
                CreateDataset {
                    ns: ns.to_owned(),
                    name: input.name.clone(),
                    description: None,
                    data_type: if input.schema.is_some() {
                        DatasetType::Tabular
                    } else {
                        DatasetType::Other
                    },
                    format: None,
                    storage_uri: input.uri.clone(),
                    workflow_id: None,
                    first_version: None,
                },
                None,
            )
            .await?
        }
    };
    let key = format!("mlflow:{}", input.digest);
    if let Some(v) = store::unscoped::<dataset_version::Entity>()
        .filter(dataset_version::Column::DatasetId.eq(ds.id))
        .filter(dataset_version::Column::SourceVersion.eq(key.as_str()))
        .one(txn)
        .await?
    {
        return Ok(v);
    }
    crate::data::service::insert_version(
        txn,
        ctx,
        &ds,
        NewDatasetVersion {
            storage_uri: input
                .uri
                .clone()
                .unwrap_or_else(|| format!("mlflow-dataset:{}@{}", input.name, input.digest)),
            size_bytes: None,
            sha256: None,
            row_count: None,
            schema: input.schema.clone(),
            split: None,
            source_version: Some(key),
        },
    )
    .await
}

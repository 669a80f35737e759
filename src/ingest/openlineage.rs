//! The OpenLineage consumer (spec 2-0-2): `RunEvent`, `DatasetEvent` and `JobEvent`
//! become registry nodes and typed edges, so that lineage and impact traverse what
//! Airflow, Spark, dbt, Flink or Dagster report.
//!
//! Mapping (also in the README):
//! - the event's mlgraph namespace: the one the request names (`X-Mlgraph-Namespace` or
//!   `?namespace=`), else the job's OpenLineage namespace by [`namespace_for`]; every
//!   node of one event lives there (edges never cross namespaces);
//! - job (namespace, name) → a [`Workflow`](entity::workflow) named like the job, ACTIVE,
//!   its facets under `config.openlineage`;
//! - run (`runId`) → a [`JobRun`](entity::job_run) whose `external_id` is the run id,
//!   unique within the namespace (the same `runId` in two namespaces is two runs),
//!   `run --runOf--> workflow`; a `parent` run facet → the parent run (and its job) in the
//!   same namespace, `run --partOf--> parent`;
//! - dataset (namespace, name) → a dataset named `{namespace}/{name}` (its URI), its facets
//!   kept on it; an output → a dataset version keyed by the `version` facet, else by the
//!   run (one version per run that wrote it), its `schema` facet as the version's schema,
//!   `version --producedBy--> run` and `dataset --producedBy--> run`; an input →
//!   `run --consumes--> version` when the `version` facet names one, else
//!   `run --consumes--> dataset`; input and output facets are kept on those edges;
//! - an `mlgraph_model` facet (`{"modelVersion": "<ModelVersion id>"}`) on the run or an
//!   output → `modelVersion --producedBy--> run`.
//!
//! **Idempotent and order-independent.** Every write is an upsert that changes nothing
//! when it has nothing new: the same event twice writes no row and no event. State
//! follows the latest `eventTime` (a START arriving after COMPLETE does not reopen the
//! run); each facet keeps the value of the latest event that carried it; so the same
//! events in any order give the same graph.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, SecondsFormat, Utc};
use entity::enums::{DatasetType, JobRunSource, JobRunState, WorkflowStatus};
use entity::{dataset, dataset_version, edge, job_run, model_version, workflow};
use regex::Regex;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::core::context::RequestContext;
use crate::core::ids::NodeType;
use crate::core::store;
use crate::core::validate;
use crate::error::{AppError, AppResult};

/// A facet map as events carry it.
type Facets = Map<String, Value>;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    event_type: Option<String>,
    event_time: Option<String>,
    producer: Option<String>,
    #[serde(rename = "schemaURL")]
    schema_url: Option<String>,
    run: Option<RawRun>,
    job: Option<RawJob>,
    dataset: Option<RawDataset>,
    #[serde(default)]
    inputs: Vec<RawDataset>,
    #[serde(default)]
    outputs: Vec<RawDataset>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRun {
    run_id: Option<String>,
    #[serde(default)]
    facets: Facets,
}

#[derive(Debug, Deserialize)]
struct RawJob {
    namespace: Option<String>,
    name: Option<String>,
    #[serde(default)]
    facets: Facets,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDataset {
    namespace: Option<String>,
    name: Option<String>,
    #[serde(default)]
    facets: Facets,
    #[serde(default)]
    input_facets: Facets,
    #[serde(default)]
    output_facets: Facets,
}

/// A job as an event names it.
#[derive(Debug, Clone)]
struct Job {
    namespace: String,
    name: String,
    facets: Facets,
}

/// A dataset as an event names it.
#[derive(Debug, Clone)]
struct DatasetRef {
    namespace: String,
    name: String,
    facets: Facets,
    /// Input or output facets (what this run saw or wrote).
    io_facets: Facets,
}

impl DatasetRef {
    /// The dataset's mlgraph name: its URI, `{namespace}/{name}`.
    fn uri(&self) -> String {
        format!("{}/{}", self.namespace.trim_end_matches('/'), self.name)
    }

    /// The producer's version identifier (`version` facet, or the older `datasetVersion`).
    fn version(&self) -> Option<String> {
        ["version", "datasetVersion"].iter().find_map(|f| {
            let facet = self.facets.get(*f)?;
            match facet.get("datasetVersion")? {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        })
    }
}

/// A checked event.
#[derive(Debug)]
pub struct Event {
    time: DateTime<Utc>,
    kind: EventKind,
}

#[derive(Debug)]
enum EventKind {
    Run {
        run_id: Uuid,
        event_type: Option<String>,
        run_facets: Facets,
        job: Job,
        inputs: Vec<DatasetRef>,
        outputs: Vec<DatasetRef>,
    },
    Dataset(DatasetRef),
    Job {
        job: Job,
        inputs: Vec<DatasetRef>,
        outputs: Vec<DatasetRef>,
    },
}

fn refuse(message: impl Into<String>) -> AppError {
    AppError::bad_input("event", message)
}

/// Longest name, namespace, producer or time an event may hold: a dataset's
/// `{namespace}/{name}` stays well inside what an index entry takes.
const MAX_FIELD_BYTES: usize = 1024;

fn required(v: Option<String>, what: &str) -> AppResult<String> {
    match v {
        Some(s) if s.len() > MAX_FIELD_BYTES => Err(refuse(format!(
            "{what} is longer than {MAX_FIELD_BYTES} bytes"
        ))),
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(refuse(format!("{what} is required"))),
    }
}

/// An event time, to the microsecond the databases keep (a producer's nanoseconds would
/// otherwise make every replay look newer than what was stored).
fn parse_time(s: &str) -> AppResult<DateTime<Utc>> {
    use chrono::SubsecRound;
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc).trunc_subsecs(6));
    }
    // Some producers leave the offset out: read such times as UTC.
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| t.and_utc().trunc_subsecs(6))
        .map_err(|_| {
            refuse(format!(
                "eventTime {s:?} is not an ISO 8601 date-time (e.g. 2026-12-01T10:00:00Z)"
            ))
        })
}

fn job_of(raw: RawJob, what: &str) -> AppResult<Job> {
    Ok(Job {
        namespace: required(raw.namespace, &format!("{what}.namespace"))?,
        name: required(raw.name, &format!("{what}.name"))?,
        facets: raw.facets,
    })
}

fn datasets_of(raw: Vec<RawDataset>, what: &str, output: bool) -> AppResult<Vec<DatasetRef>> {
    raw.into_iter()
        .enumerate()
        .map(|(i, d)| dataset_of(d, &format!("{what}[{i}]"), output))
        .collect()
}

fn dataset_of(raw: RawDataset, what: &str, output: bool) -> AppResult<DatasetRef> {
    Ok(DatasetRef {
        namespace: required(raw.namespace, &format!("{what}.namespace"))?,
        name: required(raw.name, &format!("{what}.name"))?,
        facets: raw.facets,
        io_facets: if output {
            raw.output_facets
        } else {
            raw.input_facets
        },
    })
}

/// The namespace of the UUIDs given to run ids that are not UUIDs (UUID v5 of the id).
const RUN_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6d6c_6772_6170_4f4c_8000_7275_6e49_6400);

/// A producer's run id as a UUID: itself when it is one, else a stable UUID derived from
/// it (UUID v5), so a producer that sends other ids (`spark-app-...`) is still heard and
/// every event of one run lands on the same run.
pub fn run_uuid(run_id: &str) -> Uuid {
    Uuid::parse_str(run_id).unwrap_or_else(|_| Uuid::new_v5(&RUN_ID_NAMESPACE, run_id.as_bytes()))
}

/// Checks one event against what the spec requires (`eventTime`, `producer`,
/// `run.runId`, the job's namespace and name, a dataset's namespace and name) and
/// nothing more, lenient where producers are: unknown fields and facets are accepted, a
/// missing `schemaURL` is accepted (and logged), a `runId` that is not a UUID maps to a
/// stable one and is kept as the run's `mlgraph_runId` facet.
pub fn parse(value: Value) -> AppResult<Event> {
    if !value.is_object() {
        return Err(refuse("an event is a JSON object"));
    }
    let raw: RawEvent = serde_json::from_value(value)
        .map_err(|e| refuse(format!("not an OpenLineage event: {e}")))?;
    let time = parse_time(&required(raw.event_time, "eventTime")?)?;
    let producer = required(raw.producer, "producer")?;
    if raw
        .schema_url
        .as_deref()
        .is_none_or(|u| u.trim().is_empty())
    {
        tracing::info!(%producer, "OpenLineage event without schemaURL accepted");
    }
    let kind = match (raw.run, raw.dataset, raw.job) {
        (Some(run), _, job) => {
            let given = required(run.run_id, "run.runId")?;
            let run_id = run_uuid(&given);
            let mut run_facets = run.facets;
            if Uuid::parse_str(&given).is_err() {
                run_facets.insert("mlgraph_runId".into(), json!({ "runId": given }));
            }
            let job = job_of(job.ok_or_else(|| refuse("job is required"))?, "job")?;
            EventKind::Run {
                run_id,
                event_type: raw.event_type,
                run_facets,
                job,
                inputs: datasets_of(raw.inputs, "inputs", false)?,
                outputs: datasets_of(raw.outputs, "outputs", true)?,
            }
        }
        (None, Some(dataset), _) => EventKind::Dataset(dataset_of(dataset, "dataset", false)?),
        (None, None, Some(job)) => EventKind::Job {
            job: job_of(job, "job")?,
            inputs: datasets_of(raw.inputs, "inputs", false)?,
            outputs: datasets_of(raw.outputs, "outputs", true)?,
        },
        (None, None, None) => {
            return Err(refuse(
                "not a RunEvent (run), DatasetEvent (dataset) or JobEvent (job)",
            ));
        }
    };
    Ok(Event { time, kind })
}

static NS_JUNK: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"[^a-z0-9./-]+").ok());

/// The mlgraph namespace of an OpenLineage namespace: lowercased, the scheme's `://`
/// read as `.`, every other character outside `a-z 0-9 . - /` as `-`, empty path
/// segments dropped, at most 200 characters; `openlineage` when nothing is left.
/// `airflow-prod` stays `airflow-prod`, `spark://cluster:7077` becomes
/// `spark.cluster-7077`, `My Team/ETL` becomes `my-team/etl`.
pub fn namespace_for(ol_namespace: &str) -> String {
    let lower = ol_namespace.trim().to_lowercase().replacen("://", ".", 1);
    let cleaned = match NS_JUNK.as_ref() {
        Some(re) => re.replace_all(&lower, "-").into_owned(),
        None => lower,
    };
    let segments: Vec<&str> = cleaned
        .split('/')
        .map(|s| s.trim_matches(|c| c == '-' || c == '.'))
        .filter(|s| !s.is_empty())
        .collect();
    let mut ns = segments.join("/");
    if ns.len() > 200 {
        ns.truncate(200);
        ns = ns.trim_end_matches(['-', '.', '/']).to_owned();
    }
    if ns.is_empty() {
        "openlineage".to_owned()
    } else {
        ns
    }
}

/// The run state an event type sets (`OTHER` and no type set none).
fn state_of(event_type: Option<&str>) -> Option<JobRunState> {
    match event_type?.to_ascii_uppercase().as_str() {
        "START" | "RUNNING" => Some(JobRunState::Running),
        "COMPLETE" => Some(JobRunState::Completed),
        "FAIL" => Some(JobRunState::Failed),
        "ABORT" => Some(JobRunState::Aborted),
        _ => None,
    }
}

/// At equal event times an end outranks a running state (so the outcome does not depend
/// on which of two simultaneous events arrived first).
fn rank(state: JobRunState) -> u8 {
    match state {
        JobRunState::Scheduled => 0,
        JobRunState::Running => 1,
        JobRunState::Aborted => 2,
        JobRunState::Failed => 3,
        JobRunState::Completed => 4,
    }
}

/// Whether `state` at `at` replaces the run's current state.
fn supersedes(run: &job_run::Model, state: JobRunState, at: DateTime<Utc>) -> bool {
    match run.state_at {
        None => true,
        Some(current) => at > current || (at == current && rank(state) > rank(run.state)),
    }
}

fn is_end(state: JobRunState) -> bool {
    matches!(
        state,
        JobRunState::Completed | JobRunState::Failed | JobRunState::Aborted
    )
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Merges `incoming` facets seen at `at` into a stored facet map
/// (`{name: {"eventTime", "value"}}`): a facet is replaced by a later event's, or at the
/// same time by the larger value (so that the order of arrival never matters). Returns
/// whether anything changed.
fn merge_facets(stored: &mut Map<String, Value>, incoming: &Facets, at: DateTime<Utc>) -> bool {
    let mut changed = false;
    for (name, value) in incoming {
        let newer = match stored.get(name) {
            None => true,
            Some(old) => match stamped(old, "/eventTime") {
                None => true,
                Some(t) if at > t => true,
                Some(t) if at == t => old.get("value").is_none_or(|v| larger(value, v)),
                Some(_) => false,
            },
        };
        if newer {
            stored.insert(
                name.clone(),
                json!({ "eventTime": stamp(at), "value": value }),
            );
            changed = true;
        }
    }
    changed
}

/// Whether `a` orders after `b` by their canonical JSON text (a tie-break that needs no
/// order of arrival). Equal values are never larger, however the database gave them back
/// (PostgreSQL's `jsonb` reorders keys and rewrites `1e3` as `1000`), so a replayed event
/// changes nothing.
fn larger(a: &Value, b: &Value) -> bool {
    let (a, b) = (canonical(a), canonical(b));
    a > b
}

/// JSON text with object keys sorted and numbers written by value (`1e3`, `1000.0` and
/// `1000` alike).
fn canonical(v: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    if let Some(v) = m.get(k) {
                        write(v, out);
                    }
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    out.push_str(&format!("{}", f as i64));
                }
                Some(f) => out.push_str(&format!("{f}")),
                None => out.push_str(&n.to_string()),
            },
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// The description a `documentation` facet gives.
fn documentation(facets: &Facets) -> Option<String> {
    facets
        .get("documentation")
        .and_then(|d| d.get("description"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn object(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

/// What one event wrote: the run it was about, when it was a run event.
#[derive(Debug, Clone, Copy)]
pub struct Recorded {
    /// The run, for run events.
    pub run: Option<Uuid>,
}

/// Records one event in one transaction. `ns` is the namespace the request named, if any.
/// A concurrent writer of the same nodes (a producer's retry racing the original) makes
/// the transaction fail on a unique key: it is run again, and then finds their rows.
pub async fn record(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    ns: Option<&str>,
    event: &Event,
) -> AppResult<Recorded> {
    let ns = match ns {
        Some(ns) => ns.to_owned(),
        None => namespace_for(match &event.kind {
            EventKind::Run { job, .. } | EventKind::Job { job, .. } => &job.namespace,
            EventKind::Dataset(d) => &d.namespace,
        }),
    };
    validate::namespace("namespace", &ns)?;
    ctx.scope.check_write(&ns)?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result =
            store::transaction(db, async |txn| record_in(txn, ctx, &ns, event).await).await;
        match result {
            Err(AppError::Conflict { .. }) if attempt < 3 => continue,
            other => return other,
        }
    }
}

async fn record_in(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    ns: &str,
    event: &Event,
) -> AppResult<Recorded> {
    let at = event.time;
    match &event.kind {
        EventKind::Run {
            run_id,
            event_type,
            run_facets,
            job,
            inputs,
            outputs,
        } => {
            let wf = upsert_workflow(txn, ctx, ns, job, at).await?;
            let state = state_of(event_type.as_deref());
            let run = upsert_run(txn, ctx, ns, *run_id, &wf, state, run_facets, at).await?;
            link(
                txn,
                ctx,
                "runOf",
                node(NodeType::JobRun, run.id),
                node(NodeType::Workflow, wf.id),
                None,
                at,
            )
            .await?;
            if let Some(parent) = run_facets.get("parent") {
                link_parent(txn, ctx, ns, &run, parent, at).await?;
            }
            let this = node(NodeType::JobRun, run.id);
            for input in inputs {
                let ds = upsert_dataset(txn, ctx, ns, input, at).await?;
                let target = match input.version() {
                    Some(v) => {
                        let dv =
                            upsert_version(txn, ctx, &ds, &format!("v:{v}"), input, at).await?;
                        node(NodeType::DatasetVersion, dv.id)
                    }
                    None => node(NodeType::Dataset, ds.id),
                };
                link(
                    txn,
                    ctx,
                    "consumes",
                    this,
                    target,
                    Some(&input.io_facets),
                    at,
                )
                .await?;
            }
            for output in outputs {
                let ds = upsert_dataset(txn, ctx, ns, output, at).await?;
                let key = match output.version() {
                    Some(v) => format!("v:{v}"),
                    None => format!("run:{run_id}"),
                };
                let dv = upsert_version(txn, ctx, &ds, &key, output, at).await?;
                let facets = Some(&output.io_facets);
                link(
                    txn,
                    ctx,
                    "producedBy",
                    node(NodeType::DatasetVersion, dv.id),
                    this,
                    facets,
                    at,
                )
                .await?;
                link(
                    txn,
                    ctx,
                    "producedBy",
                    node(NodeType::Dataset, ds.id),
                    this,
                    facets,
                    at,
                )
                .await?;
                if let Some(model) = output.facets.get("mlgraph_model") {
                    link_model(txn, ctx, ns, this, model, at).await?;
                }
            }
            if let Some(model) = run_facets.get("mlgraph_model") {
                link_model(txn, ctx, ns, this, model, at).await?;
            }
            if let Some(lineage) = job.facets.get("lineage") {
                apply_lineage_facet(txn, ctx, ns, job, lineage, at).await?;
            }
            Ok(Recorded { run: Some(run.id) })
        }
        EventKind::Dataset(d) => {
            let ds = upsert_dataset(txn, ctx, ns, d, at).await?;
            if let Some(v) = d.version() {
                upsert_version(txn, ctx, &ds, &format!("v:{v}"), d, at).await?;
            }
            Ok(Recorded { run: None })
        }
        EventKind::Job {
            job,
            inputs,
            outputs,
        } => {
            let wf = upsert_workflow(txn, ctx, ns, job, at).await?;
            let this = node(NodeType::Workflow, wf.id);
            // `jobType.emissionPattern.eventContentMode`: a COMPLETE_SNAPSHOT event says
            // all of the job's inputs and outputs, so the latest one (by `eventTime`)
            // replaces what earlier ones linked; an older one arriving late changes no
            // link. Other events (ACCUMULATIVE, or none said) add to what is known.
            let snapshot = job
                .facets
                .get("jobType")
                .and_then(|f| f.pointer("/emissionPattern/eventContentMode"))
                .and_then(Value::as_str)
                == Some("COMPLETE_SNAPSHOT");
            let last = snapshot_at(&wf);
            if snapshot && last.is_some_and(|t| t > at) {
                for d in inputs.iter().chain(outputs) {
                    upsert_dataset(txn, ctx, ns, d, at).await?;
                }
                return Ok(Recorded { run: None });
            }
            let mut kept = HashSet::new();
            for input in inputs {
                let ds = upsert_dataset(txn, ctx, ns, input, at).await?;
                link_with(
                    txn,
                    ctx,
                    "consumes",
                    this,
                    node(NodeType::Dataset, ds.id),
                    Some(&input.io_facets),
                    at,
                    true,
                )
                .await?;
                kept.insert(("consumes", wf.id, ds.id));
            }
            for output in outputs {
                let ds = upsert_dataset(txn, ctx, ns, output, at).await?;
                link_with(
                    txn,
                    ctx,
                    "producedBy",
                    node(NodeType::Dataset, ds.id),
                    this,
                    Some(&output.io_facets),
                    at,
                    true,
                )
                .await?;
                kept.insert(("producedBy", ds.id, wf.id));
            }
            if let Some(lineage) = job.facets.get("lineage") {
                apply_lineage_facet(txn, ctx, ns, job, lineage, at).await?;
            }
            // A newer snapshot than any before: what it does not name goes (at the same
            // instant two snapshots add up, whatever their order).
            if snapshot && last.is_none_or(|t| t < at) {
                replace_job_links(txn, ctx, &wf, &kept, at).await?;
            }
            Ok(Recorded { run: None })
        }
    }
}

fn node(t: NodeType, id: Uuid) -> (NodeType, Uuid) {
    (t, id)
}

/// The job's workflow (created ACTIVE), its facets merged under `config.openlineage`.
async fn upsert_workflow(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    ns: &str,
    job: &Job,
    at: DateTime<Utc>,
) -> AppResult<workflow::Model> {
    let existing = store::unscoped::<workflow::Entity>()
        .filter(workflow::Column::Ns.eq(ns))
        .filter(workflow::Column::Name.eq(job.name.as_str()))
        .one(txn)
        .await?;
    let mut config = existing
        .as_ref()
        .map(|w| w.config.clone())
        .unwrap_or_else(|| json!({}));
    let Some(root) = config.as_object_mut() else {
        return Err(AppError::Internal(
            "workflow config is not an object".into(),
        ));
    };
    let mut ol = object(root.get("openlineage"));
    let mut facets = object(ol.get("facets"));
    let mut changed = merge_facets(&mut facets, &job.facets, at);
    if ol.get("namespace").and_then(Value::as_str) != Some(job.namespace.as_str()) {
        ol.insert("namespace".into(), Value::String(job.namespace.clone()));
        changed = true;
    }
    ol.insert("facets".into(), Value::Object(facets));
    root.insert("openlineage".into(), Value::Object(ol));
    let description = documentation(&job.facets);
    match existing {
        Some(before) if !changed => Ok(before),
        Some(before) => {
            crate::registry::service::change_workflow(txn, ctx, &before, |row| {
                row.config = Set(config);
                if description.is_some() {
                    row.description = Set(description);
                }
            })
            .await
        }
        None => {
            crate::registry::service::insert_workflow(
                txn,
                ctx,
                crate::registry::commands::CreateWorkflow {
                    ns: ns.to_owned(),
                    name: job.name.clone(),
                    description,
                    status: Some(WorkflowStatus::Active),
                    config: Some(config),
                },
            )
            .await
        }
    }
}

/// The run with id `run_id`: created, or its state, times and facets merged.
#[expect(clippy::too_many_arguments)]
async fn upsert_run(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    ns: &str,
    run_id: Uuid,
    wf: &workflow::Model,
    state: Option<JobRunState>,
    facets: &Facets,
    at: DateTime<Utc>,
) -> AppResult<job_run::Model> {
    // The producer's id names a run within its namespace only: the same id reported in
    // two namespaces is two runs, and nothing here tells one tenant of the other's.
    let mut q = store::unscoped::<job_run::Entity>()
        .filter(job_run::Column::Ns.eq(ns))
        .filter(job_run::Column::ExternalId.eq(run_id));
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    let existing = q.one(txn).await?;
    let mut next = match &existing {
        Some(run) => run.clone(),
        None => {
            let mut run = crate::runs::service::fresh(
                ctx,
                ns,
                JobRunSource::OpenLineage,
                wf.name.clone(),
                Utc::now(),
            );
            run.external_id = Some(run_id);
            run.workflow_id = Some(wf.id);
            run
        }
    };
    apply_event(&mut next, state, facets, at);
    if next.workflow_id.is_none() {
        next.workflow_id = Some(wf.id);
    }
    crate::runs::service::save(txn, ctx, existing.as_ref(), next).await
}

/// A run's state, times and facets after an event of type `state` at `at`.
fn apply_event(
    run: &mut job_run::Model,
    state: Option<JobRunState>,
    facets: &Facets,
    at: DateTime<Utc>,
) {
    if let Some(state) = state {
        if supersedes(run, state, at) {
            run.state = state;
            run.state_at = Some(at);
            run.ended_at = is_end(state).then_some(at);
        }
        if state == JobRunState::Running && run.started_at.is_none_or(|s| at < s) {
            run.started_at = Some(at);
        }
    }
    let mut stored = object(Some(&run.facets));
    if merge_facets(&mut stored, facets, at) {
        run.facets = Value::Object(stored);
    }
}

/// The run a `parent` facet names under `at` (`""` for the parent itself, `"/root"` for
/// the root of its hierarchy): its id and its job, when both a run id and a job name are
/// given.
fn facet_run(facet: &Value, at: &str) -> Option<(Uuid, Job)> {
    let text = |path: &str| {
        facet
            .pointer(&format!("{at}{path}"))
            .and_then(Value::as_str)
    };
    let given = |path: &str| text(path).filter(|s| !s.trim().is_empty());
    let id = run_uuid(given("/run/runId")?);
    let job = Job {
        namespace: text("/job/namespace").unwrap_or_default().to_owned(),
        name: given("/job/name")?.to_owned(),
        facets: Map::new(),
    };
    Some((id, job))
}

/// A run another event reported (a parent or a root), with its job: created if unknown.
async fn reported_run(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    ns: &str,
    id: Uuid,
    job: &Job,
    at: DateTime<Utc>,
) -> AppResult<job_run::Model> {
    let wf = upsert_workflow(txn, ctx, ns, job, at).await?;
    upsert_run(txn, ctx, ns, id, &wf, None, &Map::new(), at).await
}

/// A `parent` run facet: the parent run (created if unknown, in this namespace, with its
/// job) and `run --partOf--> parent`.
async fn link_parent(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    ns: &str,
    run: &job_run::Model,
    facet: &Value,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let Some((parent_id, parent_job)) = facet_run(facet, "") else {
        return Ok(());
    };
    if Some(parent_id) == run.external_id {
        return Ok(());
    }
    let parent = reported_run(txn, ctx, ns, parent_id, &parent_job, at).await?;
    if run.parent_run_id != Some(parent.id) {
        let mut next = run.clone();
        next.parent_run_id = Some(parent.id);
        crate::runs::service::save(txn, ctx, Some(run), next).await?;
    }
    link(
        txn,
        ctx,
        "partOf",
        node(NodeType::JobRun, run.id),
        node(NodeType::JobRun, parent.id),
        None,
        at,
    )
    .await?;
    // `root` (ParentRunFacet 1-2-0): the top of the hierarchy (an Airflow DAG run above a
    // task's parent), so the parent is part of it too, even before the root reports.
    let Some((root_id, root_job)) = facet_run(facet, "/root") else {
        return Ok(());
    };
    if root_id == parent_id || Some(root_id) == run.external_id {
        return Ok(());
    }
    let root = reported_run(txn, ctx, ns, root_id, &root_job, at).await?;
    if parent.parent_run_id.is_none() {
        let mut next = parent.clone();
        next.parent_run_id = Some(root.id);
        crate::runs::service::save(txn, ctx, Some(&parent), next).await?;
    }
    link(
        txn,
        ctx,
        "partOf",
        node(NodeType::JobRun, parent.id),
        node(NodeType::JobRun, root.id),
        None,
        at,
    )
    .await
}

/// The instant [`stamp`] wrote at `pointer` of `v`.
fn stamped(v: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// When the job's latest COMPLETE_SNAPSHOT event happened (`config.openlineage.snapshotAt`).
fn snapshot_at(wf: &workflow::Model) -> Option<DateTime<Utc>> {
    stamped(&wf.config, "/openlineage/snapshotAt")
}

/// When a job event last named this link (`properties.openlineage.seenAt`).
fn seen_at(e: &edge::Model) -> Option<DateTime<Utc>> {
    stamped(&e.properties, "/openlineage/seenAt")
}

/// After a newer COMPLETE_SNAPSHOT job event: the job's dataset links it did not name
/// (`kept`) removed, and its time recorded.
async fn replace_job_links(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    wf: &workflow::Model,
    kept: &HashSet<(&str, Uuid, Uuid)>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let dataset = NodeType::Dataset.name();
    let stale = store::unscoped::<edge::Entity>()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(edge::Column::Kind.eq("consumes"))
                        .add(edge::Column::SourceId.eq(wf.id))
                        .add(edge::Column::TargetType.eq(dataset)),
                )
                .add(
                    Condition::all()
                        .add(edge::Column::Kind.eq("producedBy"))
                        .add(edge::Column::TargetId.eq(wf.id))
                        .add(edge::Column::SourceType.eq(dataset)),
                ),
        )
        .all(txn)
        .await?;
    for e in stale {
        // Only what job events linked, and what none named after this snapshot.
        let named = seen_at(&e);
        if named.is_some_and(|t| t < at)
            && !kept.contains(&(e.kind.as_str(), e.source_id, e.target_id))
        {
            crate::lineage::service::unlink_in(txn, ctx, &e.kind, e.source_id, e.target_id).await?;
        }
    }
    // The workflow as it is now (linking may have changed it).
    let Some(now) = store::scoped::<workflow::Entity>(ctx)
        .filter(workflow::Column::Id.eq(wf.id))
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let mut config = now.config.clone();
    if let Some(ol) = config.get_mut("openlineage").and_then(Value::as_object_mut) {
        ol.insert("snapshotAt".into(), Value::String(stamp(at)));
    }
    crate::registry::service::change_workflow(txn, ctx, &now, |row| row.config = Set(config))
        .await?;
    Ok(())
}

/// A dataset an entry of a `lineage` facet names (no facets of its own).
fn named_dataset(entry: &Value) -> Option<DatasetRef> {
    let ns = entry.get("namespace").and_then(Value::as_str)?;
    let name = entry.get("name").and_then(Value::as_str)?;
    let fits = |s: &str| !s.trim().is_empty() && s.len() <= MAX_FIELD_BYTES;
    (fits(ns) && fits(name)).then(|| DatasetRef {
        namespace: ns.to_owned(),
        name: name.to_owned(),
        facets: Map::new(),
        io_facets: Map::new(),
    })
}

/// The job an entry of a `lineage` facet names: its own `namespace` and `name`, or the
/// event's job when it names none.
fn named_job(entry: &Value, own: &Job) -> Option<Job> {
    match (
        entry.get("namespace").and_then(Value::as_str),
        entry.get("name").and_then(Value::as_str),
    ) {
        (None, None) => Some(own.clone()),
        (Some(ns), Some(name))
            if [ns, name]
                .iter()
                .all(|s| !s.trim().is_empty() && s.len() <= MAX_FIELD_BYTES) =>
        {
            Some(Job {
                namespace: ns.to_owned(),
                name: name.to_owned(),
                facets: Map::new(),
            })
        }
        _ => None,
    }
}

/// The node an input of a `lineage` facet entry names (a dataset or a job, created when
/// unknown); none for an input of another type or naming nothing.
async fn lineage_input(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    ns: &str,
    own: &Job,
    input: &Value,
    at: DateTime<Utc>,
) -> AppResult<Option<(NodeType, Uuid)>> {
    Ok(match input.get("type").and_then(Value::as_str) {
        Some("DATASET") => match named_dataset(input) {
            Some(d) => Some(node(
                NodeType::Dataset,
                upsert_dataset(txn, ctx, ns, &d, at).await?.id,
            )),
            None => None,
        },
        Some("JOB") => match named_job(input, own) {
            Some(j) => Some(node(
                NodeType::Workflow,
                upsert_workflow(txn, ctx, ns, &j, at).await?.id,
            )),
            None => None,
        },
        _ => None,
    })
}

/// A `lineage` job facet (LineageJobFacet 1-0-0): the lineage a job declares (on a job
/// event) or a run observed (on a run event), entry by entry. A dataset entry's
/// dataset-level inputs become `target --dependsOn--> source` (a source job:
/// `target --producedBy--> job`), its field-level inputs the target's column lineage
/// (as a `columnLineage` facet, so `columnLineage(dataset:, field:)` follows them); a job
/// entry's inputs become `job --consumes--> dataset` and `job --dependsOn--> job`.
async fn apply_lineage_facet(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    ns: &str,
    own: &Job,
    facet: &Value,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let entries = facet.get("entries").and_then(Value::as_array);
    for (i, entry) in entries.into_iter().flatten().enumerate() {
        let inputs = entry
            .get("inputs")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let this = match entry.get("type").and_then(Value::as_str) {
            Some("DATASET") => {
                let Some(mut target) = named_dataset(entry) else {
                    return Err(refuse(format!(
                        "job.facets.lineage.entries[{i}] names no dataset (namespace and name)"
                    )));
                };
                // Field-level lineage, in the columnLineage facet's own shape.
                let mut fields = Map::new();
                for (field, spec) in entry
                    .get("fields")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let inputs: Vec<Value> = spec
                        .get("inputs")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter(|input| {
                            input.get("type").and_then(Value::as_str) == Some("DATASET")
                        })
                        .filter_map(|input| {
                            let mut f = Map::new();
                            for k in ["namespace", "name", "field", "transformations"] {
                                if let Some(v) = input.get(k) {
                                    f.insert(k.to_owned(), v.clone());
                                }
                            }
                            f.contains_key("field").then_some(Value::Object(f))
                        })
                        .collect();
                    if !inputs.is_empty() {
                        fields.insert(field.clone(), json!({"inputFields": inputs}));
                    }
                }
                if !fields.is_empty() {
                    target.facets.insert(
                        "columnLineage".into(),
                        json!({"_producer": "mlgraph (from a lineage facet)", "fields": fields}),
                    );
                }
                node(
                    NodeType::Dataset,
                    upsert_dataset(txn, ctx, ns, &target, at).await?.id,
                )
            }
            Some("JOB") => {
                let Some(job) = named_job(entry, own) else {
                    return Err(refuse(format!(
                        "job.facets.lineage.entries[{i}] names a job by both namespace and name, or neither"
                    )));
                };
                node(
                    NodeType::Workflow,
                    upsert_workflow(txn, ctx, ns, &job, at).await?.id,
                )
            }
            other => {
                return Err(refuse(format!(
                    "job.facets.lineage.entries[{i}].type is DATASET or JOB, not {}",
                    other.unwrap_or("missing")
                )));
            }
        };
        // Each input feeds the target: a dataset from a dataset `dependsOn` it and is
        // `producedBy` a job; a job `consumes` a dataset and `dependsOn` a job.
        for input in &inputs {
            if let Some(source) = lineage_input(txn, ctx, ns, own, input, at).await?
                && source != this
            {
                let kind = match (this.0, source.0) {
                    (NodeType::Dataset, NodeType::Dataset) => "dependsOn",
                    (NodeType::Dataset, _) => "producedBy",
                    (_, NodeType::Dataset) => "consumes",
                    _ => "dependsOn",
                };
                link(txn, ctx, kind, this, source, None, at).await?;
            }
        }
    }
    Ok(())
}

/// An `mlgraph_model` facet: `modelVersion --producedBy--> run` (the version must live in
/// the event's namespace; otherwise the facet is kept and nothing is linked).
async fn link_model(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    ns: &str,
    run: (NodeType, Uuid),
    facet: &Value,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let Some(id) = facet.get("modelVersion").and_then(Value::as_str) else {
        return Ok(());
    };
    let Ok(version) = crate::core::ids::decode_as(
        &async_graphql::ID(id.to_owned()),
        NodeType::ModelVersion,
        "mlgraph_model.modelVersion",
    ) else {
        return Ok(());
    };
    let found = store::scoped::<model_version::Entity>(ctx)
        .filter(model_version::Column::Id.eq(version))
        .filter(model_version::Column::Ns.eq(ns))
        .one(txn)
        .await?;
    if found.is_some() {
        link(
            txn,
            ctx,
            "producedBy",
            node(NodeType::ModelVersion, version),
            run,
            None,
            at,
        )
        .await?;
    }
    Ok(())
}

/// The dataset named by its URI: created (TABULAR when a schema facet describes it), or
/// its facets merged.
async fn upsert_dataset(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    ns: &str,
    d: &DatasetRef,
    at: DateTime<Utc>,
) -> AppResult<dataset::Model> {
    let name = d.uri();
    let existing = store::unscoped::<dataset::Entity>()
        .filter(dataset::Column::Ns.eq(ns))
        .filter(dataset::Column::Name.eq(name.as_str()))
        .one(txn)
        .await?;
    let mut stored = object(existing.as_ref().and_then(|x| x.facets.as_ref()));
    let changed = merge_facets(&mut stored, &d.facets, at);
    let description = documentation(&d.facets);
    // Tabular once any event carries a schema, whichever came first (a START without one
    // and a COMPLETE with one, in either order).
    let tabular = d.facets.contains_key("schema");
    let becomes_tabular =
        |before: &dataset::Model| tabular && before.data_type == DatasetType::Other;
    match existing {
        Some(before) if !changed && !becomes_tabular(&before) => Ok(before),
        Some(before) => {
            let tabular = becomes_tabular(&before);
            crate::data::service::change_dataset(txn, ctx, &before, |row| {
                row.facets = Set(Some(Value::Object(stored)));
                if description.is_some() {
                    row.description = Set(description);
                }
                if tabular {
                    row.data_type = Set(DatasetType::Tabular);
                }
            })
            .await
        }
        None => {
            crate::data::service::insert_dataset(
                txn,
                ctx,
                crate::data::commands::CreateDataset {
                    ns: ns.to_owned(),
                    name: name.clone(),
                    description,
                    data_type: if tabular {
                        DatasetType::Tabular
                    } else {
                        DatasetType::Other
                    },
                    format: None,
                    storage_uri: Some(name),
                    workflow_id: None,
                    first_version: None,
                },
                Some(Value::Object(stored)),
            )
            .await
        }
    }
}

/// The dataset's version with source version `key`: created with the next number (its
/// schema from the `schema` facet), or its schema filled in when a later event brings
/// one.
async fn upsert_version(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    ds: &dataset::Model,
    key: &str,
    d: &DatasetRef,
    _at: DateTime<Utc>,
) -> AppResult<dataset_version::Model> {
    let schema = d.facets.get("schema").cloned();
    let existing = store::unscoped::<dataset_version::Entity>()
        .filter(dataset_version::Column::DatasetId.eq(ds.id))
        .filter(dataset_version::Column::SourceVersion.eq(key))
        .one(txn)
        .await?;
    let row_count = d
        .io_facets
        .get("outputStatistics")
        .and_then(|s| s.get("rowCount"))
        .and_then(Value::as_i64)
        .filter(|n| *n >= 0);
    let size = d
        .io_facets
        .get("outputStatistics")
        .and_then(|s| s.get("size"))
        .and_then(Value::as_i64)
        .filter(|n| *n > 0);
    match existing {
        Some(before) => {
            let fill_schema = before.schema.is_none() && schema.is_some();
            let fill_rows = before.row_count.is_none() && row_count.is_some();
            let fill_size = before.size_bytes.is_none() && size.is_some();
            if !(fill_schema || fill_rows || fill_size) {
                return Ok(before);
            }
            crate::data::service::change_version(txn, ctx, &before, |row| {
                if fill_schema {
                    row.schema = Set(schema);
                }
                if fill_rows {
                    row.row_count = Set(row_count);
                }
                if fill_size {
                    row.size_bytes = Set(size);
                }
            })
            .await
        }
        None => {
            crate::data::service::insert_version(
                txn,
                ctx,
                ds,
                crate::data::commands::NewDatasetVersion {
                    storage_uri: d.uri(),
                    size_bytes: size,
                    sha256: None,
                    row_count,
                    schema,
                    split: None,
                    source_version: Some(key.to_owned()),
                },
            )
            .await
        }
    }
}

/// `source --kind--> target` (through the lineage service), created or its facets (kept
/// in its properties as `{"facets": ...}`) merged.
async fn link(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    kind: &str,
    source: (NodeType, Uuid),
    target: (NodeType, Uuid),
    facets: Option<&Facets>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    link_with(txn, ctx, kind, source, target, facets, at, false).await
}

/// [`link`]; with `seen`, also that a job event named it at `at`
/// (`properties.openlineage.seenAt`, the latest such time), in the same write.
#[expect(clippy::too_many_arguments)]
async fn link_with(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    kind: &str,
    source: (NodeType, Uuid),
    target: (NodeType, Uuid),
    facets: Option<&Facets>,
    at: DateTime<Utc>,
    seen: bool,
) -> AppResult<()> {
    let existing = store::unscoped::<edge::Entity>()
        .filter(edge::Column::Kind.eq(kind))
        .filter(edge::Column::SourceId.eq(source.1))
        .filter(edge::Column::TargetId.eq(target.1))
        .order_by_asc(edge::Column::CreatedAt)
        .one(txn)
        .await?;
    let incoming = facets.filter(|f| !f.is_empty());
    let mark = |props: &mut Map<String, Value>| {
        let mut ol = object(props.get("openlineage"));
        ol.insert("seenAt".into(), Value::String(stamp(at)));
        props.insert("openlineage".into(), Value::Object(ol));
    };
    match existing {
        Some(before) => {
            let mut props = object(Some(&before.properties));
            let mut changed = false;
            if let Some(incoming) = incoming {
                let mut stored = object(props.get("facets"));
                if merge_facets(&mut stored, incoming, at) {
                    props.insert("facets".into(), Value::Object(stored));
                    changed = true;
                }
            }
            if seen && seen_at(&before).is_none_or(|t| t < at) {
                mark(&mut props);
                changed = true;
            }
            if !changed {
                return Ok(());
            }
            crate::lineage::service::change_edge(txn, ctx, &before, |row| {
                row.properties = Set(Value::Object(props));
            })
            .await?;
            Ok(())
        }
        None => {
            let mut props = Map::new();
            if let Some(incoming) = incoming {
                let mut stored = Map::new();
                merge_facets(&mut stored, incoming, at);
                props.insert("facets".into(), Value::Object(stored));
            }
            if seen {
                mark(&mut props);
            }
            crate::lineage::service::link_in(
                txn,
                ctx,
                kind,
                source,
                target,
                Some(Value::Object(props)),
            )
            .await?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_map_to_valid_mlgraph_namespaces() {
        for (ol, ns) in [
            ("airflow-prod", "airflow-prod"),
            ("spark://cluster:7077", "spark.cluster-7077"),
            ("My Team/ETL", "my-team/etl"),
            (
                "postgres://db.example.com:5432",
                "postgres.db.example.com-5432",
            ),
            ("s3://bucket/", "s3.bucket"),
            ("", "openlineage"),
            ("///", "openlineage"),
        ] {
            assert_eq!(namespace_for(ol), ns, "{ol}");
            assert!(
                validate::namespace("ns", &namespace_for(ol)).is_ok(),
                "{ol}"
            );
        }
        let long = "x".repeat(500);
        assert!(validate::namespace("ns", &namespace_for(&long)).is_ok());
    }

    fn at(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap_or_default()
    }

    #[test]
    fn facets_merge_the_same_in_any_order() {
        let a: Facets =
            serde_json::from_value(json!({"x": {"v": 1}, "y": {"v": 1}})).unwrap_or_default();
        let b: Facets = serde_json::from_value(json!({"x": {"v": 2}})).unwrap_or_default();
        let c: Facets = serde_json::from_value(json!({"y": {"v": 3}})).unwrap_or_default();
        let events = [
            (&a, at("2026-01-01T00:00:00Z")),
            (&b, at("2026-01-01T00:00:01Z")),
            (&c, at("2026-01-01T00:00:01Z")),
        ];
        let mut forward = Map::new();
        for (f, t) in events {
            merge_facets(&mut forward, f, t);
        }
        let mut backward = Map::new();
        for (f, t) in events.iter().rev() {
            merge_facets(&mut backward, f, *t);
        }
        assert_eq!(forward, backward);
        assert_eq!(
            crate::runs::values_of(&Value::Object(forward)),
            json!({"x": {"v": 2}, "y": {"v": 3}})
        );
    }
}

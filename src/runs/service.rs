//! The only door for writing runs, their metric history and logged models, whichever
//! protocol reported them (MLflow, OpenLineage): each write records its event in the
//! caller's transaction, as every domain service does.

use chrono::{DateTime, Utc};
use entity::enums::{JobRunSource, JobRunState};
use entity::{job_run, job_run_metric, logged_model};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, Set, Statement,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::core::context::RequestContext;
use crate::core::store;
use crate::error::{AppError, AppResult};

/// A run as first reported: RUNNING, nothing logged yet, reported by the caller now.
/// Not stored until [`save`]d; the protocol fills in what it knows first.
pub fn fresh(
    ctx: &RequestContext,
    ns: &str,
    source: JobRunSource,
    name: String,
    now: DateTime<Utc>,
) -> job_run::Model {
    job_run::Model {
        id: crate::core::ids::new_id(),
        ns: ns.to_owned(),
        external_id: None,
        workflow_id: None,
        experiment_id: None,
        parent_run_id: None,
        source,
        name,
        state: JobRunState::Running,
        state_at: None,
        started_at: None,
        ended_at: None,
        params: json!({}),
        metrics: json!({}),
        tags: json!({}),
        facets: json!({}),
        created_by: ctx.actor.clone(),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    }
}

/// Stores `next`: a new run when there is no `before`, else the change from `before`
/// (nothing at all, not even an event, when there is none), with its event.
pub async fn save(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    before: Option<&job_run::Model>,
    mut next: job_run::Model,
) -> AppResult<job_run::Model> {
    match before {
        Some(before) if *before == next => Ok(before.clone()),
        Some(before) => {
            next.updated_at = Utc::now();
            let row = next.into_active_model().reset_all();
            store::update::<job_run::Entity, _>(txn, ctx, before, row, "UPDATE").await
        }
        None => {
            let row = next.into_active_model().reset_all();
            store::insert::<job_run::Entity, _>(txn, ctx, row).await
        }
    }
}

/// One logged value of a run's metric history.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Point {
    /// The metric's name.
    pub key: String,
    /// The value, finite.
    pub value: f64,
    /// When it was measured, milliseconds since the epoch.
    pub timestamp_ms: i64,
    /// The training step it belongs to.
    pub step: i64,
    /// The logged model the value measures (MLflow 3), when the client said.
    pub model_id: Option<Uuid>,
    /// The name of the dataset it was measured on, when the client said.
    pub dataset_name: Option<String>,
    /// That dataset's digest, when the client said.
    pub dataset_digest: Option<String>,
}

/// Appends `points` to `run`'s metric history in one statement on PostgreSQL (the points
/// as one JSON parameter read by `json_to_recordset`, whose `float8` columns parse the
/// values' shortest round-trip text, so each value is stored bit for bit), and in
/// multi-row INSERTs on SQLite (a statement per 1,000 values, under its limit on bound
/// values). History rows are the run's detail: the run's own change carries the event.
pub async fn append_history(
    txn: &DatabaseTransaction,
    run: &job_run::Model,
    points: &[Point],
) -> AppResult<()> {
    if points.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    if txn.get_database_backend() == DbBackend::Postgres {
        #[derive(serde::Serialize)]
        struct Row<'a> {
            id: Uuid,
            #[serde(flatten)]
            point: &'a Point,
        }
        let rows: Vec<Row> = points
            .iter()
            .map(|point| Row {
                id: crate::core::ids::new_id(),
                point,
            })
            .collect();
        let json = serde_json::to_string(&rows)
            .map_err(|e| AppError::Internal(format!("metric history: {e}")))?;
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO job_run_metrics
               (id, ns, run_id, key, value, timestamp_ms, step, model_id, dataset_name, dataset_digest, created_at)
             SELECT id, $2, $3, key, value, timestamp_ms, step, model_id, dataset_name, dataset_digest, $4
               FROM json_to_recordset($1::json)
                 AS r(id uuid, key text, value float8, timestamp_ms int8, step int8,
                      model_id uuid, dataset_name text, dataset_digest text)",
            [json.into(), run.ns.clone().into(), run.id.into(), now.into()],
        ))
        .await?;
        return Ok(());
    }
    for chunk in points.chunks(1_000) {
        job_run_metric::Entity::insert_many(chunk.iter().map(|p| job_run_metric::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(run.ns.clone()),
            run_id: Set(run.id),
            key: Set(p.key.clone()),
            value: Set(p.value),
            timestamp_ms: Set(p.timestamp_ms),
            step: Set(p.step),
            model_id: Set(p.model_id),
            dataset_name: Set(p.dataset_name.clone()),
            dataset_digest: Set(p.dataset_digest.clone()),
            created_at: Set(now),
        }))
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// What an MLflow client says of a new logged model.
pub struct NewLoggedModel {
    /// Namespace (the experiment's).
    pub ns: String,
    /// The experiment it is logged under.
    pub experiment_id: Uuid,
    /// The run that produced it, when the client says.
    pub source_run_id: Option<Uuid>,
    /// Its name.
    pub name: String,
    /// MLflow's free-form model type.
    pub model_type: Option<String>,
    /// Parameters, `{key: value}`.
    pub params: Value,
    /// Tags, `{key: value}`.
    pub tags: Value,
}

/// Creates a logged model (PENDING until finalized), with its `CREATE` event.
pub async fn insert_logged_model(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    new: NewLoggedModel,
) -> AppResult<logged_model::Model> {
    let now = Utc::now();
    let row = logged_model::ActiveModel {
        id: Set(crate::core::ids::new_id()),
        ns: Set(new.ns),
        experiment_id: Set(new.experiment_id),
        source_run_id: Set(new.source_run_id),
        name: Set(new.name),
        model_type: Set(new.model_type),
        status: Set("PENDING".into()),
        status_message: Set(None),
        params: Set(new.params),
        tags: Set(new.tags),
        created_by: Set(ctx.actor.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    store::record_event(txn, ctx, logged_change("CREATE", None, Some(&row))?).await?;
    Ok(row)
}

/// Applies `edit` to a logged model, with its `UPDATE` event.
pub async fn update_logged_model(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    before: &logged_model::Model,
    edit: impl FnOnce(&mut logged_model::ActiveModel),
) -> AppResult<logged_model::Model> {
    let mut row = before.clone().into_active_model();
    edit(&mut row);
    row.updated_at = Set(Utc::now());
    let after = row.update(txn).await?;
    store::record_event(
        txn,
        ctx,
        logged_change("UPDATE", Some(before), Some(&after))?,
    )
    .await?;
    Ok(after)
}

/// A logged model's event (logged models are not graph nodes: the event names the type).
fn logged_change(
    action: &'static str,
    before: Option<&logged_model::Model>,
    after: Option<&logged_model::Model>,
) -> Result<store::Change, AppError> {
    store::Change::of_row(
        "LoggedModel",
        action,
        |r| (r.id, r.ns.clone()),
        before,
        after,
    )
}

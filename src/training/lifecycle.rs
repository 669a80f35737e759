//! The training-job lifecycle that workers drive:
//!
//! ```text
//! QUEUED ──claim──▶ RUNNING ──complete──▶ SUCCEEDED
//!   │                 ├──────fail───────▶ FAILED   (also: heartbeat timeout)
//!   └──cancel──┐      └─────cancel──────▶ CANCELLED
//!              └────────────────────────▶ CANCELLED
//! ```
//!
//! Every change reads the job under a row lock (concurrent changes of one job queue),
//! then writes it with its event in one transaction, conditioned on the revision it read:
//! a stale `expectedRevision` gets `CONFLICT`, a refused transition `INVALID_TRANSITION`,
//! and neither leaves anything behind.
//! Claims hand the highest-priority, oldest queued job to exactly one worker
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has a single writer).

use chrono::{DateTime, Utc};
use entity::enums::{RunStatus, TrainingJobStatus};
use entity::{
    dataset_version, edge, experiment, experiment_run, model, model_version, training_job,
};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::commands::*;
use crate::core::context::RequestContext;
use crate::core::ids::NodeType;
use crate::core::store::{self, Change, record_event, reference};
use crate::core::validate;
use crate::core::validate::json_object;
use crate::error::{AppError, AppResult};
use crate::registry::service::{NewModelVersion, insert_new_model_version};

use TrainingJobStatus as S;

/// Whether the state machine allows `from → to`.
pub fn allowed(from: TrainingJobStatus, to: TrainingJobStatus) -> bool {
    matches!(
        (from, to),
        (S::Queued, S::Running)
            | (S::Queued, S::Cancelled)
            | (S::Running, S::Succeeded)
            | (S::Running, S::Failed)
            | (S::Running, S::Cancelled)
    )
}

fn check_transition(job: &training_job::Model, to: TrainingJobStatus) -> AppResult<()> {
    if allowed(job.status, to) {
        Ok(())
    } else {
        Err(AppError::InvalidTransition {
            from: job.status.as_str().to_owned(),
            to: to.as_str().to_owned(),
        })
    }
}

/// Progress and heartbeats are only for RUNNING jobs.
fn not_running(job: &training_job::Model, what: &str) -> AppError {
    AppError::InvalidTransition {
        from: job.status.as_str().to_owned(),
        to: format!("{what} (only RUNNING jobs can)"),
    }
}

fn check_revision(job: &training_job::Model, expected: Option<i32>) -> AppResult<()> {
    match expected {
        Some(r) if r != job.revision => Err(AppError::Conflict {
            field: Some("expectedRevision".into()),
            message: format!(
                "training job {} is at revision {}, not {r}",
                job.id, job.revision
            ),
        }),
        _ => Ok(()),
    }
}

/// Writes `row` over `before` only if nobody changed the job since it was read (its
/// revision is unchanged), and records the event. The caller bumps `revision` in `row`.
async fn compare_and_set(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    before: &training_job::Model,
    row: training_job::ActiveModel,
    action: &'static str,
) -> AppResult<training_job::Model> {
    ctx.scope.check_write(&before.ns)?;
    let updated = training_job::Entity::update_many()
        .set(row)
        .filter(training_job::Column::Id.eq(before.id))
        .filter(training_job::Column::Revision.eq(before.revision))
        .exec_with_returning(txn)
        .await?;
    let Some(after) = updated.into_iter().next() else {
        return Err(AppError::Conflict {
            field: Some("expectedRevision".into()),
            message: format!("training job {} was changed concurrently", before.id),
        });
    };
    record_event(
        txn,
        ctx,
        Change::of::<training_job::Entity>(action, Some(before), Some(&after))?,
    )
    .await?;
    Ok(after)
}

/// Reads a job for a change: it must exist (`NOT_FOUND`) and be at `expected` revision
/// when one is given (`CONFLICT`).
async fn job_for_change(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    id: Uuid,
    expected: Option<i32>,
) -> AppResult<training_job::Model> {
    // Locked until commit: concurrent changes of one job (a worker's progress while a
    // user cancels) queue instead of failing each other's compare-and-set. Only an
    // explicit `expectedRevision` can make a change stale.
    let job = store::lock::<training_job::Entity>(txn, ctx, id).await?;
    check_revision(&job, expected)?;
    Ok(job)
}

fn bumped(job: &training_job::Model, now: DateTime<Utc>) -> training_job::ActiveModel {
    let mut row = job.clone().into_active_model();
    row.revision = Set(job.revision + 1);
    row.updated_at = Set(now);
    row
}

/// The job's row moving to state `to`, if the state machine allows it.
fn moving(
    job: &training_job::Model,
    to: TrainingJobStatus,
    now: DateTime<Utc>,
) -> AppResult<training_job::ActiveModel> {
    check_transition(job, to)?;
    let mut row = bumped(job, now);
    row.status = Set(to);
    Ok(row)
}

/// The job's row moving to a final state `to` (SUCCEEDED, FAILED, CANCELLED).
fn finishing(
    job: &training_job::Model,
    to: TrainingJobStatus,
    now: DateTime<Utc>,
) -> AppResult<training_job::ActiveModel> {
    let mut row = moving(job, to, now)?;
    row.finished_at = Set(Some(now));
    Ok(row)
}

/// Enqueues a job (QUEUED). The first dataset version is the job's training set; every
/// further one is linked with a `trainedOn` edge in the same transaction, so lineage sees
/// them all.
pub async fn enqueue(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: EnqueueTrainingJob,
) -> AppResult<training_job::Model> {
    validate::namespace("input.ns", &input.ns)?;
    validate::name("input.name", &input.name)?;
    let priority = input.priority.unwrap_or(5);
    validate::range("input.priority", priority, 1, 10)?;
    let config = json_object("input.config", input.config)?;
    let experiment_id = input.experiment_id;
    let model_id = input.model_id;
    let dataset_versions = input.dataset_version_ids;
    if dataset_versions.len() > 100 {
        return Err(AppError::bad_input(
            "input.datasetVersionIds",
            "at most 100 dataset versions",
        ));
    }
    let ns = input.ns;
    store::transaction(db, async |txn| {
        ctx.scope.check_write(&ns)?;
        if let Some(id) = experiment_id {
            reference::<experiment::Entity>(txn, ctx, id, Some(&ns), "input.experimentId").await?;
        }
        if let Some(id) = model_id {
            reference::<model::Entity>(txn, ctx, id, Some(&ns), "input.modelId").await?;
        }
        for id in &dataset_versions {
            reference::<dataset_version::Entity>(
                txn,
                ctx,
                *id,
                Some(&ns),
                "input.datasetVersionIds",
            )
            .await?;
        }
        let snapshot = match input.pipeline_id {
            Some(p) => Some(crate::prep::service::snapshot_for_job(txn, ctx, p, &ns).await?),
            None => None,
        };
        let now = Utc::now();
        let job = store::insert::<training_job::Entity, _>(
            txn,
            ctx,
            training_job::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(ns.clone()),
                experiment_id: Set(experiment_id),
                model_id: Set(model_id),
                dataset_version_id: Set(dataset_versions.first().copied()),
                pipeline_id: Set(input.pipeline_id),
                pipeline_snapshot: Set(snapshot),
                name: Set(input.name.clone()),
                status: Set(S::Queued),
                priority: Set(priority),
                progress: Set(0.0),
                current_step: Set(None),
                config: Set(config),
                worker: Set(None),
                heartbeat_at: Set(None),
                started_at: Set(None),
                finished_at: Set(None),
                error: Set(None),
                traceback: Set(None),
                revision: Set(1),
                created_by: Set(ctx.actor.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            },
        )
        .await?;
        if let Some(p) = input.pipeline_id {
            store::insert::<edge::Entity, _>(
                txn,
                ctx,
                crate::lineage::service::edge_row(
                    ctx,
                    ns.clone(),
                    "runOf",
                    (NodeType::TrainingJob, job.id),
                    (NodeType::Pipeline, p),
                    serde_json::json!({}),
                ),
            )
            .await?;
        }
        let mut seen = std::collections::HashSet::new();
        for dv in dataset_versions.iter().skip(1) {
            if !seen.insert(*dv) || Some(*dv) == job.dataset_version_id {
                continue;
            }
            store::insert::<edge::Entity, _>(
                txn,
                ctx,
                crate::lineage::service::edge_row(
                    ctx,
                    ns.clone(),
                    "trainedOn",
                    (NodeType::TrainingJob, job.id),
                    (NodeType::DatasetVersion, *dv),
                    serde_json::json!({}),
                ),
            )
            .await?;
        }
        Ok(job)
    })
    .await
}

/// Hands the highest-priority, oldest queued job (optionally of one namespace) to
/// `worker`, or `None` when nothing is queued. Concurrent claims never get the same job.
pub async fn claim(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    worker: &str,
    ns: Option<&str>,
) -> AppResult<Option<training_job::Model>> {
    validate::name("worker", worker)?;
    store::transaction(db, async |txn| {
        let mut q = crate::core::store::unscoped::<training_job::Entity>()
            .filter(training_job::Column::Status.eq(S::Queued))
            // Only jobs the caller may change (a viewer claims nothing).
            .filter(
                ctx.scope
                    .condition_for(training_job::Column::Ns, crate::core::context::Role::Editor),
            )
            .order_by_desc(training_job::Column::Priority)
            .order_by_asc(training_job::Column::CreatedAt)
            .order_by_asc(training_job::Column::Id)
            .limit(1);
        if let Some(ns) = ns {
            q = q.filter(training_job::Column::Ns.eq(ns));
        }
        if txn.get_database_backend() == DbBackend::Postgres {
            q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let Some(before) = q.one(txn).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        let mut row = moving(&before, S::Running, now)?;
        row.worker = Set(Some(worker.to_owned()));
        row.started_at = Set(Some(now));
        row.heartbeat_at = Set(Some(now));
        let after = compare_and_set(txn, ctx, &before, row, "JOB_CLAIMED").await?;
        Ok(Some(after))
    })
    .await
}

/// Records progress (0–100) and the current step of a RUNNING job; counts as a heartbeat.
pub async fn report_progress(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: ReportTrainingProgress,
) -> AppResult<training_job::Model> {
    validate::range("input.progress", input.progress, 0.0, 100.0)?;
    store::transaction(db, async |txn| {
        let before = job_for_change(txn, ctx, input.id, input.expected_revision).await?;
        if before.status != S::Running {
            return Err(not_running(&before, "report progress"));
        }
        let now = Utc::now();
        let mut row = bumped(&before, now);
        row.progress = Set(input.progress);
        if let Some(step) = input.current_step {
            row.current_step = Set(Some(step));
        }
        row.heartbeat_at = Set(Some(now));
        let after = compare_and_set(txn, ctx, &before, row, "JOB_PROGRESS").await?;
        Ok(after)
    })
    .await
}

/// Changes a job's name, priority or configuration, in any state: under the job's row
/// lock and through the same compare-and-set as every state change, so that each change
/// gets a revision of its own (`CONFLICT` when `expected_revision` is stale).
pub async fn update(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateTrainingJob,
) -> AppResult<training_job::Model> {
    if let Some(name) = &input.name {
        validate::name("input.name", name)?;
    }
    if let Some(p) = input.priority {
        validate::range("input.priority", p, 1, 10)?;
    }
    let config = input
        .config
        .map(|c| json_object("input.config", Some(c)))
        .transpose()?;
    store::transaction(db, async |txn| {
        let before = job_for_change(txn, ctx, input.id, input.expected_revision).await?;
        let mut row = bumped(&before, Utc::now());
        if let Some(v) = input.name {
            row.name = Set(v);
        }
        if let Some(v) = input.priority {
            row.priority = Set(v);
        }
        if let Some(v) = config {
            row.config = Set(v);
        }
        compare_and_set(txn, ctx, &before, row, "UPDATE").await
    })
    .await
}

/// Marks a RUNNING job alive. Liveness is not a state change: the revision stays.
pub async fn heartbeat(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<training_job::Model> {
    store::transaction(db, async |txn| {
        let before = job_for_change(txn, ctx, id, None).await?;
        if before.status != S::Running {
            return Err(not_running(&before, "send a heartbeat"));
        }
        let mut row = before.clone().into_active_model();
        row.heartbeat_at = Set(Some(Utc::now()));
        let after = compare_and_set(txn, ctx, &before, row, "JOB_HEARTBEAT").await?;
        Ok(after)
    })
    .await
}

/// Completes a RUNNING job: SUCCEEDED, plus the model version it produced and its runs,
/// all in one transaction (a bad run leaves no version and the job RUNNING).
pub async fn complete(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CompleteTrainingJob,
) -> AppResult<(
    training_job::Model,
    Option<model_version::Model>,
    Vec<experiment_run::Model>,
)> {
    store::transaction(db, async |txn| {
        let before = job_for_change(txn, ctx, input.id, input.expected_revision).await?;
        let now = Utc::now();
        let mut row = finishing(&before, S::Succeeded, now)?;
        row.progress = Set(100.0);
        let after = compare_and_set(txn, ctx, &before, row, "JOB_SUCCEEDED").await?;

        let version = match input.model_version {
            None => None,
            Some(v) => {
                let Some(model_id) = before.model_id else {
                    return Err(AppError::bad_input(
                        "input.modelVersion",
                        "the job has no model to register a version of",
                    ));
                };
                let field = "input.modelVersion";
                let new = NewModelVersion {
                    model_id,
                    parent_version_id: v.parent_version_id,
                    // The job this transaction holds, locked.
                    training_job: Some((before.id, true)),
                    artifact_uri: v.artifact_uri,
                    checksum: v.checksum,
                    size_bytes: v.size_bytes,
                    metrics: v.metrics,
                    params: v.params,
                    tags: None,
                };
                Some(insert_new_model_version(txn, ctx, new, field).await?)
            }
        };

        let mut runs = Vec::new();
        let first_run = next_run_number(txn, before.id).await?;
        for (i, run) in input.runs.unwrap_or_default().into_iter().enumerate() {
            let field = format!("input.runs.{i}");
            if let Some(d) = run.duration_seconds {
                validate::range(&format!("{field}.durationSeconds"), d, 0.0, f64::MAX)?;
            }
            let hyperparameters =
                json_object(&format!("{field}.hyperparameters"), run.hyperparameters)?;
            let metrics = json_object(&format!("{field}.metrics"), run.metrics)?;
            runs.push(
                store::insert::<experiment_run::Entity, _>(
                    txn,
                    ctx,
                    experiment_run::ActiveModel {
                        id: Set(crate::core::ids::new_id()),
                        ns: Set(before.ns.clone()),
                        training_job_id: Set(before.id),
                        run_number: Set(first_run + i as i32),
                        hyperparameters: Set(hyperparameters),
                        metrics: Set(metrics),
                        duration_seconds: Set(run.duration_seconds),
                        status: Set(run.status.map_or(RunStatus::Completed, Into::into)),
                        created_at: Set(now),
                        updated_at: Set(now),
                    },
                )
                .await?,
            );
        }
        Ok((after, version, runs))
    })
    .await
}

/// The next run number of a job (the job row is already locked by this transaction's
/// compare-and-set, so concurrent numbering of one job is serialised).
pub(crate) async fn next_run_number(txn: &DatabaseTransaction, job: Uuid) -> AppResult<i32> {
    let last: Option<Option<i32>> = crate::core::store::unscoped::<experiment_run::Entity>()
        .select_only()
        .column_as(experiment_run::Column::RunNumber.max(), "n")
        .filter(experiment_run::Column::TrainingJobId.eq(job))
        .into_tuple()
        .one(txn)
        .await?;
    Ok(last.flatten().unwrap_or(0) + 1)
}

/// Fails a RUNNING job with the worker's error and traceback.
pub async fn fail(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: FailTrainingJob,
) -> AppResult<training_job::Model> {
    if input.error.trim().is_empty() {
        return Err(AppError::bad_input("input.error", "must not be empty"));
    }
    store::transaction(db, async |txn| {
        let before = job_for_change(txn, ctx, input.id, input.expected_revision).await?;
        let mut row = finishing(&before, S::Failed, Utc::now())?;
        row.error = Set(Some(input.error));
        row.traceback = Set(input.traceback);
        let after = compare_and_set(txn, ctx, &before, row, "JOB_FAILED").await?;
        Ok(after)
    })
    .await
}

/// Cancels a QUEUED or RUNNING job.
pub async fn cancel(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CancelTrainingJob,
) -> AppResult<training_job::Model> {
    store::transaction(db, async |txn| {
        let before = job_for_change(txn, ctx, input.id, input.expected_revision).await?;
        let mut row = finishing(&before, S::Cancelled, Utc::now())?;
        if let Some(reason) = input.reason {
            row.error = Set(Some(reason));
        }
        let after = compare_and_set(txn, ctx, &before, row, "JOB_CANCELLED").await?;
        Ok(after)
    })
    .await
}

/// Fails every RUNNING job whose last heartbeat is older than `timeout`, once: each job is
/// locked and re-checked, so with several instances reaping at the same time a job is
/// failed (and its event written) by exactly one of them. Returns the failed jobs.
pub async fn fail_stale_jobs(
    db: &DatabaseConnection,
    timeout: std::time::Duration,
) -> AppResult<Vec<training_job::Model>> {
    let ctx = RequestContext {
        actor: Some("mlgraph:heartbeat-monitor".into()),
        ..RequestContext::default()
    };
    let timeout = chrono::Duration::from_std(timeout)
        .map_err(|e| AppError::Internal(format!("heartbeat timeout: {e}")))?;
    store::transaction(db, async |txn| {
        let cutoff = Utc::now() - timeout;
        let mut q = crate::core::store::unscoped::<training_job::Entity>()
            .filter(training_job::Column::Status.eq(S::Running))
            .filter(training_job::Column::HeartbeatAt.lt(cutoff))
            .order_by_asc(training_job::Column::HeartbeatAt)
            .limit(100);
        if txn.get_database_backend() == DbBackend::Postgres {
            q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let stale = q.all(txn).await?;
        let now = Utc::now();
        let mut failed = Vec::new();
        for before in stale {
            let mut row = finishing(&before, S::Failed, now)?;
            row.error = Set(Some(format!(
                "no heartbeat for {} s (last at {})",
                timeout.num_seconds(),
                before
                    .heartbeat_at
                    .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339())
            )));
            failed.push(compare_and_set(txn, &ctx, &before, row, "JOB_TIMED_OUT").await?);
        }
        crate::telemetry::metrics::heartbeat_timeouts(failed.len());
        Ok(failed)
    })
    .await
}

/// Runs [`fail_stale_jobs`] every `interval` for as long as the process lives, waking the
/// event feed after each change.
pub fn spawn_heartbeat_monitor(
    state: crate::AppState,
    timeout: std::time::Duration,
    interval: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match fail_stale_jobs(&state.db, timeout).await {
                Ok(jobs) if !jobs.is_empty() => {
                    tracing::info!(count = jobs.len(), "failed training jobs without heartbeat");
                    state.feed.wake();
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "heartbeat monitor"),
            }
        }
    })
}

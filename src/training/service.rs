//! Training rules: experiments, jobs (created QUEUED, priority 1–10), runs numbered per
//! job, and standalone pattern-recognition jobs.

use chrono::Utc;
use entity::enums::{ExperimentStatus, JobStatus, RunStatus};
use entity::{experiment, experiment_run, pattern_recognition_job, training_job, workflow};
use sea_orm::{DatabaseConnection, DatabaseTransaction, IntoActiveModel, Set};

use super::commands::*;
use crate::core::context::RequestContext;
use crate::core::store::{self, get, reference};
use crate::core::validate;
use crate::core::validate::json_object;
use crate::error::{AppError, AppResult};

/// Creates an experiment.
pub async fn create_experiment(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateExperiment,
) -> AppResult<experiment::Model> {
    store::transaction(db, async |txn| insert_experiment(txn, ctx, input).await).await
}

/// [`create_experiment`] inside the caller's transaction (MLflow's experiments are made
/// here).
pub async fn insert_experiment(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    input: CreateExperiment,
) -> AppResult<experiment::Model> {
    validate::namespace("input.ns", &input.ns)?;
    validate::name("input.name", &input.name)?;
    let config = json_object("input.config", input.config)?;
    let workflow_id = input.workflow_id;
    if let Some(w) = workflow_id {
        reference::<workflow::Entity>(txn, ctx, w, Some(&input.ns), "input.workflowId").await?;
    }
    let now = Utc::now();
    store::insert::<experiment::Entity, _>(
        txn,
        ctx,
        experiment::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(input.ns),
            workflow_id: Set(workflow_id),
            name: Set(input.name),
            description: Set(input.description),
            experiment_type: Set(input.experiment_type),
            status: Set(input.status.map_or(ExperimentStatus::Planned, Into::into)),
            config: Set(config),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await
}

/// Updates an experiment.
pub async fn update_experiment(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateExperiment,
) -> AppResult<experiment::Model> {
    let id = input.id;
    if let Some(name) = &input.name {
        validate::name("input.name", name)?;
    }
    let config = input
        .config
        .map(|c| json_object("input.config", Some(c)))
        .transpose()?;
    store::transaction(db, async |txn| {
        let before = get::<experiment::Entity>(txn, ctx, id).await?;
        change_experiment(txn, ctx, &before, |row| {
            if let Some(v) = input.name {
                row.name = Set(v);
            }
            row.description = input.description.into_active();
            if let Some(v) = input.status {
                row.status = Set(v);
            }
            if let Some(v) = config {
                row.config = Set(v);
            }
        })
        .await
    })
    .await
}

/// Applies `edit` to an experiment in the caller's transaction, with its `UPDATE` event
/// (the one way an experiment changes, whichever protocol asked).
pub async fn change_experiment(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    before: &experiment::Model,
    edit: impl FnOnce(&mut experiment::ActiveModel),
) -> AppResult<experiment::Model> {
    store::change::<experiment::Entity, _>(txn, ctx, before, "UPDATE", |row| {
        edit(row);
        row.updated_at = Set(Utc::now());
    })
    .await
}

/// Creates a QUEUED training job (the same as `enqueueTrainingJob` with at most one
/// dataset version).
pub async fn create_training_job(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateTrainingJob,
) -> AppResult<training_job::Model> {
    super::lifecycle::enqueue(
        db,
        ctx,
        EnqueueTrainingJob {
            ns: input.ns,
            name: input.name,
            experiment_id: input.experiment_id,
            model_id: input.model_id,
            dataset_version_ids: input.dataset_version_id.into_iter().collect(),
            priority: input.priority,
            config: input.config,
            pipeline_id: input.pipeline_id,
        },
    )
    .await
}

/// Adds a run to a job; the run number is the job's next. The job row is locked first
/// so concurrent runs of one job are numbered one after the other.
pub async fn create_experiment_run(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateExperimentRun,
) -> AppResult<experiment_run::Model> {
    let job_id = input.training_job_id;
    if let Some(d) = input.duration_seconds {
        validate::range("input.durationSeconds", d, 0.0, f64::MAX)?;
    }
    let hyperparameters = json_object("input.hyperparameters", input.hyperparameters)?;
    let metrics = json_object("input.metrics", input.metrics)?;
    store::transaction(db, async |txn| {
        let job = match store::lock::<training_job::Entity>(txn, ctx, job_id).await {
            Err(AppError::NotFound { what }) => {
                return Err(AppError::NotFound {
                    what: format!("{what} (input input.trainingJobId)"),
                });
            }
            other => other?,
        };
        ctx.scope.check_write(&job.ns)?;
        let run_number = super::lifecycle::next_run_number(txn, job_id).await?;
        let now = Utc::now();
        let row = store::insert::<experiment_run::Entity, _>(
            txn,
            ctx,
            experiment_run::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(job.ns),
                training_job_id: Set(job_id),
                run_number: Set(run_number),
                hyperparameters: Set(hyperparameters),
                metrics: Set(metrics),
                duration_seconds: Set(input.duration_seconds),
                status: Set(input.status.map_or(RunStatus::Running, Into::into)),
                created_at: Set(now),
                updated_at: Set(now),
            },
        )
        .await?;
        Ok(row)
    })
    .await
}

/// Updates a run's metrics, duration or outcome.
pub async fn update_experiment_run(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateExperimentRun,
) -> AppResult<experiment_run::Model> {
    let id = input.id;
    if let Some(d) = input.duration_seconds {
        validate::range("input.durationSeconds", d, 0.0, f64::MAX)?;
    }
    let metrics = input
        .metrics
        .map(|m| json_object("input.metrics", Some(m)))
        .transpose()?;
    store::transaction(db, async |txn| {
        let before = get::<experiment_run::Entity>(txn, ctx, id).await?;
        let mut row = before.clone().into_active_model();
        if let Some(m) = metrics {
            row.metrics = Set(m);
        }
        if let Some(d) = input.duration_seconds {
            row.duration_seconds = Set(Some(d));
        }
        if let Some(s) = input.status {
            row.status = Set(s);
        }
        row.updated_at = Set(Utc::now());
        let after =
            store::update::<experiment_run::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
        Ok(after)
    })
    .await
}

/// Creates a PENDING pattern-recognition job.
pub async fn create_pattern_recognition_job(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreatePatternRecognitionJob,
) -> AppResult<pattern_recognition_job::Model> {
    validate::namespace("input.ns", &input.ns)?;
    validate::name("input.name", &input.name)?;
    validate::name("input.patternType", &input.pattern_type)?;
    let config = json_object("input.config", input.config)?;
    let now = Utc::now();
    store::transaction(db, async |txn| {
        let row = store::insert::<pattern_recognition_job::Entity, _>(
            txn,
            ctx,
            pattern_recognition_job::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(input.ns),
                name: Set(input.name),
                pattern_type: Set(input.pattern_type),
                status: Set(JobStatus::Pending),
                config: Set(config),
                results: Set(None),
                created_by: Set(ctx.actor.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            },
        )
        .await?;
        Ok(row)
    })
    .await
}

/// Updates a pattern-recognition job.
pub async fn update_pattern_recognition_job(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdatePatternRecognitionJob,
) -> AppResult<pattern_recognition_job::Model> {
    let id = input.id;
    let config = input
        .config
        .map(|c| json_object("input.config", Some(c)))
        .transpose()?;
    store::transaction(db, async |txn| {
        let before = get::<pattern_recognition_job::Entity>(txn, ctx, id).await?;
        let mut row = before.clone().into_active_model();
        if let Some(s) = input.status {
            row.status = Set(s);
        }
        if let Some(c) = config {
            row.config = Set(c);
        }
        row.results = input.results.into_active();
        row.updated_at = Set(Utc::now());
        let after =
            store::update::<pattern_recognition_job::Entity, _>(txn, ctx, &before, row, "UPDATE")
                .await?;
        Ok(after)
    })
    .await
}

//! The pipeline service: the only door for pipelines' writes (see the domain's module for
//! the rules it keeps).

use chrono::Utc;
use entity::enums::PipelineStatus as Status;
use entity::{dataset, pipeline, workflow};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, IntoActiveModel, QueryFilter, QuerySelect,
    Set,
};
use uuid::Uuid;

use super::commands::{CreatePipeline, UpdatePipeline};
use super::dag;
use crate::core::context::RequestContext;
use crate::core::ids::NodeType;
use crate::core::store::{self, reference};
use crate::core::validate;
use crate::error::{AppError, AppResult};

/// Checks a configuration for a save: the DAG, or `BAD_USER_INPUT` listing every problem.
fn checked(field: &str, config: &serde_json::Value) -> AppResult<dag::Dag> {
    dag::check(config).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        AppError::bad_input(
            field,
            format!("the pipeline is not a valid DAG: {}", list.join("; ")),
        )
    })
}

/// The status a save leaves: the one asked for (VALIDATED only with steps), else DRAFT
/// without steps and VALIDATED with them.
fn status_after(dag: &dag::Dag, asked: Option<Status>) -> AppResult<Status> {
    match asked {
        Some(Status::Validated) if dag.nodes.is_empty() => Err(AppError::bad_input(
            "input.status",
            "a pipeline without steps cannot be VALIDATED",
        )),
        Some(s) => Ok(s),
        None if dag.nodes.is_empty() => Ok(Status::Draft),
        None => Ok(Status::Validated),
    }
}

/// A `load_dataset` step reads the pipeline's dataset: it needs one.
fn check_dataset(dag: &dag::Dag, dataset: Option<Uuid>) -> AppResult<()> {
    match dag.nodes.iter().find(|(_, t)| *t == "load_dataset") {
        Some((id, _)) if dataset.is_none() => Err(AppError::bad_input(
            "input.datasetId",
            format!("node `{id}` loads the pipeline's dataset: give the pipeline a datasetId"),
        )),
        _ => Ok(()),
    }
}

/// The next version number of an owner's pipelines in a namespace.
async fn next_version(txn: &impl ConnectionTrait, ns: &str, owner: Option<&str>) -> AppResult<i32> {
    let mut q = crate::core::store::unscoped::<pipeline::Entity>()
        .select_only()
        .column_as(pipeline::Column::Version.max(), "v")
        .filter(pipeline::Column::Ns.eq(ns));
    q = match owner {
        Some(o) => q.filter(pipeline::Column::CreatedBy.eq(o)),
        None => q.filter(pipeline::Column::CreatedBy.is_null()),
    };
    let max: Option<Option<i32>> = q.into_tuple().one(txn).await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

/// Keeps `dataset --usedBy--> pipeline` equal to the pipeline's dataset.
async fn relink_dataset(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    row: &pipeline::Model,
    before: Option<Uuid>,
) -> AppResult<()> {
    if before == row.dataset_id {
        return Ok(());
    }
    if let Some(old) = before {
        crate::lineage::service::unlink_in(txn, ctx, "usedBy", old, row.id).await?;
    }
    if let Some(new) = row.dataset_id {
        store::insert::<entity::edge::Entity, _>(
            txn,
            ctx,
            crate::lineage::service::edge_row(
                ctx,
                row.ns.clone(),
                "usedBy",
                (NodeType::Dataset, new),
                (NodeType::Pipeline, row.id),
                serde_json::json!({}),
            ),
        )
        .await?;
    }
    Ok(())
}

/// Creates a pipeline (see the module).
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreatePipeline,
) -> AppResult<pipeline::Model> {
    validate::namespace("input.ns", &input.ns)?;
    validate::name("input.name", &input.name)?;
    let config = validate::json_object("input.config", input.config)?;
    let dag = checked("input.config", &config)?;
    let status = status_after(&dag, input.status)?;
    let (dataset_id, workflow_id) = (input.dataset_id, input.workflow_id);
    check_dataset(&dag, dataset_id)?;
    let ns = input.ns;
    // Two creations by one owner may race for a version number: the unique index
    // refuses the second, which then takes the next number.
    for attempt in 0..3 {
        let result = store::transaction(db, async |txn| {
            ctx.scope.check_write(&ns)?;
            if let Some(id) = dataset_id {
                reference::<dataset::Entity>(txn, ctx, id, Some(&ns), "input.datasetId").await?;
            }
            if let Some(id) = workflow_id {
                reference::<workflow::Entity>(txn, ctx, id, Some(&ns), "input.workflowId").await?;
            }
            let version = next_version(txn, &ns, ctx.actor.as_deref()).await?;
            let now = Utc::now();
            let row = store::insert::<pipeline::Entity, _>(
                txn,
                ctx,
                pipeline::ActiveModel {
                    id: Set(crate::core::ids::new_id()),
                    ns: Set(ns.clone()),
                    workflow_id: Set(workflow_id),
                    dataset_id: Set(dataset_id),
                    name: Set(input.name.clone()),
                    description: Set(input.description.clone()),
                    config: Set(config.clone()),
                    version: Set(version),
                    status: Set(status),
                    validated_at: Set((status == Status::Validated).then_some(now)),
                    created_by: Set(ctx.actor.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                },
            )
            .await?;
            relink_dataset(txn, ctx, &row, None).await?;
            Ok(row)
        })
        .await;
        match result {
            Err(AppError::Conflict { .. }) if attempt < 2 => continue,
            other => return other,
        }
    }
    Err(AppError::Internal("pipeline version".into()))
}

/// Updates a pipeline (see the module): the configuration is checked again.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdatePipeline,
) -> AppResult<pipeline::Model> {
    let id = input.id;
    if let Some(name) = &input.name {
        validate::name("input.name", name)?;
    }
    let dataset_id = input.dataset_id;
    let config = input
        .config
        .map(|c| validate::json_object("input.config", Some(c)))
        .transpose()?;
    let asked: Option<Status> = input.status;
    store::transaction(db, async |txn| {
        let before = store::lock::<pipeline::Entity>(txn, ctx, id).await?;
        ctx.scope.check_write(&before.ns)?;
        let changes_content = input.name.is_some()
            || input.description.is_some()
            || dataset_id.is_some()
            || config.is_some();
        if before.status == Status::Archived
            && changes_content
            && !matches!(asked, Some(Status::Draft | Status::Validated))
        {
            return Err(AppError::Conflict {
                message: format!(
                    "pipeline {id} is ARCHIVED: set its status to DRAFT or VALIDATED to change it"
                ),
                field: Some("input.status".into()),
            });
        }
        let config = config.clone().unwrap_or_else(|| before.config.clone());
        let dag = checked("input.config", &config)?;
        let dataset = dataset_id.or(before.dataset_id);
        check_dataset(&dag, dataset)?;
        if let Some(d) = dataset_id {
            reference::<dataset::Entity>(txn, ctx, d, Some(&before.ns), "input.datasetId").await?;
        }
        let status = match asked {
            Some(s) => status_after(&dag, Some(s))?,
            None if before.status == Status::Archived => Status::Archived,
            None if before.status == Status::Draft && config == before.config => Status::Draft,
            None => status_after(&dag, None)?,
        };
        let now = Utc::now();
        let mut row = before.clone().into_active_model();
        if let Some(v) = input.name.clone() {
            row.name = Set(v);
        }
        if let Some(v) = input.description.clone() {
            row.description = Set(Some(v));
        }
        row.dataset_id = Set(dataset);
        row.config = Set(config.clone());
        row.status = Set(status);
        let revalidated = status == Status::Validated
            && (before.status != Status::Validated || config != before.config);
        if revalidated {
            row.validated_at = Set(Some(now));
        }
        row.updated_at = Set(now);
        let after = store::update::<pipeline::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
        relink_dataset(txn, ctx, &after, before.dataset_id).await?;
        Ok(after)
    })
    .await
}

/// What a training job created from a pipeline records: the pipeline, locked, checked to
/// be VALIDATED and in the job's namespace, and its immutable snapshot.
pub async fn snapshot_for_job(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    pipeline_id: Uuid,
    ns: &str,
) -> AppResult<serde_json::Value> {
    let p = match store::lock::<pipeline::Entity>(txn, ctx, pipeline_id).await {
        Err(AppError::NotFound { what }) => {
            return Err(AppError::NotFound {
                what: format!("{what} (input input.pipelineId)"),
            });
        }
        other => other?,
    };
    if p.ns != ns {
        return Err(AppError::bad_input(
            "input.pipelineId",
            format!("the pipeline is in {}, the job in {ns}", p.ns),
        ));
    }
    if p.status != Status::Validated {
        return Err(AppError::Conflict {
            message: format!(
                "pipeline {} is {}: only a VALIDATED pipeline runs",
                p.id,
                p.status.as_str()
            ),
            field: Some("input.pipelineId".into()),
        });
    }
    Ok(serde_json::json!({
        "pipelineId": crate::core::ids::encode(NodeType::Pipeline, p.id),
        "name": p.name,
        "version": p.version,
        "datasetId": p.dataset_id.map(|d| crate::core::ids::encode(NodeType::Dataset, d)),
        "validatedAt": p.validated_at,
        "config": p.config,
    }))
}

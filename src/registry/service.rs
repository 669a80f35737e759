//! Registry rules: names per namespace, server-assigned version numbers, one PRODUCTION
//! version per model, and the atomic register-and-deploy.

use chrono::Utc;
use entity::enums::{ModelStage, ModelStatus, WorkflowStatus};
use entity::{deployment, model, model_version, training_job, workflow};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::commands::*;
use crate::core::context::RequestContext;
use crate::core::patch::Patch;
use crate::core::store::{self, get, reference};
use crate::core::validate::{self, json_object};
use crate::error::{AppError, AppResult};

/// Creates a workflow.
pub async fn create_workflow(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateWorkflow,
) -> AppResult<workflow::Model> {
    store::transaction(db, async |txn| insert_workflow(txn, ctx, input).await).await
}

/// [`create_workflow`] inside the caller's transaction (OpenLineage's jobs are made here).
pub async fn insert_workflow(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    input: CreateWorkflow,
) -> AppResult<workflow::Model> {
    validate::namespace("input.ns", &input.ns)?;
    validate::name("input.name", &input.name)?;
    let config = json_object("input.config", input.config)?;
    let now = Utc::now();
    store::insert::<workflow::Entity, _>(
        txn,
        ctx,
        workflow::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(input.ns),
            name: Set(input.name),
            description: Set(input.description),
            status: Set(input.status.map_or(WorkflowStatus::Draft, Into::into)),
            config: Set(config),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await
}

/// Updates a workflow.
pub async fn update_workflow(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateWorkflow,
) -> AppResult<workflow::Model> {
    let id = input.id;
    if let Some(name) = &input.name {
        validate::name("input.name", name)?;
    }
    let config = input
        .config
        .map(|c| json_object("input.config", Some(c)))
        .transpose()?;
    store::transaction(db, async |txn| {
        let before = get::<workflow::Entity>(txn, ctx, id).await?;
        change_workflow(txn, ctx, &before, |row| {
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

/// Applies `edit` to a workflow in the caller's transaction, with its `UPDATE` event (the
/// one way a workflow changes, whichever protocol asked).
pub async fn change_workflow(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    before: &workflow::Model,
    edit: impl FnOnce(&mut workflow::ActiveModel),
) -> AppResult<workflow::Model> {
    store::change::<workflow::Entity, _>(txn, ctx, before, "UPDATE", |row| {
        edit(row);
        row.updated_at = Set(Utc::now());
    })
    .await
}

/// Applies `edit` to a model (locked in its own transaction), with its `UPDATE` event:
/// how a protocol changes what the commands do not carry (MLflow's description, tags).
pub async fn change_model(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    edit: impl FnOnce(&mut model::ActiveModel) + Send,
) -> AppResult<model::Model> {
    store::modify::<model::Entity, model::ActiveModel>(db, ctx, id, "UPDATE", |row| {
        edit(row);
        row.updated_at = Set(Utc::now());
    })
    .await
}

/// Applies `edit` to a model version (locked in its own transaction), with its `UPDATE`
/// event: how a protocol changes what the commands do not carry (MLflow's tags).
pub async fn change_model_version(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    edit: impl FnOnce(&mut model_version::ActiveModel) + Send,
) -> AppResult<model_version::Model> {
    store::modify::<model_version::Entity, model_version::ActiveModel>(
        db,
        ctx,
        id,
        "UPDATE",
        |row| {
            edit(row);
            row.updated_at = Set(Utc::now());
        },
    )
    .await
}

/// Creates a model.
pub async fn create_model(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateModel,
) -> AppResult<model::Model> {
    store::transaction(db, async |txn| insert_model(txn, ctx, input, None).await).await
}

/// [`create_model`] inside the caller's transaction, with its first `tags` (MLflow's
/// registered models are made here).
pub async fn insert_model(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    input: CreateModel,
    tags: Option<serde_json::Value>,
) -> AppResult<model::Model> {
    validate::namespace("input.ns", &input.ns)?;
    validate::name("input.name", &input.name)?;
    let workflow_id = input.workflow_id;
    if let Some(w) = workflow_id {
        reference::<workflow::Entity>(txn, ctx, w, Some(&input.ns), "input.workflowId").await?;
    }
    let now = Utc::now();
    store::insert::<model::Entity, _>(
        txn,
        ctx,
        model::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(input.ns),
            workflow_id: Set(workflow_id),
            name: Set(input.name),
            description: Set(input.description),
            task: Set(input.task),
            framework: Set(input.framework),
            status: Set(ModelStatus::Active),
            version_seq: Set(0),
            risk_class: Set(None),
            human_oversight: Set(None),
            intended_purpose: Set(None),
            tags: Set(tags),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await
}

/// Updates a model.
pub async fn update_model(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateModel,
) -> AppResult<model::Model> {
    let id = input.id;
    if let Some(name) = &input.name {
        validate::name("input.name", name)?;
    }
    let workflow_id = input.workflow_id;
    store::transaction(db, async |txn| {
        let before = get::<model::Entity>(txn, ctx, id).await?;
        if let Patch::Set(w) = workflow_id {
            reference::<workflow::Entity>(txn, ctx, w, Some(&before.ns), "input.workflowId")
                .await?;
        }
        let mut row = before.clone().into_active_model();
        if let Some(v) = input.name {
            row.name = Set(v);
        }
        row.description = input.description.into_active();
        row.task = input.task.into_active();
        row.framework = input.framework.into_active();
        row.workflow_id = workflow_id.into_active();
        row.updated_at = Set(Utc::now());
        let after = store::update::<model::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
        Ok(after)
    })
    .await
}

/// Sets a model's lifecycle status (idempotent): `DEPRECATED` (kept, no new production
/// version), `ARCHIVED` (retired: no new versions, no promotions; refused while a version
/// is deployed), or back to `ACTIVE`. One event, named by the new status (`DEPRECATED`,
/// `ARCHIVED`, `RESTORED`).
pub async fn set_model_status(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    status: ModelStatus,
) -> AppResult<model::Model> {
    store::transaction(db, async |txn| {
        let before = store::lock::<model::Entity>(txn, ctx, id).await?;
        ctx.scope.check_write(&before.ns)?;
        if before.status == status {
            return Ok(before);
        }
        if status == ModelStatus::Archived {
            let deployed = crate::core::store::unscoped::<deployment::Entity>()
                .filter(
                    deployment::Column::ModelVersionId.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(model_version::Column::Id)
                            .from(model_version::Entity)
                            .and_where(model_version::Column::ModelId.eq(id))
                            .to_owned(),
                    ),
                )
                .count(txn)
                .await?;
            if deployed > 0 {
                return Err(AppError::conflict(
                    None,
                    format!(
                        "model {id} has {deployed} deployment(s); undeploy its versions before archiving it"
                    ),
                ));
            }
        }
        let action = match status {
            ModelStatus::Active => "RESTORED",
            ModelStatus::Deprecated => "DEPRECATED",
            ModelStatus::Archived => "ARCHIVED",
        };
        let mut row = before.clone().into_active_model();
        row.status = Set(status);
        row.updated_at = Set(Utc::now());
        store::update::<model::Entity, _>(txn, ctx, &before, row, action).await
    })
    .await
}

/// Refuses `what` on an `ARCHIVED` model.
fn not_archived(model: &model::Model, what: &str) -> AppResult<()> {
    if model.status == ModelStatus::Archived {
        return Err(AppError::InvalidTransition {
            from: format!("ARCHIVED model {}", model.name),
            to: what.into(),
        });
    }
    Ok(())
}

/// Hands out the model's next version number. Bumping the counter row locks it until the
/// transaction ends, so concurrent creates on one model get 1, 2, ... and never collide.
async fn next_version(txn: &DatabaseTransaction, model_id: Uuid) -> AppResult<i32> {
    let rows = model::Entity::update_many()
        .col_expr(
            model::Column::VersionSeq,
            Expr::col(model::Column::VersionSeq).add(1),
        )
        .filter(model::Column::Id.eq(model_id))
        .exec_with_returning(txn)
        .await?;
    rows.first()
        .map(|m| m.version_seq)
        .ok_or_else(|| AppError::not_found(format!("Model {model_id}")))
}

/// A model version to register, its references decoded.
pub struct NewModelVersion {
    /// The model.
    pub model_id: Uuid,
    /// The version it derives from (checked: same namespace).
    pub parent_version_id: Option<Uuid>,
    /// The training job that produced it, and whether the caller already holds it in
    /// this transaction (else it is checked: same namespace).
    pub training_job: Option<(Uuid, bool)>,
    /// Where the artifact is stored.
    pub artifact_uri: Option<String>,
    /// Checksum of the artifact.
    pub checksum: Option<String>,
    /// Artifact size in bytes (> 0).
    pub size_bytes: Option<i64>,
    /// Evaluation metrics (a JSON object).
    pub metrics: Option<serde_json::Value>,
    /// Training parameters (a JSON object).
    pub params: Option<serde_json::Value>,
    /// Tags (a JSON object; none when absent).
    pub tags: Option<serde_json::Value>,
}

/// Registers a model version inside `txn` (used alone and by register-and-deploy).
pub async fn insert_model_version(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    input: CreateModelVersion,
    field: &str,
) -> AppResult<model_version::Model> {
    let new = NewModelVersion {
        model_id: input.model_id,
        parent_version_id: input.parent_version_id,
        training_job: input.training_job_id.map(|j| (j, false)),
        artifact_uri: input.artifact_uri,
        checksum: input.checksum,
        size_bytes: input.size_bytes,
        metrics: input.metrics,
        params: input.params,
        tags: None,
    };
    insert_new_model_version(txn, ctx, new, field).await
}

/// Registers a decoded model version inside `txn` (`field` names the input in errors).
pub async fn insert_new_model_version(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    new: NewModelVersion,
    field: &str,
) -> AppResult<model_version::Model> {
    if let Some(size) = new.size_bytes {
        validate::positive(&format!("{field}.sizeBytes"), size)?;
    }
    let metrics = json_object(&format!("{field}.metrics"), new.metrics)?;
    let params = json_object(&format!("{field}.params"), new.params)?;
    let model_id = new.model_id;
    let model =
        reference::<model::Entity>(txn, ctx, model_id, None, &format!("{field}.modelId")).await?;
    ctx.scope.check_write(&model.ns)?;
    not_archived(&model, "a new version")?;
    if let Some(p) = new.parent_version_id {
        reference::<model_version::Entity>(
            txn,
            ctx,
            p,
            Some(&model.ns),
            &format!("{field}.parentVersionId"),
        )
        .await?;
    }
    if let Some((j, false)) = new.training_job {
        reference::<training_job::Entity>(
            txn,
            ctx,
            j,
            Some(&model.ns),
            &format!("{field}.trainingJobId"),
        )
        .await?;
    }
    let version = next_version(txn, model_id).await?;
    let now = Utc::now();
    store::insert::<model_version::Entity, _>(
        txn,
        ctx,
        model_version::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(model.ns),
            model_id: Set(model_id),
            version: Set(version),
            artifact_uri: Set(new.artifact_uri),
            checksum: Set(new.checksum),
            size_bytes: Set(new.size_bytes),
            metrics: Set(metrics),
            params: Set(params),
            stage: Set(ModelStage::None),
            parent_version_id: Set(new.parent_version_id),
            training_job_id: Set(new.training_job.map(|(j, _)| j)),
            tags: Set(new.tags),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await
}

/// Registers a model version.
pub async fn create_model_version(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateModelVersion,
) -> AppResult<model_version::Model> {
    store::transaction(db, async |txn| {
        let row = insert_model_version(txn, ctx, input, "input").await?;
        Ok(row)
    })
    .await
}

/// Updates a model version's artifact and metadata.
pub async fn update_model_version(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateModelVersion,
) -> AppResult<model_version::Model> {
    let id = input.id;
    if let Patch::Set(size) = input.size_bytes {
        validate::positive("input.sizeBytes", size)?;
    }
    let metrics = input
        .metrics
        .map(|m| json_object("input.metrics", Some(m)))
        .transpose()?;
    let params = input
        .params
        .map(|m| json_object("input.params", Some(m)))
        .transpose()?;
    store::transaction(db, async |txn| {
        let before = get::<model_version::Entity>(txn, ctx, id).await?;
        let mut row = before.clone().into_active_model();
        row.artifact_uri = input.artifact_uri.into_active();
        row.checksum = input.checksum.into_active();
        row.size_bytes = input.size_bytes.into_active();
        if let Some(m) = metrics {
            row.metrics = Set(m);
        }
        if let Some(p) = params {
            row.params = Set(p);
        }
        row.updated_at = Set(Utc::now());
        let after =
            store::update::<model_version::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
        Ok(after)
    })
    .await
}

/// The result of a promotion: the promoted version and the one it displaced.
pub struct Promotion {
    /// The version now in the requested stage.
    pub version: model_version::Model,
    /// The former PRODUCTION version, now ARCHIVED (when promoting to PRODUCTION).
    pub demoted: Option<model_version::Model>,
}

/// Moves a version to `stage`. Promoting to PRODUCTION archives the model's current
/// production version in the same transaction (a partial unique index backs the rule).
/// Versions of a deprecated model cannot be promoted to PRODUCTION.
pub async fn promote_model_version(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    stage: ModelStage,
) -> AppResult<Promotion> {
    store::transaction(db, async |txn| {
        let before = get::<model_version::Entity>(txn, ctx, id).await?;
        // Before any lock or early answer: a reader changes nothing, not even "to the same".
        ctx.scope.check_write(&before.ns)?;
        // Lock the model row: concurrent promotions of one model queue here.
        let model = store::lock::<model::Entity>(txn, ctx, before.model_id).await?;
        if stage != ModelStage::Archived && stage != ModelStage::None {
            not_archived(&model, &format!("{stage:?}").to_uppercase())?;
        }
        if stage == ModelStage::Production && model.status == ModelStatus::Deprecated {
            return Err(AppError::InvalidTransition {
                from: "DEPRECATED model".into(),
                to: "PRODUCTION".into(),
            });
        }
        if before.stage != stage {
            crate::governance::service::require_approval(txn, &before, stage).await?;
        }
        if before.stage == stage {
            return Ok(Promotion {
                version: before,
                demoted: None,
            });
        }
        let mut demoted = None;
        if stage == ModelStage::Production {
            let current = crate::core::store::unscoped::<model_version::Entity>()
                .filter(model_version::Column::ModelId.eq(before.model_id))
                .filter(model_version::Column::Stage.eq(ModelStage::Production))
                .one(txn)
                .await?;
            if let Some(current) = current {
                let mut row = current.clone().into_active_model();
                row.stage = Set(ModelStage::Archived);
                row.updated_at = Set(Utc::now());
                demoted = Some(
                    store::update::<model_version::Entity, _>(
                        txn,
                        ctx,
                        &current,
                        row,
                        "STAGE_CHANGED",
                    )
                    .await?,
                );
            }
        }
        let mut row = before.clone().into_active_model();
        row.stage = Set(stage);
        row.updated_at = Set(Utc::now());
        let version =
            store::update::<model_version::Entity, _>(txn, ctx, &before, row, "STAGE_CHANGED")
                .await?;
        Ok(Promotion { version, demoted })
    })
    .await
}

/// Registers a version and deploys it in one transaction: a failure of either step (bad
/// endpoint, traffic out of range, ...) leaves no version, no deployment and no events.
pub async fn register_and_deploy(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    version: CreateModelVersion,
    deployment: crate::serving::commands::DeploymentSpec,
) -> AppResult<(model_version::Model, entity::deployment::Model)> {
    store::transaction(db, async |txn| {
        let v = insert_model_version(txn, ctx, version, "version").await?;
        let d = crate::serving::service::insert_deployment(txn, ctx, &v, deployment, "deployment")
            .await?;
        Ok((v, d))
    })
    .await
}

/// Model versions trained on stale data: a version of a dataset they trained on (through
/// their training job, the further versions that job was enqueued with, or an explicit
/// `trainedOn` edge to a dataset version) has a newer
/// version created after them, or a dataset they were linked to by `trainedOn` changed
/// after them.
pub fn needs_retraining() -> sea_orm::Condition {
    sea_orm::Condition::all().add(Expr::cust(format!(
        "model_versions.id IN ({STALE_VERSIONS})"
    )))
}

/// The ids of the model versions [`needs_retraining`] finds.
const STALE_VERSIONS: &str = "
            SELECT mv.id FROM model_versions mv
              JOIN training_jobs j ON j.id = mv.training_job_id
              JOIN dataset_versions dv ON dv.id = j.dataset_version_id
             WHERE EXISTS (SELECT 1 FROM dataset_versions n
                            WHERE n.dataset_id = dv.dataset_id AND n.version > dv.version
                              AND n.created_at > mv.created_at)
            UNION
            SELECT mv.id FROM model_versions mv
              JOIN edges e ON e.kind = 'trainedOn' AND e.source_id = mv.training_job_id
                          AND e.source_type = 'TrainingJob' AND e.target_type = 'DatasetVersion'
              JOIN dataset_versions dv ON dv.id = e.target_id
             WHERE EXISTS (SELECT 1 FROM dataset_versions n
                            WHERE n.dataset_id = dv.dataset_id AND n.version > dv.version
                              AND n.created_at > mv.created_at)
            UNION
            SELECT mv.id FROM model_versions mv
              JOIN edges e ON e.kind = 'trainedOn' AND e.source_id = mv.id AND e.target_type = 'DatasetVersion'
              JOIN dataset_versions dv ON dv.id = e.target_id
             WHERE EXISTS (SELECT 1 FROM dataset_versions n
                            WHERE n.dataset_id = dv.dataset_id AND n.version > dv.version
                              AND n.created_at > mv.created_at)
            UNION
            SELECT mv.id FROM model_versions mv
              JOIN edges e ON e.kind = 'trainedOn' AND e.source_id = mv.id AND e.target_type = 'Dataset'
              JOIN datasets d ON d.id = e.target_id
             WHERE d.updated_at > mv.created_at
";

/// Models trained on stale data: their newest version [`needs_retraining`], or the model
/// itself has a `trainedOn` edge to a dataset version with a newer version, or to a
/// dataset that changed, since it was last trained (its newest version's creation; its
/// own creation while it has none).
pub fn models_needing_retraining() -> sea_orm::Condition {
    sea_orm::Condition::all().add(Expr::cust(format!(
        "models.id IN (
            SELECT mv.model_id FROM model_versions mv
             WHERE mv.version = (SELECT max(v2.version) FROM model_versions v2 WHERE v2.model_id = mv.model_id)
               AND mv.id IN ({STALE_VERSIONS})
            UNION
            SELECT m.id FROM models m
              JOIN edges e ON e.kind = 'trainedOn' AND e.source_type = 'Model' AND e.source_id = m.id
                          AND e.target_type = 'DatasetVersion'
              JOIN dataset_versions dv ON dv.id = e.target_id
             WHERE EXISTS (SELECT 1 FROM dataset_versions n
                            WHERE n.dataset_id = dv.dataset_id AND n.version > dv.version
                              AND n.created_at > {TRAINED})
            UNION
            SELECT m.id FROM models m
              JOIN edges e ON e.kind = 'trainedOn' AND e.source_type = 'Model' AND e.source_id = m.id
                          AND e.target_type = 'Dataset'
              JOIN datasets d ON d.id = e.target_id
             WHERE d.updated_at > {TRAINED}
        )"
    )))
}

/// When model `m` was last trained: its newest version's creation, else its own.
const TRAINED: &str = "COALESCE((SELECT max(v.created_at) FROM model_versions v WHERE v.model_id = m.id), m.created_at)";

/// Models running on an endpoint matching `filter`: a version deployed there (foreign
/// key), or an explicit `deployedTo` edge from the model or one of its versions to such an
/// endpoint or to one of its deployments.
pub fn deployed_to(filter: &crate::serving::EndpointFilter) -> AppResult<sea_orm::Condition> {
    use crate::gql::filter::ToCondition;
    use entity::{edge, endpoint};
    use sea_orm::sea_query::{Query, SelectStatement};
    let endpoints = || -> AppResult<SelectStatement> {
        Ok(Query::select()
            .column(endpoint::Column::Id)
            .from(endpoint::Entity)
            .cond_where(filter.condition()?)
            .to_owned())
    };
    let deployments = Query::select()
        .column(deployment::Column::Id)
        .from(deployment::Entity)
        .and_where(deployment::Column::EndpointId.in_subquery(endpoints()?))
        .to_owned();
    let versions_of = |versions: SelectStatement| {
        Query::select()
            .column(model_version::Column::ModelId)
            .from(model_version::Entity)
            .and_where(model_version::Column::Id.in_subquery(versions))
            .to_owned()
    };
    // `deployedTo` edges from `source_type` to a matching endpoint or deployment.
    let edges_from = |source_type: &str| -> AppResult<SelectStatement> {
        Ok(Query::select()
            .column(edge::Column::SourceId)
            .from(edge::Entity)
            .and_where(edge::Column::Kind.eq("deployedTo"))
            .and_where(edge::Column::SourceType.eq(source_type))
            .cond_where(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::Condition::all()
                            .add(edge::Column::TargetType.eq("Endpoint"))
                            .add(edge::Column::TargetId.in_subquery(endpoints()?)),
                    )
                    .add(
                        sea_orm::Condition::all()
                            .add(edge::Column::TargetType.eq("Deployment"))
                            .add(edge::Column::TargetId.in_subquery(deployments.clone())),
                    ),
            )
            .to_owned())
    };
    let deployed_versions = Query::select()
        .column(deployment::Column::ModelVersionId)
        .from(deployment::Entity)
        .and_where(deployment::Column::EndpointId.in_subquery(endpoints()?))
        .to_owned();
    Ok(sea_orm::Condition::any()
        .add(model::Column::Id.in_subquery(versions_of(deployed_versions)))
        .add(model::Column::Id.in_subquery(edges_from("Model")?))
        .add(model::Column::Id.in_subquery(versions_of(edges_from("ModelVersion")?))))
}

/// An alias name: 1–255 letters, digits, `_` or `-`, not `latest` and not `v<number>`
/// (both name versions already, as in MLflow).
pub fn check_alias(field: &str, alias: &str) -> AppResult<()> {
    let ok_chars = !alias.is_empty()
        && alias.len() <= 255
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let lower = alias.to_ascii_lowercase();
    let reserved = lower == "latest"
        || (lower.len() > 1
            && lower.starts_with('v')
            && lower[1..].chars().all(|c| c.is_ascii_digit()));
    if !ok_chars {
        return Err(AppError::bad_input(
            field,
            "an alias is 1–255 letters, digits, '_' or '-'",
        ));
    }
    if reserved {
        return Err(AppError::bad_input(
            field,
            format!("{alias:?} is reserved (`latest` and `v<number>` name versions)"),
        ));
    }
    Ok(())
}

fn alias_change(
    action: &'static str,
    before: Option<&entity::model_alias::Model>,
    after: Option<&entity::model_alias::Model>,
) -> AppResult<store::Change> {
    store::Change::of_row(
        "ModelAlias",
        action,
        |r| (r.id, r.ns.clone()),
        before,
        after,
    )
}

/// Points `alias` of a model at one of its versions (moving it when it pointed at
/// another), in one transaction with its event.
pub async fn set_alias(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    model_id: Uuid,
    alias: &str,
    version_id: Uuid,
) -> AppResult<model_version::Model> {
    use entity::model_alias;
    check_alias("alias", alias)?;
    store::transaction(db, async |txn| {
        let model = store::lock::<model::Entity>(txn, ctx, model_id).await?;
        let version =
            reference::<model_version::Entity>(txn, ctx, version_id, Some(&model.ns), "versionId")
                .await?;
        if version.model_id != model.id {
            return Err(AppError::bad_input(
                "versionId",
                format!("version {} belongs to another model", version.version),
            ));
        }
        let existing = crate::core::store::unscoped::<model_alias::Entity>()
            .filter(model_alias::Column::ModelId.eq(model_id))
            .filter(model_alias::Column::Alias.eq(alias))
            .one(txn)
            .await?;
        let now = Utc::now();
        match existing {
            Some(before) if before.model_version_id == version_id => {}
            Some(before) => {
                let mut row = before.clone().into_active_model();
                row.model_version_id = Set(version_id);
                row.updated_at = Set(now);
                let after = sea_orm::ActiveModelTrait::update(row, txn).await?;
                store::record_event(
                    txn,
                    ctx,
                    alias_change("UPDATE", Some(&before), Some(&after))?,
                )
                .await?;
            }
            None => {
                let row = model_alias::ActiveModel {
                    id: Set(crate::core::ids::new_id()),
                    ns: Set(model.ns.clone()),
                    model_id: Set(model_id),
                    alias: Set(alias.to_owned()),
                    model_version_id: Set(version_id),
                    created_by: Set(ctx.actor.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                };
                let after = sea_orm::ActiveModelTrait::insert(row, txn).await?;
                store::record_event(txn, ctx, alias_change("CREATE", None, Some(&after))?).await?;
            }
        }
        Ok(version)
    })
    .await
}

/// Removes `alias` of a model; false when it had none of that name.
pub async fn delete_alias(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    model_id: Uuid,
    alias: &str,
) -> AppResult<bool> {
    use entity::model_alias;
    store::transaction(db, async |txn| {
        let model = store::lock::<model::Entity>(txn, ctx, model_id).await?;
        let Some(before) = crate::core::store::unscoped::<model_alias::Entity>()
            .filter(model_alias::Column::ModelId.eq(model.id))
            .filter(model_alias::Column::Alias.eq(alias))
            .one(txn)
            .await?
        else {
            return Ok(false);
        };
        model_alias::Entity::delete_by_id(before.id)
            .exec(txn)
            .await?;
        store::record_event(txn, ctx, alias_change("DELETE", Some(&before), None)?).await?;
        Ok(true)
    })
    .await
}

/// The aliases of these models (in the caller's scope), in one statement.
pub async fn aliases_of_models(
    db: &impl sea_orm::ConnectionTrait,
    ctx: &RequestContext,
    models: &[Uuid],
) -> AppResult<Vec<entity::model_alias::Model>> {
    use entity::model_alias;
    Ok(crate::core::store::scoped::<model_alias::Entity>(ctx)
        .filter(model_alias::Column::ModelId.is_in(models.iter().copied()))
        .all(db)
        .await?)
}

/// The aliases pointing at these versions (in the caller's scope), in one statement.
pub async fn aliases_of_versions(
    db: &impl sea_orm::ConnectionTrait,
    ctx: &RequestContext,
    versions: &[Uuid],
) -> AppResult<Vec<entity::model_alias::Model>> {
    use entity::model_alias;
    Ok(crate::core::store::scoped::<model_alias::Entity>(ctx)
        .filter(model_alias::Column::ModelVersionId.is_in(versions.iter().copied()))
        .all(db)
        .await?)
}

/// The version `alias` of a model points at.
pub async fn version_by_alias(
    db: &impl sea_orm::ConnectionTrait,
    ctx: &RequestContext,
    model_id: Uuid,
    alias: &str,
) -> AppResult<model_version::Model> {
    use entity::model_alias;
    let row = crate::core::store::scoped::<model_alias::Entity>(ctx)
        .filter(model_alias::Column::ModelId.eq(model_id))
        .filter(model_alias::Column::Alias.eq(alias))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("alias {alias:?}")))?;
    get::<model_version::Entity>(db, ctx, row.model_version_id).await
}

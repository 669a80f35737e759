//! Dataset rules: names per namespace, server-assigned immutable versions.

use crate::core::patch::Patch;
use chrono::Utc;
use entity::enums::DatasetSplit;
use entity::{dataset, dataset_version, workflow};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::commands::*;
use crate::core::context::RequestContext;
use crate::core::store::{self, get, reference};
use crate::core::validate;
use crate::error::{AppError, AppResult};

/// Creates a dataset.
pub async fn create_dataset(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateDataset,
) -> AppResult<dataset::Model> {
    store::transaction(db, async |txn| insert_dataset(txn, ctx, input, None).await).await
}

/// [`create_dataset`] inside the caller's transaction, with its first `facets` (every
/// protocol's datasets are made here: OpenLineage's, MLflow's logged inputs).
pub async fn insert_dataset(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    input: CreateDataset,
    facets: Option<serde_json::Value>,
) -> AppResult<dataset::Model> {
    validate::namespace("input.ns", &input.ns)?;
    validate::name("input.name", &input.name)?;
    if let Some(v) = &input.first_version {
        check_version(v, "input.firstVersion")?;
    }
    let workflow_id = input.workflow_id;
    if let Some(w) = workflow_id {
        reference::<workflow::Entity>(txn, ctx, w, Some(&input.ns), "input.workflowId").await?;
    }
    let now = Utc::now();
    let row = store::insert::<dataset::Entity, _>(
        txn,
        ctx,
        dataset::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(input.ns),
            workflow_id: Set(workflow_id),
            name: Set(input.name),
            description: Set(input.description),
            data_type: Set(input.data_type),
            format: Set(input.format),
            storage_uri: Set(input.storage_uri),
            version_seq: Set(0),
            personal_data: Set(false),
            legal_basis: Set(None),
            retention_days: Set(None),
            erasure_requested_at: Set(None),
            facets: Set(facets),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await?;
    if let Some(v) = input.first_version {
        insert_version(txn, ctx, &row, v).await?;
    }
    Ok(row)
}

/// Updates a dataset.
pub async fn update_dataset(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateDataset,
) -> AppResult<dataset::Model> {
    let id = input.id;
    if let Some(name) = &input.name {
        validate::name("input.name", name)?;
    }
    let workflow_id = input.workflow_id;
    store::transaction(db, async |txn| {
        let before = get::<dataset::Entity>(txn, ctx, id).await?;
        if let Patch::Set(w) = workflow_id {
            reference::<workflow::Entity>(txn, ctx, w, Some(&before.ns), "input.workflowId")
                .await?;
        }
        change_dataset(txn, ctx, &before, |row| {
            if let Some(v) = input.name {
                row.name = Set(v);
            }
            row.description = input.description.into_active();
            row.format = input.format.into_active();
            row.storage_uri = input.storage_uri.into_active();
            row.workflow_id = workflow_id.into_active();
        })
        .await
    })
    .await
}

/// Applies `edit` to a dataset in the caller's transaction, with its `UPDATE` event (the
/// one way a dataset changes, whichever protocol asked).
pub async fn change_dataset(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    before: &dataset::Model,
    edit: impl FnOnce(&mut dataset::ActiveModel),
) -> AppResult<dataset::Model> {
    store::change::<dataset::Entity, _>(txn, ctx, before, "UPDATE", |row| {
        edit(row);
        row.updated_at = Set(Utc::now());
    })
    .await
}

/// Applies `edit` to a dataset version in the caller's transaction, with its `UPDATE`
/// event. Versions are immutable to users; a producer fills in what it reported late
/// (schema, row count, size).
pub async fn change_version(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    before: &dataset_version::Model,
    edit: impl FnOnce(&mut dataset_version::ActiveModel),
) -> AppResult<dataset_version::Model> {
    store::change::<dataset_version::Entity, _>(txn, ctx, before, "UPDATE", |row| {
        edit(row);
        row.updated_at = Set(Utc::now());
    })
    .await
}

/// Hands out the dataset's next version number (locks the dataset row until commit) and
/// bumps its `updatedAt`.
pub(crate) async fn next_version(
    txn: &DatabaseTransaction,
    dataset_id: Uuid,
) -> AppResult<(i32, dataset::Model)> {
    let rows = dataset::Entity::update_many()
        .col_expr(
            dataset::Column::VersionSeq,
            Expr::col(dataset::Column::VersionSeq).add(1),
        )
        .col_expr(dataset::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(dataset::Column::Id.eq(dataset_id))
        .exec_with_returning(txn)
        .await?;
    rows.into_iter()
        .next()
        .map(|m| (m.version_seq, m))
        .ok_or_else(|| AppError::not_found(format!("Dataset {dataset_id}")))
}

/// Adds a version to a dataset. Also bumps the dataset's `updatedAt`, which lineage uses
/// to find models trained on stale data.
pub async fn create_dataset_version(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateDatasetVersion,
) -> AppResult<dataset_version::Model> {
    let dataset_id = input.dataset_id;
    check_version(&input.version, "input")?;
    store::transaction(db, async |txn| {
        let dataset =
            reference::<dataset::Entity>(txn, ctx, dataset_id, None, "input.datasetId").await?;
        ctx.scope.check_write(&dataset.ns)?;
        insert_version(txn, ctx, &dataset, input.version).await
    })
    .await
}

/// Checks a version's values (`at` names the input in errors).
pub fn check_version(v: &NewDatasetVersion, at: &str) -> AppResult<()> {
    if v.storage_uri.trim().is_empty() {
        return Err(AppError::bad_input(
            format!("{at}.storageUri"),
            "must not be blank",
        ));
    }
    if let Some(size) = v.size_bytes {
        validate::positive(&format!("{at}.sizeBytes"), size)?;
    }
    if let Some(rows) = v.row_count {
        validate::range(&format!("{at}.rowCount"), rows, 0, i64::MAX)?;
    }
    if let Some(sha) = &v.sha256
        && (sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(AppError::bad_input(
            format!("{at}.sha256"),
            "must be 64 hexadecimal digits",
        ));
    }
    Ok(())
}

/// Inserts the dataset's next version (checked values, inside `txn`).
pub async fn insert_version(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    dataset: &dataset::Model,
    v: NewDatasetVersion,
) -> AppResult<dataset_version::Model> {
    let (version, _) = next_version(txn, dataset.id).await?;
    let now = Utc::now();
    store::insert::<dataset_version::Entity, _>(
        txn,
        ctx,
        dataset_version::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(dataset.ns.clone()),
            dataset_id: Set(dataset.id),
            version: Set(version),
            storage_uri: Set(v.storage_uri),
            size_bytes: Set(v.size_bytes),
            sha256: Set(v.sha256),
            row_count: Set(v.row_count),
            schema: Set(v.schema),
            split: Set(v.split.map_or(DatasetSplit::Full, Into::into)),
            source_version: Set(v.source_version),
            upload_status: Set(None),
            content_type: Set(None),
            num_columns: Set(None),
            column_names: Set(None),
            validation_errors: Set(None),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await
}

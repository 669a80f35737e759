//! Serving rules: endpoints, deployments (a version and an endpoint of one namespace,
//! traffic 0–100), predictions, Cloud Run services, and prediction aggregates.

use chrono::Utc;
use entity::enums::{DeploymentStatus, EndpointStatus, PredictionStatus, ServiceStatus};
use entity::{
    cloud_run_service, deployment, endpoint, model_version, prediction, service_deployment,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    IntoActiveModel, Set,
};
use uuid::Uuid;

use super::commands::*;
use crate::core::context::RequestContext;
use crate::core::store::{self, get, reference};
use crate::core::validate;
use crate::error::{AppError, AppResult};

/// Creates an endpoint.
pub async fn create_endpoint(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateEndpoint,
) -> AppResult<endpoint::Model> {
    validate::namespace("input.ns", &input.ns)?;
    validate::name("input.name", &input.name)?;
    let now = Utc::now();
    store::transaction(db, async |txn| {
        let row = store::insert::<endpoint::Entity, _>(
            txn,
            ctx,
            endpoint::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(input.ns),
                name: Set(input.name),
                description: Set(input.description),
                environment: Set(input.environment),
                region: Set(input.region),
                url: Set(input.url),
                status: Set(input.status.map_or(EndpointStatus::Creating, Into::into)),
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

/// Updates an endpoint.
pub async fn update_endpoint(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateEndpoint,
) -> AppResult<endpoint::Model> {
    let id = input.id;
    if let Some(name) = &input.name {
        validate::name("input.name", name)?;
    }
    store::transaction(db, async |txn| {
        let before = get::<endpoint::Entity>(txn, ctx, id).await?;
        let mut row = before.clone().into_active_model();
        if let Some(v) = input.name {
            row.name = Set(v);
        }
        row.description = input.description.into_active();
        if let Some(v) = input.environment {
            row.environment = Set(v);
        }
        row.url = input.url.into_active();
        if let Some(v) = input.status {
            row.status = Set(v);
        }
        row.updated_at = Set(Utc::now());
        let after = store::update::<endpoint::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
        Ok(after)
    })
    .await
}

fn replicas(field: &str, min: Option<i32>, max: Option<i32>) -> AppResult<(i32, i32)> {
    let min = min.unwrap_or(1);
    let max = max.unwrap_or(min);
    validate::range(&format!("{field}.minReplicas"), min, 0, 1000)?;
    validate::range(&format!("{field}.maxReplicas"), max, min, 1000)?;
    Ok((min, max))
}

/// Deploys `version` to an endpoint inside `txn` (used alone and by register-and-deploy).
pub async fn insert_deployment(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    version: &model_version::Model,
    spec: DeploymentSpec,
    field: &str,
) -> AppResult<deployment::Model> {
    let endpoint_id = spec.endpoint_id;
    validate::range(
        &format!("{field}.trafficPercent"),
        spec.traffic_percent,
        0,
        100,
    )?;
    let (min, max) = replicas(field, spec.min_replicas, spec.max_replicas)?;
    let target = reference::<endpoint::Entity>(
        txn,
        ctx,
        endpoint_id,
        Some(&version.ns),
        &format!("{field}.endpointId"),
    )
    .await?;
    // Serving production traffic is a PRODUCTION promotion for the namespace's policy.
    if target.environment == entity::enums::Environment::Production {
        crate::governance::service::require_approval(
            txn,
            version,
            entity::enums::ModelStage::Production,
        )
        .await?;
    }
    let now = Utc::now();
    store::insert::<deployment::Entity, _>(
        txn,
        ctx,
        deployment::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(version.ns.clone()),
            endpoint_id: Set(endpoint_id),
            model_version_id: Set(version.id),
            traffic_percent: Set(spec.traffic_percent),
            min_replicas: Set(min),
            max_replicas: Set(max),
            machine_type: Set(spec.machine_type),
            status: Set(DeploymentStatus::Deploying),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await
}

/// Deploys a model version to an endpoint.
pub async fn create_deployment(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateDeployment,
) -> AppResult<deployment::Model> {
    let version_id = input.model_version_id;
    store::transaction(db, async |txn| {
        let version =
            reference::<model_version::Entity>(txn, ctx, version_id, None, "input.modelVersionId")
                .await?;
        let row = insert_deployment(txn, ctx, &version, input.spec, "input.spec").await?;
        Ok(row)
    })
    .await
}

/// Updates a deployment (traffic, replicas, status).
pub async fn update_deployment(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateDeployment,
) -> AppResult<deployment::Model> {
    let id = input.id;
    if let Some(t) = input.traffic_percent {
        validate::range("input.trafficPercent", t, 0, 100)?;
    }
    store::transaction(db, async |txn| {
        let before = get::<deployment::Entity>(txn, ctx, id).await?;
        let (min, max) = replicas(
            "input",
            input.min_replicas.or(Some(before.min_replicas)),
            input.max_replicas.or(Some(before.max_replicas)),
        )?;
        let mut row = before.clone().into_active_model();
        if let Some(t) = input.traffic_percent {
            row.traffic_percent = Set(t);
        }
        row.min_replicas = Set(min);
        row.max_replicas = Set(max);
        row.machine_type = input.machine_type.into_active();
        if let Some(s) = input.status {
            row.status = Set(s);
        }
        row.updated_at = Set(Utc::now());
        let after =
            store::update::<deployment::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
        Ok(after)
    })
    .await
}

/// Checks a prediction's latency (>= 0) and confidence (0–1).
pub fn check_prediction_values(latency: Option<f64>, confidence: Option<f64>) -> AppResult<()> {
    if let Some(l) = latency {
        validate::range("input.latencyMs", l, 0.0, f64::MAX)?;
    }
    if let Some(c) = confidence {
        validate::range("input.confidence", c, 0.0, 1.0)?;
    }
    Ok(())
}

/// Records a prediction.
pub async fn create_prediction(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreatePrediction,
) -> AppResult<prediction::Model> {
    check_prediction_values(input.latency_ms, input.confidence)?;
    store::transaction(db, async |txn| insert_prediction(txn, ctx, input).await).await
}

/// Records a prediction inside the caller's transaction (values already checked with
/// [`check_prediction_values`]).
pub async fn insert_prediction(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    input: CreatePrediction,
) -> AppResult<prediction::Model> {
    let endpoint_id = input.endpoint_id;
    let version_id = input.model_version_id;
    {
        let endpoint =
            reference::<endpoint::Entity>(txn, ctx, endpoint_id, None, "input.endpointId").await?;
        if let Some(v) = version_id {
            reference::<model_version::Entity>(
                txn,
                ctx,
                v,
                Some(&endpoint.ns),
                "input.modelVersionId",
            )
            .await?;
        }
        let status = input.status.unwrap_or(if input.output.is_some() {
            PredictionStatus::Completed
        } else {
            PredictionStatus::Pending
        });
        let now = Utc::now();
        let row = store::insert::<prediction::Entity, _>(
            txn,
            ctx,
            prediction::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(endpoint.ns),
                endpoint_id: Set(endpoint_id),
                model_version_id: Set(version_id),
                input: Set(input.input),
                output: Set(input.output),
                latency_ms: Set(input.latency_ms),
                confidence: Set(input.confidence),
                completed_at: Set((status == PredictionStatus::Completed).then_some(now)),
                status: Set(status),
                created_at: Set(now),
                updated_at: Set(now),
            },
        )
        .await?;
        Ok(row)
    }
}

/// Completes or corrects a prediction.
pub async fn update_prediction(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdatePrediction,
) -> AppResult<prediction::Model> {
    let id = input.id;
    check_prediction_values(input.latency_ms, input.confidence)?;
    store::transaction(db, async |txn| {
        let before = get::<prediction::Entity>(txn, ctx, id).await?;
        let mut row = before.clone().into_active_model();
        if let Some(o) = input.output {
            row.output = Set(Some(o));
        }
        if let Some(l) = input.latency_ms {
            row.latency_ms = Set(Some(l));
        }
        if let Some(c) = input.confidence {
            row.confidence = Set(Some(c));
        }
        if let Some(s) = input.status {
            let s: PredictionStatus = s;
            if s == PredictionStatus::Completed && before.completed_at.is_none() {
                row.completed_at = Set(Some(Utc::now()));
            }
            row.status = Set(s);
        }
        row.updated_at = Set(Utc::now());
        let after =
            store::update::<prediction::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
        Ok(after)
    })
    .await
}

/// Creates a Cloud Run service.
pub async fn create_cloud_run_service(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateCloudRunService,
) -> AppResult<cloud_run_service::Model> {
    validate::namespace("input.ns", &input.ns)?;
    validate::name("input.name", &input.name)?;
    validate::name("input.region", &input.region)?;
    validate::name("input.image", &input.image)?;
    let now = Utc::now();
    store::transaction(db, async |txn| {
        let row = store::insert::<cloud_run_service::Entity, _>(
            txn,
            ctx,
            cloud_run_service::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(input.ns),
                name: Set(input.name),
                region: Set(input.region),
                url: Set(input.url),
                image: Set(input.image),
                status: Set(input.status.map_or(ServiceStatus::Active, Into::into)),
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

/// Updates a Cloud Run service.
pub async fn update_cloud_run_service(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateCloudRunService,
) -> AppResult<cloud_run_service::Model> {
    let id = input.id;
    if let Some(image) = &input.image {
        validate::name("input.image", image)?;
    }
    store::transaction(db, async |txn| {
        let before = get::<cloud_run_service::Entity>(txn, ctx, id).await?;
        let mut row = before.clone().into_active_model();
        row.url = input.url.into_active();
        if let Some(v) = input.image {
            row.image = Set(v);
        }
        if let Some(v) = input.status {
            row.status = Set(v);
        }
        row.updated_at = Set(Utc::now());
        let after =
            store::update::<cloud_run_service::Entity, _>(txn, ctx, &before, row, "UPDATE").await?;
        Ok(after)
    })
    .await
}

/// Adds a revision to a Cloud Run service.
pub async fn create_service_deployment(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: CreateServiceDeployment,
) -> AppResult<service_deployment::Model> {
    let service_id = input.service_id;
    validate::name("input.revision", &input.revision)?;
    validate::name("input.image", &input.image)?;
    validate::range("input.trafficPercent", input.traffic_percent, 0, 100)?;
    store::transaction(db, async |txn| {
        let service =
            reference::<cloud_run_service::Entity>(txn, ctx, service_id, None, "input.serviceId")
                .await?;
        let now = Utc::now();
        let row = store::insert::<service_deployment::Entity, _>(
            txn,
            ctx,
            service_deployment::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(service.ns),
                service_id: Set(service_id),
                revision: Set(input.revision),
                image: Set(input.image),
                traffic_percent: Set(input.traffic_percent),
                status: Set(input.status.map_or(DeploymentStatus::Deploying, Into::into)),
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

/// Updates a service revision's traffic or status.
pub async fn update_service_deployment(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: UpdateServiceDeployment,
) -> AppResult<service_deployment::Model> {
    let id = input.id;
    if let Some(t) = input.traffic_percent {
        validate::range("input.trafficPercent", t, 0, 100)?;
    }
    store::transaction(db, async |txn| {
        let before = get::<service_deployment::Entity>(txn, ctx, id).await?;
        let mut row = before.clone().into_active_model();
        if let Some(t) = input.traffic_percent {
            row.traffic_percent = Set(t);
        }
        if let Some(s) = input.status {
            row.status = Set(s);
        }
        row.updated_at = Set(Utc::now());
        let after =
            store::update::<service_deployment::Entity, _>(txn, ctx, &before, row, "UPDATE")
                .await?;
        Ok(after)
    })
    .await
}

/// How prediction aggregates are grouped.
#[derive(Copy, Clone, Eq, PartialEq, Debug)]
pub enum PredictionGroupBy {
    /// One group over everything matching.
    All,
    /// Per endpoint.
    Endpoint,
    /// Per model version.
    ModelVersion,
    /// Per outcome.
    Status,
    /// Per hour of `createdAt` (UTC).
    Hour,
    /// Per day of `createdAt` (UTC).
    Day,
}

/// One group of prediction aggregates.
#[derive(Debug, Clone)]
pub struct PredictionAggregate {
    /// The group's key: an endpoint or model version id, a status, or a UTC time bucket.
    pub key: Option<String>,
    /// The group's node, when grouping by endpoint or model version.
    pub node: Option<Uuid>,
    /// Predictions in the group.
    pub count: i64,
    /// Average latency.
    pub avg_latency_ms: Option<f64>,
    /// Smallest latency.
    pub min_latency_ms: Option<f64>,
    /// Largest latency.
    pub max_latency_ms: Option<f64>,
    /// Average confidence.
    pub avg_confidence: Option<f64>,
    /// Smallest confidence.
    pub min_confidence: Option<f64>,
    /// Largest confidence.
    pub max_confidence: Option<f64>,
}

/// Aggregates predictions matching `cond`, grouped, in one statement. Groups come
/// ordered by key; at most `limit` of them. With `from_rollups` (see
/// [`answerable_from_rollups`]) PostgreSQL reads the daily rollups instead of every
/// prediction (unless grouping by hour): the same answer from far fewer rows.
pub async fn prediction_stats(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    cond: Condition,
    group_by: PredictionGroupBy,
    limit: u64,
    from_rollups: bool,
) -> AppResult<Vec<PredictionAggregate>> {
    let pg = db.get_database_backend() == DbBackend::Postgres;
    let key_sql = match group_by {
        PredictionGroupBy::All => None,
        PredictionGroupBy::Endpoint => Some("endpoint_id".to_owned()),
        PredictionGroupBy::ModelVersion => Some("model_version_id".to_owned()),
        PredictionGroupBy::Status => Some("status".to_owned()),
        PredictionGroupBy::Hour if pg => Some(
            r#"to_char(date_trunc('hour', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:00:00"Z"')"#.to_owned(),
        ),
        PredictionGroupBy::Day if pg => Some(
            r#"to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"00:00:00"Z"')"#.to_owned(),
        ),
        PredictionGroupBy::Hour => Some("strftime('%Y-%m-%dT%H:00:00Z', created_at)".to_owned()),
        PredictionGroupBy::Day => Some("strftime('%Y-%m-%dT00:00:00Z', created_at)".to_owned()),
    };
    let from_rollups = from_rollups && !matches!(group_by, PredictionGroupBy::Hour);
    let aggregates: [(&str, &str); 7] = if pg && from_rollups {
        [
            ("n", "CAST(COALESCE(SUM(n), 0) AS BIGINT)"),
            (
                "avg_latency",
                "SUM(sum_latency) / NULLIF(SUM(n_latency), 0)",
            ),
            ("min_latency", "MIN(min_latency)"),
            ("max_latency", "MAX(max_latency)"),
            (
                "avg_confidence",
                "SUM(sum_confidence) / NULLIF(SUM(n_confidence), 0)",
            ),
            ("min_confidence", "MIN(min_confidence)"),
            ("max_confidence", "MAX(max_confidence)"),
        ]
    } else {
        [
            ("n", "COUNT(*)"),
            ("avg_latency", "AVG(latency_ms)"),
            ("min_latency", "MIN(latency_ms)"),
            ("max_latency", "MAX(latency_ms)"),
            ("avg_confidence", "AVG(confidence)"),
            ("min_confidence", "MIN(confidence)"),
            ("max_confidence", "MAX(confidence)"),
        ]
    };
    let mut q = sea_orm::sea_query::Query::select();
    if pg && from_rollups {
        // Under the predictions' name, so that the filter's columns resolve to the
        // rollup's columns of the same names.
        q.from_as(
            sea_orm::sea_query::Alias::new("prediction_rollups"),
            prediction::Entity,
        );
    } else {
        q.from(prediction::Entity);
    }
    q.cond_where(ctx.scope.condition(prediction::Column::Ns))
        .cond_where(cond);
    for (alias, expr) in aggregates {
        q.expr_as(Expr::cust(expr), sea_orm::sea_query::Alias::new(alias));
    }
    if let Some(k) = &key_sql {
        q.expr_as(Expr::cust(k.clone()), sea_orm::sea_query::Alias::new("k"))
            .add_group_by([Expr::cust(k.clone())])
            .order_by_expr(Expr::cust(k.clone()), sea_orm::sea_query::Order::Asc)
            .limit(limit);
    }
    let rows = db.query_all(&q).await?;
    rows.iter()
        .map(|row| {
            let (key, node) = match group_by {
                PredictionGroupBy::All => (None, None),
                PredictionGroupBy::Endpoint | PredictionGroupBy::ModelVersion => {
                    let id: Option<Uuid> = row.try_get("", "k")?;
                    (id.map(|u| u.to_string()), id)
                }
                _ => (row.try_get::<Option<String>>("", "k")?, None),
            };
            Ok(PredictionAggregate {
                key,
                node,
                count: row.try_get("", "n")?,
                avg_latency_ms: row.try_get("", "avg_latency")?,
                min_latency_ms: row.try_get("", "min_latency")?,
                max_latency_ms: row.try_get("", "max_latency")?,
                avg_confidence: row.try_get("", "avg_confidence")?,
                min_confidence: row.try_get("", "min_confidence")?,
                max_confidence: row.try_get("", "max_confidence")?,
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()
        .map_err(AppError::from)
}

//! A/B tests: the arms of an experiment (the model versions it uses through `usedBy`
//! edges, or the deployed versions of the models it uses), compared on a metric with
//! Welch's t-test (two-sided; against the best arm, Bonferroni-corrected when there are
//! more than two), with their cost over the same range; and `promoteAbWinner`, which
//! moves the endpoint's whole traffic to the winner in one transaction.

use async_graphql::{ID, Result};
use chrono::{DateTime, Utc};
use entity::{cost_record, deployment, edge, experiment, metric_point, model_version};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Set,
};
use uuid::Uuid;

use super::stats::{ArmStats, Outcome, decide, mean_var};
use super::types::{AbArm, AbTestResult};
use crate::core::context::RequestContext;
use crate::core::ids::{NodeType, decode_as};
use crate::core::store;
use crate::error::{AppError, AppResult};

/// The statistical test, as reported.
pub const TEST: &str =
    "Welch's two-sample t-test (two-sided), best arm against each other arm, Bonferroni-corrected";

/// The arms of an experiment, in the caller's scope: versions linked by `usedBy`, and
/// the deployed versions of models linked by `usedBy`.
pub async fn arms(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    experiment: Uuid,
) -> AppResult<Vec<model_version::Model>> {
    let exp = store::get::<experiment::Entity>(db, ctx, experiment).await?;
    let links = store::scoped::<edge::Entity>(ctx)
        .filter(edge::Column::Kind.eq("usedBy"))
        .filter(edge::Column::TargetId.eq(exp.id))
        .all(db)
        .await?;
    let versions: Vec<Uuid> = links
        .iter()
        .filter(|e| e.source_type == NodeType::ModelVersion.name())
        .map(|e| e.source_id)
        .collect();
    let models: Vec<Uuid> = links
        .iter()
        .filter(|e| e.source_type == NodeType::Model.name())
        .map(|e| e.source_id)
        .collect();
    let deployed: Vec<Uuid> = if models.is_empty() {
        Vec::new()
    } else {
        store::scoped::<deployment::Entity>(ctx)
            .select_only()
            .column(deployment::Column::ModelVersionId)
            .join(
                sea_orm::JoinType::InnerJoin,
                deployment::Relation::ModelVersion.def(),
            )
            .filter(model_version::Column::ModelId.is_in(models))
            .into_tuple()
            .all(db)
            .await?
    };
    Ok(store::scoped::<model_version::Entity>(ctx)
        .filter(model_version::Column::Id.is_in(versions.into_iter().chain(deployed)))
        .order_by_asc(model_version::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Runs the test (see the module).
#[expect(clippy::too_many_arguments)]
pub async fn test(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    experiment: Uuid,
    metric: &str,
    minimum_samples: usize,
    alpha: f64,
    higher_is_better: bool,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> AppResult<Outcome> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(AppError::bad_input(
            "significanceLevel",
            "must be between 0 and 1",
        ));
    }
    let arms = arms(db, ctx, experiment).await?;
    let ids: Vec<Uuid> = arms.iter().map(|v| v.id).collect();
    let mut q = store::scoped::<metric_point::Entity>(ctx)
        .select_only()
        .column(metric_point::Column::ModelVersionId)
        .column(metric_point::Column::Value)
        .filter(metric_point::Column::ModelVersionId.is_in(ids.clone()))
        .filter(metric_point::Column::Name.eq(metric));
    let mut c = store::scoped::<cost_record::Entity>(ctx)
        .select_only()
        .column(cost_record::Column::ModelVersionId)
        .column(cost_record::Column::AmountMicros)
        .column(cost_record::Column::Currency)
        .filter(cost_record::Column::ModelVersionId.is_in(ids));
    if let Some(f) = from {
        q = q.filter(metric_point::Column::Ts.gte(f));
        c = c.filter(cost_record::Column::Ts.gte(f));
    }
    if let Some(t) = to {
        q = q.filter(metric_point::Column::Ts.lt(t));
        c = c.filter(cost_record::Column::Ts.lt(t));
    }
    let points: Vec<(Uuid, f64)> = q.into_tuple().all(db).await?;
    let costs: Vec<(Option<Uuid>, i64, String)> = c.into_tuple().all(db).await?;
    let samples: Vec<(Uuid, Vec<f64>)> = arms
        .iter()
        .map(|v| {
            (
                v.id,
                points
                    .iter()
                    .filter(|(id, _)| *id == v.id)
                    .map(|(_, x)| *x)
                    .collect(),
            )
        })
        .collect();
    let (p_value, winner, reason) = decide(&samples, minimum_samples, alpha, higher_is_better);
    let stats = samples
        .iter()
        .map(|(v, xs)| {
            let (mean, var) = if xs.is_empty() {
                (None, None)
            } else {
                let (m, var) = mean_var(xs);
                (Some(m), (xs.len() > 1).then_some(var))
            };
            let mine: Vec<&(Option<Uuid>, i64, String)> =
                costs.iter().filter(|(id, _, _)| *id == Some(*v)).collect();
            let one_currency = mine
                .first()
                .map(|c| c.2.clone())
                .filter(|cur| mine.iter().all(|c| &c.2 == cur));
            ArmStats {
                version: *v,
                samples: xs.len(),
                mean,
                std_dev: var.map(f64::sqrt),
                cost_micros: one_currency
                    .as_ref()
                    .map(|_| mine.iter().map(|c| c.1).sum()),
                currency: one_currency,
            }
        })
        .collect();
    Ok(Outcome {
        arms: stats,
        p_value,
        winner,
        reason,
    })
}

/// Moves the whole traffic of the endpoint the arms are deployed to onto the winner's
/// deployment (100) and every other deployment there to 0, in one transaction with
/// their events. Refused when there is no winner, or the arms are not deployed to
/// exactly one endpoint.
pub async fn promote(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    outcome: &Outcome,
) -> AppResult<Vec<deployment::Model>> {
    let Some(winner) = outcome.winner else {
        return Err(AppError::Conflict {
            message: format!("no winner to promote: {}", outcome.reason),
            field: Some("experiment".into()),
        });
    };
    let arm_ids: Vec<Uuid> = outcome.arms.iter().map(|a| a.version).collect();
    store::transaction(db, async |txn| {
        let deployed = store::scoped::<deployment::Entity>(ctx)
            .filter(deployment::Column::ModelVersionId.is_in(arm_ids.clone()))
            .all(txn)
            .await?;
        let mut endpoints: Vec<Uuid> = deployed.iter().map(|d| d.endpoint_id).collect();
        endpoints.sort_unstable();
        endpoints.dedup();
        let [endpoint] = endpoints.as_slice() else {
            return Err(AppError::bad_input(
                "experiment",
                format!(
                    "the arms are deployed to {} endpoints; promotion needs exactly one",
                    endpoints.len()
                ),
            ));
        };
        let mut q = store::unscoped::<deployment::Entity>()
            .filter(deployment::Column::EndpointId.eq(*endpoint))
            .order_by_asc(deployment::Column::CreatedAt);
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            q = q.lock_exclusive();
        }
        let all = q.all(txn).await?;
        let Some(target) = all
            .iter()
            .find(|d| d.model_version_id == winner)
            .map(|d| d.id)
        else {
            return Err(AppError::bad_input(
                "experiment",
                "the winner is not deployed to the endpoint",
            ));
        };
        let mut out = Vec::new();
        for d in all {
            let share = if d.id == target { 100 } else { 0 };
            if d.traffic_percent == share {
                out.push(d);
                continue;
            }
            let mut row = d.clone().into_active_model();
            row.traffic_percent = Set(share);
            row.updated_at = Set(Utc::now());
            out.push(
                store::update::<deployment::Entity, _>(txn, ctx, &d, row, "TRAFFIC_CHANGED")
                    .await?,
            );
        }
        Ok(out)
    })
    .await
}

/// The arguments both fields take.
pub(super) struct Args {
    experiment: Uuid,
    minimum_samples: usize,
    alpha: f64,
    higher_is_better: bool,
}

fn args(
    experiment: &ID,
    metric: &str,
    minimum_samples: Option<i32>,
    significance_level: Option<f64>,
    higher_is_better: Option<bool>,
) -> Result<Args> {
    let experiment = decode_as(experiment, NodeType::Experiment, "experiment")?;
    let minimum = minimum_samples.unwrap_or(30);
    if minimum < 2 {
        return Err(AppError::bad_input("minimumSamples", "at least 2").into());
    }
    let lower = ["latency", "cost", "error", "loss"];
    Ok(Args {
        experiment,
        minimum_samples: minimum as usize,
        alpha: significance_level.unwrap_or(0.05),
        higher_is_better: higher_is_better.unwrap_or_else(|| {
            !lower
                .iter()
                .any(|w| metric.to_ascii_lowercase().contains(w))
        }),
    })
}

/// Checks the arguments and runs the test (both fields).
pub(super) async fn evaluate(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    experiment: &ID,
    metric: &str,
    (minimum_samples, significance_level, higher_is_better): (
        Option<i32>,
        Option<f64>,
        Option<bool>,
    ),
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<(Args, Outcome)> {
    let a = args(
        experiment,
        metric,
        minimum_samples,
        significance_level,
        higher_is_better,
    )?;
    let outcome = test(
        db,
        ctx,
        a.experiment,
        metric,
        a.minimum_samples,
        a.alpha,
        a.higher_is_better,
        from,
        to,
    )
    .await?;
    Ok((a, outcome))
}

pub(super) async fn answer(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    a: &Args,
    metric: String,
    outcome: Outcome,
) -> AppResult<AbTestResult> {
    let ids: Vec<Uuid> = outcome.arms.iter().map(|x| x.version).collect();
    let rows = store::by_ids::<model_version::Entity>(db, ctx, &ids).await?;
    let find = |id: Uuid| rows.get(&id).cloned();
    let arms = outcome
        .arms
        .iter()
        .filter_map(|s| {
            let v = find(s.version)?;
            Some(AbArm {
                model_version: v.into(),
                samples: s.samples as i64,
                mean: s.mean,
                std_dev: s.std_dev,
                cost_total: s.cost_micros.map(crate::core::math::format_amount),
                cost_currency: s.currency.clone(),
                cost_per_sample: s
                    .cost_micros
                    .filter(|_| s.samples > 0)
                    .map(|c| crate::core::math::format_amount(c / s.samples as i64)),
            })
        })
        .collect();
    Ok(AbTestResult {
        metric,
        test: TEST.to_owned(),
        higher_is_better: a.higher_is_better,
        significance_level: a.alpha,
        minimum_samples: a.minimum_samples as i32,
        arms,
        p_value: outcome.p_value,
        significant: outcome.p_value.is_some_and(|p| p < a.alpha),
        winner: outcome.winner.and_then(find).map(Into::into),
        reason: outcome.reason,
    })
}

//! A/B tests: the arms of an experiment (the model versions it uses through `usedBy`
//! edges, or the deployed versions of the models it uses), compared on a metric with
//! Welch's t-test (two-sided; against the best arm, Bonferroni-corrected when there are
//! more than two), with their cost over the same range; and `promoteAbWinner`, which
//! moves the endpoint's whole traffic to the winner in one transaction.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{cost_record, deployment, edge, experiment, metric_point, model_version};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Set,
};
use statrs::distribution::{ContinuousCDF, StudentsT};
use uuid::Uuid;

use crate::api::deps;
use crate::core::context::RequestContext;
use crate::core::ids::{NodeType, decode_as};
use crate::core::store;
use crate::error::{AppError, AppResult};

/// The statistical test, as reported.
pub const TEST: &str =
    "Welch's two-sample t-test (two-sided), best arm against each other arm, Bonferroni-corrected";

/// One arm's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmStats {
    /// The arm.
    pub version: Uuid,
    /// Points of the metric in the range.
    pub samples: usize,
    /// Their mean (null without points).
    pub mean: Option<f64>,
    /// Their sample standard deviation (null below two points).
    pub std_dev: Option<f64>,
    /// Cost of the arm over the range, in millionths, when all in one currency.
    pub cost_micros: Option<i64>,
    /// That currency.
    pub currency: Option<String>,
}

/// The outcome of a test.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The arms, in the order of their versions' creation.
    pub arms: Vec<ArmStats>,
    /// The p-value (the largest corrected one of the best arm's comparisons).
    pub p_value: Option<f64>,
    /// The winner, when the difference is significant and every arm has enough samples.
    pub winner: Option<Uuid>,
    /// Why there is or is not a winner.
    pub reason: String,
}

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var)
}

/// Welch's t statistic, degrees of freedom and two-sided p-value of `a` against `b`
/// (each with at least two points).
pub fn welch(a: &[f64], b: &[f64]) -> (f64, f64, f64) {
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    let (sa, sb) = (va / a.len() as f64, vb / b.len() as f64);
    let se = (sa + sb).sqrt();
    if se == 0.0 {
        let p = if ma == mb { 1.0 } else { 0.0 };
        return (if ma == mb { 0.0 } else { f64::INFINITY }, f64::INFINITY, p);
    }
    let t = (ma - mb) / se;
    let df = (sa + sb).powi(2)
        / (sa.powi(2) / (a.len() as f64 - 1.0) + sb.powi(2) / (b.len() as f64 - 1.0));
    let p = match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) => 2.0 * (1.0 - dist.cdf(t.abs())),
        Err(_) => 1.0,
    };
    (t, df, p.clamp(0.0, 1.0))
}

/// Decides a test over each arm's samples.
pub fn decide(
    samples: &[(Uuid, Vec<f64>)],
    minimum_samples: usize,
    alpha: f64,
    higher_is_better: bool,
) -> (Option<f64>, Option<Uuid>, String) {
    if samples.len() < 2 {
        return (
            None,
            None,
            format!(
                "an A/B test needs two arms; the experiment has {}",
                samples.len()
            ),
        );
    }
    let short: Vec<String> = samples
        .iter()
        .filter(|(_, xs)| xs.len() < minimum_samples.max(2))
        .map(|(v, xs)| format!("{v} has {}", xs.len()))
        .collect();
    let with_points: Vec<&(Uuid, Vec<f64>)> =
        samples.iter().filter(|(_, xs)| xs.len() >= 2).collect();
    let best = with_points.iter().copied().max_by(|a, b| {
        let (ma, mb) = (mean_var(&a.1).0, mean_var(&b.1).0);
        let ord = ma.partial_cmp(&mb).unwrap_or(std::cmp::Ordering::Equal);
        if higher_is_better { ord } else { ord.reverse() }
    });
    let p_value = best
        .filter(|_| with_points.len() == samples.len())
        .map(|best| {
            let k = (samples.len() - 1) as f64;
            samples
                .iter()
                .filter(|(v, _)| *v != best.0)
                .map(|(_, xs)| (welch(&best.1, xs).2 * k).min(1.0))
                .fold(0.0_f64, f64::max)
        });
    if !short.is_empty() {
        return (
            p_value,
            None,
            format!(
                "not enough samples (at least {} per arm): {}",
                minimum_samples.max(2),
                short.join(", ")
            ),
        );
    }
    match (best, p_value) {
        (Some(best), Some(p)) if p < alpha => (
            Some(p),
            Some(best.0),
            format!("{} is better at the {alpha} level (p = {p:.4})", best.0),
        ),
        (_, Some(p)) => (
            Some(p),
            None,
            format!("no significant difference at the {alpha} level (p = {p:.4})"),
        ),
        _ => (None, None, "no arm has points".into()),
    }
}

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

/// One arm of a result.
#[derive(SimpleObject)]
pub struct AbArm {
    /// The arm's model version.
    pub model_version: crate::graph::ModelVersion,
    /// Points of the metric in the range.
    pub samples: i64,
    /// Their mean (null without points).
    pub mean: Option<f64>,
    /// Their sample standard deviation (null below two points).
    pub std_dev: Option<f64>,
    /// The arm's cost over the range, an exact decimal (null without cost records, or
    /// when they are in several currencies).
    pub cost_total: Option<String>,
    /// Its currency.
    pub cost_currency: Option<String>,
    /// Cost per sample of the metric (exact decimal, truncated to millionths).
    pub cost_per_sample: Option<String>,
}

/// An A/B test's answer.
#[derive(SimpleObject)]
pub struct AbTestResult {
    /// The metric compared.
    pub metric: String,
    /// The statistical test.
    pub test: String,
    /// Whether larger values are better.
    pub higher_is_better: bool,
    /// The significance level.
    pub significance_level: f64,
    /// The samples every arm needs.
    pub minimum_samples: i32,
    /// The arms.
    pub arms: Vec<AbArm>,
    /// The p-value (null when an arm has fewer than two points).
    pub p_value: Option<f64>,
    /// Whether the difference is significant at the level.
    pub significant: bool,
    /// The winner: only when significant and every arm has the minimum samples.
    pub winner: Option<crate::graph::ModelVersion>,
    /// Why there is or is not a winner.
    pub reason: String,
}

/// What `promoteAbWinner` did.
#[derive(SimpleObject)]
pub struct AbPromotion {
    /// The test it acted on.
    pub result: AbTestResult,
    /// The endpoint's deployments after the change (their traffic sums to 100).
    pub deployments: Vec<crate::graph::Deployment>,
}

/// The arguments both fields take.
struct Args {
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
async fn evaluate(
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

async fn answer(
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
                cost_total: s.cost_micros.map(crate::costs::format_amount),
                cost_currency: s.currency.clone(),
                cost_per_sample: s
                    .cost_micros
                    .filter(|_| s.samples > 0)
                    .map(|c| crate::costs::format_amount(c / s.samples as i64)),
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

/// A/B queries.
#[derive(Default)]
pub struct AbQuery;

#[Object]
impl AbQuery {
    /// Compares the arms of an experiment on a metric (see `AbTestResult.test`) and names
    /// a winner only when the difference is significant and every arm has
    /// `minimumSamples` points; each arm's cost over the range comes with it.
    #[expect(clippy::too_many_arguments)]
    async fn ab_test_result(
        &self,
        ctx: &Context<'_>,
        experiment: ID,
        metric: String,
        #[graphql(desc = "Points every arm needs (default 30).")] minimum_samples: Option<i32>,
        #[graphql(desc = "The level (default 0.05).")] significance_level: Option<f64>,
        #[graphql(
            desc = "Default: false for metrics named like latency, cost, error or loss, else true."
        )]
        higher_is_better: Option<bool>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<AbTestResult> {
        let d = deps(ctx)?;
        let (a, outcome) = evaluate(
            &d.db,
            d.rc,
            &experiment,
            &metric,
            (minimum_samples, significance_level, higher_is_better),
            from,
            to,
        )
        .await?;
        Ok(answer(&d.db, d.rc, &a, metric, outcome).await?)
    }
}

/// A/B mutations.
#[derive(Default)]
pub struct AbMutation;

#[Object]
impl AbMutation {
    /// Runs `abTestResult` and, when it names a winner, moves the whole traffic of the
    /// endpoint the arms are deployed to onto the winner (100, the others 0) in one
    /// transaction. `CONFLICT` without a winner (nothing changes).
    #[expect(clippy::too_many_arguments)]
    async fn promote_ab_winner(
        &self,
        ctx: &Context<'_>,
        experiment: ID,
        metric: String,
        minimum_samples: Option<i32>,
        significance_level: Option<f64>,
        higher_is_better: Option<bool>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<AbPromotion> {
        let d = deps(ctx)?;
        let (a, outcome) = evaluate(
            &d.state.db,
            d.rc,
            &experiment,
            &metric,
            (minimum_samples, significance_level, higher_is_better),
            from,
            to,
        )
        .await?;
        let deployments = promote(&d.state.db, d.rc, &outcome).await?;
        Ok(AbPromotion {
            result: answer(&d.state.db, d.rc, &a, metric, outcome).await?,
            deployments: deployments.into_iter().map(Into::into).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_matches_the_textbook_example() {
        // Welch (1947) as in the Wikipedia article's first example: t = -2.46, df = 24.96, p = 0.021.
        let a1 = [
            27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7,
            21.4,
        ];
        let a2 = [
            27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5,
            24.4,
        ];
        let (t, df, p) = welch(&a1, &a2);
        assert!((t + 2.46).abs() < 0.01, "t = {t}");
        assert!((df - 24.96).abs() < 0.05, "df = {df}");
        assert!((p - 0.021).abs() < 0.001, "p = {p}");
    }
}

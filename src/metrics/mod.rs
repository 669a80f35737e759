//! Metrics: model performance, costs and A/B tests — the domain of what a model version
//! measures and what it costs.
//!
//! **Performance** ([`points`], [`rollup`]): metric series of model versions (optionally
//! per endpoint or deployment), recorded in batches and summarised with exact
//! percentiles. `recordMetrics` takes up to 10,000 points, checks every one before
//! writing any (the first bad one is named by its index), and writes them in one
//! statement (PostgreSQL: the points as one JSON parameter read by `json_to_recordset`;
//! SQLite: per 1,000). `metricStats` and `compareModels` compute count, average, min, max
//! and p50/p95/p99 — on PostgreSQL with `percentile_cont`, on SQLite in process with the
//! same (linear interpolation) definition. On PostgreSQL, closed hours and days are
//! rolled up in the background ([`rollup::roll_up`], from `partitions::maintain`): a
//! rollup holds the exact statistics of its bucket and the count of points it saw, and
//! is used only while that count still equals the bucket's count in `metric_hours` (kept
//! by a trigger on insert); any other bucket is computed from the raw points of its own
//! time range.
//!
//! **Costs** ([`costs`]): what inference (or training) cost, by provider, for model
//! versions and endpoints, in exact decimal amounts (stored as integer millionths of the
//! currency, so sums never drift), and summaries grouped by provider, version, endpoint
//! or day.
//!
//! **A/B tests** ([`abtest`]): the arms of an experiment (the model versions it uses
//! through `usedBy` edges, or the deployed versions of the models it uses), compared on a
//! metric with Welch's t-test (two-sided; against the best arm, Bonferroni-corrected when
//! there are more than two), with their cost over the same range; and `promoteAbWinner`,
//! which moves the endpoint's whole traffic to the winner in one transaction.
//!
//! Layout: the Query and Mutation objects here; their types in [`types`]; the services in
//! [`points`], [`costs`], [`abtest`] and [`inference`]; the arithmetic in [`stats`]; the
//! background roll-up in [`rollup`].

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::model_version;

use crate::core::ids::{NodeType, decode_as};
use crate::core::paging::PageArgs;
use crate::core::store;
use crate::error::AppError;
use crate::gql::api::deps;
use crate::gql::connection::{Conn, connection};

pub mod abtest;
pub mod costs;
pub mod inference;
pub mod points;
pub mod rollup;
pub mod stats;
mod types;

pub use types::*;

/// Performance queries.
#[derive(Default)]
pub struct PerformanceQuery;

#[Object]
impl PerformanceQuery {
    /// Count, average, min, max and p50/p95/p99 of a model version's metric over
    /// `[from, to)`, per bucket.
    async fn metric_stats(
        &self,
        ctx: &Context<'_>,
        of: ID,
        metric: String,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[graphql(default_with = "MetricBucket::None")] bucket: MetricBucket,
    ) -> Result<Vec<MetricStats>> {
        let d = deps(ctx)?;
        let version = decode_as(&of, NodeType::ModelVersion, "of")?;
        Ok(points::stats(d.reads(), d.rc, version, &metric, from, to, bucket).await?)
    }

    /// The raw points of one metric series of a model version, oldest first, paged like
    /// every list (`first`/`after`, `last`/`before`, `offset`); `from`/`to` bound the
    /// time range (`[from, to)`).
    #[expect(clippy::too_many_arguments)]
    async fn metric_points(
        &self,
        ctx: &Context<'_>,
        of: ID,
        metric: String,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<MetricPoint>> {
        let d = deps(ctx)?;
        let version = decode_as(&of, NodeType::ModelVersion, "of")?;
        let page = PageArgs::new(first, after, last, before, offset);
        let rows = points::points(
            d.reads(),
            d.rc,
            &d.state.limits,
            version,
            &metric,
            (from, to),
            &page,
        )
        .await?;
        Ok(connection(rows.map(MetricPoint::from)))
    }

    /// Versions side by side: per version and metric, the statistics over the range and
    /// the difference of its average to the first version's.
    async fn compare_models(
        &self,
        ctx: &Context<'_>,
        versions: Vec<ID>,
        metrics: Vec<String>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ModelComparison>> {
        let d = deps(ctx)?;
        if versions.is_empty() || versions.len() > 20 || metrics.is_empty() || metrics.len() > 20 {
            return Err(
                AppError::bad_input("versions", "1 to 20 versions and 1 to 20 metrics").into(),
            );
        }
        let mut out = Vec::new();
        for metric in &metrics {
            let mut first_avg = None;
            for (i, v) in versions.iter().enumerate() {
                let id = decode_as(v, NodeType::ModelVersion, &format!("versions.{i}"))?;
                let row = store::get::<model_version::Entity>(d.reads(), d.rc, id).await?;
                let s = points::stats(d.reads(), d.rc, id, metric, from, to, MetricBucket::None)
                    .await?
                    .pop();
                if i == 0 {
                    first_avg = s.as_ref().map(|s| s.avg);
                }
                let avg_difference = match (i, &s, first_avg) {
                    (0, _, _) => None,
                    (_, Some(s), Some(f)) => Some(s.avg - f),
                    _ => None,
                };
                out.push(ModelComparison {
                    model_version: row.into(),
                    metric: metric.clone(),
                    stats: s,
                    avg_difference,
                });
            }
        }
        Ok(out)
    }
}

/// Performance mutations.
#[derive(Default)]
pub struct PerformanceMutation;

#[Object]
impl PerformanceMutation {
    /// Records up to 10,000 metric points at once (EDITOR on each version's namespace):
    /// all are checked first, a bad one refuses the call naming its index, nothing is
    /// written. Returns how many were recorded.
    async fn record_metrics(
        &self,
        ctx: &Context<'_>,
        points: Vec<MetricPointInput>,
    ) -> Result<i32> {
        let d = deps(ctx)?;
        let n = points::record(&d.state.db, d.rc, points).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

/// Inference tracking.
#[derive(Default)]
pub struct InferenceMutation;

#[Object]
impl InferenceMutation {
    /// Records one inference — the prediction (latency, confidence, status), its cost and,
    /// when given, a quality score — in one transaction (EDITOR on the endpoint's namespace).
    async fn track_inference(
        &self,
        ctx: &Context<'_>,
        input: TrackInferenceInput,
    ) -> Result<TrackedInference> {
        let d = deps(ctx)?;
        let (prediction, cost, quality_recorded) =
            inference::track_inference(&d.state.db, d.rc, input).await?;
        Ok(TrackedInference {
            prediction: prediction.into(),
            cost: cost.map(crate::core::math::format_amount),
            quality_recorded,
        })
    }
}

/// Cost queries.
#[derive(Default)]
pub struct CostQuery;

#[Object]
impl CostQuery {
    /// Costs per hour or day and currency over `[from, to)`, with the change against the
    /// previous bucket.
    async fn cost_trends(
        &self,
        ctx: &Context<'_>,
        bucket: CostBucket,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter: Option<CostFilter>,
    ) -> Result<Vec<CostTrendPoint>> {
        let d = deps(ctx)?;
        let filter = filter.unwrap_or_default();
        Ok(costs::trends(d.reads(), d.rc, bucket, from, to, &filter).await?)
    }

    /// Value produced ÷ cost of a model version over `[from, to)`: its COMPLETED
    /// predictions times `valuePerSuccess`, over its costs in `currency`, with the inputs.
    async fn roi(
        &self,
        ctx: &Context<'_>,
        of: ID,
        value_per_success: String,
        #[graphql(default = "USD")] currency: String,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Roi> {
        let d = deps(ctx)?;
        let version = decode_as(&of, NodeType::ModelVersion, "of")?;
        Ok(costs::roi(
            d.reads(),
            d.rc,
            version,
            &value_per_success,
            &currency,
            from,
            to,
        )
        .await?)
    }

    /// Exact sums of the costs over `[from, to)`, grouped, per currency.
    async fn cost_summary(
        &self,
        ctx: &Context<'_>,
        group_by: CostGroupBy,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter: Option<CostFilter>,
    ) -> Result<Vec<CostGroup>> {
        let d = deps(ctx)?;
        let filter = filter.unwrap_or_default();
        Ok(costs::summary(d.reads(), d.rc, group_by, from, to, &filter).await?)
    }
}

/// Cost mutations.
#[derive(Default)]
pub struct CostMutation;

#[Object]
impl CostMutation {
    /// Records up to 10,000 costs at once (EDITOR where they belong): all are checked, a
    /// bad one refuses the call naming its index, nothing is written.
    async fn record_costs(&self, ctx: &Context<'_>, records: Vec<CostRecordInput>) -> Result<i32> {
        let d = deps(ctx)?;
        Ok(i32::try_from(costs::record(&d.state.db, d.rc, records).await?).unwrap_or(i32::MAX))
    }
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
        let (a, outcome) = abtest::evaluate(
            &d.db,
            d.rc,
            &experiment,
            &metric,
            (minimum_samples, significance_level, higher_is_better),
            from,
            to,
        )
        .await?;
        Ok(abtest::answer(&d.db, d.rc, &a, metric, outcome).await?)
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
        let (a, outcome) = abtest::evaluate(
            &d.state.db,
            d.rc,
            &experiment,
            &metric,
            (minimum_samples, significance_level, higher_is_better),
            from,
            to,
        )
        .await?;
        let deployments = abtest::promote(&d.state.db, d.rc, &outcome).await?;
        Ok(AbPromotion {
            result: abtest::answer(&d.state.db, d.rc, &a, metric, outcome).await?,
            deployments: deployments.into_iter().map(Into::into).collect(),
        })
    }
}

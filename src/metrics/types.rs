//! The metrics domain's GraphQL types: metric points and their statistics, cost records
//! and summaries, A/B test results, tracked inferences.

use async_graphql::{Enum, ID, InputObject, Json, SimpleObject};
use chrono::{DateTime, Utc};
use entity::metric_point;

use crate::core::ids::{NodeType, encode};

/// A point to record.
#[derive(InputObject, Clone)]
pub struct MetricPointInput {
    /// The model version it measures.
    pub model_version_id: ID,
    /// The endpoint it was measured on.
    pub endpoint_id: Option<ID>,
    /// The deployment it was measured on.
    pub deployment_id: Option<ID>,
    /// Metric name (`latency_ms`, `accuracy`, `cost`, `quality`, `throughput`, or any).
    pub name: String,
    /// The value (finite).
    pub value: f64,
    /// When it was measured (default: now).
    pub timestamp: Option<DateTime<Utc>>,
    /// Labels (a JSON object).
    pub labels: Option<Json<serde_json::Value>>,
}

/// Statistics buckets.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MetricBucket {
    /// Per minute.
    Minute,
    /// Per hour.
    Hour,
    /// Per day (UTC).
    Day,
    /// One bucket for the whole range.
    None,
}

/// Statistics of one bucket.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct MetricStats {
    /// Start of the bucket (the range's start for `NONE`).
    pub bucket_start: DateTime<Utc>,
    /// Points.
    pub count: i64,
    /// Average.
    pub avg: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
    /// Median (linear interpolation, as `percentile_cont`).
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// One recorded observation of a metric series.
#[derive(SimpleObject, Clone, Debug)]
pub struct MetricPoint {
    /// When it was measured.
    pub timestamp: DateTime<Utc>,
    /// The value.
    pub value: f64,
    /// Its labels.
    pub labels: Json<serde_json::Value>,
    /// The endpoint it was measured on.
    pub endpoint_id: Option<ID>,
    /// The deployment it was measured on.
    pub deployment_id: Option<ID>,
}

impl From<metric_point::Model> for MetricPoint {
    fn from(p: metric_point::Model) -> Self {
        MetricPoint {
            timestamp: p.ts,
            value: p.value,
            labels: Json(p.labels),
            endpoint_id: p
                .endpoint_id
                .map(|id| encode(NodeType::Endpoint, id).into()),
            deployment_id: p
                .deployment_id
                .map(|id| encode(NodeType::Deployment, id).into()),
        }
    }
}

/// One row of a comparison.
#[derive(SimpleObject)]
pub struct ModelComparison {
    /// The version.
    pub model_version: crate::graph::ModelVersion,
    /// The metric.
    pub metric: String,
    /// Its statistics over the range (null without points).
    pub stats: Option<MetricStats>,
    /// Its average minus the first version's (null for the first, or without points).
    pub avg_difference: Option<f64>,
}

/// The cost of one inference.
#[derive(InputObject)]
pub struct InferenceCostInput {
    /// Who charged it.
    pub provider: String,
    /// Exact decimal amount (at most 6 decimals).
    pub amount: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// Units consumed (tokens, ...).
    pub units: Option<i64>,
    /// What a unit is.
    pub unit: Option<String>,
}

/// One inference to track.
#[derive(InputObject)]
pub struct TrackInferenceInput {
    /// The endpoint that served it.
    pub endpoint_id: ID,
    /// The model version that answered.
    pub model_version_id: ID,
    /// Request payload.
    pub input: Option<Json<serde_json::Value>>,
    /// Response payload.
    pub output: Option<Json<serde_json::Value>>,
    /// Latency in milliseconds.
    pub latency_ms: Option<f64>,
    /// Confidence 0–1.
    pub confidence: Option<f64>,
    /// Outcome (COMPLETED when an output is given, else PENDING).
    pub status: Option<crate::enums::PredictionStatus>,
    /// What it cost.
    pub cost: Option<InferenceCostInput>,
    /// A quality score of the answer (recorded as the metric `quality`).
    pub quality_score: Option<f64>,
}

/// What `trackInference` recorded.
#[derive(SimpleObject)]
pub struct TrackedInference {
    /// The prediction.
    pub prediction: crate::graph::Prediction,
    /// The cost recorded, as an exact decimal (null without one).
    pub cost: Option<String>,
    /// Whether a quality point was recorded.
    pub quality_recorded: bool,
}

/// A cost to record.
#[derive(InputObject)]
pub struct CostRecordInput {
    /// Who charged it (`openai`, `gcp-vertex`, `self-hosted-gpu`, ...).
    pub provider: String,
    /// The model version it was for.
    pub model_version_id: Option<ID>,
    /// The endpoint it was for.
    pub endpoint_id: Option<ID>,
    /// Units consumed (tokens, GPU-seconds, requests, ...).
    pub units: Option<i64>,
    /// What a unit is.
    pub unit: Option<String>,
    /// The amount, a decimal string with at most 6 decimals (`"0.004200"`).
    pub amount: String,
    /// ISO 4217 currency (`USD`, `EUR`).
    pub currency: String,
    /// When (default: now).
    pub timestamp: Option<DateTime<Utc>>,
    /// Labels (a JSON object).
    pub labels: Option<Json<serde_json::Value>>,
}

/// How `costSummary` groups.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CostGroupBy {
    /// By provider.
    Provider,
    /// By model version (its global id).
    ModelVersion,
    /// By endpoint (its global id).
    Endpoint,
    /// By UTC day (`2026-11-30`).
    Day,
}

/// One group of a cost summary.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct CostGroup {
    /// The provider, the version or endpoint id, or the day (null: records without one).
    pub key: Option<String>,
    /// The currency (groups never mix currencies).
    pub currency: String,
    /// Records.
    pub count: i64,
    /// Their exact sum, as a decimal string.
    pub total: String,
}

/// Cost trend buckets.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CostBucket {
    /// Per UTC hour (`2026-11-30T10`).
    Hour,
    /// Per UTC day (`2026-11-30`).
    Day,
}

/// One bucket of a cost trend.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct CostTrendPoint {
    /// The bucket (`2026-11-30` or `2026-11-30T10`).
    pub bucket: String,
    /// The currency.
    pub currency: String,
    /// The exact sum in the bucket.
    pub total: String,
    /// The change against the previous bucket with costs in this currency (null for the first).
    pub change: Option<String>,
}

/// Return on investment of a model version over a range.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct Roi {
    /// Its COMPLETED predictions in the range.
    pub successes: i64,
    /// The value given for one success.
    pub value_per_success: String,
    /// successes × value per success.
    pub value: String,
    /// Its recorded costs in the currency and range.
    pub cost: String,
    /// The currency of value and cost.
    pub currency: String,
    /// value ÷ cost (null when nothing was spent).
    pub roi: Option<f64>,
}

/// Conditions on the costs a summary or trend counts.
#[derive(InputObject, Default, Clone)]
pub struct CostFilter {
    /// Only this provider's.
    pub provider: Option<String>,
    /// Only this model version's.
    pub model_version: Option<ID>,
    /// Only this endpoint's.
    pub endpoint: Option<ID>,
    /// Only costs in this currency.
    pub currency: Option<String>,
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

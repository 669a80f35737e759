//! Serving's figures of the last 24 hours (predictions, p95 latency, costs) of an
//! endpoint or of one model version on it: the statements, their batched loaders, and
//! the resolver helpers the `Endpoint` and `Deployment` fields call.

use std::collections::HashMap;

use crate::core::batch::Load;
use async_graphql::Context;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::core::context::RequestContext;
use crate::core::loader::DbLoader;
use crate::error::AppResult;
use crate::gql::api::deps;

/// Predictions of the last 24 hours per (endpoint, model version), for these endpoints,
/// in one grouped statement.
async fn prediction_volume_24h(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    endpoints: &[Uuid],
) -> AppResult<Vec<(Uuid, Option<Uuid>, i64)>> {
    use entity::prediction;
    let since = Utc::now() - chrono::Duration::hours(24);
    let rows: Vec<(Uuid, Option<Uuid>, i64)> =
        crate::core::store::scoped::<prediction::Entity>(ctx)
            .select_only()
            .column(prediction::Column::EndpointId)
            .column(prediction::Column::ModelVersionId)
            .column_as(Expr::cust("COUNT(*)"), "n")
            .filter(prediction::Column::EndpointId.is_in(endpoints.to_vec()))
            .filter(prediction::Column::CreatedAt.gte(since))
            .group_by(prediction::Column::EndpointId)
            .group_by(prediction::Column::ModelVersionId)
            .into_tuple()
            .all(db)
            .await?;
    Ok(rows)
}

/// What one endpoint, or one model version on it, did in the last 24 hours.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Served {
    /// The endpoint.
    pub endpoint: Uuid,
    /// Only this model version, when set (a deployment); the whole endpoint otherwise.
    pub model_version: Option<Uuid>,
}

/// p95 of the latencies of the predictions of the last 24 hours, for each of `keys`, in
/// one statement (exact `percentile_cont` over grouping sets on PostgreSQL; the same
/// interpolation in process on SQLite). A key without latencies has no entry.
async fn prediction_latency_p95_24h(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    keys: &[Served],
) -> AppResult<HashMap<Served, f64>> {
    use entity::prediction;
    let since = Utc::now() - chrono::Duration::hours(24);
    let endpoints: Vec<Uuid> = keys.iter().map(|k| k.endpoint).collect();
    let base = crate::core::store::scoped::<prediction::Entity>(ctx)
        .select_only()
        .column(prediction::Column::EndpointId)
        .column(prediction::Column::ModelVersionId)
        .filter(prediction::Column::EndpointId.is_in(endpoints))
        .filter(prediction::Column::CreatedAt.gte(since))
        .filter(prediction::Column::LatencyMs.is_not_null());
    let mut out = HashMap::new();
    if db.get_database_backend() == DbBackend::Postgres {
        let rows: Vec<(Uuid, Option<Uuid>, i32, f64)> = base
            .column_as(Expr::cust("GROUPING(model_version_id)"), "whole")
            .column_as(
                Expr::cust("percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)"),
                "p95",
            )
            .group_by(Expr::cust(
                "GROUPING SETS ((endpoint_id), (endpoint_id, model_version_id))",
            ))
            .into_tuple()
            .all(db)
            .await?;
        for (endpoint, version, whole, p95) in rows {
            let model_version = if whole == 1 { None } else { version };
            out.insert(
                Served {
                    endpoint,
                    model_version,
                },
                p95,
            );
        }
    } else {
        let rows: Vec<(Uuid, Option<Uuid>, f64)> = base
            .column(prediction::Column::LatencyMs)
            .into_tuple()
            .all(db)
            .await?;
        let mut values: HashMap<Served, Vec<f64>> = HashMap::new();
        for (endpoint, version, latency) in rows {
            for model_version in std::iter::once(None).chain(version.map(Some)) {
                values
                    .entry(Served {
                        endpoint,
                        model_version,
                    })
                    .or_default()
                    .push(latency);
            }
        }
        for (k, mut v) in values {
            v.sort_by(f64::total_cmp);
            out.insert(k, crate::core::math::percentile(&v, 0.95));
        }
    }
    Ok(out)
}

/// Exact sums of the cost records of the last 24 hours per currency, for each of `keys`
/// (a deployment's: records of its model version on its endpoint), in one statement.
async fn cost_sums(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    keys: &[Served],
) -> AppResult<HashMap<Served, Vec<(String, i64)>>> {
    use entity::cost_record;
    let since = Utc::now() - chrono::Duration::hours(24);
    let endpoints: Vec<Uuid> = keys.iter().map(|k| k.endpoint).collect();
    let rows: Vec<(Option<Uuid>, Option<Uuid>, String, i64)> =
        crate::core::store::scoped::<cost_record::Entity>(ctx)
            .select_only()
            .column(cost_record::Column::EndpointId)
            .column(cost_record::Column::ModelVersionId)
            .column(cost_record::Column::Currency)
            .column_as(Expr::cust("CAST(SUM(amount_micros) AS BIGINT)"), "total")
            .filter(cost_record::Column::EndpointId.is_in(endpoints))
            .filter(cost_record::Column::Ts.gte(since))
            .group_by(cost_record::Column::EndpointId)
            .group_by(cost_record::Column::ModelVersionId)
            .group_by(cost_record::Column::Currency)
            .into_tuple()
            .all(db)
            .await?;
    let mut sums: HashMap<Served, std::collections::BTreeMap<String, i64>> = HashMap::new();
    for (endpoint, version, currency, total) in rows {
        let Some(endpoint) = endpoint else { continue };
        for model_version in std::iter::once(None).chain(version.map(Some)) {
            *sums
                .entry(Served {
                    endpoint,
                    model_version,
                })
                .or_default()
                .entry(currency.clone())
                .or_default() += total;
        }
    }
    Ok(sums
        .into_iter()
        .map(|(k, m)| (k, m.into_iter().collect()))
        .collect())
}

/// Key: predictions served in the last 24 hours by an endpoint, or by one model version
/// on an endpoint (a deployment).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Volume24h(pub Served);

impl Load<Volume24h> for DbLoader {
    type Value = i64;

    async fn load(&self, keys: &[Volume24h]) -> crate::error::AppResult<HashMap<Volume24h, i64>> {
        let endpoints: Vec<Uuid> = keys.iter().map(|k| k.0.endpoint).collect();
        let counts = prediction_volume_24h(&self.reader(), self.ctx(), &endpoints).await?;
        Ok(keys
            .iter()
            .map(|k| {
                let n = counts
                    .iter()
                    .filter(|(e, v, _)| {
                        *e == k.0.endpoint
                            && (k.0.model_version.is_none() || *v == k.0.model_version)
                    })
                    .map(|(_, _, n)| n)
                    .sum();
                (*k, n)
            })
            .collect())
    }
}

/// Key: the p95 latency (ms) of the last 24 hours' predictions of an endpoint, or of one
/// model version on it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Latency24h(pub Served);

impl Load<Latency24h> for DbLoader {
    type Value = f64;

    async fn load(&self, keys: &[Latency24h]) -> crate::error::AppResult<HashMap<Latency24h, f64>> {
        let served: Vec<Served> = keys.iter().map(|k| k.0).collect();
        let mut p95 = prediction_latency_p95_24h(&self.reader(), self.ctx(), &served).await?;
        Ok(keys
            .iter()
            .filter_map(|k| p95.remove(&k.0).map(|v| (*k, v)))
            .collect())
    }
}

/// Key: the costs of the last 24 hours, per currency, of an endpoint, or of one model
/// version on it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Cost24h(pub Served);

impl Load<Cost24h> for DbLoader {
    type Value = Vec<(String, i64)>;

    async fn load(
        &self,
        keys: &[Cost24h],
    ) -> crate::error::AppResult<HashMap<Cost24h, Vec<(String, i64)>>> {
        let served: Vec<Served> = keys.iter().map(|k| k.0).collect();
        let mut sums = cost_sums(self.db(), self.ctx(), &served).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, sums.remove(&k.0).unwrap_or_default()))
            .collect())
    }
}

/// The p95 latency of the last 24 hours of an endpoint, or of one model version on it
/// (batched); `None` without latencies.
pub async fn latency_p95_24h(
    ctx: &Context<'_>,
    endpoint: Uuid,
    model_version: Option<Uuid>,
) -> async_graphql::Result<Option<f64>> {
    let d = deps(ctx)?;
    let key = Latency24h(Served {
        endpoint,
        model_version,
    });
    Ok(d.loader.load_one(key).await?)
}

/// The costs of the last 24 hours of an endpoint, or of one model version on it
/// (batched), one total per currency.
pub async fn cost_24h(
    ctx: &Context<'_>,
    endpoint: Uuid,
    model_version: Option<Uuid>,
) -> async_graphql::Result<Vec<super::types::CostTotal>> {
    let d = deps(ctx)?;
    let key = Cost24h(Served {
        endpoint,
        model_version,
    });
    Ok(d.loader
        .load_one(key)
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(|(currency, micros)| super::types::CostTotal {
            currency,
            total: crate::core::math::format_amount(micros),
        })
        .collect())
}

/// Predictions of the last 24 hours for an endpoint (optionally one model version on it).
pub async fn volume_24h(
    ctx: &Context<'_>,
    endpoint: Uuid,
    model_version: Option<Uuid>,
) -> async_graphql::Result<i64> {
    let d = deps(ctx)?;
    let key = Volume24h(Served {
        endpoint,
        model_version,
    });
    Ok(d.loader.load_one(key).await?.unwrap_or(0))
}

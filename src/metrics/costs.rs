//! Costs: what inference (or training) cost, by provider, for model versions and
//! endpoints, in exact decimal amounts (stored as integer millionths of the currency, so
//! sums never drift), and summaries grouped by provider, version, endpoint or day.

use async_graphql::Result;
use chrono::{DateTime, Utc};
use entity::{cost_record, endpoint, model_version};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use super::types::{
    CostBucket, CostFilter, CostGroup, CostGroupBy, CostRecordInput, CostTrendPoint, Roi,
};
use crate::core::context::RequestContext;
use crate::core::ids::{NodeType, decode_as, encode};
use crate::core::store;
use crate::error::{AppError, AppResult};

/// Most records per `recordCosts` call.
pub const MAX_RECORDS: usize = 10_000;

pub use crate::core::math::{format_amount, parse_amount};

/// An amount input: [`parse_amount`], or `BAD_USER_INPUT` naming `field`.
pub fn amount_input(field: &str, s: &str) -> AppResult<i64> {
    parse_amount(s).ok_or_else(|| {
        AppError::bad_input(
            field,
            "a non-negative decimal with at most 6 decimals, e.g. \"0.0042\"",
        )
    })
}

/// A currency input: an ISO 4217 code (three capital letters), or `BAD_USER_INPUT`.
pub fn currency_input(field: &str, s: &str) -> AppResult<String> {
    let currency = s.trim();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(AppError::bad_input(field, "an ISO 4217 code such as USD"));
    }
    Ok(currency.to_owned())
}

fn bad(i: usize, field: &str, message: impl Into<String>) -> AppError {
    AppError::bad_input(format!("records.{i}.{field}"), message)
}

/// Records costs: all are checked first, then written in one transaction.
pub async fn record(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    records: Vec<CostRecordInput>,
) -> AppResult<usize> {
    if records.len() > MAX_RECORDS {
        return Err(AppError::bad_input(
            "records",
            format!("at most {MAX_RECORDS} records per call"),
        ));
    }
    let now = Utc::now();
    let mut rows = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let provider = r.provider.trim().to_owned();
        if provider.is_empty() || provider.chars().count() > 100 || provider.contains('\0') {
            return Err(bad(i, "provider", "1 to 100 characters"));
        }
        let amount = amount_input(&format!("records.{i}.amount"), &r.amount)?;
        let currency = currency_input(&format!("records.{i}.currency"), &r.currency)?;
        let version = r
            .model_version_id
            .as_ref()
            .map(|v| {
                decode_as(
                    v,
                    NodeType::ModelVersion,
                    &format!("records.{i}.modelVersionId"),
                )
            })
            .transpose()?;
        let endpoint = r
            .endpoint_id
            .as_ref()
            .map(|e| decode_as(e, NodeType::Endpoint, &format!("records.{i}.endpointId")))
            .transpose()?;
        if version.is_none() && endpoint.is_none() {
            return Err(bad(
                i,
                "modelVersionId",
                "a cost belongs to a model version, an endpoint or both",
            ));
        }
        if r.units.is_some_and(|u| u < 0) {
            return Err(bad(i, "units", "not negative"));
        }
        let labels = r
            .labels
            .as_ref()
            .map(|j| j.0.clone())
            .unwrap_or_else(|| serde_json::json!({}));
        if !labels.is_object() {
            return Err(bad(i, "labels", "a JSON object"));
        }
        rows.push((
            provider,
            version,
            endpoint,
            r.units,
            r.unit.clone(),
            amount,
            currency,
            r.timestamp.unwrap_or(now),
            labels,
        ));
    }
    store::transaction(db, async |txn| {
        let mut out = Vec::with_capacity(rows.len());
        for (i, (provider, version, endpoint_id, units, unit, amount, currency, ts, labels)) in
            rows.iter().enumerate()
        {
            // The namespace of what it was for (version first), in scope and writable.
            let ns = match (version, endpoint_id) {
                (Some(v), _) => {
                    store::get::<model_version::Entity>(txn, ctx, *v)
                        .await
                        .map_err(|_| {
                            AppError::not_found(format!(
                                "ModelVersion {v} (input records.{i}.modelVersionId)"
                            ))
                        })?
                        .ns
                }
                (None, Some(e)) => {
                    store::get::<endpoint::Entity>(txn, ctx, *e)
                        .await
                        .map_err(|_| {
                            AppError::not_found(format!(
                                "Endpoint {e} (input records.{i}.endpointId)"
                            ))
                        })?
                        .ns
                }
                (None, None) => return Err(bad(i, "modelVersionId", "missing")),
            };
            ctx.scope.check_write(&ns)?;
            out.push(cost_record::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(ns),
                provider: Set(provider.clone()),
                model_version_id: Set(*version),
                endpoint_id: Set(*endpoint_id),
                units: Set(*units),
                unit: Set(unit.clone()),
                amount_micros: Set(*amount),
                currency: Set(currency.clone()),
                ts: Set(*ts),
                labels: Set(labels.clone()),
                created_at: Set(now),
            });
        }
        let n = out.len();
        for chunk in out.chunks(1000) {
            cost_record::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(txn)
                .await?;
        }
        Ok(n)
    })
    .await
}

/// Sums of costs over `[from, to)` the caller may read, grouped, per currency.
pub async fn summary(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    group_by: CostGroupBy,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    filter: &CostFilter,
) -> AppResult<Vec<CostGroup>> {
    if to <= from {
        return Err(AppError::bad_input("to", "must be after `from`"));
    }
    let pg = db.get_database_backend() == DbBackend::Postgres;
    let day = if pg {
        "to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    } else {
        "substr(ts, 1, 10)"
    };
    let group = |rows: Vec<(Option<String>, String, i64, i64)>| {
        rows.into_iter()
            .map(|(key, currency, count, total)| CostGroup {
                key,
                currency,
                count,
                total: format_amount(total),
            })
            .collect::<Vec<_>>()
    };
    let ids = |ty: NodeType, rows: Vec<(Option<Uuid>, String, i64, i64)>| {
        group(
            rows.into_iter()
                .map(|(k, c, n, t)| (k.map(|u| encode(ty, u).to_string()), c, n, t))
                .collect(),
        )
    };
    Ok(match group_by {
        CostGroupBy::Provider => group(grouped(db, ctx, from, to, "provider", filter).await?),
        CostGroupBy::Day => group(grouped(db, ctx, from, to, day, filter).await?),
        CostGroupBy::ModelVersion => ids(
            NodeType::ModelVersion,
            grouped(db, ctx, from, to, "model_version_id", filter).await?,
        ),
        CostGroupBy::Endpoint => ids(
            NodeType::Endpoint,
            grouped(db, ctx, from, to, "endpoint_id", filter).await?,
        ),
    })
}

/// Costs per bucket and currency over `[from, to)`, each with its change.
pub async fn trends(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    bucket: CostBucket,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    filter: &CostFilter,
) -> AppResult<Vec<CostTrendPoint>> {
    if to <= from {
        return Err(AppError::bad_input("to", "must be after `from`"));
    }
    let pg = db.get_database_backend() == DbBackend::Postgres;
    let key = match (bucket, pg) {
        (CostBucket::Day, true) => "to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        (CostBucket::Hour, true) => "to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')",
        (CostBucket::Day, false) => "substr(ts, 1, 10)",
        (CostBucket::Hour, false) => "substr(ts, 1, 13)",
    };
    let rows: Vec<(Option<String>, String, i64, i64)> =
        grouped(db, ctx, from, to, key, filter).await?;
    let mut last: std::collections::HashMap<String, i64> = Default::default();
    let mut out = Vec::new();
    // Rows come ordered by bucket, then currency.
    for (k, currency, _, total) in rows {
        let change = last.insert(currency.clone(), total).map(|prev| {
            let d = total - prev;
            if d < 0 {
                format!("-{}", format_amount(-d))
            } else {
                format_amount(d)
            }
        });
        out.push(CostTrendPoint {
            bucket: k.unwrap_or_default().replace(' ', "T"),
            currency,
            total: format_amount(total),
            change,
        });
    }
    Ok(out)
}

/// [`Roi`] of `version`.
pub async fn roi(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    version: Uuid,
    value_per_success: &str,
    currency: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Roi> {
    use entity::prediction;
    let per = amount_input("valuePerSuccess", value_per_success)?;
    store::get::<model_version::Entity>(db, ctx, version).await?;
    let successes = PaginatorTrait::count(
        store::scoped::<prediction::Entity>(ctx)
            .filter(prediction::Column::ModelVersionId.eq(version))
            .filter(prediction::Column::Status.eq(entity::enums::PredictionStatus::Completed))
            .filter(prediction::Column::CreatedAt.gte(from))
            .filter(prediction::Column::CreatedAt.lt(to)),
        db,
    )
    .await?;
    let successes = i64::try_from(successes).unwrap_or(i64::MAX);
    let cost: Option<i64> = store::scoped::<cost_record::Entity>(ctx)
        .select_only()
        .column_as(Expr::cust("CAST(SUM(amount_micros) AS BIGINT)"), "total")
        .filter(cost_record::Column::ModelVersionId.eq(version))
        .filter(cost_record::Column::Currency.eq(currency))
        .filter(cost_record::Column::Ts.gte(from))
        .filter(cost_record::Column::Ts.lt(to))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let cost = cost.unwrap_or(0);
    let value = successes.saturating_mul(per);
    Ok(Roi {
        successes,
        value_per_success: format_amount(per),
        value: format_amount(value),
        cost: format_amount(cost),
        currency: currency.to_owned(),
        roi: (cost > 0).then(|| value as f64 / cost as f64),
    })
}

/// The SQL conditions of `filter` (checked), with their values in `p`.
fn filter_sql(filter: &CostFilter, p: &mut crate::core::params::Params) -> AppResult<String> {
    let mut sql = String::new();
    if let Some(provider) = &filter.provider {
        sql += &format!(" AND provider = {}", p.push(provider.trim().to_owned()));
    }
    if let Some(v) = &filter.model_version {
        let v = decode_as(v, NodeType::ModelVersion, "filter.modelVersion")?;
        sql += &format!(" AND model_version_id = {}", p.push(v));
    }
    if let Some(e) = &filter.endpoint {
        let e = decode_as(e, NodeType::Endpoint, "filter.endpoint")?;
        sql += &format!(" AND endpoint_id = {}", p.push(e));
    }
    if let Some(c) = &filter.currency {
        let c = currency_input("filter.currency", c)?;
        sql += &format!(" AND currency = {}", p.push(c));
    }
    Ok(sql)
}

/// `(key, currency, count, sum)` per key and currency over `[from, to)`, ordered, in one
/// statement. On PostgreSQL the whole hours of the range come from `cost_rollups` (exact
/// integer sums kept by triggers) and only the partial hours at its ends from the
/// records; SQLite sums the records.
async fn grouped<K: sea_orm::TryGetable>(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    key: &str,
    filter: &CostFilter,
) -> AppResult<Vec<(Option<K>, String, i64, i64)>> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    let mut p = crate::core::params::Params::new(backend);
    let conditions = |p: &mut crate::core::params::Params| -> AppResult<String> {
        let mut sql = ctx.scope.sql_filter("ns", |v| p.push(v));
        sql += &filter_sql(filter, p)?;
        Ok(sql)
    };
    let sql = if backend == DbBackend::Postgres {
        use chrono::DurationRound;
        let hour = chrono::TimeDelta::hours(1);
        let mut h1 = from.duration_trunc(hour).unwrap_or(from);
        if h1 < from {
            h1 += hour;
        }
        let mut h2 = to.duration_trunc(hour).unwrap_or(to);
        if h1 >= h2 {
            (h1, h2) = (to, to);
        }
        let (f, t, a, b) = (p.push(from), p.push(to), p.push(h1), p.push(h2));
        let rolled = conditions(&mut p)?;
        let raw = conditions(&mut p)?;
        format!(
            "SELECT k, currency, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(total) AS BIGINT) AS total FROM (
               SELECT {key} AS k, currency, n, amount_micros AS total FROM cost_rollups
                WHERE ts >= {a} AND ts < {b}{rolled}
               UNION ALL
               SELECT {key} AS k, currency, 1 AS n, amount_micros AS total FROM cost_records
                WHERE ((ts >= {f} AND ts < {a}) OR (ts >= {b} AND ts < {t})){raw}
             ) u GROUP BY k, currency ORDER BY k, currency"
        )
    } else {
        let (f, t) = (p.push(from), p.push(to));
        let cond = conditions(&mut p)?;
        format!(
            "SELECT {key} AS k, currency, COUNT(*) AS n, CAST(SUM(amount_micros) AS BIGINT) AS total
               FROM cost_records WHERE ts >= {f} AND ts < {t}{cond}
              GROUP BY k, currency ORDER BY k, currency"
        )
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, p.values()))
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                r.try_get::<Option<K>>("", "k")?,
                r.try_get::<String>("", "currency")?,
                r.try_get::<i64>("", "n")?,
                r.try_get::<i64>("", "total")?,
            ))
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()
        .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_decimals() {
        assert_eq!(parse_amount("0.0042"), Some(4_200));
        assert_eq!(parse_amount("12"), Some(12_000_000));
        assert_eq!(parse_amount("1.000001"), Some(1_000_001));
        for bad in ["-1", "1.0000001", "", ".5", "1e3", "1,5"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        assert_eq!(format_amount(4_200), "0.004200");
        assert_eq!(format_amount(12_345_600), "12.345600");
        // Ten thousand tenths of a cent sum exactly.
        let sum: i64 = (0..10_000)
            .map(|_| parse_amount("0.001").unwrap_or(0))
            .sum();
        assert_eq!(format_amount(sum), "10.000000");
    }
}

//! `trackInference`: one served request recorded as a prediction, its latency and
//! quality as metric points and its cost as a cost record, in one transaction.

use chrono::Utc;
use entity::metric_point;
use sea_orm::{ActiveModelTrait, Set};

use super::types::TrackInferenceInput;
use crate::core::context::RequestContext;
use crate::core::ids::{NodeType, decode_as};
use crate::core::store;
use crate::error::{AppError, AppResult};

/// Records a prediction, its cost and its quality score in one transaction.
pub async fn track_inference(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    input: TrackInferenceInput,
) -> AppResult<(entity::prediction::Model, Option<i64>, bool)> {
    use crate::serving::service::{check_prediction_values, insert_prediction};
    check_prediction_values(input.latency_ms, input.confidence)?;
    let endpoint = decode_as(&input.endpoint_id, NodeType::Endpoint, "input.endpointId")?;
    let version = decode_as(
        &input.model_version_id,
        NodeType::ModelVersion,
        "input.modelVersionId",
    )?;
    let cost = match &input.cost {
        Some(c) => {
            let amount = crate::metrics::costs::amount_input("input.cost.amount", &c.amount)?;
            let currency =
                crate::metrics::costs::currency_input("input.cost.currency", &c.currency)?;
            crate::core::validate::name("input.cost.provider", &c.provider)?;
            Some((
                c.provider.trim().to_owned(),
                amount,
                currency,
                c.units,
                c.unit.clone(),
            ))
        }
        None => None,
    };
    if input.quality_score.is_some_and(|q| !q.is_finite()) {
        return Err(AppError::bad_input("input.qualityScore", "a finite number"));
    }
    store::transaction(db, async |txn| {
        let prediction = insert_prediction(
            txn,
            ctx,
            crate::serving::commands::CreatePrediction {
                endpoint_id: endpoint,
                model_version_id: Some(version),
                input: input
                    .input
                    .as_ref()
                    .map(|j| j.0.clone())
                    .unwrap_or_else(|| serde_json::json!({})),
                output: input.output.as_ref().map(|j| j.0.clone()),
                latency_ms: input.latency_ms,
                confidence: input.confidence,
                status: input.status.map(Into::into),
            },
        )
        .await?;
        let now = Utc::now();
        if let Some((provider, amount, currency, units, unit)) = &cost {
            entity::cost_record::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(prediction.ns.clone()),
                provider: Set(provider.clone()),
                model_version_id: Set(Some(version)),
                endpoint_id: Set(Some(endpoint)),
                units: Set(*units),
                unit: Set(unit.clone()),
                amount_micros: Set(*amount),
                currency: Set(currency.clone()),
                ts: Set(now),
                labels: Set(serde_json::json!({"prediction": prediction.id})),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
        if let Some(q) = input.quality_score {
            metric_point::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(prediction.ns.clone()),
                model_version_id: Set(version),
                endpoint_id: Set(Some(endpoint)),
                deployment_id: Set(None),
                name: Set("quality".into()),
                value: Set(q),
                ts: Set(now),
                labels: Set(serde_json::json!({"prediction": prediction.id})),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
        Ok((
            prediction,
            cost.as_ref().map(|c| c.1),
            input.quality_score.is_some(),
        ))
    })
    .await
}

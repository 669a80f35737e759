//! The built-in compliance checks. Each reads the graph around a model version and
//! answers PASS, WARN or FAIL with its evidence (JSON the reviewer reads).
//!
//! - GDPR: the datasets upstream of the version (its lineage, any depth up to 10) that
//!   hold personal data must carry a legal basis and a retention period, and none may
//!   have an erasure request.
//! - EU AI Act: the model's declared risk class; UNACCEPTABLE fails, HIGH needs
//!   documented human oversight and intended purpose, none declared warns.
//! - Fairness / bias: a metric recorded on an `evaluatedOn` edge from the version (or
//!   its model), as a number in the edge's properties; |value| within the threshold
//!   passes, above fails, missing warns.
//! - Security: every live artifact of the version VERIFIED, and no open security finding.

use entity::enums::{ArtifactStatus, CheckKind, CheckResult, RiskClass};
use entity::{artifact, dataset, dataset_version, edge, model, model_version, security_finding};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::service::{BIAS_METRIC, CheckSpec, FAIRNESS_METRIC};
use crate::core::context::RequestContext;
use crate::core::ids::NodeType;
use crate::error::{AppError, AppResult};
use crate::lineage::service::{LineageDirection, TraversalArgs, traverse};

/// One check's answer.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// PASS, WARN or FAIL.
    pub result: CheckResult,
    /// What it looked at and why it answered so.
    pub evidence: Value,
}

fn outcome(result: CheckResult, evidence: Value) -> Outcome {
    Outcome { result, evidence }
}

/// Runs `checks` for the version, in order.
pub async fn run(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    version_id: Uuid,
    checks: &[CheckSpec],
) -> AppResult<Vec<Outcome>> {
    let version = model_version::Entity::find_by_id(version_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("ModelVersion {version_id}")))?;
    let model = model::Entity::find_by_id(version.model_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Model {}", version.model_id)))?;
    let mut out = Vec::with_capacity(checks.len());
    for c in checks {
        out.push(match c.check {
            CheckKind::Gdpr => gdpr(db, ctx, &version).await?,
            CheckKind::EuAiAct => eu_ai_act(&model),
            CheckKind::Fairness => {
                metric_check(
                    db,
                    &version,
                    c.metric.as_deref().unwrap_or(FAIRNESS_METRIC),
                    c.threshold.unwrap_or(0.1),
                )
                .await?
            }
            CheckKind::Bias => {
                metric_check(
                    db,
                    &version,
                    c.metric.as_deref().unwrap_or(BIAS_METRIC),
                    c.threshold.unwrap_or(0.1),
                )
                .await?
            }
            CheckKind::Security => security(db, &version).await?,
        });
    }
    Ok(out)
}

async fn gdpr(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    version: &model_version::Model,
) -> AppResult<Outcome> {
    let root = (NodeType::ModelVersion, version.id);
    let walked = traverse(
        db,
        ctx,
        &[root],
        &TraversalArgs {
            direction: LineageDirection::Upstream,
            depth: 10,
            kinds: None,
            node_types: Some(vec![NodeType::Dataset, NodeType::DatasetVersion]),
            first: 1000,
            offset: 0,
            with_edges: false,
            check_start: false,
            max_reach: None,
        },
    )
    .await?;
    let reached = walked
        .get(&root)
        .map(|s| s.nodes.clone())
        .unwrap_or_default();
    let mut dataset_ids: Vec<Uuid> = reached
        .iter()
        .filter(|r| r.node.0 == NodeType::Dataset)
        .map(|r| r.node.1)
        .collect();
    let version_ids: Vec<Uuid> = reached
        .iter()
        .filter(|r| r.node.0 == NodeType::DatasetVersion)
        .map(|r| r.node.1)
        .collect();
    if !version_ids.is_empty() {
        for v in crate::core::store::unscoped::<dataset_version::Entity>()
            .filter(dataset_version::Column::Id.is_in(version_ids))
            .all(db)
            .await?
        {
            dataset_ids.push(v.dataset_id);
        }
    }
    dataset_ids.sort_unstable();
    dataset_ids.dedup();
    let datasets = if dataset_ids.is_empty() {
        Vec::new()
    } else {
        crate::core::store::unscoped::<dataset::Entity>()
            .filter(dataset::Column::Id.is_in(dataset_ids))
            .all(db)
            .await?
    };
    let mut problems = Vec::new();
    let mut personal = Vec::new();
    for d in datasets.iter().filter(|d| d.personal_data) {
        personal.push(json!({"dataset": d.id, "name": d.name, "legalBasis": d.legal_basis, "retentionDays": d.retention_days}));
        if d.legal_basis.as_deref().is_none_or(|b| b.trim().is_empty()) {
            problems.push(format!(
                "dataset {} holds personal data without a legal basis",
                d.name
            ));
        }
        if d.retention_days.is_none() {
            problems.push(format!(
                "dataset {} holds personal data without a retention period",
                d.name
            ));
        }
        if d.erasure_requested_at.is_some() {
            problems.push(format!("dataset {} has an erasure request", d.name));
        }
    }
    let evidence = json!({
        "trainingDatasets": datasets.iter().map(|d| json!({"id": d.id, "name": d.name})).collect::<Vec<_>>(),
        "personalData": personal,
        "problems": problems,
    });
    Ok(outcome(
        if problems.is_empty() {
            CheckResult::Pass
        } else {
            CheckResult::Fail
        },
        evidence,
    ))
}

fn eu_ai_act(m: &model::Model) -> Outcome {
    let declared = |s: &Option<String>| s.as_deref().is_some_and(|v| !v.trim().is_empty());
    let evidence = json!({
        "riskClass": m.risk_class.map(|r| r.as_str()),
        "humanOversight": m.human_oversight,
        "intendedPurpose": m.intended_purpose,
    });
    let result = match m.risk_class {
        None => CheckResult::Warn,
        Some(RiskClass::Unacceptable) => CheckResult::Fail,
        Some(RiskClass::High)
            if !(declared(&m.human_oversight) && declared(&m.intended_purpose)) =>
        {
            CheckResult::Fail
        }
        Some(_) => CheckResult::Pass,
    };
    outcome(result, evidence)
}

async fn metric_check(
    db: &impl ConnectionTrait,
    version: &model_version::Model,
    metric: &str,
    threshold: f64,
) -> AppResult<Outcome> {
    let edges = crate::core::store::unscoped::<edge::Entity>()
        .filter(edge::Column::Kind.eq("evaluatedOn"))
        .filter(edge::Column::SourceId.is_in([version.id, version.model_id]))
        .all(db)
        .await?;
    // The version's own evaluation wins over its model's.
    let mut found: Option<(f64, Uuid)> = None;
    for e in edges
        .iter()
        .filter(|e| e.source_id == version.id)
        .chain(edges.iter().filter(|e| e.source_id != version.id))
    {
        if let Some(v) = e.properties.get(metric).and_then(Value::as_f64) {
            found = Some((v, e.target_id));
            break;
        }
    }
    Ok(match found {
        None => outcome(
            CheckResult::Warn,
            json!({"metric": metric, "threshold": threshold, "value": null, "note": "no evaluatedOn edge records this metric"}),
        ),
        Some((v, on)) => outcome(
            if v.abs() <= threshold {
                CheckResult::Pass
            } else {
                CheckResult::Fail
            },
            json!({"metric": metric, "threshold": threshold, "value": v, "evaluatedOn": on}),
        ),
    })
}

async fn security(db: &impl ConnectionTrait, version: &model_version::Model) -> AppResult<Outcome> {
    let artifacts = crate::core::store::unscoped::<artifact::Entity>()
        .filter(artifact::Column::OwnerId.eq(version.id))
        .filter(artifact::Column::DeletedAt.is_null())
        .all(db)
        .await?;
    let unverified: Vec<Value> = artifacts
        .iter()
        .filter(|a| a.status != ArtifactStatus::Verified)
        .map(|a| json!({"artifact": a.id, "path": a.path, "status": a.status.as_str()}))
        .collect();
    let open = crate::core::store::unscoped::<security_finding::Entity>()
        .filter(security_finding::Column::ModelVersionId.eq(version.id))
        .filter(security_finding::Column::ResolvedAt.is_null())
        .all(db)
        .await?;
    let findings: Vec<Value> = open
        .iter()
        .map(|f| json!({"finding": f.id, "severity": f.severity.as_str(), "description": f.description}))
        .collect();
    let ok = unverified.is_empty() && findings.is_empty();
    Ok(outcome(
        if ok {
            CheckResult::Pass
        } else {
            CheckResult::Fail
        },
        json!({"artifacts": artifacts.len(), "unverifiedArtifacts": unverified, "openFindings": findings}),
    ))
}

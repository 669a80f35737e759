//! Governance: per-namespace policies, approvals with compliance checks and four-eyes
//! review, and the gate promotions pass through.
//!
//! An approval runs the policy's checks when it is requested (and again on
//! `rerunComplianceChecks`), stores every result, and is PENDING, or CHECKS_FAILED when a
//! blocking check failed. Only an APPROVER of its namespace who did not request it may
//! decide it, once, at the revision they saw. An approved approval writes an `approvedBy`
//! edge from the model version to the approval (users are not graph nodes; the approver
//! and the evidence are in the edge's properties). Every step is an event in the
//! transaction of its change.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{ApprovalStatus, CheckKind, CheckResult, ModelStage, Role};
use entity::{approval, compliance_check, policy};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::checks;
use crate::core::context::RequestContext;
use crate::core::ids::NodeType;
use crate::core::store::{self, Change, get, record_event};
use crate::core::validate;
use crate::error::{AppError, AppResult};

/// One check a policy runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckSpec {
    /// Which check.
    pub check: CheckKind,
    /// Whether a FAIL blocks the approval (CHECKS_FAILED).
    pub blocking: bool,
    /// Largest allowed |metric| (fairness, bias).
    pub threshold: Option<f64>,
    /// The metric read from `evaluatedOn` edges (fairness, bias).
    pub metric: Option<String>,
}

/// A namespace's policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySpec {
    /// The checks an approval runs.
    pub checks: Vec<CheckSpec>,
    /// Stages a version may only enter with an approved, unexpired approval.
    pub require_approval_for: Vec<ModelStage>,
    /// How long approvals stay valid (pending ones, and approved ones from their decision).
    pub approval_ttl_hours: i32,
}

/// Default fairness metric (read from `evaluatedOn` edge properties).
pub const FAIRNESS_METRIC: &str = "demographicParityDifference";
/// Default bias metric.
pub const BIAS_METRIC: &str = "equalizedOddsDifference";

impl Default for PolicySpec {
    /// Without a policy: every check runs, GDPR, EU AI Act and security block, fairness
    /// and bias warn (threshold 0.1), no stage is gated, approvals last 30 days.
    fn default() -> Self {
        let spec = |check, blocking, metric: Option<&str>| CheckSpec {
            check,
            blocking,
            threshold: metric.map(|_| 0.1),
            metric: metric.map(str::to_owned),
        };
        PolicySpec {
            checks: vec![
                spec(CheckKind::Gdpr, true, None),
                spec(CheckKind::EuAiAct, true, None),
                spec(CheckKind::Fairness, false, Some(FAIRNESS_METRIC)),
                spec(CheckKind::Bias, false, Some(BIAS_METRIC)),
                spec(CheckKind::Security, true, None),
            ],
            require_approval_for: Vec::new(),
            approval_ttl_hours: 24 * 30,
        }
    }
}

fn to_json<T: Serialize>(v: &T) -> AppResult<Value> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string()))
}

impl PolicySpec {
    fn from_row(row: &policy::Model) -> AppResult<PolicySpec> {
        Ok(PolicySpec {
            checks: serde_json::from_value(row.checks.clone())
                .map_err(|e| AppError::Internal(format!("stored policy checks: {e}")))?,
            require_approval_for: serde_json::from_value(row.require_approval_for.clone())
                .map_err(|e| AppError::Internal(format!("stored policy stages: {e}")))?,
            approval_ttl_hours: row.approval_ttl_hours,
        })
    }
}

/// The namespace itself and every namespace above it, nearest first.
fn ancestors(ns: &str) -> Vec<String> {
    let mut out = vec![ns.to_owned()];
    let mut cur = ns;
    while let Some((up, _)) = cur.rsplit_once('/') {
        out.push(up.to_owned());
        cur = up;
    }
    out
}

/// An approval's check results, latest run first, in the caller's scope.
pub async fn checks_of(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    approval: Uuid,
) -> AppResult<Vec<compliance_check::Model>> {
    Ok(store::scoped::<compliance_check::Entity>(ctx)
        .filter(compliance_check::Column::ApprovalId.eq(approval))
        .order_by_desc(compliance_check::Column::CreatedAt)
        .all(db)
        .await?)
}

/// The rows whose events make the governance history of a model (of all its versions) or
/// of a model version: its approvals, their check results and its security findings. The
/// events are then read in the caller's scope; `BAD_USER_INPUT` for any other node.
pub async fn governed_ids(
    db: &impl ConnectionTrait,
    ty: NodeType,
    id: Uuid,
) -> AppResult<Vec<Uuid>> {
    use entity::{model_version, security_finding};
    let versions: Vec<Uuid> = match ty {
        NodeType::ModelVersion => vec![id],
        NodeType::Model => store::unscoped::<model_version::Entity>()
            .filter(model_version::Column::ModelId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|v| v.id)
            .collect(),
        _ => return Err(AppError::bad_input("of", "a model or a model version")),
    };
    let approvals: Vec<Uuid> = store::unscoped::<approval::Entity>()
        .filter(approval::Column::ModelVersionId.is_in(versions.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let checks: Vec<Uuid> = store::unscoped::<compliance_check::Entity>()
        .filter(compliance_check::Column::ApprovalId.is_in(approvals.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let findings: Vec<Uuid> = store::unscoped::<security_finding::Entity>()
        .filter(security_finding::Column::ModelVersionId.is_in(versions))
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    Ok(approvals
        .into_iter()
        .chain(checks)
        .chain(findings)
        .collect())
}

/// The policy in force for `ns`: the latest version of the nearest namespace (itself or
/// above) that has one, else the default (version 0).
pub async fn policy_for(
    db: &impl ConnectionTrait,
    ns: &str,
) -> AppResult<(i32, PolicySpec, Option<policy::Model>)> {
    let candidates = ancestors(ns);
    let rows = crate::core::store::unscoped::<policy::Entity>()
        .filter(policy::Column::Ns.is_in(candidates.clone()))
        .order_by_desc(policy::Column::Version)
        .all(db)
        .await?;
    for ns in &candidates {
        if let Some(row) = rows.iter().find(|r| &r.ns == ns) {
            return Ok((row.version, PolicySpec::from_row(row)?, Some(row.clone())));
        }
    }
    Ok((0, PolicySpec::default(), None))
}

/// Sets a new version of the policy of `ns` (ADMIN there).
pub async fn set_policy(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    ns: String,
    spec: PolicySpec,
) -> AppResult<policy::Model> {
    validate::namespace("input.ns", &ns)?;
    ctx.scope.check(&ns, Role::Admin)?;
    if spec.approval_ttl_hours <= 0 {
        return Err(AppError::bad_input(
            "input.approvalTtlHours",
            "must be positive",
        ));
    }
    let mut seen = Vec::new();
    for (i, c) in spec.checks.iter().enumerate() {
        if seen.contains(&c.check) {
            return Err(AppError::bad_input(
                format!("input.checks.{i}"),
                format!("{} is listed twice", c.check.as_str()),
            ));
        }
        seen.push(c.check);
        if c.threshold.is_some_and(|t| !t.is_finite() || t < 0.0) {
            return Err(AppError::bad_input(
                format!("input.checks.{i}.threshold"),
                "a threshold is a non-negative number",
            ));
        }
    }
    let now = Utc::now();
    store::transaction(db, async |txn| {
        let latest = crate::core::store::unscoped::<policy::Entity>()
            .filter(policy::Column::Ns.eq(ns.as_str()))
            .order_by_desc(policy::Column::Version)
            .one(txn)
            .await?;
        let row = policy::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(ns.clone()),
            version: Set(latest.map_or(1, |p| p.version + 1)),
            checks: Set(to_json(&spec.checks)?),
            require_approval_for: Set(to_json(&spec.require_approval_for)?),
            approval_ttl_hours: Set(spec.approval_ttl_hours),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        };
        store::insert::<policy::Entity, _>(txn, ctx, row).await
    })
    .await
}

/// Runs the policy's checks for `approval` and stores each result (events `CHECK_RUN`).
/// Returns whether a blocking check failed.
async fn run_and_store_checks(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    approval: &approval::Model,
    spec: &PolicySpec,
) -> AppResult<bool> {
    let outcomes = checks::run(txn, ctx, approval.model_version_id, &spec.checks).await?;
    let now = Utc::now();
    let mut blocked = false;
    for (c, outcome) in spec.checks.iter().zip(outcomes) {
        blocked |= c.blocking && outcome.result == CheckResult::Fail;
        let row = compliance_check::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(approval.ns.clone()),
            approval_id: Set(approval.id),
            check_kind: Set(c.check),
            result: Set(outcome.result),
            blocking: Set(c.blocking),
            evidence: Set(outcome.evidence),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        record_event(
            txn,
            ctx,
            Change::of::<compliance_check::Entity>("CHECK_RUN", None, Some(&row))?,
        )
        .await?;
    }
    Ok(blocked)
}

/// Requests an approval to move a version to `stage` (EDITOR): runs the checks at once.
pub async fn request_approval(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    version_id: Uuid,
    stage: ModelStage,
    justification: Option<String>,
) -> AppResult<approval::Model> {
    let requester = ctx
        .actor
        .clone()
        .ok_or_else(|| AppError::Unauthenticated("an approval needs a requester: authenticate (or send x-actor while authentication is off)".into()))?;
    if let Some(j) = &justification {
        validate::range("input.justification", j.chars().count(), 0, 10_000)?;
    }
    store::transaction(db, async |txn| {
        let version = get::<entity::model_version::Entity>(txn, ctx, version_id).await?;
        ctx.scope.check_write(&version.ns)?;
        let (policy_version, spec, _) = policy_for(txn, &version.ns).await?;
        let now = Utc::now();
        let row = approval::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(version.ns.clone()),
            model_version_id: Set(version.id),
            target_stage: Set(stage),
            status: Set(ApprovalStatus::Pending),
            justification: Set(justification.clone()),
            requested_by: Set(requester.clone()),
            reviewed_by: Set(None),
            review_comment: Set(None),
            decided_at: Set(None),
            expires_at: Set(now + Duration::hours(i64::from(spec.approval_ttl_hours))),
            policy_version: Set(policy_version),
            revision: Set(1),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let row = row.insert(txn).await?;
        record_event(
            txn,
            ctx,
            Change::of::<approval::Entity>("APPROVAL_REQUESTED", None, Some(&row))?,
        )
        .await?;
        let blocked = run_and_store_checks(txn, ctx, &row, &spec).await?;
        if !blocked {
            return Ok(row);
        }
        let mut a = row.clone().into_active_model();
        a.status = Set(ApprovalStatus::ChecksFailed);
        a.revision = Set(row.revision + 1);
        save(txn, ctx, &row, a, "CHECKS_FAILED").await
    })
    .await
}

/// Writes an approval change and its event; the caller has checked the role the change
/// needs (an APPROVER reviews without being an EDITOR).
async fn save(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    before: &approval::Model,
    row: approval::ActiveModel,
    action: &'static str,
) -> AppResult<approval::Model> {
    let after = row.update(txn).await?;
    record_event(
        txn,
        ctx,
        Change::of::<approval::Entity>(action, Some(before), Some(&after))?,
    )
    .await?;
    Ok(after)
}

/// The approval, locked, for a change by `ctx` (which must be able to read it).
async fn locked(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<approval::Model> {
    let row = get::<approval::Entity>(txn, ctx, id).await?;
    let mut q = approval::Entity::find_by_id(row.id);
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        use sea_orm::QuerySelect;
        q = q.lock_exclusive();
    }
    q.one(txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Approval {id}")))
}

fn expired(row: &approval::Model, now: DateTime<Utc>) -> bool {
    row.expires_at <= now
}

/// Runs the checks again (after a fix): PENDING or CHECKS_FAILED approvals only.
pub async fn rerun_checks(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<approval::Model> {
    store::transaction(db, async |txn| {
        let row = locked(txn, ctx, id).await?;
        ctx.scope.check_write(&row.ns)?;
        if !matches!(
            row.status,
            ApprovalStatus::Pending | ApprovalStatus::ChecksFailed
        ) || expired(&row, Utc::now())
        {
            return Err(AppError::InvalidTransition {
                from: row.status.as_str().to_owned(),
                to: "checks re-run".into(),
            });
        }
        let (_, spec, _) = policy_for(txn, &row.ns).await?;
        let blocked = run_and_store_checks(txn, ctx, &row, &spec).await?;
        let status = if blocked {
            ApprovalStatus::ChecksFailed
        } else {
            ApprovalStatus::Pending
        };
        let mut a = row.clone().into_active_model();
        a.status = Set(status);
        a.revision = Set(row.revision + 1);
        a.updated_at = Set(Utc::now());
        save(txn, ctx, &row, a, "CHECKS_RERUN").await
    })
    .await
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Approve.
    Approve,
    /// Reject.
    Reject,
}

/// Decides an approval: APPROVER on its namespace, not its requester, at the revision
/// seen (`CONFLICT` when stale), once (`INVALID_TRANSITION` after).
pub async fn review(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    decision: Decision,
    comment: Option<String>,
    expected_revision: i32,
) -> AppResult<approval::Model> {
    let reviewer = ctx
        .actor
        .clone()
        .ok_or_else(|| AppError::Unauthenticated("a review needs a reviewer".into()))?;
    store::transaction(db, async |txn| {
        let row = locked(txn, ctx, id).await?;
        ctx.scope.check(&row.ns, Role::Approver)?;
        if row.requested_by == reviewer {
            return Err(AppError::Forbidden("four-eyes: the requester cannot review their own approval".into()));
        }
        let now = Utc::now();
        if row.status == ApprovalStatus::Pending && expired(&row, now) {
            return Err(AppError::InvalidTransition { from: "EXPIRED".into(), to: "decided".into() });
        }
        if row.status != ApprovalStatus::Pending {
            return Err(AppError::InvalidTransition {
                from: row.status.as_str().to_owned(),
                to: match decision { Decision::Approve => "APPROVED", Decision::Reject => "REJECTED" }.to_owned(),
            });
        }
        if row.revision != expected_revision {
            return Err(AppError::conflict(
                Some("input.expectedRevision"),
                format!("the approval is at revision {}, not {expected_revision}: reload it", row.revision),
            ));
        }
        let (_, spec, _) = policy_for(txn, &row.ns).await?;
        let mut a = row.clone().into_active_model();
        a.status = Set(match decision {
            Decision::Approve => ApprovalStatus::Approved,
            Decision::Reject => ApprovalStatus::Rejected,
        });
        a.reviewed_by = Set(Some(reviewer.clone()));
        a.review_comment = Set(comment.clone());
        a.decided_at = Set(Some(now));
        if decision == Decision::Approve {
            a.expires_at = Set(now + Duration::hours(i64::from(spec.approval_ttl_hours)));
        }
        a.revision = Set(row.revision + 1);
        a.updated_at = Set(now);
        let action = match decision { Decision::Approve => "APPROVED", Decision::Reject => "REJECTED" };
        let after = save(txn, ctx, &row, a, action).await?;
        if decision == Decision::Approve {
            let evidence = crate::core::store::unscoped::<compliance_check::Entity>()
                .filter(compliance_check::Column::ApprovalId.eq(row.id))
                .order_by_asc(compliance_check::Column::CreatedAt)
                .all(txn)
                .await?;
            // The run it was decided on: the latest (every run stores its checks at one
            // instant); earlier runs stay in the approval's `checks`.
            let run_at = evidence.iter().map(|c| c.created_at).max();
            let evidence: Vec<Value> = evidence
                .iter()
                .filter(|c| Some(c.created_at) == run_at)
                .map(|c| json!({"check": c.check_kind.as_str(), "result": c.result.as_str(), "blocking": c.blocking, "evidence": c.evidence}))
                .collect();
            let edge = crate::lineage::service::edge_row(
                ctx,
                row.ns.clone(),
                "approvedBy",
                (NodeType::ModelVersion, row.model_version_id),
                (NodeType::Approval, row.id),
                json!({"approver": reviewer, "stage": row.target_stage.as_str(), "comment": comment, "checksRunAt": run_at, "checks": evidence}),
            );
            // The approver may not be an editor: the edge is the review's own record.
            let edge = edge.insert(txn).await?;
            record_event(txn, ctx, Change::of::<entity::edge::Entity>("CREATE", None, Some(&edge))?).await?;
        }
        Ok(after)
    })
    .await
}

/// Withdraws a pending (or checks-failed) approval: its requester only.
pub async fn withdraw(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<approval::Model> {
    store::transaction(db, async |txn| {
        let row = locked(txn, ctx, id).await?;
        if ctx.actor.as_deref() != Some(row.requested_by.as_str()) {
            return Err(AppError::Forbidden(
                "only the requester withdraws an approval".into(),
            ));
        }
        if !matches!(
            row.status,
            ApprovalStatus::Pending | ApprovalStatus::ChecksFailed
        ) {
            return Err(AppError::InvalidTransition {
                from: row.status.as_str().to_owned(),
                to: "WITHDRAWN".into(),
            });
        }
        let mut a = row.clone().into_active_model();
        a.status = Set(ApprovalStatus::Withdrawn);
        a.revision = Set(row.revision + 1);
        a.updated_at = Set(Utc::now());
        save(txn, ctx, &row, a, "WITHDRAWN").await
    })
    .await
}

/// Marks approvals past their `expiresAt` EXPIRED (pending ones not decided in time,
/// approved ones whose validity ended), each with its event. Returns how many.
pub async fn expire(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    let ctx = RequestContext {
        actor: Some("mlgraph:approval-expiry".into()),
        ..RequestContext::default()
    };
    let due = crate::core::store::unscoped::<approval::Entity>()
        .filter(approval::Column::Status.is_in([
            ApprovalStatus::Pending,
            ApprovalStatus::ChecksFailed,
            ApprovalStatus::Approved,
        ]))
        .filter(approval::Column::ExpiresAt.lte(now))
        .all(db)
        .await?;
    let mut n = 0;
    for row in due {
        let done = store::transaction(db, async |txn| {
            let current = locked(txn, &ctx, row.id).await?;
            if current.expires_at > now
                || !matches!(
                    current.status,
                    ApprovalStatus::Pending
                        | ApprovalStatus::ChecksFailed
                        | ApprovalStatus::Approved
                )
            {
                return Ok(false);
            }
            let mut a = current.clone().into_active_model();
            a.status = Set(ApprovalStatus::Expired);
            a.revision = Set(current.revision + 1);
            a.updated_at = Set(now);
            save(txn, &ctx, &current, a, "EXPIRED").await?;
            Ok(true)
        })
        .await?;
        n += usize::from(done);
    }
    Ok(n)
}

/// Runs [`expire`] every `every` (any instance may: each approval is locked and re-read).
pub fn spawn_expiry(db: DatabaseConnection, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match expire(&db, Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "approvals expired"),
                Err(e) => tracing::warn!(error = ?e, "approval expiry failed"),
            }
        }
    });
}

/// The gate: refuses (`APPROVAL_REQUIRED`) moving `version` to `stage` when the policy of
/// its namespace requires an approval and there is no approved, unexpired one for that
/// version and stage. Call it inside the promotion's transaction.
pub async fn require_approval(
    txn: &impl ConnectionTrait,
    version: &entity::model_version::Model,
    stage: ModelStage,
) -> AppResult<()> {
    let (_, spec, _) = policy_for(txn, &version.ns).await?;
    if !spec.require_approval_for.contains(&stage) {
        return Ok(());
    }
    let ok = crate::core::store::unscoped::<approval::Entity>()
        .filter(approval::Column::ModelVersionId.eq(version.id))
        .filter(approval::Column::TargetStage.eq(stage))
        .filter(approval::Column::Status.eq(ApprovalStatus::Approved))
        .filter(approval::Column::ExpiresAt.gt(Utc::now()))
        .one(txn)
        .await?;
    if ok.is_some() {
        Ok(())
    } else {
        Err(AppError::ApprovalRequired(format!(
            "the policy of {} requires an approved approval to move a version to {}: request one with requestApproval",
            version.ns,
            stage.as_str()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_found_nearest_first() {
        assert_eq!(
            ancestors("a.com/fraud/x"),
            vec!["a.com/fraud/x", "a.com/fraud", "a.com"]
        );
        assert_eq!(ancestors("a.com"), vec!["a.com"]);
    }

    #[test]
    fn the_default_policy_runs_every_check_and_gates_nothing() {
        let p = PolicySpec::default();
        assert_eq!(p.checks.len(), 5);
        assert!(p.require_approval_for.is_empty());
        let json = to_json(&p.checks).unwrap_or_default();
        let back: Vec<CheckSpec> = serde_json::from_value(json).unwrap_or_default();
        assert_eq!(back, p.checks);
    }
}

//! Governance over GraphQL: policies, approvals with their compliance checks, the
//! compliance facts the checks read (personal data on datasets, risk class on models,
//! security findings on versions) and the governance history.

pub mod checks;
pub mod service;
mod types;

use async_graphql::{Context, ID, Object, Result};

pub use crate::enums::{ApprovalStatus, CheckKind, CheckResult, FindingSeverity, RiskClass};
use chrono::Utc;
use entity::security_finding;
use sea_orm::{ColumnTrait, Condition, Set};
pub use types::*;

use crate::core::ids::{NodeType, decode_any, decode_as};
use crate::core::paging::PageArgs;
use crate::core::store;
use crate::error::AppError;
use crate::gql::api::{deps, top_list};
use crate::gql::connection::Conn;
use crate::graph::{Approval, Dataset, Event, Model, Policy, SecurityFinding};

crate::gql::declare::query_object! {
    /// Governance queries.
    GovernanceQuery;
    by_id {
        /// An approval by id.
        approval: Approval,
    }
    lists {
        /// Approvals, filtered and ordered (newest first by default).
        approvals: Approval,
    }
    resolvers {
        /// The policy in force for a namespace (its own or the nearest above; null for the
        /// default policy, which runs every check and gates nothing).
        async fn governance_policy(
            &self,
            ctx: &Context<'_>,
            ns: String,
            #[graphql(
                name = "asOf",
                desc = "As it was at this instant (nested fields inherit it)."
            )]
            _as_of: Option<chrono::DateTime<chrono::Utc>>,
        ) -> Result<Option<Policy>> {
            let d = crate::gql::api::deps(ctx)?;
            if !d.rc.scope.contains(&ns) {
                return Ok(None);
            }
            Ok(service::policy_for(&d.db, &ns).await?.2.map(Into::into))
        }
        /// Every governance step (approvals requested, checks run, decisions, policies,
        /// findings) of a model, a model version or a namespace, newest first.
        async fn governance_history(
            &self,
            ctx: &Context<'_>,
            of: Option<ID>,
            ns: Option<String>,
            first: Option<i32>,
            after: Option<String>,
        ) -> Result<Conn<Event>> {
            let d = deps(ctx)?;
            let kinds = ["Approval", "ComplianceCheck", "Policy", "SecurityFinding"];
            let mut cond = Condition::all().add(entity::event::Column::EntityType.is_in(kinds));
            match (of, ns) {
                (Some(of), _) => {
                    let (ty, id) = decode_any(&of, "of")?;
                    let ids = service::governed_ids(&d.db, ty, id).await?;
                    cond = cond.add(entity::event::Column::EntityId.is_in(ids));
                }
                (None, Some(ns)) => {
                    cond = cond.add(
                        Condition::any()
                            .add(entity::event::Column::Ns.eq(ns.clone()))
                            .add(
                                entity::event::Column::Ns.like(crate::core::like::like_literal(
                                    "",
                                    &format!("{ns}/"),
                                    "%",
                                )),
                            ),
                    );
                }
                (None, None) => {
                    return Err(
                        AppError::bad_input("of", "give `of` (a model or version) or `ns`").into(),
                    );
                }
            }
            top_list::<entity::event::Entity, _>(
                ctx,
                Ok(cond),
                crate::observability::EventOrder::keys(None),
                PageArgs::new(first, after, None, None, None),
                Event::from,
            )
            .await
        }
    }
}

/// Governance mutations.
#[derive(Default)]
pub struct GovernanceMutation;

fn stored_checks(checks: Vec<PolicyCheck>) -> Vec<service::CheckSpec> {
    checks
        .into_iter()
        .map(|c| service::CheckSpec {
            check: c.check.into(),
            blocking: c.blocking,
            threshold: c.threshold,
            metric: c.metric,
        })
        .collect()
}

#[Object]
impl GovernanceMutation {
    /// Sets a new version of a namespace's policy (ADMIN there).
    async fn set_governance_policy(
        &self,
        ctx: &Context<'_>,
        input: SetGovernancePolicyInput,
    ) -> Result<Policy> {
        let d = deps(ctx)?;
        let spec = service::PolicySpec {
            checks: stored_checks(input.checks),
            require_approval_for: input
                .require_approval_for
                .into_iter()
                .map(Into::into)
                .collect(),
            approval_ttl_hours: input.approval_ttl_hours,
        };
        Ok(service::set_policy(&d.state.db, d.rc, input.ns, spec)
            .await?
            .into())
    }

    /// Requests an approval (EDITOR): runs the policy's checks at once and answers it
    /// PENDING, or CHECKS_FAILED when a blocking check failed.
    async fn request_approval(
        &self,
        ctx: &Context<'_>,
        input: RequestApprovalInput,
    ) -> Result<Approval> {
        let d = deps(ctx)?;
        let version = decode_as(
            &input.model_version_id,
            NodeType::ModelVersion,
            "input.modelVersionId",
        )?;
        Ok(service::request_approval(
            &d.state.db,
            d.rc,
            version,
            input.target_stage.into(),
            input.justification,
        )
        .await?
        .into())
    }

    /// Runs an approval's checks again (after a fix).
    async fn rerun_compliance_checks(&self, ctx: &Context<'_>, id: ID) -> Result<Approval> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::Approval, "id")?;
        Ok(service::rerun_checks(&d.state.db, d.rc, id).await?.into())
    }

    /// Decides an approval: APPROVER on its namespace and not its requester (four-eyes).
    async fn review_approval(
        &self,
        ctx: &Context<'_>,
        input: ReviewApprovalInput,
    ) -> Result<Approval> {
        let d = deps(ctx)?;
        let id = decode_as(&input.id, NodeType::Approval, "input.id")?;
        let decision = match input.decision {
            ReviewDecision::Approve => service::Decision::Approve,
            ReviewDecision::Reject => service::Decision::Reject,
        };
        Ok(service::review(
            &d.state.db,
            d.rc,
            id,
            decision,
            input.comment,
            input.expected_revision,
        )
        .await?
        .into())
    }

    /// Withdraws an approval (its requester).
    async fn withdraw_approval(&self, ctx: &Context<'_>, id: ID) -> Result<Approval> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::Approval, "id")?;
        Ok(service::withdraw(&d.state.db, d.rc, id).await?.into())
    }

    /// Records a dataset's GDPR facts (EDITOR).
    async fn set_dataset_compliance(
        &self,
        ctx: &Context<'_>,
        input: SetDatasetComplianceInput,
    ) -> Result<Dataset> {
        let d = deps(ctx)?;
        let id = decode_as(&input.id, NodeType::Dataset, "input.id")?;
        if input.retention_days.is_some_and(|r| r <= 0) {
            return Err(AppError::bad_input("input.retentionDays", "must be positive").into());
        }
        let row = store::modify::<entity::dataset::Entity, _>(
            &d.state.db,
            d.rc,
            id,
            "COMPLIANCE_SET",
            |a| {
                a.personal_data = Set(input.personal_data);
                a.legal_basis = Set(input.legal_basis.clone());
                a.retention_days = Set(input.retention_days);
                a.updated_at = Set(Utc::now());
            },
        )
        .await?;
        Ok(row.into())
    }

    /// Records an erasure request on a dataset (GDPR art. 17): models trained on it fail
    /// the GDPR check until it is handled.
    async fn request_dataset_erasure(&self, ctx: &Context<'_>, id: ID) -> Result<Dataset> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::Dataset, "id")?;
        let row = store::modify::<entity::dataset::Entity, _>(
            &d.state.db,
            d.rc,
            id,
            "ERASURE_REQUESTED",
            |a| {
                a.erasure_requested_at = Set(Some(Utc::now()));
                a.updated_at = Set(Utc::now());
            },
        )
        .await?;
        Ok(row.into())
    }

    /// Records a model's EU AI Act facts (EDITOR).
    async fn set_model_compliance(
        &self,
        ctx: &Context<'_>,
        input: SetModelComplianceInput,
    ) -> Result<Model> {
        let d = deps(ctx)?;
        let id = decode_as(&input.id, NodeType::Model, "input.id")?;
        let row = store::modify::<entity::model::Entity, _>(
            &d.state.db,
            d.rc,
            id,
            "COMPLIANCE_SET",
            |a| {
                a.risk_class = Set(input.risk_class.map(Into::into));
                a.human_oversight = Set(input.human_oversight.clone());
                a.intended_purpose = Set(input.intended_purpose.clone());
                a.updated_at = Set(Utc::now());
            },
        )
        .await?;
        Ok(row.into())
    }

    /// Records an open security finding on a version (EDITOR).
    async fn record_security_finding(
        &self,
        ctx: &Context<'_>,
        input: RecordSecurityFindingInput,
    ) -> Result<SecurityFinding> {
        let d = deps(ctx)?;
        let version = decode_as(
            &input.model_version_id,
            NodeType::ModelVersion,
            "input.modelVersionId",
        )?;
        crate::core::validate::name("input.description", &input.description)?;
        let row = store::transaction(&d.state.db, async |txn| {
            let v = store::get::<entity::model_version::Entity>(txn, d.rc, version).await?;
            let now = Utc::now();
            let row = security_finding::ActiveModel {
                id: Set(crate::core::ids::new_id()),
                ns: Set(v.ns.clone()),
                model_version_id: Set(v.id),
                severity: Set(input.severity.into()),
                description: Set(input.description.clone()),
                resolved_at: Set(None),
                created_by: Set(d.rc.actor.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            };
            store::insert::<security_finding::Entity, _>(txn, d.rc, row).await
        })
        .await?;
        Ok(row.into())
    }

    /// Marks a security finding resolved (EDITOR).
    async fn resolve_security_finding(&self, ctx: &Context<'_>, id: ID) -> Result<SecurityFinding> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::SecurityFinding, "id")?;
        let row =
            store::modify::<security_finding::Entity, _>(&d.state.db, d.rc, id, "RESOLVED", |a| {
                a.resolved_at = Set(Some(Utc::now()));
                a.updated_at = Set(Utc::now());
            })
            .await?;
        Ok(row.into())
    }
}

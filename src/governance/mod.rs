//! Governance over GraphQL: policies, approvals with their compliance checks, the
//! compliance facts the checks read (personal data on datasets, risk class on models,
//! security findings on versions) and the governance history.

pub mod checks;
pub mod service;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

pub use crate::enums::{ApprovalStatus, CheckKind, CheckResult, FindingSeverity, RiskClass};
use chrono::Utc;
use entity::{approval, compliance_check, security_finding};
use sea_orm::{ColumnTrait, Condition, QueryFilter, Set};
use uuid::Uuid;

use crate::api::{deps, top_list};
use crate::core::ids::{NodeType, decode_any, decode_as};
use crate::core::paging::PageArgs;
use crate::core::store;
use crate::enums::ModelStage;
use crate::error::AppError;
use crate::gql::connection::Conn;
use crate::gql::filter::IdFilter;
use crate::graph::{Approval, ComplianceCheck, Dataset, Event, Model, Policy, SecurityFinding};

/// One check of a policy.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "PolicyCheckInput")]
pub struct PolicyCheck {
    /// Which check.
    pub check: CheckKind,
    /// Whether a FAIL blocks the approval.
    pub blocking: bool,
    /// Largest allowed |metric| (fairness, bias; default 0.1).
    pub threshold: Option<f64>,
    /// The metric read from `evaluatedOn` edges (fairness: `demographicParityDifference`,
    /// bias: `equalizedOddsDifference` by default).
    pub metric: Option<String>,
}

crate::gql::declare::node_type! {
    /// The fields of a [`Policy`] of its own.
    policy => PolicyFields;
    columns {
        /// The namespace it governs (and every namespace under it without its own policy).
        ns: Str,
        /// Its version (1, 2, ... per namespace).
        version: Copy(i32),
        /// How long approvals stay valid, in hours.
        approval_ttl_hours: Copy(i32),
        /// Who set it.
        created_by: OptStr,
        /// When.
        created_at: Time,
    }
    resolvers {
        /// The checks an approval runs.
        async fn checks(&self) -> Result<Vec<PolicyCheck>> {
            let spec: Vec<service::CheckSpec> = serde_json::from_value(self.0.checks.clone())
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(spec
                .into_iter()
                .map(|c| PolicyCheck {
                    check: c.check.into(),
                    blocking: c.blocking,
                    threshold: c.threshold,
                    metric: c.metric,
                })
                .collect())
        }
        /// Stages a version enters only with an approved approval.
        async fn require_approval_for(&self) -> Result<Vec<ModelStage>> {
            let stages: Vec<entity::enums::ModelStage> =
                serde_json::from_value(self.0.require_approval_for.clone())
                    .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(stages.into_iter().map(Into::into).collect())
        }
    }
}

crate::gql::declare::node_type! {
    /// The fields of an [`Approval`] of its own.
    approval => ApprovalFields, list ApprovalFilter, ApprovalOrder of "approvals";
    columns {
        /// Namespace.
        ns: Str filter,
        /// The stage it asks for.
        target_stage: Enum(ModelStage),
        /// Where it stands.
        status: Enum(ApprovalStatus),
        /// Why the requester asks.
        justification: OptStr,
        /// Who asked.
        requested_by: Str filter,
        /// Who decided.
        reviewed_by: OptStr,
        /// The reviewer's comment.
        review_comment: OptStr,
        /// When it was decided.
        decided_at: OptTime,
        /// Until when it may be decided (pending) or counts (approved).
        expires_at: Time,
        /// The policy version its checks ran under (0: the default policy).
        policy_version: Copy(i32),
        /// Bumped by every change; reviews name the revision they saw.
        revision: Copy(i32),
        /// When it was requested.
        created_at: Time filter order,
    }
    filter_columns {
        /// Its model version.
        model_version: IdFilter => ModelVersionId,
    }
    resolvers {
        /// The version to promote.
        async fn model_version(&self, ctx: &Context<'_>) -> Result<crate::graph::ModelVersion> {
            let d = deps(ctx)?;
            Ok(
                store::get::<entity::model_version::Entity>(&d.db, d.rc, self.0.model_version_id)
                    .await?
                    .into(),
            )
        }
        /// Every check result, latest run first.
        async fn checks(&self, ctx: &Context<'_>) -> Result<Vec<ComplianceCheck>> {
            use sea_orm::QueryOrder;
            let d = deps(ctx)?;
            let rows = store::scoped::<compliance_check::Entity>(d.rc)
                .filter(compliance_check::Column::ApprovalId.eq(self.0.id))
                .order_by_desc(compliance_check::Column::CreatedAt)
                .all(&d.db)
                .await
                .map_err(AppError::from_db)?;
            Ok(rows.into_iter().map(Into::into).collect())
        }
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`ComplianceCheck`] of its own.
    compliance_check => ComplianceCheckFields;
    columns {
        /// Namespace.
        ns: Str,
        /// Which check.
        check: Enum(CheckKind) = check_kind,
        /// PASS, WARN or FAIL.
        result: Enum(CheckResult),
        /// Whether a FAIL of it blocks.
        blocking: Copy(bool),
        /// What it looked at.
        evidence: Json,
        /// When it ran.
        created_at: Time,
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`SecurityFinding`] of its own.
    security_finding => SecurityFindingFields;
    columns {
        /// Namespace.
        ns: Str,
        /// How bad.
        severity: Enum(FindingSeverity),
        /// What.
        description: Str,
        /// When it was resolved (open while null).
        resolved_at: OptTime,
        /// Who recorded it.
        created_by: OptStr,
        /// When.
        created_at: Time,
    }
    resolvers {
        /// The version it concerns.
        async fn model_version_id(&self) -> ID {
            crate::core::ids::encode(NodeType::ModelVersion, self.0.model_version_id).into()
        }
    }
}

/// A policy to set.
#[derive(InputObject)]
pub struct SetGovernancePolicyInput {
    /// The namespace (and everything under it without a policy of its own).
    pub ns: String,
    /// The checks approvals run.
    pub checks: Vec<PolicyCheck>,
    /// Stages a version may enter only with an approved approval (e.g. `[PRODUCTION]`).
    pub require_approval_for: Vec<ModelStage>,
    /// How long approvals stay valid (default 720 hours).
    #[graphql(default = 720)]
    pub approval_ttl_hours: i32,
}

/// An approval to request.
#[derive(InputObject)]
pub struct RequestApprovalInput {
    /// The version.
    pub model_version_id: ID,
    /// The stage it should enter.
    pub target_stage: ModelStage,
    /// Why.
    pub justification: Option<String>,
}

/// A reviewer's decision.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ReviewDecision {
    /// Approve.
    Approve,
    /// Reject.
    Reject,
}

/// A review.
#[derive(InputObject)]
pub struct ReviewApprovalInput {
    /// The approval.
    pub id: ID,
    /// The decision.
    pub decision: ReviewDecision,
    /// Why.
    pub comment: Option<String>,
    /// The revision reviewed (`CONFLICT` when the approval changed since).
    pub expected_revision: i32,
}

/// GDPR facts of a dataset.
#[derive(InputObject)]
pub struct SetDatasetComplianceInput {
    /// The dataset.
    pub id: ID,
    /// Whether it holds personal data.
    pub personal_data: bool,
    /// The legal basis of processing (GDPR art. 6), e.g. `consent`, `contract`.
    pub legal_basis: Option<String>,
    /// How long the data is kept, in days.
    pub retention_days: Option<i32>,
}

/// EU AI Act facts of a model.
#[derive(InputObject)]
pub struct SetModelComplianceInput {
    /// The model.
    pub id: ID,
    /// Its risk class.
    pub risk_class: Option<RiskClass>,
    /// How humans oversee it (required for HIGH).
    pub human_oversight: Option<String>,
    /// What it is meant for (required for HIGH).
    pub intended_purpose: Option<String>,
}

/// A security finding to record.
#[derive(InputObject)]
pub struct RecordSecurityFindingInput {
    /// The version.
    pub model_version_id: ID,
    /// How bad.
    pub severity: FindingSeverity,
    /// What.
    pub description: String,
}

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
            let d = crate::api::deps(ctx)?;
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
                    let versions: Vec<Uuid> = match ty {
                        NodeType::ModelVersion => vec![id],
                        NodeType::Model => store::unscoped::<entity::model_version::Entity>()
                            .filter(entity::model_version::Column::ModelId.eq(id))
                            .all(&d.db)
                            .await
                            .map_err(AppError::from_db)?
                            .into_iter()
                            .map(|v| v.id)
                            .collect(),
                        _ => return Err(AppError::bad_input("of", "a model or a model version").into()),
                    };
                    let approvals: Vec<Uuid> = store::unscoped::<approval::Entity>()
                        .filter(approval::Column::ModelVersionId.is_in(versions.clone()))
                        .all(&d.db)
                        .await
                        .map_err(AppError::from_db)?
                        .into_iter()
                        .map(|a| a.id)
                        .collect();
                    let checks: Vec<Uuid> = store::unscoped::<compliance_check::Entity>()
                        .filter(compliance_check::Column::ApprovalId.is_in(approvals.clone()))
                        .all(&d.db)
                        .await
                        .map_err(AppError::from_db)?
                        .into_iter()
                        .map(|c| c.id)
                        .collect();
                    let findings: Vec<Uuid> = store::unscoped::<security_finding::Entity>()
                        .filter(security_finding::Column::ModelVersionId.is_in(versions))
                        .all(&d.db)
                        .await
                        .map_err(AppError::from_db)?
                        .into_iter()
                        .map(|f| f.id)
                        .collect();
                    let ids: Vec<Uuid> = approvals
                        .into_iter()
                        .chain(checks)
                        .chain(findings)
                        .collect();
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

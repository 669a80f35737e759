//! GraphQL types of governance: policies, approvals and their compliance checks, security
//! findings, and the inputs of its mutations.

use async_graphql::{Context, Enum, ID, InputObject, Result, SimpleObject};

use crate::enums::{ApprovalStatus, CheckKind, CheckResult, FindingSeverity, RiskClass};

use super::service;
use crate::core::ids::NodeType;
use crate::core::store;
use crate::enums::ModelStage;
use crate::error::AppError;
use crate::gql::api::deps;
use crate::gql::filter::IdFilter;
use crate::graph::ComplianceCheck;

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
            let d = deps(ctx)?;
            let rows = service::checks_of(&d.db, d.rc, self.0.id).await?;
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

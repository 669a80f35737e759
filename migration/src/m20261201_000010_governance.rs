//! Governance: compliance facts on datasets and models, security findings on model
//! versions, per-namespace policies (versioned), approvals and the results of their
//! compliance checks.

use crate::schema_helpers::{check, check_in, foreign_key, id, index, table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, integer_null, json_binary, string, string_null, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid,
};

/// Adds the governance tables and columns.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000010_governance"
    }
}

const STAGES: &[&str] = &["NONE", "STAGING", "PRODUCTION", "ARCHIVED"];

fn tables() -> Vec<TableCreateStatement> {
    use ForeignKeyAction::Cascade;
    let mut out = Vec::new();
    let t = "security_findings";
    out.push(
        table(t)
            .col(uuid(id("model_version_id")))
            .col(string(id("severity")))
            .col(text(id("description")))
            .col(timestamp_with_time_zone_null(id("resolved_at")))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(
                t,
                "model_version_id",
                "model_versions",
                Cascade,
            ))
            .check(check_in(
                t,
                "severity",
                &["LOW", "MEDIUM", "HIGH", "CRITICAL"],
            ))
            .to_owned(),
    );
    let t = "policies";
    out.push(
        table(t)
            .col(integer(id("version")))
            .col(json_binary(id("checks")))
            .col(json_binary(id("require_approval_for")))
            .col(integer(id("approval_ttl_hours")))
            .col(string_null(id("created_by")))
            .check(check(
                t,
                "approval_ttl_hours",
                "approval_ttl_hours > 0".into(),
            ))
            .to_owned(),
    );
    let t = "approvals";
    out.push(
        table(t)
            .col(uuid(id("model_version_id")))
            .col(string(id("target_stage")))
            .col(string(id("status")))
            .col(text_null(id("justification")))
            .col(string(id("requested_by")))
            .col(string_null(id("reviewed_by")))
            .col(text_null(id("review_comment")))
            .col(timestamp_with_time_zone_null(id("decided_at")))
            .col(timestamp_with_time_zone(id("expires_at")))
            .col(integer(id("policy_version")))
            .col(integer(id("revision")))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(
                t,
                "model_version_id",
                "model_versions",
                Cascade,
            ))
            .check(check_in(t, "target_stage", STAGES))
            .check(check_in(
                t,
                "status",
                &[
                    "PENDING",
                    "CHECKS_FAILED",
                    "APPROVED",
                    "REJECTED",
                    "WITHDRAWN",
                    "EXPIRED",
                ],
            ))
            .to_owned(),
    );
    let t = "compliance_checks";
    out.push(
        table(t)
            .col(uuid(id("approval_id")))
            .col(string(id("check_kind")))
            .col(string(id("result")))
            .col(boolean(id("blocking")))
            .col(json_binary(id("evidence")))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(t, "approval_id", "approvals", Cascade))
            .check(check_in(
                t,
                "check_kind",
                &["GDPR", "EU_AI_ACT", "FAIRNESS", "BIAS", "SECURITY"],
            ))
            .check(check_in(t, "result", &["PASS", "WARN", "FAIL"]))
            .to_owned(),
    );
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in tables() {
            manager.create_table(t).await?;
        }
        manager
            .create_index(index("policies", &["ns", "version"], true))
            .await?;
        manager
            .create_index(index(
                "approvals",
                &["model_version_id", "created_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index("compliance_checks", &["approval_id"], false))
            .await?;
        manager
            .create_index(index("security_findings", &["model_version_id"], false))
            .await?;
        // Compliance facts the checks read (one column per statement: SQLite).
        let columns = [
            (
                "datasets",
                boolean(id("personal_data")).default(false).to_owned(),
            ),
            ("datasets", text_null(id("legal_basis"))),
            ("datasets", integer_null(id("retention_days"))),
            (
                "datasets",
                timestamp_with_time_zone_null(id("erasure_requested_at")),
            ),
            ("models", string_null(id("risk_class"))),
            ("models", text_null(id("human_oversight"))),
            ("models", text_null(id("intended_purpose"))),
        ];
        for (t, mut c) in columns {
            manager
                .alter_table(Table::alter().table(id(t)).add_column(&mut c).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "compliance_checks",
            "approvals",
            "policies",
            "security_findings",
        ] {
            manager
                .drop_table(Table::drop().table(id(t)).to_owned())
                .await?;
        }
        for (t, c) in [
            ("datasets", "personal_data"),
            ("datasets", "legal_basis"),
            ("datasets", "retention_days"),
            ("datasets", "erasure_requested_at"),
            ("models", "risk_class"),
            ("models", "human_oversight"),
            ("models", "intended_purpose"),
        ] {
            manager
                .alter_table(Table::alter().table(id(t)).drop_column(id(c)).to_owned())
                .await?;
        }
        Ok(())
    }
}

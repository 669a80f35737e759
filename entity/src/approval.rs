//! `approvals`: a request to move a model version to a stage, its checks and review.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ApprovalStatus, ModelStage};

/// An approval.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "approvals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub model_version_id: Uuid,
    pub target_stage: ModelStage,
    pub status: ApprovalStatus,
    pub justification: Option<String>,
    pub requested_by: String,
    pub reviewed_by: Option<String>,
    pub review_comment: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub expires_at: DateTimeUtc,
    pub policy_version: i32,
    pub revision: i32,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `security_findings`: a security problem recorded on a model version (open until resolved).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::FindingSeverity;

/// A finding.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "security_findings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub model_version_id: Uuid,
    pub severity: FindingSeverity,
    pub description: String,
    pub resolved_at: Option<DateTimeUtc>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `policies`: a namespace's governance policy, one row per version.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A policy version.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub version: i32,
    /// `[{"check": "GDPR", "blocking": true, "threshold": 0.1, "metric": "..."}]`
    pub checks: Json,
    /// Stages that need an approved approval, e.g. `["PRODUCTION"]`.
    pub require_approval_for: Json,
    pub approval_ttl_hours: i32,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

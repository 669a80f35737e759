//! `pattern_recognition_jobs`: standalone pattern-detection batch jobs.

use crate::enums::JobStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A pattern recognition job row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "pattern_recognition_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub name: String,
    pub pattern_type: String,
    pub status: JobStatus,
    pub config: Json,
    pub results: Option<Json>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Standalone: no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

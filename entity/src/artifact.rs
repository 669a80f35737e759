//! `artifacts`: files of a node, kept in an object store.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ArtifactStatus;

/// An artifact row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "artifacts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub owner_type: String,
    pub owner_id: Uuid,
    pub path: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub bucket: String,
    pub object_key: String,
    pub status: ArtifactStatus,
    pub failure_reason: Option<String>,
    pub deduplicated: bool,
    pub upload_id: Option<String>,
    pub part_size: Option<i64>,
    pub part_count: Option<i32>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub verified_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub object_deleted_at: Option<DateTimeUtc>,
}

/// The owner is polymorphic (`owner_type`, `owner_id`): no foreign key; the sweeper
/// marks the artifacts of owners that are gone.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

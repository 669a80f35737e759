//! `model_aliases`: a named pointer (`champion`, `prod`) from a model to one of its
//! versions; unique per model.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An alias row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "model_aliases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub model_id: Uuid,
    pub alias: String,
    pub model_version_id: Uuid,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

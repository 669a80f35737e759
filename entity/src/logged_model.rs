//! `logged_models`: a model an MLflow run logged (MLflow 3), before or besides its
//! registration as a model version.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A logged model row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "logged_models")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub experiment_id: Uuid,
    pub source_run_id: Option<Uuid>,
    pub name: String,
    pub model_type: Option<String>,
    pub status: String,
    pub status_message: Option<String>,
    pub params: Json,
    pub tags: Json,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

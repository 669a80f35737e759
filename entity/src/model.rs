//! `models`: a logical model; its artifacts live in numbered `model_versions`.

use crate::enums::ModelStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A model row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "models")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub workflow_id: Option<Uuid>,
    pub name: String,
    pub description: Option<String>,
    pub task: Option<String>,
    pub framework: Option<String>,
    pub status: ModelStatus,
    /// Last version number handed out; bumped atomically to number new versions.
    pub version_seq: i32,
    pub risk_class: Option<crate::enums::RiskClass>,
    pub human_oversight: Option<String>,
    pub intended_purpose: Option<String>,
    pub tags: Option<Json>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a model.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The workflow that owns it (optional).
    #[sea_orm(
        belongs_to = "super::workflow::Entity",
        from = "Column::WorkflowId",
        to = "super::workflow::Column::Id"
    )]
    Workflow,
}

impl ActiveModelBehavior for ActiveModel {}

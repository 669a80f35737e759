//! `workflows`: a pipeline definition (DAG config JSON and status).

use crate::enums::WorkflowStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A workflow row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "workflows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub name: String,
    pub description: Option<String>,
    pub status: WorkflowStatus,
    pub config: Json,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Workflows own datasets, models and experiments (by their `workflow_id`).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `experiments`: a hyperparameter search, A/B test or evaluation grouping training jobs.

use crate::enums::{ExperimentStatus, ExperimentType};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An experiment row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "experiments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub workflow_id: Option<Uuid>,
    pub name: String,
    pub description: Option<String>,
    pub experiment_type: ExperimentType,
    pub status: ExperimentStatus,
    pub config: Json,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of an experiment.
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

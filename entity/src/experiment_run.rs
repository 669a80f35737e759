//! `experiment_runs`: the numbered runs of a training job (hyperparameters, metrics).

use crate::enums::RunStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An experiment run row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "experiment_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub training_job_id: Uuid,
    pub run_number: i32,
    pub hyperparameters: Json,
    pub metrics: Json,
    pub duration_seconds: Option<f64>,
    pub status: RunStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a run.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The job it belongs to (cascade).
    #[sea_orm(
        belongs_to = "super::training_job::Entity",
        from = "Column::TrainingJobId",
        to = "super::training_job::Column::Id"
    )]
    TrainingJob,
}

impl ActiveModelBehavior for ActiveModel {}

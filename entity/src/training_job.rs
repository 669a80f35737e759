//! `training_jobs`: a unit of training work with a status state machine.

use crate::enums::TrainingJobStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A training job row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "training_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub experiment_id: Option<Uuid>,
    pub model_id: Option<Uuid>,
    pub dataset_version_id: Option<Uuid>,
    /// The pipeline it runs (its deletion takes the job).
    pub pipeline_id: Option<Uuid>,
    /// The pipeline as it was when the job was created (never changed).
    pub pipeline_snapshot: Option<Json>,
    pub name: String,
    pub status: TrainingJobStatus,
    pub priority: i32,
    pub progress: f64,
    pub current_step: Option<String>,
    pub config: Json,
    pub worker: Option<String>,
    pub heartbeat_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub error: Option<String>,
    /// Traceback reported with a failure.
    pub traceback: Option<String>,
    /// Bumped on every change; clients pass it back for optimistic concurrency.
    pub revision: i32,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a training job.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The experiment it belongs to (cascade).
    #[sea_orm(
        belongs_to = "super::experiment::Entity",
        from = "Column::ExperimentId",
        to = "super::experiment::Column::Id"
    )]
    Experiment,
    /// The model it trains.
    #[sea_orm(
        belongs_to = "super::model::Entity",
        from = "Column::ModelId",
        to = "super::model::Column::Id"
    )]
    Model,
    /// The dataset version it trains on (deletion of that version is refused).
    #[sea_orm(
        belongs_to = "super::dataset_version::Entity",
        from = "Column::DatasetVersionId",
        to = "super::dataset_version::Column::Id"
    )]
    DatasetVersion,
}

impl ActiveModelBehavior for ActiveModel {}

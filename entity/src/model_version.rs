//! `model_versions`: numbered versions of a model with artifact, metrics and stage.

use crate::enums::ModelStage;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A model version row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "model_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub model_id: Uuid,
    pub version: i32,
    pub artifact_uri: Option<String>,
    pub checksum: Option<String>,
    pub size_bytes: Option<i64>,
    pub metrics: Json,
    pub params: Json,
    pub stage: ModelStage,
    /// The version this one was derived from (fine-tuned, distilled, ...).
    pub parent_version_id: Option<Uuid>,
    /// The training job that produced it; survives that job's deletion.
    pub training_job_id: Option<Uuid>,
    pub tags: Option<Json>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a model version.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The model it versions.
    #[sea_orm(
        belongs_to = "super::model::Entity",
        from = "Column::ModelId",
        to = "super::model::Column::Id"
    )]
    Model,
    /// The training job that produced it.
    #[sea_orm(
        belongs_to = "super::training_job::Entity",
        from = "Column::TrainingJobId",
        to = "super::training_job::Column::Id"
    )]
    TrainingJob,
}

impl ActiveModelBehavior for ActiveModel {}

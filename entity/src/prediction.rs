//! `predictions`: inference records (high volume).

use crate::enums::PredictionStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A prediction row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "predictions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub endpoint_id: Uuid,
    pub model_version_id: Option<Uuid>,
    pub input: Json,
    pub output: Option<Json>,
    pub latency_ms: Option<f64>,
    pub confidence: Option<f64>,
    pub status: PredictionStatus,
    pub completed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a prediction.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The endpoint that served it (cascade).
    #[sea_orm(
        belongs_to = "super::endpoint::Entity",
        from = "Column::EndpointId",
        to = "super::endpoint::Column::Id"
    )]
    Endpoint,
    /// The model version that answered (set null when it goes).
    #[sea_orm(
        belongs_to = "super::model_version::Entity",
        from = "Column::ModelVersionId",
        to = "super::model_version::Column::Id"
    )]
    ModelVersion,
}

impl ActiveModelBehavior for ActiveModel {}

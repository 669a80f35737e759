//! `job_run_metrics`: every logged value of a run's metrics (the history; the run keeps
//! the latest of each).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One logged metric value.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "job_run_metrics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub run_id: Uuid,
    pub key: String,
    pub value: f64,
    pub timestamp_ms: i64,
    pub step: i64,
    /// The logged model the value measures (MLflow 3's `model_id`), when the client said.
    pub model_id: Option<Uuid>,
    /// The name of the dataset the value was measured on, when the client said.
    pub dataset_name: Option<String>,
    /// That dataset's digest, when the client said.
    pub dataset_digest: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

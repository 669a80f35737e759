//! `metric_points`: one observation of a model version's metric.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A metric point.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "metric_points")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub model_version_id: Uuid,
    pub endpoint_id: Option<Uuid>,
    pub deployment_id: Option<Uuid>,
    pub name: String,
    pub value: f64,
    pub ts: DateTimeUtc,
    pub labels: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

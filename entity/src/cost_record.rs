//! `cost_records`: one cost, in millionths of its currency.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A cost record.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "cost_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub provider: String,
    pub model_version_id: Option<Uuid>,
    pub endpoint_id: Option<Uuid>,
    pub units: Option<i64>,
    pub unit: Option<String>,
    pub amount_micros: i64,
    pub currency: String,
    pub ts: DateTimeUtc,
    pub labels: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

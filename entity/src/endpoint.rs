//! `endpoints`: a serving endpoint in an environment.

use crate::enums::{EndpointStatus, Environment};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An endpoint row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub name: String,
    pub description: Option<String>,
    pub environment: Environment,
    pub region: Option<String>,
    pub url: Option<String>,
    pub status: EndpointStatus,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Endpoints have deployments and predictions (by their `endpoint_id`).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

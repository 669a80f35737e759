//! `cloud_run_services`: container services with revisions in `service_deployments`.

use crate::enums::ServiceStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A Cloud Run service row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "cloud_run_services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub name: String,
    pub region: String,
    pub url: Option<String>,
    pub image: String,
    pub status: ServiceStatus,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Services have deployments (by `service_id`).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `service_deployments`: revisions of a Cloud Run service with a traffic share.

use crate::enums::DeploymentStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A service deployment row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "service_deployments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub service_id: Uuid,
    pub revision: String,
    pub image: String,
    pub traffic_percent: i32,
    pub status: DeploymentStatus,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a service deployment.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The service (cascade).
    #[sea_orm(
        belongs_to = "super::cloud_run_service::Entity",
        from = "Column::ServiceId",
        to = "super::cloud_run_service::Column::Id"
    )]
    Service,
}

impl ActiveModelBehavior for ActiveModel {}

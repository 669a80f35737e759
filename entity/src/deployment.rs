//! `deployments`: a model version deployed to an endpoint with a share of its traffic.

use crate::enums::DeploymentStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A deployment row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "deployments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub endpoint_id: Uuid,
    pub model_version_id: Uuid,
    pub traffic_percent: i32,
    pub min_replicas: i32,
    pub max_replicas: i32,
    pub machine_type: Option<String>,
    pub status: DeploymentStatus,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a deployment.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The endpoint (cascade).
    #[sea_orm(
        belongs_to = "super::endpoint::Entity",
        from = "Column::EndpointId",
        to = "super::endpoint::Column::Id"
    )]
    Endpoint,
    /// The deployed model version (its deletion is refused while deployed).
    #[sea_orm(
        belongs_to = "super::model_version::Entity",
        from = "Column::ModelVersionId",
        to = "super::model_version::Column::Id"
    )]
    ModelVersion,
}

impl ActiveModelBehavior for ActiveModel {}

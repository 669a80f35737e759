//! `datasets`: a logical dataset; its content lives in immutable `dataset_versions`.

use crate::enums::DatasetType;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A dataset row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "datasets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub workflow_id: Option<Uuid>,
    pub name: String,
    pub description: Option<String>,
    pub data_type: DatasetType,
    pub format: Option<String>,
    pub storage_uri: Option<String>,
    /// Last version number handed out; bumped atomically to number new versions.
    pub version_seq: i32,
    pub personal_data: bool,
    pub legal_basis: Option<String>,
    pub retention_days: Option<i32>,
    pub erasure_requested_at: Option<DateTimeUtc>,
    pub facets: Option<Json>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a dataset.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The workflow that owns it (optional; set null when the workflow goes).
    #[sea_orm(
        belongs_to = "super::workflow::Entity",
        from = "Column::WorkflowId",
        to = "super::workflow::Column::Id"
    )]
    Workflow,
}

impl ActiveModelBehavior for ActiveModel {}

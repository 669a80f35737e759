//! `pipelines`: a validated DAG of steps over a dataset; training jobs run it.

use crate::enums::PipelineStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A pipeline row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "pipelines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    /// The workflow it belongs to, if any.
    pub workflow_id: Option<Uuid>,
    /// The dataset it reads (the dataset's deletion is refused while it does).
    pub dataset_id: Option<Uuid>,
    pub name: String,
    pub description: Option<String>,
    /// The DAG: `{"nodes": [{"id", "type", "params"}], "edges": [{"from", "to"}]}`.
    pub config: Json,
    /// Numbered per owner (namespace and creator): 1 for their first pipeline.
    pub version: i32,
    pub status: PipelineStatus,
    pub validated_at: Option<DateTimeUtc>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a pipeline.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

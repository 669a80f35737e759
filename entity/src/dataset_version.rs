//! `dataset_versions`: immutable numbered versions of a dataset.

use crate::enums::DatasetSplit;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A dataset version row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "dataset_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub dataset_id: Uuid,
    pub version: i32,
    pub storage_uri: String,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub row_count: Option<i64>,
    pub schema: Option<Json>,
    pub split: DatasetSplit,
    pub source_version: Option<String>,
    /// Upload lifecycle (null for versions registered by URI, not uploaded).
    pub upload_status: Option<crate::enums::DatasetUploadStatus>,
    /// The uploaded file's MIME type.
    pub content_type: Option<String>,
    /// Columns found by validation.
    pub num_columns: Option<i32>,
    /// Column names found by validation (a JSON array).
    pub column_names: Option<Json>,
    /// Problems validation found (`{count, errors: [{row, message}]}`).
    pub validation_errors: Option<Json>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a dataset version.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The dataset it versions (cascade: meaningless without it).
    #[sea_orm(
        belongs_to = "super::dataset::Entity",
        from = "Column::DatasetId",
        to = "super::dataset::Column::Id"
    )]
    Dataset,
}

impl ActiveModelBehavior for ActiveModel {}

//! `eda_reports`: an exploratory report of a dataset version's file; the summary always
//! in the database, the full report inline under 1 MB, else an object on S3.

use crate::enums::{EdaReportStatus, ReportStorage};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An EDA report row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "eda_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub dataset_id: Uuid,
    pub dataset_version_id: Option<Uuid>,
    /// Rows, columns, missing % and type per column.
    pub summary: Json,
    pub report_size_bytes: Option<i64>,
    pub storage_location: Option<ReportStorage>,
    pub full_report: Option<Json>,
    pub s3_bucket: Option<String>,
    pub s3_key: Option<String>,
    /// The artifact holding the report when it is on S3.
    pub artifact_id: Option<Uuid>,
    pub report_version: String,
    pub generation_seconds: Option<f64>,
    pub status: EdaReportStatus,
    pub error: Option<String>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a report.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

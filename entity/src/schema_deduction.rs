//! `schema_deductions`: a proposed schema of a dataset (by mlgraph's inference or an
//! external agent), accepted or rejected by a person.

use crate::enums::SchemaDeductionStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A schema deduction row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "schema_deductions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub dataset_id: Uuid,
    /// The version whose file it was deduced from.
    pub dataset_version_id: Option<Uuid>,
    /// `{"columns": [{"name", "type", "nullable", "format"}]}`.
    pub proposed_schema: Json,
    /// Per column: sample values and confidence.
    pub column_metadata: Json,
    /// 0 to 1.
    pub confidence: f64,
    pub agent_version: String,
    pub status: SchemaDeductionStatus,
    pub rejection_reason: Option<String>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations of a deduction.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

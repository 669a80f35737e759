//! `job_runs`: one execution of a job (an OpenLineage run of a workflow) or of an
//! experiment (an MLflow run), as the tool that ran it reported it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{JobRunSource, JobRunState};

/// A job run row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    /// The id the reporting tool gave the run (OpenLineage's `runId`), unique within `ns`.
    pub external_id: Option<Uuid>,
    pub workflow_id: Option<Uuid>,
    pub experiment_id: Option<Uuid>,
    pub parent_run_id: Option<Uuid>,
    pub source: JobRunSource,
    pub name: String,
    pub state: JobRunState,
    pub state_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub params: Json,
    pub metrics: Json,
    pub tags: Json,
    pub facets: Json,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When an MLflow client deleted it (MLflow's `lifecycle_stage: deleted`); restorable.
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

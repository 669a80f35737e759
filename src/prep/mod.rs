//! Data preparation: pipelines (a DAG of steps over a dataset that training jobs run).
//!
//! A pipeline's configuration is checked on every save ([`dag::check`]): a save with a
//! problem is refused (`BAD_USER_INPUT`, every problem in the message, each naming its
//! node), so a stored pipeline is always a valid DAG. Status: `DRAFT` while it has no
//! steps (or when set back to it), `VALIDATED` once it has, `ARCHIVED` when retired (an
//! archived pipeline is neither changed nor run until it is set back to `DRAFT` or
//! `VALIDATED`). Versions are numbered per owner: a creator's first pipeline in a
//! namespace is 1, the next 2.
//!
//! Lineage: `dataset --usedBy--> pipeline` (kept with the pipeline's dataset) and
//! `trainingJob --runOf--> pipeline` (written when a job is created from it), so
//! `downstream` of a dataset reaches the pipeline, its jobs and the versions they
//! produced. Delete rules (migration `000020_pipelines`): a dataset a pipeline reads
//! cannot be deleted, a pipeline takes its training jobs with it, a training job that
//! produced model versions cannot be deleted.

pub mod commands;
pub mod convert;
pub mod dag;
pub mod profile;
pub mod service;
mod types;
pub mod uploads;

pub use types::*;

use async_graphql::{Context, ID, Json, Object, Result};
use entity::{pipeline, training_job};

use crate::core::ids::{NodeType, decode_as};
use crate::gql::api::{deps, load_ref};
use crate::graph::Pipeline;

pub use dag::{PipelineProblem, STEP_TYPES, StepType};

crate::gql::declare::query_object! {
    /// Pipeline queries.
    PrepQuery;
    by_id {
        /// A pipeline by id.
        pipeline: Pipeline,
    }
    lists {
        /// Pipelines, filtered and ordered.
        pipelines: Pipeline,
    }
    resolvers {
        /// The step types a pipeline node may have, with their required parameters.
        async fn pipeline_step_types(&self) -> Vec<PipelineStepType> {
            STEP_TYPES
                .iter()
                .map(|s| PipelineStepType {
                    name: s.name,
                    description: s.description,
                    required_params: s.required.to_vec(),
                })
                .collect()
        }
        /// Checks a pipeline configuration without saving it: every problem, each naming its
        /// node (empty when it is a valid DAG).
        async fn check_pipeline_config(&self, config: Json<serde_json::Value>) -> Vec<PipelineProblem> {
            dag::check(&config.0).err().unwrap_or_default()
        }
    }
}

/// Pipeline mutations.
#[derive(Default)]
pub struct PrepMutation;

#[Object]
impl PrepMutation {
    /// Creates a pipeline; its configuration must be a valid DAG (EDITOR).
    async fn create_pipeline(
        &self,
        ctx: &Context<'_>,
        input: CreatePipelineInput,
    ) -> Result<Pipeline> {
        let d = deps(ctx)?;
        Ok(Pipeline::from(
            service::create(&d.state.db, d.rc, input.into_command()?).await?,
        ))
    }
    /// Changes a pipeline; a new configuration is checked again (EDITOR).
    async fn update_pipeline(
        &self,
        ctx: &Context<'_>,
        input: UpdatePipelineInput,
    ) -> Result<Pipeline> {
        let d = deps(ctx)?;
        Ok(Pipeline::from(
            service::update(&d.state.db, d.rc, input.into_command()?).await?,
        ))
    }
    /// Deletes a pipeline with its training jobs (refused while one of them produced a
    /// model version).
    async fn delete_pipeline(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::Pipeline, "id")?;
        crate::lineage::service::delete_node::<pipeline::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
}

/// The pipeline a training job runs, and its snapshot.
pub(crate) async fn job_pipeline(
    ctx: &Context<'_>,
    job: &training_job::Model,
) -> Result<Option<Pipeline>> {
    load_ref::<pipeline::Entity, _>(ctx, job.pipeline_id, Pipeline::from).await
}

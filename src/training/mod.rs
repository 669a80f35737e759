//! Experiments, training jobs, their runs, and pattern-recognition jobs.

pub mod service;
mod types;

use async_graphql::{Context, ID, Object, Result};
use entity::{experiment, experiment_run, pattern_recognition_job, training_job};

pub use types::*;

use crate::api::{deps, page_cost, top_list};
use crate::core::filter::cond_of;
use crate::core::ids::{NodeType, decode_as};
use crate::core::paging::{Conn, PageArgs};
use crate::core::store;

/// Training queries.
#[derive(Default)]
pub struct TrainingQuery;

#[Object]
impl TrainingQuery {
    /// A experiment by id.
    async fn experiment(&self, ctx: &Context<'_>, id: ID) -> Result<Experiment> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::Experiment, "id")?;
        Ok(Experiment(
            store::get::<experiment::Entity>(&d.state.db, d.rc, id).await?,
        ))
    }
    /// Experiments, filtered and ordered.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn experiments(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExperimentFilter>,
        order_by: Option<Vec<ExperimentOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<Experiment>> {
        top_list::<experiment::Entity, _>(
            ctx,
            cond_of(&filter),
            ExperimentOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            Experiment,
        )
        .await
    }
    /// A training job by id.
    async fn training_job(&self, ctx: &Context<'_>, id: ID) -> Result<TrainingJob> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::TrainingJob, "id")?;
        Ok(TrainingJob(
            store::get::<training_job::Entity>(&d.state.db, d.rc, id).await?,
        ))
    }
    /// Training jobs, filtered and ordered.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn training_jobs(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingJobFilter>,
        order_by: Option<Vec<TrainingJobOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<TrainingJob>> {
        top_list::<training_job::Entity, _>(
            ctx,
            cond_of(&filter),
            TrainingJobOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            TrainingJob,
        )
        .await
    }
    /// A experiment run by id.
    async fn experiment_run(&self, ctx: &Context<'_>, id: ID) -> Result<ExperimentRun> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::ExperimentRun, "id")?;
        Ok(ExperimentRun(
            store::get::<experiment_run::Entity>(&d.state.db, d.rc, id).await?,
        ))
    }
    /// Experiment runs, filtered and ordered.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn experiment_runs(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExperimentRunFilter>,
        order_by: Option<Vec<ExperimentRunOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<ExperimentRun>> {
        top_list::<experiment_run::Entity, _>(
            ctx,
            cond_of(&filter),
            ExperimentRunOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            ExperimentRun,
        )
        .await
    }
    /// A pattern recognition job by id.
    async fn pattern_recognition_job(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<PatternRecognitionJob> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::PatternRecognitionJob, "id")?;
        Ok(PatternRecognitionJob(
            store::get::<pattern_recognition_job::Entity>(&d.state.db, d.rc, id).await?,
        ))
    }
    /// Pattern recognition jobs, filtered and ordered.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn pattern_recognition_jobs(
        &self,
        ctx: &Context<'_>,
        filter: Option<PatternRecognitionJobFilter>,
        order_by: Option<Vec<PatternRecognitionJobOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<PatternRecognitionJob>> {
        top_list::<pattern_recognition_job::Entity, _>(
            ctx,
            cond_of(&filter),
            PatternRecognitionJobOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            PatternRecognitionJob,
        )
        .await
    }
}

/// Training mutations.
#[derive(Default)]
pub struct TrainingMutation;

#[Object]
impl TrainingMutation {
    /// Creates a experiment.
    async fn create_experiment(
        &self,
        ctx: &Context<'_>,
        input: CreateExperimentInput,
    ) -> Result<Experiment> {
        let d = deps(ctx)?;
        Ok(Experiment(
            service::create_experiment(&d.state.db, d.rc, input).await?,
        ))
    }
    /// Updates a experiment.
    async fn update_experiment(
        &self,
        ctx: &Context<'_>,
        input: UpdateExperimentInput,
    ) -> Result<Experiment> {
        let d = deps(ctx)?;
        Ok(Experiment(
            service::update_experiment(&d.state.db, d.rc, input).await?,
        ))
    }
    /// Deletes an experiment with its training jobs and their runs (model versions they produced stay).
    async fn delete_experiment(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::Experiment, "id")?;
        store::delete::<experiment::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
    /// Creates a training job.
    async fn create_training_job(
        &self,
        ctx: &Context<'_>,
        input: CreateTrainingJobInput,
    ) -> Result<TrainingJob> {
        let d = deps(ctx)?;
        Ok(TrainingJob(
            service::create_training_job(&d.state.db, d.rc, input).await?,
        ))
    }
    /// Updates a training job.
    async fn update_training_job(
        &self,
        ctx: &Context<'_>,
        input: UpdateTrainingJobInput,
    ) -> Result<TrainingJob> {
        let d = deps(ctx)?;
        Ok(TrainingJob(
            service::update_training_job(&d.state.db, d.rc, input).await?,
        ))
    }
    /// Deletes a training job with its runs (model versions it produced stay).
    async fn delete_training_job(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::TrainingJob, "id")?;
        store::delete::<training_job::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
    /// Creates a experiment run.
    async fn create_experiment_run(
        &self,
        ctx: &Context<'_>,
        input: CreateExperimentRunInput,
    ) -> Result<ExperimentRun> {
        let d = deps(ctx)?;
        Ok(ExperimentRun(
            service::create_experiment_run(&d.state.db, d.rc, input).await?,
        ))
    }
    /// Updates a experiment run.
    async fn update_experiment_run(
        &self,
        ctx: &Context<'_>,
        input: UpdateExperimentRunInput,
    ) -> Result<ExperimentRun> {
        let d = deps(ctx)?;
        Ok(ExperimentRun(
            service::update_experiment_run(&d.state.db, d.rc, input).await?,
        ))
    }
    /// Deletes a run.
    async fn delete_experiment_run(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::ExperimentRun, "id")?;
        store::delete::<experiment_run::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
    /// Creates a pattern recognition job.
    async fn create_pattern_recognition_job(
        &self,
        ctx: &Context<'_>,
        input: CreatePatternRecognitionJobInput,
    ) -> Result<PatternRecognitionJob> {
        let d = deps(ctx)?;
        Ok(PatternRecognitionJob(
            service::create_pattern_recognition_job(&d.state.db, d.rc, input).await?,
        ))
    }
    /// Updates a pattern recognition job.
    async fn update_pattern_recognition_job(
        &self,
        ctx: &Context<'_>,
        input: UpdatePatternRecognitionJobInput,
    ) -> Result<PatternRecognitionJob> {
        let d = deps(ctx)?;
        Ok(PatternRecognitionJob(
            service::update_pattern_recognition_job(&d.state.db, d.rc, input).await?,
        ))
    }
    /// Deletes a pattern-recognition job.
    async fn delete_pattern_recognition_job(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::PatternRecognitionJob, "id")?;
        store::delete::<pattern_recognition_job::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
}

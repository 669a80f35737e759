//! Experiments, training jobs, their runs, and pattern-recognition jobs.

pub mod commands;
pub mod lifecycle;
pub mod service;
mod types;

use async_graphql::{Context, ID, Object, Result, Subscription};
use entity::{experiment, experiment_run, pattern_recognition_job, training_job};
use futures::{Stream, StreamExt};

pub use types::*;

use crate::core::context::within_namespace;
use crate::core::ids::{NodeType, decode_as};
use crate::core::store;
use crate::gql::api::deps;
use crate::graph::{Experiment, ExperimentRun, ModelVersion, PatternRecognitionJob, TrainingJob};

crate::gql::declare::query_object! {
    /// Training queries.
    TrainingQuery;
    by_id {
        /// An experiment by id.
        experiment: Experiment,
        /// A training job by id.
        training_job: TrainingJob,
        /// An experiment run by id.
        experiment_run: ExperimentRun,
        /// A pattern recognition job by id.
        pattern_recognition_job: PatternRecognitionJob,
    }
    lists {
        /// Experiments, filtered and ordered.
        experiments: Experiment,
        /// Training jobs, filtered and ordered.
        training_jobs: TrainingJob,
        /// Experiment runs, filtered and ordered.
        experiment_runs: ExperimentRun,
        /// Pattern recognition jobs, filtered and ordered.
        pattern_recognition_jobs: PatternRecognitionJob,
    }
}

/// Training mutations.
#[derive(Default)]
pub struct TrainingMutation;

#[Object]
impl TrainingMutation {
    /// Creates an experiment.
    async fn create_experiment(
        &self,
        ctx: &Context<'_>,
        input: CreateExperimentInput,
    ) -> Result<Experiment> {
        let d = deps(ctx)?;
        Ok(Experiment::from(
            service::create_experiment(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Updates an experiment.
    async fn update_experiment(
        &self,
        ctx: &Context<'_>,
        input: UpdateExperimentInput,
    ) -> Result<Experiment> {
        let d = deps(ctx)?;
        Ok(Experiment::from(
            service::update_experiment(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Deletes an experiment with its training jobs and their runs (model versions they produced stay).
    async fn delete_experiment(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::Experiment, "id")?;
        crate::lineage::service::delete_node::<experiment::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
    /// Creates a training job.
    async fn create_training_job(
        &self,
        ctx: &Context<'_>,
        input: CreateTrainingJobInput,
    ) -> Result<TrainingJob> {
        let d = deps(ctx)?;
        Ok(TrainingJob::from(
            service::create_training_job(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Enqueues a training job (QUEUED) for workers to claim.
    async fn enqueue_training_job(
        &self,
        ctx: &Context<'_>,
        input: EnqueueTrainingJobInput,
    ) -> Result<TrainingJob> {
        let d = deps(ctx)?;
        Ok(TrainingJob::from(
            lifecycle::enqueue(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Hands the highest-priority, oldest queued job (of `ns`, when given) to `worker` and
    /// marks it RUNNING; null when nothing is queued. Concurrent workers never get the
    /// same job.
    async fn claim_training_job(
        &self,
        ctx: &Context<'_>,
        worker: String,
        ns: Option<String>,
    ) -> Result<Option<TrainingJob>> {
        let d = deps(ctx)?;
        Ok(lifecycle::claim(&d.state.db, d.rc, &worker, ns.as_deref())
            .await?
            .map(TrainingJob::from))
    }
    /// Records the progress of a RUNNING job (also a heartbeat).
    async fn report_training_progress(
        &self,
        ctx: &Context<'_>,
        input: ReportTrainingProgressInput,
    ) -> Result<TrainingJob> {
        let d = deps(ctx)?;
        Ok(TrainingJob::from(
            lifecycle::report_progress(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Tells the server a RUNNING job's worker is alive. A job without a heartbeat for
    /// longer than the server's timeout is failed by the server.
    async fn heartbeat(&self, ctx: &Context<'_>, id: ID) -> Result<TrainingJob> {
        let d = deps(ctx)?;
        Ok(TrainingJob::from(
            lifecycle::heartbeat(
                &d.state.db,
                d.rc,
                decode_as(&id, NodeType::TrainingJob, "id")?,
            )
            .await?,
        ))
    }
    /// Marks a RUNNING job SUCCEEDED and registers the model version and runs it produced,
    /// in one transaction.
    async fn complete_training_job(
        &self,
        ctx: &Context<'_>,
        input: CompleteTrainingJobInput,
    ) -> Result<CompleteTrainingJobPayload> {
        let d = deps(ctx)?;
        let (job, version, runs) =
            lifecycle::complete(&d.state.db, d.rc, input.into_command("input")?).await?;
        Ok(CompleteTrainingJobPayload {
            job: TrainingJob::from(job),
            model_version: version.map(ModelVersion::from),
            runs: runs.into_iter().map(ExperimentRun::from).collect(),
        })
    }
    /// Marks a RUNNING job FAILED with its error and traceback.
    async fn fail_training_job(
        &self,
        ctx: &Context<'_>,
        input: FailTrainingJobInput,
    ) -> Result<TrainingJob> {
        let d = deps(ctx)?;
        Ok(TrainingJob::from(
            lifecycle::fail(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Cancels a QUEUED or RUNNING job.
    async fn cancel_training_job(
        &self,
        ctx: &Context<'_>,
        input: CancelTrainingJobInput,
    ) -> Result<TrainingJob> {
        let d = deps(ctx)?;
        Ok(TrainingJob::from(
            lifecycle::cancel(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Updates a training job.
    async fn update_training_job(
        &self,
        ctx: &Context<'_>,
        input: UpdateTrainingJobInput,
    ) -> Result<TrainingJob> {
        let d = deps(ctx)?;
        Ok(TrainingJob::from(
            lifecycle::update(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Deletes a training job with its runs (model versions it produced stay).
    async fn delete_training_job(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::TrainingJob, "id")?;
        crate::lineage::service::delete_node::<training_job::Entity>(&d.state.db, d.rc, uuid)
            .await?;
        Ok(id)
    }
    /// Creates an experiment run.
    async fn create_experiment_run(
        &self,
        ctx: &Context<'_>,
        input: CreateExperimentRunInput,
    ) -> Result<ExperimentRun> {
        let d = deps(ctx)?;
        Ok(ExperimentRun::from(
            service::create_experiment_run(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Updates an experiment run.
    async fn update_experiment_run(
        &self,
        ctx: &Context<'_>,
        input: UpdateExperimentRunInput,
    ) -> Result<ExperimentRun> {
        let d = deps(ctx)?;
        Ok(ExperimentRun::from(
            service::update_experiment_run(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Deletes a run.
    async fn delete_experiment_run(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::ExperimentRun, "id")?;
        crate::lineage::service::delete_node::<experiment_run::Entity>(&d.state.db, d.rc, uuid)
            .await?;
        Ok(id)
    }
    /// Creates a pattern recognition job.
    async fn create_pattern_recognition_job(
        &self,
        ctx: &Context<'_>,
        input: CreatePatternRecognitionJobInput,
    ) -> Result<PatternRecognitionJob> {
        let d = deps(ctx)?;
        Ok(PatternRecognitionJob::from(
            service::create_pattern_recognition_job(
                &d.state.db,
                d.rc,
                input.into_command("input")?,
            )
            .await?,
        ))
    }
    /// Updates a pattern recognition job.
    async fn update_pattern_recognition_job(
        &self,
        ctx: &Context<'_>,
        input: UpdatePatternRecognitionJobInput,
    ) -> Result<PatternRecognitionJob> {
        let d = deps(ctx)?;
        Ok(PatternRecognitionJob::from(
            service::update_pattern_recognition_job(
                &d.state.db,
                d.rc,
                input.into_command("input")?,
            )
            .await?,
        ))
    }
    /// Deletes a pattern-recognition job.
    async fn delete_pattern_recognition_job(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::PatternRecognitionJob, "id")?;
        crate::lineage::service::delete_node::<pattern_recognition_job::Entity>(
            &d.state.db,
            d.rc,
            uuid,
        )
        .await?;
        Ok(id)
    }
}

/// Live training jobs.
#[derive(Default)]
pub struct TrainingSubscription;

/// The job state an event left behind (none for a deletion or another entity).
fn job_after(e: &entity::event::Model) -> Option<training_job::Model> {
    if e.entity_type != NodeType::TrainingJob.name() {
        return None;
    }
    e.after
        .clone()
        .and_then(|a| serde_json::from_value::<training_job::Model>(a).ok())
}

#[Subscription]
impl TrainingSubscription {
    /// The job's current state at once, then its state after every committed change;
    /// ends when the job is deleted.
    async fn training_job_updated(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<impl Stream<Item = TrainingJob>> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::TrainingJob, "id")?;
        let feed = d.state.feed.clone();
        // Position first, state second: a change between the two is delivered, not lost.
        let from = feed.now().await;
        let current = store::get::<training_job::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(watch_job(&feed, from, current))
    }

    /// Every committed change of a training job matching the filter, as the job's new
    /// state (e.g. a dashboard of one experiment's jobs, or of everything RUNNING). With
    /// `after` (an event's `cursor`), first every matching change after that event: a
    /// client that reconnects with the last cursor it saw misses nothing.
    async fn training_jobs(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingJobWatchFilter>,
        #[graphql(desc = "An event's `cursor`: start right after it.")] after: Option<String>,
    ) -> Result<impl Stream<Item = TrainingJob>> {
        let d = deps(ctx)?;
        let after = after
            .as_deref()
            .map(|c| crate::observability::feed::Cursor::decode(c, "after"))
            .transpose()?;
        let filter = filter.unwrap_or_default();
        let experiment = filter
            .experiment
            .as_ref()
            .map(|id| decode_as(id, NodeType::Experiment, "filter.experiment"))
            .transpose()?;
        let model = filter
            .model
            .as_ref()
            .map(|id| decode_as(id, NodeType::Model, "filter.model"))
            .transpose()?;
        let statuses: Option<Vec<entity::enums::TrainingJobStatus>> = filter
            .status
            .map(|s| s.into_iter().map(Into::into).collect());
        let watch = JobWatch {
            statuses,
            experiment,
            model,
            ns: filter.ns,
            scope: d.rc.scope.clone(),
        };
        Ok(watch_jobs(&d.state.feed, watch, after))
    }
}

/// One job's state, then its state after each change (ends when it is deleted).
fn watch_job(
    feed: &crate::observability::feed::EventFeed,
    from: crate::observability::feed::Cursor,
    current: training_job::Model,
) -> impl Stream<Item = TrainingJob> + Send + use<> {
    let id = current.id;
    let shown = current.clone();
    // The feed may still hold changes the state read already saw: skip states older than
    // (or equal to) the one shown first, so the client never sees time go backwards.
    let changes = feed
        .stream(Some(from))
        .filter(move |e| futures::future::ready(e.entity_id == id))
        .take_while(|e| futures::future::ready(e.action != "DELETE"))
        .filter_map(move |e| {
            let next = job_after(&e).filter(|j| {
                j.revision > shown.revision
                    || (j.revision == shown.revision && j.heartbeat_at > shown.heartbeat_at)
            });
            futures::future::ready(next)
        });
    futures::stream::once(futures::future::ready(current))
        .chain(changes)
        .map(TrainingJob::from)
}

/// What a `trainingJobs` subscription keeps.
struct JobWatch {
    statuses: Option<Vec<entity::enums::TrainingJobStatus>>,
    experiment: Option<uuid::Uuid>,
    model: Option<uuid::Uuid>,
    ns: Option<String>,
    scope: crate::core::context::Scope,
}

impl JobWatch {
    fn keeps(&self, j: &training_job::Model) -> bool {
        self.scope.contains(&j.ns)
            && self.statuses.as_ref().is_none_or(|s| s.contains(&j.status))
            && self.experiment.is_none_or(|x| j.experiment_id == Some(x))
            && self.model.is_none_or(|m| j.model_id == Some(m))
            && self.ns.as_ref().is_none_or(|n| within_namespace(&j.ns, n))
    }
}

fn watch_jobs(
    feed: &crate::observability::feed::EventFeed,
    watch: JobWatch,
    after: Option<crate::observability::feed::Cursor>,
) -> impl Stream<Item = TrainingJob> + Send + use<> {
    feed.stream(after).filter_map(move |e| {
        let job = job_after(&e).filter(|j| watch.keeps(j));
        futures::future::ready(job.map(TrainingJob::from))
    })
}

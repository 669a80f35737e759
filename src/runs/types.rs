//! GraphQL types of runs reported by MLflow and OpenLineage.

use async_graphql::{Context, Json, Result};
use entity::job_run;

use super::history;
use crate::core::paging::PageArgs;
use crate::enums::{JobRunSource, JobRunState};
use crate::gql::api::{self, child_list};
use crate::gql::connection::Conn;
use crate::gql::filter::cond_of;
use crate::graph::{Experiment, JobRun, Workflow};

crate::gql::declare::node_type! {
    /// The fields of a [`JobRun`] of its own (the graph fields are shared, in `graph`).
    job_run => JobRunFields, list JobRunFilter, JobRunOrder of "job runs";
    columns {
        /// Namespace.
        ns: Str filter,
        /// Its name (the job's name for OpenLineage runs, the run name for MLflow runs).
        name: Str filter order,
        /// Which tool reported it.
        source: Enum(JobRunSource) filter,
        /// Where it stands: the state of the latest event by its own time, whatever the order
        /// events arrived in.
        state: Enum(JobRunState) filter order,
        /// The time of the event that set the state (null until one did).
        state_at: OptTime,
        /// When it started.
        started_at: OptTime filter order,
        /// When it ended (COMPLETED, FAILED or ABORTED).
        ended_at: OptTime,
        /// Parameters (MLflow params).
        params: Json,
        /// Tags (`{key: value}`).
        tags: Json,
        /// Who reported it first.
        created_by: OptStr,
        /// When mlgraph first heard of it.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time order,
        /// When an MLflow client deleted it (`lifecycle_stage: deleted` there; restorable
        /// with `runs/restore`); null while it is active.
        deleted_at: OptTime,
    }
    references {
        /// The job it is a run of.
        job: Workflow = workflow_id filter,
        /// The experiment it belongs to (MLflow runs).
        experiment: Experiment = experiment_id filter,
        /// The run that started it (OpenLineage `parent` facet).
        parent: JobRun = parent_run_id filter,
    }
    children {
        /// The runs it started.
        children: ChildRuns => JobRun,
    }
    resolvers {
        /// The id the reporting tool gave it (OpenLineage's `runId`), unique within its
        /// namespace; null for runs mlgraph named (MLflow's run id is the run's own id).
        async fn external_id(&self) -> Option<String> {
            self.0.external_id.map(|id| id.to_string())
        }
        /// The latest value of each metric (MLflow metrics: `{key: value}`).
        async fn metrics(&self) -> Json<serde_json::Value> {
            Json(values_of(&self.0.metrics))
        }
        /// Facets reported for it, by name (OpenLineage run facets, unknown ones included),
        /// each as the latest event carrying it sent it.
        async fn facets(&self) -> Json<serde_json::Value> {
            Json(values_of(&self.0.facets))
        }
        /// Each metric's values over the run's steps (what an MLflow client logged with
        /// `log_metric(key, value, step=...)`), by key, in key order: the curves of the
        /// run. A key logged more than `maxPoints` times is sampled evenly over its steps
        /// in the database, keeping the first and the last (as MLflow's own charts read
        /// it); batched for every run of the response. Its cost is its keys × `maxPoints`
        /// × its selection.
        async fn metric_history(
            &self,
            ctx: &Context<'_>,
            #[graphql(
                desc = "These metrics (at most 100); when absent, the run's first 10 in key order."
            )]
            keys: Option<Vec<String>>,
            #[graphql(
                default_with = "history::DEFAULT_POINTS",
                desc = "At most this many points per metric (3 to 2,500)."
            )]
            max_points: i32,
        ) -> Result<Vec<history::MetricHistory>> {
            let d = api::deps(ctx)?;
            let key = history::HistoryOf::new(self.0.id, keys, max_points)?;
            Ok(d.loader.load_one(key).await?.unwrap_or_default())
        }
    }
}

/// `{key: entry.value}` of a stored map of `{key: {"value", ...}}` entries (a run's
/// latest metrics, its facets): what clients read. `{}` for anything else.
pub fn values_of(stored: &serde_json::Value) -> serde_json::Value {
    match stored.as_object() {
        Some(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.get("value").cloned().unwrap_or(serde_json::Value::Null),
                    )
                })
                .collect(),
        ),
        None => serde_json::json!({}),
    }
}

/// The runs of one parent (a workflow's, an experiment's) as a connection, batched.
pub async fn runs_of<R>(
    ctx: &Context<'_>,
    parent: uuid::Uuid,
    filter: Option<JobRunFilter>,
    order_by: Option<Vec<JobRunOrder>>,
    args: PageArgs,
) -> Result<Conn<JobRun>>
where
    R: crate::core::loader::ChildRelation<Child = job_run::Entity>,
{
    child_list::<R, _>(
        ctx,
        parent,
        cond_of(&filter),
        api::fingerprint(&[&filter, &order_by]),
        JobRunOrder::keys(order_by.as_deref()),
        args,
        JobRun::from,
    )
    .await
}

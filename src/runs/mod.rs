//! Runs reported by the ecosystem's tools: [`JobRun`]s (an MLflow run, an OpenLineage
//! run), their metric history and MLflow's logged models. The GraphQL reads are here;
//! the protocols (`crate::ingest`) write through [`service`].
//!
//! A `JobRun` is not an `ExperimentRun`: an experiment run is a trial inside one of
//! mlgraph's own training jobs (hyperparameters, metrics, the version it produced); a job
//! run is what an outside tool reported.

pub mod history;
pub mod service;
mod types;

pub use types::*;

use crate::graph::JobRun;

crate::gql::declare::query_object! {
    /// Job run queries.
    RunsQuery;
    by_id {
        /// A job run by id.
        job_run: JobRun,
    }
    lists {
        /// Job runs, filtered and ordered.
        job_runs: JobRun,
    }
}

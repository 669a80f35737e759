//! Schema migrations of mlgraph: one timestamped module per change, each with a real `down()`.
//!
//! Migrations use sea-query's builder so that PostgreSQL and the embedded SQLite default
//! share one schema history. Constraints live in the database (named foreign keys with
//! deliberate delete rules, CHECKs for enums and ranges, unique keys), not only in Rust.

pub use sea_orm_migration::prelude::*;

pub mod lineage_relation;
mod m20261122_000001_registry;
mod m20261122_000002_lineage_view;
mod m20261124_000003_live_jobs;
mod m20261124_000004_lineage_links;
mod m20261124_000005_prediction_rollups;
mod m20261124_000006_lineage_link_indexes;
mod m20261201_000007_rollup_version_index;
mod m20261201_000008_access;
mod m20261201_000009_artifacts;
mod m20261201_000010_governance;
mod m20261201_000011_metric_points;
mod m20261201_000012_cost_records;
mod m20261201_000013_event_history;
mod m20261201_000014_lineage_history;
mod m20261201_000015_search;
mod m20261201_000016_embeddings;
mod m20261201_000017_ingest;
mod m20261202_000018_scale;
mod m20261202_000019_metric_counts;
mod m20261202_000020_pipelines;
mod m20261202_000021_dataset_prep;
mod m20261206_000022_tenancy;
mod m20261206_000023_run_lifecycle;
mod m20261206_000024_model_archived;
mod m20261207_000025_run_search_order;
mod m20261207_000026_month_move;
mod m20261208_000027_model_metrics;
mod m20261208_000028_orphan_embeddings;
mod schema_helpers;

/// The ordered list of mlgraph's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_registry::Migration),
            Box::new(m20261122_000002_lineage_view::Migration),
            Box::new(m20261124_000003_live_jobs::Migration),
            Box::new(m20261124_000004_lineage_links::Migration),
            Box::new(m20261124_000005_prediction_rollups::Migration),
            Box::new(m20261124_000006_lineage_link_indexes::Migration),
            Box::new(m20261201_000007_rollup_version_index::Migration),
            Box::new(m20261201_000008_access::Migration),
            Box::new(m20261201_000009_artifacts::Migration),
            Box::new(m20261201_000010_governance::Migration),
            Box::new(m20261201_000011_metric_points::Migration),
            Box::new(m20261201_000012_cost_records::Migration),
            Box::new(m20261201_000013_event_history::Migration),
            Box::new(m20261201_000014_lineage_history::Migration),
            Box::new(m20261201_000015_search::Migration),
            Box::new(m20261201_000016_embeddings::Migration),
            Box::new(m20261201_000017_ingest::Migration),
            Box::new(m20261202_000018_scale::Migration),
            Box::new(m20261202_000019_metric_counts::Migration),
            Box::new(m20261202_000020_pipelines::Migration),
            Box::new(m20261202_000021_dataset_prep::Migration),
            Box::new(m20261206_000022_tenancy::Migration),
            Box::new(m20261206_000023_run_lifecycle::Migration),
            Box::new(m20261206_000024_model_archived::Migration),
            Box::new(m20261207_000025_run_search_order::Migration),
            Box::new(m20261207_000026_month_move::Migration),
            Box::new(m20261208_000027_model_metrics::Migration),
            Box::new(m20261208_000028_orphan_embeddings::Migration),
        ]
    }
}

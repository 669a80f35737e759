//! Integration tests: one binary, one module per area, each test on its own PostgreSQL
//! database cloned from a migrated template (see `harness`).

mod abtest;
mod access;
mod artifacts;
mod batching;
mod embedding;
mod errors;
mod fuzz;
mod governance;
mod graph;
mod harness;
mod hostile;
mod http;
mod ingest;
mod jobs;
mod lineage;
mod live;
mod mlflow_artifacts;
mod mlflow_letter;
mod openlineage_letter;
mod performance;
mod persisted;
mod plan;
mod playground;
mod portability;
mod prep;
mod prep_uploads;
mod readme;
mod registry;
mod scale;
mod schema_sdl;
mod search;
mod similarity;
mod sqlite;
mod telemetry;
mod timetravel;

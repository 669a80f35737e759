//! SeaORM entities of mlgraph's registry: one module per table, data only.
// Columns are documented where users read them: the GraphQL schema (schema.graphql).
// The SeaORM derives also generate undocumented items (Column, ActiveModel, ...).
#![allow(missing_docs)]
//!
//! Every row has a UUID v7 primary key, a namespace `ns`, `created_at` and `updated_at`.
//! Enumerations are stored as TEXT (with CHECK constraints in the migration) so that
//! PostgreSQL and SQLite share one schema.

pub mod api_key;
pub mod approval;
pub mod artifact;
pub mod cloud_run_service;
pub mod compliance_check;
pub mod cost_record;
pub mod dataset;
pub mod dataset_version;
pub mod deployment;
pub mod eda_report;
pub mod edge;
pub mod endpoint;
pub mod enums;
pub mod event;
pub mod experiment;
pub mod experiment_run;
pub mod grant;
pub mod job_run;
pub mod job_run_metric;
pub mod logged_model;
pub mod metric_point;
pub mod model;
pub mod model_alias;
pub mod model_version;
pub mod pattern_recognition_job;
pub mod pipeline;
pub mod policy;
pub mod prediction;
pub mod schema_deduction;
pub mod security_finding;
pub mod service_deployment;
pub mod training_job;
pub mod user;
pub mod workflow;

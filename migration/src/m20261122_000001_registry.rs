//! The registry: VERSATIL tables, experiment runs, typed edges and the event log.
//!
//! Delete rules: what is meaningless without its parent goes with it (versions with
//! their dataset/model, runs with their job, deployments and predictions with their
//! endpoint); what is valuable survives (a model version outlives the job that produced
//! it) or blocks (a deployed model version, a dataset version a job trained on).

use crate::schema_helpers::{append_only_table, check, check_in, foreign_key, id, index, table};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates the registry tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_registry"
    }
}

/// Tables in creation order (children after parents); dropped in reverse.
const TABLES: &[&str] = &[
    "workflows",
    "datasets",
    "dataset_versions",
    "models",
    "experiments",
    "training_jobs",
    "model_versions",
    "experiment_runs",
    "endpoints",
    "deployments",
    "predictions",
    "pattern_recognition_jobs",
    "cloud_run_services",
    "service_deployments",
    "edges",
    "events",
];

fn create_statements() -> Vec<TableCreateStatement> {
    use ForeignKeyAction::{Cascade, Restrict, SetNull};
    let mut out = Vec::new();

    let t = "workflows";
    out.push(
        table(t)
            .col(string(id("name")))
            .col(text_null(id("description")))
            .col(string(id("status")))
            .col(json_binary(id("config")))
            .col(string_null(id("created_by")))
            .check(check_in(
                t,
                "status",
                &["DRAFT", "ACTIVE", "PAUSED", "ARCHIVED"],
            ))
            .to_owned(),
    );

    let t = "datasets";
    out.push(
        table(t)
            .col(uuid_null(id("workflow_id")))
            .col(string(id("name")))
            .col(text_null(id("description")))
            .col(string(id("data_type")))
            .col(string_null(id("format")))
            .col(text_null(id("storage_uri")))
            .col(integer(id("version_seq")).default(0))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(t, "workflow_id", "workflows", SetNull))
            .check(check_in(
                t,
                "data_type",
                &[
                    "IMAGE",
                    "TEXT",
                    "TABULAR",
                    "AUDIO",
                    "VIDEO",
                    "TIME_SERIES",
                    "OTHER",
                ],
            ))
            .to_owned(),
    );

    let t = "dataset_versions";
    out.push(
        table(t)
            .col(uuid(id("dataset_id")))
            .col(integer(id("version")))
            .col(text(id("storage_uri")))
            .col(big_integer_null(id("size_bytes")))
            .col(string_null(id("sha256")))
            .col(big_integer_null(id("row_count")))
            .col(json_binary_null(id("schema")))
            .col(string(id("split")))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(t, "dataset_id", "datasets", Cascade))
            .check(check(t, "version", "version > 0".into()))
            .check(check(
                t,
                "size_bytes",
                "size_bytes IS NULL OR size_bytes > 0".into(),
            ))
            .check(check(
                t,
                "row_count",
                "row_count IS NULL OR row_count >= 0".into(),
            ))
            .check(check_in(
                t,
                "split",
                &["FULL", "TRAIN", "VALIDATION", "TEST"],
            ))
            .to_owned(),
    );

    let t = "models";
    out.push(
        table(t)
            .col(uuid_null(id("workflow_id")))
            .col(string(id("name")))
            .col(text_null(id("description")))
            .col(string_null(id("task")))
            .col(string_null(id("framework")))
            .col(string(id("status")))
            .col(integer(id("version_seq")).default(0))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(t, "workflow_id", "workflows", SetNull))
            .check(check_in(t, "status", &["ACTIVE", "DEPRECATED"]))
            .to_owned(),
    );

    let t = "experiments";
    out.push(
        table(t)
            .col(uuid_null(id("workflow_id")))
            .col(string(id("name")))
            .col(text_null(id("description")))
            .col(string(id("experiment_type")))
            .col(string(id("status")))
            .col(json_binary(id("config")))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(t, "workflow_id", "workflows", SetNull))
            .check(check_in(
                t,
                "experiment_type",
                &["HYPERPARAMETER_TUNING", "AB_TEST", "EVALUATION", "OTHER"],
            ))
            .check(check_in(
                t,
                "status",
                &["PLANNED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"],
            ))
            .to_owned(),
    );

    let t = "training_jobs";
    out.push(
        table(t)
            .col(uuid_null(id("experiment_id")))
            .col(uuid_null(id("model_id")))
            .col(uuid_null(id("dataset_version_id")))
            .col(string(id("name")))
            .col(string(id("status")))
            .col(integer(id("priority")))
            .col(double(id("progress")))
            .col(text_null(id("current_step")))
            .col(json_binary(id("config")))
            .col(string_null(id("worker")))
            .col(timestamp_with_time_zone_null(id("heartbeat_at")))
            .col(timestamp_with_time_zone_null(id("started_at")))
            .col(timestamp_with_time_zone_null(id("finished_at")))
            .col(text_null(id("error")))
            .col(integer(id("revision")).default(1))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(t, "experiment_id", "experiments", Cascade))
            .foreign_key(&mut foreign_key(t, "model_id", "models", SetNull))
            .foreign_key(&mut foreign_key(
                t,
                "dataset_version_id",
                "dataset_versions",
                Restrict,
            ))
            .check(check_in(
                t,
                "status",
                &["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"],
            ))
            .check(check(t, "priority", "priority BETWEEN 1 AND 10".into()))
            .check(check(
                t,
                "progress",
                "progress >= 0 AND progress <= 100".into(),
            ))
            .to_owned(),
    );

    let t = "model_versions";
    out.push(
        table(t)
            .col(uuid(id("model_id")))
            .col(integer(id("version")))
            .col(text_null(id("artifact_uri")))
            .col(string_null(id("checksum")))
            .col(big_integer_null(id("size_bytes")))
            .col(json_binary(id("metrics")))
            .col(json_binary(id("params")))
            .col(string(id("stage")))
            .col(uuid_null(id("parent_version_id")))
            .col(uuid_null(id("training_job_id")))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(t, "model_id", "models", Cascade))
            .foreign_key(&mut foreign_key(
                t,
                "parent_version_id",
                "model_versions",
                SetNull,
            ))
            .foreign_key(&mut foreign_key(
                t,
                "training_job_id",
                "training_jobs",
                SetNull,
            ))
            .check(check(t, "version", "version > 0".into()))
            .check(check(
                t,
                "size_bytes",
                "size_bytes IS NULL OR size_bytes > 0".into(),
            ))
            .check(check_in(
                t,
                "stage",
                &["NONE", "STAGING", "PRODUCTION", "ARCHIVED"],
            ))
            .to_owned(),
    );

    let t = "experiment_runs";
    out.push(
        table(t)
            .col(uuid(id("training_job_id")))
            .col(integer(id("run_number")))
            .col(json_binary(id("hyperparameters")))
            .col(json_binary(id("metrics")))
            .col(double_null(id("duration_seconds")))
            .col(string(id("status")))
            .foreign_key(&mut foreign_key(
                t,
                "training_job_id",
                "training_jobs",
                Cascade,
            ))
            .check(check(t, "run_number", "run_number > 0".into()))
            .check(check(
                t,
                "duration_seconds",
                "duration_seconds IS NULL OR duration_seconds >= 0".into(),
            ))
            .check(check_in(t, "status", &["RUNNING", "COMPLETED", "FAILED"]))
            .to_owned(),
    );

    let t = "endpoints";
    out.push(
        table(t)
            .col(string(id("name")))
            .col(text_null(id("description")))
            .col(string(id("environment")))
            .col(string_null(id("region")))
            .col(text_null(id("url")))
            .col(string(id("status")))
            .col(string_null(id("created_by")))
            .check(check_in(
                t,
                "environment",
                &["DEVELOPMENT", "STAGING", "PRODUCTION"],
            ))
            .check(check_in(
                t,
                "status",
                &["CREATING", "ACTIVE", "INACTIVE", "FAILED"],
            ))
            .to_owned(),
    );

    let t = "deployments";
    out.push(
        table(t)
            .col(uuid(id("endpoint_id")))
            .col(uuid(id("model_version_id")))
            .col(integer(id("traffic_percent")))
            .col(integer(id("min_replicas")))
            .col(integer(id("max_replicas")))
            .col(string_null(id("machine_type")))
            .col(string(id("status")))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(t, "endpoint_id", "endpoints", Cascade))
            .foreign_key(&mut foreign_key(
                t,
                "model_version_id",
                "model_versions",
                Restrict,
            ))
            .check(check(
                t,
                "traffic_percent",
                "traffic_percent BETWEEN 0 AND 100".into(),
            ))
            .check(check(
                t,
                "replicas",
                "min_replicas >= 0 AND max_replicas >= min_replicas".into(),
            ))
            .check(check_in(
                t,
                "status",
                &["DEPLOYING", "ACTIVE", "FAILED", "RETIRED"],
            ))
            .to_owned(),
    );

    let t = "predictions";
    out.push(
        table(t)
            .col(uuid(id("endpoint_id")))
            .col(uuid_null(id("model_version_id")))
            .col(json_binary(id("input")))
            .col(json_binary_null(id("output")))
            .col(double_null(id("latency_ms")))
            .col(double_null(id("confidence")))
            .col(string(id("status")))
            .col(timestamp_with_time_zone_null(id("completed_at")))
            .foreign_key(&mut foreign_key(t, "endpoint_id", "endpoints", Cascade))
            .foreign_key(&mut foreign_key(
                t,
                "model_version_id",
                "model_versions",
                SetNull,
            ))
            .check(check(
                t,
                "latency_ms",
                "latency_ms IS NULL OR latency_ms >= 0".into(),
            ))
            .check(check(
                t,
                "confidence",
                "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)".into(),
            ))
            .check(check_in(t, "status", &["PENDING", "COMPLETED", "FAILED"]))
            .to_owned(),
    );

    let t = "pattern_recognition_jobs";
    out.push(
        table(t)
            .col(string(id("name")))
            .col(string(id("pattern_type")))
            .col(string(id("status")))
            .col(json_binary(id("config")))
            .col(json_binary_null(id("results")))
            .col(string_null(id("created_by")))
            .check(check_in(
                t,
                "status",
                &["PENDING", "RUNNING", "COMPLETED", "FAILED"],
            ))
            .to_owned(),
    );

    let t = "cloud_run_services";
    out.push(
        table(t)
            .col(string(id("name")))
            .col(string(id("region")))
            .col(text_null(id("url")))
            .col(text(id("image")))
            .col(string(id("status")))
            .col(string_null(id("created_by")))
            .check(check_in(t, "status", &["ACTIVE", "INACTIVE", "FAILED"]))
            .to_owned(),
    );

    let t = "service_deployments";
    out.push(
        table(t)
            .col(uuid(id("service_id")))
            .col(string(id("revision")))
            .col(text(id("image")))
            .col(integer(id("traffic_percent")))
            .col(string(id("status")))
            .col(string_null(id("created_by")))
            .foreign_key(&mut foreign_key(
                t,
                "service_id",
                "cloud_run_services",
                Cascade,
            ))
            .check(check(
                t,
                "traffic_percent",
                "traffic_percent BETWEEN 0 AND 100".into(),
            ))
            .check(check_in(
                t,
                "status",
                &["DEPLOYING", "ACTIVE", "FAILED", "RETIRED"],
            ))
            .to_owned(),
    );

    let t = "edges";
    out.push(
        table(t)
            .col(string(id("kind")))
            .col(string(id("source_type")))
            .col(uuid(id("source_id")))
            .col(string(id("target_type")))
            .col(uuid(id("target_id")))
            .col(json_binary(id("properties")))
            .col(string_null(id("created_by")))
            .check(check(t, "ends", "NOT (source_id = target_id)".into()))
            .to_owned(),
    );

    // The event log is append-only: no updated_at.
    let t = "events";
    out.push(
        append_only_table(t)
            .col(string_null(id("actor")))
            .col(string(id("entity_type")))
            .col(uuid(id("entity_id")))
            .col(string(id("action")))
            .col(json_binary_null(id("before")))
            .col(json_binary_null(id("after")))
            .col(string_null(id("request_id")))
            .to_owned(),
    );
    out
}

fn index_statements() -> Vec<IndexCreateStatement> {
    let mut out = Vec::new();
    // Unique names per namespace.
    for t in [
        "workflows",
        "datasets",
        "models",
        "experiments",
        "endpoints",
        "pattern_recognition_jobs",
        "cloud_run_services",
    ] {
        out.push(index(t, &["ns", "name"], true));
    }
    // Unique version numbers per parent.
    out.push(index("dataset_versions", &["dataset_id", "version"], true));
    out.push(index("model_versions", &["model_id", "version"], true));
    out.push(index(
        "experiment_runs",
        &["training_job_id", "run_number"],
        true,
    ));
    out.push(index(
        "service_deployments",
        &["service_id", "revision"],
        true,
    ));
    out.push(index("edges", &["kind", "source_id", "target_id"], true));
    // Every foreign key, and the columns lists filter and sort by.
    for (t, cols) in [
        ("workflows", &["status"][..]),
        ("workflows", &["created_at"]),
        ("datasets", &["workflow_id"]),
        ("datasets", &["created_at"]),
        ("dataset_versions", &["created_at"]),
        ("models", &["workflow_id"]),
        ("models", &["status"]),
        ("models", &["created_at"]),
        ("model_versions", &["stage"]),
        ("model_versions", &["parent_version_id"]),
        ("model_versions", &["training_job_id"]),
        ("model_versions", &["created_at"]),
        ("experiments", &["workflow_id"]),
        ("experiments", &["created_at"]),
        ("training_jobs", &["experiment_id"]),
        ("training_jobs", &["model_id"]),
        ("training_jobs", &["dataset_version_id"]),
        ("training_jobs", &["status", "priority", "created_at"]),
        ("training_jobs", &["created_at"]),
        ("endpoints", &["environment"]),
        ("endpoints", &["created_at"]),
        ("deployments", &["endpoint_id"]),
        ("deployments", &["model_version_id"]),
        ("deployments", &["status"]),
        ("predictions", &["endpoint_id", "created_at"]),
        ("predictions", &["model_version_id", "created_at"]),
        ("predictions", &["status"]),
        ("predictions", &["created_at"]),
        ("pattern_recognition_jobs", &["status"]),
        ("service_deployments", &["status"]),
        ("edges", &["source_id", "kind"]),
        ("edges", &["target_id", "kind"]),
        ("events", &["entity_id", "created_at"]),
        ("events", &["ns", "created_at"]),
        ("events", &["created_at"]),
    ] {
        out.push(index(t, cols, false));
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for stmt in create_statements() {
            manager.create_table(stmt).await?;
        }
        for stmt in index_statements() {
            manager.create_index(stmt).await?;
        }
        // At most one PRODUCTION version per model, enforced by the database too
        // (partial index: same syntax on PostgreSQL and SQLite).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_model_versions_production ON model_versions (model_id) WHERE stage = 'PRODUCTION'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(id(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

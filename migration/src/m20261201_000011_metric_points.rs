//! `metric_points`: time series of a model version's metrics (latency, accuracy, cost,
//! quality, throughput, or any name), optionally of one endpoint or deployment. Points
//! are observations, not registry changes: they are not in the event log.

use crate::schema_helpers::{check, foreign_key, id, run_sql};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    double, json_binary, string, timestamp_with_time_zone, uuid, uuid_null,
};

/// Creates `metric_points`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000011_metric_points"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        let t = "metric_points";
        manager
            .create_table(
                Table::create()
                    .table(id(t))
                    .col(uuid(id("id")).primary_key())
                    .col(string(id("ns")))
                    .col(uuid(id("model_version_id")))
                    .col(uuid_null(id("endpoint_id")))
                    .col(uuid_null(id("deployment_id")))
                    .col(string(id("name")))
                    .col(double(id("value")))
                    .col(timestamp_with_time_zone(id("ts")))
                    .col(json_binary(id("labels")))
                    .col(timestamp_with_time_zone(id("created_at")))
                    .foreign_key(&mut foreign_key(
                        t,
                        "model_version_id",
                        "model_versions",
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(t, "endpoint_id", "endpoints", SetNull))
                    .foreign_key(&mut foreign_key(t, "deployment_id", "deployments", SetNull))
                    .check(check(t, "name", "length(name) BETWEEN 1 AND 100".into()))
                    .to_owned(),
            )
            .await?;
        run_sql(
            manager,
            &["CREATE INDEX ix_metric_points_version_name_ts ON metric_points (model_version_id, name, ts)"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(id("metric_points")).to_owned())
            .await
    }
}

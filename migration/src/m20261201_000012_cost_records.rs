//! `cost_records`: what inference (or training) cost, by provider, for a model version or
//! endpoint. Amounts are exact: integer millionths of the currency unit.

use crate::schema_helpers::{check, foreign_key, id, run_sql};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, json_binary, string, string_null, timestamp_with_time_zone,
    uuid, uuid_null,
};

/// Creates `cost_records`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000012_cost_records"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::SetNull;
        let t = "cost_records";
        manager
            .create_table(
                Table::create()
                    .table(id(t))
                    .col(uuid(id("id")).primary_key())
                    .col(string(id("ns")))
                    .col(string(id("provider")))
                    .col(uuid_null(id("model_version_id")))
                    .col(uuid_null(id("endpoint_id")))
                    .col(big_integer_null(id("units")))
                    .col(string_null(id("unit")))
                    .col(big_integer(id("amount_micros")))
                    .col(string(id("currency")))
                    .col(timestamp_with_time_zone(id("ts")))
                    .col(json_binary(id("labels")))
                    .col(timestamp_with_time_zone(id("created_at")))
                    .foreign_key(&mut foreign_key(
                        t,
                        "model_version_id",
                        "model_versions",
                        SetNull,
                    ))
                    .foreign_key(&mut foreign_key(t, "endpoint_id", "endpoints", SetNull))
                    .check(check(
                        t,
                        "currency",
                        "length(currency) = 3 AND currency = upper(currency)".into(),
                    ))
                    .check(check(t, "amount_micros", "amount_micros >= 0".into()))
                    .to_owned(),
            )
            .await?;
        run_sql(
            manager,
            &["CREATE INDEX ix_cost_records_ns_ts ON cost_records (ns, ts)"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(id("cost_records")).to_owned())
            .await
    }
}

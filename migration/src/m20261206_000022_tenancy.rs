//! Tenancy holes closed in the schema:
//! - `api_keys.issued_by`: who minted a key for someone else. Such a key is honoured only
//!   while its issuer could still manage the holder (see `access::service::authenticate`),
//!   so a key minted by one namespace's ADMIN stops working once the holder gains a
//!   role elsewhere.
//! - `job_runs.external_id`: the id the reporting tool gave a run (OpenLineage's `runId`),
//!   unique per namespace. Before, the tool's id was the row's primary key, global across
//!   tenants: a second tenant reporting the same id was refused ("reported in another
//!   namespace"), which told it the id existed and let a tenant block another's producer.
//!   Existing OpenLineage runs keep their id as their external id.

use crate::schema_helpers::{id, index, run_sql};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::uuid_null;

/// Issuers of keys, and per-namespace run ids.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000022_tenancy"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(id("api_keys"))
                    .add_column(uuid_null(id("issued_by")))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(id("job_runs"))
                    .add_column(uuid_null(id("external_id")))
                    .to_owned(),
            )
            .await?;
        run_sql(
            manager,
            &["UPDATE job_runs SET external_id = id WHERE source = 'OPENLINEAGE'"],
        )
        .await?;
        manager
            .create_index(index("job_runs", &["ns", "external_id"], true))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("uq_job_runs_ns_external_id")
                    .table(id("job_runs"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(id("job_runs"))
                    .drop_column(id("external_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(id("api_keys"))
                    .drop_column(id("issued_by"))
                    .to_owned(),
            )
            .await
    }
}

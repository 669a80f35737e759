//! `models.status` may be `ARCHIVED`: a retired model stays readable (its versions, their
//! lineage and history) but takes no new version and no promotion, as in W&B's and
//! DataHub's registries.
//!
//! PostgreSQL swaps the CHECK. SQLite cannot alter a CHECK; widening one changes nothing
//! on disk, so its table definition is rewritten in place with the procedure SQLite
//! documents for removing constraints ("Making Other Kinds Of Table Schema Changes":
//! `writable_schema`, then a new schema version so every connection reloads it).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::schema_helpers::run_sql;

/// `ARCHIVED` models.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000024_model_archived"
    }
}

const NARROW: &str = "status IN ('ACTIVE', 'DEPRECATED')";
const WIDE: &str = "status IN ('ACTIVE', 'DEPRECATED', 'ARCHIVED')";

async fn set_check(manager: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if manager.get_database_backend() == DbBackend::Postgres {
        return run_sql(
            manager,
            &[
                "ALTER TABLE models DROP CONSTRAINT ck_models_status".to_string(),
                format!("ALTER TABLE models ADD CONSTRAINT ck_models_status CHECK ({to})"),
            ],
        )
        .await;
    }
    let version: i64 = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA schema_version",
        ))
        .await?
        .and_then(|row| row.try_get_by_index::<i64>(0).ok())
        .ok_or_else(|| DbErr::Migration("no schema_version".into()))?;
    let table: String = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'models'",
        ))
        .await?
        .and_then(|row| row.try_get_by_index::<String>(0).ok())
        .ok_or_else(|| DbErr::Migration("no models table".into()))?;
    if table.matches(from).count() != 1 {
        return Err(DbErr::Migration(format!(
            "models' CHECK on status is not {from:?}: {table}"
        )));
    }
    // One call, so one connection: the pragmas are per connection.
    db.execute_unprepared(&format!(
        "BEGIN; PRAGMA writable_schema = ON; \
         UPDATE sqlite_schema SET sql = replace(sql, '{}', '{}') WHERE type = 'table' AND name = 'models'; \
         PRAGMA schema_version = {}; PRAGMA writable_schema = OFF; COMMIT;",
        from.replace('\'', "''"),
        to.replace('\'', "''"),
        version + 1
    ))
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_check(manager, NARROW, WIDE).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("UPDATE models SET status = 'DEPRECATED' WHERE status = 'ARCHIVED'")
            .await?;
        set_check(manager, WIDE, NARROW).await
    }
}

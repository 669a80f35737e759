//! An index of the event log by node type, node and time: time travel rebuilds a node
//! table at an instant from the latest event of each node at or before it (`DISTINCT ON
//! (entity_id) ... ORDER BY entity_id, created_at DESC, seq DESC` within one type), and a
//! node at an instant from its own events. Derived from the log alone; on both backends.

use sea_orm_migration::prelude::*;

/// Adds `ix_events_history`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000013_event_history"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_events_history ON events (entity_type, entity_id, created_at, seq)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_events_history")
            .await?;
        Ok(())
    }
}

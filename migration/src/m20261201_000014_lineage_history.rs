//! `lineage_history` (PostgreSQL): the lineage relation through time, one row per link and
//! period of validity, so that a traversal at an instant probes an index as a live one
//! probes `lineage_links`, instead of rebuilding every table from the log.
//!
//! It is an index of the event log, nothing more: each row is a link held by the state of
//! one event (`valid_from` its time) until the node's next event (`valid_to`, NULL while
//! current). The migration fills it from the log and a trigger on `events` extends it with
//! every event; truncating it and running the backfill again rebuilds it. Generated from
//! `lineage_relation`, like the live relation.

use crate::lineage_relation::{history_select, history_types};
use crate::schema_helpers::run_sql_on_postgres;
use sea_orm_migration::prelude::*;

/// Creates, fills and maintains `lineage_history`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000014_lineage_history"
    }
}

fn types_sql() -> String {
    history_types()
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn up_statements() -> Vec<String> {
    let types = types_sql();
    vec![
        "CREATE TABLE lineage_history (
           kind TEXT NOT NULL, ns TEXT NOT NULL,
           up_type TEXT NOT NULL, up_id UUID NOT NULL,
           down_type TEXT NOT NULL, down_id UUID NOT NULL,
           edge_id UUID, src_id UUID NOT NULL,
           valid_from TIMESTAMPTZ NOT NULL, valid_to TIMESTAMPTZ)"
            .to_owned(),
        // Backfill: every event's links, valid until the node's next event.
        format!(
            "INSERT INTO lineage_history
             {}",
            history_select(&format!(
                "(SELECT entity_type, entity_id, ns, action, after, created_at,
                         LEAD(created_at) OVER (PARTITION BY entity_id ORDER BY created_at, seq) AS next_at
                    FROM events WHERE entity_type IN ({types})) e"
            ))
        ),
        "CREATE INDEX ix_lineage_history_down ON lineage_history (down_id)
           INCLUDE (down_type, up_type, up_id, kind, ns, edge_id, valid_from, valid_to)"
            .to_owned(),
        "CREATE INDEX ix_lineage_history_up ON lineage_history (up_id)
           INCLUDE (up_type, down_type, down_id, kind, ns, edge_id, valid_from, valid_to)"
            .to_owned(),
        "CREATE INDEX ix_lineage_history_open ON lineage_history (src_id) WHERE valid_to IS NULL"
            .to_owned(),
        format!(
            "CREATE FUNCTION lineage_history_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.entity_type IN ({types}) THEN
    UPDATE lineage_history SET valid_to = NEW.created_at
     WHERE src_id = NEW.entity_id AND valid_to IS NULL;
    INSERT INTO lineage_history
    {select};
  END IF;
  RETURN NULL;
END $$",
            select = history_select(
                "(SELECT NEW.entity_type AS entity_type, NEW.entity_id AS entity_id, NEW.ns AS ns,
                         NEW.action AS action, NEW.after AS after, NEW.created_at AS created_at,
                         NULL::timestamptz AS next_at) e"
            )
        ),
        "CREATE TRIGGER lineage_history_append AFTER INSERT ON events
           FOR EACH ROW EXECUTE FUNCTION lineage_history_append()"
            .to_owned(),
    ]
}

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS lineage_history_append ON events",
    "DROP FUNCTION IF EXISTS lineage_history_append()",
    "DROP TABLE IF EXISTS lineage_history",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = up_statements();
        let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
        run_sql_on_postgres(manager, &refs).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql_on_postgres(manager, DOWN).await
    }
}

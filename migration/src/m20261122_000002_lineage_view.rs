//! `lineage_edges`: the one relation lineage and impact traverse.
//!
//! Each row says `up` is upstream of `down` (what `down` was made from or depends on).
//! Implicit edges come from foreign keys; explicit ones from `edges`, where
//! `source --kind--> target` means the source depends on the target, except for the
//! kinds whose arrow points downstream (`deployedTo`, `replacedBy`, `usedBy`). Each
//! explicit direction is its own branch so that traversal joins can use the
//! `edges(source_id, kind)` / `edges(target_id, kind)` indexes. Predictions are left out:
//! millions of leaves would swamp every impact query; their volume is reported on
//! deployments and endpoints instead.
//!
//! Every branch yields the same column types (text, uuid), so the view has one clean row
//! type. The branches are generated from `lineage_relation`, the one definition of what is
//! upstream of what. PostgreSQL traversal does not join this view (the planner hash-joins
//! it whole instead of probing each branch's index); it probes the same definition per
//! table. SQLite traverses the view.

use sea_orm_migration::prelude::*;

use crate::lineage_relation::{IMPLICIT_EDGES, downstream_arrow_kinds_sql};

/// Creates the `lineage_edges` view.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000002_lineage_view"
    }
}

fn view_sql() -> String {
    let mut branches: Vec<String> = IMPLICIT_EDGES
        .iter()
        .map(|e| {
            let nullable = if e.up_col == "id" { e.down_col } else { e.up_col };
            format!(
                "SELECT '{}', ns, '{}', {}, '{}', {}, CAST(NULL AS uuid) FROM {} WHERE {nullable} IS NOT NULL",
                e.kind, e.up_type, e.up_col, e.down_type, e.down_col, e.table
            )
        })
        .collect();
    let arrows = downstream_arrow_kinds_sql();
    branches.push(format!(
        "SELECT CAST(kind AS TEXT), ns, CAST(target_type AS TEXT), target_id, CAST(source_type AS TEXT), source_id, id FROM edges WHERE kind NOT IN ({arrows})"
    ));
    branches.push(format!(
        "SELECT CAST(kind AS TEXT), ns, CAST(source_type AS TEXT), source_id, CAST(target_type AS TEXT), target_id, id FROM edges WHERE kind IN ({arrows})"
    ));
    format!(
        "CREATE VIEW lineage_edges (kind, ns, up_type, up_id, down_type, down_id, edge_id) AS\n  {}",
        branches.join("\n  UNION ALL ")
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&view_sql()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP VIEW IF EXISTS lineage_edges")
            .await?;
        Ok(())
    }
}

//! `lineage_links`: the lineage relation materialised on PostgreSQL, one row per edge,
//! indexed by either end, kept in sync by triggers on the tables it is made of.
//!
//! A traversal step is then one index probe per node instead of one probe per table that
//! could hold an edge of it, and the planner can hash-join a large frontier. The rows are
//! generated from `lineage_relation` (the same definition as the `lineage_edges` view, which
//! stays for SQLite and for ad-hoc SQL); a test checks that both agree.

use crate::schema_helpers::run_sql_on_postgres;
use sea_orm_migration::prelude::*;

use crate::lineage_relation::{IMPLICIT_EDGES, ImplicitEdge, downstream_arrow_kinds_sql};

/// Creates and fills `lineage_links` (PostgreSQL only).
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000004_lineage_links"
    }
}

/// Tables with implicit edges, each once, in definition order.
fn tables() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for e in IMPLICIT_EDGES {
        if !out.contains(&e.table) {
            out.push(e.table);
        }
    }
    out
}

fn edges_of(table: &str) -> impl Iterator<Item = &'static ImplicitEdge> + '_ {
    IMPLICIT_EDGES.iter().filter(move |e| e.table == table)
}

/// Columns whose change moves a table's edges.
fn watched(table: &str) -> Vec<&'static str> {
    let mut cols = vec!["ns"];
    for e in edges_of(table) {
        for c in [e.up_col, e.down_col] {
            if c != "id" && !cols.contains(&c) {
                cols.push(c);
            }
        }
    }
    cols
}

fn sync_function(table: &str) -> String {
    let inserts: String = edges_of(table)
        .map(|e| {
            format!(
                "    IF NEW.{up} IS NOT NULL AND NEW.{down} IS NOT NULL THEN
      INSERT INTO lineage_links (kind, ns, up_type, up_id, down_type, down_id, edge_id, src_id)
      VALUES ('{kind}', NEW.ns, '{ut}', NEW.{up}, '{dt}', NEW.{down}, NULL, NEW.id);
    END IF;\n",
                up = e.up_col,
                down = e.down_col,
                kind = e.kind,
                ut = e.up_type,
                dt = e.down_type,
            )
        })
        .collect();
    format!(
        "CREATE OR REPLACE FUNCTION lineage_sync_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM lineage_links WHERE src_id = OLD.id AND edge_id IS NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
{inserts}  END IF;
  RETURN NULL;
END $$"
    )
}

fn triggers(table: &str) -> Vec<String> {
    let changed = watched(table)
        .iter()
        .map(|c| format!("OLD.{c} IS DISTINCT FROM NEW.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    vec![
        format!(
            "CREATE TRIGGER trg_lineage_{table}_ins AFTER INSERT ON {table}
             FOR EACH ROW EXECUTE FUNCTION lineage_sync_{table}()"
        ),
        format!(
            "CREATE TRIGGER trg_lineage_{table}_upd AFTER UPDATE ON {table}
             FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION lineage_sync_{table}()"
        ),
        format!(
            "CREATE TRIGGER trg_lineage_{table}_del AFTER DELETE ON {table}
             FOR EACH ROW EXECUTE FUNCTION lineage_sync_{table}()"
        ),
    ]
}

fn explicit_function() -> String {
    let arrows = downstream_arrow_kinds_sql();
    format!(
        "CREATE OR REPLACE FUNCTION lineage_sync_edges() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM lineage_links WHERE src_id = OLD.id AND edge_id IS NOT NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF NEW.kind IN ({arrows}) THEN
      INSERT INTO lineage_links (kind, ns, up_type, up_id, down_type, down_id, edge_id, src_id)
      VALUES (NEW.kind, NEW.ns, NEW.source_type, NEW.source_id, NEW.target_type, NEW.target_id, NEW.id, NEW.id);
    ELSE
      INSERT INTO lineage_links (kind, ns, up_type, up_id, down_type, down_id, edge_id, src_id)
      VALUES (NEW.kind, NEW.ns, NEW.target_type, NEW.target_id, NEW.source_type, NEW.source_id, NEW.id, NEW.id);
    END IF;
  END IF;
  RETURN NULL;
END $$"
    )
}

fn up_statements() -> Vec<String> {
    let mut out = vec![
        "CREATE TABLE lineage_links (
           kind TEXT NOT NULL, ns TEXT NOT NULL,
           up_type TEXT NOT NULL, up_id UUID NOT NULL,
           down_type TEXT NOT NULL, down_id UUID NOT NULL,
           edge_id UUID, src_id UUID NOT NULL)"
            .to_owned(),
    ];
    // Backfill from what is already there.
    for e in IMPLICIT_EDGES {
        out.push(format!(
            "INSERT INTO lineage_links SELECT '{kind}', ns, '{ut}', {up}, '{dt}', {down}, NULL, id
               FROM {table} WHERE {up} IS NOT NULL AND {down} IS NOT NULL",
            kind = e.kind,
            ut = e.up_type,
            up = e.up_col,
            dt = e.down_type,
            down = e.down_col,
            table = e.table,
        ));
    }
    let arrows = downstream_arrow_kinds_sql();
    out.push(format!(
        "INSERT INTO lineage_links SELECT kind, ns, source_type, source_id, target_type, target_id, id, id
           FROM edges WHERE kind IN ({arrows})"
    ));
    out.push(format!(
        "INSERT INTO lineage_links SELECT kind, ns, target_type, target_id, source_type, source_id, id, id
           FROM edges WHERE kind NOT IN ({arrows})"
    ));
    // Covering: a traversal step is an index-only scan (once autovacuum has marked the
    // pages all-visible), not one random heap read per neighbour.
    out.push(
        "CREATE INDEX ix_lineage_links_down ON lineage_links (down_id)
           INCLUDE (down_type, up_type, up_id, kind, ns, edge_id)"
            .to_owned(),
    );
    out.push(
        "CREATE INDEX ix_lineage_links_up ON lineage_links (up_id)
           INCLUDE (up_type, down_type, down_id, kind, ns, edge_id)"
            .to_owned(),
    );
    out.push("CREATE INDEX ix_lineage_links_src ON lineage_links (src_id)".to_owned());
    for t in tables() {
        out.push(sync_function(t));
        out.extend(triggers(t));
    }
    out.push(explicit_function());
    out.extend(triggers_for_edges());
    out
}

fn triggers_for_edges() -> Vec<String> {
    vec![
        "CREATE TRIGGER trg_lineage_edges_ins AFTER INSERT ON edges
         FOR EACH ROW EXECUTE FUNCTION lineage_sync_edges()"
            .to_owned(),
        "CREATE TRIGGER trg_lineage_edges_upd AFTER UPDATE ON edges FOR EACH ROW
         WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.source_id IS DISTINCT FROM NEW.source_id
               OR OLD.target_id IS DISTINCT FROM NEW.target_id OR OLD.ns IS DISTINCT FROM NEW.ns)
         EXECUTE FUNCTION lineage_sync_edges()"
            .to_owned(),
        "CREATE TRIGGER trg_lineage_edges_del AFTER DELETE ON edges
         FOR EACH ROW EXECUTE FUNCTION lineage_sync_edges()"
            .to_owned(),
    ]
}

fn down_statements() -> Vec<String> {
    let mut out = Vec::new();
    for t in tables().into_iter().chain(["edges"]) {
        for op in ["ins", "upd", "del"] {
            out.push(format!(
                "DROP TRIGGER IF EXISTS trg_lineage_{t}_{op} ON {t}"
            ));
        }
        out.push(format!("DROP FUNCTION IF EXISTS lineage_sync_{t}()"));
    }
    out.push("DROP TABLE IF EXISTS lineage_links".to_owned());
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql_on_postgres(manager, &up_statements()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_sql_on_postgres(manager, &down_statements()).await
    }
}

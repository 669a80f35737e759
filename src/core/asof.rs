//! Time travel: reading the registry as it was at an instant, reconstructed from the
//! event log.
//!
//! Every change writes an event with the node's state after it (`after`, the row
//! serialised) in the change's own transaction, so the state of a node at instant `T` is
//! the `after` of its latest event at or before `T`, and nothing at all when that event
//! is a `DELETE` or there is none. An as-of read runs the very statements a live read
//! runs, through a [`Reader`] that puts a common table expression in front of each one,
//! named like the node table it replaces: `WITH "models" AS (<models rebuilt from
//! events at T>) SELECT ... FROM "models" ...`. A CTE shadows the table of the same name
//! in PostgreSQL and in SQLite, in joins and subqueries too, so filters, ordering,
//! paging, per-parent pages, lineage walks and the caller's scope work unchanged, and
//! the answer can never disagree with the live one about anything but time. No second
//! copy of the data is kept: the only addition is an index on the log.
//!
//! Predictions, events, metric points and cost records are not rebuilt: they are
//! append-only facts with their own time column, asked with a time filter instead.
//!
//! One operation reads one instant: its top-level fields that take `asOf` must all give
//! the same (see `gql::asof::operation_as_of`); nested fields inherit it.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::sea_query::ColumnType;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, IdenStatic,
    Iterable, QueryResult, Statement,
};

use super::ids::NodeType;
use crate::core::error::{AppError, AppResult};

/// The instant a request reads at, once its operation has been read (none: the present).
/// Shared by the request's context, its loaders and its resolvers.
#[derive(Clone, Debug, Default)]
pub struct AsOf(Arc<OnceLock<DateTime<Utc>>>);

impl AsOf {
    /// The instant, when the operation asked for one.
    pub fn get(&self) -> Option<DateTime<Utc>> {
        self.0.get().copied()
    }

    /// Fixes the request's instant to `at` (a top-level field's `asOf`). Refused when
    /// the request already reads at another instant.
    pub fn pin(&self, at: Option<DateTime<Utc>>) -> AppResult<()> {
        let Some(at) = at else { return Ok(()) };
        check_not_future(at)?;
        // The first pin wins; any other instant after it is refused.
        if *self.0.get_or_init(|| at) == at {
            Ok(())
        } else {
            Err(mixed_instants())
        }
    }
}

pub(crate) fn mixed_instants() -> AppError {
    AppError::bad_input(
        "asOf",
        "an operation reads one instant: give every top-level field the same asOf (or none)",
    )
}

pub(crate) fn check_not_future(at: DateTime<Utc>) -> AppResult<()> {
    if at > Utc::now() {
        return Err(AppError::bad_input(
            "asOf",
            format!(
                "{} is in the future: the registry can only be read as it was",
                at.to_rfc3339_opts(SecondsFormat::Millis, true)
            ),
        ));
    }
    Ok(())
}

/// The connection reads go through: the pool itself, or the pool seen at an instant
/// (every statement rewritten, see the module docs). Writes are refused at an instant.
pub struct Reader<'a> {
    db: &'a DatabaseConnection,
    kept: Option<&'a super::reads::Reads>,
    at: Option<DateTime<Utc>>,
}

impl<'a> Reader<'a> {
    /// Reads through `pool` at `at` (none: the present).
    pub fn new(pool: &'a super::reads::ReadPool, at: Option<DateTime<Utc>>) -> Reader<'a> {
        Reader {
            db: &pool.db,
            kept: pool.kept(),
            at,
        }
    }

    fn statement(&self, mut stmt: Statement) -> Statement {
        if let Some(at) = self.at {
            stmt.sql = rewrite(&stmt.sql, stmt.db_backend, at);
        }
        stmt
    }

    fn refuse_writes(&self) -> Result<(), DbErr> {
        match self.at {
            Some(_) => Err(DbErr::Custom(
                "a read at an instant in the past cannot write".into(),
            )),
            None => Ok(()),
        }
    }
}

#[sea_orm::prelude::async_trait::async_trait]
impl ConnectionTrait for Reader<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.refuse_writes()?;
        self.db.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.refuse_writes()?;
        self.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let stmt = self.statement(stmt);
        match self.kept {
            Some(kept) => kept.query_one(&stmt).await,
            None => self.db.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let stmt = self.statement(stmt);
        match self.kept {
            Some(kept) => kept.query_all(&stmt).await,
            None => self.db.query_all_raw(stmt).await,
        }
    }

    fn support_returning(&self) -> bool {
        self.db.support_returning()
    }
}

/// A node table rebuilt from the log: its name, node type and columns.
struct Rebuilt {
    table: &'static str,
    node_type: &'static str,
    columns: Vec<(&'static str, ColumnType)>,
}

fn columns<C: ColumnTrait + Iterable + IdenStatic>() -> Vec<(&'static str, ColumnType)> {
    C::iter()
        .map(|c| (c.as_str(), c.def().get_column_type().clone()))
        .collect()
}

macro_rules! rebuilt_tables {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident ),+ $(,)?) => {
        /// Every node table with its columns, in the vocabulary's order.
        fn node_tables() -> Vec<Rebuilt> {
            vec![$(Rebuilt {
                table: NodeType::$ty.table(),
                node_type: NodeType::$ty.name(),
                columns: columns::<entity::$module::Column>(),
            }),+]
        }
    };
}

crate::core::vocabulary::node_vocabulary!(rebuilt_tables);

/// The tables an as-of read rebuilds (all node tables but the append-only facts).
fn rebuilt() -> &'static [Rebuilt] {
    static TABLES: OnceLock<Vec<Rebuilt>> = OnceLock::new();
    TABLES.get_or_init(|| {
        node_tables()
            .into_iter()
            .filter(|t| {
                t.node_type != NodeType::Prediction.name() && t.node_type != NodeType::Event.name()
            })
            .collect()
    })
}

/// Whether `sql` names `table` as a whole identifier (quoted or not).
fn mentions(sql: &str, table: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(table).any(|(i, _)| {
        let before = sql[..i].chars().next_back();
        let after = sql[i + table.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// `sql` with the node tables (and the lineage relation) it reads replaced by their state
/// at `at`. Unused CTEs cost nothing: both databases skip a CTE no one reads.
pub fn rewrite(sql: &str, backend: DbBackend, at: DateTime<Utc>) -> String {
    let pg = backend == DbBackend::Postgres;
    let lineage = if pg { "lineage_links" } else { "lineage_edges" };
    let walks = mentions(sql, lineage);
    // SQLite derives its lineage relation from the (rebuilt) tables; PostgreSQL reads the
    // links valid at the instant from `lineage_history`, probed by index like the live
    // `lineage_links` (inlined at each use, never materialised whole).
    let rebuilds_relation = walks && !pg;
    let mut ctes: Vec<String> = rebuilt()
        .iter()
        .filter(|t| rebuilds_relation || mentions(sql, t.table))
        .map(|t| rebuild(t, pg, at))
        .collect();
    if walks && pg {
        let at = at.to_rfc3339_opts(SecondsFormat::Micros, true);
        ctes.push(format!(
            "lineage_links AS NOT MATERIALIZED (SELECT kind, ns, up_type, up_id, down_type, down_id, edge_id, src_id \
               FROM lineage_history WHERE valid_from <= '{at}'::timestamptz \
                AND (valid_to IS NULL OR valid_to > '{at}'::timestamptz))"
        ));
    } else if walks {
        ctes.push(format!(
            "{lineage} AS ({})",
            migration::lineage_relation::relation_select()
        ));
    }
    if ctes.is_empty() {
        return sql.to_owned();
    }
    let ctes = ctes.join(",\n");
    let trimmed = sql.trim_start();
    let starts =
        |kw: &str| trimmed.len() >= kw.len() && trimmed[..kw.len()].eq_ignore_ascii_case(kw);
    if starts("WITH RECURSIVE ") {
        format!(
            "WITH RECURSIVE {ctes},\n{}",
            &trimmed["WITH RECURSIVE ".len()..]
        )
    } else if starts("WITH ") {
        format!("WITH {ctes},\n{}", &trimmed["WITH ".len()..])
    } else {
        format!("WITH {ctes}\n{trimmed}")
    }
}

/// The CTE rebuilding one table at `at`.
fn rebuild(t: &Rebuilt, pg: bool, at: DateTime<Utc>) -> String {
    let table = t.table;
    let ty = t.node_type;
    if pg {
        let at = at.to_rfc3339_opts(SecondsFormat::Micros, true);
        // Each column from the populated record, but the id from the log's own column,
        // so that `WHERE id = ...` reaches the index on the log through DISTINCT ON.
        let cols = t
            .columns
            .iter()
            .map(|(c, _)| {
                if *c == "id" {
                    "e.entity_id AS \"id\"".to_owned()
                } else {
                    format!("r.\"{c}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "\"{table}\" AS (SELECT {cols} FROM (\
               SELECT DISTINCT ON (entity_id) entity_id, action, after FROM events \
                WHERE entity_type = '{ty}' AND created_at <= '{at}'::timestamptz \
                ORDER BY entity_id, created_at DESC, seq DESC) e \
             CROSS JOIN LATERAL jsonb_populate_record(NULL::\"{table}\", e.after) r \
             WHERE e.action <> 'DELETE' AND e.after IS NOT NULL)"
        )
    } else {
        // SQLite keeps times as RFC 3339 text with `+00:00`, UUIDs as 16-byte blobs and
        // JSON as text; the log holds them as serde wrote them (`Z`, hyphenated strings,
        // JSON values), so each column is converted back.
        let at = at.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        let cols = t
            .columns
            .iter()
            .map(|(c, ty)| {
                let v = format!("json_extract(e.after, '$.{c}')");
                let expr = match ty {
                    _ if *c == "id" => "e.entity_id".to_owned(),
                    ColumnType::Uuid => format!("unhex(replace({v}, '-', ''))"),
                    ColumnType::TimestampWithTimeZone
                    | ColumnType::Timestamp
                    | ColumnType::DateTime => format!("replace({v}, 'Z', '+00:00')"),
                    ColumnType::Json | ColumnType::JsonBinary => {
                        format!("nullif(e.after -> '$.{c}', 'null')")
                    }
                    _ => v,
                };
                format!("{expr} AS \"{c}\"")
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "\"{table}\" AS (SELECT {cols} FROM events e \
              WHERE e.entity_type = '{ty}' AND e.action <> 'DELETE' AND e.after IS NOT NULL \
                AND e.seq = (SELECT MAX(x.seq) FROM events x \
                              WHERE x.entity_id = e.entity_id AND x.created_at <= '{at}'))"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_whole_identifiers_only() {
        assert!(mentions("SELECT * FROM \"models\" WHERE", "models"));
        assert!(mentions("FROM models m", "models"));
        assert!(!mentions("FROM model_versions", "models"));
        assert!(!mentions("FROM lineage_edges", "edges"));
        assert!(mentions("FROM lineage_edges", "lineage_edges"));
    }

    #[test]
    fn rewrite_merges_with_an_existing_with() {
        let at = Utc::now();
        let plain = rewrite("SELECT 1", DbBackend::Postgres, at);
        assert_eq!(plain, "SELECT 1", "nothing to rebuild, nothing added");
        let q = rewrite(
            "WITH RECURSIVE w(x) AS (SELECT 1) SELECT * FROM \"models\", w",
            DbBackend::Postgres,
            at,
        );
        assert!(q.starts_with("WITH RECURSIVE \"models\" AS ("), "{q}");
        assert!(q.contains("),\nw(x) AS (SELECT 1)"), "{q}");
        let s = rewrite("SELECT * FROM \"endpoints\"", DbBackend::Sqlite, at);
        assert!(
            s.starts_with("WITH \"endpoints\" AS (SELECT e.entity_id AS \"id\""),
            "{s}"
        );
        assert!(
            !s.contains("\"models\" AS"),
            "only what the statement reads: {s}"
        );
    }
}

//! Moving a registry between installations: `mlgraph export` writes every node, edge and
//! event of the chosen namespaces as JSON lines, from one snapshot; `mlgraph import`
//! reads them into another database (PostgreSQL or SQLite), ids preserved, in the order
//! their references need, skipping rows it already has (re-importing changes nothing).
//!
//! The first line describes the export: `{"format": "mlgraph-export", "version": 1, ...}`;
//! every other line is `{"type": "<NodeType>", "row": {...}}` (and `MetricPoint`,
//! `CostRecord` for the performance series, `JobRunMetric`, `ModelAlias` and `LoggedModel`
//! for what MLflow clients logged, after the nodes). Artifacts travel as
//! references (their bucket and key); users, keys and grants do not travel at all.

use std::io::{BufRead, Write};

use chrono::Utc;
use sea_orm::{
    AccessMode, ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, IsolationLevel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::core::context::Scope;
use crate::core::ids::NodeType;
use crate::core::node::NodeEntity;
use crate::error::{AppError, AppResult};

/// The format's name and version (the first line).
pub const FORMAT: &str = "mlgraph-export";
/// Its version.
pub const VERSION: i64 = 1;

/// Node types in an order where every reference points backwards: the vocabulary's
/// (rows of one table go by id, which is time-ordered, so a parent version precedes its
/// children).
pub const ORDER: &[NodeType] = NodeType::ALL;

const PAGE: u64 = 1000;

fn io(e: std::io::Error) -> AppError {
    AppError::Internal(format!("export output: {e}"))
}

async fn export_table<E: NodeEntity>(
    txn: &DatabaseTransaction,
    scope: &Scope,
    out: &mut (impl Write + Send),
) -> AppResult<usize>
where
    E::Model: Serialize,
{
    export_plain::<E>(
        txn,
        scope,
        out,
        E::NODE_TYPE.name(),
        E::col_id(),
        E::col_ns(),
        E::id_of,
    )
    .await
}

/// The rows of a table in scope, by id, a page at a time, as lines of type `name`
/// (node tables through [`export_table`]; metric points and costs directly).
async fn export_plain<E: EntityTrait>(
    txn: &DatabaseTransaction,
    scope: &Scope,
    out: &mut (impl Write + Send),
    name: &str,
    id_col: E::Column,
    ns_col: E::Column,
    id_of: fn(&E::Model) -> Uuid,
) -> AppResult<usize>
where
    E::Model: Serialize + Sync,
{
    let mut last: Option<Uuid> = None;
    let mut n = 0;
    loop {
        let mut q = E::find()
            .filter(scope.condition(ns_col))
            .order_by_asc(id_col)
            .limit(PAGE);
        if let Some(l) = last {
            q = q.filter(id_col.gt(l));
        }
        let rows = q.all(txn).await?;
        for row in &rows {
            writeln!(out, "{}", json!({"type": name, "row": row})).map_err(io)?;
            n += 1;
        }
        match rows.last() {
            Some(r) if rows.len() as u64 == PAGE => last = Some(id_of(r)),
            _ => return Ok(n),
        }
    }
}

/// The UUID `id` every exported row has.
fn row_id(row: &Value) -> AppResult<Uuid> {
    row.get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::try_parse(s).ok())
        .ok_or_else(|| AppError::bad_input("row.id", "every row has a UUID id"))
}

/// Whether a row with this id exists.
async fn exists<E: EntityTrait>(
    txn: &DatabaseTransaction,
    id_col: E::Column,
    id: Uuid,
) -> AppResult<bool>
where
    E::Model: Sync,
{
    Ok(PaginatorTrait::count(E::find().filter(id_col.eq(id)), txn).await? > 0)
}

/// Inserts a row given as JSON (a row of `name`).
async fn insert_json<E, A>(txn: &DatabaseTransaction, row: Value, name: &str) -> AppResult<()>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + sea_orm::TryIntoModel<E::Model>,
    E::Model: IntoActiveModel<A> + DeserializeOwned + Serialize,
{
    // A namespace names paths (the local artifact store) and scopes grants: an imported
    // one is held to the rule a created one is.
    // (The log's events of accounts have no namespace: "".)
    if let Some(ns) = row
        .get("ns")
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
    {
        crate::core::validate::namespace("row.ns", ns)?;
    }
    let active = A::from_json(row)
        .map_err(|e| AppError::bad_input("row", format!("not a {name} row: {e}")))?;
    E::insert(active).exec_without_returning(txn).await?;
    Ok(())
}

/// Imports a row of a table that is not a node type, unless its id is present.
async fn import_plain<E, A>(
    txn: &DatabaseTransaction,
    row: Value,
    id_col: E::Column,
    name: &str,
) -> AppResult<bool>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + sea_orm::TryIntoModel<E::Model>,
    E::Model: IntoActiveModel<A> + DeserializeOwned + Serialize + Sync,
{
    if exists::<E>(txn, id_col, row_id(&row)?).await? {
        return Ok(false);
    }
    insert_json::<E, A>(txn, row, name).await?;
    Ok(true)
}

/// The tables that are not node types, exported after the nodes (each row refers only
/// to nodes), and their export and import.
macro_rules! plain_tables {
    ($( $name:literal => $module:ident ),+ $(,)?) => {
        /// Their row type names.
        const PLAIN: &[&str] = &[$($name),+];

        async fn export_plain_tables(
            txn: &DatabaseTransaction,
            scope: &Scope,
            out: &mut (impl Write + Send),
        ) -> AppResult<usize> {
            let mut n = 0;
            $(
                n += export_plain::<entity::$module::Entity>(
                    txn,
                    scope,
                    out,
                    $name,
                    entity::$module::Column::Id,
                    entity::$module::Column::Ns,
                    |r| r.id,
                )
                .await?;
            )+
            Ok(n)
        }

        async fn import_plain_row(txn: &DatabaseTransaction, ty: &str, row: Value) -> AppResult<bool> {
            match ty {
                $(
                    $name => {
                        import_plain::<entity::$module::Entity, entity::$module::ActiveModel>(
                            txn,
                            row,
                            entity::$module::Column::Id,
                            $name,
                        )
                        .await
                    }
                )+
                other => Err(AppError::bad_input("type", format!("unknown row type {other}"))),
            }
        }
    };
}

plain_tables!(
    "MetricPoint" => metric_point,
    "CostRecord" => cost_record,
    "JobRunMetric" => job_run_metric,
    "ModelAlias" => model_alias,
    "LoggedModel" => logged_model,
);

async fn import_row<E, A>(txn: &DatabaseTransaction, mut row: Value) -> AppResult<bool>
where
    E: NodeEntity,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + sea_orm::TryIntoModel<E::Model>,
    E::Model: IntoActiveModel<A> + DeserializeOwned,
{
    if exists::<E>(txn, E::col_id(), row_id(&row)?).await? {
        return Ok(false);
    }
    if E::NODE_TYPE == NodeType::Event
        && let Some(obj) = row.as_object_mut()
    {
        // The log's order numbers belong to the database that writes them.
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            obj.remove("seq");
            obj.remove("txid");
        } else {
            let next = crate::core::store::unscoped::<entity::event::Entity>()
                .select_only()
                .column_as(entity::event::Column::Seq.max(), "m")
                .into_tuple::<Option<i64>>()
                .one(txn)
                .await?
                .flatten()
                .unwrap_or(0)
                + 1;
            obj.insert("seq".into(), json!(next));
            obj.insert("txid".into(), json!(0));
        }
    }
    insert_json::<E, A>(txn, row, E::NODE_TYPE.name()).await?;
    Ok(true)
}

macro_rules! by_type {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident ),+ $(,)?) => {
        async fn export_type(
            ty: NodeType,
            txn: &DatabaseTransaction,
            scope: &Scope,
            out: &mut (impl Write + Send),
        ) -> AppResult<usize> {
            match ty {
                $(NodeType::$ty => export_table::<entity::$module::Entity>(txn, scope, out).await,)+
            }
        }

        async fn import_type(ty: NodeType, txn: &DatabaseTransaction, row: Value) -> AppResult<bool> {
            match ty {
                $(NodeType::$ty => import_row::<entity::$module::Entity, entity::$module::ActiveModel>(txn, row).await,)+
            }
        }
    };
}
crate::core::vocabulary::node_vocabulary!(by_type);

/// Writes the namespaces (all of them when empty) to `out`, from one snapshot. Returns
/// the rows written.
pub async fn export(
    db: &DatabaseConnection,
    namespaces: &[String],
    out: &mut (impl Write + Send),
) -> AppResult<usize> {
    let scope = if namespaces.is_empty() {
        Scope::All
    } else {
        Scope::editor_of(namespaces.iter().cloned())
    };
    let txn = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?
    } else {
        db.begin().await?
    };
    let header = json!({
        "format": FORMAT,
        "version": VERSION,
        "namespaces": namespaces,
        "exportedAt": Utc::now(),
    });
    writeln!(out, "{header}").map_err(io)?;
    let mut progress = crate::progress::task("export", "rows", None);
    let mut n = 0;
    for &ty in ORDER {
        progress.step(ty.name());
        let rows = export_type(ty, &txn, &scope, out).await?;
        progress.inc(rows as u64);
        n += rows;
    }
    progress.step("access and ingest tables");
    let rows = export_plain_tables(&txn, &scope, out).await?;
    progress.inc(rows as u64);
    n += rows;
    txn.commit().await?;
    out.flush().map_err(io)?;
    progress.finish();
    Ok(n)
}

/// Writes every event recorded before `before` to `out` as JSON lines (one event row per
/// line, oldest first, in write order), for operators archiving the log. Reads in pages
/// by `(created_at, seq)`, so the log may be any size. The application never deletes
/// events: what the operator does with the archived ones is theirs to decide (see the
/// README on what time travel answers afterwards).
pub async fn export_events_before(
    db: &DatabaseConnection,
    before: chrono::DateTime<Utc>,
    out: &mut (impl Write + Send),
) -> AppResult<usize> {
    use entity::event;
    use sea_orm::Condition;
    const PAGE: u64 = 1000;
    let mut progress = crate::progress::task("events export", "events", None);
    let mut n = 0;
    let mut last: Option<(chrono::DateTime<Utc>, i64)> = None;
    loop {
        let mut q = crate::core::store::unscoped::<event::Entity>()
            .filter(event::Column::CreatedAt.lt(before));
        if let Some((at, seq)) = last {
            q = q.filter(
                Condition::any().add(event::Column::CreatedAt.gt(at)).add(
                    Condition::all()
                        .add(event::Column::CreatedAt.eq(at))
                        .add(event::Column::Seq.gt(seq)),
                ),
            );
        }
        let rows = q
            .order_by_asc(event::Column::CreatedAt)
            .order_by_asc(event::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        for row in &rows {
            let line = serde_json::to_string(row)
                .map_err(|e| AppError::Internal(format!("event {}: {e}", row.id)))?;
            writeln!(out, "{line}").map_err(io)?;
        }
        n += rows.len();
        progress.inc(rows.len() as u64);
        match rows.last() {
            Some(r) if rows.len() as u64 == PAGE => last = Some((r.created_at, r.seq)),
            _ => break,
        }
    }
    out.flush().map_err(io)?;
    progress.finish();
    Ok(n)
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows written.
    pub inserted: usize,
    /// Rows already present (by id), left as they are.
    pub skipped: usize,
}

/// Reads an export into the database, in one transaction: all of it lands, or nothing
/// (a bad line is `BAD_USER_INPUT` naming its line number).
pub async fn import(db: &DatabaseConnection, input: impl BufRead) -> AppResult<ImportReport> {
    let txn = db.begin().await?;
    let mut progress = crate::progress::task("import", "rows", None);
    let result = async {
        let mut report = ImportReport::default();
        let mut last_type = String::new();
        for (i, line) in input.lines().enumerate() {
            let line = line.map_err(|e| AppError::Internal(format!("import input: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            let at = format!("line {}", i + 1);
            let v: Value = serde_json::from_str(&line)
                .map_err(|e| AppError::bad_input(at.clone(), format!("not JSON: {e}")))?;
            if i == 0 {
                if v["format"] != FORMAT || v["version"].as_i64() != Some(VERSION) {
                    return Err(AppError::bad_input(
                        at,
                        format!("not an {FORMAT} version {VERSION} file"),
                    ));
                }
                continue;
            }
            let name = v["type"].as_str().unwrap_or_default();
            if name != last_type {
                progress.step(name);
                name.clone_into(&mut last_type);
            }
            progress.inc(1);
            let done = if PLAIN.contains(&name) {
                import_plain_row(&txn, name, v["row"].clone()).await
            } else {
                let ty = NodeType::from_name(name)
                    .ok_or_else(|| AppError::bad_input(at.clone(), "unknown or missing type"))?;
                import_type(ty, &txn, v["row"].clone()).await
            };
            let done = done.map_err(|e| match e {
                AppError::BadInput { message, .. } => AppError::bad_input(at.clone(), message),
                other => other,
            })?;
            if done {
                report.inserted += 1;
            } else {
                report.skipped += 1;
            }
        }
        Ok(report)
    }
    .await;
    match result {
        Ok(r) => {
            txn.commit().await?;
            progress.finish_with(&format!(
                " ({} written, {} already present)",
                r.inserted, r.skipped
            ));
            Ok(r)
        }
        Err(e) => {
            txn.rollback().await.ok();
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_reference_points_backwards_in_the_order() {
        let declarations = crate::gql::declare::declarations();
        let position = |name: &str| ORDER.iter().position(|t| t.name() == name);
        for (ty, _, declaration) in &declarations {
            let at = position(ty).unwrap_or_else(|| panic!("{ty} is not in the order"));
            for (reference, target) in declaration
                .references
                .iter()
                .zip(declaration.reference_types)
            {
                let target_at = position(target).unwrap_or_else(|| {
                    panic!("{ty}.{reference} points to {target}, not a node type")
                });
                assert!(
                    target_at <= at,
                    "{ty}.{reference} points to {target}, which is exported after it"
                );
            }
        }
        assert_eq!(declarations.len(), ORDER.len());
    }
}

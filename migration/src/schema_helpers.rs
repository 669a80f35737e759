//! Small builders that keep the migrations declarative: every table gets the same
//! key/namespace/timestamp columns, and constraints get predictable names (the error
//! mapper turns them into client errors naming the field).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema;

/// Identifier from a string (tables and columns are named in snake_case).
pub fn id(name: &str) -> Alias {
    Alias::new(name)
}

/// `CREATE TABLE` with `id` (UUID primary key), `ns`, `created_at`, `updated_at`.
pub fn table(name: &str) -> TableCreateStatement {
    let mut t = append_only_table(name);
    t.col(schema::timestamp_with_time_zone(id("updated_at")));
    t
}

/// `CREATE TABLE` with `id` (UUID primary key), `ns`, `created_at` (rows never change).
pub fn append_only_table(name: &str) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(id(name))
        .col(schema::uuid(id("id")).primary_key())
        .col(schema::string(id("ns")))
        .col(schema::timestamp_with_time_zone(id("created_at")));
    t
}

/// A named foreign key `fk_<table>_<column>`.
pub fn foreign_key(
    table: &str,
    column: &str,
    parent: &str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(id(table), id(column))
        .to(id(parent), id("id"))
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A named CHECK `ck_<table>_<column>` holding `sql`.
pub fn check(table: &str, column: &str, sql: String) -> Check {
    Check::named(id(&format!("ck_{table}_{column}")), Expr::cust(sql))
}

/// A CHECK that `column` holds one of `values` (enumerations are stored as text).
pub fn check_in(table: &str, column: &str, values: &[&str]) -> Check {
    let list = values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ");
    check(table, column, format!("{column} IN ({list})"))
}

/// `ix_<table>_<cols>` (or `uq_...` when unique).
pub fn index(table: &str, columns: &[&str], unique: bool) -> IndexCreateStatement {
    let prefix = if unique { "uq" } else { "ix" };
    let mut i = Index::create();
    i.name(format!("{prefix}_{table}_{}", columns.join("_")))
        .table(id(table));
    for c in columns {
        i.col(id(c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

/// Runs raw statements in order (for what the builder cannot say: triggers, functions).
pub async fn run_sql<S: AsRef<str>>(
    manager: &SchemaManager<'_>,
    statements: &[S],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql.as_ref()).await?;
    }
    Ok(())
}

/// [`run_sql`] on PostgreSQL only (SQLite keeps the plain path: views and scans).
pub async fn run_sql_on_postgres<S: AsRef<str>>(
    manager: &SchemaManager<'_>,
    statements: &[S],
) -> Result<(), DbErr> {
    if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
        run_sql(manager, statements).await
    } else {
        Ok(())
    }
}

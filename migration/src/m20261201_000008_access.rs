//! Access control: users (people and service accounts), their API keys and login
//! sessions (stored only as SHA-256 hashes of their secrets), and role grants per
//! namespace prefix. Users are soft-deleted (`deleted_at`): their names stay on the audit
//! trail, and keys and grants keep their owner.

use crate::schema_helpers::{check, check_in, foreign_key, id, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, string, string_null, timestamp_with_time_zone, timestamp_with_time_zone_null,
    uuid,
};

/// Creates `users`, `api_keys` and `grants`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000008_access"
    }
}

fn users() -> TableCreateStatement {
    let t = "users";
    Table::create()
        .table(id(t))
        .col(uuid(id("id")).primary_key())
        .col(string(id("email")))
        .col(string_null(id("full_name")))
        .col(string(id("kind")))
        // Argon2id in PHC form; service accounts have none (they only use API keys).
        .col(string_null(id("password_hash")))
        .col(boolean(id("is_active")))
        .col(boolean(id("is_superuser")))
        .col(timestamp_with_time_zone_null(id("last_login_at")))
        .col(integer(id("failed_login_count")))
        .col(timestamp_with_time_zone_null(id("locked_until")))
        .col(timestamp_with_time_zone_null(id("password_changed_at")))
        .col(string_null(id("created_by")))
        .col(timestamp_with_time_zone(id("created_at")))
        .col(timestamp_with_time_zone(id("updated_at")))
        .col(timestamp_with_time_zone_null(id("deleted_at")))
        .check(check_in(t, "kind", &["USER", "SERVICE"]))
        .check(check(
            t,
            "email",
            "email = lower(email) AND length(email) BETWEEN 3 AND 320".into(),
        ))
        .check(check(
            t,
            "failed_login_count",
            "failed_login_count >= 0".into(),
        ))
        .to_owned()
}

fn api_keys() -> TableCreateStatement {
    let t = "api_keys";
    Table::create()
        .table(id(t))
        .col(uuid(id("id")).primary_key())
        .col(uuid(id("user_id")))
        .col(string(id("kind")))
        .col(string(id("name")))
        // Hex SHA-256 of the secret part of `mlg_<id>_<secret>`; the secret itself is
        // shown once and never stored.
        .col(string(id("secret_sha256")))
        .col(timestamp_with_time_zone_null(id("expires_at")))
        .col(timestamp_with_time_zone_null(id("last_used_at")))
        .col(timestamp_with_time_zone_null(id("revoked_at")))
        .col(string_null(id("created_by")))
        .col(timestamp_with_time_zone(id("created_at")))
        .foreign_key(&mut foreign_key(
            t,
            "user_id",
            "users",
            ForeignKeyAction::Restrict,
        ))
        .check(check_in(t, "kind", &["KEY", "SESSION"]))
        .check(check(
            t,
            "secret_sha256",
            "length(secret_sha256) = 64".into(),
        ))
        .to_owned()
}

fn grants() -> TableCreateStatement {
    let t = "grants";
    Table::create()
        .table(id(t))
        .col(uuid(id("id")).primary_key())
        .col(uuid(id("user_id")))
        .col(string(id("ns")))
        .col(string(id("role")))
        .col(string_null(id("created_by")))
        .col(timestamp_with_time_zone(id("created_at")))
        .foreign_key(&mut foreign_key(
            t,
            "user_id",
            "users",
            ForeignKeyAction::Restrict,
        ))
        .check(check_in(
            t,
            "role",
            &["VIEWER", "EDITOR", "APPROVER", "ADMIN"],
        ))
        .check(check(t, "ns", "length(ns) > 0".into()))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(users()).await?;
        manager
            .create_index(index("users", &["email"], true))
            .await?;
        manager.create_table(api_keys()).await?;
        manager
            .create_index(index("api_keys", &["user_id"], false))
            .await?;
        manager.create_table(grants()).await?;
        manager
            .create_index(index("grants", &["user_id", "ns", "role"], true))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["grants", "api_keys", "users"] {
            manager
                .drop_table(Table::drop().table(id(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}

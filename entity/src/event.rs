//! `events`: the append-only log of every change, written in the mutation's transaction.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An event row. Never updated or deleted by the application.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// UUID v7: time-ordered, doubles as the resume cursor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ns: String,
    pub actor: Option<String>,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub action: String,
    pub before: Option<Json>,
    pub after: Option<Json>,
    pub request_id: Option<String>,
    pub created_at: DateTimeUtc,
    /// Write order (assigned by the database on PostgreSQL, by the single writer on SQLite).
    pub seq: i64,
    /// The writing transaction (PostgreSQL; 0 on SQLite). Delivery order is `(txid, seq)`.
    pub txid: i64,
}

/// Polymorphic subject: no foreign keys (events outlive what they describe).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

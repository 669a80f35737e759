//! `api_keys`: API keys and login sessions, stored as the SHA-256 of their secret.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::KeyKind;

/// A key row. The token `mlg_<id>_<secret>` is never stored; `secret_sha256` is
/// left out of serialisation (events).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: KeyKind,
    pub name: String,
    #[serde(skip_serializing)]
    pub secret_sha256: String,
    pub expires_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_by: Option<String>,
    pub created_at: DateTimeUtc,
    /// The user who minted this key for its holder (`None`: the holder, a superuser's
    /// CLI, or a login). Honoured only while that user could manage the holder.
    pub issued_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

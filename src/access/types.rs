//! GraphQL types of access control: users, their grants and API keys, sessions, the
//! caller, and the inputs of its mutations.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{api_key, grant, user};
use uuid::Uuid;

use super::service;
use crate::AppState;
use crate::core::context::RequestContext;
use crate::enums::{KeyKind, PrincipalKind, Role};
use crate::error::AppError;
use crate::gql::api::data;

pub(super) fn uuid_arg(field: &str, id: &ID) -> Result<Uuid, AppError> {
    Uuid::try_parse(id.as_str())
        .map_err(|_| AppError::bad_input(field, format!("{:?} is not a UUID", id.as_str())))
}

pub(super) fn state_and_caller<'a>(
    ctx: &Context<'a>,
) -> Result<(&'a AppState, &'a RequestContext), AppError> {
    Ok((data::<AppState>(ctx)?, data::<RequestContext>(ctx)?))
}

/// A person or service account, with the grants and keys the caller may see.
pub struct User {
    row: user::Model,
    grants: Vec<grant::Model>,
    keys: Vec<api_key::Model>,
}

/// Loads users with their grants and keys: three statements for any number of users.
pub(super) async fn with_relations(
    state: &AppState,
    rc: &RequestContext,
    rows: Vec<user::Model>,
) -> Result<Vec<User>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|u| u.id).collect();
    let grants = service::grants_of(&state.db, rc, &ids).await?;
    let keys = service::keys_of(&state.db, rc, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|row| User {
            grants: grants
                .iter()
                .filter(|g| g.user_id == row.id)
                .cloned()
                .collect(),
            keys: keys
                .iter()
                .filter(|k| k.user_id == row.id)
                .cloned()
                .collect(),
            row,
        })
        .collect())
}

pub(super) async fn one_user(
    state: &AppState,
    rc: &RequestContext,
    row: user::Model,
) -> Result<User, AppError> {
    with_relations(state, rc, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal("user vanished".into()))
}

#[Object]
impl User {
    /// The user's id (a UUID).
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// Email address (people) or account name (service accounts), lower-case.
    async fn email(&self) -> &str {
        &self.row.email
    }
    /// Display name.
    async fn full_name(&self) -> Option<&str> {
        self.row.full_name.as_deref()
    }
    /// Person or service account.
    async fn kind(&self) -> PrincipalKind {
        self.row.kind.into()
    }
    /// Whether the user may act at all.
    async fn is_active(&self) -> bool {
        self.row.is_active
    }
    /// Whether the user may do everything.
    async fn is_superuser(&self) -> bool {
        self.row.is_superuser
    }
    /// Last successful login.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.row.last_login_at
    }
    /// Until when logins are refused after repeated failures.
    async fn locked_until(&self) -> Option<DateTime<Utc>> {
        self.row.locked_until
    }
    /// When the password last changed.
    async fn password_changed_at(&self) -> Option<DateTime<Utc>> {
        self.row.password_changed_at
    }
    /// Who created the user.
    async fn created_by(&self) -> Option<&str> {
        self.row.created_by.as_deref()
    }
    /// When the user was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// When the user was deleted (deleted users cannot log in; their name stays on the
    /// audit trail).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.row.deleted_at
    }
    /// The user's grants in namespaces you may read.
    async fn grants(&self) -> Vec<RoleGrant> {
        self.grants.iter().cloned().map(RoleGrant).collect()
    }
    /// The user's API keys and sessions (yours, or those of users you manage; else empty).
    async fn api_keys(&self) -> Vec<ApiKey> {
        self.keys.iter().cloned().map(ApiKey).collect()
    }
}

/// A role on a namespace and every namespace under it.
pub struct RoleGrant(pub(super) grant::Model);

#[Object(name = "Grant")]
impl RoleGrant {
    /// The grant's id (a UUID).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The holder's id.
    async fn user_id(&self) -> ID {
        ID(self.0.user_id.to_string())
    }
    /// The namespace prefix (`acme.com` covers `acme.com/fraud`).
    async fn ns(&self) -> &str {
        &self.0.ns
    }
    /// What it allows.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// Who granted it.
    async fn created_by(&self) -> Option<&str> {
        self.0.created_by.as_deref()
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An API key or login session (its secret is never shown again after creation).
pub struct ApiKey(pub(super) api_key::Model);

#[Object]
impl ApiKey {
    /// The key's id (a UUID; also the `<id>` part of its token).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The owner's id.
    async fn user_id(&self) -> ID {
        ID(self.0.user_id.to_string())
    }
    /// Key or session.
    async fn kind(&self) -> KeyKind {
        self.0.kind.into()
    }
    /// What it is for.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When it stops working (never when null).
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When it was last used (to the minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// When it was revoked.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// Who created it.
    async fn created_by(&self) -> Option<&str> {
        self.0.created_by.as_deref()
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A key just created: its token, shown this once.
#[derive(SimpleObject)]
pub struct CreatedApiKey {
    /// `mlg_<id>_<secret>`: send it as `Authorization: Bearer <token>`. Only its hash is
    /// stored; it cannot be shown again.
    pub(super) token: String,
    /// The key.
    pub(super) api_key: ApiKey,
}

/// A session from `login`.
#[derive(SimpleObject)]
pub struct Session {
    /// Send it as `Authorization: Bearer <token>` until it expires or you `logout`.
    pub(super) token: String,
    /// When it expires.
    pub(super) expires_at: Option<DateTime<Utc>>,
    /// Who logged in.
    pub(super) user: User,
}

/// Who is calling.
#[derive(SimpleObject)]
pub struct Caller {
    /// The authenticated user (null while authentication is off).
    pub(super) user: Option<User>,
    /// The name written on the audit trail for your changes.
    pub(super) actor: Option<String>,
    /// Whether authentication is on.
    pub(super) authentication: bool,
    /// Whether this server embeds text (started with `--embedding-model-dir`), so that
    /// `search(hybrid: true)` and `similar(text:)` answer: search by meaning as well as
    /// by words.
    pub(super) semantic_search: bool,
}

/// A user or service account to create.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Email (people) or account name (service accounts).
    pub email: String,
    /// Display name.
    pub full_name: Option<String>,
    /// Person (the default) or service account.
    #[graphql(default_with = "PrincipalKind::User")]
    pub kind: PrincipalKind,
    /// At least 12 characters (people only; service accounts use API keys).
    #[graphql(secret)]
    pub password: Option<String>,
    /// May do everything (only a superuser creates one).
    #[graphql(default = false)]
    pub is_superuser: bool,
    /// Roles granted in the same step. A namespace ADMIN must grant at least one, in a
    /// namespace they administer: an account without grants is a superuser's to manage.
    #[graphql(default)]
    pub grants: Vec<NewGrantInput>,
}

/// A role the new account holds from the start.
#[derive(InputObject)]
pub struct NewGrantInput {
    /// On which namespace (and everything under it).
    pub ns: String,
    /// Which role.
    pub role: Role,
}

/// An API key to create.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// Whose key (yours when omitted).
    pub user_id: Option<ID>,
    /// What it is for.
    pub name: String,
    /// When it stops working (never when omitted).
    pub expires_at: Option<DateTime<Utc>>,
}

/// A role to grant.
#[derive(InputObject)]
pub struct GrantRoleInput {
    /// To whom.
    pub user_id: ID,
    /// On which namespace (and everything under it).
    pub ns: String,
    /// Which role.
    pub role: Role,
}

/// Root fields an anonymous caller may select while authentication is on.
const PUBLIC_ROOT_FIELDS: &[&str] = &[
    "login",
    "me",
    "apiVersion",
    "__typename",
    "__schema",
    "__type",
];

/// Whether every operation of `doc` selects only [`PUBLIC_ROOT_FIELDS`] (through
/// fragments too).
pub fn only_public_fields(view: &crate::gql::operation::View) -> bool {
    view.operations().iter().all(|op| {
        op.selection
            .fields
            .iter()
            .all(|f| PUBLIC_ROOT_FIELDS.contains(&f.name.as_str()))
    })
}

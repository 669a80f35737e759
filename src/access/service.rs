//! Access control: passwords (Argon2id, hashed and verified off the async runtime), API
//! keys and sessions (`mlg_<id>_<secret>`, only the SHA-256 of the secret is stored),
//! grants, and the rules for who may manage whom.
//!
//! Managing a principal (minting its keys, deleting it) hands out its powers, so it is
//! allowed to a superuser, or to an ADMIN whose admin grants cover every grant the target
//! holds, and it holds at least one: an account without grants belongs to no namespace,
//! so only a superuser manages it (a namespace ADMIN creates an account and its first
//! grants in one step). Nobody but a superuser manages a superuser. A namespace ADMIN
//! lists only the accounts holding a grant in their namespaces.
//!
//! A key minted for someone else remembers its issuer and works only while the issuer
//! could still manage its holder: an ADMIN of `a.example` who minted a key for a user
//! cannot keep using it once that user is granted a role in `b.example`.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use entity::enums::{KeyKind, PrincipalKind, Role};
use entity::{api_key, grant, user};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::core::clock::Clock;
use crate::core::context::{Grant, Principal, RequestContext, Scope};
use crate::core::store::{self, Change, record_event};
use crate::core::validate;
use crate::error::{AppError, AppResult};

/// Every token starts with this.
pub const TOKEN_PREFIX: &str = "mlg_";
/// Failed logins in a row that lock an account.
pub const MAX_FAILED_LOGINS: i32 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// Shortest accepted password.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Longest accepted password (hashing cost must not be the client's to choose).
pub const MAX_PASSWORD_LEN: usize = 1024;
/// `last_used_at` is written at most this often per key.
const LAST_USED_GRANULARITY: Duration = Duration::seconds(60);

/// The one answer to a login that fails, whatever the reason (unknown, locked, deleted
/// or wrong password), so that it tells nothing about the account.
fn login_refused() -> AppError {
    AppError::Unauthenticated("invalid email or password".into())
}

/// The one answer to a token that does not authenticate.
fn token_refused() -> AppError {
    AppError::Unauthenticated("invalid, expired or revoked credentials".into())
}

fn argon2() -> AppResult<Argon2<'static>> {
    // OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19_456, 2, 1, None).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))?
}

/// The Argon2id PHC string of `password` (computed on a blocking thread).
pub async fn hash_password(password: String) -> AppResult<String> {
    blocking(move || {
        argon2()?
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hash password: {e}")))
    })
    .await
}

/// Whether `password` matches the PHC string `hash` (on a blocking thread).
async fn verify_password(password: String, hash: String) -> AppResult<bool> {
    blocking(move || {
        Ok(argon2()?
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok())
    })
    .await
}

/// A hash no password matches, verified against when there is no account to check, so
/// that such a login takes as long as one with a wrong password.
async fn dummy_hash() -> AppResult<String> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let h = hash_password(new_secret()).await?;
    Ok(DUMMY.get_or_init(|| h).clone())
}

/// Computes the dummy hash ahead of the first login (call at start-up).
pub async fn warm_up() -> AppResult<()> {
    dummy_hash().await.map(|_| ())
}

/// 32 random bytes, base64url without padding (43 characters).
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a secret, in hex: all that is kept of keys, sessions and tokens.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `mlg_<id>_<secret>` → `(id, secret)`.
fn parse_token(token: &str) -> Option<(Uuid, &str)> {
    let (id, secret) = token.strip_prefix(TOKEN_PREFIX)?.split_once('_')?;
    if id.len() != 32 || secret.is_empty() {
        return None;
    }
    Some((Uuid::try_parse(id).ok()?, secret))
}

/// The key id of a token, without checking it (rate limiting keys callers by it).
pub fn token_key_id(token: &str) -> Option<Uuid> {
    parse_token(token).map(|(id, _)| id)
}

/// A caller who presented a valid token.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who.
    pub principal: Principal,
    /// What they may touch.
    pub scope: Scope,
}

impl Authenticated {
    /// The request context of a request by this caller.
    pub fn context(self, request_id: Option<String>) -> RequestContext {
        RequestContext {
            actor: Some(self.principal.name.clone()),
            request_id,
            scope: self.scope,
            principal: Some(self.principal),
            as_of: Default::default(),
            reads: Default::default(),
        }
    }
}

/// The scope a user's grants give (everything for a superuser).
fn scope_of(user: &user::Model, grants: &[grant::Model]) -> Scope {
    if user.is_superuser {
        return Scope::All;
    }
    Scope::Grants(
        grants
            .iter()
            .map(|g| Grant {
                ns: g.ns.clone(),
                role: g.role,
            })
            .collect(),
    )
}

/// Checks a token: a key or session that exists, matches, is neither revoked nor expired,
/// and belongs to an active, undeleted user. Every request checks it again, so that a
/// revocation takes effect on the next one.
pub async fn authenticate(
    db: &DatabaseConnection,
    clock: &Clock,
    token: &str,
) -> AppResult<Authenticated> {
    let (id, secret) = parse_token(token).ok_or_else(token_refused)?;
    let key = api_key::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(token_refused)?;
    let matches: bool = sha256_hex(secret)
        .as_bytes()
        .ct_eq(key.secret_sha256.as_bytes())
        .into();
    let now = clock.now();
    if !matches || key.revoked_at.is_some() || key.expires_at.is_some_and(|t| t <= now) {
        return Err(token_refused());
    }
    let user = user::Entity::find_by_id(key.user_id)
        .one(db)
        .await?
        .filter(|u| u.deleted_at.is_none() && u.is_active)
        .ok_or_else(token_refused)?;
    let grants = crate::core::store::unscoped::<grant::Entity>()
        .filter(grant::Column::UserId.eq(user.id))
        .all(db)
        .await?;
    if let Some(issuer) = key.issued_by.filter(|i| *i != user.id)
        && !issuer_still_manages(db, issuer, &user, &grants).await?
    {
        return Err(token_refused());
    }
    if key
        .last_used_at
        .is_none_or(|t| t + LAST_USED_GRANULARITY <= now)
    {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(key.id))
            .exec(db)
            .await?;
    }
    Ok(Authenticated {
        scope: scope_of(&user, &grants),
        principal: Principal {
            user_id: user.id,
            name: user.email,
            key_id: key.id,
            superuser: user.is_superuser,
        },
    })
}

/// A key or session just made: its token (shown once) and its row.
pub struct IssuedKey {
    /// `mlg_<id>_<secret>`.
    pub token: String,
    /// The stored key.
    pub key: api_key::Model,
}

async fn issue_key(
    txn: &impl ConnectionTrait,
    ctx: &RequestContext,
    user_id: Uuid,
    kind: KeyKind,
    name: String,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<IssuedKey> {
    // Minted for someone else by a logged-in user: remember by whom (see the module doc).
    let issued_by = ctx
        .principal
        .as_ref()
        .map(|p| p.user_id)
        .filter(|issuer| *issuer != user_id);
    let id = Uuid::now_v7();
    let secret = new_secret();
    let key = api_key::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        kind: Set(kind),
        name: Set(name),
        secret_sha256: Set(sha256_hex(&secret)),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_by: Set(ctx.actor.clone()),
        created_at: Set(now),
        issued_by: Set(issued_by),
    }
    .insert(txn)
    .await?;
    Ok(IssuedKey {
        token: format!("{TOKEN_PREFIX}{}_{secret}", id.simple()),
        key,
    })
}

/// A successful login: the session and its user.
pub struct LoggedIn {
    /// The session token and row.
    pub session: IssuedKey,
    /// Who logged in.
    pub user: user::Model,
}

/// Logs in with email and password and opens a session of `ttl`. Five failures in a row
/// lock the account for 15 minutes; unknown, locked, deleted and inactive accounts get the
/// same answer as a wrong password, after the same Argon2 work.
pub async fn login(
    db: &DatabaseConnection,
    clock: &Clock,
    email: &str,
    password: String,
    ttl: Duration,
) -> AppResult<LoggedIn> {
    let email = email.trim().to_lowercase();
    let found = crate::core::store::unscoped::<user::Entity>()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    let now = clock.now();
    let usable = found.filter(|u| {
        u.deleted_at.is_none()
            && u.is_active
            && u.kind == PrincipalKind::User
            && u.password_hash.is_some()
    });
    let hash = match usable.as_ref().and_then(|u| u.password_hash.clone()) {
        Some(h) => h,
        None => dummy_hash().await?,
    };
    let password_ok = verify_password(password, hash).await?;
    let Some(user) = usable else {
        return Err(login_refused());
    };
    if user.locked_until.is_some_and(|t| t > now) {
        return Err(login_refused());
    }
    if !password_ok {
        let counted = user::Entity::update_many()
            .col_expr(
                user::Column::FailedLoginCount,
                Expr::col(user::Column::FailedLoginCount).add(1),
            )
            .filter(user::Column::Id.eq(user.id))
            .exec_with_returning(db)
            .await?;
        if counted
            .first()
            .is_some_and(|u| u.failed_login_count >= MAX_FAILED_LOGINS)
        {
            user::Entity::update_many()
                .col_expr(user::Column::LockedUntil, Expr::value(now + LOCKOUT))
                .col_expr(user::Column::FailedLoginCount, Expr::value(0))
                .filter(user::Column::Id.eq(user.id))
                .exec(db)
                .await?;
            tracing::warn!(user = %user.id, "account locked after {MAX_FAILED_LOGINS} failed logins");
        }
        return Err(login_refused());
    }
    let ctx = RequestContext {
        actor: Some(user.email.clone()),
        ..RequestContext::default()
    };
    store::transaction(db, async |txn| {
        let user = user::Entity::update_many()
            .col_expr(user::Column::FailedLoginCount, Expr::value(0))
            .col_expr(
                user::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(user::Column::LastLoginAt, Expr::value(now))
            .filter(user::Column::Id.eq(user.id))
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .next()
            .ok_or_else(login_refused)?;
        let session = issue_key(
            txn,
            &ctx,
            user.id,
            KeyKind::Session,
            "session".into(),
            Some(now + ttl),
            now,
        )
        .await?;
        record_event(
            txn,
            &ctx,
            access_change(
                "User",
                user.id,
                "",
                "LOGIN",
                None,
                Some(json!({"session": session.key.id})),
            ),
        )
        .await?;
        Ok(LoggedIn { session, user })
    })
    .await
}

/// Ends the caller's session (or revokes the key it authenticated with).
pub async fn logout(
    db: &DatabaseConnection,
    clock: &Clock,
    ctx: &RequestContext,
) -> AppResult<bool> {
    let principal = ctx
        .principal
        .as_ref()
        .ok_or_else(|| AppError::Unauthenticated("not logged in".into()))?;
    let res = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(clock.now()))
        .filter(api_key::Column::Id.eq(principal.key_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// An event about users, keys and grants (`ns` is the grant's namespace; empty for users
/// and keys, which only superusers read in the log).
fn access_change(
    entity_type: &'static str,
    id: Uuid,
    ns: &str,
    action: &'static str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Change {
    Change {
        entity_type,
        entity_id: id,
        ns: ns.to_owned(),
        action,
        before,
        after,
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> AppResult<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string()))
}

/// A user (or service account) to create.
pub struct NewUser {
    /// Email (people) or account name (service accounts); stored lower-case.
    pub email: String,
    /// Display name.
    pub full_name: Option<String>,
    /// Person or service account.
    pub kind: PrincipalKind,
    /// The password (people only).
    pub password: Option<String>,
    /// Whether the user may do everything.
    pub superuser: bool,
    /// Roles granted in the same step (a namespace ADMIN must grant at least one, in
    /// namespaces they administer).
    pub grants: Vec<(String, Role)>,
}

fn check_password(field: &str, password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(AppError::bad_input(
            field,
            format!("a password has at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(AppError::bad_input(
            field,
            format!("a password has at most {MAX_PASSWORD_LEN} bytes"),
        ));
    }
    Ok(())
}

fn normalise_email(kind: PrincipalKind, email: &str) -> AppResult<String> {
    let email = email.trim().to_lowercase();
    let valid_chars = email
        .chars()
        .all(|c| c.is_alphanumeric() || "@._+-".contains(c));
    let shaped = match kind {
        PrincipalKind::User => email
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.contains('@')),
        PrincipalKind::Service => !email.is_empty(),
    };
    if !(3..=320).contains(&email.len()) || !valid_chars || !shaped {
        return Err(AppError::bad_input(
            "input.email",
            match kind {
                PrincipalKind::User => "not an email address",
                PrincipalKind::Service => {
                    "a service account name has 3 to 320 letters, digits and @ . _ + -"
                }
            },
        ));
    }
    Ok(email)
}

/// Creates a user. Needs ADMIN on some namespace; a superuser only a superuser creates.
pub async fn create_user(
    db: &DatabaseConnection,
    clock: &Clock,
    ctx: &RequestContext,
    new: NewUser,
) -> AppResult<user::Model> {
    if !ctx.scope.administers_any() {
        return Err(AppError::Forbidden(
            "creating users needs ADMIN on a namespace".into(),
        ));
    }
    if new.superuser && ctx.scope != Scope::All {
        return Err(AppError::Forbidden(
            "only a superuser creates superusers".into(),
        ));
    }
    for (i, (ns, _)) in new.grants.iter().enumerate() {
        validate::namespace(&format!("input.grants[{i}].ns"), ns)?;
        ctx.scope.check(ns, Role::Admin)?;
    }
    if new.grants.is_empty() && ctx.scope != Scope::All {
        return Err(AppError::bad_input(
            "input.grants",
            "grant the new account a role in a namespace you administer (an account \
             without grants belongs to no namespace: only a superuser creates one)",
        ));
    }
    let email = normalise_email(new.kind, &new.email)?;
    let hash = match (new.kind, new.password) {
        (PrincipalKind::User, Some(p)) => {
            check_password("input.password", &p)?;
            Some(hash_password(p).await?)
        }
        (PrincipalKind::User, None) => {
            return Err(AppError::bad_input(
                "input.password",
                "a person needs a password",
            ));
        }
        (PrincipalKind::Service, Some(_)) => {
            return Err(AppError::bad_input(
                "input.password",
                "service accounts authenticate with API keys only",
            ));
        }
        (PrincipalKind::Service, None) => None,
    };
    let now = clock.now();
    store::transaction(db, async |txn| {
        let taken = crate::core::store::unscoped::<user::Entity>()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(txn)
            .await?;
        if taken.is_some() {
            return Err(AppError::conflict(
                Some("input.email"),
                format!("a user {email} already exists"),
            ));
        }
        let row = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email.clone()),
            full_name: Set(new.full_name.clone()),
            kind: Set(new.kind),
            password_changed_at: Set(hash.as_ref().map(|_| now)),
            password_hash: Set(hash.clone()),
            is_active: Set(true),
            is_superuser: Set(new.superuser),
            last_login_at: Set(None),
            failed_login_count: Set(0),
            locked_until: Set(None),
            created_by: Set(ctx.actor.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
        }
        .insert(txn)
        .await?;
        record_event(
            txn,
            ctx,
            access_change("User", row.id, "", "CREATE", None, Some(to_json(&row)?)),
        )
        .await?;
        for (ns, role) in &new.grants {
            insert_grant(txn, ctx, row.id, ns, *role, now).await?;
        }
        Ok(row)
    })
    .await
}

/// The caller's own user row (`me`), if it still exists.
pub async fn caller_user(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

/// A user that is not deleted, or `NOT_FOUND`.
async fn live_user(db: &impl ConnectionTrait, id: Uuid, field: &str) -> AppResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| AppError::not_found(format!("User {id} (input {field})")))
}

/// Whether the caller may manage `target` (see the module's rule).
async fn can_manage(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    target: &user::Model,
) -> AppResult<bool> {
    if ctx.scope == Scope::All {
        return Ok(true);
    }
    if target.is_superuser || !ctx.scope.administers_any() {
        return Ok(false);
    }
    let grants = crate::core::store::unscoped::<grant::Entity>()
        .filter(grant::Column::UserId.eq(target.id))
        .all(db)
        .await?;
    Ok(manages(&ctx.scope, target, &grants))
}

/// The module's rule, for a caller of `scope` and a target holding `grants`.
fn manages(scope: &Scope, target: &user::Model, grants: &[grant::Model]) -> bool {
    match scope {
        Scope::All => true,
        Scope::Grants(_) => {
            !target.is_superuser
                && !grants.is_empty()
                && grants.iter().all(|g| scope.allows(&g.ns, Role::Admin))
        }
    }
}

/// Whether the issuer of a key minted for `holder` could still manage them now (a
/// deleted or deactivated issuer cannot).
async fn issuer_still_manages(
    db: &impl ConnectionTrait,
    issuer: Uuid,
    holder: &user::Model,
    holder_grants: &[grant::Model],
) -> AppResult<bool> {
    let Some(issuer) = user::Entity::find_by_id(issuer)
        .one(db)
        .await?
        .filter(|u| u.deleted_at.is_none() && u.is_active)
    else {
        return Ok(false);
    };
    let issuer_grants = crate::core::store::unscoped::<grant::Entity>()
        .filter(grant::Column::UserId.eq(issuer.id))
        .all(db)
        .await?;
    Ok(manages(
        &scope_of(&issuer, &issuer_grants),
        holder,
        holder_grants,
    ))
}

fn is_self(ctx: &RequestContext, user_id: Uuid) -> bool {
    ctx.principal.as_ref().is_some_and(|p| p.user_id == user_id)
}

/// Soft-deletes a user: they can no longer log in, their keys and sessions are revoked,
/// their name stays on what they did.
pub async fn delete_user(
    db: &DatabaseConnection,
    clock: &Clock,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<user::Model> {
    let now = clock.now();
    store::transaction(db, async |txn| {
        let before = live_user(txn, id, "id").await?;
        if !can_manage(txn, ctx, &before).await? {
            return Err(AppError::Forbidden(format!(
                "managing {} needs ADMIN over all of their namespaces",
                before.email
            )));
        }
        let after = user::Entity::update_many()
            .col_expr(user::Column::DeletedAt, Expr::value(now))
            .col_expr(user::Column::IsActive, Expr::value(false))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(id))
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::not_found(format!("User {id}")))?;
        api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, Expr::value(now))
            .filter(api_key::Column::UserId.eq(id))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(txn)
            .await?;
        record_event(
            txn,
            ctx,
            access_change(
                "User",
                id,
                "",
                "DELETE",
                Some(to_json(&before)?),
                Some(to_json(&after)?),
            ),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Changes the caller's own password (the current one must match); other sessions and
/// keys stay valid.
pub async fn change_password(
    db: &DatabaseConnection,
    clock: &Clock,
    ctx: &RequestContext,
    current: String,
    new: String,
) -> AppResult<bool> {
    let principal = ctx
        .principal
        .as_ref()
        .ok_or_else(|| AppError::Unauthenticated("not logged in".into()))?;
    check_password("newPassword", &new)?;
    let user = live_user(db, principal.user_id, "me").await?;
    let hash = user
        .password_hash
        .clone()
        .ok_or_else(|| AppError::bad_input("currentPassword", "this account has no password"))?;
    if !verify_password(current, hash).await? {
        return Err(AppError::bad_input(
            "currentPassword",
            "the current password does not match",
        ));
    }
    let hash = hash_password(new).await?;
    let now = clock.now();
    store::transaction(db, async |txn| {
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash.clone()))
            .col_expr(user::Column::PasswordChangedAt, Expr::value(now))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(user.id))
            .exec(txn)
            .await?;
        record_event(
            txn,
            ctx,
            access_change("User", user.id, "", "PASSWORD_CHANGED", None, None),
        )
        .await?;
        Ok(true)
    })
    .await
}

/// Creates an API key for `user_id` (the caller when `None`).
pub async fn create_api_key(
    db: &DatabaseConnection,
    clock: &Clock,
    ctx: &RequestContext,
    user_id: Option<Uuid>,
    name: String,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<IssuedKey> {
    let now = clock.now();
    let user_id = match (user_id, ctx.principal.as_ref()) {
        (Some(id), _) => id,
        (None, Some(p)) => p.user_id,
        (None, None) => {
            return Err(AppError::bad_input(
                "input.userId",
                "say whose key it is (no one is logged in)",
            ));
        }
    };
    let name = name.trim().to_owned();
    validate::name("input.name", &name)?;
    if expires_at.is_some_and(|t| t <= now) {
        return Err(AppError::bad_input(
            "input.expiresAt",
            "the expiry is in the past",
        ));
    }
    store::transaction(db, async |txn| {
        let owner = live_user(txn, user_id, "input.userId").await?;
        if !is_self(ctx, owner.id) && !can_manage(txn, ctx, &owner).await? {
            return Err(AppError::Forbidden(format!(
                "managing {} needs ADMIN over all of their namespaces",
                owner.email
            )));
        }
        let issued = issue_key(
            txn,
            ctx,
            owner.id,
            KeyKind::Key,
            name.clone(),
            expires_at,
            now,
        )
        .await?;
        record_event(
            txn,
            ctx,
            access_change(
                "ApiKey",
                issued.key.id,
                "",
                "CREATE",
                None,
                Some(to_json(&issued.key)?),
            ),
        )
        .await?;
        Ok(issued)
    })
    .await
}

/// Revokes a key or session (effective on its next request). Revoking one twice is a no-op.
pub async fn revoke_api_key(
    db: &DatabaseConnection,
    clock: &Clock,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<api_key::Model> {
    let now = clock.now();
    store::transaction(db, async |txn| {
        let before = api_key::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::not_found(format!("ApiKey {id}")))?;
        let owner = user::Entity::find_by_id(before.user_id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::not_found(format!("ApiKey {id}")))?;
        if !is_self(ctx, owner.id) && !can_manage(txn, ctx, &owner).await? {
            return Err(AppError::not_found(format!("ApiKey {id}")));
        }
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        let after = api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(id))
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::not_found(format!("ApiKey {id}")))?;
        record_event(
            txn,
            ctx,
            access_change(
                "ApiKey",
                id,
                "",
                "REVOKE",
                Some(to_json(&before)?),
                Some(to_json(&after)?),
            ),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Grants `role` on `ns` (and below) to a user. Needs ADMIN on `ns`. Granting what the
/// user already holds answers the existing grant.
pub async fn grant_role(
    db: &DatabaseConnection,
    clock: &Clock,
    ctx: &RequestContext,
    user_id: Uuid,
    ns: String,
    role: Role,
) -> AppResult<grant::Model> {
    validate::namespace("input.ns", &ns)?;
    ctx.scope.check(&ns, Role::Admin)?;
    let now = clock.now();
    store::transaction(db, async |txn| {
        let user = live_user(txn, user_id, "input.userId").await?;
        let existing = crate::core::store::unscoped::<grant::Entity>()
            .filter(grant::Column::UserId.eq(user.id))
            .filter(grant::Column::Ns.eq(ns.as_str()))
            .filter(grant::Column::Role.eq(role))
            .one(txn)
            .await?;
        if let Some(g) = existing {
            return Ok(g);
        }
        insert_grant(txn, ctx, user.id, &ns, role, now).await
    })
    .await
}

/// Inserts a grant and its event.
async fn insert_grant(
    txn: &impl ConnectionTrait,
    ctx: &RequestContext,
    user_id: Uuid,
    ns: &str,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<grant::Model> {
    let row = grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        ns: Set(ns.to_owned()),
        role: Set(role),
        created_by: Set(ctx.actor.clone()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    record_event(
        txn,
        ctx,
        access_change(
            "Grant",
            row.id,
            &row.ns,
            "CREATE",
            None,
            Some(to_json(&row)?),
        ),
    )
    .await?;
    Ok(row)
}

/// Removes a grant (effective on the holder's next request; their subscriptions close).
/// Needs ADMIN on its namespace.
pub async fn revoke_grant(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<grant::Model> {
    store::transaction(db, async |txn| {
        let row = grant::Entity::find_by_id(id)
            .filter(ctx.scope.condition(grant::Column::Ns))
            .one(txn)
            .await?
            .ok_or_else(|| AppError::not_found(format!("Grant {id}")))?;
        ctx.scope.check(&row.ns, Role::Admin)?;
        grant::Entity::delete_by_id(id).exec(txn).await?;
        record_event(
            txn,
            ctx,
            access_change(
                "Grant",
                row.id,
                &row.ns,
                "DELETE",
                Some(to_json(&row)?),
                None,
            ),
        )
        .await?;
        Ok(row)
    })
    .await
}

/// Users the caller may see: everyone for a superuser; for a namespace ADMIN, the
/// accounts holding a grant in a namespace they administer (in SQL); else only
/// themselves, as for everyone. Deleted users only when asked.
pub async fn users(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    include_deleted: bool,
) -> AppResult<Vec<user::Model>> {
    let mut cond = Condition::all();
    if !include_deleted {
        cond = cond.add(user::Column::DeletedAt.is_null());
    }
    if ctx.scope != Scope::All {
        let me = ctx
            .principal
            .as_ref()
            .map(|p| p.user_id)
            .unwrap_or(Uuid::nil());
        let mut visible = Condition::any().add(user::Column::Id.eq(me));
        if ctx.scope.administers_any() {
            let administered = sea_orm::sea_query::Query::select()
                .column(grant::Column::UserId)
                .from(grant::Entity)
                .cond_where(ctx.scope.condition_for(grant::Column::Ns, Role::Admin))
                .to_owned();
            visible = visible.add(user::Column::Id.in_subquery(administered));
        }
        cond = cond.add(visible);
    }
    Ok(crate::core::store::unscoped::<user::Entity>()
        .filter(cond)
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?)
}

/// The grants of these users that the caller may read, in one statement.
pub async fn grants_of(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    users: &[Uuid],
) -> AppResult<Vec<grant::Model>> {
    Ok(crate::core::store::scoped::<grant::Entity>(ctx)
        .filter(grant::Column::UserId.is_in(users.iter().copied()))
        .order_by_asc(grant::Column::Ns)
        .order_by_asc(grant::Column::Role)
        .all(db)
        .await?)
}

/// The keys and sessions of these users, for the ones the caller may manage (and their
/// own), in two statements.
pub async fn keys_of(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    users: &[user::Model],
) -> AppResult<Vec<api_key::Model>> {
    let mut visible = Vec::new();
    if ctx.scope == Scope::All {
        visible.extend(users.iter().map(|u| u.id));
    } else {
        let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
        let all_grants = crate::core::store::unscoped::<grant::Entity>()
            .filter(grant::Column::UserId.is_in(ids))
            .all(db)
            .await?;
        for u in users {
            let theirs: Vec<grant::Model> = all_grants
                .iter()
                .filter(|g| g.user_id == u.id)
                .cloned()
                .collect();
            let covered = manages(&ctx.scope, u, &theirs);
            if covered || is_self(ctx, u.id) {
                visible.push(u.id);
            }
        }
    }
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(crate::core::store::unscoped::<api_key::Entity>()
        .filter(api_key::Column::UserId.is_in(visible))
        .order_by_asc(api_key::Column::CreatedAt)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_back_to_their_parts() {
        let id = Uuid::now_v7();
        let secret = new_secret();
        let token = format!("{TOKEN_PREFIX}{}_{secret}", id.simple());
        assert_eq!(parse_token(&token), Some((id, secret.as_str())));
        assert_eq!(parse_token("mlg_nothex_abc"), None);
        assert_eq!(parse_token(&format!("xyz_{}_{secret}", id.simple())), None);
        assert_eq!(secret.len(), 43);
        assert_ne!(new_secret(), secret);
    }

    #[test]
    fn service_account_names_and_emails_are_checked() {
        assert_eq!(
            normalise_email(PrincipalKind::User, " Alice@Example.COM ").ok(),
            Some("alice@example.com".to_owned())
        );
        assert!(normalise_email(PrincipalKind::User, "alice").is_err());
        assert!(normalise_email(PrincipalKind::Service, "trainer-1").is_ok());
        assert!(normalise_email(PrincipalKind::Service, "a b").is_err());
    }
}

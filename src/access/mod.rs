//! Access control over GraphQL: `login`/`logout`, the caller (`me`), users and service
//! accounts, API keys and role grants per namespace. The rules live in `service`; reads
//! of the registry are scoped by `core::context::Scope`, which the HTTP and WebSocket
//! layers fill from the caller's key.

pub mod service;
mod types;

pub use types::*;

use async_graphql::{Context, ID, Object, Result};

use crate::AppState;
use crate::error::AppError;
use crate::gql::api::data;

/// Access queries.
#[derive(Default)]
pub struct AccessQuery;

#[Object]
impl AccessQuery {
    /// Who you are: your user, grants and keys.
    async fn me(&self, ctx: &Context<'_>) -> Result<Caller> {
        let (state, rc) = state_and_caller(ctx)?;
        let user = match &rc.principal {
            Some(p) => match service::caller_user(&state.db, p.user_id).await? {
                Some(row) => Some(one_user(state, rc, row).await?),
                None => None,
            },
            None => None,
        };
        Ok(Caller {
            user,
            actor: rc.actor.clone(),
            authentication: state.auth.enabled,
            semantic_search: state.embedder.is_some(),
        })
    }

    /// Users and service accounts: all of them for superusers; for a namespace admin,
    /// those holding a role in a namespace they administer (and themselves); else only
    /// yourself.
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] include_deleted: bool,
    ) -> Result<Vec<User>> {
        let (state, rc) = state_and_caller(ctx)?;
        let rows = service::users(&state.db, rc, include_deleted).await?;
        Ok(with_relations(state, rc, rows).await?)
    }
}

/// Access mutations.
#[derive(Default)]
pub struct AccessMutation;

#[Object]
impl AccessMutation {
    /// Logs in and opens a session. Five failures in a row lock the account for 15 minutes.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        #[graphql(secret)] password: String,
    ) -> Result<Session> {
        let state = data::<AppState>(ctx)?;
        let done = service::login(
            &state.db,
            &state.clock,
            &email,
            password,
            chrono::Duration::from_std(state.auth.session_ttl)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        )
        .await?;
        // The answer shows the user as the new session sees them.
        let rc = service::authenticate(&state.db, &state.clock, &done.session.token)
            .await?
            .context(None);
        Ok(Session {
            token: done.session.token,
            expires_at: done.session.key.expires_at,
            user: one_user(state, &rc, done.user).await?,
        })
    }

    /// Ends the session (or revokes the key) this request authenticated with.
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        let (state, rc) = state_and_caller(ctx)?;
        Ok(service::logout(&state.db, &state.clock, rc).await?)
    }

    /// Changes your password (your sessions and keys stay valid).
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] current_password: String,
        #[graphql(secret)] new_password: String,
    ) -> Result<bool> {
        let (state, rc) = state_and_caller(ctx)?;
        Ok(
            service::change_password(&state.db, &state.clock, rc, current_password, new_password)
                .await?,
        )
    }

    /// Creates a user or service account. Needs ADMIN on some namespace.
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let (state, rc) = state_and_caller(ctx)?;
        let row = service::create_user(
            &state.db,
            &state.clock,
            rc,
            service::NewUser {
                email: input.email,
                full_name: input.full_name,
                kind: input.kind.into(),
                password: input.password,
                superuser: input.is_superuser,
                grants: input
                    .grants
                    .into_iter()
                    .map(|g| (g.ns, g.role.into()))
                    .collect(),
            },
        )
        .await?;
        Ok(one_user(state, rc, row).await?)
    }

    /// Soft-deletes a user and revokes their keys and sessions.
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let (state, rc) = state_and_caller(ctx)?;
        let id = uuid_arg("id", &id)?;
        let row = service::delete_user(&state.db, &state.clock, rc, id).await?;
        Ok(one_user(state, rc, row).await?)
    }

    /// Creates an API key; its token is in the answer and never shown again.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> Result<CreatedApiKey> {
        let (state, rc) = state_and_caller(ctx)?;
        let user_id = input
            .user_id
            .as_ref()
            .map(|id| uuid_arg("input.userId", id))
            .transpose()?;
        let issued = service::create_api_key(
            &state.db,
            &state.clock,
            rc,
            user_id,
            input.name,
            input.expires_at,
        )
        .await?;
        Ok(CreatedApiKey {
            token: issued.token,
            api_key: ApiKey(issued.key),
        })
    }

    /// Revokes an API key or session: refused from its next request on.
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<ApiKey> {
        let (state, rc) = state_and_caller(ctx)?;
        let id = uuid_arg("id", &id)?;
        Ok(ApiKey(
            service::revoke_api_key(&state.db, &state.clock, rc, id).await?,
        ))
    }

    /// Grants a role on a namespace (and everything under it). Needs ADMIN there.
    async fn grant_role(&self, ctx: &Context<'_>, input: GrantRoleInput) -> Result<RoleGrant> {
        let (state, rc) = state_and_caller(ctx)?;
        let user_id = uuid_arg("input.userId", &input.user_id)?;
        Ok(RoleGrant(
            service::grant_role(
                &state.db,
                &state.clock,
                rc,
                user_id,
                input.ns,
                input.role.into(),
            )
            .await?,
        ))
    }

    /// Removes a grant: its holder loses it on their next request, and their open
    /// subscriptions are closed. Needs ADMIN on its namespace.
    async fn revoke_grant(&self, ctx: &Context<'_>, id: ID) -> Result<RoleGrant> {
        let (state, rc) = state_and_caller(ctx)?;
        let id = uuid_arg("id", &id)?;
        Ok(RoleGrant(service::revoke_grant(&state.db, rc, id).await?))
    }
}

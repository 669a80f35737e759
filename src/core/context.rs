//! Per-request data: who is calling, which namespaces they may read and write, and the
//! request id that tags log lines and events. Services receive it and apply the scope in
//! their SQL, in one place (`store`, and the lineage walk's statement).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

pub use entity::enums::Role;

use super::like::like_literal;
use crate::core::error::{AppError, AppResult};

/// Whether `ns` is the namespace `outer` or one of its `outer/...` children.
pub fn within_namespace(ns: &str, outer: &str) -> bool {
    ns.strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether holding `have` allows what `need` asks: every role reads, ADMIN does
/// everything, EDITOR writes and APPROVER reviews.
pub fn role_allows(have: Role, need: Role) -> bool {
    have == need || have == Role::Admin || need == Role::Viewer
}

/// A role on a namespace and everything under it (`acme.com` covers `acme.com/fraud`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The namespace prefix.
    pub ns: String,
    /// What the grant allows there.
    pub role: Role,
}

/// Namespaces a caller may see and change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scope {
    /// Everything: a superuser, or any caller while authentication is off.
    #[default]
    All,
    /// What these grants allow (none: nothing at all).
    Grants(Vec<Grant>),
}

impl Scope {
    /// EDITOR (read and write) on each of `namespaces`.
    pub fn editor_of<S: Into<String>>(namespaces: impl IntoIterator<Item = S>) -> Scope {
        Scope::Grants(
            namespaces
                .into_iter()
                .map(|ns| Grant {
                    ns: ns.into(),
                    role: Role::Editor,
                })
                .collect(),
        )
    }

    /// The namespace prefixes the caller may read; `None` for all of them.
    pub fn readable(&self) -> Option<Vec<&str>> {
        self.prefixes_for(Role::Viewer)
    }

    /// The namespace prefixes where the caller holds `role`; `None` for all of them.
    pub fn prefixes_for(&self, role: Role) -> Option<Vec<&str>> {
        match self {
            Scope::All => None,
            Scope::Grants(grants) => {
                let mut list: Vec<&str> = grants
                    .iter()
                    .filter(|g| role_allows(g.role, role))
                    .map(|g| g.ns.as_str())
                    .collect();
                list.sort_unstable();
                list.dedup();
                Some(list)
            }
        }
    }

    /// A condition restricting `ns_col` to what the caller may read (false for no grants).
    pub fn condition<C: ColumnTrait>(&self, ns_col: C) -> Condition {
        self.condition_for(ns_col, Role::Viewer)
    }

    /// A condition restricting `ns_col` to where the caller holds `role`.
    pub fn condition_for<C: ColumnTrait>(&self, ns_col: C, role: Role) -> Condition {
        match self.prefixes_for(role) {
            None => Condition::all(),
            Some(list) if list.is_empty() => Condition::all().add(Expr::cust("1 = 0")),
            Some(list) => list.iter().fold(Condition::any(), |c, ns| {
                c.add(ns_col.eq(*ns))
                    .add(ns_col.like(like_literal("", &format!("{ns}/"), "%")))
            }),
        }
    }

    /// The caller's read scope as SQL over the column `col` for hand-written statements:
    /// ` AND (...)`, or nothing when everything is readable; each value goes through
    /// `param`, which returns its placeholder. [`Scope::condition`] says the same to the
    /// query builder.
    pub fn sql_filter(&self, col: &str, mut param: impl FnMut(String) -> String) -> String {
        match self.readable() {
            None => String::new(),
            Some(list) if list.is_empty() => " AND 1 = 0".to_owned(),
            Some(list) => {
                let parts: Vec<String> = list
                    .iter()
                    .map(|ns| {
                        let a = param((*ns).to_owned());
                        let b = param(format!("{}/%", crate::core::like::escape_like(ns)));
                        format!("{col} = {a} OR {col} LIKE {b} ESCAPE '\\'")
                    })
                    .collect();
                format!(" AND ({})", parts.join(" OR "))
            }
        }
    }

    /// Whether the caller may read `ns`.
    pub fn contains(&self, ns: &str) -> bool {
        self.allows(ns, Role::Viewer)
    }

    /// Whether the caller holds `role` (or one that includes it) on `ns`.
    pub fn allows(&self, ns: &str, role: Role) -> bool {
        match self {
            Scope::All => true,
            Scope::Grants(grants) => grants
                .iter()
                .any(|g| role_allows(g.role, role) && within_namespace(ns, &g.ns)),
        }
    }

    /// Whether the caller administers some namespace (or everything).
    pub fn administers_any(&self) -> bool {
        match self {
            Scope::All => true,
            Scope::Grants(grants) => grants.iter().any(|g| g.role == Role::Admin),
        }
    }

    /// Refuses unless the caller holds `role` on `ns` (`FORBIDDEN`).
    pub fn check(&self, ns: &str, role: Role) -> AppResult<()> {
        if self.allows(ns, role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "{} access to namespace {ns} is needed",
                role.as_str()
            )))
        }
    }

    /// Refuses writes (EDITOR) to `ns` the caller may not make.
    pub fn check_write(&self, ns: &str) -> AppResult<()> {
        self.check(ns, Role::Editor)
    }
}

/// An authenticated caller: the user (or service account) and the key or session it
/// presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user's id.
    pub user_id: Uuid,
    /// The user's email (or service account name): the actor on the audit trail.
    pub name: String,
    /// The API key or session that authenticated this request.
    pub key_id: Uuid,
    /// Whether the user may do everything.
    pub superuser: bool,
}

/// What a request's reads go to: a read replica's pool (see `crate::replicas`), or the
/// primary's (none).
#[derive(Clone, Default)]
pub struct ReadRoute(Option<(usize, crate::core::reads::ReadPool)>);

impl std::fmt::Debug for ReadRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some((i, _)) => write!(f, "replica {i}"),
            None => f.write_str("primary"),
        }
    }
}

impl ReadRoute {
    /// The pool reads go to: the replica's, or `primary`.
    pub fn pool<'a>(
        &'a self,
        primary: &'a crate::core::reads::ReadPool,
    ) -> &'a crate::core::reads::ReadPool {
        self.0.as_ref().map_or(primary, |(_, db)| db)
    }

    /// Reads from replica `i` through `db`.
    pub fn replica_pool(i: usize, db: crate::core::reads::ReadPool) -> ReadRoute {
        ReadRoute(Some((i, db)))
    }

    /// The replica chosen, if any.
    pub fn replica(&self) -> Option<usize> {
        self.0.as_ref().map(|(i, _)| *i)
    }
}

/// The caller of one request.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// Who acts (recorded as `created_by` and on events): the authenticated principal, or
    /// the `x-actor` header while authentication is off.
    pub actor: Option<String>,
    /// The request id (from `x-request-id` or generated).
    pub request_id: Option<String>,
    /// What the caller may touch.
    pub scope: Scope,
    /// Who authenticated, when authentication is on and the caller presented a key.
    pub principal: Option<Principal>,
    /// The instant the request reads at (time travel), fixed once its operation is read.
    pub as_of: super::asof::AsOf,
    /// Where its reads go (the primary unless a replica was chosen for it).
    pub reads: ReadRoute,
}

//! Per-request data: who is calling, which namespaces they may read and write, and the
//! request id that tags log lines and events. Services receive it and apply the scope in
//! their SQL, in one place (`store`), so that turning on authentication changes no resolver.

use sea_orm::{ColumnTrait, Condition};

use super::filter::like_literal;
use crate::error::{AppError, AppResult};

/// Whether `ns` is the namespace `outer` or one of its `outer/...` children.
pub fn within_namespace(ns: &str, outer: &str) -> bool {
    ns.strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Namespaces a caller may see and change.
#[derive(Debug, Clone, Default)]
pub enum Scope {
    /// Everything (the default until authentication is turned on).
    #[default]
    All,
    /// Only these namespaces (a namespace also covers its `ns/...` children).
    Namespaces(Vec<String>),
}

impl Scope {
    /// A condition restricting `ns_col` to the scope.
    pub fn condition<C: ColumnTrait>(&self, ns_col: C) -> Condition {
        match self {
            Scope::All => Condition::all(),
            Scope::Namespaces(list) => list.iter().fold(Condition::any(), |c, ns| {
                c.add(ns_col.eq(ns.clone())).add(ns_col.like(like_literal(
                    "",
                    &format!("{ns}/"),
                    "%",
                )))
            }),
        }
    }

    /// Whether `ns` is inside the scope.
    pub fn contains(&self, ns: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Namespaces(list) => list.iter().any(|s| within_namespace(ns, s)),
        }
    }

    /// Refuses writes outside the scope.
    pub fn check_write(&self, ns: &str) -> AppResult<()> {
        if self.contains(ns) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "no write access to namespace {ns}"
            )))
        }
    }
}

/// The caller of one request.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// Who acts (recorded as `created_by` and on events); from the `x-actor` header for now.
    pub actor: Option<String>,
    /// The request id (from `x-request-id` or generated).
    pub request_id: Option<String>,
    /// What the caller may touch.
    pub scope: Scope,
}

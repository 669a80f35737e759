//! One error type for the whole gateway (what a client sees of it, in GraphQL, is
//! `crate::error`'s).
//!
//! Every error a client sees carries `extensions.code`. Database and other internal
//! failures are logged here with their details and reach the client only as `INTERNAL`.
//! Named constraint violations (see the migration's `uq_*`, `fk_*`, `ck_*` names) become
//! `CONFLICT` / `BAD_USER_INPUT` naming the offending field.

use sea_orm::{DbErr, RuntimeErr};

use super::ids::NodeType;

/// The error codes clients may branch on (`extensions.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Invalid arguments or input values.
    BadUserInput,
    /// The addressed node does not exist (or is outside the caller's scope).
    NotFound,
    /// The change conflicts with the current state (duplicates, stale revisions, references).
    Conflict,
    /// No valid credentials.
    Unauthenticated,
    /// Credentials lack the permission.
    Forbidden,
    /// A state machine refuses the transition.
    InvalidTransition,
    /// The namespace's policy requires an approved approval for this promotion.
    ApprovalRequired,
    /// The query exceeds the depth or complexity limits.
    QueryTooComplex,
    /// Too many requests.
    RateLimited,
    /// A dependency (the database) is unreachable for now: retry later (HTTP 503).
    Unavailable,
    /// The request ran past the server's deadline (`--request-timeout-ms`); nothing of
    /// it was kept (HTTP 503).
    Timeout,
    /// A persisted document request named a document the server does not have.
    PersistedDocumentNotFound,
    /// The server runs only persisted documents (`--persisted-only`) and this one is not.
    PersistedDocumentRequired,
    /// Anything else; details are in the server log only.
    Internal,
}

impl ErrorCode {
    /// The wire form of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::InvalidTransition => "INVALID_TRANSITION",
            ErrorCode::ApprovalRequired => "APPROVAL_REQUIRED",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::PersistedDocumentNotFound => "PERSISTED_DOCUMENT_NOT_FOUND",
            ErrorCode::PersistedDocumentRequired => "PERSISTED_DOCUMENT_REQUIRED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// Errors of the service layer; resolvers return them with `?`.
///
/// Deliberately not `Display`: async-graphql converts any `Display` type into an error
/// without extensions, and every error must carry its code (see the `From` impl below).
#[derive(Debug)]
pub enum AppError {
    /// Invalid input; `field` names the input field when one is to blame.
    BadInput {
        /// Input path, e.g. `input.name`.
        field: Option<String>,
        /// Human-readable reason.
        message: String,
    },
    /// No such node (in the caller's scope).
    NotFound {
        /// What was looked for, e.g. `Model 0193...`.
        what: String,
    },
    /// Conflicts with existing state.
    Conflict {
        /// The conflicting field, when one is to blame.
        field: Option<String>,
        /// Human-readable reason.
        message: String,
    },
    /// Refused state transition.
    InvalidTransition {
        /// Current state.
        from: String,
        /// Requested state.
        to: String,
    },
    /// No valid credentials (or a login that failed).
    Unauthenticated(String),
    /// Refused because of access rules.
    Forbidden(String),
    /// A promotion the namespace's policy gates, without an approved approval.
    ApprovalRequired(String),
    /// The object store cannot be reached: temporary.
    StoreUnavailable(String),
    /// The database cannot be reached (or no connection freed up in time): temporary.
    Unavailable(DbErr),
    /// A database failure that is not the client's fault.
    Db(DbErr),
    /// Any other internal failure.
    Internal(String),
}

impl AppError {
    /// A `BAD_USER_INPUT` error blaming `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadInput {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A `NOT_FOUND` error for `what`.
    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound { what: what.into() }
    }

    /// A `CONFLICT` error.
    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        AppError::Conflict {
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }

    /// The client-visible message (internal details are never part of it).
    pub fn message(&self) -> String {
        match self {
            AppError::BadInput { message, .. } | AppError::Conflict { message, .. } => {
                message.clone()
            }
            AppError::NotFound { what } => format!("{what} not found"),
            AppError::InvalidTransition { from, to } => format!("cannot go from {from} to {to}"),
            AppError::Forbidden(message)
            | AppError::Unauthenticated(message)
            | AppError::ApprovalRequired(message) => message.clone(),
            AppError::Unavailable(_) => "the database is unavailable; retry later".to_owned(),
            AppError::StoreUnavailable(m) => format!("{m}; retry later"),
            AppError::Db(_) | AppError::Internal(_) => "internal error".to_owned(),
        }
    }

    /// The client-visible code.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadInput { .. } => ErrorCode::BadUserInput,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::ApprovalRequired(_) => ErrorCode::ApprovalRequired,
            AppError::Unavailable(_) | AppError::StoreUnavailable(_) => ErrorCode::Unavailable,
            AppError::Db(_) | AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Classifies a database error: constraint violations become client errors naming the
    /// field; everything else stays internal.
    pub fn from_db(err: DbErr) -> Self {
        if is_unreachable(&err) {
            return AppError::Unavailable(err);
        }
        match constraint_violation(&err) {
            Some(v) => v,
            None => AppError::Db(err),
        }
    }
}

/// Whether the database could not be reached, or went away mid-request (by the error's
/// kind): no free connection in time, a refused, broken or reset connection, or the
/// server saying it is shutting down, restarting or full. All pass: the client retries.
fn is_unreachable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match &**e {
                Sqlx::Io(_)
                | Sqlx::Tls(_)
                | Sqlx::Protocol(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed => true,
                Sqlx::Database(db) => db.code().is_some_and(|c| is_transient_sqlstate(&c)),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether a statement on a connection the pool handed out failed because the connection
/// itself is gone (its socket closed or reset, or the server ending its sessions: SQLSTATE
/// class 57P): a connection that sat idle in the pool while the server restarted. Errors of
/// getting a connection (`DbErr::Conn`, `DbErr::ConnectionAcquire`) are not: the database
/// is unreachable, and the pool has already waited for it.
pub fn is_broken_connection(err: &DbErr) -> bool {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            is_broken_sqlx(e)
        }
        _ => false,
    }
}

/// [`is_broken_connection`] of sqlx's error, for code that runs statements on sqlx
/// directly (`core::reads`).
pub(crate) fn is_broken_sqlx(e: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match e {
        Sqlx::Io(_) | Sqlx::Protocol(_) => true,
        Sqlx::Database(db) => db.code().is_some_and(|c| c.starts_with("57P")),
        _ => false,
    }
}

/// SQLSTATEs of a server that is going away or cannot take the request now: class 08
/// (connection exception), 57P01–57P03 (administrator or crash shutdown, cannot connect
/// now: starting up or in recovery), 53300 (too many connections).
fn is_transient_sqlstate(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

/// Maps a raw database constraint violation to a client error.
fn constraint_violation(err: &DbErr) -> Option<AppError> {
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = &**e else {
        return None;
    };
    let code = db.code().map(|c| c.to_string()).unwrap_or_default();
    let message = db.message().to_owned();
    let constraint = db.constraint().map(str::to_owned);
    // PostgreSQL: SQLSTATE + constraint name. SQLite: extended result codes + message text.
    match code.as_str() {
        "23505" | "2067" | "1555" => {
            let field = constraint
                .as_deref()
                .and_then(field_of_constraint)
                .or_else(|| sqlite_columns(&message));
            Some(AppError::Conflict {
                message: format!(
                    "a row with the same {} already exists",
                    field.as_deref().unwrap_or("key")
                ),
                field,
            })
        }
        // 23001: RESTRICT (a row still referenced); 23503: NO ACTION/missing parent;
        // 1811: a SQLite trigger standing in for RESTRICT.
        "23503" | "23001" | "787" | "1811" => {
            let field = constraint.as_deref().and_then(field_of_constraint);
            if message.contains("update or delete") || message.contains("still referenced") {
                Some(AppError::Conflict {
                    message: "the row is still referenced".into(),
                    field,
                })
            } else {
                Some(AppError::BadInput {
                    message: format!(
                        "{} refers to a row that does not exist",
                        field.as_deref().unwrap_or("a reference")
                    ),
                    field,
                })
            }
        }
        // 22021 / 22P05: a NUL character (or one the encoding cannot hold) in text.
        "22021" | "22P05" => Some(AppError::BadInput {
            message: "text must not contain NUL (\\u0000) characters".into(),
            field: None,
        }),
        "23514" | "275" => {
            let field = constraint
                .as_deref()
                .and_then(field_of_constraint)
                .or_else(|| sqlite_check_name(&message).and_then(|n| field_of_constraint(&n)));
            Some(AppError::BadInput {
                message: format!("{} is out of range", field.as_deref().unwrap_or("a value")),
                field,
            })
        }
        _ => None,
    }
}

/// `uq_models_ns_name` → `ns, name`; `fk_deployments_model_version_id` → `model_version_id`.
fn field_of_constraint(name: &str) -> Option<String> {
    let rest = name
        .strip_prefix("uq_")
        .or_else(|| name.strip_prefix("fk_"))
        .or_else(|| name.strip_prefix("ck_"))?;
    // The longest table name that prefixes it (`model_versions` before `models`).
    let table = NodeType::ALL
        .iter()
        .map(|t| t.table())
        .chain(["users", "api_keys", "grants"])
        .filter(|t| rest.len() > t.len() && rest.starts_with(t) && rest[t.len()..].starts_with('_'))
        .max_by_key(|t| t.len())?;
    let cols = &rest[table.len() + 1..];
    Some(match cols {
        "ns_name" => "name".to_owned(),
        other => other.to_owned(),
    })
}

/// `UNIQUE constraint failed: models.ns, models.name` → `name`.
fn sqlite_columns(message: &str) -> Option<String> {
    let cols = message.split(':').nth(1)?;
    let last = cols.split(',').next_back()?.trim();
    Some(last.rsplit('.').next()?.to_owned())
}

/// `CHECK constraint failed: ck_training_jobs_priority` → the constraint name.
fn sqlite_check_name(message: &str) -> Option<String> {
    Some(message.split(':').nth(1)?.trim().to_owned())
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        AppError::from_db(err)
    }
}

/// Result of service functions.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_map_to_fields() {
        assert_eq!(
            field_of_constraint("uq_models_ns_name").as_deref(),
            Some("name")
        );
        assert_eq!(
            field_of_constraint("fk_deployments_model_version_id").as_deref(),
            Some("model_version_id")
        );
        assert_eq!(
            field_of_constraint("ck_training_jobs_priority").as_deref(),
            Some("priority")
        );
        assert_eq!(field_of_constraint("pk_whatever"), None);
        for transient in ["08006", "08001", "57P01", "57P02", "57P03", "53300"] {
            assert!(is_transient_sqlstate(transient), "{transient}");
        }
        for other in ["23505", "42P01", "57014", "40001"] {
            assert!(!is_transient_sqlstate(other), "{other}");
        }
        assert_eq!(
            sqlite_columns("UNIQUE constraint failed: models.ns, models.name").as_deref(),
            Some("name")
        );
    }

    #[test]
    fn every_code_has_a_distinct_wire_name() {
        let all = [
            ErrorCode::BadUserInput,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::Unauthenticated,
            ErrorCode::Forbidden,
            ErrorCode::InvalidTransition,
            ErrorCode::QueryTooComplex,
            ErrorCode::RateLimited,
            ErrorCode::Unavailable,
            ErrorCode::Timeout,
            ErrorCode::ApprovalRequired,
            ErrorCode::Internal,
        ];
        let names: std::collections::HashSet<_> = all.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), all.len());
    }
}

//! The gateway's error type (`core::error`) as GraphQL clients see it: its message and
//! `extensions.code` (and `extensions.field`); internal failures are logged here with their
//! details and reach the client only as `INTERNAL`.

use async_graphql::ErrorExtensions;

pub use crate::core::error::*;

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        let message = match self {
            AppError::Db(e) => {
                tracing::error!(error = %e, "database error");
                "internal error".to_owned()
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                "internal error".to_owned()
            }
            AppError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                self.message()
            }
            other => other.message(),
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", self.code().as_str());
            match self {
                AppError::BadInput {
                    field: Some(field), ..
                }
                | AppError::Conflict {
                    field: Some(field), ..
                } => ext.set("field", field.as_str()),
                _ => {}
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        e.extend()
    }
}

/// A batch's error, shared by every key of the batch (`core::batch`).
impl From<crate::core::batch::BatchError> for async_graphql::Error {
    fn from(e: crate::core::batch::BatchError) -> Self {
        e.0.extend()
    }
}

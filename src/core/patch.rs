//! An optional change of an optional value, as services take it: keep it, clear it, or
//! set it. GraphQL's `MaybeUndefined` (absent / null / a value) converts into it at the
//! edge, so no service signature names a GraphQL type.

use sea_orm::ActiveValue::{self, NotSet, Set};

/// A change of an optional column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// Leave it as it is (the field was not given).
    #[default]
    Keep,
    /// Clear it (the field was given as null).
    Clear,
    /// Set it to this value.
    Set(T),
}

impl<T> Patch<T> {
    /// The value being set, if any.
    pub fn value(&self) -> Option<&T> {
        match self {
            Patch::Set(v) => Some(v),
            _ => None,
        }
    }

    /// The same change of a converted value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)),
        }
    }

    /// The same change with a fallible conversion.
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Patch<U>, E> {
        Ok(match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)?),
        })
    }

    /// The change as a column value of an active model.
    pub fn into_active(self) -> ActiveValue<Option<T>>
    where
        Option<T>: Into<sea_orm::Value>,
    {
        match self {
            Patch::Keep => NotSet,
            Patch::Clear => Set(None),
            Patch::Set(v) => Set(Some(v)),
        }
    }
}

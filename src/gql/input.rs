//! GraphQL input conventions on top of the storage kernel: an omitted field keeps, an
//! explicit `null` clears (`MaybeUndefined` → `core::patch::Patch`).

use async_graphql::MaybeUndefined;

use crate::core::patch::Patch;

impl<T> From<MaybeUndefined<T>> for Patch<T> {
    fn from(v: MaybeUndefined<T>) -> Self {
        match v {
            MaybeUndefined::Undefined => Patch::Keep,
            MaybeUndefined::Null => Patch::Clear,
            MaybeUndefined::Value(v) => Patch::Set(v),
        }
    }
}

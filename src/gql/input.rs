//! GraphQL input conventions on top of the storage kernel: an omitted field keeps, an
//! explicit `null` clears (`MaybeUndefined` → `core::patch::Patch`); id arguments are
//! global ids of one node type (`core::ids`).

use async_graphql::{ID, MaybeUndefined};
use uuid::Uuid;

use crate::core::ids::{NodeType, decode_as};
use crate::core::patch::Patch;
use crate::error::AppResult;

/// Decodes an optional id argument of type `ty`.
pub fn opt_id(id: &Option<ID>, ty: NodeType, field: &str) -> AppResult<Option<Uuid>> {
    id.as_ref().map(|id| decode_as(id, ty, field)).transpose()
}

/// Decodes an id argument that may be absent (keep), null (clear) or an id of type `ty`.
pub fn maybe_id(id: &MaybeUndefined<ID>, ty: NodeType, field: &str) -> AppResult<Patch<Uuid>> {
    Patch::from(id.clone()).try_map(|id| decode_as(&id, ty, field))
}

impl<T> From<MaybeUndefined<T>> for Patch<T> {
    fn from(v: MaybeUndefined<T>) -> Self {
        match v {
            MaybeUndefined::Undefined => Patch::Keep,
            MaybeUndefined::Null => Patch::Clear,
            MaybeUndefined::Value(v) => Patch::Set(v),
        }
    }
}

//! Opaque global ids (Relay): `base64url("Type:uuid")`.

use async_graphql::{Enum, ID};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

macro_rules! node_type_enum {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident : $fields:path ),+ $(,)?) => {
        /// Every kind of node in the graph.
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum NodeType {
            $( $(#[$doc])* $ty, )+
        }

        impl NodeType {
            /// Every node type, in the vocabulary's order.
            pub const ALL: &'static [NodeType] = &[$(NodeType::$ty),+];

            /// The name used inside global ids and the event log.
            pub fn name(self) -> &'static str {
                match self {
                    $( NodeType::$ty => stringify!($ty), )+
                }
            }

            /// The table holding nodes of this type.
            pub fn table(self) -> &'static str {
                match self {
                    $( NodeType::$ty => sea_orm::EntityName::table_name(&entity::$module::Entity), )+
                }
            }
        }
    };
}

crate::graph::node_vocabulary!(node_type_enum);

impl NodeType {
    /// Inverse of [`NodeType::name`].
    pub fn from_name(name: &str) -> Option<NodeType> {
        NodeType::ALL.iter().copied().find(|t| t.name() == name)
    }
}

/// Encodes a global id.
pub fn encode(ty: NodeType, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", ty.name(), id)))
}

/// Decodes any global id into its type and UUID.
pub fn decode(id: &str) -> Option<(NodeType, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (ty, uuid) = text.split_once(':')?;
    Some((NodeType::from_name(ty)?, Uuid::parse_str(uuid).ok()?))
}

/// Decodes a global id of any type; `field` names the argument for errors.
pub fn decode_any(id: &ID, field: &str) -> AppResult<(NodeType, Uuid)> {
    decode(id).ok_or_else(|| AppError::bad_input(field, "not a valid id"))
}

/// Decodes a global id that must be of type `ty`; `field` names the argument for errors.
pub fn decode_as(id: &ID, ty: NodeType, field: &str) -> AppResult<Uuid> {
    match decode(id) {
        Some((t, uuid)) if t == ty => Ok(uuid),
        Some((t, _)) => Err(AppError::bad_input(
            field,
            format!("expected a {} id, got a {} id", ty.name(), t.name()),
        )),
        None => Err(AppError::bad_input(field, "not a valid id")),
    }
}

/// Decodes an optional id argument of type `ty`.
pub fn opt_id(id: &Option<ID>, ty: NodeType, field: &str) -> AppResult<Option<Uuid>> {
    id.as_ref().map(|id| decode_as(id, ty, field)).transpose()
}

/// Decodes an id argument that may be absent (keep), null (clear) or an id of type `ty`.
pub fn maybe_id(
    id: &async_graphql::MaybeUndefined<ID>,
    ty: NodeType,
    field: &str,
) -> AppResult<super::patch::Patch<Uuid>> {
    super::patch::Patch::from(id.clone()).try_map(|id| decode_as(&id, ty, field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let u = Uuid::now_v7();
        for &t in NodeType::ALL {
            let id = encode(t, u);
            assert_eq!(decode(&id), Some((t, u)));
        }
        assert_eq!(decode("not-base64!"), None);
        assert!(decode_as(&encode(NodeType::Model, u), NodeType::Dataset, "id").is_err());
    }
}

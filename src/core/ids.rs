//! Opaque global ids (Relay): `base64url("Type:uuid")`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::core::error::{AppError, AppResult};

macro_rules! node_type_enum {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident ),+ $(,)?) => {
        /// Every kind of node in the graph.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

crate::core::vocabulary::node_vocabulary!(node_type_enum);

impl NodeType {
    /// Inverse of [`NodeType::name`].
    pub fn from_name(name: &str) -> Option<NodeType> {
        NodeType::ALL.iter().copied().find(|t| t.name() == name)
    }
}

/// Where a sequence of deterministic ids starts (v7 layout: its millisecond field).
const SEQUENCE_BASE_MS: u64 = 1_793_491_200_000; // 2026-11-01T00:00:00Z

/// A deterministic id sequence (see [`with_sequence`]).
struct IdSequence {
    seed: [u8; 10],
    next: std::sync::atomic::AtomicU64,
}

tokio::task_local! {
    static SEQUENCE: IdSequence;
}

/// A new node id: a UUID v7 (time-ordered, random), or, inside [`with_sequence`], the
/// next id of that sequence.
pub fn new_id() -> Uuid {
    SEQUENCE
        .try_with(|s| {
            let n = s.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // The v7 layout, so that such ids sort by creation like live ones.
            uuid::Builder::from_unix_timestamp_millis(SEQUENCE_BASE_MS + n, &s.seed).into_uuid()
        })
        .unwrap_or_else(|_| Uuid::now_v7())
}

/// Runs `work` with deterministic node ids: the same `label` and the same creations in
/// the same order give the same ids (the demo registry's, so that documentation can name
/// them). Different labels give disjoint sequences.
pub async fn with_sequence<F: std::future::Future>(label: &str, work: F) -> F::Output {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(label.as_bytes());
    let mut seed = [0u8; 10];
    seed.copy_from_slice(&digest[..10]);
    let sequence = IdSequence {
        seed,
        next: std::sync::atomic::AtomicU64::new(0),
    };
    SEQUENCE.scope(sequence, work).await
}

/// Encodes a global id.
pub fn encode(ty: NodeType, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", ty.name(), id))
}

/// Decodes any global id into its type and UUID.
pub fn decode(id: &str) -> Option<(NodeType, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (ty, uuid) = text.split_once(':')?;
    Some((NodeType::from_name(ty)?, Uuid::parse_str(uuid).ok()?))
}

/// Decodes a global id of any type; `field` names the argument for errors.
pub fn decode_any(id: &str, field: &str) -> AppResult<(NodeType, Uuid)> {
    decode(id).ok_or_else(|| AppError::bad_input(field, "not a valid id"))
}

/// Decodes a global id that must be of type `ty`; `field` names the argument for errors.
pub fn decode_as(id: &str, ty: NodeType, field: &str) -> AppResult<Uuid> {
    match decode(id) {
        Some((t, uuid)) if t == ty => Ok(uuid),
        Some((t, _)) => Err(AppError::bad_input(
            field,
            format!("expected a {} id, got a {} id", ty.name(), t.name()),
        )),
        None => Err(AppError::bad_input(field, "not a valid id")),
    }
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

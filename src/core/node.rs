//! The trait that lets generic queries, loaders and the event log treat every table alike.

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

use super::context::RequestContext;
use super::ids::NodeType;
use super::store;
use crate::core::error::AppResult;

/// A table whose rows are graph nodes: UUID `id`, `ns`, `created_at`.
pub trait NodeEntity:
    EntityTrait<Model: FromQueryResult + Clone + Send + Sync + Serialize>
    + Default
    + Send
    + Sync
    + 'static
{
    /// The node type of its rows.
    const NODE_TYPE: NodeType;
    /// The `id` column.
    fn col_id() -> Self::Column;
    /// The `ns` column.
    fn col_ns() -> Self::Column;
    /// The `created_at` column.
    fn col_created_at() -> Self::Column;
    /// A row's id.
    fn id_of(m: &Self::Model) -> Uuid;
    /// A row's namespace.
    fn ns_of(m: &Self::Model) -> &str;
}

macro_rules! node_entities {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident ),+ $(,)?) => {
        $(
            impl NodeEntity for entity::$module::Entity {
                const NODE_TYPE: NodeType = NodeType::$ty;
                fn col_id() -> Self::Column { entity::$module::Column::Id }
                fn col_ns() -> Self::Column { entity::$module::Column::Ns }
                fn col_created_at() -> Self::Column { entity::$module::Column::CreatedAt }
                fn id_of(m: &Self::Model) -> Uuid { m.id }
                fn ns_of(m: &Self::Model) -> &str { &m.ns }
            }
        )+

        /// The namespace of any node in the caller's scope, or `NOT_FOUND` naming `field`.
        pub async fn namespace_of(
            db: &impl ConnectionTrait,
            ctx: &RequestContext,
            ty: NodeType,
            id: Uuid,
            field: &str,
        ) -> AppResult<String> {
            match ty {
                $( NodeType::$ty => store::reference::<entity::$module::Entity>(db, ctx, id, None, field)
                    .await
                    .map(|m| m.ns), )+
            }
        }
    };
}

crate::core::vocabulary::node_vocabulary!(node_entities);

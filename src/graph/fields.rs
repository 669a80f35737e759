//! The fields every node shares, written once: its global `id` ([`NodeId`]), its lineage
//! (`upstream`, `downstream`), its explicit `edges` and its `history` ([`GraphFields`]).
//! Each node object merges them with its own fields, and the `Node` interface declares
//! them.

use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::NodeType;
use super::{Edge, Event};
use crate::core::ids;
use crate::core::paging::PageArgs;
use crate::gql::connection::Conn;
use crate::lineage::{self, LineageDirection, LineageGraph};
use crate::observability;

pub use crate::lineage::EdgeDirection;

/// The global id of one node: the first field of every node object.
pub struct NodeId(pub(super) (NodeType, Uuid));

#[Object]
impl NodeId {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(self.0.0, self.0.1).into()
    }
}

/// Defines a graph-fields object named `$name` (GraphQL name `$gql`): the shared
/// fields of a node, its lineage, explicit edges and history.
///
/// Every node type merges a copy of its own ([`node_objects`](super)), and the `Node`
/// interface reads [`GraphFields`]. One shared object would not do: async-graphql merges
/// a component's fields as registered at that moment, and `edges` and `history` reach
/// `Edge` and `Event` while the shared object is still being registered, so those two
/// types came out without the fields their interface declares.
macro_rules! graph_fields_object {
    ($name:ident, $gql:expr) => {
        /// The graph fields of one node: the last fields of every node object.
        pub struct $name(pub (crate::core::ids::NodeType, uuid::Uuid));

        impl async_graphql::TypeName for $name {
            fn type_name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($gql)
            }
        }

        #[async_graphql::Object(name_type)]
        impl $name {
        /// What this node was made from or depends on, up to `depth` edges away (batched
        /// with every other node of the response asking the same).
        async fn upstream(
            &self,
            ctx: &Context<'_>,
            #[graphql(
                desc = "Maximum distance (default 3; at most the server's --max-lineage-depth, 20 unless set)."
            )]
            depth: Option<i32>,
            #[graphql(desc = "Only follow these edge kinds.")] kinds: Option<Vec<String>>,
            #[graphql(desc = "Only report nodes of these types (traversal passes through others).")]
            node_types: Option<Vec<crate::graph::NodeTypeEnum>>,
            #[graphql(desc = "Page size (default 100, at most 1000).")] first: Option<i32>,
            #[graphql(desc = "`endCursor` of the previous page.")] after: Option<String>,
        ) -> Result<LineageGraph> {
            let walk = lineage::WalkArgs {
                direction: LineageDirection::Upstream,
                depth,
                kinds,
                node_types,
                first,
                after,
            };
            lineage::traverse_from(ctx, self.0, walk).await
        }

        /// What is affected if this node changes (impact), up to `depth` edges away.
        async fn downstream(
            &self,
            ctx: &Context<'_>,
            #[graphql(
                desc = "Maximum distance (default 3; at most the server's --max-lineage-depth, 20 unless set)."
            )]
            depth: Option<i32>,
            #[graphql(desc = "Only follow these edge kinds.")] kinds: Option<Vec<String>>,
            #[graphql(desc = "Only report nodes of these types (traversal passes through others).")]
            node_types: Option<Vec<crate::graph::NodeTypeEnum>>,
            #[graphql(desc = "Page size (default 100, at most 1000).")] first: Option<i32>,
            #[graphql(desc = "`endCursor` of the previous page.")] after: Option<String>,
        ) -> Result<LineageGraph> {
            let walk = lineage::WalkArgs {
                direction: LineageDirection::Downstream,
                depth,
                kinds,
                node_types,
                first,
                after,
            };
            lineage::traverse_from(ctx, self.0, walk).await
        }

        /// Explicit typed edges starting (OUT) or ending (IN) here.
        #[expect(clippy::too_many_arguments)]
        async fn edges(
            &self,
            ctx: &Context<'_>,
            #[graphql(
                default_with = "EdgeDirection::Out",
                desc = "OUT: edges from here; IN: edges to here."
            )]
            direction: EdgeDirection,
            #[graphql(desc = "Only these kinds.")] kinds: Option<Vec<String>>,
            #[graphql(desc = "Page size from the start (or after `after`).")] first: Option<i32>,
            #[graphql(desc = "Cursor to page forward from.")] after: Option<String>,
            #[graphql(desc = "Page size from the end (or before `before`).")] last: Option<i32>,
            #[graphql(desc = "Cursor to page backward from.")] before: Option<String>,
        ) -> Result<Conn<Edge>> {
            let page = PageArgs::new(first, after, last, before, None);
            lineage::edges_of(ctx, self.0.1, direction, kinds, page).await
        }

        /// This node's events, newest first.
        async fn history(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Page size from the start (or after `after`).")] first: Option<i32>,
            #[graphql(desc = "Cursor to page forward from.")] after: Option<String>,
            #[graphql(desc = "Page size from the end (or before `before`).")] last: Option<i32>,
            #[graphql(desc = "Cursor to page backward from.")] before: Option<String>,
        ) -> Result<Conn<Event>> {
            let page = PageArgs::new(first, after, last, before, None);
            observability::history_of(ctx, self.0.1, page).await
        }
    }
    };
}
pub(crate) use graph_fields_object;

/// What the fields' bodies name, for each place [`graph_fields_object`] is expanded.
pub(super) mod prelude {
    pub use super::super::{Edge, Event};
    pub use crate::core::paging::PageArgs;
    pub use crate::gql::connection::Conn;
    pub use crate::lineage::{self, EdgeDirection, LineageDirection, LineageGraph};
    pub use crate::observability;
    pub use async_graphql::{Context, Result};
}

graph_fields_object!(GraphFields, "GraphFields");

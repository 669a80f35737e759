//! Lineage and impact: typed edges between any two nodes, and bounded traversal over
//! the unified relation (foreign keys + explicit edges), both as the `lineage` query and
//! as `upstream`/`downstream` fields on every node, batched per request.

pub mod columns;
pub mod service;
mod types;

pub use types::*;

use async_graphql::{Context, ID, Json, Object, Result};

pub use service::TraversalArgs;

use crate::core::ids::{self};
use crate::gql::api::deps;
use crate::graph::Edge;

/// Lineage queries.
#[derive(Default)]
pub struct LineageQuery;

#[Object]
impl LineageQuery {
    /// The subgraph reachable from `of`: UPSTREAM (what it was made from or depends on),
    /// DOWNSTREAM (what is affected if it changes) or BOTH, up to `depth` edges away.
    /// One SQL statement per request level, whatever the graph's size.
    #[expect(clippy::too_many_arguments)]
    async fn lineage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start node.")] of: ID,
        #[graphql(default_with = "LineageDirection::Upstream")] direction: LineageDirection,
        #[graphql(
            desc = "Maximum distance (default 3; at most the server's --max-lineage-depth, 20 unless set)."
        )]
        depth: Option<i32>,
        #[graphql(desc = "Only follow these edge kinds.")] kinds: Option<Vec<String>>,
        #[graphql(desc = "Only report nodes of these types (traversal passes through others).")]
        node_types: Option<Vec<crate::graph::NodeTypeEnum>>,
        #[graphql(desc = "Page size (default 100, at most 1000).")] first: Option<i32>,
        #[graphql(desc = "`endCursor` of the previous page.")] after: Option<String>,
        #[graphql(
            name = "asOf",
            desc = "Walk the graph as it was at this instant (rebuilt from the event log)."
        )]
        _as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<LineageGraph> {
        let start = ids::decode_any(&of, "of")?;
        let w = WalkArgs {
            direction,
            depth,
            kinds,
            node_types,
            first,
            after,
        };
        walk(ctx, start, true, w).await
    }
}

/// Lineage mutations.
#[derive(Default)]
pub struct LineageMutation;

#[Object]
impl LineageMutation {
    /// Links `source --kind--> target` (idempotent). Both ends must exist, share a
    /// namespace, and be of types the kind allows. Linking an existing edge with
    /// `properties` replaces its properties (one `UPDATE` event when they differ);
    /// without `properties` it is left as it is.
    async fn link(
        &self,
        ctx: &Context<'_>,
        kind: String,
        source: ID,
        target: ID,
        properties: Option<Json<serde_json::Value>>,
    ) -> Result<Edge> {
        let d = deps(ctx)?;
        let s = ids::decode_any(&source, "source")?;
        let t = ids::decode_any(&target, "target")?;
        let props = properties.map(|p| p.0);
        Ok(Edge::from(
            service::link(&d.state.db, d.rc, &kind, s, t, props).await?,
        ))
    }
    /// Removes `source --kind--> target`; false when there was no such edge.
    async fn unlink(
        &self,
        ctx: &Context<'_>,
        kind: String,
        source: ID,
        target: ID,
    ) -> Result<bool> {
        let d = deps(ctx)?;
        let s = ids::decode_any(&source, "source")?;
        let t = ids::decode_any(&target, "target")?;
        Ok(service::unlink(&d.state.db, d.rc, &kind, s.1, t.1).await?)
    }
}

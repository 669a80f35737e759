//! GraphQL types of lineage: edges, the nodes and edges a walk reaches, its page, and the
//! per-request loader of walks.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::service;
use crate::core::batch::{Batcher, Load};
use async_graphql::{Context, ID, Object, Result};
use entity::edge;
use uuid::Uuid;

pub use service::TraversalArgs;

use crate::core::context::RequestContext;
use crate::core::ids::{self, NodeType};
use crate::core::paging::{decode_cursor, encode_cursor};
use crate::error::AppError;
use crate::graph::Edge;
use crate::graph::{Node, load_node};

crate::gql::declare::node_type! {
    /// The fields of a [`Edge`] of its own (the graph fields are shared, in `graph`).
    edge => EdgeFields;
    columns {
        /// Namespace (both ends share it).
        ns: Str,
        /// Kind, e.g. `trainedOn`.
        kind: Str,
        /// Free-form properties (e.g. evaluation metrics of `evaluatedOn`).
        properties: Json,
        /// Who linked it.
        created_by: OptStr,
        /// When it was linked.
        created_at: Time,
    }
    resolvers {
        /// The source node.
        async fn source(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
            node_of(ctx, &self.0.source_type, self.0.source_id).await
        }
        /// The target node.
        async fn target(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
            node_of(ctx, &self.0.target_type, self.0.target_id).await
        }
    }
}

pub(super) async fn node_of(ctx: &Context<'_>, ty: &str, id: Uuid) -> Result<Option<Node>> {
    match NodeType::from_name(ty) {
        Some(t) => load_node(ctx, t, id).await,
        None => Ok(None),
    }
}

/// A node reached by a traversal.
pub struct LineageNode(service::Reached);

#[Object]
impl LineageNode {
    /// The node.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        load_node(ctx, self.0.node.0, self.0.node.1).await
    }
    /// Its global id (also when the node itself is outside your scope).
    async fn id(&self) -> ID {
        ids::encode(self.0.node.0, self.0.node.1).into()
    }
    /// Its type.
    async fn node_type(&self) -> crate::graph::NodeTypeEnum {
        self.0.node.0.into()
    }
    /// Minimum number of edges from the start.
    async fn distance(&self) -> i32 {
        self.0.distance as i32
    }
    /// UPSTREAM or DOWNSTREAM of the start.
    async fn direction(&self) -> LineageDirection {
        if self.0.upstream {
            LineageDirection::Upstream
        } else {
            LineageDirection::Downstream
        }
    }
    /// One shortest path: global ids from the start to this node.
    async fn path(&self) -> Vec<ID> {
        self.0
            .path
            .iter()
            .map(|(t, id)| ids::encode(*t, *id).into())
            .collect()
    }
}

/// An edge of a lineage subgraph, normalised so that `upstream` is what `downstream`
/// was made from or depends on.
pub struct LineageEdge(service::LineageEdgeRow);

#[Object]
impl LineageEdge {
    /// Kind: an explicit kind (`trainedOn`, `dependsOn`, ...) or an implicit one
    /// (`versionOf`, `produced`, `derivedFrom`, `deployedTo`, `servedBy`, `partOf`,
    /// `runOf`, `owns`, `revisionOf`).
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The upstream end.
    async fn upstream(&self) -> ID {
        ids::encode(self.0.up.0, self.0.up.1).into()
    }
    /// The downstream end.
    async fn downstream(&self) -> ID {
        ids::encode(self.0.down.0, self.0.down.1).into()
    }
    /// The explicit edge, when this is one (implicit edges are foreign keys).
    async fn edge_id(&self) -> Option<ID> {
        self.0
            .edge_id
            .map(|id| ids::encode(NodeType::Edge, id).into())
    }
}

/// The subgraph reachable from a start node.
pub struct LineageGraph {
    start: (NodeType, Uuid),
    graph: service::Subgraph,
    offset: usize,
}

#[Object]
impl LineageGraph {
    /// The start node's global id.
    async fn start(&self) -> ID {
        ids::encode(self.start.0, self.start.1).into()
    }
    /// Reached nodes (this page), nearest first (then by id, so pages are stable).
    async fn nodes(&self) -> Vec<LineageNode> {
        self.graph.nodes.iter().cloned().map(LineageNode).collect()
    }
    /// Edges among the start and this page's nodes.
    async fn edges(&self) -> Vec<LineageEdge> {
        self.graph.edges.iter().cloned().map(LineageEdge).collect()
    }
    /// Reached nodes of the requested types, across pages.
    async fn total_count(&self) -> i32 {
        self.graph.total as i32
    }
    /// Whether the depth cap or the page cut the answer.
    async fn is_partial(&self) -> bool {
        self.graph.is_partial
    }
    /// Whether the reached subgraph contains a cycle (it is still reported once).
    async fn has_cycle(&self) -> bool {
        self.graph.has_cycle
    }
    /// Cursor of the page's last node (pass as `after` for the next page), when more follow.
    async fn end_cursor(&self) -> Option<String> {
        let next = self.offset + self.graph.nodes.len();
        // Like a connection's: the position of the page's last node.
        let last = next.checked_sub(1)?;
        (next < self.graph.total).then(|| encode_cursor(last as u64))
    }
}

/// Loader key: one start node under some traversal arguments.
#[derive(Clone)]
pub struct TraversalKey {
    root: (NodeType, Uuid),
    args: Arc<TraversalArgs>,
}

impl PartialEq for TraversalKey {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root && self.args == other.args
    }
}

impl Eq for TraversalKey {}

impl Hash for TraversalKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.root.hash(state);
        self.args.hash(state);
    }
}

/// Batches traversals: every start node asking with the same arguments shares one
/// statement.
pub struct TraversalLoader {
    db: crate::core::reads::ReadPool,
    ctx: RequestContext,
}

impl TraversalLoader {
    /// A loader for one request.
    pub fn new(
        db: crate::core::reads::ReadPool,
        ctx: RequestContext,
        spawner: crate::core::batch::Spawner,
    ) -> Batcher<TraversalLoader> {
        Batcher::new(TraversalLoader { db, ctx }, spawner)
    }
}

impl Load<TraversalKey> for TraversalLoader {
    type Value = service::Subgraph;

    async fn load(
        &self,
        keys: &[TraversalKey],
    ) -> crate::error::AppResult<HashMap<TraversalKey, Self::Value>> {
        let mut groups: HashMap<Arc<TraversalArgs>, Vec<(NodeType, Uuid)>> = HashMap::new();
        for k in keys {
            groups.entry(k.args.clone()).or_default().push(k.root);
        }
        let mut out = HashMap::new();
        for (args, roots) in groups {
            let db = crate::core::asof::Reader::new(&self.db, self.ctx.as_of.get());
            let span = tracing::info_span!(
                "lineage.traversal",
                starts = roots.len(),
                depth = args.depth,
                direction = ?args.direction,
            );
            let mut graphs = tracing::Instrument::instrument(
                service::traverse(&db, &self.ctx, &roots, &args),
                span,
            )
            .await?;
            for root in roots {
                let g = graphs.remove(&root).unwrap_or_default();
                out.insert(
                    TraversalKey {
                        root,
                        args: args.clone(),
                    },
                    g,
                );
            }
        }
        Ok(out)
    }
}

/// Which way to walk.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug, Hash)]
#[graphql(remote = "service::LineageDirection")]
pub enum LineageDirection {
    /// What the start was made from or depends on.
    Upstream,
    /// What is affected if the start changes (impact).
    Downstream,
    /// Both.
    Both,
}

/// A traversal as a client asked for it (absent arguments take the configured defaults).
pub struct WalkArgs {
    /// Which way to walk.
    pub direction: LineageDirection,
    /// Maximum distance.
    pub depth: Option<i32>,
    /// Only follow these edge kinds.
    pub kinds: Option<Vec<String>>,
    /// Only report nodes of these types.
    pub node_types: Option<Vec<crate::graph::NodeTypeEnum>>,
    /// Page size.
    pub first: Option<i32>,
    /// Cursor of the previous page.
    pub after: Option<String>,
}

/// Validates traversal arguments and walks from `start` (batched with other starts).
pub async fn traverse_from(
    ctx: &Context<'_>,
    start: (NodeType, Uuid),
    walk_args: WalkArgs,
) -> Result<LineageGraph> {
    walk(ctx, start, false, walk_args).await
}

/// [`traverse_from`]; with `check_start`, a start that does not exist in the caller's
/// scope is `NOT_FOUND`, checked inside the traversal's statement.
pub(super) async fn walk(
    ctx: &Context<'_>,
    start: (NodeType, Uuid),
    check_start: bool,
    w: WalkArgs,
) -> Result<LineageGraph> {
    let limits = &crate::gql::api::data::<crate::AppState>(ctx)?.limits;
    let max_depth = limits.max_lineage_depth;
    let depth = w.depth.unwrap_or(limits.default_lineage_depth as i32);
    if depth < 0 || depth as u32 > max_depth {
        return Err(AppError::bad_input(
            "depth",
            format!("must be between 0 and {max_depth} (the server's --max-lineage-depth)"),
        )
        .into());
    }
    let max_page = limits.max_lineage_page;
    let first = w.first.unwrap_or(limits.default_lineage_page as i32);
    if first < 1 || first as u32 > max_page {
        return Err(
            AppError::bad_input("first", format!("must be between 1 and {max_page}")).into(),
        );
    }
    let offset = match &w.after {
        Some(c) => decode_cursor("after", c)? as usize + 1,
        None => 0,
    };
    let loader = crate::gql::api::data::<Batcher<TraversalLoader>>(ctx)?;
    // Edges (and what is derived from them: paths, cycles) cost a second pass; skip it
    // when the client does not ask for them.
    let look = ctx.look_ahead();
    let with_edges = look.field("edges").exists()
        || look.field("hasCycle").exists()
        || look.field("nodes").field("path").exists();
    let args = Arc::new(TraversalArgs {
        with_edges,
        direction: w.direction.into(),
        depth: depth as u32,
        kinds: w.kinds,
        node_types: w
            .node_types
            .map(|v| v.into_iter().map(Into::into).collect()),
        first: first as usize,
        offset,
        check_start,
        max_reach: Some(limits.max_lineage_reach),
    });
    let graph = loader
        .load_one(TraversalKey { root: start, args })
        .await?
        .unwrap_or_default();
    if check_start && !graph.start_found {
        return Err(AppError::NotFound {
            what: format!("{} {} (input of)", start.0.name(), start.1),
        }
        .into());
    }
    Ok(LineageGraph {
        start,
        graph,
        offset,
    })
}

/// Which explicit edges of a node.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum EdgeDirection {
    /// Edges whose source is the node.
    Out,
    /// Edges whose target is the node.
    In,
}

/// A node's explicit edges as a connection (batched across nodes).
pub async fn edges_of(
    ctx: &Context<'_>,
    node: Uuid,
    direction: EdgeDirection,
    kinds: Option<Vec<String>>,
    args: crate::core::paging::PageArgs,
) -> Result<crate::gql::connection::Conn<Edge>> {
    use sea_orm::{ColumnTrait, Condition, Order};
    let cond = match &kinds {
        Some(k) => Condition::all().add(edge::Column::Kind.is_in(k.clone())),
        None => Condition::all(),
    };
    let order = vec![
        (edge::Column::CreatedAt, Order::Desc),
        (edge::Column::Id, Order::Desc),
    ];
    let fp = crate::gql::api::fingerprint(&[&kinds]);
    match direction {
        EdgeDirection::Out => {
            crate::gql::api::child_list::<crate::relations::EdgesOut, _>(
                ctx,
                node,
                Ok(cond),
                fp,
                order,
                args,
                Edge::from,
            )
            .await
        }
        EdgeDirection::In => {
            crate::gql::api::child_list::<crate::relations::EdgesIn, _>(
                ctx,
                node,
                Ok(cond),
                fp,
                order,
                args,
                Edge::from,
            )
            .await
        }
    }
}

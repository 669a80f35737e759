//! Lineage rules and traversal, one concern per file:
//! - [`edges`]: the kinds of explicit edges, which node types they may join, and the
//!   link/unlink writes;
//! - [`walk`]: the traversal, one bounded recursive statement for a whole batch of start
//!   nodes, whose SQL [`sql`] builds;
//! - [`answer`]: the answer made from what the statement reached (distances, one path back to
//!   the start, cycle detection, paging), unit-tested without a database.

mod answer;
mod edges;
mod sql;
mod walk;

pub use edges::{
    CASCADES, change_edge, check_kind, delete_node, edge_row, link, link_in, remove_dangling,
    unlink, unlink_in,
};
pub use walk::{
    LineageDirection, LineageEdgeRow, Reach, Reached, Subgraph, TraversalArgs, traverse,
};

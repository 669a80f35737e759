//! Machinery every domain module shares: global ids, the node-entity trait, paging
//! windows, filter inputs, the request context with its namespace scope, generic
//! queries (by id, lists, per-parent pages in one statement) and the event log writer.

pub mod asof;
pub mod batch;
pub mod clock;
pub mod context;
pub mod error;
pub mod ids;
pub mod like;
pub mod loader;
pub mod math;
pub mod node;
pub mod paging;
pub mod params;
pub mod patch;
pub mod reads;
pub mod store;
pub mod validate;
pub mod vocabulary;

#[cfg(test)]
mod rules;

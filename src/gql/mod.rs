//! The executor add-ons over async-graphql, above the storage kernel (`core`) and below
//! the domains: the one view of the operation (`operation`), how a document is bounded and
//! measured before it runs and put back in selection order after (`shape`), the planner
//! that answers a plain nested read with one statement (`plan`), the declaration of a
//! node type (`declare`), the resolver helpers (`api`) and aggregates over any node type
//! (`aggregate`). `core` knows nothing of GraphQL execution; this layer reads `core` and
//! names no domain (the schema's roots run the steps around an operation:
//! `schema::request`).

pub mod aggregate;
pub mod api;
pub mod asof;
pub mod connection;
pub mod declare;
pub mod filter;
pub mod input;
pub mod operation;
pub mod parsed;
pub mod persisted;
pub mod plan;
pub mod shape;

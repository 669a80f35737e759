//! The executor add-ons over async-graphql, above the storage kernel (`core`): how a
//! document is bounded and measured before it runs and put back in selection order after
//! (`shape`), and the planner that answers a plain nested read with one statement
//! (`plan`). `core` knows nothing of GraphQL execution; this layer reads `core`.

pub mod asof;
pub mod connection;
pub mod declare;
pub mod filter;
pub mod input;
pub mod parsed;
pub mod persisted;
pub mod plan;
pub mod shape;

//! The executor add-ons over async-graphql, above the storage kernel (`core`): the steps
//! around one operation (`request`), the one view of the operation they all read
//! (`operation`), how a document is bounded and measured before it runs and put back in
//! selection order after (`shape`), and the planner that answers a plain nested read with
//! one statement (`plan`). `core` knows nothing of GraphQL execution; this layer reads
//! `core`.

pub mod asof;
pub mod connection;
pub mod declare;
pub mod filter;
pub mod input;
pub mod operation;
pub mod parsed;
pub mod persisted;
pub mod plan;
pub mod request;
pub mod shape;

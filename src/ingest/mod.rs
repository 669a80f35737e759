//! What the ecosystem's tools report, through the protocols they already speak: an
//! OpenLineage consumer (`POST /api/v1/lineage`, [`openlineage`]) and an MLflow-compatible
//! REST API (`/api/2.0/mlflow/...`, [`mlflow`]). Both write through the same store
//! primitives as GraphQL (one transaction per change, its events with it, the caller's
//! scope checked), so what they record is ordinary registry data: workflows, datasets and
//! versions, experiments, models, versions, and [`crate::runs::JobRun`]s joined by typed
//! edges. This module is a protocol adapter: rows are made by the domains' services.

pub mod mlflow;
pub mod openlineage;
mod routes;

pub use routes::routes;
pub(crate) use routes::{is_rest_path, refusal};

//! The trait that lets generic queries, loaders and the event log treat every table alike.

use sea_orm::{EntityTrait, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

use super::ids::NodeType;

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

macro_rules! node_entity {
    ($($module:ident => $ty:ident),+ $(,)?) => {$(
        impl NodeEntity for entity::$module::Entity {
            const NODE_TYPE: NodeType = NodeType::$ty;
            fn col_id() -> Self::Column { entity::$module::Column::Id }
            fn col_ns() -> Self::Column { entity::$module::Column::Ns }
            fn col_created_at() -> Self::Column { entity::$module::Column::CreatedAt }
            fn id_of(m: &Self::Model) -> Uuid { m.id }
            fn ns_of(m: &Self::Model) -> &str { &m.ns }
        }
    )+};
}

node_entity!(
    workflow => Workflow,
    dataset => Dataset,
    dataset_version => DatasetVersion,
    model => Model,
    model_version => ModelVersion,
    experiment => Experiment,
    training_job => TrainingJob,
    experiment_run => ExperimentRun,
    endpoint => Endpoint,
    deployment => Deployment,
    prediction => Prediction,
    pattern_recognition_job => PatternRecognitionJob,
    cloud_run_service => CloudRunService,
    service_deployment => ServiceDeployment,
    edge => Edge,
    event => Event,
);

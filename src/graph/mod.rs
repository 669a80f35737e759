//! The node vocabulary: every node type of the graph, declared once in
//! [`node_vocabulary!`], and what is generated from it.
//!
//! The table is an "X-macro": each layer passes it a macro of its own and gets the items
//! it needs, so no list of node types is written twice.
//! - `core::ids`: the [`NodeType`] enum, its names, its tables;
//! - `core::node`: the entity mapping (`NodeEntity`) and the namespace lookup of any node;
//! - here: each node's GraphQL object (its own fields merged with the shared
//!   [`GraphFields`]), the [`Node`] interface and [`load_node`];
//! - `portability`: the export order (the rows' order);
//! - `aggregate`: `AggregateOf`, from the rows flagged `[listed]`.
//!
//! Adding a node type = one row below, its entity in `entity/`, its migration, and its
//! declaration (`gql::declare::node_type!`, which makes its own-fields object
//! `XFields(pub entity::x::Model)`) in its domain; see the README's checklist.

pub mod canonical;
mod fields;
mod interface;
mod tags;

pub use fields::{EdgeDirection, GraphFields, NodeId};
pub use interface::{Node, load_node};
pub use tags::{TagsChange, TagsMutation};

pub use crate::core::ids::NodeType;

/// Deletes a node with what hangs off every node, in one transaction: its artifacts
/// (their objects go with the artifact sweeper's next run) and its explicit edges (each
/// with its `DELETE` event, so lineage, impact and time travel stop showing them).
pub async fn delete<E: crate::core::node::NodeEntity>(
    db: &sea_orm::DatabaseConnection,
    ctx: &crate::core::context::RequestContext,
    id: uuid::Uuid,
) -> crate::error::AppResult<E::Model>
where
    E::Model: sea_orm::FromQueryResult + Clone + Send + Sync + serde::Serialize,
{
    crate::core::store::delete::<E>(db, ctx, id, async |txn, _| {
        crate::artifacts::service::owner_deleted(txn, ctx, id).await?;
        crate::lineage::service::node_deleted(txn, ctx, E::NODE_TYPE, id).await
    })
    .await
}

/// The GraphQL object of a node type's rows.
pub trait NodeObject: From<<Self::Entity as sea_orm::EntityTrait>::Model> {
    /// The table its rows come from.
    type Entity: crate::core::node::NodeEntity;
}

/// The node type a table holds.
pub trait EntityObject {
    /// Its GraphQL object.
    type Object: NodeObject;
    /// The object's name in the schema.
    const NAME: &'static str;
}

/// The node types: `Name = entity_module: own fields object`, each with its description,
/// `[listed]` when it has a top-level list (and so an `AggregateOf` member).
///
/// The rows' order is the export order (`portability`): every reference points to a row
/// above (a test checks it against the declarations).
///
/// `node_vocabulary!(callback)` calls `callback!` with every row (without the flags);
/// `node_vocabulary!(@listed callback)` with the listed rows only.
macro_rules! node_vocabulary {
    // The rows themselves, appended to the tokens given.
    (@rows $($head:tt)*) => {
        $crate::graph::node_vocabulary! { $($head)*
            /// A pipeline definition (a DAG of steps as JSON) that owns datasets, models and experiments.
            Workflow = workflow: crate::registry::WorkflowFields [listed],
            /// A logical dataset; its content lives in immutable numbered versions.
            Dataset = dataset: crate::data::DatasetFields [listed],
            /// An immutable, numbered version of a dataset.
            DatasetVersion = dataset_version: crate::data::DatasetVersionFields [listed],
            /// A schema proposed for a dataset (by mlgraph's inference or an agent), accepted or rejected by a person.
            SchemaDeduction = schema_deduction: crate::prep::SchemaDeductionFields [listed],
            /// A logical model (e.g. `fraud-detector`); its artifacts are numbered versions.
            Model = model: crate::registry::ModelFields [listed],
            /// An experiment: a hyperparameter search, A/B test or evaluation grouping training jobs.
            Experiment = experiment: crate::training::ExperimentFields [listed],
            /// One execution of a job or experiment as the tool that ran it reported it (an OpenLineage run, an MLflow run; `jobRuns`, `Workflow.runs`, `Experiment.jobRuns`). Trials of mlgraph's own training jobs are `ExperimentRun`s.
            JobRun = job_run: crate::runs::JobRunFields [listed],
            /// A DAG of data-preparation and training steps over a dataset, checked on every save; training jobs run it.
            Pipeline = pipeline: crate::prep::PipelineFields [listed],
            /// A unit of training work: QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED.
            TrainingJob = training_job: crate::training::TrainingJobFields [listed],
            /// A numbered version of a model: artifact, metrics, parameters and registry stage.
            ModelVersion = model_version: crate::registry::ModelVersionFields [listed],
            /// One numbered trial of an mlgraph training job (`TrainingJob.runs`): hyperparameters in, metrics out. Runs reported by MLflow clients or OpenLineage producers are `JobRun`s.
            ExperimentRun = experiment_run: crate::training::ExperimentRunFields [listed],
            /// A serving endpoint in an environment; model versions are deployed to it.
            Endpoint = endpoint: crate::serving::EndpointFields [listed],
            /// A model version deployed to an endpoint with a share of its traffic.
            Deployment = deployment: crate::serving::DeploymentFields [listed],
            /// One inference request and its answer.
            Prediction = prediction: crate::serving::PredictionFields [listed],
            /// A standalone pattern-detection batch job.
            PatternRecognitionJob = pattern_recognition_job: crate::training::PatternRecognitionJobFields [listed],
            /// A Cloud Run container service; its revisions are service deployments.
            CloudRunService = cloud_run_service: crate::serving::CloudRunServiceFields [listed],
            /// A revision of a Cloud Run service with a share of its traffic.
            ServiceDeployment = service_deployment: crate::serving::ServiceDeploymentFields [listed],
            /// A namespace's governance policy (one node per version).
            Policy = policy: crate::governance::PolicyFields,
            /// A request to move a model version to a stage: its compliance checks and review.
            Approval = approval: crate::governance::ApprovalFields [listed],
            /// One run of one compliance check for an approval, with its evidence.
            ComplianceCheck = compliance_check: crate::governance::ComplianceCheckFields,
            /// A security problem recorded on a model version (open until resolved).
            SecurityFinding = security_finding: crate::governance::SecurityFindingFields,
            /// A file of a node (model file, dataset file, checkpoint, report) in the object store.
            Artifact = artifact: crate::artifacts::ArtifactFields [listed],
            /// An exploratory report of a dataset version's file (summary always here; the full report inline or on S3).
            EdaReport = eda_report: crate::prep::EdaReportFields [listed],
            /// An explicit typed edge `source --kind--> target`.
            Edge = edge: crate::lineage::EdgeFields,
            /// One committed change: written in the same transaction as the change itself.
            Event = event: crate::observability::EventFields [listed],
        }
    };
    // Every row, flags left out.
    (@all $callback:ident; $( $(#[$doc:meta])* $ty:ident = $module:ident : $fields:path $([$flag:ident])? ),+ $(,)?) => {
        $callback! { $( $(#[$doc])* $ty = $module : $fields, )+ }
    };
    // The listed rows, gathered one by one.
    (@listed_rows $callback:ident [$($done:tt)*];) => {
        $callback! { $($done)* }
    };
    (@listed_rows $callback:ident [$($done:tt)*]; $(#[$doc:meta])* $ty:ident = $module:ident : $fields:path [listed], $($rest:tt)*) => {
        $crate::graph::node_vocabulary! { @listed_rows $callback [$($done)* $(#[$doc])* $ty = $module : $fields,]; $($rest)* }
    };
    (@listed_rows $callback:ident [$($done:tt)*]; $(#[$doc:meta])* $ty:ident = $module:ident : $fields:path, $($rest:tt)*) => {
        $crate::graph::node_vocabulary! { @listed_rows $callback [$($done)*]; $($rest)* }
    };
    (@listed $callback:ident) => {
        $crate::graph::node_vocabulary! { @rows @listed_rows $callback []; }
    };
    ($callback:ident) => {
        $crate::graph::node_vocabulary! { @rows @all $callback; }
    };
}
pub(crate) use node_vocabulary;

/// Each row's GraphQL object: the type's own fields merged with the graph fields, built
/// from its entity's row.
macro_rules! node_objects {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident : $fields:path ),+ $(,)?) => {
        /// Each node type's own copy of the graph fields (see `fields::graph_fields_object`).
        #[doc(hidden)]
        pub mod per_type {$(
            #[expect(missing_docs)]
            pub mod $module {
                use super::super::fields::prelude::*;
                super::super::fields::graph_fields_object!(Fields, concat!(stringify!($ty), "GraphFields"));
            }
        )+}
        $(
        $(#[$doc])*
        #[derive(async_graphql::MergedObject)]
        pub struct $ty(pub NodeId, pub $fields, pub per_type::$module::Fields);

        impl From<entity::$module::Model> for $ty {
            fn from(row: entity::$module::Model) -> Self {
                let node = (NodeType::$ty, row.id);
                $ty(NodeId(node), $fields(row), per_type::$module::Fields(node))
            }
        }

        impl NodeObject for $ty {
            type Entity = entity::$module::Entity;
        }

        impl EntityObject for entity::$module::Entity {
            type Object = $ty;
            const NAME: &'static str = stringify!($ty);
        }

        impl $ty {
            /// The row behind this node.
            pub fn row(&self) -> &entity::$module::Model {
                &(self.1).0
            }
        }
    )+};
}

node_vocabulary!(node_objects);

/// The GraphQL enumeration of node types (the schema's `NodeType`), the kernel's
/// [`NodeType`] as clients name it.
macro_rules! node_type_graphql {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident : $fields:path ),+ $(,)?) => {
        /// Every kind of node in the graph.
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[graphql(name = "NodeType")]
        pub enum NodeTypeEnum {
            $( $(#[$doc])* $ty, )+
        }

        impl From<NodeTypeEnum> for NodeType {
            fn from(t: NodeTypeEnum) -> NodeType {
                match t { $( NodeTypeEnum::$ty => NodeType::$ty, )+ }
            }
        }

        impl From<NodeType> for NodeTypeEnum {
            fn from(t: NodeType) -> NodeTypeEnum {
                match t { $( NodeType::$ty => NodeTypeEnum::$ty, )+ }
            }
        }
    };
}

node_vocabulary!(node_type_graphql);

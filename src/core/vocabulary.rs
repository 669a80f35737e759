//! The node vocabulary: every node type of the graph, declared once in
//! [`node_vocabulary!`] by its name and its entity module, and what each layer generates
//! from it (an "X-macro": each layer passes it a macro of its own and gets the items it
//! needs, so no list of node types is written twice):
//! - `core::ids`: the [`NodeType`](super::ids::NodeType) enum, its names, its tables;
//! - `core::node`: the entity mapping (`NodeEntity`) and the namespace lookup of any node;
//! - `core::asof`: the tables an as-of read rebuilds;
//! - `graph`: each node's GraphQL object (its own fields, `OwnFields` of its entity,
//!   merged with the graph fields), the `Node` interface and `node(id:)` loading;
//! - `portability`: the export order (the rows' order);
//! - `aggregate`: `AggregateOf`, from the rows flagged `[listed]`.
//!
//! Adding a node type = one row below, its entity in `entity/`, its migration, and its
//! declaration (`gql::declare::node_type!`, which makes its own-fields object) in its
//! domain; see the README's checklist.

/// The node types: `Name = entity_module`, each with its description,
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
        $crate::core::vocabulary::node_vocabulary! { $($head)*
            /// A pipeline definition (a DAG of steps as JSON) that owns datasets, models and experiments.
            Workflow = workflow [listed],
            /// A logical dataset; its content lives in immutable numbered versions.
            Dataset = dataset [listed],
            /// An immutable, numbered version of a dataset.
            DatasetVersion = dataset_version [listed],
            /// A schema proposed for a dataset (by mlgraph's inference or an agent), accepted or rejected by a person.
            SchemaDeduction = schema_deduction [listed],
            /// A logical model (e.g. `fraud-detector`); its artifacts are numbered versions.
            Model = model [listed],
            /// An experiment: a hyperparameter search, A/B test or evaluation grouping training jobs.
            Experiment = experiment [listed],
            /// One execution of a job or experiment as the tool that ran it reported it (an OpenLineage run, an MLflow run; `jobRuns`, `Workflow.runs`, `Experiment.jobRuns`). Trials of mlgraph's own training jobs are `ExperimentRun`s.
            JobRun = job_run [listed],
            /// A DAG of data-preparation and training steps over a dataset, checked on every save; training jobs run it.
            Pipeline = pipeline [listed],
            /// A unit of training work: QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED.
            TrainingJob = training_job [listed],
            /// A numbered version of a model: artifact, metrics, parameters and registry stage.
            ModelVersion = model_version [listed],
            /// One numbered trial of an mlgraph training job (`TrainingJob.runs`): hyperparameters in, metrics out. Runs reported by MLflow clients or OpenLineage producers are `JobRun`s.
            ExperimentRun = experiment_run [listed],
            /// A serving endpoint in an environment; model versions are deployed to it.
            Endpoint = endpoint [listed],
            /// A model version deployed to an endpoint with a share of its traffic.
            Deployment = deployment [listed],
            /// One inference request and its answer.
            Prediction = prediction [listed],
            /// A standalone pattern-detection batch job.
            PatternRecognitionJob = pattern_recognition_job [listed],
            /// A Cloud Run container service; its revisions are service deployments.
            CloudRunService = cloud_run_service [listed],
            /// A revision of a Cloud Run service with a share of its traffic.
            ServiceDeployment = service_deployment [listed],
            /// A namespace's governance policy (one node per version).
            Policy = policy,
            /// A request to move a model version to a stage: its compliance checks and review.
            Approval = approval [listed],
            /// One run of one compliance check for an approval, with its evidence.
            ComplianceCheck = compliance_check,
            /// A security problem recorded on a model version (open until resolved).
            SecurityFinding = security_finding,
            /// A file of a node (model file, dataset file, checkpoint, report) in the object store.
            Artifact = artifact [listed],
            /// An exploratory report of a dataset version's file (summary always here; the full report inline or on S3).
            EdaReport = eda_report [listed],
            /// An explicit typed edge `source --kind--> target`.
            Edge = edge,
            /// One committed change: written in the same transaction as the change itself.
            Event = event [listed],
        }
    };
    // Every row, flags left out.
    (@all $callback:ident; $( $(#[$doc:meta])* $ty:ident = $module:ident $([$flag:ident])? ),+ $(,)?) => {
        $callback! { $( $(#[$doc])* $ty = $module, )+ }
    };
    // The listed rows, gathered one by one.
    (@listed_rows $callback:ident [$($done:tt)*];) => {
        $callback! { $($done)* }
    };
    (@listed_rows $callback:ident [$($done:tt)*]; $(#[$doc:meta])* $ty:ident = $module:ident [listed], $($rest:tt)*) => {
        $crate::core::vocabulary::node_vocabulary! { @listed_rows $callback [$($done)* $(#[$doc])* $ty = $module,]; $($rest)* }
    };
    (@listed_rows $callback:ident [$($done:tt)*]; $(#[$doc:meta])* $ty:ident = $module:ident, $($rest:tt)*) => {
        $crate::core::vocabulary::node_vocabulary! { @listed_rows $callback [$($done)*]; $($rest)* }
    };
    (@listed $callback:ident) => {
        $crate::core::vocabulary::node_vocabulary! { @rows @listed_rows $callback []; }
    };
    ($callback:ident) => {
        $crate::core::vocabulary::node_vocabulary! { @rows @all $callback; }
    };
}
pub(crate) use node_vocabulary;

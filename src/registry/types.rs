//! GraphQL types of the registry: workflows, models and model versions.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Result};

use super::commands;
use crate::core::ids::decode_as;
use crate::core::patch::Patch;
use crate::enums::{ModelStage, ModelStatus, WorkflowStatus};
use crate::error::AppResult;
use crate::gql::api::{self};
use crate::gql::input::{maybe_id, opt_id};
use crate::graph::{
    Approval, Artifact, Dataset, Deployment, Experiment, JobRun, Model, ModelVersion, NodeType,
    Prediction, TrainingJob, Workflow,
};
use crate::relations::WorkflowRuns;
use crate::serving::DeploymentFilter;

crate::gql::declare::node_type! {
    /// The fields of a [`Workflow`] of its own (the graph fields are shared, in `graph`).
    workflow => WorkflowFields, list WorkflowFilter, WorkflowOrder of "workflows";
    columns {
        /// Namespace (team, project or tenant).
        ns: Str filter,
        /// Name, unique in the namespace.
        name: Str filter order,
        /// Free-text description.
        description: OptStr,
        /// Lifecycle status.
        status: Enum(WorkflowStatus) filter order,
        /// The DAG definition.
        config: Json,
        /// Who created it.
        created_by: OptStr filter,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time order,
    }
    children {
        /// Datasets of this workflow.
        datasets: WorkflowDatasets => Dataset,
        /// Models of this workflow.
        models: WorkflowModels => Model,
        /// Experiments of this workflow.
        experiments: WorkflowExperiments => Experiment,
    }
    loaded {
        /// Its runs as OpenLineage or MLflow clients reported them.
        runs: JobRun via crate::runs::runs_of::<WorkflowRuns>,
    }
    filter_related {
        /// Has at least one model matching.
        models: ModelFilter => Id in model.WorkflowId,
    }
    resolvers {
        /// Its canonical URL (`/ns/<namespace>/Workflow/<Name_with_underscores>`); `GET` on it
        /// answers this node's id.
        async fn canonical_url(&self) -> String {
            crate::graph::canonical::url(crate::core::ids::NodeType::Workflow, &self.0.ns, &self.0.name)
        }
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`Model`] of its own (the graph fields are shared, in `graph`).
    model => ModelFields, list ModelFilter, ModelOrder of "models";
    columns {
        /// Tags (`{key: value}`; MLflow clients set them).
        tags: JsonOrEmpty,
        /// Its risk class under the EU AI Act.
        risk_class: OptEnum(crate::governance::RiskClass),
        /// How humans oversee it.
        human_oversight: OptStr,
        /// What it is meant for.
        intended_purpose: OptStr,
        /// Namespace.
        ns: Str filter,
        /// Name, unique in the namespace.
        name: Str filter order,
        /// Free-text description.
        description: OptStr,
        /// Task, e.g. `classification`.
        task: OptStr filter,
        /// Framework, e.g. `pytorch`.
        framework: OptStr filter,
        /// Lifecycle status.
        status: Enum(ModelStatus) filter order,
        /// Highest version number handed out so far.
        latest_version_number: Copy(i32) = version_seq,
        /// Who created it.
        created_by: OptStr filter,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time order,
    }
    references {
        /// The workflow that owns it.
        workflow: Workflow = workflow_id filter,
    }
    children {
        /// Its versions (newest first unless ordered otherwise).
        versions: ModelVersions => ModelVersion,
        /// Training jobs that train it.
        training_jobs: ModelTrainingJobs => TrainingJob,
    }
    filter_related {
        /// Has at least one version matching (e.g. `{stage: {eq: PRODUCTION}}`).
        versions: ModelVersionFilter => Id in model_version.ModelId,
        /// Belongs to a workflow matching.
        workflow_matches: WorkflowFilter => WorkflowId in workflow.Id,
    }
    filter_custom {
        /// Runs on an endpoint matching: one of its versions is deployed there, or the
        /// model or one of its versions has an explicit `deployedTo` edge to that endpoint
        /// or to one of its deployments (e.g. `{environment: {eq: PRODUCTION}}`).
        deployed_to: crate::serving::EndpointFilter => super::service::deployed_to,
    }
    resolvers {
        /// Its canonical URL (`/ns/<namespace>/Model/<Name_with_underscores>`); `GET` on it
        /// answers this node's id.
        async fn canonical_url(&self) -> String {
            crate::graph::canonical::url(crate::core::ids::NodeType::Model, &self.0.ns, &self.0.name)
        }
        /// The version an alias names (`champion`, `prod`), if any.
        async fn version_by_alias(
            &self,
            ctx: &Context<'_>,
            alias: String,
        ) -> Result<Option<ModelVersion>> {
            let d = api::deps(ctx)?;
            match super::service::version_by_alias(&d.db, d.rc, self.0.id, &alias).await {
                Ok(v) => Ok(Some(ModelVersion::from(v))),
                Err(crate::error::AppError::NotFound { .. }) => Ok(None),
                Err(e) => Err(e.into()),
            }
        }
    }
}

crate::gql::declare::node_type! {
    /// The fields of a [`ModelVersion`] of its own (the graph fields are shared, in `graph`).
    model_version => ModelVersionFields, list ModelVersionFilter, ModelVersionOrder of "model versions";
    columns {
        /// Tags (`{key: value}`; what an MLflow client registered sits under `_mlflow`: its
        /// run id, logged model id, description).
        tags: JsonOrEmpty,
        /// Namespace (the model's).
        ns: Str filter,
        /// Version number, assigned by the server (1, 2, ... per model).
        version: Copy(i32) filter order,
        /// Where the artifact is stored.
        artifact_uri: OptStr,
        /// Checksum of the artifact.
        checksum: OptStr,
        /// Artifact size in bytes.
        size_bytes: Copy(Option<i64>),
        /// Evaluation metrics, e.g. `{"accuracy": 0.93}`.
        metrics: Json,
        /// Training parameters.
        params: Json,
        /// Registry stage.
        stage: Enum(ModelStage) filter order,
        /// Who registered it.
        created_by: OptStr filter,
        /// Creation time.
        created_at: Time filter order,
        /// Last change.
        updated_at: Time,
    }
    references {
        /// The model it versions.
        model: Model = model_id filter,
        /// The version it was derived from.
        parent: ModelVersion = parent_version_id filter,
        /// The training job that produced it.
        training_job: TrainingJob = training_job_id filter,
    }
    children {
        /// Versions derived from this one.
        derived_versions: DerivedVersions => ModelVersion,
        /// Where it is deployed.
        deployments: VersionDeployments => Deployment,
        /// Predictions it answered.
        predictions: VersionPredictions => Prediction,
        /// Approvals requested for it (each with the compliance checks it was decided on).
        approvals: VersionApprovals => Approval,
    }
    loaded {
        /// Its files in the artifact store (live ones unless the filter asks for deleted).
        artifacts: Artifact via crate::artifacts::owned,
    }
    filter_related {
        /// Belongs to a model matching.
        model_matches: ModelFilter => ModelId in model.Id,
        /// Has at least one deployment matching.
        deployments: DeploymentFilter => Id in deployment.ModelVersionId,
    }
    resolvers {
        /// Its aliases (each names at most one version of the model; set with `setModelAlias`
        /// or an MLflow client). Current aliases, also under `asOf`.
        async fn aliases(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
            let d = api::deps(ctx)?;
            Ok(d.loader
                .load_one(super::AliasesOf(self.0.id))
                .await?
                .unwrap_or_default())
        }
    }
}

/// Input of `createWorkflow`.
#[derive(InputObject, Debug)]
pub struct CreateWorkflowInput {
    /// Namespace, e.g. `acme.com/fraud`.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Status (DRAFT unless given).
    pub status: Option<WorkflowStatus>,
    /// DAG definition.
    pub config: Option<Json<serde_json::Value>>,
}

/// Input of `updateWorkflow`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateWorkflowInput {
    /// The workflow.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description (null clears it).
    pub description: MaybeUndefined<String>,
    /// New status.
    pub status: Option<WorkflowStatus>,
    /// New DAG definition.
    pub config: Option<Json<serde_json::Value>>,
}

/// Input of `createModel`.
#[derive(InputObject, Debug)]
pub struct CreateModelInput {
    /// Namespace.
    pub ns: String,
    /// Name, unique in the namespace.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Task, e.g. `classification`.
    pub task: Option<String>,
    /// Framework, e.g. `pytorch`.
    pub framework: Option<String>,
    /// Owning workflow (same namespace).
    pub workflow_id: Option<ID>,
}

/// Input of `updateModel`: absent fields stay as they are.
#[derive(InputObject, Debug)]
pub struct UpdateModelInput {
    /// The model.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description (null clears it).
    pub description: MaybeUndefined<String>,
    /// New task (null clears it).
    pub task: MaybeUndefined<String>,
    /// New framework (null clears it).
    pub framework: MaybeUndefined<String>,
    /// New workflow (null detaches it).
    pub workflow_id: MaybeUndefined<ID>,
}

/// Input of `createModelVersion`. The version number is assigned by the server.
#[derive(InputObject, Debug)]
pub struct CreateModelVersionInput {
    /// The model.
    pub model_id: ID,
    /// Where the artifact is stored.
    pub artifact_uri: Option<String>,
    /// Checksum of the artifact.
    pub checksum: Option<String>,
    /// Artifact size in bytes (> 0).
    pub size_bytes: Option<i64>,
    /// Evaluation metrics.
    pub metrics: Option<Json<serde_json::Value>>,
    /// Training parameters.
    pub params: Option<Json<serde_json::Value>>,
    /// The version it derives from (same namespace).
    pub parent_version_id: Option<ID>,
    /// The training job that produced it (same namespace).
    pub training_job_id: Option<ID>,
}

/// Input of `updateModelVersion`: absent fields stay as they are. The stage changes
/// through `promoteModelVersion`.
#[derive(InputObject, Debug)]
pub struct UpdateModelVersionInput {
    /// The version.
    pub id: ID,
    /// New artifact location.
    pub artifact_uri: MaybeUndefined<String>,
    /// New checksum.
    pub checksum: MaybeUndefined<String>,
    /// New size.
    pub size_bytes: MaybeUndefined<i64>,
    /// New metrics.
    pub metrics: Option<Json<serde_json::Value>>,
    /// New parameters.
    pub params: Option<Json<serde_json::Value>>,
}

// GraphQL inputs → commands.

impl CreateWorkflowInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, _at: &str) -> AppResult<commands::CreateWorkflow> {
        Ok(commands::CreateWorkflow {
            ns: self.ns,
            name: self.name,
            description: self.description,
            status: self.status.map(Into::into),
            config: self.config.map(|j| j.0),
        })
    }
}

impl UpdateWorkflowInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateWorkflow> {
        Ok(commands::UpdateWorkflow {
            id: decode_as(&self.id, NodeType::Workflow, &format!("{at}.id"))?,
            name: self.name,
            description: Patch::from(self.description),
            status: self.status.map(Into::into),
            config: self.config.map(|j| j.0),
        })
    }
}

impl CreateModelInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CreateModel> {
        Ok(commands::CreateModel {
            ns: self.ns,
            name: self.name,
            description: self.description,
            task: self.task,
            framework: self.framework,
            workflow_id: opt_id(
                &self.workflow_id,
                NodeType::Workflow,
                &format!("{at}.workflowId"),
            )?,
        })
    }
}

impl UpdateModelInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateModel> {
        Ok(commands::UpdateModel {
            id: decode_as(&self.id, NodeType::Model, &format!("{at}.id"))?,
            name: self.name,
            description: Patch::from(self.description),
            task: Patch::from(self.task),
            framework: Patch::from(self.framework),
            workflow_id: maybe_id(
                &self.workflow_id,
                NodeType::Workflow,
                &format!("{at}.workflowId"),
            )?,
        })
    }
}

impl CreateModelVersionInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::CreateModelVersion> {
        Ok(commands::CreateModelVersion {
            model_id: decode_as(&self.model_id, NodeType::Model, &format!("{at}.modelId"))?,
            artifact_uri: self.artifact_uri,
            checksum: self.checksum,
            size_bytes: self.size_bytes,
            metrics: self.metrics.map(|j| j.0),
            params: self.params.map(|j| j.0),
            parent_version_id: opt_id(
                &self.parent_version_id,
                NodeType::ModelVersion,
                &format!("{at}.parentVersionId"),
            )?,
            training_job_id: opt_id(
                &self.training_job_id,
                NodeType::TrainingJob,
                &format!("{at}.trainingJobId"),
            )?,
        })
    }
}

impl UpdateModelVersionInput {
    /// The service's command; ids are decoded here (errors name `at.field`).
    pub fn into_command(self, at: &str) -> AppResult<commands::UpdateModelVersion> {
        Ok(commands::UpdateModelVersion {
            id: decode_as(&self.id, NodeType::ModelVersion, &format!("{at}.id"))?,
            artifact_uri: Patch::from(self.artifact_uri),
            checksum: Patch::from(self.checksum),
            size_bytes: Patch::from(self.size_bytes),
            metrics: self.metrics.map(|j| j.0),
            params: self.params.map(|j| j.0),
        })
    }
}

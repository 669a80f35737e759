//! GraphQL types of the registry: workflows, models and model versions.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use entity::{model, model_version, workflow};

use super::commands;
use crate::api::{self, child_list, load_ref};
use crate::core::filter::{
    DateTimeFilter, IdFilter, IntFilter, StringFilter, cond_of, filter_input, order_input,
};
use crate::core::ids::{decode_as, maybe_id, opt_id};
use crate::core::paging::{Conn, PageArgs};
use crate::core::patch::Patch;
use crate::data::{DatasetFilter, DatasetOrder};
use crate::enums::*;
use crate::error::AppResult;
use crate::graph::*;
use crate::relations::*;
use crate::serving::{DeploymentFilter, DeploymentOrder, PredictionFilter, PredictionOrder};
use crate::training::{ExperimentFilter, ExperimentOrder, TrainingJobFilter, TrainingJobOrder};

/// The fields of a [`Workflow`] of its own (the graph fields are shared, in `graph`).
pub struct WorkflowFields(pub workflow::Model);

#[Object]
impl WorkflowFields {
    /// Namespace (team, project or tenant).
    async fn ns(&self) -> &str {
        &self.0.ns
    }
    /// Name, unique in the namespace.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Free-text description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Lifecycle status.
    async fn status(&self) -> WorkflowStatus {
        self.0.status.into()
    }
    /// The DAG definition.
    async fn config(&self) -> Json<&serde_json::Value> {
        Json(&self.0.config)
    }
    /// Who created it.
    async fn created_by(&self) -> Option<&str> {
        self.0.created_by.as_deref()
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Its runs as OpenLineage or MLflow clients reported them.
    #[allow(clippy::too_many_arguments)]
    async fn runs(
        &self,
        ctx: &Context<'_>,
        filter: Option<crate::ingest::JobRunFilter>,
        order_by: Option<Vec<crate::ingest::JobRunOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<JobRun>> {
        crate::ingest::runs_of::<WorkflowRuns>(
            ctx,
            self.0.id,
            filter,
            order_by,
            PageArgs::new(first, after, last, before, offset),
        )
        .await
    }
    /// Datasets of this workflow.
    #[allow(clippy::too_many_arguments)]
    async fn datasets(
        &self,
        ctx: &Context<'_>,
        filter: Option<DatasetFilter>,
        order_by: Option<Vec<DatasetOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<Dataset>> {
        child_list::<WorkflowDatasets, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            DatasetOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            Dataset::from,
        )
        .await
    }
    /// Models of this workflow.
    #[allow(clippy::too_many_arguments)]
    async fn models(
        &self,
        ctx: &Context<'_>,
        filter: Option<ModelFilter>,
        order_by: Option<Vec<ModelOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<Model>> {
        child_list::<WorkflowModels, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            ModelOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            Model::from,
        )
        .await
    }
    /// Experiments of this workflow.
    #[allow(clippy::too_many_arguments)]
    async fn experiments(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExperimentFilter>,
        order_by: Option<Vec<ExperimentOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<Experiment>> {
        child_list::<WorkflowExperiments, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            ExperimentOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            Experiment::from,
        )
        .await
    }
}

filter_input!(
    /// Conditions on workflows.
    WorkflowFilter for workflow {
        /// Its id.
        id: IdFilter => Id,
        /// Its namespace.
        ns: StringFilter => Ns,
        /// Its name.
        name: StringFilter => Name,
        /// Its status.
        status: WorkflowStatusFilter => Status,
        /// Who created it.
        created_by: StringFilter => CreatedBy,
        /// Creation time.
        created_at: DateTimeFilter => CreatedAt,
    }
    related {
        /// Has at least one model matching.
        models: ModelFilter => Id in model.WorkflowId,
    }
);

order_input!(
    /// A sort key for workflows.
    WorkflowOrder, WorkflowOrderField for workflow {
        /// Name.
        Name => Name,
        /// Status.
        Status => Status,
        /// Creation time.
        CreatedAt => CreatedAt,
        /// Last change.
        UpdatedAt => UpdatedAt,
    }
);

/// The fields of a [`Model`] of its own (the graph fields are shared, in `graph`).
pub struct ModelFields(pub model::Model);

#[Object]
impl ModelFields {
    /// Tags (`{key: value}`; MLflow clients set them).
    async fn tags(&self) -> Json<serde_json::Value> {
        Json(self.0.tags.clone().unwrap_or_else(|| serde_json::json!({})))
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
    /// Its risk class under the EU AI Act.
    async fn risk_class(&self) -> Option<crate::governance::RiskClass> {
        self.0.risk_class.map(Into::into)
    }
    /// How humans oversee it.
    async fn human_oversight(&self) -> Option<&str> {
        self.0.human_oversight.as_deref()
    }
    /// What it is meant for.
    async fn intended_purpose(&self) -> Option<&str> {
        self.0.intended_purpose.as_deref()
    }
    /// Namespace.
    async fn ns(&self) -> &str {
        &self.0.ns
    }
    /// Name, unique in the namespace.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Free-text description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Task, e.g. `classification`.
    async fn task(&self) -> Option<&str> {
        self.0.task.as_deref()
    }
    /// Framework, e.g. `pytorch`.
    async fn framework(&self) -> Option<&str> {
        self.0.framework.as_deref()
    }
    /// Lifecycle status.
    async fn status(&self) -> ModelStatus {
        self.0.status.into()
    }
    /// Highest version number handed out so far.
    async fn latest_version_number(&self) -> i32 {
        self.0.version_seq
    }
    /// Who created it.
    async fn created_by(&self) -> Option<&str> {
        self.0.created_by.as_deref()
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The workflow that owns it.
    async fn workflow(&self, ctx: &Context<'_>) -> Result<Option<Workflow>> {
        load_ref::<workflow::Entity, _>(ctx, self.0.workflow_id, Workflow::from).await
    }
    /// Its versions (newest first unless ordered otherwise).
    #[allow(clippy::too_many_arguments)]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ModelVersionFilter>,
        order_by: Option<Vec<ModelVersionOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<ModelVersion>> {
        child_list::<ModelVersions, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            ModelVersionOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            ModelVersion::from,
        )
        .await
    }
    /// Training jobs that train it.
    #[allow(clippy::too_many_arguments)]
    async fn training_jobs(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingJobFilter>,
        order_by: Option<Vec<TrainingJobOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<TrainingJob>> {
        child_list::<ModelTrainingJobs, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            TrainingJobOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            TrainingJob::from,
        )
        .await
    }
}

filter_input!(
    /// Conditions on models.
    ModelFilter for model {
        /// Its id.
        id: IdFilter => Id,
        /// Its namespace.
        ns: StringFilter => Ns,
        /// Its name.
        name: StringFilter => Name,
        /// Its task.
        task: StringFilter => Task,
        /// Its framework.
        framework: StringFilter => Framework,
        /// Its status.
        status: ModelStatusFilter => Status,
        /// Its workflow.
        workflow: IdFilter => WorkflowId,
        /// Who created it.
        created_by: StringFilter => CreatedBy,
        /// Creation time.
        created_at: DateTimeFilter => CreatedAt,
    }
    related {
        /// Has at least one version matching (e.g. `{stage: {eq: PRODUCTION}}`).
        versions: ModelVersionFilter => Id in model_version.ModelId,
        /// Belongs to a workflow matching.
        workflow_matches: WorkflowFilter => WorkflowId in workflow.Id,
    }
);

order_input!(
    /// A sort key for models.
    ModelOrder, ModelOrderField for model {
        /// Name.
        Name => Name,
        /// Status.
        Status => Status,
        /// Creation time.
        CreatedAt => CreatedAt,
        /// Last change.
        UpdatedAt => UpdatedAt,
    }
);

/// The fields of a [`ModelVersion`] of its own (the graph fields are shared, in `graph`).
pub struct ModelVersionFields(pub model_version::Model);

#[Object]
impl ModelVersionFields {
    /// Its aliases (each names at most one version of the model; set with `setModelAlias`
    /// or an MLflow client). Current aliases, also under `asOf`.
    async fn aliases(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let d = api::deps(ctx)?;
        Ok(d.loader
            .load_one(crate::core::loader::AliasesOf(self.0.id))
            .await?
            .unwrap_or_default())
    }
    /// Tags (`{key: value}`; what an MLflow client registered sits under `_mlflow`: its
    /// run id, logged model id, description).
    async fn tags(&self) -> Json<serde_json::Value> {
        Json(self.0.tags.clone().unwrap_or_else(|| serde_json::json!({})))
    }
    /// Its files in the artifact store (live ones unless the filter asks for deleted).
    #[allow(clippy::too_many_arguments)]
    async fn artifacts(
        &self,
        ctx: &Context<'_>,
        filter: Option<crate::artifacts::ArtifactFilter>,
        order_by: Option<Vec<crate::artifacts::ArtifactOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<crate::graph::Artifact>> {
        crate::artifacts::owned(
            ctx,
            self.0.id,
            filter,
            order_by,
            PageArgs::new(first, after, last, before, offset),
        )
        .await
    }
    /// Namespace (the model's).
    async fn ns(&self) -> &str {
        &self.0.ns
    }
    /// Version number, assigned by the server (1, 2, ... per model).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Where the artifact is stored.
    async fn artifact_uri(&self) -> Option<&str> {
        self.0.artifact_uri.as_deref()
    }
    /// Checksum of the artifact.
    async fn checksum(&self) -> Option<&str> {
        self.0.checksum.as_deref()
    }
    /// Artifact size in bytes.
    async fn size_bytes(&self) -> Option<i64> {
        self.0.size_bytes
    }
    /// Evaluation metrics, e.g. `{"accuracy": 0.93}`.
    async fn metrics(&self) -> Json<&serde_json::Value> {
        Json(&self.0.metrics)
    }
    /// Training parameters.
    async fn params(&self) -> Json<&serde_json::Value> {
        Json(&self.0.params)
    }
    /// Registry stage.
    async fn stage(&self) -> ModelStage {
        self.0.stage.into()
    }
    /// Who registered it.
    async fn created_by(&self) -> Option<&str> {
        self.0.created_by.as_deref()
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The model it versions.
    async fn model(&self, ctx: &Context<'_>) -> Result<Option<Model>> {
        load_ref::<model::Entity, _>(ctx, Some(self.0.model_id), Model::from).await
    }
    /// The version it was derived from.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<ModelVersion>> {
        load_ref::<model_version::Entity, _>(ctx, self.0.parent_version_id, ModelVersion::from)
            .await
    }
    /// The training job that produced it.
    async fn training_job(&self, ctx: &Context<'_>) -> Result<Option<TrainingJob>> {
        load_ref::<entity::training_job::Entity, _>(ctx, self.0.training_job_id, TrainingJob::from)
            .await
    }
    /// Versions derived from this one.
    #[allow(clippy::too_many_arguments)]
    async fn derived_versions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ModelVersionFilter>,
        order_by: Option<Vec<ModelVersionOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<ModelVersion>> {
        child_list::<DerivedVersions, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            ModelVersionOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            ModelVersion::from,
        )
        .await
    }
    /// Where it is deployed.
    #[allow(clippy::too_many_arguments)]
    async fn deployments(
        &self,
        ctx: &Context<'_>,
        filter: Option<DeploymentFilter>,
        order_by: Option<Vec<DeploymentOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<Deployment>> {
        child_list::<VersionDeployments, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            DeploymentOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            Deployment::from,
        )
        .await
    }
    /// Predictions it answered.
    #[allow(clippy::too_many_arguments)]
    async fn predictions(
        &self,
        ctx: &Context<'_>,
        filter: Option<PredictionFilter>,
        order_by: Option<Vec<PredictionOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<Prediction>> {
        child_list::<VersionPredictions, _>(
            ctx,
            self.0.id,
            cond_of(&filter),
            api::fingerprint(&[&filter, &order_by]),
            PredictionOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            Prediction::from,
        )
        .await
    }
}

filter_input!(
    /// Conditions on model versions.
    ModelVersionFilter for model_version {
        /// Its id.
        id: IdFilter => Id,
        /// Its namespace.
        ns: StringFilter => Ns,
        /// Its model.
        model: IdFilter => ModelId,
        /// Its version number.
        version: IntFilter => Version,
        /// Its stage.
        stage: ModelStageFilter => Stage,
        /// Its parent version.
        parent: IdFilter => ParentVersionId,
        /// The job that produced it.
        training_job: IdFilter => TrainingJobId,
        /// Who registered it.
        created_by: StringFilter => CreatedBy,
        /// Creation time.
        created_at: DateTimeFilter => CreatedAt,
    }
    related {
        /// Belongs to a model matching.
        model_matches: ModelFilter => ModelId in model.Id,
        /// Has at least one deployment matching.
        deployments: DeploymentFilter => Id in deployment.ModelVersionId,
    }
);

order_input!(
    /// A sort key for model versions.
    ModelVersionOrder, ModelVersionOrderField for model_version {
        /// Version number.
        Version => Version,
        /// Stage.
        Stage => Stage,
        /// Creation time.
        CreatedAt => CreatedAt,
    }
);

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

crate::gql::plan::plannable!(workflow::Entity => "Workflow", WorkflowFilter, WorkflowOrder {
    "ns" => Col(C::Ns, Plain),
    "name" => Col(C::Name, Plain),
    "description" => Col(C::Description, Plain),
    "status" => Col(C::Status, crate::gql::plan::enumeration!(entity::enums::WorkflowStatus, WorkflowStatus)),
    "config" => Col(C::Config, Plain),
    "createdBy" => Col(C::CreatedBy, Plain),
    "createdAt" => Col(C::CreatedAt, Time),
    "updatedAt" => Col(C::UpdatedAt, Time),
    "datasets" => children::<Self, WorkflowDatasets>(),
    "models" => children::<Self, WorkflowModels>(),
    "experiments" => children::<Self, WorkflowExperiments>(),
});

crate::gql::plan::plannable!(model::Entity => "Model", ModelFilter, ModelOrder {
    "tags" => Col(C::Tags, JsonOrEmpty),
    "riskClass" => Col(C::RiskClass, crate::gql::plan::enumeration!(entity::enums::RiskClass, crate::governance::RiskClass)),
    "humanOversight" => Col(C::HumanOversight, Plain),
    "intendedPurpose" => Col(C::IntendedPurpose, Plain),
    "ns" => Col(C::Ns, Plain),
    "name" => Col(C::Name, Plain),
    "description" => Col(C::Description, Plain),
    "task" => Col(C::Task, Plain),
    "framework" => Col(C::Framework, Plain),
    "status" => Col(C::Status, crate::gql::plan::enumeration!(entity::enums::ModelStatus, ModelStatus)),
    "latestVersionNumber" => Col(C::VersionSeq, Plain),
    "createdBy" => Col(C::CreatedBy, Plain),
    "createdAt" => Col(C::CreatedAt, Time),
    "updatedAt" => Col(C::UpdatedAt, Time),
    "workflow" => reference::<Self, workflow::Entity>(C::WorkflowId),
    "versions" => children::<Self, ModelVersions>(),
    "trainingJobs" => children::<Self, ModelTrainingJobs>(),
});

crate::gql::plan::plannable!(model_version::Entity => "ModelVersion", ModelVersionFilter, ModelVersionOrder {
    "tags" => Col(C::Tags, JsonOrEmpty),
    "ns" => Col(C::Ns, Plain),
    "version" => Col(C::Version, Plain),
    "artifactUri" => Col(C::ArtifactUri, Plain),
    "checksum" => Col(C::Checksum, Plain),
    "sizeBytes" => Col(C::SizeBytes, Plain),
    "metrics" => Col(C::Metrics, Plain),
    "params" => Col(C::Params, Plain),
    "stage" => Col(C::Stage, crate::gql::plan::enumeration!(entity::enums::ModelStage, ModelStage)),
    "createdBy" => Col(C::CreatedBy, Plain),
    "createdAt" => Col(C::CreatedAt, Time),
    "updatedAt" => Col(C::UpdatedAt, Time),
    "model" => reference::<Self, model::Entity>(C::ModelId),
    "parent" => reference::<Self, model_version::Entity>(C::ParentVersionId),
    "trainingJob" => reference::<Self, entity::training_job::Entity>(C::TrainingJobId),
    "derivedVersions" => children::<Self, DerivedVersions>(),
    "deployments" => children::<Self, VersionDeployments>(),
    "predictions" => children::<Self, VersionPredictions>(),
});

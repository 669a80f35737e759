//! The model registry: workflows, models and model versions, with stage promotion and
//! the atomic register-and-deploy.

mod aliases;
pub mod commands;
pub mod service;
mod types;

pub use aliases::AliasesOf;

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use entity::enums::ModelStatus;
use entity::{model, model_version, workflow};

pub use types::*;

use crate::core::ids::{NodeType, decode_as};
use crate::core::paging::PageArgs;
use crate::enums::ModelStage;
use crate::gql::api::deps;
use crate::gql::connection::Conn;
use crate::gql::filter::cond_of;
use crate::graph::{Deployment, Model, ModelVersion, Workflow};
use crate::serving::CreateDeploymentSpec;

crate::gql::declare::query_object! {
    /// Registry queries.
    RegistryQuery;
    by_id {
        /// A workflow by id.
        workflow: Workflow,
        /// A model version by id.
        model_version: ModelVersion,
    }
    by_id_or_name {
        /// A model by id, or by namespace and name.
        model: Model,
    }
    lists {
        /// Workflows, filtered and ordered.
        workflows: Workflow,
        /// Models, filtered and ordered.
        models: Model,
        /// Model versions across models, filtered and ordered.
        model_versions: ModelVersion,
    }
    resolvers {
        /// Model versions that need retraining: trained on a dataset that has a newer version
        /// (or, for a `trainedOn` edge to a dataset, was updated) since they were created.
        #[expect(clippy::too_many_arguments)]
        async fn model_versions_needing_retraining(
            &self,
            ctx: &Context<'_>,
            filter: Option<ModelVersionFilter>,
            order_by: Option<Vec<ModelVersionOrder>>,
            first: Option<i32>,
            after: Option<String>,
            last: Option<i32>,
            before: Option<String>,
            offset: Option<i32>,
        ) -> Result<crate::gql::plan::Planned<Conn<ModelVersion>>> {
            let cond = cond_of(&filter).map(|c| c.add(service::needs_retraining()));
            crate::gql::api::planned_list::<model_version::Entity, _>(
                ctx,
                cond,
                ModelVersionOrder::keys(order_by.as_deref()),
                PageArgs::new(first, after, last, before, offset),
                ModelVersion::from,
            )
            .await
        }
        /// Models that need retraining: their newest version needs it (see
        /// `modelVersionsNeedingRetraining`), or the model itself was linked by `trainedOn` to
        /// a dataset version that has a newer version, or to a dataset that changed, since the
        /// model was last trained.
        #[expect(clippy::too_many_arguments)]
        async fn models_needing_retraining(
            &self,
            ctx: &Context<'_>,
            filter: Option<ModelFilter>,
            order_by: Option<Vec<ModelOrder>>,
            first: Option<i32>,
            after: Option<String>,
            last: Option<i32>,
            before: Option<String>,
            offset: Option<i32>,
        ) -> Result<crate::gql::plan::Planned<Conn<Model>>> {
            let cond = cond_of(&filter).map(|c| c.add(service::models_needing_retraining()));
            crate::gql::api::planned_list::<model::Entity, _>(
                ctx,
                cond,
                ModelOrder::keys(order_by.as_deref()),
                PageArgs::new(first, after, last, before, offset),
                Model::from,
            )
            .await
        }
    }
}

/// What `promoteModelVersion` returns.
#[derive(SimpleObject)]
pub struct PromoteModelVersionPayload {
    /// The promoted version.
    pub version: ModelVersion,
    /// The version that was in PRODUCTION before and is now ARCHIVED.
    pub demoted: Option<ModelVersion>,
}

/// What `registerAndDeployModelVersion` returns.
#[derive(SimpleObject)]
pub struct RegisterAndDeployPayload {
    /// The new version.
    pub version: ModelVersion,
    /// Its deployment.
    pub deployment: Deployment,
}

/// Registry mutations.
#[derive(Default)]
pub struct RegistryMutation;

#[Object]
impl RegistryMutation {
    /// Points a model's alias (`champion`, `prod`) at one of its versions, moving it from
    /// the version it named before. Returns the version.
    async fn set_model_alias(
        &self,
        ctx: &Context<'_>,
        model_id: ID,
        alias: String,
        version_id: ID,
    ) -> Result<ModelVersion> {
        let d = deps(ctx)?;
        let model = decode_as(&model_id, NodeType::Model, "modelId")?;
        let version = decode_as(&version_id, NodeType::ModelVersion, "versionId")?;
        Ok(ModelVersion::from(
            service::set_alias(&d.state.db, d.rc, model, &alias, version).await?,
        ))
    }
    /// Removes a model's alias; false when it had none of that name.
    async fn delete_model_alias(
        &self,
        ctx: &Context<'_>,
        model_id: ID,
        alias: String,
    ) -> Result<bool> {
        let d = deps(ctx)?;
        let model = decode_as(&model_id, NodeType::Model, "modelId")?;
        Ok(service::delete_alias(&d.state.db, d.rc, model, &alias).await?)
    }
    /// Creates a workflow.
    async fn create_workflow(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkflowInput,
    ) -> Result<Workflow> {
        let d = deps(ctx)?;
        Ok(Workflow::from(
            service::create_workflow(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Updates a workflow.
    async fn update_workflow(
        &self,
        ctx: &Context<'_>,
        input: UpdateWorkflowInput,
    ) -> Result<Workflow> {
        let d = deps(ctx)?;
        Ok(Workflow::from(
            service::update_workflow(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Deletes a workflow (its datasets, models and experiments stay, detached).
    async fn delete_workflow(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::Workflow, "id")?;
        crate::lineage::service::delete_node::<workflow::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
    /// Creates a model.
    async fn create_model(&self, ctx: &Context<'_>, input: CreateModelInput) -> Result<Model> {
        let d = deps(ctx)?;
        Ok(Model::from(
            service::create_model(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Updates a model.
    async fn update_model(&self, ctx: &Context<'_>, input: UpdateModelInput) -> Result<Model> {
        let d = deps(ctx)?;
        Ok(Model::from(
            service::update_model(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Marks a model DEPRECATED: it stays readable, its versions can no longer reach PRODUCTION.
    async fn deprecate_model(&self, ctx: &Context<'_>, id: ID) -> Result<Model> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::Model, "id")?;
        Ok(Model::from(
            service::set_model_status(&d.state.db, d.rc, id, ModelStatus::Deprecated).await?,
        ))
    }
    /// Marks a model ARCHIVED (retired): it stays readable with its versions and history,
    /// but takes no new version and no promotion to STAGING or PRODUCTION. Refused with
    /// CONFLICT while one of its versions is deployed.
    async fn archive_model(&self, ctx: &Context<'_>, id: ID) -> Result<Model> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::Model, "id")?;
        Ok(Model::from(
            service::set_model_status(&d.state.db, d.rc, id, ModelStatus::Archived).await?,
        ))
    }
    /// Returns a DEPRECATED or ARCHIVED model to ACTIVE.
    async fn restore_model(&self, ctx: &Context<'_>, id: ID) -> Result<Model> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::Model, "id")?;
        Ok(Model::from(
            service::set_model_status(&d.state.db, d.rc, id, ModelStatus::Active).await?,
        ))
    }
    /// Deletes a model with its versions; refused with CONFLICT while a version is deployed.
    async fn delete_model(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::Model, "id")?;
        crate::lineage::service::delete_node::<model::Entity>(&d.state.db, d.rc, uuid).await?;
        Ok(id)
    }
    /// Registers a new version of a model; the server assigns the next version number.
    async fn create_model_version(
        &self,
        ctx: &Context<'_>,
        input: CreateModelVersionInput,
    ) -> Result<ModelVersion> {
        let d = deps(ctx)?;
        Ok(ModelVersion::from(
            service::create_model_version(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Updates a version's artifact and metadata.
    async fn update_model_version(
        &self,
        ctx: &Context<'_>,
        input: UpdateModelVersionInput,
    ) -> Result<ModelVersion> {
        let d = deps(ctx)?;
        Ok(ModelVersion::from(
            service::update_model_version(&d.state.db, d.rc, input.into_command("input")?).await?,
        ))
    }
    /// Deletes a model version; refused with CONFLICT while it is deployed.
    async fn delete_model_version(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let d = deps(ctx)?;
        let uuid = decode_as(&id, NodeType::ModelVersion, "id")?;
        crate::lineage::service::delete_node::<model_version::Entity>(&d.state.db, d.rc, uuid)
            .await?;
        Ok(id)
    }
    /// Moves a version to a stage. Promoting to PRODUCTION archives the model's previous
    /// production version in the same transaction.
    async fn promote_model_version(
        &self,
        ctx: &Context<'_>,
        id: ID,
        stage: ModelStage,
    ) -> Result<PromoteModelVersionPayload> {
        let d = deps(ctx)?;
        let id = decode_as(&id, NodeType::ModelVersion, "id")?;
        let p = service::promote_model_version(&d.state.db, d.rc, id, stage.into()).await?;
        Ok(PromoteModelVersionPayload {
            version: ModelVersion::from(p.version),
            demoted: p.demoted.map(ModelVersion::from),
        })
    }
    /// Registers a model version and deploys it to an endpoint atomically: a failure of
    /// either leaves neither.
    async fn register_and_deploy_model_version(
        &self,
        ctx: &Context<'_>,
        version: CreateModelVersionInput,
        deployment: CreateDeploymentSpec,
    ) -> Result<RegisterAndDeployPayload> {
        let d = deps(ctx)?;
        let (v, dep) = service::register_and_deploy(
            &d.state.db,
            d.rc,
            version.into_command("version")?,
            deployment.into_command("deployment")?,
        )
        .await?;
        Ok(RegisterAndDeployPayload {
            version: ModelVersion::from(v),
            deployment: Deployment::from(dep),
        })
    }
}

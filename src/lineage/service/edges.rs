//! Explicit typed edges: the kinds the seed design names are checked for the node types
//! they may join, and any other camelCase kind is accepted (the set is open); linking is
//! idempotent and unlinking records its event.

use std::sync::LazyLock;

use chrono::Utc;
use entity::edge;
use regex::Regex;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use crate::core::context::RequestContext;
use crate::core::ids::NodeType;
use crate::core::node::namespace_of;
use crate::core::store::{self, Change, record_event};
use crate::error::{AppError, AppResult};

use NodeType as T;

/// What a kind of explicit edge may join; `None` means any node type.
struct KindRule {
    kind: &'static str,
    sources: Option<&'static [NodeType]>,
    targets: Option<&'static [NodeType]>,
}

const MODELS: &[NodeType] = &[T::Model, T::ModelVersion];
const DATA: &[NodeType] = &[T::Dataset, T::DatasetVersion];
const VERSIONS: &[NodeType] = &[T::ModelVersion, T::DatasetVersion, T::Model, T::Dataset];

/// The seed design's kinds. `source --kind--> target`; see the migration for which end
/// is upstream.
const KIND_RULES: &[KindRule] = &[
    KindRule {
        kind: "trainedOn",
        sources: Some(&[T::Model, T::ModelVersion, T::TrainingJob]),
        targets: Some(DATA),
    },
    KindRule {
        kind: "derivedFrom",
        sources: Some(VERSIONS),
        targets: Some(VERSIONS),
    },
    KindRule {
        kind: "deployedTo",
        sources: Some(MODELS),
        targets: Some(&[T::Deployment, T::Endpoint, T::CloudRunService]),
    },
    KindRule {
        kind: "evaluatedOn",
        sources: Some(MODELS),
        targets: Some(DATA),
    },
    KindRule {
        kind: "replacedBy",
        sources: None,
        targets: None,
    },
    KindRule {
        kind: "dependsOn",
        sources: None,
        targets: None,
    },
    KindRule {
        kind: "usedBy",
        sources: Some(&[T::Model, T::ModelVersion, T::Dataset, T::DatasetVersion]),
        targets: Some(&[
            T::Experiment,
            T::Workflow,
            T::Pipeline,
            T::Endpoint,
            T::CloudRunService,
            T::PatternRecognitionJob,
        ]),
    },
    KindRule {
        kind: "approvedBy",
        sources: Some(MODELS),
        targets: None,
    },
];

static KIND_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[a-z][A-Za-z0-9]{0,63}$").ok());

/// Checks a kind and the types of its ends.
pub fn check_kind(kind: &str, source: NodeType, target: NodeType) -> AppResult<()> {
    if !KIND_RE.as_ref().is_some_and(|re| re.is_match(kind)) {
        return Err(AppError::bad_input(
            "kind",
            "kinds are camelCase words, e.g. trainedOn",
        ));
    }
    if matches!(source, T::Edge | T::Event) || matches!(target, T::Edge | T::Event) {
        return Err(AppError::bad_input(
            "source",
            "edges join registry nodes, not edges or events",
        ));
    }
    if let Some(rule) = KIND_RULES.iter().find(|r| r.kind == kind) {
        if let Some(allowed) = rule.sources
            && !allowed.contains(&source)
        {
            return Err(AppError::bad_input(
                "source",
                format!("{kind} cannot start at a {}", source.name()),
            ));
        }
        if let Some(allowed) = rule.targets
            && !allowed.contains(&target)
        {
            return Err(AppError::bad_input(
                "target",
                format!("{kind} cannot end at a {}", target.name()),
            ));
        }
        if kind == "replacedBy" && source != target {
            return Err(AppError::bad_input(
                "target",
                "replacedBy joins two nodes of the same type",
            ));
        }
    }
    Ok(())
}

/// Links `source --kind--> target`. Idempotent: linking twice returns the first edge;
/// `properties`, when given, replace the existing edge's (an `UPDATE` event when they
/// differ), and are left as they are when not.
pub async fn link(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    kind: &str,
    source: (NodeType, Uuid),
    target: (NodeType, Uuid),
    properties: Option<serde_json::Value>,
) -> AppResult<edge::Model> {
    match store::transaction(db, async |txn| {
        link_in(txn, ctx, kind, source, target, properties.clone()).await
    })
    .await
    {
        // A concurrent link of the same edge won: answer with that one.
        Err(AppError::Conflict { .. }) => find_edge(db, kind, source.1, target.1)
            .await?
            .ok_or_else(|| AppError::Internal("edge vanished after a conflicting insert".into())),
        other => other,
    }
}

/// [`link`] inside the caller's transaction (every protocol's edges are made here: the
/// kind's rules, one namespace, the caller's right to write it, idempotence).
pub async fn link_in(
    txn: &DatabaseTransaction,
    ctx: &RequestContext,
    kind: &str,
    source: (NodeType, Uuid),
    target: (NodeType, Uuid),
    properties: Option<serde_json::Value>,
) -> AppResult<edge::Model> {
    check_kind(kind, source.0, target.0)?;
    if source.1 == target.1 {
        return Err(AppError::bad_input(
            "target",
            "a node cannot be linked to itself",
        ));
    }
    if properties.as_ref().is_some_and(|p| !p.is_object()) {
        return Err(AppError::bad_input("properties", "must be a JSON object"));
    }
    let source_ns = namespace_of(txn, ctx, source.0, source.1, "source").await?;
    let target_ns = namespace_of(txn, ctx, target.0, target.1, "target").await?;
    if source_ns != target_ns {
        return Err(AppError::bad_input(
            "target",
            format!(
                "edges stay inside one namespace: source is in {source_ns}, target in {target_ns}"
            ),
        ));
    }
    // Before the idempotent answer: a reader must not learn that linking "worked".
    ctx.scope.check_write(&source_ns)?;
    if let Some(existing) = find_edge(txn, kind, source.1, target.1).await? {
        return match properties {
            Some(p) if p != existing.properties => {
                let mut row = sea_orm::IntoActiveModel::into_active_model(existing.clone());
                row.properties = Set(p);
                row.updated_at = Set(Utc::now());
                store::update::<edge::Entity, _>(txn, ctx, &existing, row, "UPDATE").await
            }
            _ => Ok(existing),
        };
    }
    let properties = properties.unwrap_or_else(|| serde_json::json!({}));
    store::insert::<edge::Entity, _>(
        txn,
        ctx,
        edge_row(ctx, source_ns, kind, source, target, properties),
    )
    .await
}

/// A new explicit edge row `source --kind--> target` in `ns`, made by the caller (rules
/// already checked: see [`link`]).
pub fn edge_row(
    ctx: &RequestContext,
    ns: String,
    kind: &str,
    source: (NodeType, Uuid),
    target: (NodeType, Uuid),
    properties: serde_json::Value,
) -> edge::ActiveModel {
    let now = Utc::now();
    edge::ActiveModel {
        id: Set(crate::core::ids::new_id()),
        ns: Set(ns),
        kind: Set(kind.to_owned()),
        source_type: Set(source.0.name().to_owned()),
        source_id: Set(source.1),
        target_type: Set(target.0.name().to_owned()),
        target_id: Set(target.1),
        properties: Set(properties),
        created_by: Set(ctx.actor.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

async fn find_edge(
    db: &impl ConnectionTrait,
    kind: &str,
    source: Uuid,
    target: Uuid,
) -> AppResult<Option<edge::Model>> {
    Ok(crate::core::store::unscoped::<edge::Entity>()
        .filter(edge::Column::Kind.eq(kind))
        .filter(edge::Column::SourceId.eq(source))
        .filter(edge::Column::TargetId.eq(target))
        .one(db)
        .await?)
}

/// Removes `source --kind--> target`; returns whether an edge was removed.
pub async fn unlink(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    kind: &str,
    source: Uuid,
    target: Uuid,
) -> AppResult<bool> {
    store::transaction(db, async |txn| {
        unlink_in(txn, ctx, kind, source, target).await
    })
    .await
}

/// Applies `edit` to an edge's properties in the caller's transaction, with its `UPDATE`
/// event (a producer's facets and marks on a link it reported).
pub async fn change_edge(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    before: &edge::Model,
    edit: impl FnOnce(&mut edge::ActiveModel),
) -> AppResult<edge::Model> {
    store::change::<edge::Entity, _>(txn, ctx, before, "UPDATE", |row| {
        edit(row);
        row.updated_at = sea_orm::Set(Utc::now());
    })
    .await
}

/// [`unlink`] inside the caller's transaction (with its event).
pub async fn unlink_in(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    kind: &str,
    source: Uuid,
    target: Uuid,
) -> AppResult<bool> {
    let Some(row) = find_edge(txn, kind, source, target).await? else {
        return Ok(false);
    };
    if !ctx.scope.contains(&row.ns) {
        return Ok(false);
    }
    ctx.scope.check_write(&row.ns)?;
    remove(txn, ctx, &row).await?;
    Ok(true)
}

/// Deletes an edge row and records its `DELETE` event.
async fn remove(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    row: &edge::Model,
) -> AppResult<()> {
    edge::Entity::delete_many()
        .filter(edge::Column::Id.eq(row.id))
        .exec(txn)
        .await?;
    record_event(
        txn,
        ctx,
        Change::of::<edge::Entity>("DELETE", Some(row), None)?,
    )
    .await?;
    Ok(())
}

/// Rows the database deletes with their parent (`ON DELETE CASCADE`), for the node types
/// that can carry explicit edges: `(child, its column naming the parent, parent)`. A
/// test compares it with the foreign keys PostgreSQL holds.
pub const CASCADES: &[(NodeType, &str, NodeType)] = &[
    (T::DatasetVersion, "dataset_id", T::Dataset),
    (T::SchemaDeduction, "dataset_id", T::Dataset),
    (T::SchemaDeduction, "dataset_version_id", T::DatasetVersion),
    (T::Approval, "model_version_id", T::ModelVersion),
    (T::SecurityFinding, "model_version_id", T::ModelVersion),
    (T::ExperimentRun, "training_job_id", T::TrainingJob),
    (T::ServiceDeployment, "service_id", T::CloudRunService),
    (T::TrainingJob, "pipeline_id", T::Pipeline),
    (T::EdaReport, "dataset_id", T::Dataset),
    (T::EdaReport, "dataset_version_id", T::DatasetVersion),
    (T::TrainingJob, "experiment_id", T::Experiment),
    (T::JobRun, "experiment_id", T::Experiment),
    (T::JobRun, "workflow_id", T::Workflow),
    (T::ModelVersion, "model_id", T::Model),
    (T::Deployment, "endpoint_id", T::Endpoint),
    (T::Prediction, "endpoint_id", T::Endpoint),
    (T::ComplianceCheck, "approval_id", T::Approval),
];

/// The ids of every row the database deletes with `parent` (children, their children,
/// ...), as subqueries over the child tables: one per path through [`CASCADES`].
fn cascaded_ids(ty: NodeType, parent: SelectStatement, out: &mut Vec<SelectStatement>) {
    for &(child, fk, _) in CASCADES.iter().filter(|c| c.2 == ty) {
        let ids = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new(child.table()))
            .and_where(Expr::col(Alias::new(fk)).in_subquery(parent.clone()))
            .to_owned();
        cascaded_ids(child, ids.clone(), out);
        out.push(ids);
    }
}

/// The ids of the rows the database deletes with node `id` of type `ty`, one subquery per
/// cascade (a model's versions, their deployments, ...).
fn cascaded_with(ty: NodeType, id: Uuid) -> Vec<SelectStatement> {
    let mut doomed = vec![];
    cascaded_ids(
        ty,
        Query::select().expr(Expr::val(id)).to_owned(),
        &mut doomed,
    );
    doomed
}

/// Deletes a node with what hangs off every node, in one transaction: its artifacts
/// (their objects go with the artifact sweeper's next run), its explicit edges (each
/// with its `DELETE` event, so lineage, impact and time travel stop showing them) and its
/// embeddings (see [`embeddings_deleted`]). Every domain's delete is this call.
pub async fn delete_node<E: crate::core::node::NodeEntity>(
    db: &sea_orm::DatabaseConnection,
    ctx: &crate::core::context::RequestContext,
    id: uuid::Uuid,
) -> crate::error::AppResult<E::Model>
where
    E::Model: sea_orm::FromQueryResult + Clone + Send + Sync + serde::Serialize,
{
    // The rows the database deletes with it: their edges and vectors go too.
    let doomed = cascaded_with(E::NODE_TYPE, id);
    crate::core::store::delete::<E>(db, ctx, id, async |txn, _| {
        crate::artifacts::service::owner_deleted(txn, ctx, id).await?;
        edges_deleted(txn, ctx, id, &doomed).await?;
        embeddings_deleted(txn, id, &doomed).await
    })
    .await
}

/// Removes the embeddings of a node being deleted and of the rows the database deletes
/// with it (`doomed`, see [`cascaded_with`]): a vector of a node that is gone would still
/// be ranked by `similar`, and take a place in its page that no node fills.
async fn embeddings_deleted(
    txn: &sea_orm::DatabaseTransaction,
    id: Uuid,
    doomed: &[SelectStatement],
) -> AppResult<()> {
    let node = || Expr::col(Alias::new("node_id"));
    let mut gone = sea_orm::Condition::any().add(node().eq(id));
    for ids in doomed {
        gone = gone.add(node().in_subquery(ids.clone()));
    }
    let delete = Query::delete()
        .from_table(Alias::new("embeddings"))
        .cond_where(gone)
        .to_owned();
    txn.execute_raw(txn.get_database_backend().build(&delete))
        .await?;
    Ok(())
}

/// Removes the explicit edges of a node being deleted, and those of the rows the database
/// deletes with it (`doomed`, see [`cascaded_with`]: a model's versions, an endpoint's
/// deployments), each with its event — inside the deletion's transaction, before the row
/// goes.
async fn edges_deleted(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &RequestContext,
    id: Uuid,
    doomed: &[SelectStatement],
) -> AppResult<()> {
    let mut rows = crate::core::store::unscoped::<edge::Entity>()
        .filter(
            sea_orm::Condition::any()
                .add(edge::Column::SourceId.eq(id))
                .add(edge::Column::TargetId.eq(id)),
        )
        .all(txn)
        .await?;
    for ids in doomed {
        for end in [edge::Column::SourceId, edge::Column::TargetId] {
            rows.extend(
                crate::core::store::unscoped::<edge::Entity>()
                    .filter(end.in_subquery(ids.clone()))
                    .all(txn)
                    .await?,
            );
        }
    }
    rows.sort_by_key(|r| r.id);
    rows.dedup_by_key(|r| r.id);
    for row in rows {
        remove(txn, ctx, &row).await?;
    }
    Ok(())
}

/// Removes explicit edges whose source or target no longer exists (left by versions that
/// deleted a node without its edges), each with its `DELETE` event so that history still
/// shows them until then. Runs after the migrations; returns how many it removed.
pub async fn remove_dangling(db: &DatabaseConnection) -> AppResult<u64> {
    let ctx = RequestContext {
        actor: Some("mlgraph:migrate".into()),
        ..RequestContext::default()
    };
    let mut removed = 0;
    for &ty in NodeType::ALL {
        if matches!(ty, NodeType::Edge | NodeType::Event) {
            continue;
        }
        for (end_type, end_id) in [
            (edge::Column::SourceType, edge::Column::SourceId),
            (edge::Column::TargetType, edge::Column::TargetId),
        ] {
            let live = Query::select()
                .column(Alias::new("id"))
                .from(Alias::new(ty.table()))
                .to_owned();
            let rows = crate::core::store::unscoped::<edge::Entity>()
                .filter(end_type.eq(ty.name()))
                .filter(end_id.not_in_subquery(live))
                .all(db)
                .await?;
            for row in rows {
                store::transaction(db, async |txn| remove(txn, &ctx, &row).await).await?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: AppResult<()>) -> Option<String> {
        r.err().and_then(|e| match e {
            AppError::BadInput { field, .. } => field,
            _ => Some("other".into()),
        })
    }

    #[test]
    fn kinds_are_camel_case_words() {
        for kind in ["dependsOn", "monitoredBy", "x"] {
            assert_eq!(code(check_kind(kind, T::Model, T::Model)), None, "{kind}");
        }
        for kind in ["", "TrainedOn", "trained_on", "trained on", &"a".repeat(65)] {
            assert_eq!(
                code(check_kind(kind, T::Model, T::Model)).as_deref(),
                Some("kind"),
                "{kind}"
            );
        }
    }

    #[test]
    fn known_kinds_check_the_types_of_their_ends() {
        assert_eq!(
            code(check_kind("trainedOn", T::ModelVersion, T::DatasetVersion)),
            None
        );
        assert_eq!(
            code(check_kind("trainedOn", T::Endpoint, T::DatasetVersion)).as_deref(),
            Some("source")
        );
        assert_eq!(
            code(check_kind("trainedOn", T::ModelVersion, T::Endpoint)).as_deref(),
            Some("target")
        );
        assert_eq!(code(check_kind("replacedBy", T::Model, T::Model)), None);
        assert_eq!(
            code(check_kind("replacedBy", T::Model, T::Dataset)).as_deref(),
            Some("target"),
            "replacedBy joins two nodes of one type"
        );
        // Open kinds join anything but edges and events.
        assert_eq!(
            code(check_kind("monitoredBy", T::Endpoint, T::Workflow)),
            None
        );
        assert_eq!(
            code(check_kind("monitoredBy", T::Edge, T::Workflow)).as_deref(),
            Some("source")
        );
        assert_eq!(
            code(check_kind("dependsOn", T::Model, T::Event)).as_deref(),
            Some("source")
        );
    }
}

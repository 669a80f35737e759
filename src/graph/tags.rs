//! Tags (`{key: value}` strings, as MLflow sets them) on every tagged node type — models,
//! model versions and runs — changed after creation with one call and one event.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::Utc;
use entity::{job_run, model, model_version};
use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::core::context::RequestContext;
use crate::core::ids::{self, NodeType};
use crate::core::node::NodeEntity;
use crate::core::store;
use crate::error::{AppError, AppResult};

/// The longest tag key and value (MLflow's limits).
const KEY_CHARS: usize = 250;
const VALUE_CHARS: usize = 8000;
/// The most tags a node carries.
const MAX_TAGS: usize = 1000;

/// A change to a node's tags: `set` adds or replaces keys, `remove` drops keys (absent
/// keys are ignored); both apply at once.
#[derive(InputObject, Default)]
pub struct TagsChange {
    /// Tags to add or replace, `{key: "value"}` (values are strings).
    pub set: Option<async_graphql::Json<Value>>,
    /// Keys to drop.
    pub remove: Option<Vec<String>>,
}

/// `tags` with `change` applied; the new object, or a `BAD_INPUT` naming the field.
fn changed(tags: Option<&Value>, change: TagsChange) -> AppResult<Map<String, Value>> {
    let mut out = match tags {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    for key in change.remove.unwrap_or_default() {
        out.remove(&key);
    }
    match change.set.map(|j| j.0) {
        None | Some(Value::Null) => {}
        Some(Value::Object(set)) => {
            for (key, value) in set {
                if key.trim().is_empty() || key.chars().count() > KEY_CHARS {
                    return Err(AppError::bad_input(
                        "tags.set",
                        format!("a key must be 1 to {KEY_CHARS} characters, not blank"),
                    ));
                }
                match value {
                    Value::String(s) if s.chars().count() <= VALUE_CHARS => {
                        out.insert(key, Value::String(s));
                    }
                    Value::String(_) => {
                        return Err(AppError::bad_input(
                            "tags.set",
                            format!("the value of {key:?} is longer than {VALUE_CHARS} characters"),
                        ));
                    }
                    _ => {
                        return Err(AppError::bad_input(
                            "tags.set",
                            format!("the value of {key:?} must be a string"),
                        ));
                    }
                }
            }
        }
        Some(_) => return Err(AppError::bad_input("tags.set", "must be a JSON object")),
    }
    if out.len() > MAX_TAGS {
        return Err(AppError::bad_input(
            "tags.set",
            format!("a node carries at most {MAX_TAGS} tags"),
        ));
    }
    Ok(out)
}

/// Applies `change` to the tags of one row of `E` (locked, in scope): one `UPDATE` event
/// when they change, none when they do not.
async fn set_tags_of<E>(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    change: TagsChange,
    (column, updated_at): (E::Column, E::Column),
    tags: fn(&E::Model) -> Option<&Value>,
) -> AppResult<E::Model>
where
    E: NodeEntity,
    E::Model: sea_orm::FromQueryResult
        + Clone
        + Send
        + Sync
        + serde::Serialize
        + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    store::transaction(db, async |txn| {
        let before = store::lock::<E>(txn, ctx, id).await?;
        ctx.scope.check_write(E::ns_of(&before))?;
        let after = Value::Object(changed(tags(&before), change)?);
        if tags(&before) == Some(&after) {
            return Ok(before);
        }
        let mut row = before.clone().into_active_model();
        row.set(column, sea_orm::Value::Json(Some(Box::new(after))));
        row.set(updated_at, Utc::now().into());
        store::update::<E, _>(txn, ctx, &before, row, "UPDATE").await
    })
    .await
}

/// Tags of every tagged node type.
#[derive(Default)]
pub struct TagsMutation;

#[Object]
impl TagsMutation {
    /// Changes the tags of a model, model version or run (`JobRun`) in one step, with one
    /// `UPDATE` event: `set` adds or replaces keys, `remove` drops keys. Answers the node.
    async fn set_tags(&self, ctx: &Context<'_>, id: ID, tags: TagsChange) -> Result<super::Node> {
        let d = crate::gql::api::deps(ctx)?;
        let (ty, uuid) = ids::decode_any(&id, "id")?;
        let db = &d.state.db;
        Ok(match ty {
            NodeType::Model => super::Node::Model(
                set_tags_of::<model::Entity>(
                    db,
                    d.rc,
                    uuid,
                    tags,
                    (model::Column::Tags, model::Column::UpdatedAt),
                    |m| m.tags.as_ref(),
                )
                .await?
                .into(),
            ),
            NodeType::ModelVersion => super::Node::ModelVersion(
                set_tags_of::<model_version::Entity>(
                    db,
                    d.rc,
                    uuid,
                    tags,
                    (
                        model_version::Column::Tags,
                        model_version::Column::UpdatedAt,
                    ),
                    |m| m.tags.as_ref(),
                )
                .await?
                .into(),
            ),
            NodeType::JobRun => super::Node::JobRun(
                set_tags_of::<job_run::Entity>(
                    db,
                    d.rc,
                    uuid,
                    tags,
                    (job_run::Column::Tags, job_run::Column::UpdatedAt),
                    |r| Some(&r.tags),
                )
                .await?
                .into(),
            ),
            other => {
                return Err(AppError::bad_input(
                    "id",
                    format!(
                        "{} has no tags (tagged: Model, ModelVersion, JobRun)",
                        other.name()
                    ),
                )
                .into());
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(set: Value, remove: &[&str]) -> TagsChange {
        TagsChange {
            set: Some(async_graphql::Json(set)),
            remove: Some(remove.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn set_and_remove_apply_at_once() {
        let tags = json!({"team": "risk", "stale": "x"});
        let out = changed(
            Some(&tags),
            change(json!({"team": "fraud", "tier": "1"}), &["stale", "nope"]),
        );
        assert_eq!(
            out.ok().map(Value::Object),
            Some(json!({"team": "fraud", "tier": "1"}))
        );
    }

    #[test]
    fn values_are_strings_and_keys_are_names() {
        for bad in [
            json!({"n": 1}),
            json!({"": "x"}),
            json!(["a"]),
            json!({"k": "v".repeat(8001)}),
        ] {
            assert!(changed(None, change(bad.clone(), &[])).is_err(), "{bad}");
        }
    }
}

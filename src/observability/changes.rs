//! `changes(of:, from:, to:)`: what changed on one node between two instants, field by
//! field, read from the event log (the state after the latest event at or before each
//! instant, as time travel reads it).

use async_graphql::{ID, Json, SimpleObject};
use chrono::{DateTime, Utc};
use entity::event;
use sea_orm::{ColumnTrait, ConnectionTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::core::context::RequestContext;
use crate::core::ids::{self, NodeType};
use crate::error::{AppError, AppResult};

/// What changed on a node between two instants.
#[derive(SimpleObject, Debug)]
pub struct NodeChanges {
    /// The node.
    pub of: ID,
    /// The earlier instant.
    pub from: DateTime<Utc>,
    /// The later instant.
    pub to: DateTime<Utc>,
    /// Whether the node existed at `from` (false: created since, or not yet).
    pub existed_at_from: bool,
    /// Whether the node existed at `to` (false: deleted by then).
    pub exists_at_to: bool,
    /// Events recorded on the node after `from`, up to and including `to`.
    pub events: u64,
    /// The fields whose values differ between the two states, in name order (every field
    /// of the one state that exists when the other does not).
    pub fields: Vec<FieldChange>,
}

/// One field's value at each instant.
#[derive(SimpleObject, Debug)]
pub struct FieldChange {
    /// The field, named as in the API (camelCase of the stored column).
    pub field: String,
    /// Its value at `from` (null when it was null or the node did not exist).
    pub from: Option<Json<serde_json::Value>>,
    /// Its value at `to`.
    pub to: Option<Json<serde_json::Value>>,
}

/// The stored state of node `id` after its latest event at or before `at`, in the
/// caller's scope: `None` when it did not exist then (no event yet, or deleted).
async fn state_at(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
    at: DateTime<Utc>,
) -> AppResult<Option<serde_json::Map<String, serde_json::Value>>> {
    let latest = crate::core::store::scoped::<event::Entity>(ctx)
        .filter(event::Column::EntityId.eq(id))
        .filter(event::Column::CreatedAt.lte(at))
        .order_by_desc(event::Column::CreatedAt)
        .order_by_desc(event::Column::Seq)
        .one(db)
        .await?;
    Ok(latest
        .filter(|e| e.action != "DELETE")
        .and_then(|e| e.after)
        .and_then(|a| match a {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        }))
}

fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The field-level differences of node `of` between `from` and `to`.
pub async fn changes(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    of: &ID,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<NodeChanges> {
    let (ty, id): (NodeType, Uuid) = ids::decode_any(of, "of")?;
    if from > to {
        return Err(AppError::bad_input("from", "must not be after `to`"));
    }
    if to > Utc::now() {
        return Err(AppError::bad_input(
            "to",
            "is in the future: the registry can only be read as it was",
        ));
    }
    let known = crate::core::store::scoped::<event::Entity>(ctx)
        .filter(event::Column::EntityId.eq(id))
        .count(db)
        .await?;
    if known == 0 {
        return Err(AppError::not_found(format!("{} {id}", ty.name())));
    }
    let before = state_at(db, ctx, id, from).await?;
    let after = state_at(db, ctx, id, to).await?;
    let events = crate::core::store::scoped::<event::Entity>(ctx)
        .filter(event::Column::EntityId.eq(id))
        .filter(event::Column::CreatedAt.gt(from))
        .filter(event::Column::CreatedAt.lte(to))
        .count(db)
        .await?;
    let empty = serde_json::Map::new();
    let (a, b) = (
        before.as_ref().unwrap_or(&empty),
        after.as_ref().unwrap_or(&empty),
    );
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    let value = |m: &serde_json::Map<String, serde_json::Value>, k: &str| {
        m.get(k).filter(|v| !v.is_null()).cloned().map(Json)
    };
    let fields = names
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| FieldChange {
            field: camel(k),
            from: value(a, k),
            to: value(b, k),
        })
        .collect();
    Ok(NodeChanges {
        of: of.clone(),
        from,
        to,
        existed_at_from: before.is_some(),
        exists_at_to: after.is_some(),
        events,
        fields,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn field_names_are_camel_case() {
        assert_eq!(super::camel("traffic_percent"), "trafficPercent");
        assert_eq!(super::camel("stage"), "stage");
        assert_eq!(super::camel("model_version_id"), "modelVersionId");
    }
}

//! The event log as seen by clients: every committed change, who made it, before/after.

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::event;

use crate::api::{page_cost, top_list};
use crate::core::filter::{
    DateTimeFilter, IdFilter, StringFilter, cond_of, filter_input, order_input,
};
use crate::core::ids::{self, NodeType};
use crate::core::paging::{Conn, PageArgs};

/// One committed change: written in the same transaction as the change itself.
pub struct Event(pub event::Model);

#[Object]
impl Event {
    /// Global id; events are time-ordered by id.
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Event, self.0.id)
    }
    /// Namespace of the changed node.
    async fn ns(&self) -> &str {
        &self.0.ns
    }
    /// Who made the change.
    async fn actor(&self) -> Option<&str> {
        self.0.actor.as_deref()
    }
    /// Type of the changed node.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Global id of the changed node (it may no longer exist).
    async fn entity_id(&self) -> ID {
        match NodeType::from_name(&self.0.entity_type) {
            Some(t) => ids::encode(t, self.0.entity_id),
            None => ID(self.0.entity_id.to_string()),
        }
    }
    /// `CREATE`, `UPDATE`, `DELETE`, or a domain action such as `STAGE_CHANGED`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// State before the change.
    async fn before(&self) -> Option<Json<&serde_json::Value>> {
        self.0.before.as_ref().map(Json)
    }
    /// State after the change.
    async fn after(&self) -> Option<Json<&serde_json::Value>> {
        self.0.after.as_ref().map(Json)
    }
    /// The request that made the change.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// When it was committed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

filter_input!(
    /// Conditions on events.
    EventFilter for event {
        /// The changed node (by global id).
        entity: IdFilter => EntityId,
        /// Type of the changed node, e.g. `ModelVersion`.
        entity_type: StringFilter => EntityType,
        /// The action.
        action: StringFilter => Action,
        /// Who made it.
        actor: StringFilter => Actor,
        /// Namespace.
        ns: StringFilter => Ns,
        /// When it was committed.
        created_at: DateTimeFilter => CreatedAt,
    }
);

order_input!(
    /// A sort key for events.
    EventOrder, EventOrderField for event {
        /// Commit time.
        CreatedAt => CreatedAt,
    }
);

/// Event-log queries.
#[derive(Default)]
pub struct ObservabilityQuery;

#[Object]
impl ObservabilityQuery {
    /// The event log, newest first unless ordered otherwise.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        order_by: Option<Vec<EventOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        offset: Option<i32>,
    ) -> Result<Conn<Event>> {
        top_list::<event::Entity, _>(
            ctx,
            cond_of(&filter),
            EventOrder::keys(order_by.as_deref()),
            PageArgs::new(first, after, last, before, offset),
            Event,
        )
        .await
    }
}

/// A node's events, newest first, as a connection (batched across nodes).
pub async fn history_of(
    ctx: &Context<'_>,
    node: uuid::Uuid,
    args: PageArgs,
) -> Result<Conn<Event>> {
    let order = EventOrder::keys(None);
    crate::api::child_list::<crate::relations::NodeHistory, _>(
        ctx,
        node,
        Ok(sea_orm::Condition::all()),
        String::new(),
        order,
        args,
        Event,
    )
    .await
}

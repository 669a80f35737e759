//! GraphQL types of the event log: events, the watch filter of its subscription, and a
//! node's history.

use async_graphql::{Context, ID, InputObject, Result};
use entity::event;
use futures::{Stream, StreamExt};

use super::feed;
use crate::core::context::within_namespace;
use crate::core::ids::{self, NodeType};
use crate::core::paging::PageArgs;
use crate::gql::connection::Conn;
use crate::gql::filter::IdFilter;
use crate::graph::Event;

crate::gql::declare::node_type! {
    /// The fields of a [`Event`] of its own (the graph fields are shared, in `graph`).
    event => EventFields, list EventFilter, EventOrder of "events";
    columns {
        /// Namespace of the changed node.
        ns: Str filter,
        /// Who made the change.
        actor: OptStr filter,
        /// Type of the changed node.
        entity_type: Str filter,
        /// `CREATE`, `UPDATE`, `DELETE`, or a domain action such as `STAGE_CHANGED`.
        action: Str filter,
        /// State before the change.
        before: OptJson,
        /// State after the change.
        after: OptJson,
        /// The request that made the change.
        request_id: OptStr,
        /// When it was committed.
        created_at: Time filter order,
    }
    filter_columns {
        /// The changed node (by global id).
        entity: IdFilter => EntityId,
    }
    resolvers {
        /// Global id of the changed node (it may no longer exist).
        async fn entity_id(&self) -> ID {
            match NodeType::from_name(&self.0.entity_type) {
                Some(t) => ids::encode(t, self.0.entity_id).into(),
                None => ID(self.0.entity_id.to_string()),
            }
        }
        /// Its position in the live feed: pass it as `after` to the `events` subscription to
        /// resume right after this event.
        async fn cursor(&self) -> String {
            feed::Cursor::of(&self.0).encode()
        }
    }
}

/// A node's events, newest first, as a connection (batched across nodes).
pub async fn history_of(
    ctx: &Context<'_>,
    node: uuid::Uuid,
    args: PageArgs,
) -> Result<Conn<Event>> {
    use sea_orm::ColumnTrait;
    let order = EventOrder::keys(None);
    // Under an as-of root, the history up to that instant.
    let at = crate::gql::api::data::<crate::core::context::RequestContext>(ctx)?
        .as_of
        .get();
    let cond = match at {
        Some(at) => sea_orm::Condition::all().add(event::Column::CreatedAt.lte(at)),
        None => sea_orm::Condition::all(),
    };
    crate::gql::api::child_list::<crate::relations::NodeHistory, _>(
        ctx,
        node,
        Ok(cond),
        format!("{at:?}"),
        order,
        args,
        Event::from,
    )
    .await
}

/// Which events an `events` subscription delivers (all given conditions hold).
#[derive(InputObject, Debug, Default)]
pub struct EventWatchFilter {
    /// Only changes of these node types, e.g. `["TrainingJob", "ModelVersion"]`.
    pub entity_types: Option<Vec<String>>,
    /// Only these actions, e.g. `["JOB_CLAIMED", "STAGE_CHANGED"]`.
    pub actions: Option<Vec<String>>,
    /// Only this namespace (or its `ns/...` children).
    pub ns: Option<String>,
    /// Only changes of this node.
    pub entity: Option<ID>,
}

/// The filtered live feed (a free function: the stream must not borrow the request).
pub(super) fn watch_events(
    feed: &feed::EventFeed,
    after: Option<feed::Cursor>,
    filter: EventWatchFilter,
    entity: Option<uuid::Uuid>,
    scope: crate::core::context::Scope,
) -> impl Stream<Item = Event> + Send + use<> {
    feed.stream(after).filter_map(move |e| {
        let keep = scope.contains(&e.ns)
            && filter
                .entity_types
                .as_ref()
                .is_none_or(|t| t.contains(&e.entity_type))
            && filter
                .actions
                .as_ref()
                .is_none_or(|a| a.contains(&e.action))
            && filter
                .ns
                .as_ref()
                .is_none_or(|n| within_namespace(&e.ns, n))
            && entity.is_none_or(|id| e.entity_id == id);
        futures::future::ready(keep.then(|| Event::from((*e).clone())))
    })
}

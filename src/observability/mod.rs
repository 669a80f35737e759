//! The event log as seen by clients: every committed change, who made it, before/after;
//! queried as a connection and followed live (`feed`).

pub mod changes;
pub mod feed;
mod types;

pub use types::*;

use async_graphql::{Context, ID, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use entity::event;
use futures::Stream;

use crate::core::ids::{self};
use crate::core::paging::PageArgs;
use crate::gql::api::top_list;
use crate::gql::connection::Conn;
use crate::gql::filter::cond_of;
use crate::graph::Event;

/// Event-log queries.
#[derive(Default)]
pub struct ObservabilityQuery;

#[Object]
impl ObservabilityQuery {
    /// The event log, newest first unless ordered otherwise.
    #[expect(clippy::too_many_arguments)]
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
            Event::from,
        )
        .await
    }
    /// What changed on a node between two instants, field by field (read from the event
    /// log: the state after the latest event at or before each instant).
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The node.")] of: ID,
        #[graphql(desc = "The earlier instant.")] from: DateTime<Utc>,
        #[graphql(desc = "The later instant (default: now).")] to: Option<DateTime<Utc>>,
    ) -> Result<changes::NodeChanges> {
        let d = crate::gql::api::deps(ctx)?;
        let to = to.unwrap_or_else(Utc::now);
        Ok(changes::changes(&d.db, d.rc, &of, from, to).await?)
    }
}

/// The live event log.
#[derive(Default)]
pub struct ObservabilitySubscription;

#[Subscription]
impl ObservabilitySubscription {
    /// Every committed change matching the filter, in commit order, as it happens. With
    /// `after` (an event's `cursor`), first every matching event after that one: a client
    /// that reconnects with the last cursor it saw misses nothing and sees nothing twice.
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventWatchFilter>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Event>> {
        let d = crate::gql::api::deps(ctx)?;
        let after = after
            .as_deref()
            .map(|c| feed::Cursor::decode(c, "after"))
            .transpose()?;
        let filter = filter.unwrap_or_default();
        let entity = filter
            .entity
            .as_ref()
            .map(|id| ids::decode_any(id, "filter.entity").map(|(_, uuid)| uuid))
            .transpose()?;
        Ok(watch_events(
            &d.state.feed,
            after,
            filter,
            entity,
            d.rc.scope.clone(),
        ))
    }
}

//! The live event feed of one gateway instance: committed events, in order, to every
//! subscriber connected to this instance.
//!
//! The events table is the source of truth. One tailer task per instance reads the log
//! from its last position whenever it is woken and broadcasts what it read. It is woken
//! by PostgreSQL `NOTIFY mlgraph_events` (sent on commit by a trigger, so writes through
//! any instance reach every instance), by every commit in this process that recorded
//! events (`core::store::committed`: GraphQL, REST ingest, workers alike; the only signal
//! on SQLite), and by a periodic safety-net poll. A NOTIFY lost while the
//! listener was disconnected therefore only delays delivery; the listener reconnects by
//! itself and catches up at once.
//!
//! Order and resumption: events are delivered in `(txid, seq)` order, and on PostgreSQL
//! only below the oldest transaction still running, where the log is final (see the
//! `m20261124_000003_live_jobs` migration). A cursor names a position in that order, so a
//! subscriber that resumes from one gets every later event exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::event;
use futures::Stream;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use tokio::sync::{Notify, broadcast, watch};

use crate::error::{AppError, AppResult};

/// The NOTIFY channel the events trigger signals.
pub const CHANNEL: &str = "mlgraph_events";

/// How many events one read of the log returns at most.
const BATCH: u64 = 500;

/// A position in the delivery order of the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Cursor {
    /// The writing transaction (0 on SQLite).
    pub txid: i64,
    /// The event's write number.
    pub seq: i64,
}

impl Cursor {
    /// The cursor of an event row.
    pub fn of(e: &event::Model) -> Cursor {
        Cursor {
            txid: e.txid,
            seq: e.seq,
        }
    }

    /// The opaque form clients see and pass back.
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("ev:{}:{}", self.txid, self.seq))
    }

    /// Parses a cursor a client passed back, or `BAD_USER_INPUT` naming `field`.
    pub fn decode(s: &str, field: &str) -> AppResult<Cursor> {
        let bad = || AppError::bad_input(field, "not an event cursor");
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let mut parts = text.split(':');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("ev"), Some(txid), Some(seq), None) => Ok(Cursor {
                txid: txid.parse().map_err(|_| bad())?,
                seq: seq.parse().map_err(|_| bad())?,
            }),
            _ => Err(bad()),
        }
    }
}

/// An event as the feed delivers it.
pub type FeedEvent = Arc<event::Model>;

/// The oldest transaction of this database still running at the statement's snapshot,
/// as a `txid` (the next one to start when none runs): every event below it is final.
///
/// Transactions of the cluster's other databases cannot write this log, so they are
/// left out (one long transaction elsewhere would otherwise hold every subscriber
/// back); a running transaction is left out only when `pg_stat_activity` names another
/// database for it, so one that has just ended, or that the role may not see, still
/// counts, which can only delay delivery. `backend_xid` is 32 bits: running
/// transactions are never 2³² apart, so its low bits identify the full `txid`.
const HORIZON: &str =
    "(SELECT COALESCE(MIN(x::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
      FROM pg_snapshot_xip(pg_current_snapshot()) x
     WHERE x::text::bigint % 4294967296 NOT IN (
       SELECT backend_xid::text::bigint FROM pg_stat_activity
        WHERE datname <> current_database() AND backend_xid IS NOT NULL))";

/// Events after `after` in delivery order.
fn after_cursor(after: Cursor) -> SimpleExpr {
    Expr::tuple([
        Expr::col(event::Column::Txid),
        Expr::col(event::Column::Seq),
    ])
    .gt(Expr::tuple([Expr::val(after.txid), Expr::val(after.seq)]))
}

/// What one read of the log found.
pub struct LogRead {
    /// Final events, in delivery order.
    pub events: Vec<event::Model>,
    /// The read was cut by its limit: read again from the last event.
    pub more: bool,
    /// Committed events follow that are not final yet (an older transaction is still
    /// running): no wake-up may come for them, so look again shortly.
    pub pending: bool,
}

/// Reads committed events after `after` in delivery order (at most `limit`). On
/// PostgreSQL only events below the horizon of running transactions are returned, so
/// that the answer never changes later; those above it sort last and only set `pending`.
pub async fn read_after(db: &DatabaseConnection, after: Cursor, limit: u64) -> AppResult<LogRead> {
    let pg = db.get_database_backend() == DbBackend::Postgres;
    let mut q = crate::core::store::unscoped::<event::Entity>()
        .filter(after_cursor(after))
        .order_by_asc(event::Column::Txid)
        .order_by_asc(event::Column::Seq)
        .limit(limit)
        .into_query();
    if pg {
        q.expr_as(
            Expr::cust(format!("txid < {HORIZON}")),
            Alias::new("is_final"),
        );
    }
    let rows = db.query_all(&q).await?;
    let full = rows.len() as u64 == limit;
    let mut events = Vec::with_capacity(rows.len());
    let mut pending = false;
    for row in rows {
        if pg && !row.try_get::<bool>("", "is_final")? {
            pending = true;
            break;
        }
        events.push(event::Model::from_query_result(&row, "")?);
    }
    Ok(LogRead {
        events,
        more: full && !pending,
        pending,
    })
}

/// The position after the last final event of the log (where a subscription that asks
/// for no history starts).
pub async fn head(db: &DatabaseConnection) -> AppResult<Cursor> {
    let mut q = crate::core::store::unscoped::<event::Entity>()
        .select_only()
        .column(event::Column::Txid)
        .column(event::Column::Seq)
        .order_by_desc(event::Column::Txid)
        .order_by_desc(event::Column::Seq)
        .limit(1);
    if db.get_database_backend() == DbBackend::Postgres {
        q = q.filter(Expr::cust(format!("txid < {HORIZON}")));
    }
    let last: Option<(i64, i64)> = q.into_tuple().one(db).await?;
    Ok(last.map_or(Cursor::default(), |(txid, seq)| Cursor { txid, seq }))
}

/// Feed settings.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// Safety-net poll of the log when no wake-up arrives.
    pub poll_interval: Duration,
    /// Events buffered per subscriber before it must re-read from the log.
    pub buffer: usize,
    /// Where LISTEN runs when the feed's pool goes through a transaction pooler, which
    /// cannot carry it (the database's own address); the feed's pool without it.
    pub listen: Option<DatabaseConnection>,
}

impl Default for FeedOptions {
    fn default() -> Self {
        FeedOptions {
            poll_interval: Duration::from_secs(2),
            buffer: 4096,
            listen: None,
        }
    }
}

struct Inner {
    db: DatabaseConnection,
    options: FeedOptions,
    tx: broadcast::Sender<FeedEvent>,
    wake: Notify,
    started: AtomicBool,
    /// The tailer's position: everything up to here has been broadcast.
    position: watch::Sender<Option<Cursor>>,
}

/// The feed of one instance (cheap to clone). Its tasks start with the first subscriber.
#[derive(Clone)]
pub struct EventFeed(Arc<Inner>);

impl EventFeed {
    /// A feed over this pool.
    pub fn new(db: DatabaseConnection, options: FeedOptions) -> EventFeed {
        let (tx, _) = broadcast::channel(options.buffer.max(16));
        let (position, _) = watch::channel(None);
        EventFeed(Arc::new(Inner {
            db,
            options,
            tx,
            wake: Notify::new(),
            started: AtomicBool::new(false),
            position,
        }))
    }

    /// Tells the tailer that events were committed (called after this instance's writes).
    pub fn wake(&self) {
        self.0.wake.notify_one();
    }

    /// Starts the tailer (and on PostgreSQL the listener) once.
    fn ensure_started(&self) {
        if self.0.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move { me.tail().await });
        if self.0.db.get_database_backend() == DbBackend::Postgres {
            let me = self.clone();
            tokio::spawn(async move { me.listen().await });
        }
    }

    /// The current delivery position (where a subscription without history starts).
    pub async fn now(&self) -> Cursor {
        self.ensure_started();
        self.position().await
    }

    /// Waits until the tailer has a position, and returns it.
    async fn position(&self) -> Cursor {
        let mut rx = self.0.position.subscribe();
        loop {
            if let Some(c) = *rx.borrow_and_update() {
                return c;
            }
            if rx.changed().await.is_err() {
                return Cursor::default();
            }
        }
    }

    async fn tail(&self) {
        let db = &self.0.db;
        let mut committed = crate::core::store::committed();
        let mut at = loop {
            match head(db).await {
                Ok(c) => break c,
                Err(e) => {
                    tracing::warn!(error = ?e, "event feed: cannot read the log head");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        };
        self.0.position.send_replace(Some(at));
        let mut backoff = Duration::ZERO;
        loop {
            let mut pending = false;
            loop {
                match read_after(db, at, BATCH).await {
                    Ok(read) => {
                        for e in read.events {
                            at = Cursor::of(&e);
                            // No receivers is fine: nobody is watching right now.
                            let _ = self.0.tx.send(Arc::new(e));
                        }
                        self.0.position.send_replace(Some(at));
                        pending = read.pending;
                        if !read.more {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = ?e, "event feed: cannot read the log");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        break;
                    }
                }
            }
            backoff = if pending {
                (backoff * 2).clamp(Duration::from_millis(5), Duration::from_millis(200))
            } else {
                Duration::ZERO
            };
            let wait = if pending {
                backoff
            } else {
                self.0.options.poll_interval
            };
            tokio::select! {
                _ = self.0.wake.notified() => {}
                _ = committed.changed() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Forwards PostgreSQL notifications to the tailer, reconnecting after failures (a
    /// lost connection may have lost notifications: the tailer is woken to catch up).
    async fn listen(&self) {
        use sea_orm::sqlx::postgres::PgListener;
        let db = self.0.options.listen.as_ref().unwrap_or(&self.0.db);
        let pool = db.get_postgres_connection_pool().clone();
        loop {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "event feed: cannot connect the listener");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANNEL).await {
                tracing::warn!(error = %e, "event feed: LISTEN failed");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
            // Anything committed while we were not listening.
            self.wake();
            loop {
                match listener.try_recv().await {
                    Ok(Some(_)) => self.wake(),
                    Ok(None) => {
                        tracing::info!("event feed: listener reconnecting");
                        self.wake();
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "event feed: listener connection failed");
                        self.wake();
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        break;
                    }
                }
            }
        }
    }

    /// Every committed event after `after` (or, without it, from now on), in order, with
    /// no gaps and no duplicates. Slow subscribers that fall behind the in-memory buffer
    /// re-read what they missed from the log.
    pub fn stream(&self, after: Option<Cursor>) -> impl Stream<Item = FeedEvent> + Send + use<> {
        self.ensure_started();
        let me = self.clone();
        async_stream::stream! {
            let _open = crate::telemetry::metrics::OpenSubscription::open();
            let mut rx = me.0.tx.subscribe();
            let mut last = match after {
                Some(c) => c,
                None => me.position().await,
            };
            let mut replay = true;
            loop {
                if replay {
                    // History (or what the buffer dropped), straight from the log.
                    loop {
                        let read = match read_after(&me.0.db, last, BATCH).await {
                            Ok(r) => r,
                            Err(e) => {
                                tracing::warn!(error = ?e, "event feed: replay failed");
                                tokio::time::sleep(Duration::from_millis(500)).await;
                                continue;
                            }
                        };
                        let moved = !read.events.is_empty();
                        for e in read.events {
                            last = Cursor::of(&e);
                            yield Arc::new(e);
                        }
                        if read.more {
                            continue;
                        }
                        // What is not final yet arrives through the tailer, which
                        // broadcasts only what it reads after its own position: if that
                        // is ahead of us (it started, or read on, while we replayed),
                        // the events in between are final and come from the log too.
                        if me.position().await <= last {
                            break;
                        }
                        if !moved {
                            // Not visible to this read yet: no busy loop.
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                    }
                    replay = false;
                }
                match rx.recv().await {
                    Ok(e) => {
                        let c = Cursor::of(&e);
                        if c > last {
                            last = c;
                            let lag = (chrono::Utc::now() - e.created_at).to_std().unwrap_or_default();
                            crate::telemetry::metrics::delivery(lag);
                            tracing::info_span!(
                                "subscription.delivery",
                                entity_type = %e.entity_type,
                                action = %e.action,
                                lag_ms = lag.as_millis() as u64,
                            )
                            .in_scope(|| {});
                            yield e;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => replay = true,
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        }
    }
}

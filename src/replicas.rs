//! Read replicas (`--replica-url`, PostgreSQL streaming replicas).
//!
//! A GraphQL query (never a mutation, nor anything inside a write) reads from a replica
//! when one is **up**, **within `--max-replica-lag`** of the primary, and has **replayed
//! the caller's own writes**; otherwise from the primary. Nothing waits: a replica that
//! is behind the caller is simply not chosen for that request.
//!
//! - **Read-your-writes**: after a request that wrote, the primary's WAL position
//!   (`pg_current_wal_insert_lsn()`: past the write's commit record even when commits do
//!   not wait for the WAL to be written, `synchronous_commit = off`) is remembered for the caller
//!   (its API key or session, else its `x-actor`) and returned in the `x-mlgraph-lsn`
//!   response header. A read is routed to a replica only once that replica's
//!   `pg_last_wal_replay_lsn()` has reached the larger of the remembered position and
//!   the one the request sends back in `x-mlgraph-lsn` — which is how a client reads its
//!   writes from *any* instance, not only the one it wrote through.
//! - **Health**: a monitor polls the primary's position and each replica's replay
//!   position every `--replica-poll-ms`; a replica's lag is the age of the oldest primary
//!   position it has not replayed. A replica that cannot be reached, or lags past the
//!   limit, is skipped (a log line when it goes and comes back; `mlgraph_replica_up` and
//!   `mlgraph_replica_lag_seconds`); a read that fails on a replica because it went away
//!   meanwhile is answered again from the primary, so the client sees no error.
//! - Every routed read counts in `mlgraph_db_reads_total{target="replica"|"primary"}`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::core::context::{ReadRoute, RequestContext};

/// The header that carries a write's WAL position back to the client, and a client's
/// last write to the server.
pub const LSN_HEADER: &str = "x-mlgraph-lsn";

/// Primary positions kept to measure lag (at the default poll, the last minute).
const SAMPLES: usize = 600;

/// One replica.
pub struct Member {
    /// Where it is (host, port and database; never a password).
    pub name: String,
    db: DatabaseConnection,
    /// Its reads (with their kept connections).
    reads: crate::core::reads::ReadPool,
    up: AtomicBool,
    replay: AtomicU64,
    lag_ms: AtomicU64,
}

/// The replicas of one primary, their health, and the callers' last writes.
pub struct Replicas {
    primary: DatabaseConnection,
    members: Vec<Member>,
    max_lag: Duration,
    next: AtomicUsize,
    /// Per caller, the primary's position after its latest write (dropped once every
    /// replica has replayed it).
    written: Mutex<HashMap<String, u64>>,
    /// The primary's position over time, oldest first.
    samples: Mutex<VecDeque<(Instant, u64)>>,
    /// Reads routed to a replica, and to the primary.
    routed: [AtomicU64; 2],
    /// The monitor's rounds so far (what waits on its view of the replicas awaits this).
    rounds: tokio::sync::watch::Sender<u64>,
}

/// A WAL position (`16/B374D848`) as a number; none when it is not one.
pub fn parse_lsn(text: &str) -> Option<u64> {
    let (hi, lo) = text.trim().split_once('/')?;
    let hi = u64::from_str_radix(hi, 16).ok()?;
    let lo = u64::from_str_radix(lo, 16).ok()?;
    (hi <= u64::from(u32::MAX) && lo <= u64::from(u32::MAX)).then_some((hi << 32) | lo)
}

/// A WAL position as PostgreSQL writes it.
pub fn format_lsn(lsn: u64) -> String {
    format!("{:X}/{:X}", lsn >> 32, lsn & 0xFFFF_FFFF)
}

/// The caller's key for read-your-writes: its API key or session, else its actor.
pub fn caller_key(rc: &RequestContext) -> Option<String> {
    key_of(rc.principal.as_ref().map(|p| p.key_id), rc.actor.as_deref())
}

/// The caller's key from its API key or session id, else its actor name (how a request
/// is known before its context exists, e.g. to the REST routes' middleware).
pub fn key_of(key_id: Option<uuid::Uuid>, actor: Option<&str>) -> Option<String> {
    match (key_id, actor) {
        (Some(id), _) => Some(format!("key:{id}")),
        (None, Some(a)) => Some(format!("actor:{a}")),
        (None, None) => None,
    }
}

/// Says in a response's headers where its write is (`x-mlgraph-lsn`).
pub fn set_header(headers: &mut axum::http::HeaderMap, lsn: u64) {
    if let Ok(v) = axum::http::HeaderValue::from_str(&format_lsn(lsn)) {
        headers.insert(LSN_HEADER, v);
    }
}

async fn position(db: &DatabaseConnection, sql: &str) -> Result<Option<u64>, String> {
    let stmt = Statement::from_string(db.get_database_backend(), sql.to_owned());
    let row = tokio::time::timeout(Duration::from_secs(2), db.query_one_raw(stmt))
        .await
        .map_err(|_| "no answer within 2 s".to_owned())?
        .map_err(|e| e.to_string())?;
    Ok(row
        .and_then(|r| r.try_get_by_index::<Option<String>>(0).ok().flatten())
        .and_then(|t| parse_lsn(&t)))
}

impl Replicas {
    /// The replicas `members` (name, pool) of `primary`; their statements count into
    /// `statements` (the primary's counter).
    pub fn new(
        primary: DatabaseConnection,
        members: Vec<(String, DatabaseConnection)>,
        max_lag: Duration,
        statements: &crate::db::StatementCounter,
    ) -> Replicas {
        Replicas {
            primary,
            members: members
                .into_iter()
                .map(|(name, db)| Member {
                    name,
                    reads: crate::core::reads::ReadPool::new(
                        db.clone(),
                        crate::db::report(statements),
                    ),
                    db,
                    up: AtomicBool::new(false),
                    replay: AtomicU64::new(0),
                    lag_ms: AtomicU64::new(u64::MAX),
                })
                .collect(),
            max_lag,
            next: AtomicUsize::new(0),
            written: Mutex::new(HashMap::new()),
            samples: Mutex::new(VecDeque::with_capacity(SAMPLES)),
            routed: [AtomicU64::new(0), AtomicU64::new(0)],
            rounds: tokio::sync::watch::channel(0).0,
        }
    }

    /// The replicas.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The position a read for `rc` must see: its own last write here, or what it sent
    /// in `x-mlgraph-lsn` (the larger).
    pub fn required(&self, rc: &RequestContext, sent: Option<&str>) -> u64 {
        let mine = caller_key(rc)
            .and_then(|k| self.written.lock().ok()?.get(&k).copied())
            .unwrap_or(0);
        mine.max(sent.and_then(parse_lsn).unwrap_or(0))
    }

    /// Where a read that must see `required` goes: the next replica (round robin) that is
    /// up, within the lag limit and at or past `required`; else the primary.
    pub fn route(&self, required: u64) -> ReadRoute {
        let n = self.members.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let max_lag = u64::try_from(self.max_lag.as_millis()).unwrap_or(u64::MAX);
        for k in 0..n {
            let i = (start + k) % n;
            let m = &self.members[i];
            if m.up.load(Ordering::Acquire)
                && m.lag_ms.load(Ordering::Acquire) <= max_lag
                && m.replay.load(Ordering::Acquire) >= required
            {
                self.routed[0].fetch_add(1, Ordering::Relaxed);
                metrics::counter!("mlgraph_db_reads_total", "target" => "replica").increment(1);
                return ReadRoute::replica_pool(i, m.reads.clone());
            }
        }
        self.routed[1].fetch_add(1, Ordering::Relaxed);
        metrics::counter!("mlgraph_db_reads_total", "target" => "primary").increment(1);
        ReadRoute::default()
    }

    /// A read on replica `i` failed for want of it: skip it until the monitor sees it
    /// again, and count the read as the primary's (it is answered there).
    pub fn failed(&self, i: usize, error: &str) {
        if let Some(m) = self.members.get(i)
            && m.up.swap(false, Ordering::AcqRel)
        {
            tracing::warn!(replica = %m.name, %error, "read replica unavailable: reading from the primary");
            metrics::gauge!("mlgraph_replica_up", "replica" => m.name.clone()).set(0.0);
        }
        self.routed[0].fetch_sub(1, Ordering::Relaxed);
        self.routed[1].fetch_add(1, Ordering::Relaxed);
        metrics::counter!("mlgraph_db_reads_total", "target" => "primary").increment(1);
    }

    /// Reads answered by a replica and by the primary so far (a read a replica failed
    /// counts as the primary's).
    pub fn reads(&self) -> (u64, u64) {
        (
            self.routed[0].load(Ordering::Relaxed),
            self.routed[1].load(Ordering::Relaxed),
        )
    }

    /// Whether replica `i` is up, by the monitor's last look.
    pub fn is_up(&self, i: usize) -> bool {
        self.members
            .get(i)
            .is_some_and(|m| m.up.load(Ordering::Acquire))
    }

    /// How far replica `i` had replayed at the monitor's last look.
    pub fn replayed(&self, i: usize) -> u64 {
        self.members
            .get(i)
            .map_or(0, |m| m.replay.load(Ordering::Acquire))
    }

    /// Ticks after each round of the monitor ([`Replicas::poll`]).
    pub fn rounds(&self) -> tokio::sync::watch::Receiver<u64> {
        self.rounds.subscribe()
    }

    /// Remembers that `rc` just wrote; returns the primary's position after it (for the
    /// `x-mlgraph-lsn` header).
    pub async fn wrote(&self, rc: &RequestContext) -> Option<u64> {
        self.wrote_as(caller_key(rc)).await
    }

    /// [`Replicas::wrote`] for the caller of key `key` (`key:<API key id>` or
    /// `actor:<name>`; none: only the position is answered).
    pub async fn wrote_as(&self, key: Option<String>) -> Option<u64> {
        let lsn = position(&self.primary, "SELECT pg_current_wal_insert_lsn()::text")
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "the primary's WAL position"))
            .ok()
            .flatten()?;
        if let (Some(key), Ok(mut w)) = (key, self.written.lock()) {
            let e = w.entry(key).or_insert(0);
            *e = (*e).max(lsn);
        }
        Some(lsn)
    }

    /// One round of the monitor: the primary's position, then each replica's.
    pub async fn poll(&self) {
        let now = Instant::now();
        match position(&self.primary, "SELECT pg_current_wal_insert_lsn()::text").await {
            Ok(Some(lsn)) => {
                if let Ok(mut s) = self.samples.lock() {
                    if s.len() == SAMPLES {
                        s.pop_front();
                    }
                    s.push_back((now, lsn));
                }
            }
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "the primary's WAL position"),
        }
        for m in &self.members {
            match position(&m.db, "SELECT pg_last_wal_replay_lsn()::text").await {
                Ok(Some(replay)) => {
                    m.replay.store(replay, Ordering::Release);
                    let lag = self.lag(now, replay);
                    let lag_ms = u64::try_from(lag.as_millis()).unwrap_or(u64::MAX);
                    m.lag_ms.store(lag_ms, Ordering::Release);
                    metrics::gauge!("mlgraph_replica_lag_seconds", "replica" => m.name.clone())
                        .set(lag.as_secs_f64());
                    let usable = lag <= self.max_lag;
                    if !m.up.swap(true, Ordering::AcqRel) {
                        tracing::info!(replica = %m.name, lag_ms, "read replica available");
                        metrics::gauge!("mlgraph_replica_up", "replica" => m.name.clone()).set(1.0);
                    }
                    if !usable {
                        tracing::debug!(replica = %m.name, lag_ms, "read replica past the lag limit");
                    }
                }
                Ok(None) => self.down(m, "not a replica: pg_last_wal_replay_lsn() is null"),
                Err(e) => self.down(m, &e),
            }
        }
        // A write every replica has replayed needs no remembering.
        let floor = self
            .members
            .iter()
            .map(|m| m.replay.load(Ordering::Acquire))
            .min()
            .unwrap_or(0);
        if let Ok(mut w) = self.written.lock() {
            w.retain(|_, lsn| *lsn > floor);
        }
        self.rounds.send_modify(|n| *n += 1);
    }

    fn down(&self, m: &Member, error: &str) {
        if m.up.swap(false, Ordering::AcqRel) {
            tracing::warn!(replica = %m.name, %error, "read replica unavailable: reading from the primary");
        }
        metrics::gauge!("mlgraph_replica_up", "replica" => m.name.clone()).set(0.0);
    }

    /// How far behind a replica at `replay` is: the age of the oldest primary position
    /// it has not replayed (zero when it has them all).
    fn lag(&self, now: Instant, replay: u64) -> Duration {
        let Ok(s) = self.samples.lock() else {
            return Duration::MAX;
        };
        s.iter()
            .find(|(_, lsn)| *lsn > replay)
            .map_or(Duration::ZERO, |(at, _)| now.saturating_duration_since(*at))
    }

    /// Polls every `every` for the life of the process.
    pub fn spawn_monitor(self: &Arc<Self>, every: Duration) {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                me.poll().await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_and_write_as_postgresql_does() {
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(format_lsn((0x16 << 32) | 0xB374_D848), "16/B374D848");
        for bad in ["", "16", "x/1", "1/", "100000000/0", "1/2/3"] {
            assert_eq!(parse_lsn(bad), None, "{bad}");
        }
        assert!(parse_lsn("1/0") > parse_lsn("0/FFFFFFFF"));
    }
}

//! Reads that keep their connection between statements instead of handing it back to
//! sqlx's pool after each one.
//!
//! sqlx tests every connection that comes back to its pool (a `Sync` and its
//! `ReadyForQuery`, on a task it spawns), so each statement costs a second round trip and
//! a task. A read that ran to its end has left its connection ready for the next
//! statement: [`Reads`] keeps such a connection, checked out of sqlx's pool, for the next
//! read, for [`REUSE_WITHIN`] at most. A read that fails or is cancelled lets its
//! connection go back to sqlx, which tests it (and closes a broken one); a read that finds
//! its kept connection closed by the server runs again on one from the pool. At most half
//! of the pool's connections are kept or lent from the kept ones at once: the other half
//! go back to sqlx after each statement and serve its queue (writes, transactions, reads
//! that found no kept connection) in turn; and while reads wait in that queue, no
//! connection is kept: each goes back to the first in the queue, as without kept reads.
//! Read replicas' pools keep theirs the same way.
//!
//! Only PostgreSQL's pools have this; SQLite reads go through SeaORM as before.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::sqlx::{self, PgPool, Postgres, pool::PoolConnection, postgres::PgRow};
use sea_orm::{
    ConnAcquireErr, DatabaseConnection, DbBackend, DbErr, QueryResult, RuntimeErr, Statement,
};
use sea_query_sqlx::SqlxValues;

/// How long a kept connection stays trusted without a test: past it, it goes back to
/// sqlx's pool (which tests a connection idle that long before handing it out again).
pub const REUSE_WITHIN: Duration = Duration::from_millis(100);

/// What a statement is reported to: its SQL, how long it took, whether it failed (the
/// pool's statement counter and metrics, as SeaORM's metric callback reports them).
pub type Report = Arc<dyn Fn(&str, Duration, bool) + Send + Sync>;

/// A PostgreSQL pool's kept read connections (see the module docs).
pub struct Reads {
    pool: PgPool,
    kept: Mutex<Kept>,
    most: usize,
    /// Reads waiting for a connection from sqlx's pool now: while any waits, a read's
    /// connection goes back to the pool (to the first in its queue) instead of being kept.
    waiting: AtomicUsize,
    report: Report,
}

/// A read counted among those waiting for sqlx's pool, until it has its connection.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The connections kept: idle ones (most recent last), and how many are lent to a read
/// now. Together they are at most `Reads::most`, so that the rest of the pool's
/// connections go back to sqlx after each statement and serve its queue in turn.
#[derive(Default)]
struct Kept {
    idle: Vec<(PoolConnection<Postgres>, Instant)>,
    lent: usize,
}

/// A kept connection lent to a read: counted back when the read ends, however it ends.
struct Lent<'a>(&'a Reads);

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Ok(mut kept) = self.0.kept.lock() {
            kept.lent = kept.lent.saturating_sub(1);
        }
    }
}

impl std::fmt::Debug for Reads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reads").field("most", &self.most).finish()
    }
}

impl Reads {
    /// Kept read connections for `db`'s pool; none for SQLite, or a pool of one.
    pub fn new(db: &DatabaseConnection, report: Report) -> Option<Arc<Reads>> {
        if db.get_database_backend() != DbBackend::Postgres {
            return None;
        }
        let pool = db.get_postgres_connection_pool().clone();
        let most = (pool.options().get_max_connections() / 2) as usize;
        (most > 0).then(|| {
            Arc::new(Reads {
                pool,
                kept: Mutex::new(Kept {
                    idle: Vec::with_capacity(most),
                    lent: 0,
                }),
                most,
                waiting: AtomicUsize::new(0),
                report,
            })
        })
    }

    /// The most recently kept connection still within [`REUSE_WITHIN`], lent; older ones
    /// go back to sqlx's pool (outside the lock).
    fn take(&self) -> Option<(PoolConnection<Postgres>, Lent<'_>)> {
        let stale = {
            let mut kept = self.kept.lock().ok()?;
            match kept.idle.pop() {
                Some((conn, since)) if since.elapsed() < REUSE_WITHIN => {
                    kept.lent += 1;
                    return Some((conn, Lent(self)));
                }
                // The rest were kept earlier still.
                Some(last) => {
                    let mut stale = std::mem::take(&mut kept.idle);
                    stale.push(last);
                    stale
                }
                None => return None,
            }
        };
        drop(stale);
        None
    }

    /// Ends a loan and keeps its connection again by [`Self::keep`]'s rule (it was
    /// counted among the kept, so the bound admits it; a read waiting for sqlx's pool
    /// gets it instead).
    fn repay(&self, conn: PoolConnection<Postgres>, lent: Lent<'_>) {
        drop(lent);
        self.keep(conn);
    }

    /// Keeps a connection while fewer than `most` are kept or lent and no read waits for
    /// sqlx's pool, else gives it back there.
    fn keep(&self, conn: PoolConnection<Postgres>) {
        let refused = match self.kept.lock() {
            Ok(mut kept)
                if kept.idle.len() + kept.lent < self.most
                    && self.waiting.load(Ordering::Relaxed) == 0 =>
            {
                kept.idle.push((conn, Instant::now()));
                None
            }
            _ => Some(conn),
        };
        drop(refused);
    }

    /// A connection from sqlx's pool (tested there when it sat idle).
    async fn acquired(&self) -> Result<PoolConnection<Postgres>, DbErr> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let _waiting = Waiting(&self.waiting);
        self.pool.acquire().await.map_err(|e| match e {
            sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            e => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))),
        })
    }

    /// Runs `stmt` on a kept connection, or one from the pool. A kept connection found
    /// broken (the database restarted since) is dropped and the read runs again on one
    /// from the pool: a read is safe to repeat, and the pool's connection is tested.
    async fn fetch(&self, stmt: &Statement, one: bool) -> Result<Rows, DbErr> {
        if let Some((mut conn, lent)) = self.take() {
            match self.attempt(&mut conn, stmt, one).await {
                Ok(rows) => {
                    self.repay(conn, lent);
                    return Ok(rows);
                }
                Err(e) if !crate::core::error::is_broken_sqlx(&e) => return Err(query_err(e)),
                // Dropped: sqlx's pool closes it.
                Err(_) => drop(conn),
            }
        }
        let mut conn = self.acquired().await?;
        let rows = self
            .attempt(&mut conn, stmt, one)
            .await
            .map_err(query_err)?;
        self.keep(conn);
        Ok(rows)
    }

    /// One statement on `conn`, reported. Cancelled or failed, `conn` is not kept: its
    /// caller drops it and sqlx's pool tests it.
    async fn attempt(
        &self,
        conn: &mut PoolConnection<Postgres>,
        stmt: &Statement,
        one: bool,
    ) -> Result<Rows, sqlx::Error> {
        let started = Instant::now();
        let q = query(stmt);
        let rows = if one {
            q.fetch_optional(&mut **conn).await.map(Rows::One)
        } else {
            q.fetch_all(&mut **conn).await.map(Rows::All)
        };
        (self.report)(&stmt.sql, started.elapsed(), rows.is_err());
        rows
    }

    /// Every row `stmt` returns.
    pub async fn query_all(&self, stmt: &Statement) -> Result<Vec<QueryResult>, DbErr> {
        Ok(match self.fetch(stmt, false).await? {
            Rows::All(rows) => rows.into_iter().map(QueryResult::from).collect(),
            Rows::One(row) => row.into_iter().map(QueryResult::from).collect(),
        })
    }

    /// The first row `stmt` returns, if any.
    pub async fn query_one(&self, stmt: &Statement) -> Result<Option<QueryResult>, DbErr> {
        Ok(match self.fetch(stmt, true).await? {
            Rows::One(row) => row.map(QueryResult::from),
            Rows::All(rows) => rows.into_iter().next().map(QueryResult::from),
        })
    }

    /// Gives every kept connection back to sqlx's pool (before closing it: a pool closes
    /// once all its connections are back).
    pub fn release(&self) {
        let idle = match self.kept.lock() {
            Ok(mut kept) => std::mem::take(&mut kept.idle),
            Err(_) => Vec::new(),
        };
        drop(idle);
    }

    /// How many connections are kept idle now.
    pub fn kept(&self) -> usize {
        self.kept.lock().map(|k| k.idle.len()).unwrap_or(0)
    }

    /// How many kept connections are lent to reads now.
    pub fn lent(&self) -> usize {
        self.kept.lock().map(|k| k.lent).unwrap_or(0)
    }
}

/// What a statement returned.
enum Rows {
    All(Vec<PgRow>),
    One(Option<PgRow>),
}

impl Drop for Reads {
    fn drop(&mut self) {
        let kept = match self.kept.get_mut() {
            Ok(kept) => std::mem::take(&mut kept.idle),
            Err(poisoned) => std::mem::take(&mut poisoned.into_inner().idle),
        };
        // sqlx gives a connection back to its pool on a task of the runtime; without one
        // (the state dropped after its runtime, as at exit) the sockets are left to close
        // with the process.
        if tokio::runtime::Handle::try_current().is_err() {
            std::mem::forget(kept);
        }
    }
}

fn query(stmt: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = stmt
        .values
        .clone()
        .unwrap_or(sea_orm::sea_query::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

/// As SeaORM maps a failed query, so that errors read the same either way.
fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

/// A pool reads go through: SeaORM's, with its kept read connections where it has them.
#[derive(Clone, Debug)]
pub struct ReadPool {
    /// The pool.
    pub db: DatabaseConnection,
    kept: Option<Arc<Reads>>,
}

impl ReadPool {
    /// `db`, keeping read connections (PostgreSQL) whose statements go to `report`.
    pub fn new(db: DatabaseConnection, report: Report) -> ReadPool {
        let kept = Reads::new(&db, report);
        ReadPool { db, kept }
    }

    /// Its kept read connections, if it keeps any.
    pub fn kept(&self) -> Option<&Reads> {
        self.kept.as_deref()
    }
}

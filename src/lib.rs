//! mlgraph: a GraphQL gateway over a property graph of ML metadata.
//!
//! The library builds the whole application in process (`build_schema`, `app`) so that
//! tests exercise the real stack; `main.rs` only parses configuration, connects,
//! migrates and serves.

pub mod access;
pub mod artifacts;
pub mod assets;
pub mod callers;
pub mod config;
pub mod console;
pub mod core;
pub mod data;
pub mod db;
pub mod demo;
pub mod enums;
pub mod error;
pub mod governance;
pub mod gql;
pub mod graph;
pub mod ingest;
pub mod lineage;
pub mod lineage_view;
pub mod metrics;
pub mod observability;
pub mod partitions;
pub mod playground;
pub mod portability;
pub mod prep;
pub mod progress;
pub mod registry;
pub mod relations;
pub mod replicas;
pub mod runs;
pub mod schema;
pub mod search;
pub mod server;
pub mod serving;
pub mod telemetry;
pub mod training;
pub mod ws_guard;

use sea_orm::DatabaseConnection;

pub use config::{AuthConfig, Limits};
pub use schema::{AppSchema, build_schema};
pub use server::app;

/// State shared by every request: [`Services`] behind one pointer, so that a request's
/// copies of it cost a reference count (a change through `&mut` copies it first).
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Services {
        std::sync::Arc::make_mut(&mut self.0)
    }
}

impl From<Services> for AppState {
    fn from(s: Services) -> Self {
        AppState(std::sync::Arc::new(s))
    }
}

/// What every request reads: the pools, the limits, the configured services.
#[derive(Clone)]
pub struct Services {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// The primary's reads: `db`, with its kept read connections (`core::reads`).
    pub reads: core::reads::ReadPool,
    /// Request limits.
    pub limits: Limits,
    /// Counts SQL statements sent through `db`.
    pub statements: db::StatementCounter,
    /// Origins allowed by CORS (`*` for any); empty disables CORS headers.
    pub cors_origins: Vec<String>,
    /// This instance's live event feed (subscriptions).
    pub feed: observability::feed::EventFeed,
    /// Authentication (off unless turned on).
    pub auth: AuthConfig,
    /// The clock expiry and lockout read.
    pub clock: core::clock::Clock,
    /// The artifact store (none: artifact uploads are refused).
    pub artifacts: Option<std::sync::Arc<artifacts::service::Artifacts>>,
    /// The namespace of the MLflow-compatible API at `/api/2.0/...` (`--mlflow-namespace`).
    pub mlflow_namespace: String,
    /// The built-in embedding model (`--embedding-model-dir`; none: `similar(text:)` and
    /// hybrid search are refused).
    pub embedder: Option<std::sync::Arc<search::embedding::Embedder>>,
    /// The SHA-256 (hex) of the token `/metrics` asks for (`--metrics-token`); without
    /// one, `/metrics` is open while authentication is off and a superuser's otherwise.
    pub metrics_token_sha256: Option<String>,
    /// Persisted documents (`--persisted-documents`, `--persisted-only`).
    pub persisted: Option<std::sync::Arc<gql::persisted::PersistedDocuments>>,
    /// Read replicas (`--replica-url`; none: every read goes to `db`).
    pub replicas: Option<std::sync::Arc<replicas::Replicas>>,
}

impl AppState {
    /// State with default limits and no CORS.
    pub fn new(db: DatabaseConnection, statements: db::StatementCounter) -> Self {
        AppState::from(Services {
            feed: observability::feed::EventFeed::new(db.clone(), Default::default()),
            reads: core::reads::ReadPool::new(db.clone(), db::report(&statements)),
            db,
            limits: Limits::default(),
            statements,
            cors_origins: Vec::new(),
            auth: AuthConfig::default(),
            clock: core::clock::Clock::system(),
            artifacts: None,
            mlflow_namespace: "mlflow".to_owned(),
            embedder: None,
            metrics_token_sha256: None,
            persisted: None,
            replicas: None,
        })
    }
}

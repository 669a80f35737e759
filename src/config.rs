//! Configuration shared by the binary and the tests. The binary fills it from flags and
//! environment variables (see `main.rs`); tests use the defaults.

/// Safe-by-default limits on what one request may ask for.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Maximum query depth (nesting of selection sets).
    pub max_depth: usize,
    /// Maximum query complexity (each field costs 1, a connection multiplies by its page size).
    pub max_complexity: usize,
    /// Largest `first`/`last` a list accepts.
    pub max_page_size: u64,
    /// Page size when neither `first` nor `last` is given.
    pub default_page_size: u64,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest `depth` a lineage traversal accepts.
    pub max_lineage_depth: u32,
    /// `depth` of a lineage traversal that does not give one.
    pub default_lineage_depth: u32,
    /// Most nodes a lineage traversal reaches before it stops (PostgreSQL): past it the
    /// walk ends at the level that crossed it and answers `isPartial`.
    pub max_lineage_reach: usize,
    /// Largest `first` of a lineage traversal.
    pub max_lineage_page: u32,
    /// `first` of a lineage traversal that does not give one.
    pub default_lineage_page: u32,
    /// Most aliased fields in one operation (aliases multiply work cheaply).
    pub max_aliases: usize,
    /// Most top-level fields in one operation.
    pub max_root_fields: usize,
    /// Most directives on one field or fragment.
    pub max_directives: usize,
    /// Most lexical tokens in one document (checked before it is parsed); also the most
    /// selections its fragments may expand to.
    pub max_tokens: usize,
    /// Deepest nesting of a value: brackets inside a literal argument, or levels of a
    /// variable's JSON (checked before the document is parsed).
    pub max_value_depth: usize,
    /// "Did you mean ...?" suggestions in validation errors (`--dev`): off by default,
    /// since they spell out the schema to whoever probes it.
    pub suggestions: bool,
    /// Production hardening: no introspection (and no suggestions, whatever `suggestions` says).
    pub production: bool,
    /// How long a `graphql-transport-ws` client has to send `connection_init` (4408 after).
    pub ws_init_timeout: std::time::Duration,
    /// Requests per second each caller may send (a token bucket with a burst of twice
    /// that); 0 turns rate limiting off.
    pub rate_limit_per_second: u32,
    /// How long one HTTP request may run before it is abandoned (`TIMEOUT`, 503; its
    /// transaction rolls back).
    pub request_timeout: std::time::Duration,
    /// HNSW index and search parameters of vector similarity (PostgreSQL + pgvector).
    pub hnsw: Hnsw,
    /// Whether plain nested reads of a top-level list are answered by one planned
    /// statement (`gql::plan`, PostgreSQL) instead of one statement per level.
    pub planner: bool,
    /// How many parsed documents are kept (`gql::parsed`; 0 keeps none).
    pub parse_cache: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 32,
            max_complexity: 250_000,
            max_page_size: 100,
            default_page_size: 20,
            // A 10,000-point `recordMetrics` batch in variables is ~1.5 MB.
            max_body_bytes: 4 * 1024 * 1024,
            max_lineage_depth: 20,
            default_lineage_depth: 3,
            // A walk of 100,000 nodes takes under a second; a walk of a million, seconds.
            max_lineage_reach: 100_000,
            max_lineage_page: 1000,
            default_lineage_page: 100,
            max_aliases: 50,
            max_root_fields: 30,
            max_directives: 10,
            max_tokens: 20_000,
            max_value_depth: 32,
            suggestions: false,
            production: false,
            ws_init_timeout: std::time::Duration::from_secs(3),
            rate_limit_per_second: 0,
            request_timeout: std::time::Duration::from_secs(30),
            hnsw: Hnsw::default(),
            planner: true,
            parse_cache: 1024,
        }
    }
}

/// Authentication settings.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Whether callers must authenticate (API key or session). Off, every caller may do
    /// everything and `x-actor` names them.
    pub enabled: bool,
    /// How long a session from `login` lasts.
    pub session_ttl: std::time::Duration,
    /// How often an open WebSocket re-checks its key and grants (closed with 4403 when
    /// they were revoked or changed).
    pub recheck_interval: std::time::Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            enabled: false,
            session_ttl: std::time::Duration::from_secs(12 * 3600),
            recheck_interval: std::time::Duration::from_secs(2),
        }
    }
}

impl crate::core::paging::PageSizes for Limits {
    fn max_page_size(&self) -> u64 {
        self.max_page_size
    }
    fn default_page_size(&self) -> u64 {
        self.default_page_size
    }
}

/// The HNSW indexes' parameters (see `search::vectors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hnsw {
    /// Links per node.
    pub m: u32,
    /// Candidate list size while building.
    pub ef_construction: u32,
    /// Candidate list size while searching.
    pub ef_search: u32,
    /// Most index tuples one filtered search visits with iterative scans (pgvector's
    /// `hnsw.max_scan_tuples`); 0 turns iterative scans off (a search then sees only
    /// `ef_search` candidates before its filters).
    pub max_scan_tuples: u32,
}

impl Default for Hnsw {
    fn default() -> Self {
        Hnsw {
            m: 16,
            ef_construction: 64,
            ef_search: 100,
            max_scan_tuples: 20_000,
        }
    }
}

//! `mlgraph-bench`: measures mlgraph the same way every time.
//!
//! * `generate` loads a deterministic synthetic registry into PostgreSQL with set-based
//!   `INSERT ... SELECT generate_series` statements (the database does the work).
//! * `run` starts the `mlgraph` server on that database, drives a mix of GraphQL queries
//!   over HTTP at a given concurrency, measures latency, throughput, SQL statements per
//!   request and the server's peak RSS, and runs hand-written SQL for the same data
//!   through the same kind of pool to report the GraphQL ÷ raw-SQL ratio.
//! * `smoke` does both at a tiny scale in seconds (CI runs it; no timing assertions).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, TransactionTrait};
use serde_json::{Value, json};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Benchmark harness for mlgraph.
#[derive(Parser, Debug)]
#[command(about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load a synthetic registry (replaces what the database holds).
    Generate(GenerateArgs),
    /// Start the server on a generated database and measure the query mix.
    Run(RunArgs),
    /// Commit-to-delivery latency of subscriptions: many WebSocket subscribers watch one
    /// training job while a worker reports progress.
    Subscribers(SubscribersArgs),
    /// Artifact uploads on the local directory store: create + complete latency of small
    /// objects (the client's upload excluded), and the server's memory while it verifies
    /// a large one by streaming.
    Artifacts(ArtifactArgs),
    /// Metrics and costs at scale: `recordMetrics` ingest through the API (batches at a
    /// concurrency), then `metricStats` per hour over millions of points of one version
    /// and `costSummary` over millions of cost records, loaded in bulk.
    Metrics(MetricsArgs),
    /// Vector search on a generated registry: synthetic clustered embeddings for up to
    /// `--count` search documents, `similar` top-10 latency and recall@10 against exact
    /// search, the same within a lineage scope, and the built-in model's embedding time.
    Vectors(VectorArgs),
    /// Dataset preparation: a generated CSV (`--rows` × 20 columns) uploaded through the
    /// API to the local store, then validated, its schema deduced and its report made by
    /// the server's worker; the time and the server's peak memory.
    Prep(PrepArgs),
    /// The MLflow REST API: runs loaded in bulk into one experiment, then create run,
    /// `log-batch` of 10 and of 500 metrics, `runs/search` (unfiltered and filtered +
    /// ordered, `max_results=1000`), `experiments/search` and a 10,000-point
    /// `get-history`, each at every `--concurrency`; the server's peak memory.
    Mlflow(MlflowArgs),
    /// Tiny generate + run, to keep the harness working (CI).
    Smoke {
        /// Server URL of PostgreSQL (a database `mlgraph_bench_smoke` is created there).
        #[arg(long)]
        database_url: String,
        /// Server URL of a streaming replica of it: the mix runs with reads routed there
        /// (some must be).
        #[arg(long)]
        replica_url: Option<String>,
    },
}

#[derive(Args, Debug, Clone)]
struct GenerateArgs {
    /// PostgreSQL database URL.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Multiplies every count (1 = the documented defaults).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Predictions (default 1,000,000 × scale).
    #[arg(long)]
    predictions: Option<u64>,
    /// Explicit lineage edges (default 200,000 × scale; use 1000000 for the lineage target).
    #[arg(long)]
    edges: Option<u64>,
    /// Seed of the pseudo-random values.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

#[derive(Args, Debug, Clone)]
struct RunArgs {
    /// PostgreSQL database URL (generated beforehand).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Path of the mlgraph binary (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds per query of the mix.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Only these queries of the mix (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Port for the server.
    #[arg(long, default_value_t = 18_181)]
    port: u16,
    /// Start nodes of the typical-node lineage phases (0 skips them).
    #[arg(long, default_value_t = 200)]
    sample: usize,
    /// Read replicas of the database for the server (`--replica-url` of `mlgraph
    /// serve`); the share of reads they served is reported per query.
    #[arg(long = "replica-url", value_delimiter = ',')]
    replica_urls: Vec<String>,
    /// Lineage of the mix's start at these depths (comma-separated), one client, both
    /// directions: nodes reached, whether cut, time and server CPU per walk.
    #[arg(long, value_delimiter = ',')]
    lineage_depths: Vec<u32>,
}

#[derive(Args, Debug, Clone)]
struct SubscribersArgs {
    /// PostgreSQL database URL (generated beforehand).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Path of the mlgraph binary (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Concurrent WebSocket subscribers.
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Progress reports to deliver.
    #[arg(long, default_value_t = 100)]
    events: usize,
    /// Pause between reports, in milliseconds.
    #[arg(long, default_value_t = 50)]
    interval_ms: u64,
    /// Port for the server.
    #[arg(long, default_value_t = 18_183)]
    port: u16,
}

#[derive(Args, Debug, Clone)]
struct MetricsArgs {
    /// PostgreSQL database URL (migrated; anything in it).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Path of the mlgraph binary (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Seconds of API ingest.
    #[arg(long, default_value_t = 10)]
    ingest_seconds: u64,
    /// Concurrent ingest clients.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Points per `recordMetrics` call.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Points of one version loaded in bulk for `metricStats` (over 7 closed days).
    #[arg(long, default_value_t = 10_000_000)]
    points: u64,
    /// Cost records loaded in bulk for `costSummary` (over 30 days).
    #[arg(long, default_value_t = 10_000_000)]
    costs: u64,
    /// Timed requests of each query.
    #[arg(long, default_value_t = 30)]
    requests: usize,
    /// Port for the server.
    #[arg(long, default_value_t = 18_185)]
    port: u16,
}

#[derive(Args, Debug, Clone)]
struct VectorArgs {
    /// PostgreSQL database URL (generated beforehand).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Path of the mlgraph binary (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Embedded nodes.
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    /// Dimension.
    #[arg(long, default_value_t = 384)]
    dimension: usize,
    /// Timed queries.
    #[arg(long, default_value_t = 100)]
    queries: usize,
    /// The built-in model's directory: also time embedding documents with it.
    #[arg(long)]
    embedding_model_dir: Option<PathBuf>,
    /// Extra flags for the server (e.g. `--hnsw-ef-search=80`).
    #[arg(long, allow_hyphen_values = true)]
    server_flag: Vec<String>,
    /// Port for the server.
    #[arg(long, default_value_t = 18_187)]
    port: u16,
    /// Keep the vectors and the index of an earlier run when there are any (building
    /// the index takes minutes); load `count` afresh otherwise.
    #[arg(long)]
    reuse: bool,
}

#[derive(Args, Debug, Clone)]
struct ArtifactArgs {
    /// PostgreSQL database URL (migrated; anything in it).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Path of the mlgraph binary (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Small uploads to time.
    #[arg(long, default_value_t = 200)]
    uploads: usize,
    /// Size of each small upload, KiB.
    #[arg(long, default_value_t = 1024)]
    small_kib: usize,
    /// Size of the large upload verified by streaming, MiB (0: skip).
    #[arg(long, default_value_t = 1024)]
    large_mib: usize,
    /// Port for the server.
    #[arg(long, default_value_t = 18_184)]
    port: u16,
}

#[derive(Args, Debug, Clone)]
struct MlflowArgs {
    /// PostgreSQL database URL (migrated here; anything in it).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Path of the mlgraph binary (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Runs of the searched experiment, loaded in bulk (10 metrics, 10 params each).
    #[arg(long, default_value_t = 23_525)]
    runs: u64,
    /// Concurrent clients, each a round of every workload.
    #[arg(long, value_delimiter = ',', default_value = "4,20")]
    concurrency: Vec<usize>,
    /// Seconds per workload and concurrency.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Port for the server.
    #[arg(long, default_value_t = 18_188)]
    port: u16,
    /// Drive a running `mlflow server` at this URL instead of mlgraph (the side-by-side):
    /// the searched runs are loaded in bulk into its own tables (`--mlflow-database-url`).
    /// Its CPU and memory are not read (it runs as several worker processes).
    #[arg(long, requires = "mlflow_database_url")]
    mlflow_url: Option<String>,
    /// The backend store (PostgreSQL) of the `mlflow server` of `--mlflow-url`.
    #[arg(long)]
    mlflow_database_url: Option<String>,
    /// Only the workloads whose name contains one of these (e.g. `search`); all by default.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

#[derive(Args, Debug, Clone)]
struct PrepArgs {
    /// PostgreSQL database URL (migrated; anything in it).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Path of the mlgraph binary (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Data rows of the CSV (10,000,000 make about 1 GB).
    #[arg(long, default_value_t = 10_000_000)]
    rows: u64,
    /// Port for the server.
    #[arg(long, default_value_t = 18_186)]
    port: u16,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate(args) => {
            let db = Database::connect(&args.database_url).await?;
            let took = generate(&db, &args).await?;
            println!("generated in {:.1} s", took.as_secs_f64());
        }
        Command::Run(args) => {
            run(&args).await?;
        }
        Command::Subscribers(args) => subscribers(&args).await?,
        Command::Artifacts(args) => artifacts(&args).await?,
        Command::Metrics(args) => metrics(&args).await?,
        Command::Vectors(args) => vectors(&args).await?,
        Command::Prep(args) => prep(&args).await?,
        Command::Mlflow(args) => mlflow(&args).await?,
        Command::Smoke {
            database_url,
            replica_url,
        } => smoke(&database_url, replica_url.as_deref()).await?,
    }
    Ok(())
}

async fn exec(db: &DatabaseConnection, sql: &str) -> Result<(), BoxError> {
    db.execute_unprepared(sql).await?;
    Ok(())
}

/// Loads the registry. All rows live in namespace `bench.local`; ids are derived from
/// md5 of a label, values from `random()` after `setseed`, so a given seed and scale
/// always produce the same registry.
async fn generate(db: &DatabaseConnection, a: &GenerateArgs) -> Result<Duration, BoxError> {
    let n = |base: f64| ((base * a.scale).round() as u64).max(1);
    let (wf, ds, models, exps, jobs, eps, deps) = (
        n(100.0),
        n(2000.0),
        n(500.0),
        n(1000.0),
        n(20_000.0),
        n(200.0),
        n(1000.0),
    );
    let preds = a.predictions.unwrap_or_else(|| n(1_000_000.0));
    let edges = a.edges.unwrap_or_else(|| n(200_000.0));
    let seed = (a.seed % 1000) as f64 / 1000.0;
    let started = Instant::now();
    migration::Migrator::fresh(db).await?;
    let id = |label: &str, i: &str| format!("md5('{label}' || {i})::uuid");
    let steps = vec![
        format!("SELECT setseed({seed})"),
        format!(
            "INSERT INTO workflows (id, ns, name, status, config, created_at, updated_at)
             SELECT {}, 'bench.local', 'wf-' || i, 'ACTIVE', '{{}}', now() - i * interval '1 hour', now()
             FROM generate_series(1, {wf}) i",
            id("wf", "i")
        ),
        format!(
            "INSERT INTO datasets (id, ns, workflow_id, name, data_type, version_seq, created_at, updated_at)
             SELECT {}, 'bench.local', {}, 'ds-' || i, 'TABULAR', 5, now() - i * interval '1 minute', now()
             FROM generate_series(1, {ds}) i",
            id("ds", "i"),
            id("wf", &format!("(i % {wf} + 1)"))
        ),
        format!(
            "INSERT INTO dataset_versions (id, ns, dataset_id, version, storage_uri, size_bytes, row_count, split, created_at, updated_at)
             SELECT {}, 'bench.local', {}, (i - 1) % 5 + 1, 's3://bench/ds/' || i, 1 + (random() * 1e9)::bigint,
                    (random() * 1e7)::bigint, 'FULL', now() - (5 - (i - 1) % 5) * interval '1 day', now()
             FROM generate_series(1, {}) i",
            id("dv", "i"),
            id("ds", "((i - 1) / 5 + 1)"),
            ds * 5
        ),
        format!(
            "INSERT INTO models (id, ns, workflow_id, name, task, framework, status, version_seq, created_at, updated_at)
             SELECT {}, 'bench.local', {}, 'model-' || lpad(i::text, 5, '0'), 'classification', 'pytorch', 'ACTIVE', 10,
                    now() - i * interval '1 minute', now()
             FROM generate_series(1, {models}) i",
            id("m", "i"),
            id("wf", &format!("(i % {wf} + 1)"))
        ),
        format!(
            "INSERT INTO experiments (id, ns, workflow_id, name, experiment_type, status, config, created_at, updated_at)
             SELECT {}, 'bench.local', {}, 'exp-' || i, 'HYPERPARAMETER_TUNING', 'COMPLETED', '{{}}', now(), now()
             FROM generate_series(1, {exps}) i",
            id("x", "i"),
            id("wf", &format!("(i % {wf} + 1)"))
        ),
        format!(
            "INSERT INTO training_jobs (id, ns, experiment_id, model_id, dataset_version_id, name, status, priority, progress,
                                        config, revision, created_at, updated_at)
             SELECT {}, 'bench.local', {}, {}, {}, 'job-' || i,
                    (ARRAY['QUEUED','RUNNING','SUCCEEDED','FAILED','CANCELLED'])[1 + floor(random() * 5)::int],
                    1 + (random() * 9)::int, round((random() * 100)::numeric, 1), '{{}}', 1,
                    now() - random() * interval '30 days', now()
             FROM generate_series(1, {jobs}) i",
            id("j", "i"),
            id("x", &format!("(i % {exps} + 1)")),
            id("m", &format!("(i % {models} + 1)")),
            id("dv", &format!("(i % {} + 1)", ds * 5))
        ),
        format!(
            "INSERT INTO model_versions (id, ns, model_id, version, artifact_uri, size_bytes, metrics, params, stage,
                                         parent_version_id, training_job_id, created_at, updated_at)
             SELECT {}, 'bench.local', {}, (i - 1) % 10 + 1, 's3://bench/m/' || i, 1000000,
                    json_build_object('auc', round(random()::numeric, 3))::jsonb, '{{}}',
                    CASE WHEN (i - 1) % 10 = 9 THEN 'PRODUCTION' ELSE 'NONE' END,
                    CASE WHEN (i - 1) % 10 = 0 THEN NULL ELSE {} END, {},
                    now() - (10 - (i - 1) % 10) * interval '1 day', now()
             FROM generate_series(1, {}) i",
            id("mv", "i"),
            id("m", "((i - 1) / 10 + 1)"),
            id("mv", "(i - 1)"),
            id("j", &format!("((i - 1) % {jobs} + 1)")),
            models * 10
        ),
        format!(
            "INSERT INTO experiment_runs (id, ns, training_job_id, run_number, hyperparameters, metrics, duration_seconds,
                                          status, created_at, updated_at)
             SELECT {}, 'bench.local', {}, (i - 1) % 3 + 1, '{{}}', json_build_object('loss', random())::jsonb,
                    random() * 3600, 'COMPLETED', now(), now()
             FROM generate_series(1, {}) i",
            id("r", "i"),
            id("j", "((i - 1) / 3 + 1)"),
            jobs * 3
        ),
        format!(
            "INSERT INTO endpoints (id, ns, name, environment, status, created_at, updated_at)
             SELECT {}, 'bench.local', 'ep-' || i, (ARRAY['DEVELOPMENT','STAGING','PRODUCTION'])[1 + i % 3], 'ACTIVE',
                    now(), now()
             FROM generate_series(1, {eps}) i",
            id("e", "i")
        ),
        format!(
            "INSERT INTO deployments (id, ns, endpoint_id, model_version_id, traffic_percent, min_replicas, max_replicas,
                                      status, created_at, updated_at)
             SELECT {}, 'bench.local', {}, {}, 20, 1, 4, 'ACTIVE', now(), now()
             FROM generate_series(1, {deps}) i",
            id("d", "i"),
            id("e", &format!("(i % {eps} + 1)")),
            id("mv", &format!("((i * 7) % {} + 1)", models * 10))
        ),
        // Predictions follow deployments: deployment d serves its version on its endpoint.
        format!(
            "INSERT INTO predictions (id, ns, endpoint_id, model_version_id, input, output, latency_ms, confidence, status,
                                      completed_at, created_at, updated_at)
             SELECT {}, 'bench.local', {}, {}, '{{\"x\": 1}}', '{{\"y\": 0}}', random() * 100, random(),
                    CASE WHEN random() < 0.02 THEN 'FAILED' ELSE 'COMPLETED' END, t, t, t
             FROM (SELECT i, i % {deps} + 1 AS d, now() - random() * interval '30 days' AS t
                   FROM generate_series(1, {preds}) i) s",
            id("p", "i"),
            id("e", &format!("(d % {eps} + 1)")),
            id("mv", &format!("((d * 7) % {} + 1)", models * 10))
        ),
        // Explicit lineage: a local DAG over every non-prediction node. Node g depends on
        // the nodes g - k² (k = 1..10): out-degree 10. Together with the foreign keys a
        // depth-5 walk from a training job reaches thousands of nodes (the run prints how
        // many), a heavy case rather than a typical one.
        "CREATE TEMP TABLE pool AS
         SELECT row_number() OVER (ORDER BY md5(id::text)) AS g, t, id FROM (
           SELECT 'DatasetVersion' AS t, id FROM dataset_versions UNION ALL
           SELECT 'TrainingJob', id FROM training_jobs UNION ALL
           SELECT 'ExperimentRun', id FROM experiment_runs UNION ALL
           SELECT 'ModelVersion', id FROM model_versions) x"
            .to_owned(),
        "CREATE INDEX ON pool (g)".to_owned(),
        format!(
            "INSERT INTO edges (id, ns, kind, source_type, source_id, target_type, target_id, properties, created_at, updated_at)
             SELECT md5('edge' || a.g || '-' || k)::uuid, 'bench.local', 'dependsOn', a.t, a.id, b.t, b.id, '{{}}', now(), now()
             FROM pool a CROSS JOIN generate_series(1, 10) k JOIN pool b ON b.g = a.g - k * k
             WHERE a.g > 100 AND a.g <= 100 + {}",
            edges.div_ceil(10)
        ),
        "DROP TABLE pool".to_owned(),
    ];
    let mut steps = steps;
    steps.extend(history_steps());
    // One transaction, hence one session: `setseed` and the temporary table hold for
    // every step, and a failed load leaves nothing behind.
    let txn = db.begin().await?;
    mlgraph::progress::enable();
    let mut progress = mlgraph::progress::task("generate", "steps", Some(steps.len() as u64));
    for sql in &steps {
        // The statement's first words say what it loads (`INSERT INTO edges`).
        let what: String = sql.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
        progress.step(&what);
        txn.execute_unprepared(sql).await?;
        progress.inc(1);
    }
    progress.finish();
    txn.commit().await?;
    // What autovacuum does on a live database: statistics, and the visibility map that
    // lets traversal steps be index-only scans.
    exec(db, "VACUUM ANALYZE").await?;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT (SELECT COUNT(*) FROM edges) AS e, (SELECT COUNT(*) FROM predictions) AS p,
                    (SELECT COUNT(*) FROM workflows) + (SELECT COUNT(*) FROM datasets) + (SELECT COUNT(*) FROM dataset_versions)
                  + (SELECT COUNT(*) FROM models) + (SELECT COUNT(*) FROM model_versions) + (SELECT COUNT(*) FROM experiments)
                  + (SELECT COUNT(*) FROM training_jobs) + (SELECT COUNT(*) FROM experiment_runs)
                  + (SELECT COUNT(*) FROM endpoints) + (SELECT COUNT(*) FROM deployments) AS n",
        ))
        .await?;
    if let Some(r) = row {
        let (e, p, n): (i64, i64, i64) = (
            r.try_get("", "e")?,
            r.try_get("", "p")?,
            r.try_get("", "n")?,
        );
        println!("registry: {n} nodes (without predictions), {e} explicit edges, {p} predictions");
    }
    Ok(started.elapsed())
}

/// The event history time travel reads: a `CREATE` event per node (predictions are
/// facts, not rebuilt) with the row as its state, three days ago or when the row was
/// created if earlier; then every deployment's traffic changed three times and every
/// model version promoted through STAGING over the last two days, ending in the row's
/// current state (the rows themselves are unchanged).
fn history_steps() -> Vec<String> {
    let tables = [
        ("Workflow", "workflows"),
        ("Dataset", "datasets"),
        ("DatasetVersion", "dataset_versions"),
        ("Model", "models"),
        ("ModelVersion", "model_versions"),
        ("Experiment", "experiments"),
        ("TrainingJob", "training_jobs"),
        ("ExperimentRun", "experiment_runs"),
        ("Endpoint", "endpoints"),
        ("Deployment", "deployments"),
        ("Edge", "edges"),
    ];
    let mut out: Vec<String> = tables
        .iter()
        .map(|(ty, table)| {
            format!(
                "INSERT INTO events (id, ns, actor, entity_type, entity_id, action, before, after, created_at)
                 SELECT md5('ev-create' || t.id::text)::uuid, t.ns, 'bench', '{ty}', t.id, 'CREATE', NULL, to_jsonb(t),
                        least(t.created_at, now() - interval '3 days')
                 FROM {table} t"
            )
        })
        .collect();
    out.push(
        "INSERT INTO events (id, ns, actor, entity_type, entity_id, action, before, after, created_at)
         SELECT md5('ev-traffic' || t.id::text || k)::uuid, t.ns, 'bench', 'Deployment', t.id, 'UPDATE', NULL,
                CASE WHEN k = 3 THEN to_jsonb(t) ELSE jsonb_set(to_jsonb(t), '{traffic_percent}', to_jsonb(k * 30)) END,
                now() - (4 - k) * interval '12 hours'
         FROM deployments t CROSS JOIN generate_series(1, 3) k"
            .to_owned(),
    );
    out.push(
        "INSERT INTO events (id, ns, actor, entity_type, entity_id, action, before, after, created_at)
         SELECT md5('ev-stage' || t.id::text || k)::uuid, t.ns, 'bench', 'ModelVersion', t.id, 'STAGE_CHANGED', NULL,
                CASE WHEN k = 2 THEN to_jsonb(t) ELSE jsonb_set(to_jsonb(t), '{stage}', '\"STAGING\"') END,
                now() - (3 - k) * interval '20 hours'
         FROM model_versions t CROSS JOIN generate_series(1, 2) k"
            .to_owned(),
    );
    out
}

/// One query of the mix.
struct Case {
    name: &'static str,
    query: String,
    /// Hand-written SQL returning the same data, when the mix compares against it.
    raw_sql: Option<Vec<String>>,
}

async fn ids_for_mix(
    db: &DatabaseConnection,
) -> Result<(String, String, String, String), BoxError> {
    use base64::Engine;
    let enc = |t: &str, u: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{t}:{u}"))
    };
    let one = |sql: &'static str| async move {
        db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await?
            .map(|r| r.try_get::<uuid::Uuid>("", "id"))
            .transpose()?
            .ok_or_else(|| BoxError::from("empty registry: run generate first"))
    };
    let model = one("SELECT id FROM models ORDER BY name LIMIT 1").await?;
    let endpoint = one("SELECT endpoint_id AS id FROM predictions LIMIT 1").await?;
    // A RUNNING job, which workers report progress on. One that never reported keeps the
    // server's heartbeat monitor away from it: on a reused database the job of an earlier
    // run is failed once it has been silent for the timeout.
    let job =
        one("SELECT id FROM training_jobs WHERE status = 'RUNNING' ORDER BY heartbeat_at NULLS FIRST, id LIMIT 1").await?;
    // A training job inside the explicit lineage graph (it has edges both ways).
    let start = one("SELECT source_id AS id FROM edges WHERE source_type = 'TrainingJob' AND target_type = 'TrainingJob' ORDER BY source_id LIMIT 1").await?;
    Ok((
        enc("Model", &model.to_string()),
        enc("Endpoint", &endpoint.to_string()),
        enc("TrainingJob", &job.to_string()),
        enc("TrainingJob", &start.to_string()),
    ))
}

/// `n` start nodes drawn uniformly (and reproducibly) from every node type the lineage
/// relation holds: "typical" nodes, as opposed to the mix's one heavy start.
async fn sample_starts(db: &DatabaseConnection, n: usize) -> Result<Vec<String>, BoxError> {
    use base64::Engine;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT t, id FROM (
                   SELECT 'Workflow' AS t, id FROM workflows UNION ALL
                   SELECT 'Dataset', id FROM datasets UNION ALL
                   SELECT 'DatasetVersion', id FROM dataset_versions UNION ALL
                   SELECT 'Model', id FROM models UNION ALL
                   SELECT 'ModelVersion', id FROM model_versions UNION ALL
                   SELECT 'Experiment', id FROM experiments UNION ALL
                   SELECT 'TrainingJob', id FROM training_jobs UNION ALL
                   SELECT 'ExperimentRun', id FROM experiment_runs UNION ALL
                   SELECT 'Endpoint', id FROM endpoints UNION ALL
                   SELECT 'Deployment', id FROM deployments) x
                 ORDER BY md5('sample' || id::text) LIMIT {n}"
            ),
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let (t, id): (String, uuid::Uuid) = (r.try_get("", "t")?, r.try_get("", "id")?);
            Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{t}:{id}")))
        })
        .collect()
}

/// A traversal of `depth` from `start`, a page of 100 (the lineage target's is depth 5).
fn lineage_query(start: &str, direction: &str, depth: u32) -> String {
    format!(
        r#"{{ lineage(of: "{start}", direction: {direction}, depth: {depth}, first: 100) {{ totalCount isPartial nodes {{ id distance }} }} }}"#
    )
}

/// One walk of `depth` from `start` each way, by one client: a first walk (which fills
/// the caches), then three timed ones; prints the nodes reached, whether the answer was
/// cut, the times and the server CPU per walk.
async fn lineage_at_depth(
    client: &reqwest::Client,
    url: &str,
    pid: u32,
    start: &str,
    depth: u32,
) -> Result<(), BoxError> {
    for direction in ["UPSTREAM", "DOWNSTREAM"] {
        let q = lineage_query(start, direction, depth);
        let first = gql(client, url, &q).await?;
        let reached = first["data"]["lineage"]["totalCount"]
            .as_u64()
            .ok_or_else(|| format!("lineage depth {depth} fails: {first}"))?;
        let partial = first["data"]["lineage"]["isPartial"] == json!(true);
        let cpu_before = cpu_ms(pid);
        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let v = gql(client, url, &q).await?;
            if v["data"]["lineage"]["totalCount"].as_u64() != Some(reached) {
                return Err(format!("lineage depth {depth} changed: {v}").into());
            }
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "lineage {direction:<10} depth {depth:>2}: {reached} reached (partial: {partial}), {:.2}–{:.2} s, server cpu {:.0} ms per walk",
            times[0],
            times[2],
            (cpu_ms(pid) - cpu_before) / 3.0
        );
    }
    Ok(())
}

/// The UUID inside a global id (`base64url("Type:uuid")`), for the raw SQL of a case.
fn uuid_in(global: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.split_once(':').map(|(_, u)| u.to_owned()))
        .unwrap_or_default()
}

fn mix(model: &str, endpoint: &str, job: &str, start: &str, endpoint_uuid: &str) -> Vec<Case> {
    let model_uuid = uuid_in(model);
    vec![
        Case {
            name: "point_lookup",
            query: format!(r#"{{ node(id: "{model}") {{ id ... on Model {{ name status }} }} }}"#),
            raw_sql: Some(vec![format!(
                "SELECT id, name, status FROM models WHERE id = '{model_uuid}'"
            )]),
        },
        Case {
            name: "list_50_nested",
            query: "{ trainingJobs(first: 50, orderBy: [{field: CREATED_AT, direction: DESC}]) { edges { node { name status model { name } } } } }".into(),
            // The page and each job's model in one join: the leanest equivalent.
            raw_sql: Some(vec![
                "SELECT j.id, j.name, j.status, m.name AS model FROM training_jobs j LEFT JOIN models m ON m.id = j.model_id ORDER BY j.created_at DESC, j.id DESC LIMIT 51".into(),
            ]),
        },
        Case {
            name: "nested_3_levels",
            query: "{ models(first: 20, orderBy: [{field: NAME}]) { edges { node { name versions(first: 10) { edges { node { version stage deployments { edges { node { trafficPercent endpoint { name environment } } } } } } } } } } }".into(),
            // The same rows, level by level, as a hand-written client would fetch them.
            raw_sql: Some(vec![
                "SELECT id, name FROM models ORDER BY name, id LIMIT 20".into(),
                "SELECT * FROM (SELECT id, model_id, version, stage, ROW_NUMBER() OVER (PARTITION BY model_id ORDER BY created_at DESC, id DESC) rn FROM model_versions WHERE model_id IN (SELECT id FROM models ORDER BY name, id LIMIT 20)) v WHERE rn <= 10".into(),
                "SELECT d.id, d.model_version_id, d.traffic_percent, d.endpoint_id FROM deployments d WHERE d.model_version_id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY model_id ORDER BY created_at DESC, id DESC) rn FROM model_versions WHERE model_id IN (SELECT id FROM models ORDER BY name, id LIMIT 20)) v WHERE rn <= 10)".into(),
                "SELECT id, name, environment FROM endpoints WHERE id IN (SELECT endpoint_id FROM deployments WHERE model_version_id IN (SELECT id FROM model_versions WHERE model_id IN (SELECT id FROM models ORDER BY name, id LIMIT 20)))".into(),
            ]),
        },
        Case {
            name: "predictions_page",
            query: format!(r#"{{ predictions(first: 50, filter: {{endpoint: {{eq: "{endpoint}"}}, latencyMs: {{gt: 10}}}}, orderBy: [{{field: CREATED_AT, direction: DESC}}]) {{ edges {{ node {{ id latencyMs confidence status createdAt }} }} }} }}"#),
            raw_sql: Some(vec![format!(
                "SELECT id, latency_ms, confidence, status, created_at FROM predictions WHERE endpoint_id = '{endpoint_uuid}' AND latency_ms > 10 ORDER BY created_at DESC, id DESC LIMIT 51"
            )]),
        },
        Case {
            name: "nested_page",
            // One endpoint's newest predictions, as a nested page (an index range scan).
            query: format!(r#"{{ endpoint(id: "{endpoint}") {{ predictions(first: 5) {{ edges {{ node {{ id latencyMs }} }} }} }} }}"#),
            raw_sql: Some(vec![format!(
                "SELECT id, latency_ms FROM predictions WHERE endpoint_id = '{endpoint_uuid}' ORDER BY created_at DESC, id DESC LIMIT 6"
            )]),
        },
        Case {
            name: "nested_counts_100",
            query: "{ endpoints(first: 100) { edges { node { name predictions { totalCount } } } } }".into(),
            raw_sql: None,
        },
        Case {
            name: "aggregate_by_endpoint",
            query: "{ predictionStats(groupBy: ENDPOINT, limit: 1000) { key count avgLatencyMs maxLatencyMs avgConfidence } }".into(),
            raw_sql: None,
        },
        Case {
            name: "lineage_depth_5",
            query: lineage_query(start, "UPSTREAM", 5),
            raw_sql: None,
        },
        Case {
            name: "impact_depth_5",
            query: lineage_query(start, "DOWNSTREAM", 5),
            raw_sql: None,
        },
        Case {
            name: "mixed_read_write",
            // Every fourth request is a worker's progress report, the rest reads.
            query: format!(r#"mutation {{ reportTrainingProgress(input: {{id: "{job}", progress: 50, currentStep: "bench"}}) {{ revision }} }}"#),
            raw_sql: None,
        },
    ]
}

/// Time travel (see `history_steps`): the registry 30 hours ago, when deployments had
/// other traffic shares and model versions other stages.
async fn as_of_mix(db: &DatabaseConnection, model: &str) -> Result<Vec<Case>, BoxError> {
    use base64::Engine;
    let at = (chrono::Utc::now() - chrono::Duration::hours(30)).to_rfc3339();
    let deployment = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM deployments ORDER BY id LIMIT 1",
        ))
        .await?
        .map(|r| r.try_get::<uuid::Uuid>("", "id"))
        .transpose()?
        .ok_or_else(|| BoxError::from("empty registry: run generate first"))?;
    let deployment =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Deployment:{deployment}"));
    Ok(vec![
        Case {
            name: "asof_point_lookup",
            query: format!(
                r#"{{ node(id: "{model}", asOf: "{at}") {{ id ... on Model {{ name status }} }} }}"#
            ),
            raw_sql: None,
        },
        Case {
            name: "asof_list_50",
            query: format!(
                r#"{{ deployments(first: 50, asOf: "{at}") {{ edges {{ node {{ trafficPercent modelVersion {{ version stage }} }} }} }} }}"#
            ),
            raw_sql: None,
        },
        Case {
            name: "asof_lineage_depth_3",
            query: format!(
                r#"{{ lineage(of: "{deployment}", direction: UPSTREAM, depth: 3, first: 100, asOf: "{at}") {{ totalCount isPartial nodes {{ id distance }} }} }}"#
            ),
            raw_sql: None,
        },
    ])
}

/// Full-text search over the registry's search documents (every node but predictions):
/// a rare name, and a word most documents hold (ranked, counted).
fn search_mix() -> Vec<Case> {
    vec![
        Case {
            name: "search_name",
            query: r#"{ search(text: "model-00042", first: 10) { edges { node { rank snippet node { id } } } } }"#.into(),
            raw_sql: None,
        },
        Case {
            name: "search_common",
            query: r#"{ search(text: "job", first: 10) { totalCount edges { node { rank snippet node { id } } } } }"#.into(),
            raw_sql: None,
        },
    ]
}

/// Latency summary of one measured phase.
struct Stats {
    requests: u64,
    errors: u64,
    seconds: f64,
    p50: f64,
    p95: f64,
    p99: f64,
}

fn summarise(mut lat: Vec<f64>, errors: u64, seconds: f64) -> Stats {
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    Stats {
        requests: lat.len() as u64,
        errors,
        seconds,
        p50: pct(0.5),
        p95: pct(0.95),
        p99: pct(0.99),
    }
}

/// Drives `body` for `seconds` from `concurrency` tasks; `body(i)` returns whether the
/// request succeeded.
async fn drive<F, Fut>(concurrency: usize, seconds: u64, body: F) -> Stats
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let body = Arc::new(body);
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (body, stop, counter) = (body.clone(), stop.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            while !stop.load(Ordering::Relaxed) {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                if body(i).await {
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((lat, e)) = t.await {
            all.extend(lat);
            errors += e;
        }
    }
    summarise(all, errors, started.elapsed().as_secs_f64())
}

/// CPU time (user + system) the process `pid` has used so far, in milliseconds. /proc
/// reports it in USER_HZ ticks, 100 per second on Linux whatever the kernel's HZ.
fn cpu_ms(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces): state is field 3,
            // utime 14, stime 15.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks * 10.0)
        })
        .unwrap_or(0.0)
}

fn rss_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

async fn statements(client: &reqwest::Client, base: &str) -> u64 {
    let text = match client.get(format!("{base}/metrics")).send().await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    text.lines()
        .find(|l| l.starts_with("mlgraph_sql_statements_total"))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// One GraphQL request's whole response.
async fn gql(client: &reqwest::Client, url: &str, query: &str) -> Result<Value, BoxError> {
    Ok(client
        .post(url)
        .json(&json!({ "query": query }))
        .send()
        .await?
        .json()
        .await?)
}

/// Drives `body` (see [`drive`]) at the run's concurrency and duration and prints its row:
/// req/s, latencies, errors and SQL statements per request (from the server's counter).
/// Returns the req/s.
async fn measure<F, Fut>(
    client: &reqwest::Client,
    base: &str,
    server_pid: u32,
    name: &str,
    args: &RunArgs,
    body: F,
) -> f64
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let before = statements(client, base).await;
    let cpu_before = cpu_ms(server_pid);
    let stats = drive(args.concurrency, args.seconds, body).await;
    let cpu = cpu_ms(server_pid) - cpu_before;
    let after = statements(client, base).await;
    let requests = (stats.requests + stats.errors).max(1) as f64;
    let per_req = (after - before) as f64 / requests;
    let rps = stats.requests as f64 / stats.seconds;
    println!(
        "{:<22} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>9.2} {:>9.2}",
        name,
        rps,
        stats.p50,
        stats.p95,
        stats.p99,
        stats.errors,
        per_req,
        cpu / requests
    );
    rps
}

async fn gql_ok(client: &reqwest::Client, url: &str, query: &str) -> bool {
    gql(client, url, query)
        .await
        .is_ok_and(|v| v.get("errors").is_none() && !v["data"].is_null())
}

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn server_binary(given: &Option<PathBuf>) -> Result<PathBuf, BoxError> {
    match given {
        Some(p) => Ok(p.clone()),
        None => Ok(std::env::current_exe()?
            .parent()
            .map(|d| d.join("mlgraph"))
            .ok_or("cannot locate the mlgraph binary")?),
    }
}

/// Starts `mlgraph serve` on the database and waits until it is ready.
async fn start_server(
    bin: &PathBuf,
    database_url: &str,
    port: u16,
) -> Result<(Server, String), BoxError> {
    start_server_with(bin, database_url, port, &[]).await
}

/// [`start_server`] with more flags.
async fn start_server_with(
    bin: &PathBuf,
    database_url: &str,
    port: u16,
    extra: &[String],
) -> Result<(Server, String), BoxError> {
    let listen = format!("127.0.0.1:{port}");
    let child = std::process::Command::new(bin)
        .args([
            "serve",
            "--listen",
            &listen,
            "--no-migrate",
            "--db-max-connections",
            "16",
            // The queries' own cost (authentication adds its key check per request).
            "--auth",
            "off",
        ])
        .args(extra)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .spawn()?;
    let server = Server(child);
    let base = format!("http://{listen}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok((server, base));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the server did not become ready".into())
}

/// Reads the server routed to a replica and to the primary so far (its `/metrics`).
async fn reads_by_target(base: &str) -> (f64, f64) {
    let Ok(text) = reqwest::get(format!("{base}/metrics")).await else {
        return (0.0, 0.0);
    };
    let text = text.text().await.unwrap_or_default();
    let value = |target: &str| {
        let prefix = format!("mlgraph_db_reads_total{{target=\"{target}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (value("replica"), value("primary"))
}

/// Prints the share of the reads between `before` and `after` a replica served.
fn print_replica_share(label: &str, before: (f64, f64), after: (f64, f64)) {
    let replica = after.0 - before.0;
    let total = replica + (after.1 - before.1);
    let share = if total > 0.0 { replica / total } else { 0.0 };
    println!(
        "{label:<22} {:.1} % from the replica ({replica} of {total})",
        share * 100.0
    );
}

async fn run(args: &RunArgs) -> Result<(), BoxError> {
    let server_bin = server_binary(&args.server)?;
    let db = Database::connect(&args.database_url).await?;
    let (model, endpoint, job, start) = ids_for_mix(&db).await?;
    // The raw SQL's endpoint is the mix's own (read once, by `ids_for_mix`).
    let endpoint_uuid = uuid_in(&endpoint);

    let replica_flags: Vec<String> = args
        .replica_urls
        .iter()
        .flat_map(|u| ["--replica-url".to_owned(), u.clone()])
        .collect();
    let (server, base) =
        start_server_with(&server_bin, &args.database_url, args.port, &replica_flags).await?;
    let pid = server.0.id();
    let url = format!("{base}/graphql");
    let reads_at_start = reads_by_target(&base).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(pid, "VmRSS:"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }
    let raw_pool = sea_orm::Database::connect(
        sea_orm::ConnectOptions::new(args.database_url.clone())
            .max_connections(16)
            .sqlx_logging(false)
            .to_owned(),
    )
    .await?;

    println!(
        "{:<22} {:>9} {:>8} {:>8} {:>8} {:>7} {:>9} {:>9}",
        "query", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "sql/req", "cpu ms/req"
    );
    let mut cases = mix(&model, &endpoint, &job, &start, &endpoint_uuid);
    cases.extend(as_of_mix(&db, &model).await?);
    cases.extend(search_mix());
    for case in cases {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == case.name) {
            continue;
        }
        // Check the query once so that a broken query shows as such, not as 0 req/s.
        let v = gql(&client, &url, &case.query).await?;
        if v.get("errors").is_some() || v["data"].is_null() {
            return Err(format!("query {} fails: {v}", case.name).into());
        }
        if case.name.starts_with("lineage")
            || case.name.starts_with("impact")
            || case.name.starts_with("asof_lineage")
        {
            println!(
                "{:<22} reaches {} nodes (partial: {})",
                case.name, v["data"]["lineage"]["totalCount"], v["data"]["lineage"]["isPartial"]
            );
        }
        let reads_before = reads_by_target(&base).await;
        let (c, u, q, name) = (client.clone(), url.clone(), case.query.clone(), case.name);
        let read = "{ models(first: 20) { edges { node { name versions(first: 5) { edges { node { version } } } } } } }".to_owned();
        let rps = measure(&client, &base, pid, name, args, move |i| {
            let (c, u) = (c.clone(), u.clone());
            let q = if name == "mixed_read_write" && i % 4 != 0 {
                read.clone()
            } else {
                q.clone()
            };
            async move { gql_ok(&c, &u, &q).await }
        })
        .await;
        if !args.replica_urls.is_empty() {
            print_replica_share("  reads", reads_before, reads_by_target(&base).await);
        }
        if let Some(sqls) = case.raw_sql {
            let statements_per_request = sqls.len();
            let pool = raw_pool.clone();
            let sqls = Arc::new(sqls);
            let raw = drive(args.concurrency, args.seconds, move |_| {
                let (pool, sqls) = (pool.clone(), sqls.clone());
                async move {
                    for sql in sqls.iter() {
                        let stmt = Statement::from_string(pool.get_database_backend(), sql.clone());
                        if pool.query_all_raw(stmt).await.is_err() {
                            return false;
                        }
                    }
                    true
                }
            })
            .await;
            let raw_rps = raw.requests as f64 / raw.seconds;
            println!(
                "{:<22} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>7}   ratio GraphQL/raw = {:.2}",
                format!("  raw SQL ({statements_per_request} stmts)"),
                raw_rps,
                raw.p50,
                raw.p95,
                raw.p99,
                raw.errors,
                rps / raw_rps
            );
        }
    }
    // Typical nodes: depth 5 from each of a sample of starts in turn.
    let starts = sample_starts(&db, args.sample).await?;
    for (name, direction) in [
        ("lineage_sample_5", "UPSTREAM"),
        ("impact_sample_5", "DOWNSTREAM"),
    ] {
        if starts.is_empty() || (!args.only.is_empty() && !args.only.iter().any(|o| o == name)) {
            continue;
        }
        let queries: Arc<Vec<String>> = Arc::new(
            starts
                .iter()
                .map(|s| lineage_query(s, direction, 5))
                .collect(),
        );
        let mut sizes = Vec::new();
        for q in queries.iter() {
            let v = gql(&client, &url, q).await?;
            match v["data"]["lineage"]["totalCount"].as_u64() {
                Some(n) => sizes.push(n),
                None => return Err(format!("query {name} fails: {v}").into()),
            }
        }
        sizes.sort_unstable();
        let at = |p: f64| sizes[((sizes.len() - 1) as f64 * p).round() as usize];
        println!(
            "{:<22} {} starts reach min {} / p50 {} / p90 {} / max {} nodes",
            name,
            sizes.len(),
            at(0.0),
            at(0.5),
            at(0.9),
            at(1.0)
        );
        let (c, u) = (client.clone(), url.clone());
        measure(&client, &base, pid, name, args, move |i| {
            let (c, u, queries) = (c.clone(), u.clone(), queries.clone());
            async move { gql_ok(&c, &u, &queries[i as usize % queries.len()]).await }
        })
        .await;
    }
    for depth in &args.lineage_depths {
        lineage_at_depth(&client, &url, pid, &start, *depth).await?;
    }
    sampling.store(false, Ordering::Relaxed);
    let hwm = rss_kb(pid, "VmHWM:");
    println!(
        "server peak RSS: {:.1} MB (sampled {:.1} MB) at concurrency {}",
        hwm as f64 / 1024.0,
        peak.load(Ordering::Relaxed) as f64 / 1024.0,
        args.concurrency
    );
    if !args.replica_urls.is_empty() {
        let end = reads_by_target(&base).await;
        print_replica_share("all reads", reads_at_start, end);
        if end.0 <= reads_at_start.0 {
            return Err("no read was served by the replica".into());
        }
    }
    Ok(())
}

/// Opens a `graphql-transport-ws` connection and subscribes to one job's updates; sends
/// `(report number, arrival time)` for every update after the first (the current state).
async fn subscriber(
    addr: String,
    job: String,
    ready: tokio::sync::mpsc::Sender<()>,
    arrivals: tokio::sync::mpsc::UnboundedSender<(usize, Instant)>,
) -> Result<(), BoxError> {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{addr}/graphql").into_client_request()?;
    req.headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    ws.send(Message::text(
        json!({"type": "connection_init"}).to_string(),
    ))
    .await?;
    let query = "subscription($id: ID!) { trainingJobUpdated(id: $id) { currentStep } }";
    ws.send(Message::text(
        json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"id": job}}})
            .to_string(),
    ))
    .await?;
    let mut first = true;
    while let Some(msg) = ws.next().await {
        let Message::Text(text) = msg? else { continue };
        let v: Value = serde_json::from_str(text.as_str())?;
        if v["type"] != "next" {
            continue;
        }
        if first {
            first = false;
            ready.send(()).await.ok();
            continue;
        }
        let step = v["payload"]["data"]["trainingJobUpdated"]["currentStep"]
            .as_str()
            .and_then(|s| s.strip_prefix("bench-"))
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(k) = step {
            arrivals.send((k, Instant::now())).ok();
        }
    }
    Ok(())
}

async fn subscribers(args: &SubscribersArgs) -> Result<(), BoxError> {
    let db = Database::connect(&args.database_url).await?;
    let (_, _, job, _) = ids_for_mix(&db).await?;
    let (server, base) =
        start_server(&server_binary(&args.server)?, &args.database_url, args.port).await?;
    let pid = server.0.id();
    let addr = base.trim_start_matches("http://").to_owned();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(args.subscribers);
    let (arr_tx, mut arr_rx) = tokio::sync::mpsc::unbounded_channel();
    let connect_started = Instant::now();
    for _ in 0..args.subscribers {
        let (addr, job, ready, arrivals) =
            (addr.clone(), job.clone(), ready_tx.clone(), arr_tx.clone());
        tokio::spawn(async move {
            // Errors after the measurement (the server stops first) are expected; a
            // subscriber that fails early shows up as missing deliveries.
            let _ = subscriber(addr, job, ready, arrivals).await;
        });
    }
    drop(arr_tx);
    for _ in 0..args.subscribers {
        tokio::time::timeout(Duration::from_secs(60), ready_rx.recv())
            .await
            .map_err(|_| "subscribers did not all start within 60 s")?;
    }
    println!(
        "{} subscribers connected and subscribed in {:.2} s",
        args.subscribers,
        connect_started.elapsed().as_secs_f64()
    );
    let client = reqwest::Client::new();
    let url = format!("{base}/graphql");
    let mut sent = Vec::new();
    let mut acked = Vec::new();
    for k in 0..args.events {
        let q = format!(
            r#"mutation {{ reportTrainingProgress(input: {{id: "{job}", progress: {}, currentStep: "bench-{k}"}}) {{ revision }} }}"#,
            k % 100
        );
        sent.push(Instant::now());
        if !gql_ok(&client, &url, &q).await {
            return Err(format!("progress report {k} failed").into());
        }
        acked.push(Instant::now());
        tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
    }
    let expected = args.events * args.subscribers;
    let mut from_sent = Vec::with_capacity(expected);
    let mut from_ack = Vec::with_capacity(expected);
    let deadline = Instant::now() + Duration::from_secs(30);
    while from_sent.len() < expected {
        let Ok(Some((k, at))) = tokio::time::timeout_at(deadline.into(), arr_rx.recv()).await
        else {
            break;
        };
        if let (Some(s), Some(a)) = (sent.get(k), acked.get(k)) {
            from_sent.push(at.saturating_duration_since(*s).as_secs_f64() * 1000.0);
            from_ack.push(at.saturating_duration_since(*a).as_secs_f64() * 1000.0);
        }
    }
    let delivered = from_sent.len();
    let a = summarise(from_sent, 0, 0.0);
    let b = summarise(from_ack, 0, 0.0);
    println!(
        "deliveries: {delivered} of {expected} ({} missing)",
        expected - delivered
    );
    println!(
        "latency from mutation sent (upper bound of commit -> delivery): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
        a.p50, a.p95, a.p99
    );
    println!(
        "latency from mutation acknowledged (lower bound, 0 if delivered first): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
        b.p50, b.p95, b.p99
    );
    println!(
        "server peak RSS: {:.1} MB",
        rss_kb(pid, "VmHWM:") as f64 / 1024.0
    );
    if delivered < expected {
        return Err("not every subscriber received every update".into());
    }
    Ok(())
}

async fn smoke(server_url: &str, replica: Option<&str>) -> Result<(), BoxError> {
    let admin = Database::connect(format!("{}/postgres", server_url.trim_end_matches('/'))).await?;
    exec(&admin, "DROP DATABASE IF EXISTS mlgraph_bench_smoke").await?;
    exec(&admin, "CREATE DATABASE mlgraph_bench_smoke").await?;
    admin.close().await.ok();
    let url = format!("{}/mlgraph_bench_smoke", server_url.trim_end_matches('/'));
    let db = Database::connect(&url).await?;
    let args = GenerateArgs {
        database_url: url.clone(),
        scale: 0.01,
        predictions: Some(5000),
        edges: Some(5000),
        seed: 42,
    };
    let took = generate(&db, &args).await?;
    println!("smoke: generated in {:.1} s", took.as_secs_f64());
    db.close().await.ok();
    run(&RunArgs {
        database_url: url.clone(),
        server: None,
        concurrency: 2,
        seconds: 1,
        only: Vec::new(),
        port: 18_182,
        sample: 20,
        lineage_depths: vec![20],
        replica_urls: replica
            .iter()
            .map(|r| format!("{}/mlgraph_bench_smoke", r.trim_end_matches('/')))
            .collect(),
    })
    .await?;
    metrics(&MetricsArgs {
        database_url: url.clone(),
        server: None,
        ingest_seconds: 1,
        concurrency: 2,
        batch: 100,
        points: 20_000,
        costs: 20_000,
        requests: 2,
        port: 18_186,
    })
    .await?;
    subscribers(&SubscribersArgs {
        database_url: url.clone(),
        server: None,
        subscribers: 20,
        events: 5,
        interval_ms: 20,
        port: 18_184,
    })
    .await?;
    mlflow(&MlflowArgs {
        database_url: url,
        server: None,
        runs: 300,
        concurrency: vec![2],
        seconds: 1,
        port: 18_188,
        mlflow_url: None,
        mlflow_database_url: None,
        only: Vec::new(),
    })
    .await?;
    println!("smoke: ok");
    Ok(())
}

/// The bytes of the `n`-th small upload (distinct, so that none is deduplicated).
fn small_object(n: usize, size: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    v[..8].copy_from_slice(&(n as u64).to_le_bytes());
    v
}

/// Sends a presigned request (from the API's answer) with `body`.
async fn send_presigned(
    client: &reqwest::Client,
    req: &Value,
    body: Vec<u8>,
) -> Result<(), BoxError> {
    let mut r = client.put(req["url"].as_str().unwrap_or_default());
    for h in req["headers"].as_array().into_iter().flatten() {
        if let (Some(n), Some(v)) = (h["name"].as_str(), h["value"].as_str()) {
            r = r.header(n, v);
        }
    }
    let resp = r.body(body).send().await?;
    if !resp.status().is_success() {
        return Err(format!("upload refused: {}", resp.status()).into());
    }
    Ok(())
}

/// [`start_server`] with its artifacts in a local directory store it serves itself.
async fn start_local_store_server(
    server: &Option<PathBuf>,
    database_url: &str,
    port: u16,
    dir: &std::path::Path,
) -> Result<(Server, String), BoxError> {
    let extra: Vec<String> = vec![
        "--artifact-store".into(),
        "local".into(),
        "--artifact-dir".into(),
        dir.display().to_string(),
        "--public-url".into(),
        format!("http://127.0.0.1:{port}"),
    ];
    start_server_with(&server_binary(server)?, database_url, port, &extra).await
}

async fn artifacts(args: &ArtifactArgs) -> Result<(), BoxError> {
    use sha2::Digest;
    let dir = std::env::temp_dir().join(format!("mlgraph-bench-artifacts-{}", std::process::id()));
    let (server, base) =
        start_local_store_server(&args.server, &args.database_url, args.port, &dir).await?;
    let pid = server.0.id();
    let url = format!("{base}/graphql");
    let client = reqwest::Client::new();
    let ns = format!("bench.example/artifacts-{}", std::process::id());
    let model = gql(
        &client,
        &url,
        &format!("mutation {{ createModel(input: {{ns: \"{ns}\", name: \"m\"}}) {{ id }} }}"),
    )
    .await?;
    let model = model["data"]["createModel"]["id"]
        .as_str()
        .ok_or("createModel failed")?
        .to_owned();
    let version = gql(
        &client,
        &url,
        &format!("mutation {{ createModelVersion(input: {{modelId: \"{model}\"}}) {{ id }} }}"),
    )
    .await?;
    let version = version["data"]["createModelVersion"]["id"]
        .as_str()
        .ok_or("createModelVersion failed")?
        .to_owned();
    let create = |size: usize, sha: &str, path: &str| {
        format!(
            "mutation {{ createArtifactUpload(input: {{ownerId: \"{version}\", path: \"{path}\", sizeBytes: {size}, sha256: \"{sha}\"}}) {{ artifact {{ id }} upload {{ url headers {{ name value }} }} partSize parts {{ offset sizeBytes request {{ url headers {{ name value }} }} }} }} }}"
        )
    };
    let complete =
        |id: &str| format!("mutation {{ completeArtifactUpload(id: \"{id}\") {{ status }} }}");

    let size = args.small_kib * 1024;
    let mut samples = Vec::with_capacity(args.uploads);
    let cpu_before = cpu_ms(pid);
    for n in 0..args.uploads {
        let data = small_object(n, size);
        let sha = hex::encode(sha2::Sha256::digest(&data));
        let t0 = Instant::now();
        let planned = gql(&client, &url, &create(size, &sha, &format!("obj-{n}.bin"))).await?;
        let planned_in = t0.elapsed();
        let p = &planned["data"]["createArtifactUpload"];
        send_presigned(&client, &p["upload"], data).await?;
        let id = p["artifact"]["id"]
            .as_str()
            .ok_or("no artifact")?
            .to_owned();
        let t1 = Instant::now();
        let done = gql(&client, &url, &complete(&id)).await?;
        let total = planned_in + t1.elapsed();
        if done["data"]["completeArtifactUpload"]["status"] != "VERIFIED" {
            return Err(format!("upload {n} not verified: {done}").into());
        }
        samples.push(total.as_secs_f64() * 1000.0);
    }
    let cpu = cpu_ms(pid) - cpu_before;
    samples.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        samples
            .get(((samples.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{} uploads of {} KiB: create+complete p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms; server cpu {:.2} ms per upload (both calls and the PUT)",
        args.uploads,
        args.small_kib,
        pct(0.5),
        pct(0.95),
        pct(0.99),
        cpu / args.uploads.max(1) as f64
    );

    if args.large_mib > 0 {
        let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i % 253) as u8).collect();
        let mut hasher = sha2::Sha256::new();
        for _ in 0..args.large_mib {
            hasher.update(&chunk);
        }
        let sha = hex::encode(hasher.finalize());
        let large = args.large_mib * 1024 * 1024;
        let rss_before = rss_kb(pid, "VmHWM:");
        let planned = gql(&client, &url, &create(large, &sha, "large.bin")).await?;
        let p = &planned["data"]["createArtifactUpload"];
        for part in p["parts"].as_array().into_iter().flatten() {
            let n = part["sizeBytes"].as_u64().unwrap_or(0) as usize;
            let mut body = Vec::with_capacity(n);
            while body.len() < n {
                body.extend_from_slice(&chunk[..(n - body.len()).min(chunk.len())]);
            }
            send_presigned(&client, &part["request"], body).await?;
        }
        let id = p["artifact"]["id"]
            .as_str()
            .ok_or("no artifact")?
            .to_owned();
        let t = Instant::now();
        let done = gql(&client, &url, &complete(&id)).await?;
        let took = t.elapsed();
        if done["data"]["completeArtifactUpload"]["status"] != "VERIFIED" {
            return Err(format!("large upload not verified: {done}").into());
        }
        println!(
            "{} MiB in {} parts: complete + streamed verification {:.2} s; server peak RSS {:.1} MB before, {:.1} MB after",
            args.large_mib,
            p["parts"].as_array().map(Vec::len).unwrap_or(0),
            took.as_secs_f64(),
            rss_before as f64 / 1024.0,
            rss_kb(pid, "VmHWM:") as f64 / 1024.0
        );
    }
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// Writes the benchmark's CSV (20 columns: ints, floats, categories, booleans, dates,
/// text) to `path`; returns its size and SHA-256.
fn write_prep_csv(path: &std::path::Path, rows: u64) -> Result<(u64, String), BoxError> {
    use sha2::Digest;
    use std::io::Write;
    let file = std::fs::File::create(path)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut hasher = sha2::Sha256::new();
    let mut size = 0u64;
    let mut emit =
        |line: &str, out: &mut std::io::BufWriter<std::fs::File>| -> Result<(), BoxError> {
            out.write_all(line.as_bytes())?;
            hasher.update(line.as_bytes());
            size += line.len() as u64;
            Ok(())
        };
    emit(
        "id,amount,fee,score,lat,lon,ratio,weight,temp,qty,age,items,visits,country,channel,tier,is_fraud,is_new,day,ref\n",
        &mut out,
    )?;
    let countries = ["DE", "FR", "IT", "ES", "NL", "PL", "SE"];
    let channels = ["web", "app", "pos"];
    let tiers = ["gold", "silver", "bronze", "none"];
    let mut line = String::with_capacity(256);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..rows {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let f = |k: u64| ((x >> (k * 5)) % 10_000) as f64 / 100.0;
        line.clear();
        use std::fmt::Write as _;
        let amount = if x.is_multiple_of(50) {
            String::new()
        } else {
            format!("{:.2}", f(1))
        };
        write!(
            line,
            "{i},{amount},{:.2},{:.3},{:.4},{:.4},{:.3},{:.1},{:.1},{},{},{},{},{},{},{},{},{},2026-{:02}-{:02},r{:x}",
            f(2) / 10.0,
            f(3) / 100.0,
            f(4) - 50.0,
            f(5) - 50.0,
            f(6) / 100.0,
            f(7),
            f(8) - 20.0,
            (x >> 3) % 100,
            18 + (x >> 9) % 70,
            (x >> 11) % 20,
            (x >> 13) % 1000,
            countries[((x >> 17) % 7) as usize],
            channels[((x >> 19) % 3) as usize],
            tiers[((x >> 23) % 4) as usize],
            (x >> 29).is_multiple_of(97),
            (x >> 31).is_multiple_of(2),
            1 + (x >> 37) % 12,
            1 + (x >> 41) % 28,
            x >> 20
        )?;
        line.push('\n');
        emit(&line, &mut out)?;
    }
    out.flush()?;
    Ok((size, hex::encode(hasher.finalize())))
}

async fn prep(args: &PrepArgs) -> Result<(), BoxError> {
    use std::io::{Read, Seek};
    let dir = std::env::temp_dir().join(format!("mlgraph-bench-prep-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("bench.csv");
    let t = Instant::now();
    let (size, sha) = {
        let (path, rows) = (csv.clone(), args.rows);
        tokio::task::spawn_blocking(move || write_prep_csv(&path, rows)).await??
    };
    println!(
        "csv: {} rows x 20 columns, {:.1} MB, written in {:.1} s",
        args.rows,
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let (server, base) = start_local_store_server(
        &args.server,
        &args.database_url,
        args.port,
        &dir.join("store"),
    )
    .await?;
    let pid = server.0.id();
    let url = format!("{base}/graphql");
    let client = reqwest::Client::new();
    let ns = format!("bench.example/prep-{}", std::process::id());
    let ds = gql_vars(
        &client,
        &url,
        "mutation($ns: String!) { createDataset(input: {ns: $ns, name: \"bench\", dataType: TABULAR}) { id } }",
        json!({"ns": ns}),
    )
    .await?;
    let ds = ds["createDataset"]["id"]
        .as_str()
        .ok_or("createDataset")?
        .to_owned();
    let planned = gql_vars(
        &client,
        &url,
        "mutation($i: CreateDatasetUploadInput!) { createDatasetUpload(input: $i) { datasetVersion { id }
           upload { upload { url headers { name value } } parts { offset sizeBytes request { url headers { name value } } } } } }",
        json!({"i": {"datasetId": ds, "fileName": "bench.csv", "contentType": "text/csv", "sizeBytes": size, "sha256": sha}}),
    )
    .await?;
    let p = &planned["createDatasetUpload"];
    let version = p["datasetVersion"]["id"]
        .as_str()
        .ok_or("no version")?
        .to_owned();
    let t = Instant::now();
    let mut file = std::fs::File::open(&csv)?;
    let requests: Vec<(u64, u64, Value)> = match p["upload"]["upload"].as_object() {
        Some(_) => vec![(0, size, p["upload"]["upload"].clone())],
        None => p["upload"]["parts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|part| {
                (
                    part["offset"].as_u64().unwrap_or(0),
                    part["sizeBytes"].as_u64().unwrap_or(0),
                    part["request"].clone(),
                )
            })
            .collect(),
    };
    for (offset, n, request) in requests {
        file.seek(std::io::SeekFrom::Start(offset))?;
        let mut body = vec![0u8; n as usize];
        file.read_exact(&mut body)?;
        send_presigned(&client, &request, body).await?;
    }
    println!("uploaded in {:.1} s", t.elapsed().as_secs_f64());
    let rss_before = rss_kb(pid, "VmHWM:");
    let t = Instant::now();
    gql_vars(
        &client,
        &url,
        "mutation($v: ID!) { completeDatasetUpload(datasetVersionId: $v) { uploadStatus } }",
        json!({"v": version}),
    )
    .await?;
    let completed = t.elapsed();
    // The worker runs in the background: poll (this is a benchmark, not a test).
    let status = loop {
        let v = gql_vars(
            &client,
            &url,
            "query($v: ID!) { node(id: $v) { ... on DatasetVersion { uploadStatus numRows numColumns
               edaReports(first: 1) { nodes { storageLocation reportSizeBytes generationSeconds } }
               processedFile { sizeBytes } } } }",
            json!({"v": version}),
        )
        .await?;
        let s = v["node"]["uploadStatus"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if s == "VALIDATED" || s == "FAILED" {
            break v;
        }
        if t.elapsed() > Duration::from_secs(3600) {
            return Err("validation did not finish within an hour".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let took = t.elapsed();
    println!(
        "complete (verify {:.1} MB) {:.1} s; validated + deduced + reported + written as Parquet ({:.1} MB) {:.1} s after complete: {} ({} rows, {} columns, report {}); server peak RSS {:.1} MB before, {:.1} MB after",
        size as f64 / 1e6,
        completed.as_secs_f64(),
        status["node"]["processedFile"]["sizeBytes"]
            .as_f64()
            .unwrap_or(0.0)
            / 1e6,
        took.as_secs_f64(),
        status["node"]["uploadStatus"],
        status["node"]["numRows"],
        status["node"]["numColumns"],
        status["node"]["edaReports"]["nodes"][0],
        rss_before as f64 / 1024.0,
        rss_kb(pid, "VmHWM:") as f64 / 1024.0
    );
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// A GraphQL request with variables; its `data`, or the errors as an error.
async fn gql_vars(
    client: &reqwest::Client,
    url: &str,
    query: &str,
    variables: Value,
) -> Result<Value, BoxError> {
    let v: Value = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?;
    match v.get("errors") {
        Some(e) => Err(format!("{query}: {e}").into()),
        None => Ok(v["data"].clone()),
    }
}

/// p50 and p95 of `n` sequential runs of `query`, in ms.
async fn timed(
    client: &reqwest::Client,
    url: &str,
    query: &str,
    variables: &Value,
    n: usize,
) -> Result<(f64, f64), BoxError> {
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        gql_vars(client, url, query, variables.clone()).await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let s = summarise(lat, 0, 0.0);
    Ok((s.p50, s.p95))
}

async fn metrics(args: &MetricsArgs) -> Result<(), BoxError> {
    use chrono::{DurationRound, TimeDelta, Utc};
    let db = Database::connect(&args.database_url).await?;
    migration::Migrator::up(&db, None).await?;
    let (server, base) =
        start_server(&server_binary(&args.server)?, &args.database_url, args.port).await?;
    let pid = server.0.id();
    let url = format!("{base}/graphql");
    let client = reqwest::Client::new();
    let ns = format!("bench.example/metrics-{}", std::process::id());
    let model = gql_vars(
        &client,
        &url,
        "mutation($ns: String!) { createModel(input: {ns: $ns, name: \"m\"}) { id } }",
        json!({ "ns": ns }),
    )
    .await?;
    let model = model["createModel"]["id"]
        .as_str()
        .ok_or("createModel")?
        .to_owned();
    let mut versions = Vec::new();
    for _ in 0..10 {
        let v = gql_vars(
            &client,
            &url,
            "mutation($m: ID!) { createModelVersion(input: {modelId: $m}) { id } }",
            json!({ "m": model }),
        )
        .await?;
        versions.push(
            v["createModelVersion"]["id"]
                .as_str()
                .ok_or("createModelVersion")?
                .to_owned(),
        );
    }
    let uuid_of = |gid: &str| -> Result<uuid::Uuid, BoxError> {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(gid)?;
        let text = String::from_utf8(raw)?;
        Ok(text.rsplit_once(':').ok_or("global id")?.1.parse()?)
    };

    // 1. Ingest through the API.
    let record = "mutation($p: [MetricPointInput!]!) { recordMetrics(points: $p) }";
    let (ingest_version, batch) = (versions[0].clone(), args.batch);
    let cpu_before = cpu_ms(pid);
    let (c, u) = (client.clone(), url.clone());
    let stats = drive(args.concurrency, args.ingest_seconds, move |i| {
        let (c, u, v) = (c.clone(), u.clone(), ingest_version.clone());
        async move {
            let now = Utc::now();
            let points: Vec<Value> = (0..batch)
                .map(|k| {
                    let x = (i as usize * batch + k) as f64;
                    json!({"modelVersionId": v, "name": "latency_ms", "value": 20.0 + (x * 7.31) % 80.0,
                           "timestamp": (now - TimeDelta::milliseconds((k * 3) as i64)).to_rfc3339()})
                })
                .collect();
            gql_vars(&c, &u, record, json!({ "p": points })).await.is_ok()
        }
    })
    .await;
    let cpu = cpu_ms(pid) - cpu_before;
    let points = stats.requests as f64 * args.batch as f64;
    println!(
        "ingest: {} calls of {} points at concurrency {} in {:.1} s: {:.0} points/s; call p50 {:.1} ms, p95 {:.1} ms; {} errors; server cpu {:.2} ms per call",
        stats.requests,
        args.batch,
        args.concurrency,
        stats.seconds,
        points / stats.seconds,
        stats.p50,
        stats.p95,
        stats.errors,
        cpu / stats.requests.max(1) as f64
    );

    // 2. metricStats per hour over many points of one version, 7 closed days.
    let end = Utc::now().duration_trunc(TimeDelta::hours(1))?;
    let start = end - TimeDelta::days(7);
    let heavy = uuid_of(&versions[1])?;
    for m in [start, end] {
        exec(
            &db,
            &format!(
                "SELECT mlgraph_ensure_month('metric_points', 'ts', '{}')",
                m.to_rfc3339()
            ),
        )
        .await?;
    }
    let t = Instant::now();
    let chunk = 1_000_000u64;
    let mut done = 0;
    while done < args.points {
        let n = chunk.min(args.points - done);
        exec(
            &db,
            &format!(
                "INSERT INTO metric_points (id, ns, model_version_id, name, value, ts, labels, created_at)
                 SELECT ('00000000-{run:04x}-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, '{ns}', '{heavy}', 'latency_ms', 20 + 80 * random() * random(),
                        '{start}'::timestamptz + (i - 1) * (interval '7 days' / {total}), '{{}}', now()
                   FROM generate_series({lo}, {hi}) i",
                start = start.to_rfc3339(),
                // Time-ordered ids, as the server's own (UUID v7) are; distinct per run,
                // so that a second run adds to the first's points.
                run = std::process::id() % 0x1_0000,
                total = args.points,
                lo = done + 1,
                hi = done + n
            ),
        )
        .await?;
        done += n;
    }
    exec(&db, "ANALYZE metric_points").await?;
    println!(
        "metric points: {} loaded in {:.1} s",
        args.points,
        t.elapsed().as_secs_f64()
    );
    let stats_q = "query($v: ID!, $from: DateTime!, $to: DateTime!) { metricStats(of: $v, metric: \"latency_ms\", from: $from, to: $to, bucket: HOUR) { bucketStart count p50 p95 p99 } }";
    let vars = json!({"v": versions[1], "from": start.to_rfc3339(), "to": end.to_rfc3339()});
    // Over many points the raw statistics outlast the request deadline: that is a finding
    // to print, not a failure of the benchmark.
    let t = Instant::now();
    match gql_vars(&client, &url, stats_q, vars.clone()).await {
        Ok(_) => println!(
            "metricStats HOUR over {} points, from the raw points (before roll-up): {:.0} ms",
            args.points,
            t.elapsed().as_secs_f64() * 1000.0
        ),
        Err(e) => println!(
            "metricStats HOUR over {} points, from the raw points (before roll-up): failed after {:.1} s: {e}",
            args.points,
            t.elapsed().as_secs_f64()
        ),
    }
    let t = Instant::now();
    let mut rolled = 0;
    loop {
        let n = mlgraph::metrics::rollup::roll_up(&db, Utc::now())
            .await
            .map_err(|e| format!("roll-up: {e:?}"))?;
        if n == 0 {
            break;
        }
        rolled += n;
    }
    println!(
        "roll-up: {rolled} buckets in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let check = gql_vars(&client, &url, stats_q, vars.clone()).await?;
    let buckets = check["metricStats"].as_array().map(Vec::len).unwrap_or(0);
    let counted: i64 = check["metricStats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["count"].as_i64())
        .sum();
    if counted != args.points as i64 {
        return Err(format!("metricStats counted {counted} points, not {}", args.points).into());
    }
    let cpu_before = cpu_ms(pid);
    let (p50, p95) = timed(&client, &url, stats_q, &vars, args.requests).await?;
    println!(
        "metricStats HOUR over {} points ({buckets} buckets, p50/p95/p99 each): single client p50 {p50:.2} ms, p95 {p95:.2} ms; server cpu {:.2} ms per request",
        args.points,
        (cpu_ms(pid) - cpu_before) / args.requests.max(1) as f64
    );

    // 3. costSummary over many cost records, 30 days, ranges not on the hour.
    let t = Instant::now();
    let cost_start = end - TimeDelta::days(30);
    let ids: Vec<String> = versions
        .iter()
        .map(|v| uuid_of(v).map(|u| format!("'{u}'::uuid")))
        .collect::<Result<_, _>>()?;
    let mut done = 0;
    while done < args.costs {
        let n = chunk.min(args.costs - done);
        exec(
            &db,
            &format!(
                "INSERT INTO cost_records (id, ns, provider, model_version_id, units, unit, amount_micros, currency, ts, labels, created_at)
                 SELECT md5('cr' || i)::uuid, '{ns}', (ARRAY['openai','anthropic','vertex','bedrock','self-hosted'])[1 + i % 5],
                        (ARRAY[{ids}])[1 + i % 10], 1000, 'tokens', 1 + (i::bigint * 7919) % 100000,
                        CASE WHEN i % 7 = 0 THEN 'EUR' ELSE 'USD' END,
                        '{from}'::timestamptz + (i - 1) * (interval '30 days' / {total}), '{{}}', now()
                   FROM generate_series({lo}, {hi}) i",
                ids = ids.join(","),
                from = cost_start.to_rfc3339(),
                total = args.costs,
                lo = done + 1,
                hi = done + n
            ),
        )
        .await?;
        done += n;
    }
    exec(&db, "ANALYZE cost_records").await?;
    exec(&db, "ANALYZE cost_rollups").await?;
    println!(
        "cost records: {} loaded in {:.1} s",
        args.costs,
        t.elapsed().as_secs_f64()
    );
    let summary_q = "query($from: DateTime!, $to: DateTime!, $g: CostGroupBy!) { costSummary(groupBy: $g, from: $from, to: $to) { key currency count total } }";
    for g in ["PROVIDER", "DAY"] {
        let vars = json!({"from": (cost_start + TimeDelta::minutes(17)).to_rfc3339(), "to": (end - TimeDelta::minutes(23)).to_rfc3339(), "g": g});
        let got = gql_vars(&client, &url, summary_q, vars.clone()).await?;
        let groups = got["costSummary"].as_array().map(Vec::len).unwrap_or(0);
        let cpu_before = cpu_ms(pid);
        let (p50, p95) = timed(&client, &url, summary_q, &vars, args.requests).await?;
        println!(
            "costSummary {g} over {} records ({groups} groups): single client p50 {p50:.2} ms, p95 {p95:.2} ms; server cpu {:.2} ms per request",
            args.costs,
            (cpu_ms(pid) - cpu_before) / args.requests.max(1) as f64
        );
    }
    drop(server);
    Ok(())
}

/// A unit vector near one of 100 cluster centres (deterministic in `i`).
fn clustered(i: u64, dim: usize, rng: &mut rand::rngs::SmallRng) -> Vec<f32> {
    use rand::{Rng, SeedableRng};
    let mut centre = rand::rngs::SmallRng::seed_from_u64(i % 100);
    let mut v: Vec<f32> = (0..dim)
        .map(|_| centre.random::<f32>() * 2.0 - 1.0 + (rng.random::<f32>() * 2.0 - 1.0) * 0.6)
        .collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
    v.iter_mut().for_each(|x| *x /= n);
    v
}

fn vector_literal(v: &[f32]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:.6}")).collect();
    format!("[{}]", parts.join(","))
}

/// Loads `args.count` clustered vectors for `model` (replacing any; fewer when the
/// registry holds fewer nodes) and builds the model's HNSW index over them, as the
/// server would. Returns how many it loaded.
async fn load_vectors(
    db: &DatabaseConnection,
    model: &str,
    args: &VectorArgs,
) -> Result<usize, BoxError> {
    use rand::SeedableRng;
    let dim = args.dimension;
    exec(
        db,
        &format!("DELETE FROM embeddings WHERE model = '{model}'"),
    )
    .await?;
    let docs = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT node_type, node_id, ns FROM search_documents ORDER BY md5(node_id::text) LIMIT {}",
                args.count
            ),
        ))
        .await?;
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    let t = Instant::now();
    for (c, chunk) in docs.chunks(500).enumerate() {
        let mut rows = Vec::with_capacity(chunk.len());
        for (k, r) in chunk.iter().enumerate() {
            let (ty, id, ns): (String, uuid::Uuid, String) = (
                r.try_get("", "node_type")?,
                r.try_get("", "node_id")?,
                r.try_get("", "ns")?,
            );
            let v = clustered((c * 500 + k) as u64, dim, &mut rng);
            rows.push(format!(
                "('{id}', '{model}', '{ty}', '{ns}', {dim}, '{}'::vector, now())",
                vector_literal(&v)
            ));
        }
        exec(
            db,
            &format!(
                "INSERT INTO embeddings (node_id, model, node_type, ns, dimension, embedding, updated_at) VALUES {}",
                rows.join(",")
            ),
        )
        .await?;
    }
    let loaded = t.elapsed();
    let t = Instant::now();
    // The index the server itself builds for the model (its name tells the server how
    // many vectors the model holds), over the loaded vectors.
    exec(db, "DROP INDEX IF EXISTS ix_embeddings_hnsw_bench").await?;
    exec(
        db,
        &format!(
            "DROP INDEX IF EXISTS {}",
            mlgraph::search::vectors::index_name(model)
        ),
    )
    .await?;
    mlgraph::search::vectors::ensure_index(
        db,
        mlgraph::search::vectors::Hnsw::default(),
        model,
        dim,
    )
    .await
    .map_err(|e| format!("{e:?}"))?;
    exec(db, "ANALYZE embeddings").await?;
    println!(
        "{} embeddings of dimension {dim} loaded in {:.1} s, HNSW index (m 16, ef_construction 64) built in {:.1} s",
        docs.len(),
        loaded.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
    Ok(docs.len())
}

async fn vectors(args: &VectorArgs) -> Result<(), BoxError> {
    use base64::Engine;
    use rand::SeedableRng;
    let model = format!("bench/clustered-{}", args.dimension);
    let dim = args.dimension;
    let db = Database::connect(&args.database_url).await?;
    let held = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS n, to_regclass('{}') IS NOT NULL AS indexed FROM embeddings WHERE model = '{model}'",
                mlgraph::search::vectors::index_name(&model)
            ),
        ))
        .await?
        .map(|r| -> Result<(i64, bool), sea_orm::DbErr> {
            Ok((r.try_get("", "n")?, r.try_get("", "indexed")?))
        })
        .transpose()?;
    let vectors = match held {
        Some((n, true)) if args.reuse && n > 0 => {
            println!("reusing the {n} vectors and the index of an earlier run");
            n as usize
        }
        _ => load_vectors(&db, &model, args).await?,
    };
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    let (server, base) = start_server_with(
        &server_binary(&args.server)?,
        &args.database_url,
        args.port,
        &args.server_flag,
    )
    .await?;
    let pid = server.0.id();
    let url = format!("{base}/graphql");
    let client = reqwest::Client::new();
    let decode = |gid: &str| -> Option<uuid::Uuid> {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(gid)
            .ok()?;
        String::from_utf8(raw)
            .ok()?
            .rsplit_once(':')?
            .1
            .parse()
            .ok()
    };
    let similar = "query($v: [Float!]!, $m: String!, $w: WithinLineage) { similar(vector: $v, model: $m, first: 10, within: $w) { hits { similarity node { id } } isPartial } }";
    // Queries: fresh samples of the same clusters.
    let queries: Vec<Vec<f32>> = (0..args.queries as u64)
        .map(|i| clustered(i * 7 + 3, dim, &mut rng))
        .collect();
    let mut lat = Vec::new();
    let mut recall = 0.0;
    let cpu_before = cpu_ms(pid);
    for q in &queries {
        let t = Instant::now();
        let got = gql_vars(&client, &url, similar, json!({"v": q, "m": model})).await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        let found: std::collections::HashSet<uuid::Uuid> = got["similar"]["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["node"]["id"].as_str().and_then(decode))
            .collect();
        let txn = db.begin().await?;
        txn.execute_unprepared("SET LOCAL enable_indexscan = off")
            .await?;
        let exact = txn
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!(
                    "SELECT node_id FROM embeddings WHERE model = '{model}'
                      ORDER BY embedding::vector({dim}) <=> '{}'::vector({dim}) LIMIT 10",
                    vector_literal(q)
                ),
            ))
            .await?;
        txn.commit().await?;
        let exact: Vec<uuid::Uuid> = exact
            .iter()
            .filter_map(|r| r.try_get("", "node_id").ok())
            .collect();
        recall +=
            exact.iter().filter(|id| found.contains(id)).count() as f64 / exact.len().max(1) as f64;
    }
    let cpu = (cpu_ms(pid) - cpu_before) / queries.len().max(1) as f64;
    let s = summarise(lat, 0, 0.0);
    println!(
        "similar top-10 over {} vectors: single client p50 {:.2} ms, p95 {:.2} ms; recall@10 {:.3} against exact; server cpu {cpu:.2} ms per query",
        vectors,
        s.p50,
        s.p95,
        recall / queries.len().max(1) as f64
    );
    // Lineage-scoped: from the mix's heavy start (depth 5 downstream).
    let start = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT source_id AS id FROM edges WHERE source_type = 'TrainingJob' AND target_type = 'TrainingJob' ORDER BY source_id LIMIT 1",
        ))
        .await?
        .map(|r| r.try_get::<uuid::Uuid>("", "id"))
        .transpose()?
        .ok_or("no lineage in the registry: run generate first")?;
    let job = |id: uuid::Uuid| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("TrainingJob:{id}"))
    };
    let start = job(start);
    let reach = async |start: &str, depth: u32| -> Result<i64, BoxError> {
        let got = gql_vars(
            &client,
            &url,
            "query($s: ID!, $d: Int!) { lineage(of: $s, direction: BOTH, depth: $d, first: 1) { totalCount } }",
            json!({"s": start, "d": depth}),
        )
        .await?;
        Ok(got["lineage"]["totalCount"].as_i64().unwrap_or(0))
    };
    // The issue's scope of ~10,000 nodes: of the first 200 training jobs at depth 5 or 6,
    // the lineage that comes closest.
    let mut ten_k: Option<(String, u32, i64)> = None;
    for r in db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM training_jobs ORDER BY id LIMIT 200",
        ))
        .await?
    {
        let candidate = job(r.try_get("", "id")?);
        for depth in [5, 6] {
            let n = reach(&candidate, depth).await?;
            if ten_k
                .as_ref()
                .is_none_or(|(_, _, m)| (n - 10_000).abs() < (m - 10_000).abs())
            {
                ten_k = Some((candidate.clone(), depth, n));
            }
        }
    }
    let mut scopes = vec![(start.clone(), 3), (start.clone(), 5), (start, 6)];
    scopes.extend(ten_k.map(|(s, depth, _)| (s, depth)));
    for (start, depth) in scopes {
        let within = json!({"lineageOf": start, "direction": "BOTH", "depth": depth});
        let reached = reach(&start, depth).await?;
        // The reference scope, walked here in plain SQL (each direction on its own, as
        // `BOTH` means), for the recall of the answers.
        let start_id = decode(&start).ok_or("bad start id")?;
        let scope_sql = format!(
            "WITH RECURSIVE up(id, d) AS (SELECT '{start_id}'::uuid, 0 UNION
                 SELECT l.up_id, u.d + 1 FROM up u JOIN lineage_links l ON l.down_id = u.id WHERE u.d < {depth}),
               down(id, d) AS (SELECT '{start_id}'::uuid, 0 UNION
                 SELECT l.down_id, w.d + 1 FROM down w JOIN lineage_links l ON l.up_id = w.id WHERE w.d < {depth})
             SELECT id FROM up UNION SELECT id FROM down"
        );
        let mut lat = Vec::new();
        let mut answered = 0;
        let mut recall = 0.0;
        let cpu_before = cpu_ms(pid);
        let scoped = &queries[..queries.len().min(30)];
        for q in scoped {
            let t = Instant::now();
            let got = gql_vars(
                &client,
                &url,
                similar,
                json!({"v": q, "m": model, "w": within}),
            )
            .await?;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            let found: std::collections::HashSet<uuid::Uuid> = got["similar"]["hits"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["node"]["id"].as_str().and_then(decode))
                .collect();
            answered += found.len();
            let txn = db.begin().await?;
            txn.execute_unprepared("SET LOCAL enable_indexscan = off")
                .await?;
            let exact = txn
                .query_all_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!(
                        "SELECT node_id FROM embeddings WHERE model = '{model}'
                           AND node_id IN ({scope_sql}) AND node_id <> '{start_id}'
                         ORDER BY embedding::vector({dim}) <=> '{}'::vector({dim}) LIMIT 10",
                        vector_literal(q)
                    ),
                ))
                .await?;
            txn.commit().await?;
            let exact: Vec<uuid::Uuid> = exact
                .iter()
                .filter_map(|r| r.try_get("", "node_id").ok())
                .collect();
            recall += exact.iter().filter(|id| found.contains(id)).count() as f64
                / exact.len().max(1) as f64;
        }
        let n = scoped.len().max(1) as f64;
        let cpu = (cpu_ms(pid) - cpu_before) / n;
        let s = summarise(lat, 0, 0.0);
        println!(
            "similar top-10 within the lineage of a training job (depth {depth}, both ways: {reached} nodes reached): p50 {:.2} ms, p95 {:.2} ms; {:.1} hits per query, recall@10 {:.3} against exact within the scope; server cpu {cpu:.2} ms per query",
            s.p50,
            s.p95,
            answered as f64 / n,
            recall / n
        );
    }
    drop(server);
    if let Some(dir) = &args.embedding_model_dir {
        let e = mlgraph::search::embedding::Embedder::load_async(dir.clone()).await?;
        let texts = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT title || ' — ' || body AS t FROM search_documents ORDER BY md5(node_id::text) LIMIT 200",
            ))
            .await?;
        let texts: Vec<String> = texts
            .iter()
            .filter_map(|r| r.try_get("", "t").ok())
            .collect();
        let mut lat = Vec::new();
        for t in &texts {
            let started = Instant::now();
            e.embed(vec![t.clone()])
                .await
                .map_err(|e| format!("embed: {e:?}"))?;
            lat.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let s = summarise(lat, 0, 0.0);
        let started = Instant::now();
        e.embed(texts.clone())
            .await
            .map_err(|e| format!("embed: {e:?}"))?;
        println!(
            "built-in model: one document embedded in p50 {:.2} ms, p95 {:.2} ms ({} documents one by one); in batches of {}: {:.2} ms per document",
            s.p50,
            s.p95,
            texts.len(),
            mlgraph::search::embedding::BATCH,
            started.elapsed().as_secs_f64() * 1000.0 / texts.len().max(1) as f64
        );
    }
    Ok(())
}

/// One MLflow REST call; whether it answered 200.
async fn mlflow_ok(client: &reqwest::Client, url: &str, body: &Value) -> bool {
    client
        .post(url)
        .json(body)
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

async fn mlflow_call(client: &reqwest::Client, url: &str, body: &Value) -> Result<Value, BoxError> {
    let resp = client.post(url).json(body).send().await?;
    let status = resp.status();
    let v: Value = resp.json().await?;
    if !status.is_success() {
        return Err(format!("{url}: {status} {v}").into());
    }
    Ok(v)
}

async fn mlflow(args: &MlflowArgs) -> Result<(), BoxError> {
    let (db, server, base, pid) = match (&args.mlflow_url, &args.mlflow_database_url) {
        (Some(url), Some(store)) => (
            Database::connect(store).await?,
            None,
            url.trim_end_matches('/').to_owned(),
            0,
        ),
        _ => {
            let db = Database::connect(&args.database_url).await?;
            migration::Migrator::up(&db, None).await?;
            let (server, base) =
                start_server(&server_binary(&args.server)?, &args.database_url, args.port).await?;
            let pid = server.0.id();
            (db, Some(server), base, pid)
        }
    };
    let api = format!("{base}/api/2.0/mlflow");
    let client = reqwest::Client::new();
    let tag = std::process::id();
    let exp = mlflow_call(
        &client,
        &format!("{api}/experiments/create"),
        &json!({"name": format!("bench-search-{tag}")}),
    )
    .await?["experiment_id"]
        .as_str()
        .ok_or("experiments/create")?
        .to_owned();
    let writes = mlflow_call(
        &client,
        &format!("{api}/experiments/create"),
        &json!({"name": format!("bench-writes-{tag}")}),
    )
    .await?["experiment_id"]
        .as_str()
        .ok_or("experiments/create")?
        .to_owned();
    // The searched runs, in bulk: metrics m0..m9 in [0, 1), params p0..p9 of x, y, z.
    let t = Instant::now();
    exec(&db, "SELECT setseed(0.42)").await?;
    if args.mlflow_url.is_some() {
        load_mlflow_runs(&db, &exp, args.runs).await?;
    } else {
        let exp_uuid = uuid::Uuid::parse_str(&exp)?;
        exec(
        &db,
        &format!(
            "INSERT INTO job_runs (id, ns, experiment_id, source, name, state, started_at, params, metrics, tags, facets, created_at, updated_at)
             SELECT gen_random_uuid(), 'mlflow', '{exp_uuid}', 'MLFLOW', 'run-' || i, 'COMPLETED',
                    now() - (i || ' seconds')::interval,
                    -- Correlated with i (else PostgreSQL runs each subquery once for all rows).
                    (SELECT jsonb_object_agg('p' || k, (ARRAY['x','y','z'])[1 + floor(random() * 3)::int]) FROM generate_series(0, 9 + 0 * i) k),
                    (SELECT jsonb_object_agg('m' || k, jsonb_build_object('value', random(), 'timestamp', 1700000000000, 'step', 0)) FROM generate_series(0, 9 + 0 * i) k),
                    '{{}}', '{{}}', now(), now()
             FROM generate_series(1, {}) i",
            args.runs
        ),
    )
    .await?;
        exec(&db, "ANALYZE job_runs").await?;
    }
    let matching = mlflow_call(
        &client,
        &format!("{api}/runs/search"),
        &json!({"experiment_ids": [exp], "filter": "metrics.m0 > 0.5 and params.p0 = 'x'", "max_results": 1000}),
    )
    .await?["runs"]
        .as_array()
        .map_or(0, Vec::len);
    if matching == 0 {
        return Err("the filtered search finds no run: the generated runs are wrong".into());
    }
    println!(
        "mlflow: {} runs loaded in bulk in {:.1} s",
        args.runs,
        t.elapsed().as_secs_f64()
    );
    // A run with a 10,000-point history of one metric.
    let history_run = mlflow_call(
        &client,
        &format!("{api}/runs/create"),
        &json!({"experiment_id": writes, "run_name": "history"}),
    )
    .await?["run"]["info"]["run_id"]
        .as_str()
        .ok_or("runs/create")?
        .to_owned();
    for chunk in 0..10 {
        let metrics: Vec<Value> = (0..1000)
            .map(|i| json!({"key": "loss", "value": 1.0 / f64::from(chunk * 1000 + i + 1), "timestamp": 1_700_000_000_000u64, "step": chunk * 1000 + i}))
            .collect();
        mlflow_call(
            &client,
            &format!("{api}/runs/log-batch"),
            &json!({"run_id": history_run, "metrics": metrics}),
        )
        .await?;
    }
    let write_runs: Vec<String> = {
        let mut ids = Vec::new();
        for i in 0..64 {
            ids.push(
                mlflow_call(
                    &client,
                    &format!("{api}/runs/create"),
                    &json!({"experiment_id": writes, "run_name": format!("w{i}")}),
                )
                .await?["run"]["info"]["run_id"]
                    .as_str()
                    .ok_or("runs/create")?
                    .to_owned(),
            );
        }
        ids
    };
    let write_runs = Arc::new(write_runs);
    println!(
        "{:<34} {:>5} {:>9} {:>9} {:>9} {:>7} {:>9} {:>8}",
        "mlflow workload", "conc", "req/s", "p50 ms", "p95 ms", "errors", "cpu ms/req", "peak MB"
    );
    for &concurrency in &args.concurrency {
        let row = |name: &str, stats: Stats, cpu: f64, unit: Option<(&str, f64)>| {
            let requests = (stats.requests + stats.errors).max(1) as f64;
            let rps = stats.requests as f64 / stats.seconds;
            let extra = unit
                .map(|(u, per)| format!("  ({:.0} {u}/s)", rps * per))
                .unwrap_or_default();
            // The server's peak RSS so far (so the phase that raised it shows).
            let peak = if server.is_some() {
                format!("{:.1}", rss_kb(pid, "VmHWM:") as f64 / 1024.0)
            } else {
                "-".to_owned()
            };
            println!(
                "{name:<34} {concurrency:>5} {rps:>9.1} {:>9.2} {:>9.2} {:>7} {:>9.2} {peak:>8}{extra}",
                stats.p50,
                stats.p95,
                stats.errors,
                cpu / requests
            );
        };
        macro_rules! phase {
            ($name:expr, $unit:expr, $body:expr) => {{
                let name: &str = &$name;
                if args.only.is_empty() || args.only.iter().any(|o| name.contains(o.as_str())) {
                    let cpu = cpu_ms(pid);
                    let stats = drive(concurrency, args.seconds, $body).await;
                    row(name, stats, cpu_ms(pid) - cpu, $unit);
                }
            }};
        }
        let (c, u, w) = (client.clone(), api.clone(), writes.clone());
        phase!("runs/create", None, move |i| {
            let (c, u, w) = (c.clone(), u.clone(), w.clone());
            async move {
                mlflow_ok(
                    &c,
                    &format!("{u}/runs/create"),
                    &json!({"experiment_id": w, "run_name": format!("c{i}")}),
                )
                .await
            }
        });
        for batch in [10usize, 500] {
            let (c, u, runs) = (client.clone(), api.clone(), write_runs.clone());
            phase!(
                &format!("runs/log-batch of {batch} metrics"),
                Some(("metric values", batch as f64)),
                move |i| {
                    let (c, u, runs) = (c.clone(), u.clone(), runs.clone());
                    async move {
                        let run = &runs[i as usize % runs.len()];
                        let metrics: Vec<Value> = (0..batch)
                            .map(|k| json!({"key": format!("k{}", k % 50), "value": (i as f64) * 0.001 + k as f64, "timestamp": 1_700_000_000_000u64 + i, "step": i}))
                            .collect();
                        mlflow_ok(
                            &c,
                            &format!("{u}/runs/log-batch"),
                            &json!({"run_id": run, "metrics": metrics}),
                        )
                        .await
                    }
                }
            );
        }
        for (name, filter, order) in [
            ("runs/search 1000 unfiltered", "", json!([])),
            (
                "runs/search 1000 filtered+ordered",
                "metrics.m0 > 0.5 and params.p0 = 'x'",
                json!(["metrics.m0 DESC"]),
            ),
        ] {
            let (c, u, e) = (client.clone(), api.clone(), exp.clone());
            phase!(name, None, move |_| {
                let (c, u, e, order) = (c.clone(), u.clone(), e.clone(), order.clone());
                async move {
                    mlflow_ok(&c, &format!("{u}/runs/search"), &json!({"experiment_ids": [e], "filter": filter, "order_by": order, "max_results": 1000})).await
                }
            });
        }
        let (c, u) = (client.clone(), api.clone());
        phase!("experiments/search", None, move |_| {
            let (c, u) = (c.clone(), u.clone());
            async move {
                mlflow_ok(
                    &c,
                    &format!("{u}/experiments/search"),
                    &json!({"max_results": 100}),
                )
                .await
            }
        });
        let (c, u, r) = (client.clone(), api.clone(), history_run.clone());
        phase!("metrics/get-history 10000 points", None, move |_| {
            let (c, u, r) = (c.clone(), u.clone(), r.clone());
            async move {
                c.get(format!(
                    "{u}/metrics/get-history?run_id={r}&metric_key=loss&max_results=25000"
                ))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            }
        });
    }
    if server.is_some() {
        println!(
            "mlflow: server peak RSS {:.1} MB",
            rss_kb(pid, "VmHWM:") as f64 / 1024.0
        );
    }
    drop(server);
    Ok(())
}

/// The searched runs of the side-by-side in `mlflow server`'s own tables (its schema as
/// of MLflow 3): the same shape as mlgraph's bulk load — params p0..p9 of x, y, z,
/// metrics m0..m9 in [0, 1) (latest and history) — through its backend store.
async fn load_mlflow_runs(db: &DatabaseConnection, exp: &str, runs: u64) -> Result<(), BoxError> {
    let exp: i64 = exp.parse()?;
    let run = format!("md5('bench-{exp}-' || i)");
    exec(
        db,
        &format!(
            "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status,
                               start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
             SELECT {run}, 'run-' || i, 'UNKNOWN', '', '', 'bench', 'FINISHED',
                    (extract(epoch FROM now()) * 1000)::bigint - i * 1000, NULL, '', 'active', '', {exp}
             FROM generate_series(1, {runs}) i"
        ),
    )
    .await?;
    exec(
        db,
        &format!(
            "INSERT INTO params (key, value, run_uuid)
             SELECT 'p' || k, (ARRAY['x','y','z'])[1 + floor(random() * 3)::int], {run}
             FROM generate_series(1, {runs}) i, generate_series(0, 9) k"
        ),
    )
    .await?;
    exec(
        db,
        &format!(
            "CREATE UNLOGGED TABLE bench_values AS
             SELECT 'm' || k AS key, random() AS value, {run} AS run_uuid
             FROM generate_series(1, {runs}) i, generate_series(0, 9) k"
        ),
    )
    .await?;
    for table in ["latest_metrics", "metrics"] {
        exec(
            db,
            &format!(
                "INSERT INTO {table} (key, value, timestamp, step, is_nan, run_uuid)
                 SELECT key, value, 1700000000000, 0, false, run_uuid FROM bench_values"
            ),
        )
        .await?;
    }
    exec(db, "DROP TABLE bench_values").await?;
    exec(db, "ANALYZE runs, params, latest_metrics, metrics").await?;
    Ok(())
}

//! Vector similarity: embeddings of nodes set by clients (`setEmbedding`), and
//! `similar(to:, vector:, model:, ...)` answering the nearest nodes by cosine similarity.
//!
//! On PostgreSQL with pgvector the vectors are `vector` values and each embedding model
//! gets an HNSW index (cosine, `--hnsw-m`, `--hnsw-ef-construction`; searched with
//! `--hnsw-ef-search`) over its own dimension, made when the model's first vector is set.
//! Elsewhere (SQLite, PostgreSQL without pgvector) the vectors are JSON and the server
//! computes the exact cosine over the model's vectors in scope, on a blocking thread.
//! Embeddings are derived data, not registry changes: they are not in the event log.

use async_graphql::ID;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::core::context::RequestContext;
use crate::core::ids::{self, NodeType};
use crate::error::{AppError, AppResult};

/// HNSW parameters (see the module docs); configuration, so `config` holds them.
pub use crate::config::Hnsw;

/// The largest dimension accepted.
pub const MAX_DIMENSION: usize = 4096;

pub(super) fn check_model(model: &str) -> AppResult<()> {
    let ok = !model.is_empty()
        && model.len() <= 100
        && model
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':'));
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "model",
            "1 to 100 characters of letters, digits and . _ - / :",
        ))
    }
}

/// Largest magnitude of a vector component.
const MAX_COMPONENT: f64 = 1e15;

pub(super) fn check_vector(field: &str, v: &[f64]) -> AppResult<()> {
    if v.is_empty() || v.len() > MAX_DIMENSION {
        return Err(AppError::bad_input(
            field,
            format!("must have 1 to {MAX_DIMENSION} values"),
        ));
    }
    // pgvector stores single precision and sums squares in it: bounded well inside.
    if let Some(i) = v
        .iter()
        .position(|x| !x.is_finite() || x.abs() > MAX_COMPONENT)
    {
        return Err(AppError::bad_input(
            format!("{field}.{i}"),
            format!("must be a finite number between -{MAX_COMPONENT:e} and {MAX_COMPONENT:e}"),
        ));
    }
    if v.iter().all(|x| *x == 0.0) {
        return Err(AppError::bad_input(
            field,
            "the zero vector has no direction",
        ));
    }
    Ok(())
}

/// Whether `embeddings.embedding` is a pgvector column here.
async fn uses_pgvector(db: &impl ConnectionTrait) -> AppResult<bool> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(false);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute
              WHERE attrelid = 'embeddings'::regclass AND attname = 'embedding'",
        ))
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<String>("", "t").ok())
        .is_some_and(|t| t == "vector"))
}

/// A vector as pgvector's type, bound in its binary form (4 bytes a dimension; no text to
/// print here or parse there).
fn pg_vector(v: &[f64]) -> Value {
    let single: Vec<f32> = v.iter().map(|x| *x as f32).collect();
    Value::Vector(Some(sea_orm::prelude::PgVector::from(single)))
}

/// The name of a model's HNSW index.
pub fn index_name(model: &str) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(model.as_bytes());
    format!("ix_embeddings_hnsw_{}", hex::encode(&h[..8]))
}

/// Sets (or replaces) the embedding of node `id` under `model`: EDITOR on its namespace;
/// the model's dimension is fixed by its first vector.
pub async fn set_embedding(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    hnsw: Hnsw,
    node: &ID,
    model: &str,
    vector: &[f64],
) -> AppResult<usize> {
    check_model(model)?;
    check_vector("vector", vector)?;
    let (ty, id) = ids::decode_any(node, "node")?;
    let ns = crate::core::node::namespace_of(db, ctx, ty, id, "node").await?;
    ctx.scope.check_write(&ns)?;
    store_embedding(db, hnsw, ty, id, &ns, model, vector, None).await
}

/// Stores the embedding of node `id` (of type `ty`, in `ns`) under `model`, with the text
/// it was computed from when mlgraph computed it; the model's first vector creates its
/// HNSW index (pgvector). No access check: callers check.
#[expect(clippy::too_many_arguments)]
pub(crate) async fn store_embedding(
    db: &sea_orm::DatabaseConnection,
    hnsw: Hnsw,
    ty: NodeType,
    id: Uuid,
    ns: &str,
    model: &str,
    vector: &[f64],
    source: Option<&str>,
) -> AppResult<usize> {
    let backend = db.get_database_backend();
    let pg = backend == DbBackend::Postgres;
    let p = |i: usize| if pg { format!("${i}") } else { format!("?{i}") };
    let existing = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT dimension FROM embeddings WHERE model = {} LIMIT 1",
                p(1)
            ),
            [Value::from(model.to_owned())],
        ))
        .await?
        .map(|r| r.try_get::<i32>("", "dimension"))
        .transpose()?;
    let dim = vector.len();
    if let Some(d) = existing
        && d as usize != dim
    {
        return Err(AppError::bad_input(
            "vector",
            format!("model {model} has dimension {d}, got {dim} values"),
        ));
    }
    let vec_pg = uses_pgvector(db).await?;
    let value = if pg && !vec_pg {
        format!("CAST({} AS jsonb)", p(5))
    } else {
        p(5)
    };
    let now = if pg { "now()" } else { "CURRENT_TIMESTAMP" };
    let embedding = if vec_pg {
        pg_vector(vector)
    } else {
        Value::from(serde_json::to_string(vector).map_err(|e| AppError::Internal(e.to_string()))?)
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "INSERT INTO embeddings (node_id, model, node_type, ns, dimension, embedding, updated_at, source)
             VALUES ({}, {}, {}, {}, {dim}, {value}, {now}, {})
             ON CONFLICT (node_id, model) DO UPDATE SET embedding = EXCLUDED.embedding,
               ns = EXCLUDED.ns, updated_at = EXCLUDED.updated_at, source = EXCLUDED.source",
            p(1),
            p(2),
            p(3),
            p(4),
            p(6)
        ),
        [
            Value::from(id),
            Value::from(model.to_owned()),
            Value::from(ty.name().to_owned()),
            Value::from(ns.to_owned()),
            embedding,
            Value::from(source.map(str::to_owned)),
        ],
    ))
    .await?;
    if vec_pg && existing.is_none() {
        // The model's first vector: its index.
        ensure_index(db, hnsw, model, dim).await?;
    }
    Ok(dim)
}

/// Creates the HNSW index of a model over its dimension unless it exists (pgvector).
pub async fn ensure_index(
    db: &impl ConnectionTrait,
    hnsw: Hnsw,
    model: &str,
    dim: usize,
) -> AppResult<()> {
    // Spliced into the statement: only plain characters pass.
    check_model(model)?;
    db.execute_unprepared(&format!(
        "CREATE INDEX IF NOT EXISTS {ix} ON embeddings USING hnsw ((embedding::vector({dim})) vector_cosine_ops)
           WITH (m = {m}, ef_construction = {ef}) WHERE model = '{model}'",
        ix = index_name(model),
        m = hnsw.m,
        ef = hnsw.ef_construction,
    ))
    .await?;
    Ok(())
}

/// The nearest nodes found, and whether the index scan's bound may have cut them short.
pub(crate) struct Nearest {
    pub(crate) near: Vec<Near>,
    pub(crate) partial: bool,
}

/// A neighbour.
pub(crate) struct Near {
    pub(crate) ty: NodeType,
    pub(crate) id: Uuid,
    pub(crate) similarity: f64,
}

/// The nearest nodes to `vector` under `model`, in scope (and in namespace `ns` or under
/// it, when given).
///
/// With pgvector: a lineage scope is walked and ranked exactly in one statement (the
/// walk's ids as `= ANY(ARRAY(...))`, an InitPlan; the scoped vectors read by the
/// primary key, one index scan, ~5 µs each: 5,718 in 31 ms, 17,388 in 65 ms here).
/// Through the HNSW index with the scope as a filter the same scopes took 0.2–2.3 s: the
/// scan checks candidate by candidate, and iterative scans visit thousands before ten
/// fall in the scope. Anything else goes through the model's HNSW index with iterative
/// scans, which keep scanning past `ef_search` candidates until `k` pass the filters or
/// `max_scan_tuples` have been visited. A page left short while the model holds more
/// vectors than that bound is `partial`: more matches may exist; one left short within the
/// bound (the scan stopped early) is ranked exactly instead.
#[expect(clippy::too_many_arguments)]
pub(crate) async fn nearest(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    hnsw: Hnsw,
    model: &str,
    vector: Vec<f64>,
    except: Option<Uuid>,
    types: &[NodeType],
    ns: Option<&str>,
    scopes: &crate::search::scope::Scopes,
    k: usize,
) -> AppResult<Nearest> {
    let backend = db.get_database_backend();
    let pg = backend == DbBackend::Postgres;
    let mut p = crate::core::params::Params::new(backend);
    let m = p.push(model.to_owned());
    let mut filter = ctx.scope.sql_filter("e.ns", |v| p.push(v));
    if let Some(ns) = ns {
        let exact = p.push(ns.to_owned());
        let under = p.push(format!("{}/%", crate::core::like::escape_like(ns)));
        filter.push_str(&format!(
            " AND (e.ns = {exact} OR e.ns LIKE {under} ESCAPE '\\')"
        ));
    }
    if let Some(id) = except {
        let x = p.push(id);
        filter.push_str(&format!(" AND e.node_id <> {x}"));
    }
    if !types.is_empty() {
        let list: Vec<String> = types.iter().map(|t| p.push(t.name().to_owned())).collect();
        filter.push_str(&format!(" AND e.node_type IN ({})", list.join(", ")));
    }
    let dim = vector.len();
    if uses_pgvector(db).await? {
        let exact = scopes.within.is_some();
        filter.push_str(&scopes.sql("e", pg, ctx, &mut p));
        // The query vector travels in pgvector's binary form; its cast to the index's
        // dimension is done once per statement, in an InitPlan (as a plain cast, a
        // prepared statement's generic plan may evaluate it for every row it ranks).
        let q = p.push(pg_vector(&vector));
        let distance = format!("e.embedding::vector({dim}) <=> (SELECT {q}::vector({dim}))");
        // Index path: relaxed order lets the scan go on past `ef_search` candidates until
        // the filter has let `k` through; the outer ORDER BY restores the exact order of
        // what it found. Exact path: the similarity is no index's operator, so the
        // planner ranks every scoped vector.
        let statement = |exact: bool| {
            let order = if exact {
                "similarity DESC, e.node_id".to_owned()
            } else {
                distance.clone()
            };
            format!(
                "WITH near AS MATERIALIZED (
                   SELECT e.node_type, e.node_id, CAST(1 - ({distance}) AS DOUBLE PRECISION) AS similarity
                     FROM embeddings e WHERE e.model = {m} AND e.dimension = {dim}{filter}
                    ORDER BY {order} LIMIT {k})
                 SELECT * FROM near ORDER BY similarity DESC, node_id"
            )
        };
        // The search's candidate list and iterative scans, for this statement only.
        let iterative = if hnsw.max_scan_tuples == 0 {
            "off".to_owned()
        } else {
            // The bound is `max_scan_tuples`; pgvector also ends a scan at `work_mem` ×
            // `scan_mem_multiplier` of candidates (1 by default, 4 MB), which a selective
            // filter over a randomly built graph can reach first and leave a page short.
            format!(
                "relaxed_order; SET LOCAL hnsw.max_scan_tuples = {}; SET LOCAL hnsw.scan_mem_multiplier = 4",
                hnsw.max_scan_tuples
            )
        };
        let setup = format!(
            "SET LOCAL hnsw.ef_search = {}; SET LOCAL hnsw.iterative_scan = {iterative}",
            hnsw.ef_search
        );
        let values = p.values();
        let run = |sql: String| {
            let setup = setup.clone();
            let values = values.clone();
            crate::core::store::transaction(db, async move |txn| {
                txn.execute_unprepared(&setup).await?;
                Ok(txn
                    .query_all_raw(Statement::from_sql_and_values(backend, &sql, values))
                    .await?)
            })
        };
        let mut rows = run(statement(exact)).await?;
        let mut partial = false;
        if !exact && rows.len() < k {
            // A short page from the index: the scan may have ended before the bound (its
            // memory limit, or vectors its randomly built graph does not reach). When the
            // model holds no more vectors than the bound, ranking them all is within what
            // the scan was allowed to visit, so the page is ranked exactly instead; past
            // the bound, more matches may exist and the page says so.
            let bound = if hnsw.max_scan_tuples == 0 {
                hnsw.ef_search
            } else {
                hnsw.max_scan_tuples
            };
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    backend,
                    format!(
                        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM embeddings WHERE model = $1 LIMIT {}) x",
                        u64::from(bound) + 1
                    ),
                    [Value::from(model.to_owned())],
                ))
                .await?;
            let held = row
                .map(|r| r.try_get::<i64>("", "n"))
                .transpose()?
                .unwrap_or(0);
            if held > i64::from(bound) {
                partial = true;
            } else if hnsw.max_scan_tuples > 0 {
                rows = run(statement(true)).await?;
            }
        }
        let mut near = Vec::with_capacity(rows.len());
        for r in &rows {
            if let Some((ty, id)) = crate::search::text::node_of(r)? {
                let similarity = r.try_get("", "similarity")?;
                near.push(Near { ty, id, similarity });
            }
        }
        return Ok(Nearest { near, partial });
    }
    filter.push_str(&scopes.sql("e", pg, ctx, &mut p));
    // Exact, in the server: every vector of the model in scope.
    let sql = format!(
        "SELECT e.node_type, e.node_id, e.embedding AS v FROM embeddings e
          WHERE e.model = {m} AND e.dimension = {dim}{filter}"
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, &sql, p.values()))
        .await?;
    let mut candidates: Vec<(NodeType, Uuid, Vec<f64>)> = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some((ty, id)) = crate::search::text::node_of(r)? else {
            continue;
        };
        let v: Vec<f64> = if pg {
            let j: serde_json::Value = r.try_get("", "v")?;
            serde_json::from_value(j).unwrap_or_default()
        } else {
            let s: String = r.try_get("", "v")?;
            serde_json::from_str(&s).unwrap_or_default()
        };
        candidates.push((ty, id, v));
    }
    tokio::task::spawn_blocking(move || {
        let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        let qn = norm(&vector);
        let mut near: Vec<Near> = candidates
            .into_iter()
            .filter(|(_, _, v)| v.len() == vector.len())
            .map(|(ty, id, v)| {
                let dot: f64 = v.iter().zip(&vector).map(|(a, b)| a * b).sum();
                let n = norm(&v) * qn;
                Near {
                    ty,
                    id,
                    similarity: if n > 0.0 { dot / n } else { 0.0 },
                }
            })
            .collect();
        near.sort_by(|a, b| {
            b.similarity
                .total_cmp(&a.similarity)
                .then_with(|| a.id.cmp(&b.id))
        });
        near.truncate(k);
        Nearest {
            near,
            partial: false,
        }
    })
    .await
    .map_err(|e| AppError::Internal(format!("similarity: {e}")))
}

/// The stored embedding of `id` under `model`, in scope.
pub(super) async fn embedding_of(
    db: &sea_orm::DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    model: &str,
) -> AppResult<Vec<f64>> {
    let backend = db.get_database_backend();
    let mut p = crate::core::params::Params::new(backend);
    let (p1, p2) = (p.push(id), p.push(model.to_owned()));
    let filter = ctx.scope.sql_filter("e.ns", |ns| p.push(ns));
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT e.embedding AS v FROM embeddings e WHERE e.node_id = {p1} AND e.model = {p2}{filter}"),
            p.values(),
        ))
        .await?
        .ok_or_else(|| AppError::not_found(format!("an embedding of {id} under {model}")))?;
    let stored = format!("stored embedding of {id}");
    if backend != DbBackend::Postgres {
        let text: String = row.try_get("", "v")?;
        return serde_json::from_str(&text)
            .map_err(|e| AppError::Internal(format!("{stored}: {e}")));
    }
    // The column's own type says how it comes back (no catalogue read): pgvector's binary
    // form (single precision, as stored), or the JSON array of a database without it.
    if let Ok(v) = row.try_get::<sea_orm::prelude::PgVector>("", "v") {
        return Ok(v.as_slice().iter().map(|x| f64::from(*x)).collect());
    }
    let json: serde_json::Value = row.try_get("", "v")?;
    serde_json::from_value(json).map_err(|e| AppError::Internal(format!("{stored}: {e}")))
}

/// The built-in model's embedding of a query text (`field` names it in errors).
pub(crate) async fn embed_query(
    state: &crate::AppState,
    field: &str,
    text: &str,
) -> AppResult<Vec<f64>> {
    let Some(embedder) = &state.embedder else {
        return Err(AppError::bad_input(
            field,
            "this server has no embedding model: start it with --embedding-model-dir",
        ));
    };
    if text.trim().is_empty() || text.chars().count() > 10_000 {
        return Err(AppError::bad_input(field, "1 to 10,000 characters"));
    }
    let mut v = embedder.embed(vec![text.to_owned()]).await?;
    Ok(v.pop()
        .unwrap_or_default()
        .into_iter()
        .map(f64::from)
        .collect())
}

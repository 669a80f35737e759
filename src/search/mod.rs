//! Search: finding nodes by their text and by their vectors — full-text search with
//! ranking ([`text`]), vector similarity over pgvector or in process ([`vectors`]), the
//! built-in embedding model and its indexer ([`embedding`]), and the lineage scope both
//! can be limited to ([`scope`]). The Query and Mutation objects are here, their types in
//! [`types`].

use async_graphql::{Context, ID, Object, Result};

use crate::core::ids::{self, NodeType};
use crate::core::paging::{Page, PageArgs, Window};
use crate::error::AppError;
use crate::gql::api::deps;
use crate::gql::connection::{Conn, connection};
use crate::graph::load_node;
use scope::Scopes;
use text::{Ask, find, fused, parse};
use vectors::{check_model, check_vector, embed_query, embedding_of, nearest, set_embedding};

pub mod embedding;
pub mod scope;
pub mod text;
mod types;
pub mod vectors;

pub use types::*;

/// Search queries.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search over names, descriptions and the other text of nodes, best first.
    /// Words must all match (stemmed), `"a phrase"` matches in order, `prefix*` any word
    /// that begins so.
    #[expect(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The query.")] text: String,
        #[graphql(desc = "Only nodes of these types.")] types: Option<Vec<SearchType>>,
        #[graphql(desc = "Only this namespace and those under it.")] ns: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Only nodes in this node's lineage.")] within: Option<WithinLineage>,
        #[graphql(
            desc = "Only model versions with an approved, unexpired approval for their current stage."
        )]
        approved_only: Option<bool>,
        #[graphql(
            desc = "Only model versions whose latency_ms points of the last 24 hours have a p95 below this."
        )]
        max_p95_latency_ms: Option<f64>,
        #[graphql(
            desc = "Fuse the text ranking with vector similarity to the text's embedding (reciprocal rank fusion; needs --embedding-model-dir).",
            default = false
        )]
        hybrid: bool,
    ) -> Result<Conn<SearchHit>> {
        let scopes = Scopes::read(ctx, within, approved_only, max_p95_latency_ms).await?;
        let d = deps(ctx)?;
        let terms = parse(&text);
        if terms.is_empty() {
            return Err(AppError::bad_input("text", "give at least one word to search for").into());
        }
        if terms.len() > 32 {
            return Err(AppError::bad_input("text", "at most 32 terms").into());
        }
        let window = PageArgs::new(first, after, None, None, None).window(&d.state.limits)?;
        let (offset, limit) = match window {
            Window::Forward { start, limit } => (start, limit),
            Window::Tail { limit } => (0, limit),
        };
        let types: Vec<NodeType> = types
            .unwrap_or_default()
            .into_iter()
            .map(SearchType::node_type)
            .collect();
        let ask = Ask {
            terms: &terms,
            scopes: &scopes,
            types: &types,
            ns: ns.as_deref(),
            offset,
            limit,
            want_total: ctx.look_ahead().field("totalCount").exists(),
        };
        let (rows, has_next, total) = if hybrid {
            fused(&d, &text, &ask).await?
        } else {
            find(&d.db, d.rc, &ask).await?
        };
        let nodes =
            futures::future::try_join_all(rows.iter().map(|r| load_node(ctx, r.ty, r.id))).await?;
        let items = rows
            .into_iter()
            .zip(nodes)
            .filter_map(|(r, n)| {
                n.map(|node| SearchHit {
                    node,
                    rank: r.rank,
                    snippet: r.snippet,
                })
            })
            .collect();
        Ok(connection(Page {
            items,
            start: offset,
            has_next,
            total,
        }))
    }
}

/// Similarity queries.
#[derive(Default)]
pub struct SimilarityQuery;

#[Object]
impl SimilarityQuery {
    /// The nodes nearest to a node's embedding (`to`, itself left out), to a vector or to
    /// a text, under one embedding model, most similar first, with whether the index's
    /// bound cut the page short (`isPartial`).
    #[expect(clippy::too_many_arguments)]
    async fn similar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A node whose embedding under `model` is the query.")] to: Option<ID>,
        #[graphql(desc = "The query vector (instead of `to`).")] vector: Option<Vec<f64>>,
        #[graphql(
            desc = "A text, embedded with the built-in model (instead of `to` or `vector`; needs --embedding-model-dir)."
        )]
        text: Option<String>,
        #[graphql(
            desc = "The embedding model (default with `text`: the built-in all-MiniLM-L6-v2)."
        )]
        model: Option<String>,
        #[graphql(desc = "Only nodes of these types.")] types: Option<Vec<SearchType>>,
        #[graphql(desc = "How many (default 10, at most 100).", default = 10)] first: i32,
        #[graphql(desc = "Only nodes in this node's lineage.")] within: Option<
            crate::search::WithinLineage,
        >,
        #[graphql(
            desc = "Only model versions with an approved, unexpired approval for their current stage."
        )]
        approved_only: Option<bool>,
        #[graphql(
            desc = "Only model versions whose latency_ms points of the last 24 hours have a p95 below this."
        )]
        max_p95_latency_ms: Option<f64>,
    ) -> Result<SimilarResults> {
        let scopes =
            crate::search::scope::Scopes::read(ctx, within, approved_only, max_p95_latency_ms)
                .await?;
        let d = deps(ctx)?;
        let model = match (model, &text) {
            (Some(m), _) => m,
            (None, Some(_)) => crate::search::embedding::MODEL.to_owned(),
            (None, None) => {
                return Err(AppError::bad_input("model", "give the embedding model").into());
            }
        };
        check_model(&model)?;
        if !(1..=100).contains(&first) {
            return Err(AppError::bad_input("first", "must be between 1 and 100").into());
        }
        let (query, except) = match (to, vector, text) {
            (Some(to), None, None) => {
                let (_, id) = ids::decode_any(&to, "to")?;
                (embedding_of(d.reads(), d.rc, id, &model).await?, Some(id))
            }
            (None, Some(v), None) => {
                check_vector("vector", &v)?;
                (v, None)
            }
            (None, None, Some(t)) => {
                if model != crate::search::embedding::MODEL {
                    return Err(AppError::bad_input(
                        "model",
                        format!(
                            "`text` is embedded with the built-in {}",
                            crate::search::embedding::MODEL
                        ),
                    )
                    .into());
                }
                (embed_query(d.state, "text", &t).await?, None)
            }
            _ => {
                return Err(
                    AppError::bad_input("to", "give one of `to`, `vector` or `text`").into(),
                );
            }
        };
        let types: Vec<NodeType> = types
            .unwrap_or_default()
            .into_iter()
            .map(SearchType::node_type)
            .collect();
        let near = nearest(
            d.reads(),
            d.rc,
            d.state.limits.hnsw,
            &model,
            query,
            except,
            &types,
            None,
            &scopes,
            first as usize,
        )
        .await?;
        let nodes =
            futures::future::try_join_all(near.near.iter().map(|n| load_node(ctx, n.ty, n.id)))
                .await?;
        let hits = near
            .near
            .into_iter()
            .zip(nodes)
            .filter_map(|(n, node)| {
                node.map(|node| SimilarNode {
                    node,
                    similarity: n.similarity,
                })
            })
            .collect();
        Ok(SimilarResults {
            hits,
            is_partial: near.partial,
        })
    }
}

/// Similarity mutations.
#[derive(Default)]
pub struct SimilarityMutation;

#[Object]
impl SimilarityMutation {
    /// Sets a node's embedding under a model (replacing the previous one); the model's
    /// first vector fixes its dimension. EDITOR on the node's namespace.
    async fn set_embedding(
        &self,
        ctx: &Context<'_>,
        node: ID,
        model: String,
        vector: Vec<f64>,
    ) -> Result<EmbeddingSet> {
        let d = deps(ctx)?;
        let dim = set_embedding(
            &d.state.db,
            d.rc,
            d.state.limits.hnsw,
            &node,
            &model,
            &vector,
        )
        .await?;
        Ok(EmbeddingSet {
            model,
            dimension: dim as i32,
        })
    }
}

//! The search domain's GraphQL types: full-text hits, similarity results, the lineage
//! scope of a search.

use async_graphql::{Enum, SimpleObject};

use crate::core::ids::NodeType;
use crate::graph::Node;

/// One hit of a search.
#[derive(SimpleObject)]
pub struct SearchHit {
    /// The node found.
    pub node: Node,
    /// Its relevance (higher is better; comparable within one search only).
    pub rank: f64,
    /// Its text around the matches, with each match between `**` and `**`.
    pub snippet: String,
}

/// Searchable node types (those with a search document).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SearchType {
    /// Workflows.
    Workflow,
    /// Datasets.
    Dataset,
    /// Dataset versions (title: the dataset's name and version; body: column names).
    DatasetVersion,
    /// Models.
    Model,
    /// Model versions (title: the model's name and version).
    ModelVersion,
    /// Experiments.
    Experiment,
    /// Training jobs.
    TrainingJob,
    /// Endpoints.
    Endpoint,
}

impl SearchType {
    pub(crate) fn node_type(self) -> NodeType {
        match self {
            SearchType::Workflow => NodeType::Workflow,
            SearchType::Dataset => NodeType::Dataset,
            SearchType::DatasetVersion => NodeType::DatasetVersion,
            SearchType::Model => NodeType::Model,
            SearchType::ModelVersion => NodeType::ModelVersion,
            SearchType::Experiment => NodeType::Experiment,
            SearchType::TrainingJob => NodeType::TrainingJob,
            SearchType::Endpoint => NodeType::Endpoint,
        }
    }
}

/// Only nodes in a node's lineage (reached from it within `depth` edges).
#[derive(async_graphql::InputObject, Debug, Clone)]
pub struct WithinLineage {
    /// The node whose lineage bounds the answer (itself left out).
    pub lineage_of: async_graphql::ID,
    /// Which way to walk from it.
    #[graphql(default_with = "crate::lineage::LineageDirection::Both")]
    pub direction: crate::lineage::LineageDirection,
    /// How far (default 3; at most the server's `--max-lineage-depth`).
    pub depth: Option<i32>,
    /// Only follow these edge kinds.
    pub kinds: Option<Vec<String>>,
}

/// A node near another, with its cosine similarity.
#[derive(SimpleObject)]
pub struct SimilarNode {
    /// The node.
    pub node: Node,
    /// Cosine similarity, from -1 to 1 (1: the same direction).
    pub similarity: f64,
}

/// The answer of `similar`.
#[derive(SimpleObject)]
pub struct SimilarResults {
    /// The nearest nodes, most similar first.
    pub hits: Vec<SimilarNode>,
    /// The index scan stopped at its bound (`--hnsw-max-scan-tuples`) before the page was
    /// full: more matches of the filters may exist (raise the bound, or narrow the
    /// search, e.g. with `within`). Never set for exact answers (SQLite, lineage
    /// scopes).
    pub is_partial: bool,
}

/// What `setEmbedding` stored.
#[derive(SimpleObject)]
pub struct EmbeddingSet {
    /// The embedding model.
    pub model: String,
    /// Its dimension.
    pub dimension: i32,
}

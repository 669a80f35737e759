//! Full-text search over the registry: `search(text:, types:, ns:, first:, after:)`.
//!
//! Every searchable node has a search document (a title — its name — and a body of its
//! other text: description, task, framework, storage URIs, a dataset version's column
//! names, ...) kept current by triggers in the database (see migration
//! `m20261201_000015_search`): a weighted `tsvector` (title A, body B) with a GIN index on
//! PostgreSQL, an FTS5 table with Porter stemming on SQLite.
//!
//! The query language: words must all occur (stemmed: `model` finds `models`), `"two
//! words"` is a phrase, `fraud*` a prefix; anything else is ignored. Ranking: PostgreSQL's
//! `ts_rank` (term frequency, title weighted over body: half the cost of `ts_rank_cd`'s
//! cover density over a common word's 20,000 matches); SQLite's `bm25` (title
//! weighted 10 to the body's 1). Ties by node id. The caller's scope filters in SQL.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::api::deps;
use crate::core::ids::NodeType;
use crate::core::paging::{Conn, Page, PageArgs, Window, connection};
use crate::error::{AppError, AppResult};
use crate::graph::{Node, load_node};

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Word(String),
    Prefix(String),
    Phrase(Vec<String>),
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// Reads a query: quoted phrases, `prefix*`, and words (everything else is a separator).
fn parse(text: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    for (i, part) in text.split('"').enumerate() {
        if i % 2 == 1 {
            let ws = words(part);
            match ws.len() {
                0 => {}
                1 => terms.push(Term::Word(ws.into_iter().next().unwrap_or_default())),
                _ => terms.push(Term::Phrase(ws)),
            }
            continue;
        }
        for token in part.split_whitespace() {
            let prefix = token.ends_with('*');
            let ws = words(token);
            let n = ws.len();
            for (j, w) in ws.into_iter().enumerate() {
                if prefix && j + 1 == n {
                    terms.push(Term::Prefix(w));
                } else {
                    terms.push(Term::Word(w));
                }
            }
        }
    }
    terms
}

/// The terms as a PostgreSQL `tsquery` (every lexeme quoted: only letters and digits).
fn tsquery(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|t| match t {
            Term::Word(w) => format!("'{w}'"),
            Term::Prefix(w) => format!("'{w}':*"),
            Term::Phrase(ws) => format!(
                "({})",
                ws.iter()
                    .map(|w| format!("'{w}'"))
                    .collect::<Vec<_>>()
                    .join(" <-> ")
            ),
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The terms as an FTS5 query (every term quoted).
fn fts5(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|t| match t {
            Term::Word(w) => format!("\"{w}\""),
            Term::Prefix(w) => format!("\"{w}\"*"),
            Term::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

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

/// A matching document, before its node is loaded.
struct Row {
    ty: NodeType,
    id: Uuid,
    rank: f64,
    snippet: String,
}

/// The node a result row names in its `node_type` and `node_id` columns; `None` for a
/// type this build does not know.
pub(crate) fn node_of(r: &sea_orm::QueryResult) -> AppResult<Option<(NodeType, Uuid)>> {
    let ty: String = r.try_get("", "node_type")?;
    Ok(match NodeType::from_name(&ty) {
        Some(ty) => Some((ty, r.try_get("", "node_id")?)),
        None => None,
    })
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

/// What one search asks.
struct Ask<'a> {
    terms: &'a [Term],
    scopes: &'a Scopes,
    types: &'a [NodeType],
    ns: Option<&'a str>,
    offset: u64,
    limit: u64,
    want_total: bool,
}

/// The matching documents of one page, and their count when asked (a second statement,
/// sent at the same time).
async fn find(
    db: &impl ConnectionTrait,
    ctx: &crate::core::context::RequestContext,
    ask: &Ask<'_>,
) -> AppResult<(Vec<Row>, bool, Option<u64>)> {
    let backend = db.get_database_backend();
    let pg = backend == DbBackend::Postgres;
    let mut p = crate::core::params::Params::new(backend);
    let q = p.push(if pg {
        tsquery(ask.terms)
    } else {
        fts5(ask.terms)
    });
    // SQLite's FTS functions name the table itself, so it goes unaliased there.
    let t = if pg { "d" } else { "search_fts" };
    let mut filter = ctx.scope.sql_filter(&format!("{t}.ns"), |v| p.push(v));
    if let Some(ns) = ask.ns {
        let exact = p.push(ns.to_owned());
        let under = p.push(format!("{}/%", crate::core::filter::escape_like(ns)));
        filter.push_str(&format!(
            " AND ({t}.ns = {exact} OR {t}.ns LIKE {under} ESCAPE '\\')"
        ));
    }
    if !ask.types.is_empty() {
        let list: Vec<String> = ask
            .types
            .iter()
            .map(|ty| p.push(ty.name().to_owned()))
            .collect();
        filter.push_str(&format!(" AND {t}.node_type IN ({})", list.join(", ")));
    }
    filter.push_str(&ask.scopes.sql(t, pg, ctx, &mut p));
    let (matches, rank, snippet, from) = if pg {
        (
            "d.tsv @@ tq.q".to_owned(),
            "CAST(ts_rank(d.tsv, tq.q) AS DOUBLE PRECISION)".to_owned(),
            format!(
                "ts_headline('english', s.title || ' — ' || s.body, to_tsquery('english', {q}), \
                 'StartSel=**, StopSel=**, MaxWords=24, MinWords=8, MaxFragments=2')"
            ),
            // The query parsed once, not per row (a prepared statement's generic plan
            // would call `to_tsquery($1)` for every match it ranks).
            format!("search_documents d CROSS JOIN to_tsquery('english', {q}) AS tq(q)"),
        )
    } else {
        (
            format!("search_fts MATCH {q}"),
            "-bm25(search_fts, 0.0, 0.0, 0.0, 10.0, 1.0)".to_owned(),
            "p.snippet".to_owned(),
            "search_fts".to_owned(),
        )
    };
    let inner_snippet = if pg {
        String::new()
    } else {
        ", snippet(search_fts, -1, '**', '**', '…', 16) AS snippet".to_owned()
    };
    // PostgreSQL ranks ids only, and reads the texts of the page's rows for their
    // snippets: the sort then holds three columns per match, not documents.
    let (texts, document) = if pg {
        ("", " JOIN search_documents s ON s.node_id = p.node_id")
    } else {
        (", search_fts.title, search_fts.body", "")
    };
    let page = format!(
        "SELECT p.node_type, p.node_id, p.rank, {snippet} AS snippet FROM (
           SELECT {t}.node_type, {t}.node_id{texts}, {rank} AS rank{inner_snippet}
             FROM {from} WHERE {matches}{filter}
            ORDER BY rank DESC, {t}.node_id LIMIT {limit} OFFSET {offset}) p{document}
         ORDER BY p.rank DESC, p.node_id",
        limit = ask.limit + 1,
        offset = ask.offset,
    );
    // The total, when asked, is a count of its own, sent beside the page: a window count
    // in the page's statement would hold every match in a tuplestore before the top-N
    // sort (52,000 matches of a common word: 42 ms against 23 ms for the page and 8 ms
    // for the count on their own).
    let values = p.values();
    let count = async {
        if !ask.want_total {
            return Ok(None);
        }
        let count = format!("SELECT COUNT(*) AS n FROM {from} WHERE {matches}{filter}");
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                &count,
                values.clone(),
            ))
            .await?;
        AppResult::Ok(Some(
            row.map(|r| r.try_get::<i64>("", "n"))
                .transpose()?
                .map_or(0, |n| n.max(0) as u64),
        ))
    };
    let rows = async {
        AppResult::Ok(
            db.query_all_raw(Statement::from_sql_and_values(
                backend,
                &page,
                values.clone(),
            ))
            .await?,
        )
    };
    let (rows, total) = tokio::try_join!(rows, count)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some((ty, id)) = node_of(r)? else {
            continue;
        };
        out.push(Row {
            ty,
            id,
            rank: r.try_get::<f64>("", "rank").unwrap_or_default(),
            snippet: r.try_get::<String>("", "snippet").unwrap_or_default(),
        });
    }
    let has_next = out.len() as u64 > ask.limit;
    out.truncate(ask.limit as usize);
    Ok((out, has_next, total))
}

/// The constant of reciprocal rank fusion: a hit at rank r in a list scores 1 / (K + r).
pub const RRF_K: f64 = 60.0;
/// How deep hybrid search reads each list.
pub const HYBRID_DEPTH: u64 = 1000;

/// Reciprocal rank fusion of ranked lists of nodes: each node scores the sum of
/// 1 / ([`RRF_K`] + its 1-based rank) over the lists it is in; best first, ties by id.
pub fn rrf(lists: &[Vec<(NodeType, Uuid)>]) -> Vec<((NodeType, Uuid), f64)> {
    let mut score: std::collections::HashMap<(NodeType, Uuid), f64> = Default::default();
    for list in lists {
        for (i, key) in list.iter().enumerate() {
            *score.entry(*key).or_default() += 1.0 / (RRF_K + i as f64 + 1.0);
        }
    }
    let mut out: Vec<_> = score.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.1.cmp(&b.0.1)));
    out
}

/// Hybrid search: the text matches and the nearest embeddings (built-in model) of the
/// query text, each read to the end of the page asked for, fused by [`rrf`]; the page is
/// cut from the fused list. Hits found by vector only have an empty snippet.
async fn fused(
    d: &crate::api::Deps<'_>,
    text: &str,
    ask: &Ask<'_>,
) -> AppResult<(Vec<Row>, bool, Option<u64>)> {
    let query = crate::similarity::embed_query(d.state, "text", text).await?;
    let depth = (ask.offset + ask.limit + 1).min(HYBRID_DEPTH);
    let text_ask = Ask {
        offset: 0,
        limit: depth,
        want_total: false,
        ..*ask
    };
    let (text_rows, _, _) = find(&d.db, d.rc, &text_ask).await?;
    let near = crate::similarity::nearest(
        d.reads(),
        d.rc,
        d.state.limits.hnsw,
        crate::embedding::MODEL,
        query,
        None,
        ask.types,
        ask.ns,
        ask.scopes,
        depth as usize,
    )
    .await?;
    let mut snippets: std::collections::HashMap<Uuid, String> = text_rows
        .iter()
        .map(|r| (r.id, r.snippet.clone()))
        .collect();
    let lists = [
        text_rows.iter().map(|r| (r.ty, r.id)).collect::<Vec<_>>(),
        near.near.iter().map(|n| (n.ty, n.id)).collect(),
    ];
    let all = rrf(&lists);
    let total = all.len() as u64;
    let rows: Vec<Row> = all
        .into_iter()
        .skip(ask.offset as usize)
        .take(ask.limit as usize + 1)
        .map(|((ty, id), rank)| Row {
            ty,
            id,
            rank,
            snippet: snippets.remove(&id).unwrap_or_default(),
        })
        .collect();
    let has_next = rows.len() as u64 > ask.limit;
    let mut rows = rows;
    rows.truncate(ask.limit as usize);
    Ok((rows, has_next, ask.want_total.then_some(total)))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_parse_into_words_phrases_and_prefixes() {
        let t = parse(r#"card "fraud detector" merch* it's"#);
        assert_eq!(
            t,
            vec![
                Term::Word("card".into()),
                Term::Phrase(vec!["fraud".into(), "detector".into()]),
                Term::Prefix("merch".into()),
                Term::Word("it".into()),
                Term::Word("s".into()),
            ]
        );
        assert_eq!(
            tsquery(&t[..3]),
            "'card' & ('fraud' <-> 'detector') & 'merch':*"
        );
        assert_eq!(fts5(&t[..3]), r#""card" "fraud detector" "merch"*"#);
        assert!(parse("!!! ''' ---").is_empty());
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

/// The most nodes a lineage scope may hold.
pub const MAX_LINEAGE_SCOPE: usize = 100_000;

/// A lineage scope, as a statement filters by it.
#[derive(Debug)]
pub(crate) enum Within {
    /// PostgreSQL: walked by the statement itself (see `Reach::pg_array`), in the
    /// caller's scope.
    Walk(crate::lineage::service::Reach),
    /// SQLite: the reached ids, walked beforehand.
    Ids(Vec<Uuid>),
}

/// Scopes of a search or similarity query beyond the caller's namespaces.
#[derive(Debug, Default)]
pub(crate) struct Scopes {
    /// Only these nodes (a lineage scope).
    pub within: Option<Within>,
    /// Only model versions with an approved, unexpired approval for their current stage.
    pub approved_only: bool,
    /// Only model versions whose `latency_ms` points of the last 24 hours have a p95
    /// below this.
    pub max_p95_latency_ms: Option<f64>,
}

impl Scopes {
    /// Reads the arguments: walks the lineage scope (in the caller's scope, at the
    /// request's instant).
    pub(crate) async fn read(
        ctx: &Context<'_>,
        within: Option<WithinLineage>,
        approved_only: Option<bool>,
        max_p95_latency_ms: Option<f64>,
    ) -> Result<Scopes> {
        if let Some(m) = max_p95_latency_ms
            && !(m.is_finite() && m > 0.0)
        {
            return Err(AppError::bad_input("maxP95LatencyMs", "must be a positive number").into());
        }
        let d = deps(ctx)?;
        let within = match within {
            None => None,
            Some(w) => {
                let start = crate::core::ids::decode_any(&w.lineage_of, "within.lineageOf")?;
                let max = d.state.limits.max_lineage_depth;
                let depth = w.depth.unwrap_or(3);
                if depth < 1 || depth as u32 > max {
                    return Err(AppError::bad_input(
                        "within.depth",
                        format!("must be between 1 and {max}"),
                    )
                    .into());
                }
                let reach = crate::lineage::service::Reach {
                    start,
                    direction: w.direction.into(),
                    depth: depth as u32,
                    kinds: w.kinds,
                    cap: MAX_LINEAGE_SCOPE,
                };
                let not_found = || AppError::NotFound {
                    what: format!("{} {} (within.lineageOf)", start.0.name(), start.1),
                };
                // PostgreSQL walks the scope inside the statement that filters by it.
                if d.db.get_database_backend() == DbBackend::Postgres {
                    if !reach.start_found(&d.db, d.rc).await? {
                        return Err(not_found().into());
                    }
                    Some(Within::Walk(reach))
                } else {
                    let Some(ids) = reach.ids(&d.db, d.rc).await? else {
                        return Err(not_found().into());
                    };
                    Some(Within::Ids(ids))
                }
            }
        };
        Ok(Scopes {
            within,
            approved_only: approved_only.unwrap_or(false),
            max_p95_latency_ms,
        })
    }

    /// The scopes as SQL over the node columns of `t` (`node_type`, `node_id`), for the
    /// caller `ctx` (whose scope a lineage walk keeps to).
    pub(crate) fn sql(
        &self,
        t: &str,
        pg: bool,
        ctx: &crate::core::context::RequestContext,
        p: &mut crate::core::params::Params,
    ) -> String {
        let mut out = String::new();
        match &self.within {
            None => {}
            Some(Within::Walk(reach)) => {
                let ids = reach.pg_array(ctx, &mut |v| p.push(v));
                out.push_str(&format!(" AND {t}.node_id = ANY({ids})"));
            }
            Some(Within::Ids(ids)) => {
                let list: Vec<String> = ids.iter().map(|u| format!("\"{u}\"")).collect();
                let ids = p.push(format!("[{}]", list.join(",")));
                out.push_str(&format!(
                    " AND {t}.node_id IN (SELECT unhex(replace(value, '-', '')) FROM json_each({ids}))"
                ));
            }
        }
        if self.approved_only {
            let now = p.push(chrono::Utc::now());
            out.push_str(&format!(
                " AND {t}.node_type = 'ModelVersion' AND EXISTS (
                    SELECT 1 FROM approvals a JOIN model_versions mv ON mv.id = a.model_version_id
                     WHERE a.model_version_id = {t}.node_id AND a.status = 'APPROVED'
                       AND a.target_stage = mv.stage AND a.expires_at > {now})"
            ));
        }
        if let Some(max) = self.max_p95_latency_ms {
            let since = p.push(chrono::Utc::now() - chrono::Duration::hours(24));
            let max = p.push(max);
            let points = format!(
                "FROM metric_points mp WHERE mp.model_version_id = {t}.node_id \
                 AND mp.name = 'latency_ms' AND mp.ts >= {since}"
            );
            // PostgreSQL: the exact (interpolated) p95; SQLite: the nearest rank below it
            // (p95 < max exactly when more points than that rank lie below max).
            let below = if pg {
                format!(
                    "(SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY mp.value) {points}) < {max}"
                )
            } else {
                format!(
                    "(SELECT COUNT(*) {points} AND mp.value < {max}) > \
                     (SELECT CAST(0.95 * (COUNT(*) - 1) AS INTEGER) {points})"
                )
            };
            out.push_str(&format!(" AND {t}.node_type = 'ModelVersion' AND {below}"));
        }
        out
    }
}

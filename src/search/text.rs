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

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::scope::Scopes;
use crate::core::ids::NodeType;
use crate::error::AppResult;

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Term {
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
pub(super) fn parse(text: &str) -> Vec<Term> {
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

/// A matching document, before its node is loaded.
pub(super) struct Row {
    pub(super) ty: NodeType,
    pub(super) id: Uuid,
    pub(super) rank: f64,
    pub(super) snippet: String,
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

/// What one search asks.
pub(super) struct Ask<'a> {
    pub(super) terms: &'a [Term],
    pub(super) scopes: &'a Scopes,
    pub(super) types: &'a [NodeType],
    pub(super) ns: Option<&'a str>,
    pub(super) offset: u64,
    pub(super) limit: u64,
    pub(super) want_total: bool,
}

/// The matching documents of one page, and their count when asked (a second statement,
/// sent at the same time).
pub(super) async fn find(
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
        let under = p.push(format!("{}/%", crate::core::like::escape_like(ns)));
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
pub(super) async fn fused(
    d: &crate::gql::api::Deps<'_>,
    text: &str,
    ask: &Ask<'_>,
) -> AppResult<(Vec<Row>, bool, Option<u64>)> {
    let query = crate::search::vectors::embed_query(d.state, "text", text).await?;
    let depth = (ask.offset + ask.limit + 1).min(HYBRID_DEPTH);
    let text_ask = Ask {
        offset: 0,
        limit: depth,
        want_total: false,
        ..*ask
    };
    let (text_rows, _, _) = find(&d.db, d.rc, &text_ask).await?;
    let near = crate::search::vectors::nearest(
        d.reads(),
        d.rc,
        d.state.limits.hnsw,
        crate::search::embedding::MODEL,
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

//! The traversal's SQL: one step of the unified relation, and the recursive walk in one
//! direction for SQLite (over the `lineage_edges` view) and PostgreSQL (a breadth-first
//! search over `lineage_links`).

use sea_orm::{DbBackend, Value};

use crate::core::ids::NodeType;

pub(super) struct Sql {
    pub(super) backend: DbBackend,
    pub(super) text: String,
    pub(super) values: Vec<Value>,
}

impl Sql {
    pub(super) fn param(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        match self.backend {
            // Numbered in both dialects: a parameter may appear several times.
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => format!("?{}", self.values.len()),
        }
    }
}

/// Where a traversal step starts: the columns of a row holding a node (`t`, `id`).
pub(super) struct At<'a> {
    pub(super) t: &'a str,
    pub(super) id: &'a str,
}

/// One traversal step from the node at `at`, as a join with its neighbours
/// `n(t, id, kind, ns, edge_id)` in the walk's direction (`walking_up`: its upstream
/// neighbours).
///
/// PostgreSQL probes `lineage_links`, the relation materialised and indexed by either end,
/// by id alone (see [`bfs_cte`]): the index covers the step. SQLite joins the
/// `lineage_edges` view, whose branches it probes by index itself. Both are generated
/// from `lineage_relation`.
pub(super) fn step(pg: bool, walking_up: bool, at: At<'_>) -> String {
    let (here, next) = if walking_up {
        ("down", "up")
    } else {
        ("up", "down")
    };
    let (relation, same_type) = if pg {
        ("lineage_links", String::new())
    } else {
        ("lineage_edges", format!(" AND n.ht = {}", at.t))
    };
    format!(
        "JOIN (SELECT {next}_type AS t, {next}_id AS id, kind, ns, edge_id, {here}_type AS ht, {here}_id AS hid FROM {relation}) n
           ON n.hid = {id}{same_type}",
        id = at.id
    )
}

/// The walk CTE in one direction on SQLite: every `(node, depth)` reached from each root,
/// deduplicated per depth so that the work is bounded by nodes × depth, not by the number
/// of paths.
pub(super) fn walk_cte(name: &str, walking_up: bool, depth: u32, filters: &str) -> String {
    format!(
        "{name}(rt, rid, t, id, depth) AS (
            SELECT rt, rid, rt, rid, 0 FROM roots
            UNION
            SELECT w.rt, w.rid, n.t, n.id, w.depth + 1
            FROM {name} w {step}
            WHERE w.depth < {depth}{filters}
        )",
        step = step(
            false,
            walking_up,
            At {
                t: "w.t",
                id: "w.id"
            }
        )
    )
}

/// The walk CTE in one direction on PostgreSQL: a breadth-first search that holds one row
/// per (root, level) with the level's nodes and every node seen so far as arrays. A level
/// is one index scan of `lineage_links` for the whole frontier (`= ANY`, which PostgreSQL
/// walks in key order), minus the nodes already seen (a hashed `EXCEPT`). Each node is
/// expanded once, at its minimum distance, however many paths lead to it.
///
/// Nodes are matched by id alone: ids are UUIDs minted by the server, unique across types.
/// So the walk needs the reached nodes' types only when the answer does (`typed`: edges,
/// paths, or a node-type filter); without them it carries ids alone, and the page looks
/// up the types of its own rows (see [`traverse`]).
///
/// With a `budget`, the walk expands no level once it has reached that many nodes (the
/// start aside): the level that crossed it is its last.
pub(super) fn bfs_cte(
    name: &str,
    walking_up: bool,
    depth: u32,
    filters: &str,
    typed: bool,
    budget: Option<usize>,
) -> String {
    let (here, next) = if walking_up {
        ("down", "up")
    } else {
        ("up", "down")
    };
    // A typed walk carries each level's types (`ts`) and the seen nodes' (`seen_t`) beside
    // the ids, in the same order.
    let t = |typed_part: &str| {
        if typed {
            typed_part.to_owned()
        } else {
            String::new()
        }
    };
    format!(
        "{name}(rt, rid, depth, ids, seen{cols}) AS (
            SELECT rt, rid, 0, ARRAY[rid], ARRAY[rid]{start} FROM roots
            UNION ALL
            SELECT b.rt, b.rid, b.depth + 1, nx.ids, b.seen || nx.ids{step}
            FROM {name} b CROSS JOIN LATERAL (
                SELECT array_agg(c.id) AS ids{agg} FROM (
                    SELECT n.{next}_id{next_t} FROM lineage_links n
                     WHERE n.{here}_id = ANY(b.ids){filters}
                    EXCEPT
                    SELECT * FROM unnest(b.seen{seen_t})
                ) c(id{c_t})
            ) nx
            WHERE b.depth < {depth} AND nx.ids IS NOT NULL{reach}
        )",
        reach = budget
            .map(|n| format!(" AND cardinality(b.seen) - 1 < {n}"))
            .unwrap_or_default(),
        cols = t(", ts, seen_t"),
        start = t(", ARRAY[rt], ARRAY[rt]"),
        step = t(", nx.ts, b.seen_t || nx.ts"),
        agg = t(", array_agg(c.t) AS ts"),
        next_t = t(&format!(", n.{next}_type")),
        seen_t = t(", b.seen_t"),
        c_t = t(", t"),
    )
}

pub(super) fn parse_type(s: Option<String>) -> Option<NodeType> {
    s.as_deref().and_then(NodeType::from_name)
}

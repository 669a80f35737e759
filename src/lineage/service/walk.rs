//! The traversal: every start node of a batch walked in one statement, its rows read
//! back into one subgraph per start.

use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::core::context::RequestContext;
use crate::core::ids::NodeType;
use crate::error::AppResult;

use super::answer::answer;
use super::sql::*;

/// Which way to walk.
#[derive(Copy, Clone, Eq, PartialEq, Debug, Hash)]
pub enum LineageDirection {
    /// What the start was made from or depends on.
    Upstream,
    /// What is affected if the start changes (impact).
    Downstream,
    /// Both.
    Both,
}

/// What a traversal asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TraversalArgs {
    /// Direction.
    pub direction: LineageDirection,
    /// Maximum distance from the start.
    pub depth: u32,
    /// Only follow edges of these kinds.
    pub kinds: Option<Vec<String>>,
    /// Only report nodes of these types (traversal still passes through others).
    pub node_types: Option<Vec<NodeType>>,
    /// Page size.
    pub first: usize,
    /// Nodes to skip.
    pub offset: usize,
    /// Whether to collect the edges among reached nodes (for `edges`, `path`, `hasCycle`).
    pub with_edges: bool,
    /// Whether to check, in the same statement, that each start exists in scope
    /// ([`Subgraph::start_found`]).
    pub check_start: bool,
    /// Most nodes the walk reaches (PostgreSQL): it stops after the level that reaches
    /// them, and the answer is partial. `None`: no bound but the depth.
    pub max_reach: Option<usize>,
}

/// A node reached by a traversal.
#[derive(Debug, Clone)]
pub struct Reached {
    /// Its type and id.
    pub node: (NodeType, Uuid),
    /// Minimum number of edges from the start.
    pub distance: u32,
    /// Whether it was reached walking upstream (else downstream).
    pub upstream: bool,
    /// One shortest path from the start to it (start first, it last).
    pub path: Vec<(NodeType, Uuid)>,
}

/// An edge of the reached subgraph, normalised: `up` is upstream of `down`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LineageEdgeRow {
    /// Edge kind.
    pub kind: String,
    /// The upstream end.
    pub up: (NodeType, Uuid),
    /// The downstream end.
    pub down: (NodeType, Uuid),
    /// The explicit edge row, when it is one (implicit edges are foreign keys).
    pub edge_id: Option<Uuid>,
}

/// The answer for one start node.
#[derive(Debug, Clone, Default)]
pub struct Subgraph {
    /// The page of reached nodes, nearest first.
    pub nodes: Vec<Reached>,
    /// Edges between the start and the nodes of this page.
    pub edges: Vec<LineageEdgeRow>,
    /// Reached nodes (of the requested types) across all pages.
    pub total: usize,
    /// Whether the depth cap or the page cut the answer.
    pub is_partial: bool,
    /// Whether the reached subgraph contains a cycle.
    pub has_cycle: bool,
    /// Whether the start exists in the caller's scope (only checked with
    /// [`TraversalArgs::check_start`]).
    pub start_found: bool,
}

/// Walks from every root in one statement and answers one subgraph per root.
pub async fn traverse(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    roots: &[(NodeType, Uuid)],
    args: &TraversalArgs,
) -> AppResult<HashMap<(NodeType, Uuid), Subgraph>> {
    let started = std::time::Instant::now();
    let out = traverse_inner(db, ctx, roots, args).await;
    if let Ok(graphs) = &out {
        crate::telemetry::metrics::lineage_traversal(
            started.elapsed(),
            graphs.values().map(|g| g.total),
        );
    }
    out
}

async fn traverse_inner(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    roots: &[(NodeType, Uuid)],
    args: &TraversalArgs,
) -> AppResult<HashMap<(NodeType, Uuid), Subgraph>> {
    if roots.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let pg = backend == DbBackend::Postgres;
    let mut sql = Sql {
        backend,
        text: String::new(),
        values: Vec::new(),
    };

    let mut values = Vec::new();
    for (t, id) in roots {
        let pt = sql.param(t.name());
        let pi = sql.param(*id);
        values.push(if pg {
            format!("({pt}::text, {pi}::uuid)")
        } else {
            format!("({pt}, {pi})")
        });
    }
    let mut filters = String::new();
    if let Some(kinds) = args.kinds.as_ref().filter(|k| !k.is_empty()) {
        let list: Vec<String> = kinds.iter().map(|k| sql.param(k.clone())).collect();
        filters.push_str(&format!(" AND n.kind IN ({})", list.join(", ")));
    }
    // The caller's scope, as a condition on the `ns` column of `alias`.
    let in_scope = |sql: &mut Sql, alias: &str| {
        ctx.scope
            .sql_filter(&format!("{alias}.ns"), |v| sql.param(v))
    };
    filters.push_str(&in_scope(&mut sql, "n"));
    let depth = args.depth;
    let up = matches!(
        args.direction,
        LineageDirection::Upstream | LineageDirection::Both
    );
    let down = matches!(
        args.direction,
        LineageDirection::Downstream | LineageDirection::Both
    );
    let null_uuid = if pg { "CAST(NULL AS uuid)" } else { "NULL" };
    let null_text = "CAST(NULL AS TEXT)";
    let null_int = "CAST(NULL AS BIGINT)";
    // Without edges or a type filter, PostgreSQL walks ids alone (see `bfs_cte`).
    let typed = !pg || args.with_edges || args.node_types.as_ref().is_some_and(|ts| !ts.is_empty());
    // One direction without types: count and page straight from the walk's levels, never
    // listing more reached nodes than the page needs.
    let lean = pg && !typed && !(up && down);
    let mut lean_walk = None;
    let mut ctes = vec![format!("roots(rt, rid) AS (VALUES {})", values.join(", "))];
    // Per direction: the nodes (with their minimum depth), the edges among them (oriented:
    // a = upstream end, b = downstream end), and a marker when the depth cap cut the walk.
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut frontier = Vec::new();
    for (walking_up, walk, reached) in [
        (true, "walk_up", "reached_up"),
        (false, "walk_down", "reached_down"),
    ] {
        if (walking_up && !up) || (!walking_up && !down) {
            continue;
        }
        if pg {
            ctes.push(bfs_cte(
                walk,
                walking_up,
                depth,
                &filters,
                typed,
                args.max_reach,
            ));
        } else {
            ctes.push(walk_cte(walk, walking_up, depth, &filters));
        }
        // The depth cap cut the walk if any node at the cap has a further edge: one row
        // per root at most, found at the first such node (PostgreSQL reads the walk's
        // last level lazily). So did the reach budget, at the level that crossed it (the
        // only one to reach it, the walk's last).
        let capped = if pg {
            let last = match args.max_reach {
                Some(budget) => {
                    format!("(b.depth = {depth} OR cardinality(b.seen) - 1 >= {budget})")
                }
                None => format!("b.depth = {depth}"),
            };
            format!(
                "{walk} b CROSS JOIN LATERAL unnest(b.ids) u(id) WHERE b.rid = ro.rid AND {last}"
            )
        } else {
            format!("{reached} u WHERE u.rt = ro.rt AND u.rid = ro.rid AND u.depth = {depth}")
        };
        let u_step = step(
            pg,
            walking_up,
            At {
                t: "u.t",
                id: "u.id",
            },
        );
        frontier.push(format!(
            "SELECT 'P', ro.rt, ro.rid, {null_text}, {null_uuid}, {null_text}, {null_uuid}, {null_int}, {null_int}, {null_text}, {null_uuid}, {null_int}
               FROM roots ro WHERE EXISTS (
                 SELECT 1 FROM {capped}
                    AND EXISTS (SELECT 1 FROM (SELECT 1 AS one) one {u_step} WHERE 1 = 1{filters}))",
        ));
        if lean {
            // Count and page come from the walk itself (below).
            lean_walk = Some((walk, walking_up));
            continue;
        }
        ctes.push(if !pg {
            format!(
                "{reached} AS (SELECT rt, rid, t, id, MIN(depth) AS depth FROM {walk} GROUP BY rt, rid, t, id)"
            )
        } else if typed {
            format!(
                "{reached} AS (SELECT b.rt, b.rid, u.t, u.id, b.depth FROM {walk} b CROSS JOIN LATERAL unnest(b.ts, b.ids) u(t, id))"
            )
        } else {
            format!(
                "{reached} AS (SELECT b.rt, b.rid, {null_text} AS t, u.id, b.depth FROM {walk} b CROSS JOIN LATERAL unnest(b.ids) u(id))"
            )
        });
        let flag = i32::from(walking_up);
        nodes.push(format!(
            "SELECT rt, rid, t, id, depth, {flag} AS up FROM {reached}"
        ));
        if args.with_edges {
            let r_step = step(
                pg,
                walking_up,
                At {
                    t: "r.t",
                    id: "r.id",
                },
            );
            let a = if walking_up {
                "e.nt, e.nid, e.ht, e.hid"
            } else {
                "e.ht, e.hid, e.nt, e.nid"
            };
            // The probes run once per reached node (fenced), and only then is the far end
            // checked against the reached set: unfenced, PostgreSQL joins the reached set
            // with itself first and probes once per pair.
            let fence = if pg { "OFFSET 0" } else { "" };
            edges.push(format!(
            "SELECT 'E', e.rt, e.rid, {a}, {null_int}, {null_int}, e.kind, e.edge_id, {null_int}
               FROM (SELECT r.rt, r.rid, r.t AS ht, r.id AS hid, n.t AS nt, n.id AS nid, n.kind, n.edge_id
                       FROM {reached} r {r_step}
                      WHERE r.depth < {depth}{filters} {fence}) e
              WHERE EXISTS (SELECT 1 FROM {reached} x WHERE x.rt = e.rt AND x.rid = e.rid AND x.id = e.nid AND x.t = e.nt)"
            ));
        }
    }
    if args.check_start {
        // Whether each start exists in scope: a primary-key probe per start, so that a
        // top-level traversal needs no statement of its own for its NOT_FOUND.
        let mut types: Vec<NodeType> = roots.iter().map(|r| r.0).collect();
        types.sort_by_key(|t| t.name());
        types.dedup();
        for ty in types {
            let pt = sql.param(ty.name());
            let scope = in_scope(&mut sql, "x");
            frontier.push(format!(
                "SELECT 'S', ro.rt, ro.rid, {null_text}, {null_uuid}, {null_text}, {null_uuid}, {null_int}, {null_int}, {null_text}, {null_uuid}, {null_int}
                   FROM roots ro WHERE ro.rt = {pt} AND EXISTS (SELECT 1 FROM {table} x WHERE x.id = ro.rid{scope})",
                table = ty.table(),
            ));
        }
    }
    if !nodes.is_empty() {
        ctes.push(format!("steps AS ({})", nodes.join(" UNION ALL ")));
    }
    // Each walk reaches a node once per root; only walking both ways can meet it twice.
    let grouped = if up && down {
        "SELECT rt, rid, t, id, MIN(depth) AS depth, MAX(up) AS up FROM steps GROUP BY rt, rid, t, id"
    } else {
        "SELECT rt, rid, t, id, depth, up FROM steps"
    };
    let node_rows = if let Some((walk, walking_up)) = lean_walk {
        // Per root: the count is the sum of the levels' sizes, and the page comes from the
        // first levels that hold it; the types of its rows are looked up (any link of a
        // node, at the end it was reached by, names its type).
        let (lo, hi) = (args.offset, args.offset + args.first);
        let end = if walking_up { "up" } else { "down" };
        let flag = i32::from(walking_up);
        ctes.push(format!(
            "bounds AS (
               SELECT rid, COALESCE(MIN(depth) FILTER (WHERE cum >= {hi}), MAX(depth)) AS upto, MAX(cum) AS total
                 FROM (SELECT rid, depth, SUM(cardinality(ids)) OVER (PARTITION BY rid ORDER BY depth) AS cum
                         FROM {walk} WHERE depth > 0) x
                GROUP BY rid)"
        ));
        format!(
            "SELECT 'N' AS rec, p.rt, p.rid,
                    (SELECT l.{end}_type FROM lineage_links l WHERE l.{end}_id = p.id LIMIT 1) AS a_type,
                    p.id AS a_id, {null_text} AS b_type, {null_uuid} AS b_id,
                    CAST(p.depth AS BIGINT) AS depth, CAST({flag} AS BIGINT) AS up_flag, {null_text} AS kind,
                    {null_uuid} AS edge_id, CAST(p.total AS BIGINT) AS total
               FROM (SELECT b.rt, b.rid, u.id, b.depth, bo.total,
                            ROW_NUMBER() OVER (PARTITION BY b.rid ORDER BY b.depth, u.id) AS rn
                       FROM {walk} b JOIN bounds bo ON bo.rid = b.rid CROSS JOIN LATERAL unnest(b.ids) u(id)
                      WHERE b.depth BETWEEN 1 AND bo.upto) p
              WHERE p.rn > {lo} AND p.rn <= {hi}"
        )
    } else if args.with_edges {
        // Paths and cycles need every reached node: Rust orders and pages them.
        format!(
            "SELECT 'N' AS rec, rt, rid, t AS a_type, id AS a_id, {null_text} AS b_type, {null_uuid} AS b_id,
                    CAST(depth AS BIGINT) AS depth, CAST(up AS BIGINT) AS up_flag, {null_text} AS kind, {null_uuid} AS edge_id,
                    {null_int} AS total
               FROM ({grouped}) g"
        )
    } else {
        // Only the page (and the count) leave the database.
        let types = match &args.node_types {
            Some(ts) if !ts.is_empty() => {
                let list: Vec<String> = ts.iter().map(|t| sql.param(t.name())).collect();
                format!(" AND g.t IN ({})", list.join(", "))
            }
            _ => String::new(),
        };
        let (lo, hi) = (args.offset, args.offset + args.first);
        // An untyped walk leaves the type to the page's own rows: any link of the node, at
        // the end it was reached by, names it (one probe per row of the page).
        let a_type = if typed {
            "p.t".to_owned()
        } else {
            "COALESCE(p.t, CASE WHEN p.up = 1
                THEN (SELECT l.up_type FROM lineage_links l WHERE l.up_id = p.id LIMIT 1)
                ELSE (SELECT l.down_type FROM lineage_links l WHERE l.down_id = p.id LIMIT 1) END)"
                .to_owned()
        };
        let columns = format!(
            "'N' AS rec, rt, rid, {a_type} AS a_type, id AS a_id, {null_text} AS b_type, {null_uuid} AS b_id,
             CAST(depth AS BIGINT) AS depth, CAST(up AS BIGINT) AS up_flag, {null_text} AS kind, {null_uuid} AS edge_id,
             CAST(total AS BIGINT) AS total"
        );
        let reported = format!("FROM ({grouped}) g WHERE NOT (g.t = g.rt AND g.id = g.rid){types}");
        if roots.len() == 1 {
            // One start (a top-level query): the page is a top-N of the reached set and the
            // count a scan of it, where a window would sort every reached node.
            format!(
                "SELECT {columns} FROM (
                   SELECT g.*, (SELECT COUNT(*) {reported}) AS total {reported}
                    ORDER BY depth, id LIMIT {first} OFFSET {lo}) p",
                first = args.first
            )
        } else {
            format!(
                "SELECT {columns} FROM (
                   SELECT g.*, ROW_NUMBER() OVER (PARTITION BY rid ORDER BY depth, id) AS rn,
                          COUNT(*) OVER (PARTITION BY rid) AS total {reported}) p
                  WHERE rn > {lo} AND rn <= {hi}"
            )
        }
    };
    sql.text = format!(
        "WITH RECURSIVE {ctes}
        {node_rows}
        {edges}
        UNION ALL
        {frontier}",
        ctes = ctes.join(",\n"),
        edges = edges
            .iter()
            .map(|e| format!("UNION ALL {e}"))
            .collect::<Vec<_>>()
            .join(" "),
        frontier = frontier.join(" UNION ALL "),
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend, sql.text, sql.values,
        ))
        .await?;

    struct Raw {
        nodes: HashMap<(NodeType, Uuid), (u32, bool)>,
        // A set: walking BOTH ways meets an edge from each end.
        edges: HashSet<LineageEdgeRow>,
        partial: bool,
        found: bool,
        // Set when the database already cut the page: the count of all reached nodes.
        total: Option<usize>,
    }
    let mut raw: HashMap<(NodeType, Uuid), Raw> = HashMap::new();
    for row in rows {
        let rec: String = row.try_get("", "rec")?;
        let root_t: Option<String> = row.try_get("", "rt")?;
        let root_id: Uuid = row.try_get("", "rid")?;
        let Some(root_t) = parse_type(root_t) else {
            continue;
        };
        let entry = raw.entry((root_t, root_id)).or_insert_with(|| Raw {
            nodes: HashMap::new(),
            edges: HashSet::new(),
            partial: false,
            found: false,
            total: None,
        });
        match rec.as_str() {
            "N" => {
                let Some(t) = parse_type(row.try_get("", "a_type")?) else {
                    continue;
                };
                let id: Uuid = row.try_get("", "a_id")?;
                let d: i64 = row.try_get::<Option<i64>>("", "depth")?.unwrap_or(0);
                let upf: i64 = row.try_get::<Option<i64>>("", "up_flag")?.unwrap_or(0);
                if let Some(total) = row.try_get::<Option<i64>>("", "total")? {
                    entry.total = Some(total as usize);
                }
                entry.nodes.insert((t, id), (d as u32, upf == 1));
            }
            "E" => {
                let (Some(ut), Some(dt)) = (
                    parse_type(row.try_get("", "a_type")?),
                    parse_type(row.try_get("", "b_type")?),
                ) else {
                    continue;
                };
                let up_id: Uuid = row.try_get("", "a_id")?;
                let down_id: Option<Uuid> = row.try_get("", "b_id")?;
                let Some(down_id) = down_id else { continue };
                entry.edges.insert(LineageEdgeRow {
                    kind: row
                        .try_get::<Option<String>>("", "kind")?
                        .unwrap_or_default(),
                    up: (ut, up_id),
                    down: (dt, down_id),
                    edge_id: row.try_get("", "edge_id")?,
                });
            }
            "S" => entry.found = true,
            _ => entry.partial = true,
        }
    }

    let mut out = HashMap::new();
    for root in roots {
        let Some(r) = raw.remove(root) else {
            out.insert(*root, Subgraph::default());
            continue;
        };
        let edges = r.edges.into_iter().collect();
        let mut graph = answer(*root, r.nodes, edges, r.partial, r.total, args);
        graph.start_found = r.found;
        out.insert(*root, graph);
    }
    Ok(out)
}

/// A lineage scope: the nodes within `depth` edges of `start` (itself left out), at most
/// `cap` of them, in the caller's scope. It needs neither types, distances nor pages.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The node whose lineage it is.
    pub start: (NodeType, Uuid),
    /// Which way to walk.
    pub direction: LineageDirection,
    /// How far.
    pub depth: u32,
    /// Only follow edges of these kinds.
    pub kinds: Option<Vec<String>>,
    /// The most nodes it holds.
    pub cap: usize,
}

impl Reach {
    /// Whether the start exists in the caller's scope.
    pub async fn start_found(
        &self,
        db: &impl ConnectionTrait,
        ctx: &RequestContext,
    ) -> AppResult<bool> {
        let backend = db.get_database_backend();
        let mut p = crate::core::params::Params::new(backend);
        let id = p.push(self.start.1);
        let scope = ctx.scope.sql_filter("x.ns", |v| p.push(v));
        let sql = format!(
            "SELECT 1 AS found FROM {} x WHERE x.id = {id}{scope}",
            self.start.0.table()
        );
        Ok(db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, p.values()))
            .await?
            .is_some())
    }

    /// PostgreSQL: the reached ids as one array expression, `ARRAY(...)` of an
    /// uncorrelated subquery (the ids-only walk, see [`bfs_cte`]), so that a statement
    /// filtering by it evaluates the walk once, as an InitPlan, before the rows it
    /// filters, and the ids never leave the database. Values go through `param`.
    pub fn pg_array(
        &self,
        ctx: &RequestContext,
        param: &mut dyn FnMut(sea_orm::Value) -> String,
    ) -> String {
        let (pt, pi) = (
            param(self.start.0.name().into()),
            param(self.start.1.into()),
        );
        let mut filters = String::new();
        if let Some(kinds) = self.kinds.as_ref().filter(|k| !k.is_empty()) {
            let list: Vec<String> = kinds.iter().map(|k| param(k.clone().into())).collect();
            filters.push_str(&format!(" AND n.kind IN ({})", list.join(", ")));
        }
        filters.push_str(&ctx.scope.sql_filter("n.ns", |v| param(v.into())));
        let mut ctes = vec![format!(
            "roots(rt, rid) AS (VALUES (CAST({pt} AS text), CAST({pi} AS uuid)))"
        )];
        let mut reached = Vec::new();
        for (walking_up, walk) in [(true, "walk_up"), (false, "walk_down")] {
            let wanted = match self.direction {
                LineageDirection::Both => true,
                LineageDirection::Upstream => walking_up,
                LineageDirection::Downstream => !walking_up,
            };
            if !wanted {
                continue;
            }
            ctes.push(bfs_cte(walk, walking_up, self.depth, &filters, false, None));
            reached.push(format!(
                "SELECT u.id FROM {walk} b CROSS JOIN LATERAL unnest(b.ids) u(id) WHERE b.depth > 0"
            ));
        }
        // Walking both ways can meet a node (and the start, around a cycle) from each end.
        format!(
            "ARRAY(WITH RECURSIVE {ctes}
              SELECT r.id FROM ({union}) r WHERE r.id <> CAST({pi} AS uuid) LIMIT {cap})",
            ctes = ctes.join(",\n"),
            union = reached.join(" UNION "),
            cap = self.cap,
        )
    }

    /// The reached ids, `None` when the start does not exist in the caller's scope, by a
    /// traversal (for SQLite; PostgreSQL filters by [`Reach::pg_array`] instead).
    pub async fn ids(
        &self,
        db: &impl ConnectionTrait,
        ctx: &RequestContext,
    ) -> AppResult<Option<Vec<Uuid>>> {
        let args = TraversalArgs {
            direction: self.direction,
            depth: self.depth,
            kinds: self.kinds.clone(),
            node_types: None,
            first: self.cap,
            offset: 0,
            with_edges: false,
            check_start: true,
            max_reach: None,
        };
        let graph = traverse(db, ctx, &[self.start], &args)
            .await?
            .remove(&self.start)
            .unwrap_or_default();
        Ok(graph
            .start_found
            .then(|| graph.nodes.into_iter().map(|n| n.node.1).collect()))
    }
}

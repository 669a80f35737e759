//! A traversal's answer made from what the statement reached: no SQL, no I/O.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::core::ids::NodeType;

use super::walk::{LineageEdgeRow, Reached, Subgraph, TraversalArgs};

pub(super) fn answer(
    root: (NodeType, Uuid),
    nodes: HashMap<(NodeType, Uuid), (u32, bool)>,
    edges: Vec<LineageEdgeRow>,
    partial: bool,
    paged_total: Option<usize>,
    args: &TraversalArgs,
) -> Subgraph {
    // Predecessor on a shortest path: the neighbour one step nearer the start.
    let mut pred: HashMap<(NodeType, Uuid), (NodeType, Uuid)> = HashMap::new();
    for e in &edges {
        for (from, to, walking_up) in [(e.down, e.up, true), (e.up, e.down, false)] {
            let (Some(&(df, _)), Some(&(dt, up_t))) = (nodes.get(&from), nodes.get(&to)) else {
                continue;
            };
            if up_t == walking_up && dt == df + 1 && dt > 0 {
                pred.entry(to).or_insert(from);
            }
        }
    }
    let path_to = |n: (NodeType, Uuid)| {
        let mut path = vec![n];
        let mut cur = n;
        while let Some(p) = pred.get(&cur) {
            path.push(*p);
            cur = *p;
            if cur == root || path.len() > 64 {
                break;
            }
        }
        path.reverse();
        path
    };
    let mut reached: Vec<Reached> = nodes
        .iter()
        .filter(|(n, _)| **n != root)
        .filter(|(n, _)| args.node_types.as_ref().is_none_or(|ts| ts.contains(&n.0)))
        .map(|(n, (d, up))| Reached {
            node: *n,
            distance: *d,
            upstream: *up,
            path: Vec::new(),
        })
        .collect();
    // Nearest first, then by id: the order the database pages in.
    reached.sort_by_key(|r| (r.distance, r.node.1));
    // When the database cut the page, `nodes` is the page and the count came with it.
    let (total, skip) = match paged_total {
        Some(t) => (t, 0),
        None => (reached.len(), args.offset),
    };
    let page: Vec<Reached> = reached
        .into_iter()
        .skip(skip)
        .take(args.first)
        .map(|mut r| {
            r.path = path_to(r.node);
            r
        })
        .collect();
    let cut = args.offset + page.len() < total;
    let shown: HashSet<(NodeType, Uuid)> = page.iter().map(|r| r.node).chain([root]).collect();
    let has_cycle = has_cycle(&edges);
    let mut edges: Vec<LineageEdgeRow> = edges
        .into_iter()
        .filter(|e| shown.contains(&e.up) && shown.contains(&e.down))
        .collect();
    edges.sort_by(|a, b| {
        (a.up.0.name(), a.up.1, a.down.0.name(), a.down.1, &a.kind).cmp(&(
            b.up.0.name(),
            b.up.1,
            b.down.0.name(),
            b.down.1,
            &b.kind,
        ))
    });
    Subgraph {
        nodes: page,
        edges,
        total,
        is_partial: partial || cut,
        has_cycle,
        start_found: false,
    }
}

/// Whether the directed graph of `edges` (up → down) has a cycle (iterative DFS).
pub(super) fn has_cycle(edges: &[LineageEdgeRow]) -> bool {
    let mut next: HashMap<(NodeType, Uuid), Vec<(NodeType, Uuid)>> = HashMap::new();
    for e in edges {
        next.entry(e.up).or_default().push(e.down);
    }
    // 0 = unseen, 1 = on the stack, 2 = done
    let mut state: HashMap<(NodeType, Uuid), u8> = HashMap::new();
    for &start in next.keys() {
        if state.get(&start).copied().unwrap_or(0) != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state.insert(start, 1);
        while let Some((node, i)) = stack.pop() {
            let children = next.get(&node).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(&child) = children.get(i) {
                stack.push((node, i + 1));
                match state.get(&child).copied().unwrap_or(0) {
                    1 => return true,
                    0 => {
                        state.insert(child, 1);
                        stack.push((child, 0));
                    }
                    _ => {}
                }
            } else {
                state.insert(node, 2);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::service::LineageDirection;

    fn node(n: u128) -> (NodeType, Uuid) {
        (NodeType::Model, Uuid::from_u128(n))
    }

    /// `up` was used to make `down`.
    fn edge(up: u128, down: u128) -> LineageEdgeRow {
        LineageEdgeRow {
            kind: "dependsOn".into(),
            up: node(up),
            down: node(down),
            edge_id: None,
        }
    }

    fn args(first: usize, offset: usize) -> TraversalArgs {
        TraversalArgs {
            direction: LineageDirection::Upstream,
            depth: 5,
            kinds: None,
            node_types: None,
            first,
            offset,
            with_edges: true,
            check_start: false,
            max_reach: None,
        }
    }

    /// Walking upstream from 0: 1 and 2 at distance 1, 3 at distance 2 (through both).
    type Reachedset = HashMap<(NodeType, Uuid), (u32, bool)>;

    fn diamond() -> (Reachedset, Vec<LineageEdgeRow>) {
        let nodes = [(0, 0), (1, 1), (2, 1), (3, 2)]
            .into_iter()
            .map(|(n, d)| (node(n), (d, true)))
            .collect();
        let edges = vec![edge(1, 0), edge(2, 0), edge(3, 1), edge(3, 2)];
        (nodes, edges)
    }

    #[test]
    fn answer_orders_by_distance_then_id_and_gives_shortest_paths() {
        let (nodes, edges) = diamond();
        let g = answer(node(0), nodes, edges, false, None, &args(10, 0));
        let order: Vec<_> = g.nodes.iter().map(|r| (r.node, r.distance)).collect();
        assert_eq!(order, [(node(1), 1), (node(2), 1), (node(3), 2)]);
        let to_3 = &g.nodes[2].path;
        assert_eq!(to_3.len(), 3, "start, one middle node, 3");
        assert_eq!((to_3[0], to_3[2]), (node(0), node(3)));
        assert!([node(1), node(2)].contains(&to_3[1]));
        assert_eq!(g.total, 3);
        assert!(!g.is_partial);
        assert!(!g.has_cycle);
        assert_eq!(g.edges.len(), 4, "all among the shown nodes");
    }

    #[test]
    fn answer_pages_and_keeps_only_the_pages_edges() {
        let (nodes, edges) = diamond();
        let g = answer(node(0), nodes, edges, false, None, &args(1, 1));
        assert_eq!(g.nodes.len(), 1);
        assert_eq!(g.nodes[0].node, node(2));
        assert_eq!(g.total, 3);
        assert!(
            g.is_partial,
            "a page that does not reach the end is partial"
        );
        // Only edges between the start and node 2.
        assert_eq!(g.edges, vec![edge(2, 0)]);
    }

    #[test]
    fn answer_filters_types_but_counts_from_the_database_when_it_paged() {
        let (nodes, edges) = diamond();
        let mut a = args(10, 0);
        a.node_types = Some(vec![NodeType::Dataset]);
        let g = answer(node(0), nodes.clone(), edges.clone(), false, None, &a);
        assert!(g.nodes.is_empty());
        assert_eq!(g.total, 0);
        // The database already cut the page and counted 7: that count stands.
        let g = answer(node(0), nodes, edges, true, Some(7), &args(10, 0));
        assert_eq!(g.total, 7);
        assert!(g.is_partial);
    }

    #[test]
    fn cycles_are_found_and_dags_are_not() {
        let (_, dag) = diamond();
        assert!(!has_cycle(&dag));
        assert!(!has_cycle(&[]));
        assert!(has_cycle(&[edge(1, 1)]), "a self-loop");
        assert!(has_cycle(&[edge(1, 2), edge(2, 3), edge(3, 1)]));
        let mut with_back_edge = dag;
        with_back_edge.push(edge(0, 3));
        assert!(has_cycle(&with_back_edge));
    }
}

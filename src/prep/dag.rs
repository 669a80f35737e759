//! Pipeline configurations: a DAG of steps, checked against the step registry.
//!
//! ```json
//! {"nodes": [{"id": "load", "type": "load_dataset"},
//!            {"id": "split", "type": "split", "params": {"testSize": 0.2}},
//!            {"id": "train", "type": "train", "params": {"algorithm": "xgboost"}}],
//!  "edges": [{"from": "load", "to": "split"}, {"from": "split", "to": "train"}]}
//! ```
//!
//! [`check`] finds every problem at once, each naming the offending node: a node without
//! a unique id, a type the registry does not know, a required parameter missing, an edge
//! to a node that does not exist or to itself, and a cycle (named by its nodes in order).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

/// A kind of step and the parameters it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepType {
    /// The name nodes use as `type`.
    pub name: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Parameters every node of the type must set (non-null).
    pub required: &'static [&'static str],
}

const fn step(
    name: &'static str,
    description: &'static str,
    required: &'static [&'static str],
) -> StepType {
    StepType {
        name,
        description,
        required,
    }
}

/// The step registry: every type a pipeline node may have.
pub const STEP_TYPES: &[StepType] = &[
    step(
        "load_dataset",
        "Reads the pipeline's dataset (its latest validated version unless `version` is set).",
        &[],
    ),
    step(
        "clean",
        "Drops duplicate rows and rows or columns past a missing-value threshold.",
        &[],
    ),
    step(
        "impute",
        "Fills missing values (`strategy`: mean, median, most_frequent, constant).",
        &["strategy"],
    ),
    step(
        "encode",
        "Encodes categorical `columns` (one-hot or ordinal).",
        &["columns"],
    ),
    step(
        "scale",
        "Scales numeric columns (`method`: standard, minmax, robust).",
        &["method"],
    ),
    step(
        "split",
        "Splits rows into train and test sets (`testSize`, a fraction).",
        &["testSize"],
    ),
    step(
        "select_features",
        "Keeps the `k` most informative features.",
        &["k"],
    ),
    step(
        "train",
        "Trains a model with an `algorithm` (xgboost, random_forest, ...).",
        &["algorithm"],
    ),
    step(
        "tune",
        "Searches hyperparameters of an `algorithm` over a `searchSpace`.",
        &["algorithm", "searchSpace"],
    ),
    step(
        "evaluate",
        "Computes `metrics` of a trained model on the test set.",
        &["metrics"],
    ),
    step(
        "register_model",
        "Registers the trained model as a new version of `model`.",
        &["model"],
    ),
    step(
        "deploy",
        "Deploys the registered version to an `endpoint`.",
        &["endpoint"],
    ),
    step(
        "custom",
        "Runs a container `image` of the user's own.",
        &["image"],
    ),
];

/// One problem of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, async_graphql::SimpleObject)]
pub struct PipelineProblem {
    /// The node it is about (`null` for the configuration as a whole).
    pub node: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for PipelineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.node {
            Some(n) => write!(f, "node `{n}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A checked configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dag {
    /// Node ids with their types, in the order given.
    pub nodes: Vec<(String, &'static str)>,
    /// Edges `from → to`.
    pub edges: Vec<(String, String)>,
}

fn problem(node: Option<&str>, message: impl Into<String>) -> PipelineProblem {
    PipelineProblem {
        node: node.map(str::to_owned),
        message: message.into(),
    }
}

/// Checks a configuration (see the module); every problem found, or the DAG.
pub fn check(config: &Value) -> Result<Dag, Vec<PipelineProblem>> {
    let mut problems = Vec::new();
    let Some(obj) = config.as_object() else {
        return Err(vec![problem(
            None,
            "the configuration must be a JSON object",
        )]);
    };
    let nodes = match obj.get("nodes") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(vec![problem(None, "`nodes` must be an array")]),
    };
    let edges = match obj.get("edges") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(vec![problem(None, "`edges` must be an array")]),
    };
    if nodes.len() > 1_000 || edges.len() > 10_000 {
        return Err(vec![problem(None, "at most 1,000 nodes and 10,000 edges")]);
    }
    let mut dag = Dag {
        nodes: Vec::with_capacity(nodes.len()),
        edges: Vec::with_capacity(edges.len()),
    };
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        let id = n.get("id").and_then(Value::as_str).map(str::trim);
        let Some(id) = id.filter(|s| !s.is_empty() && s.chars().count() <= 100) else {
            problems.push(problem(
                None,
                format!("nodes[{i}] needs an `id` of 1 to 100 characters"),
            ));
            continue;
        };
        if index.insert(id, dag.nodes.len()).is_some() {
            problems.push(problem(Some(id), "the id is used by more than one node"));
            continue;
        }
        let ty = n.get("type").and_then(Value::as_str).unwrap_or_default();
        let Some(step) = STEP_TYPES.iter().find(|s| s.name == ty) else {
            problems.push(problem(
                Some(id),
                if ty.is_empty() {
                    "no `type`".to_owned()
                } else {
                    format!("unknown type `{ty}` (see pipelineStepTypes)")
                },
            ));
            dag.nodes.push((id.to_owned(), ""));
            continue;
        };
        let params = n.get("params");
        if params.is_some_and(|p| !p.is_object() && !p.is_null()) {
            problems.push(problem(Some(id), "`params` must be an object"));
        }
        for required in step.required {
            if params
                .and_then(|p| p.get(required))
                .is_none_or(Value::is_null)
            {
                problems.push(problem(
                    Some(id),
                    format!("type `{ty}` needs the parameter `{required}`"),
                ));
            }
        }
        dag.nodes.push((id.to_owned(), step.name));
    }
    for (i, e) in edges.iter().enumerate() {
        let end = |k: &str| e.get(k).and_then(Value::as_str).map(str::trim);
        let (Some(from), Some(to)) = (end("from"), end("to")) else {
            problems.push(problem(
                None,
                format!("edges[{i}] needs `from` and `to` node ids"),
            ));
            continue;
        };
        let mut known = true;
        for (side, id) in [("from", from), ("to", to)] {
            if !index.contains_key(id) {
                problems.push(problem(
                    Some(id),
                    format!("edges[{i}].{side} names a node that does not exist"),
                ));
                known = false;
            }
        }
        if !known {
            continue;
        }
        if from == to {
            problems.push(problem(Some(from), "an edge from the node to itself"));
            continue;
        }
        dag.edges.push((from.to_owned(), to.to_owned()));
    }
    dag.edges.sort();
    dag.edges.dedup();
    if let Some(cycle) = find_cycle(&dag) {
        let mut path = cycle.clone();
        path.push(cycle[0].clone());
        problems.push(problem(
            Some(&cycle[0]),
            format!("the edges make a cycle: {}", path.join(" → ")),
        ));
    }
    if problems.is_empty() {
        Ok(dag)
    } else {
        Err(problems)
    }
}

/// One cycle of the graph (its nodes in edge order, starting at the smallest id of it),
/// if there is any: an iterative depth-first search.
fn find_cycle(dag: &Dag) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in &dag.edges {
        next.entry(a.as_str()).or_default().push(b.as_str());
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark: HashMap<&str, Mark> = dag
        .nodes
        .iter()
        .map(|(n, _)| (n.as_str(), Mark::New))
        .collect();
    let mut starts: Vec<&str> = dag.nodes.iter().map(|(n, _)| n.as_str()).collect();
    starts.sort_unstable();
    for start in starts {
        if mark.get(start) != Some(&Mark::New) {
            continue;
        }
        // The path, each with the index of its next successor to visit.
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        mark.insert(start, Mark::OnPath);
        while let Some(top) = path.last_mut() {
            let node = top.0;
            let succ = next.get(node).and_then(|s| s.get(top.1)).copied();
            top.1 += 1;
            match succ {
                None => {
                    mark.insert(node, Mark::Done);
                    path.pop();
                }
                Some(s) => match mark.get(s).copied() {
                    Some(Mark::OnPath) => {
                        let at = path.iter().position(|(n, _)| *n == s).unwrap_or(0);
                        let mut cycle: Vec<String> =
                            path[at..].iter().map(|(n, _)| (*n).to_owned()).collect();
                        let smallest = (0..cycle.len())
                            .min_by(|&a, &b| cycle[a].cmp(&cycle[b]))
                            .unwrap_or(0);
                        cycle.rotate_left(smallest);
                        return Some(cycle);
                    }
                    Some(Mark::New) => {
                        mark.insert(s, Mark::OnPath);
                        path.push((s, 0));
                    }
                    _ => {}
                },
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(config: Value) -> Vec<String> {
        match check(&config) {
            Ok(_) => vec![],
            Err(p) => p.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_valid_dag_passes_in_order() {
        let dag = check(&json!({
            "nodes": [{"id": "load", "type": "load_dataset"},
                      {"id": "split", "type": "split", "params": {"testSize": 0.2}},
                      {"id": "train", "type": "train", "params": {"algorithm": "xgboost"}}],
            "edges": [{"from": "load", "to": "split"}, {"from": "split", "to": "train"},
                      {"from": "load", "to": "split"}]
        }))
        .unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(dag.nodes.len(), 3);
        assert_eq!(dag.edges.len(), 2, "the repeated edge counts once");
    }

    #[test]
    fn every_problem_names_its_node() {
        let got = problems(json!({
            "nodes": [{"id": "a", "type": "load_dataset"},
                      {"id": "a", "type": "clean"},
                      {"id": "b", "type": "trian"},
                      {"id": "c", "type": "train", "params": {"algorithm": null}},
                      {"type": "clean"}],
            "edges": [{"from": "a", "to": "zz"}, {"from": "c", "to": "c"}, {"from": "a"}]
        }));
        assert_eq!(
            got,
            vec![
                "node `a`: the id is used by more than one node",
                "node `b`: unknown type `trian` (see pipelineStepTypes)",
                "node `c`: type `train` needs the parameter `algorithm`",
                "nodes[4] needs an `id` of 1 to 100 characters",
                "node `zz`: edges[0].to names a node that does not exist",
                "node `c`: an edge from the node to itself",
                "edges[2] needs `from` and `to` node ids",
            ]
        );
    }

    #[test]
    fn a_cycle_is_named_by_its_nodes() {
        let nodes: Vec<Value> = ["load", "x", "y", "z"]
            .iter()
            .map(|n| json!({"id": n, "type": "clean"}))
            .collect();
        let got = problems(json!({
            "nodes": nodes,
            "edges": [{"from": "load", "to": "y"}, {"from": "y", "to": "z"},
                      {"from": "z", "to": "x"}, {"from": "x", "to": "y"}]
        }));
        assert_eq!(got, vec!["node `x`: the edges make a cycle: x → y → z → x"]);
    }

    #[test]
    fn shapes_are_checked() {
        assert_eq!(
            problems(json!([])),
            vec!["the configuration must be a JSON object"]
        );
        assert_eq!(
            problems(json!({"nodes": {}})),
            vec!["`nodes` must be an array"]
        );
        assert!(
            problems(json!({})).is_empty(),
            "no steps yet is a valid draft"
        );
    }
}

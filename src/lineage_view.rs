//! The lineage view at `/lineage?node=<id>&depth=<n>`: a node's upstream and downstream
//! graph, laid out left to right (upstream on the left) by Cytoscape.js with the dagre
//! layout, both embedded in the binary (`vendor/lineage`, pinned in
//! `scripts/vendor-lineage.sh`), so the page works with no network. It asks the API
//! itself (`lineage(of:, direction: BOTH)`), colours nodes by type, labels edges with
//! their kind, shows the 24-hour prediction volume on deployments and endpoints, and
//! re-centres on a node when it is clicked. A token for a server with authentication on
//! goes in the field at the top (kept in the browser's local storage).

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

const CYTOSCAPE: &[u8] = include_bytes!("../vendor/lineage/cytoscape.min.js");
const CYTOSCAPE_DAGRE: &[u8] = include_bytes!("../vendor/lineage/cytoscape-dagre.min.js");

const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mlgraph lineage</title>
<style>
  body { margin: 0; font: 14px system-ui, sans-serif; display: flex; flex-direction: column; height: 100vh; }
  header { display: flex; gap: 12px; align-items: center; padding: 8px 12px; border-bottom: 1px solid #ddd; flex-wrap: wrap; }
  header input[type=text] { width: 28em; }
  #graph { flex: 1; }
  #status { color: #555; }
  #status.error { color: #b00020; }
  .legend span { display: inline-block; padding: 1px 6px; border-radius: 3px; margin-right: 4px; color: #fff; font-size: 12px; }
</style>
</head>
<body>
<header>
  <strong>mlgraph lineage</strong>
  <label>node <input id="node" type="text" placeholder="a global id"></label>
  <label>depth <select id="depth"></select></label>
  <label>token <input id="token" type="password" placeholder="mlg_... (if authentication is on)"></label>
  <button id="go">Show</button>
  <span id="status"></span>
  <span class="legend" id="legend"></span>
</header>
<div id="graph"></div>
<script src="/lineage/assets/cytoscape.min.js"></script>
<script src="/lineage/assets/cytoscape-dagre.min.js"></script>
<script>
"use strict";
const COLORS = {
  Workflow: "#6d4c41", Dataset: "#1565c0", DatasetVersion: "#42a5f5", Model: "#2e7d32",
  ModelVersion: "#66bb6a", Experiment: "#8e24aa", TrainingJob: "#ab47bc", ExperimentRun: "#ce93d8",
  Endpoint: "#e65100", Deployment: "#fb8c00", Prediction: "#ffb74d", PatternRecognitionJob: "#5e35b1",
  CloudRunService: "#00838f", ServiceDeployment: "#26a69a", Artifact: "#757575", Approval: "#c62828",
};
const QUERY = `query Lineage($id: ID!, $depth: Int!) {
  start: node(id: $id) { id __typename ...Label }
  lineage(of: $id, direction: BOTH, depth: $depth, first: 1000) {
    totalCount isPartial
    nodes { id nodeType distance direction node { id __typename ...Label } }
    edges { upstream downstream kind }
  }
}
fragment Label on Node {
  ... on Workflow { name }
  ... on Dataset { name }
  ... on DatasetVersion { version dataset { name } }
  ... on Model { name }
  ... on ModelVersion { version model { name } stage }
  ... on Experiment { name }
  ... on TrainingJob { name status }
  ... on ExperimentRun { runNumber }
  ... on Endpoint { name environment predictionVolume24h }
  ... on Deployment { trafficPercent predictionVolume24h }
  ... on PatternRecognitionJob { name }
  ... on CloudRunService { name }
  ... on Artifact { path }
  ... on Approval { status }
}`;

function label(type, n) {
  if (!n) return type + " (hidden)";
  switch (type) {
    case "DatasetVersion": return (n.dataset ? n.dataset.name : "dataset") + " v" + n.version;
    case "ModelVersion": return (n.model ? n.model.name : "model") + " v" + n.version + (n.stage && n.stage !== "NONE" ? " · " + n.stage : "");
    case "Endpoint": return n.name + " (" + n.environment + ")\n" + n.predictionVolume24h + " predictions / 24 h";
    case "Deployment": return "deployment " + n.trafficPercent + "%\n" + n.predictionVolume24h + " predictions / 24 h";
    case "ExperimentRun": return "run " + n.runNumber;
    case "TrainingJob": return n.name + " · " + n.status;
    case "Artifact": return n.path;
    case "Approval": return "approval · " + n.status;
    default: return n.name || type;
  }
}

const params = new URLSearchParams(location.search);
const depthSel = document.getElementById("depth");
for (let d = 1; d <= 10; d++) depthSel.add(new Option(String(d), String(d)));
depthSel.value = params.get("depth") || "3";
document.getElementById("node").value = params.get("node") || "";
document.getElementById("token").value = localStorage.getItem("mlgraph.token") || "";
document.getElementById("legend").innerHTML = Object.entries(COLORS)
  .slice(0, 10).map(([t, c]) => `<span style="background:${c}">${t}</span>`).join("");

const status = document.getElementById("status");
function say(text, error) { status.textContent = text; status.className = error ? "error" : ""; }

async function show(id, depth) {
  const token = document.getElementById("token").value.trim();
  localStorage.setItem("mlgraph.token", token);
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = "Bearer " + token;
  say("loading…");
  let body;
  try {
    const resp = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query: QUERY, variables: { id, depth } }) });
    body = await resp.json();
  } catch (e) { say("request failed: " + e, true); return; }
  if (body.errors) { say(body.errors.map(e => e.message).join("; "), true); return; }
  const { start, lineage } = body.data;
  if (!start) { say("no such node (or not visible to you)", true); return; }
  const elements = [{ data: { id: start.id, label: label(start.__typename, start), type: start.__typename, start: 1 } }];
  // MODEL_VERSION → ModelVersion (the type of a node you may not read is still shown).
  const pascal = t => t.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase());
  for (const n of lineage.nodes) {
    const type = n.node ? n.node.__typename : pascal(n.nodeType);
    elements.push({ data: { id: n.id, label: label(type, n.node), type, distance: n.distance } });
  }
  const ids = new Set(elements.map(e => e.data.id));
  lineage.edges.forEach((e, i) => {
    if (ids.has(e.upstream) && ids.has(e.downstream)) {
      elements.push({ data: { id: "e" + i, source: e.upstream, target: e.downstream, label: e.kind } });
    }
  });
  window.__lineage = { start: start.id, nodes: [...ids], edges: lineage.edges.length, drawn: false };
  const cy = cytoscape({
    container: document.getElementById("graph"),
    elements,
    style: [
      { selector: "node", style: {
          "background-color": ele => COLORS[ele.data("type")] || "#999", "label": "data(label)",
          "color": "#222", "font-size": 11, "text-wrap": "wrap", "text-valign": "bottom", "text-margin-y": 4,
          "width": 26, "height": 26 } },
      { selector: "node[start]", style: { "border-width": 4, "border-color": "#000", "width": 34, "height": 34 } },
      { selector: "edge", style: {
          "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 1.5, "line-color": "#bbb",
          "target-arrow-color": "#bbb", "label": "data(label)", "font-size": 9, "color": "#777",
          "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.8 } },
    ],
    layout: { name: "dagre", rankDir: "LR", nodeSep: 30, rankSep: 150 },
  });
  cy.on("tap", "node", evt => {
    const next = evt.target.id();
    if (next === start.id) return;
    const url = new URL(location.href);
    url.searchParams.set("node", next);
    history.pushState(null, "", url);
    document.getElementById("node").value = next;
    show(next, depth);
  });
  window.__cy = cy;
  window.__lineage.drawn = true;
  say(`${ids.size} nodes, ${lineage.edges.length} edges` + (lineage.isPartial ? " (depth limit reached)" : ""));
}

document.getElementById("go").onclick = () => {
  const id = document.getElementById("node").value.trim();
  const url = new URL(location.href);
  url.searchParams.set("node", id);
  url.searchParams.set("depth", depthSel.value);
  history.pushState(null, "", url);
  show(id, Number(depthSel.value));
};
if (params.get("node")) show(params.get("node"), Number(depthSel.value));
else say("give a node id (any `id` the API returns)");
</script>
</body>
</html>
"##;

fn asset(body: &'static [u8]) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// The view's routes: the page and its embedded scripts.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/lineage", get(|| async { Html(PAGE) }))
        .route(
            "/lineage/assets/cytoscape.min.js",
            get(|| async { asset(CYTOSCAPE) }),
        )
        .route(
            "/lineage/assets/cytoscape-dagre.min.js",
            get(|| async { asset(CYTOSCAPE_DAGRE) }),
        )
}

// The lineage graph drawn by Cytoscape.js with the dagre layout, upstream on the left;
// a click on a node re-centres the view on it. The list beside it says the same in text.
import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import { useEffect, useRef } from "preact/hooks";

cytoscape.use(dagre);

export const COLORS: Record<string, string> = {
  Workflow: "#6d4c41",
  Dataset: "#1565c0",
  DatasetVersion: "#42a5f5",
  Model: "#2e7d32",
  ModelVersion: "#66bb6a",
  Experiment: "#8e24aa",
  TrainingJob: "#ab47bc",
  ExperimentRun: "#ce93d8",
  Endpoint: "#e65100",
  Deployment: "#fb8c00",
  Prediction: "#ffb74d",
  PatternRecognitionJob: "#5e35b1",
  CloudRunService: "#00838f",
  ServiceDeployment: "#26a69a",
  Artifact: "#757575",
  Approval: "#c62828",
};

export type GraphNode = { id: string; type: string; label: string; start?: boolean };
export type GraphEdge = { upstream: string; downstream: string; kind: string };

declare global {
  interface Window {
    __cy?: cytoscape.Core;
    __lineage?: { start: string; nodes: string[]; edges: number; drawn: boolean };
  }
}

export function Graph(props: { start: string; nodes: GraphNode[]; edges: GraphEdge[]; open: (id: string) => void }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const ids = new Set(props.nodes.map((n) => n.id));
    const elements: cytoscape.ElementDefinition[] = props.nodes.map((n) => ({
      data: { id: n.id, label: n.label, type: n.type, ...(n.start ? { start: 1 } : {}) },
    }));
    props.edges.forEach((e, i) => {
      if (ids.has(e.upstream) && ids.has(e.downstream))
        elements.push({ data: { id: `e${i}`, source: e.upstream, target: e.downstream, label: e.kind } });
    });
    window.__lineage = { start: props.start, nodes: [...ids], edges: props.edges.length, drawn: false };
    const cy = cytoscape({
      container: el.current,
      elements,
      style: [
        {
          selector: "node",
          style: {
            "background-color": (ele: cytoscape.NodeSingular) => COLORS[ele.data("type")] ?? "#999",
            label: "data(label)",
            color: "#222",
            "font-size": 11,
            "text-wrap": "wrap",
            "text-valign": "bottom",
            "text-margin-y": 4,
            width: 26,
            height: 26,
          },
        },
        { selector: "node[start]", style: { "border-width": 4, "border-color": "#000", width: 34, height: 34 } },
        {
          selector: "edge",
          style: {
            "curve-style": "bezier",
            "target-arrow-shape": "triangle",
            width: 1.5,
            "line-color": "#bbb",
            "target-arrow-color": "#bbb",
            label: "data(label)",
            "font-size": 9,
            color: "#777",
            "text-rotation": "autorotate",
            "text-background-color": "#fff",
            "text-background-opacity": 0.8,
          },
        },
      ],
      layout: { name: "dagre", rankDir: "LR", nodeSep: 30, rankSep: 150 } as cytoscape.LayoutOptions,
    });
    cy.on("tap", "node", (evt) => {
      const next = evt.target.id();
      if (next !== props.start) props.open(next);
    });
    window.__cy = cy;
    window.__lineage.drawn = true;
    return () => cy.destroy();
  }, [props.start, JSON.stringify(props.nodes), JSON.stringify(props.edges)]);
  return (
    <div>
      <div id="graph" ref={el} class="graph" role="img" aria-label="The lineage graph: the list below says the same" />
      <p class="legend" aria-hidden="true">
        {Object.entries(COLORS)
          .slice(0, 10)
          .map(([t, c]) => (
            <span>
              <i style={{ background: c }} />
              {t}
            </span>
          ))}
      </p>
    </div>
  );
}

import { useEffect, useState } from "preact/hooks";
import type { GraphEdge, GraphNode } from "../graph";
import { LineageDocument } from "../generated";
import { useQuery } from "../hooks";
import { go, href } from "../route";
import { Answer, Badge, Empty, nodeHref } from "../ui";

type Labelled = { id: string; __typename?: string } & Record<string, unknown>;

export function labelOf(n: Labelled | null | undefined): string {
  if (!n) return "?";
  const parent = ((n.model ?? n.dataset) as { name?: string } | undefined)?.name;
  if (n.version != null) return `${parent ?? "?"} v${n.version}`;
  if (n.runNumber != null) return `run ${n.runNumber}`;
  if (n.status != null && n.name != null) return `${n.name} · ${n.status}`;
  if (n.trafficPercent != null)
    return `${(n.endpoint as { name?: string } | undefined)?.name ?? "?"} (${n.trafficPercent}%)`;
  return (n.name as string | undefined) ?? (n.path as string | undefined) ?? n.id;
}

/** The nodes of a drawn lineage: the start, then every node the walk reached. */
export function graphNodes(
  start: Labelled,
  nodes: readonly { id: string; nodeType: string; node?: unknown }[],
): GraphNode[] {
  return [
    { id: start.id, type: start.__typename ?? "", label: labelOf(start), start: true },
    ...nodes.map((n) => ({
      id: n.id,
      // MODEL_VERSION → ModelVersion (the type of a node you may not read is still shown).
      type: (n.node as Labelled | null)?.__typename ?? n.nodeType.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase()),
      label: n.node ? labelOf(n.node as Labelled) : `${n.nodeType} (hidden)`,
    })),
  ];
}

/** The graph, drawn by Cytoscape.js: loaded (~160 KB gzipped) only when a lineage is shown. */
export function LazyGraph(props: { start: string; nodes: GraphNode[]; edges: GraphEdge[]; open: (id: string) => void }) {
  const [mod, setMod] = useState<typeof import("../graph") | null>(null);
  useEffect(() => {
    import("../graph").then((m) => setMod(m));
  }, []);
  if (!mod) return <p class="muted" aria-busy="true">Drawing…</p>;
  return <mod.Graph {...props} />;
}

/** A node's upstream and downstream, by distance, each a link to re-centre on it. */
export function Lineage(props: { id: string; depth: number; asOf: string | null }) {
  const q = useQuery(LineageDocument, { id: props.id, depth: props.depth, asOf: props.asOf });
  return (
    <Answer q={q}>
      {(d) => {
        const start = d.start as Labelled | null;
        const up = d.lineage.nodes.filter((n) => n.direction === "UPSTREAM");
        const down = d.lineage.nodes.filter((n) => n.direction === "DOWNSTREAM");
        const list = (nodes: typeof up, id: string) =>
          nodes.length === 0 ? (
            <Empty>None within {props.depth} steps.</Empty>
          ) : (
            <ol id={id} class="lineage">
              {[...nodes]
                .sort((a, b) => a.distance - b.distance)
                .map((n) => (
                  <li data-id={n.id} style={{ marginLeft: `${(n.distance - 1) * 1.2}em` }}>
                    <Badge kind="type">{n.nodeType}</Badge>{" "}
                    <a href={href(`/lineage/${n.id}`, { depth: String(props.depth) })}>
                      {labelOf(n.node as Labelled)}
                    </a>{" "}
                    <span class="muted small">distance {n.distance}</span>
                  </li>
                ))}
            </ol>
          );
        return (
          <div>
            <h1>
              Lineage of {labelOf(start)} {start && <Badge kind="type">{start.__typename}</Badge>}
            </h1>
            <p class="muted">
              {d.lineage.totalCount} nodes within {props.depth} steps, {d.lineage.edges.length} edges
              {d.lineage.isPartial ? " (cut by the depth or the page: more lie beyond)" : ""} ·{" "}
              {start && <a href={nodeHref(start as never)}>open</a>}
            </p>
            <label>
              Depth{" "}
              <select
                value={props.depth}
                onChange={(e) =>
                  (location.hash = href(`/lineage/${props.id}`, { depth: e.currentTarget.value }))
                }
              >
                {[1, 2, 3, 5, 8].map((n) => (
                  <option value={n}>{n}</option>
                ))}
              </select>
            </label>
            {start && (
              <LazyGraph
                start={start.id}
                nodes={graphNodes(start, d.lineage.nodes)}
                edges={d.lineage.edges}
                open={(id) => go(`/lineage/${id}`, { depth: String(props.depth) })}
              />
            )}
            <div class="two">
              <section>
                <h2>Upstream</h2>
                {list(up, "upstream")}
              </section>
              <section>
                <h2>Downstream</h2>
                {list(down, "downstream")}
              </section>
            </div>
          </div>
        );
      }}
    </Answer>
  );
}

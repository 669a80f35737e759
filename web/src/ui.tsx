import type { ComponentChildren } from "preact";
import type { ApiError } from "./api";
import type { Loaded } from "./hooks";
import { href } from "./route";

/** Loading, error (message and code) or the content. */
export function Answer<R>(props: { q: Loaded<R>; children: (data: R) => ComponentChildren }) {
  const { q } = props;
  if (q.error) return <Failure error={q.error} />;
  if (!q.data) return <p class="muted" aria-busy="true">Loading…</p>;
  return <>{props.children(q.data)}</>;
}

export function Failure(props: { error: ApiError }) {
  return (
    <div role="alert" class="error">
      {props.error.message} <code class="code">{props.error.code}</code>
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

export function Badge(props: { kind?: string; children: ComponentChildren }) {
  return <span class={`badge ${props.kind ?? ""}`}>{props.children}</span>;
}

export function When(props: { at?: string | null }) {
  if (!props.at) return <span class="muted">—</span>;
  const d = new Date(props.at);
  return <time dateTime={props.at} title={props.at}>{d.toLocaleString()}</time>;
}

export function bytes(n?: number | null): string {
  if (n == null) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function age(at: string | null | undefined, now: number): string {
  if (!at) return "—";
  const s = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${Math.floor(s / 3600)}h ago`;
}

/** Where a node of the API opens in the console. */
export function nodeHref(node: {
  id: string;
  __typename?: string;
  model?: { id?: string } | null;
  dataset?: { id?: string } | null;
}): string {
  switch (node.__typename) {
    case "Dataset":
      return href(`/datasets/${node.id}`);
    case "DatasetVersion":
      return node.dataset?.id ? href(`/datasets/${node.dataset.id}`) : href(`/lineage/${node.id}`);
    case "Model":
      return href(`/models/${node.id}`);
    case "ModelVersion":
      return node.model?.id ? href(`/models/${node.model.id}`) : href(`/lineage/${node.id}`);
    case "TrainingJob":
      return href("/jobs");
    case "Experiment":
      return href(`/experiments/${node.id}`);
    case "Endpoint":
      return href(`/endpoints/${node.id}`);
    default:
      return href(`/lineage/${node.id}`);
  }
}

export function Section(props: { title: string; children: ComponentChildren }) {
  return (
    <section>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

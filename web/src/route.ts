// Hash routes (`#/models/<id>?asOf=...`): the server serves one page, and every view,
// with its instant, is a link that can be shared.
import { useEffect, useState } from "preact/hooks";

export type Route = { path: string[]; params: URLSearchParams };

function parse(): Route {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [p, q] = raw.split("?", 2);
  return {
    path: p.split("/").filter(Boolean).map(decodeURIComponent),
    params: new URLSearchParams(q ?? ""),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** A link to `path`, keeping the instant the console shows (or setting another). */
export function href(path: string, params: Record<string, string | null | undefined> = {}): string {
  const cur = parse().params;
  const q = new URLSearchParams();
  const asOf = "asOf" in params ? params.asOf : cur.get("asOf");
  if (asOf) q.set("asOf", asOf);
  for (const [k, v] of Object.entries(params)) if (k !== "asOf" && v) q.set(k, v);
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ""}`;
}

export function go(path: string, params: Record<string, string | null | undefined> = {}) {
  location.hash = href(path, params);
}

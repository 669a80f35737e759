import { useEffect, useState } from "preact/hooks";
import { ApiError, request } from "./api";
import type { TypedDocumentString } from "./generated";

export type Loaded<R> = { data?: R; error?: ApiError; loading: boolean; reload: () => void };

/** One operation for one view: reruns when `key` (its variables, serialised) changes. */
export function useQuery<R, V>(doc: TypedDocumentString<R, V>, variables: V): Loaded<R> {
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data?: R; error?: ApiError; loading: boolean }>({
    loading: true,
  });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ data: s.data, loading: true }));
    request(doc, variables).then(
      (data) => live && setState({ data, loading: false }),
      (error: ApiError) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, n]);
  return { ...state, reload: () => setN((x) => x + 1) };
}

/** Re-renders every `ms` (heartbeat ages). */
export function useTick(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

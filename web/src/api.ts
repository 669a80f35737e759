// The console's one way to the API: typed operations (from `generated.ts`) over
// GraphQL-over-HTTP, subscriptions over graphql-transport-ws, the caller's session
// token in sessionStorage (gone with the tab, and revoked by signing out).
import { createClient, type Client } from "graphql-ws";
import type { TypedDocumentString } from "./generated";

/** An answer with `errors`: its first message and `extensions.code`. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "mlgraph.token";

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  // A new caller: the socket re-authenticates.
  ws?.dispose();
  ws = null;
}

function headers(): Record<string, string> {
  const h: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
  };
  const t = token();
  if (t) h.authorization = `Bearer ${t}`;
  return h;
}

type Errors = { message: string; extensions?: { code?: string } }[];

function failure(errors: Errors): ApiError {
  const e = errors[0];
  return new ApiError(e?.message ?? "unknown error", e?.extensions?.code ?? "ERROR");
}

export async function request<R, V>(doc: TypedDocumentString<R, V>, variables: V): Promise<R> {
  let resp: Response;
  try {
    resp = await fetch("/graphql", {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ query: doc.toString(), variables }),
    });
  } catch (e) {
    throw new ApiError(`the server is unreachable (${String(e)})`, "NETWORK");
  }
  let body: { data?: R; errors?: Errors };
  try {
    body = await resp.json();
  } catch {
    throw new ApiError(`HTTP ${resp.status}`, `HTTP_${resp.status}`);
  }
  if (body.errors?.length) throw failure(body.errors);
  if (body.data == null) throw new ApiError(`HTTP ${resp.status}`, `HTTP_${resp.status}`);
  return body.data;
}

let ws: Client | null = null;

function socket(): Client {
  if (!ws) {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
    ws = createClient({
      url,
      lazy: true,
      retryAttempts: Infinity,
      connectionParams: () => {
        const t = token();
        return t ? { authorization: `Bearer ${t}` } : {};
      },
    });
  }
  return ws;
}

/** Subscribes; returns the unsubscribe function. */
export function subscribe<R, V>(
  doc: TypedDocumentString<R, V>,
  variables: V,
  next: (data: R) => void,
  error: (e: ApiError) => void,
): () => void {
  return socket().subscribe<R>(
    { query: doc.toString(), variables: variables as Record<string, unknown> },
    {
      next: (r) => {
        if (r.errors?.length) error(failure(r.errors as Errors));
        else if (r.data) next(r.data);
      },
      error: (e) =>
        error(
          Array.isArray(e)
            ? failure(e as Errors)
            : new ApiError(e instanceof Error ? e.message : "the live connection closed", "LIVE"),
        ),
      complete: () => {},
    },
  );
}

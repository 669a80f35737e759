import { SearchDocument, type SearchType } from "../generated";
import { useQuery } from "../hooks";
import { Answer, Badge, Empty, nodeHref } from "../ui";

export const SEARCH_TYPES: SearchType[] = [
  "MODEL",
  "MODEL_VERSION",
  "DATASET",
  "DATASET_VERSION",
  "EXPERIMENT",
  "TRAINING_JOB",
  "ENDPOINT",
  "WORKFLOW",
];

type Hit = { __typename?: string; id: string } & Record<string, unknown>;

function label(n: Hit): string {
  const name = (n.name as string | undefined) ?? "";
  const v = n.version as number | undefined;
  const parent = ((n.model ?? n.dataset) as { name?: string } | undefined)?.name;
  if (v != null) return `${parent ?? "?"} v${v}`;
  return name || n.id;
}

/** Results by words (full text), and by meaning too when the server embeds text. */
export function Search(props: { text: string; type: string | null; semantic: boolean }) {
  const types = props.type ? [props.type as SearchType] : null;
  const q = useQuery(SearchDocument, { text: props.text, types, hybrid: props.semantic });
  return (
    <div>
      <h1>Search: “{props.text}”</h1>
      <p class="muted" id="search-mode">
        {props.semantic
          ? "By words and by meaning (full text fused with the embedding model's similarity)."
          : "By words (full text); start the server with --embedding-model-dir to search by meaning too."}
      </p>
      <Answer q={q}>
        {(d) =>
          d.search.nodes.length === 0 ? (
            <Empty>Nothing matches. Try fewer words, a prefix (fraud*), or another type.</Empty>
          ) : (
            <ol id="results" class="results">
              {d.search.nodes.map((h) => {
                const n = h.node as Hit;
                return (
                  <li data-id={n.id}>
                    <Badge kind="type">{n.__typename}</Badge> <a href={nodeHref(n as never)}>{label(n)}</a>{" "}
                    <span class="muted">{(n.ns as string | undefined) ?? ""}</span>
                    {/* The snippet marks the matched words with <b>; shown as text. */}
                    <div class="snippet">{h.snippet.replace(/<\/?b>/g, "")}</div>
                  </li>
                );
              })}
            </ol>
          )
        }
      </Answer>
    </div>
  );
}

import { useState } from "preact/hooks";
import { ModelsDocument, type ModelFilter, type ModelStatus } from "../generated";
import { useQuery } from "../hooks";
import { href } from "../route";
import { Answer, Badge, Empty, When } from "../ui";

const STATUSES = ["", "ACTIVE", "DEPRECATED", "ARCHIVED"] as const;

export function Models(props: { asOf: string | null }) {
  const [name, setName] = useState("");
  const [status, setStatus] = useState("");
  const filter: ModelFilter = {};
  if (name) filter.name = { contains: name };
  if (status) filter.status = { eq: status as ModelStatus };
  const q = useQuery(ModelsDocument, { filter, asOf: props.asOf });
  return (
    <div>
      <h1>Models</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()} role="search" aria-label="Filter models">
        <label>
          Name contains
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            {STATUSES.map((s) => (
              <option value={s}>{s || "any"}</option>
            ))}
          </select>
        </label>
      </form>
      <Answer q={q}>
        {(d) =>
          d.models.nodes.length === 0 ? (
            <Empty>
              No models {name || status ? "match these filters" : "yet"}. Register one with the{" "}
              <code>createModel</code> mutation, an MLflow client or an OpenLineage event.
            </Empty>
          ) : (
            <div class="scroll">
              <table id="models">
                <caption>{d.models.totalCount} models</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Namespace</th>
                    <th scope="col">Framework</th>
                    <th scope="col">Status</th>
                    <th scope="col">Latest</th>
                    <th scope="col">Stages and aliases</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {d.models.nodes.map((m) => (
                    <tr data-id={m.id}>
                      <td>
                        <a href={href(`/models/${m.id}`)}>{m.name}</a>
                      </td>
                      <td>{m.ns}</td>
                      <td>{m.framework ?? "—"}</td>
                      <td>
                        <Badge kind={m.status.toLowerCase()}>{m.status}</Badge>
                      </td>
                      <td>{m.latestVersionNumber ? `v${m.latestVersionNumber}` : "—"}</td>
                      <td class="badges">
                        {m.versions.nodes
                          .filter((v) => v.stage !== "NONE" || v.aliases.length)
                          .map((v) => (
                            <>
                              {v.stage !== "NONE" && (
                                <Badge kind={v.stage.toLowerCase()}>
                                  v{v.version} {v.stage}
                                </Badge>
                              )}
                              {v.aliases.map((a) => (
                                <Badge kind="alias">
                                  @{a} → v{v.version}
                                </Badge>
                              ))}
                            </>
                          ))}
                      </td>
                      <td>
                        <When at={m.updatedAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Answer>
    </div>
  );
}

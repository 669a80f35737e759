import { useState } from "preact/hooks";
import { ApiError, request } from "../api";
import { LineChart } from "../chart";
import { ArtifactDownloadDocument, ModelPageDocument } from "../generated";
import { useQuery } from "../hooks";
import { go, href } from "../route";
import { Answer, Badge, bytes, Empty, Failure, Section, When } from "../ui";
import { graphNodes, LazyGraph } from "./Lineage";

/** Numeric metrics of each version, keyed by metric name. */
function numericMetrics(versions: { version: number; metrics: unknown }[]) {
  const names = new Set<string>();
  for (const v of versions) {
    const m = v.metrics as Record<string, unknown> | null;
    for (const [k, val] of Object.entries(m ?? {})) if (typeof val === "number") names.add(k);
  }
  return [...names].sort().map((name) => ({
    label: name,
    values: versions.map((v) => {
      const val = (v.metrics as Record<string, unknown> | null)?.[name];
      return typeof val === "number" ? val : null;
    }),
  }));
}

function json(v: unknown): string {
  const o = (v ?? {}) as Record<string, unknown>;
  return Object.entries(o)
    .map(([k, x]) => `${k}=${typeof x === "string" ? x : JSON.stringify(x)}`)
    .join(", ");
}

export function Model(props: { id: string; asOf: string | null }) {
  const q = useQuery(ModelPageDocument, { id: props.id, asOf: props.asOf });
  const [downloadError, setDownloadError] = useState<ApiError | null>(null);
  const download = async (id: string) => {
    setDownloadError(null);
    try {
      const d = await request(ArtifactDownloadDocument, { id });
      location.assign(d.artifact.downloadUrl);
    } catch (e) {
      setDownloadError(e as ApiError);
    }
  };
  return (
    <Answer q={q}>
      {({ model, lineage }) => {
        if (!model) return <Empty>No such model{props.asOf ? " at this instant" : ""}.</Empty>;
        const versions = model.versions.nodes;
        const series = numericMetrics(versions);
        const deployments = versions.flatMap((v) => v.deployments.nodes.map((d) => ({ v, d })));
        const artifacts = versions.flatMap((v) => v.artifacts.nodes.map((a) => ({ v, a })));
        const approvals = versions
          .flatMap((v) => v.approvals.nodes.map((a) => ({ v, a })))
          .sort((x, y) => y.a.createdAt.localeCompare(x.a.createdAt));
        return (
          <div id="model" data-id={model.id}>
            <h1>
              {model.name} <Badge kind={model.status.toLowerCase()}>{model.status}</Badge>
            </h1>
            <p class="muted">
              {model.ns} · {model.framework ?? "no framework"} · {model.task ?? "no task"}
              {model.riskClass ? ` · risk ${model.riskClass}` : ""} · created by{" "}
              {model.createdBy ?? "—"} <When at={model.createdAt} /> ·{" "}
              <a href={href(`/lineage/${model.id}`)}>lineage</a>
            </p>
            {model.description && <p>{model.description}</p>}
            <Section title={`Versions (${model.versions.totalCount})`}>
              {versions.length === 0 ? (
                <Empty>No versions yet: register one with createModelVersion or mlflow.register_model.</Empty>
              ) : (
                <div class="scroll">
                  <table id="versions">
                    <thead>
                      <tr>
                        <th scope="col">Version</th>
                        <th scope="col">Stage</th>
                        <th scope="col">Aliases</th>
                        <th scope="col">Metrics</th>
                        <th scope="col">Params</th>
                        <th scope="col">Created</th>
                      </tr>
                    </thead>
                    <tbody>
                      {versions.map((v) => (
                        <tr data-id={v.id}>
                          <td>v{v.version}</td>
                          <td>
                            <Badge kind={v.stage.toLowerCase()}>{v.stage}</Badge>
                          </td>
                          <td class="badges">
                            {v.aliases.map((a) => (
                              <Badge kind="alias">@{a}</Badge>
                            ))}
                          </td>
                          <td class="mono">{json(v.metrics)}</td>
                          <td class="mono">{json(v.params)}</td>
                          <td>
                            <When at={v.createdAt} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {series.length > 0 && versions.length > 1 && (
                <LineChart
                  title="Metrics across versions"
                  xLabel="version"
                  x={versions.map((v) => v.version)}
                  series={series}
                />
              )}
            </Section>
            <Section title="Deployments">
              {deployments.length === 0 ? (
                <Empty>Not deployed: deploy a version with deployModelVersion.</Empty>
              ) : (
                <div class="scroll">
                  <table id="deployments">
                    <thead>
                      <tr>
                        <th scope="col">Endpoint</th>
                        <th scope="col">Environment</th>
                        <th scope="col">Version</th>
                        <th scope="col">Traffic</th>
                        <th scope="col">Status</th>
                        <th scope="col">p95 (24 h)</th>
                        <th scope="col">Predictions (24 h)</th>
                        <th scope="col">Cost (24 h)</th>
                      </tr>
                    </thead>
                    <tbody>
                      {deployments.map(({ v, d }) => (
                        <tr data-id={d.id}>
                          <td>{d.endpoint?.name ?? "—"}</td>
                          <td>{d.endpoint?.environment ?? "—"}</td>
                          <td>v{v.version}</td>
                          <td>
                            <meter min={0} max={100} value={d.trafficPercent} aria-label="traffic" />{" "}
                            {d.trafficPercent}%
                          </td>
                          <td>{d.status}</td>
                          <td>{d.endpoint?.p95LatencyMs24h != null ? `${d.endpoint.p95LatencyMs24h.toFixed(1)} ms` : "—"}</td>
                          <td>{d.endpoint?.predictionVolume24h ?? "—"}</td>
                          <td>
                            {d.endpoint?.cost24h.map((c) => `${c.total} ${c.currency}`).join(", ") || "—"}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Section>
            <Section title="Artifacts">
              {downloadError && <Failure error={downloadError} />}
              {artifacts.length === 0 ? (
                <Empty>No artifacts: upload one with createArtifactUpload.</Empty>
              ) : (
                <div class="scroll">
                  <table id="artifacts">
                    <thead>
                      <tr>
                        <th scope="col">Path</th>
                        <th scope="col">Version</th>
                        <th scope="col">Size</th>
                        <th scope="col">SHA-256</th>
                        <th scope="col">Status</th>
                        <th scope="col">
                          <span class="sr">Download</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {artifacts.map(({ v, a }) => (
                        <tr data-id={a.id}>
                          <td class="mono">{a.path}</td>
                          <td>v{v.version}</td>
                          <td>{bytes(a.sizeBytes)}</td>
                          <td class="mono" title={a.sha256}>
                            {a.sha256.slice(0, 12)}…
                          </td>
                          <td>{a.status}</td>
                          <td>
                            <button type="button" disabled={a.status !== "VERIFIED"} onClick={() => download(a.id)}>
                              Download <span class="sr">{a.path}</span>
                            </button>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Section>
            <Section title="Approvals and compliance evidence">
              {approvals.length === 0 ? (
                <Empty>No approvals requested: ask for one with requestApproval before promoting a version.</Empty>
              ) : (
                <ul id="model-approvals" class="cards">
                  {approvals.map(({ v, a }) => (
                    <li data-id={a.id} data-status={a.status}>
                      <h3>
                        v{v.version} → {a.targetStage} <Badge kind={a.status.toLowerCase()}>{a.status}</Badge>
                      </h3>
                      <p class="muted">
                        requested by {a.requestedBy} <When at={a.createdAt} />
                        {a.reviewedBy && (
                          <>
                            {" "}· {a.status.toLowerCase()} by {a.reviewedBy} {a.decidedAt && <When at={a.decidedAt} />}
                            {a.reviewComment ? `: “${a.reviewComment}”` : ""}
                          </>
                        )}
                      </p>
                      {a.justification && <p>{a.justification}</p>}
                      {a.checks.length > 0 && (
                        <ul class="checks" aria-label={`Compliance checks of v${v.version}`}>
                          {a.checks.map((c) => (
                            <li>
                              <Badge kind={c.result.toLowerCase()}>{c.result}</Badge> {c.check}
                              {c.blocking ? " (blocking)" : ""} <When at={c.createdAt} />
                              <details>
                                <summary>Evidence</summary>
                                <pre class="mono" tabIndex={0} aria-label={`evidence of ${c.check}`}>
                                  {JSON.stringify(c.evidence, null, 2)}
                                </pre>
                              </details>
                            </li>
                          ))}
                        </ul>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </Section>
            <Section title={`Lineage (${lineage.totalCount} nodes within 2 steps)`}>
              {lineage.nodes.length === 0 ? (
                <Empty>Nothing upstream or downstream yet: train it on a dataset version or deploy a version.</Empty>
              ) : (
                <LazyGraph
                  start={model.id}
                  nodes={graphNodes({ id: model.id, __typename: "Model", name: model.name }, lineage.nodes)}
                  edges={lineage.edges}
                  open={(id) => go(`/lineage/${id}`, { depth: "2" })}
                />
              )}
            </Section>
            <Section title="History">
              {model.history.nodes.length === 0 ? (
                <Empty>No recorded changes.</Empty>
              ) : (
                <ol id="history" class="history">
                  {model.history.nodes.map((e) => (
                    <li>
                      <strong>{e.action}</strong> by {e.actor ?? "—"} <When at={e.createdAt} /> ·{" "}
                      <a href={href(`/models/${model.id}`, { asOf: e.createdAt })}>view as of then</a>
                    </li>
                  ))}
                </ol>
              )}
            </Section>
          </div>
        );
      }}
    </Answer>
  );
}

import { LineChart } from "../chart";
import { EndpointPageDocument, EndpointsDocument } from "../generated";
import { useQuery } from "../hooks";
import { href } from "../route";
import { Answer, Badge, Empty, Section, When } from "../ui";

const ms = (v?: number | null) => (v != null ? `${v.toFixed(1)} ms` : "—");
const money = (c: { currency: string; total: string }[]) => c.map((x) => `${x.total} ${x.currency}`).join(", ") || "—";

export function Endpoints(props: { asOf: string | null }) {
  const q = useQuery(EndpointsDocument, { asOf: props.asOf });
  return (
    <div>
      <h1>Endpoints</h1>
      <Answer q={q}>
        {(d) =>
          d.endpoints.nodes.length === 0 ? (
            <Empty>No endpoints: create one with createEndpoint, then deploy a version to it.</Empty>
          ) : (
            <div class="scroll">
              <table id="endpoints">
                <caption>{d.endpoints.totalCount} endpoints; figures of the last 24 hours</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Environment</th>
                    <th scope="col">Status</th>
                    <th scope="col">Traffic</th>
                    <th scope="col">Predictions</th>
                    <th scope="col">p95</th>
                    <th scope="col">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {d.endpoints.nodes.map((e) => (
                    <tr data-id={e.id}>
                      <td>
                        <a href={href(`/endpoints/${e.id}`)}>{e.name}</a>
                        <div class="muted small">{e.ns}</div>
                      </td>
                      <td>{e.environment}</td>
                      <td>
                        <Badge kind={e.status.toLowerCase()}>{e.status}</Badge>
                      </td>
                      <td>
                        {e.deployments.nodes.map((dep) => (
                          <div>
                            {dep.modelVersion?.model?.name ?? "?"} v{dep.modelVersion?.version} · {dep.trafficPercent}%
                          </div>
                        ))}
                      </td>
                      <td>{e.predictionVolume24h}</td>
                      <td>{ms(e.p95LatencyMs24h)}</td>
                      <td>{money(e.cost24h)}</td>
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

/** A `HOUR` group's key (`2026-11-30T10:00:00Z`) in seconds since the epoch. */
const hourOf = (key?: string | null) => Date.parse(key ?? "") / 1000;

/** The last 30 days up to now (or up to the instant shown). */
function range(asOf: string | null) {
  const to = asOf ? new Date(asOf) : new Date();
  to.setUTCMinutes(0, 0, 0);
  to.setUTCHours(to.getUTCHours() + 1);
  const from = new Date(to.getTime() - 30 * 86400_000);
  return { from: from.toISOString(), to: to.toISOString() };
}

export function Endpoint(props: { id: string; asOf: string | null }) {
  const q = useQuery(EndpointPageDocument, { id: props.id, asOf: props.asOf, ...range(props.asOf) });
  return (
    <Answer q={q}>
      {(d) => {
        const e = d.endpoint;
        const hours = [...d.predictionStats].filter((h) => h.key).sort((a, b) => (a.key ?? "").localeCompare(b.key ?? ""));
        const costs = d.costTrends;
        return (
          <div id="endpoint" data-id={e.id}>
            <h1>
              {e.name} <Badge kind={e.status.toLowerCase()}>{e.status}</Badge> <Badge kind="type">{e.environment}</Badge>
            </h1>
            <p class="muted">
              {e.ns} · {e.region ?? "no region"} · {e.url ?? "no URL"} · <a href={href(`/lineage/${e.id}`)}>lineage</a>
            </p>
            <p>
              Last 24 hours: <strong>{e.predictionVolume24h}</strong> predictions, p95 latency{" "}
              <strong>{ms(e.p95LatencyMs24h)}</strong>, cost <strong>{money(e.cost24h)}</strong>.
            </p>
            <Section title="Traffic split">
              {e.deployments.nodes.length === 0 ? (
                <Empty>Nothing deployed here.</Empty>
              ) : (
                <div class="scroll">
                <table id="endpoint-deployments">
                  <thead>
                    <tr>
                      <th scope="col">Model version</th>
                      <th scope="col">Stage</th>
                      <th scope="col">Traffic</th>
                      <th scope="col">Status</th>
                      <th scope="col">Replicas</th>
                    </tr>
                  </thead>
                  <tbody>
                    {e.deployments.nodes.map((dep) => (
                      <tr data-id={dep.id}>
                        <td>
                          {dep.modelVersion?.model ? (
                            <a href={href(`/models/${dep.modelVersion.model.id}`)}>{dep.modelVersion.model.name}</a>
                          ) : (
                            "?"
                          )}{" "}
                          v{dep.modelVersion?.version}
                        </td>
                        <td>{dep.modelVersion?.stage}</td>
                        <td>
                          <meter min={0} max={100} value={dep.trafficPercent} aria-label="traffic" /> {dep.trafficPercent}%
                        </td>
                        <td>{dep.status}</td>
                        <td>
                          {dep.minReplicas}–{dep.maxReplicas} {dep.machineType ?? ""}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                </div>
              )}
            </Section>
            <Section title="Predictions per hour">
              {hours.length === 0 ? (
                <Empty>No predictions recorded.</Empty>
              ) : (
                <>
                  <LineChart
                    title="Predictions per hour"
                    xLabel="hour"
                    time
                    x={hours.map((h) => hourOf(h.key))}
                    series={[{ label: "predictions", values: hours.map((h) => h.count) }]}
                    bars
                  />
                  <LineChart
                    title="Latency per hour (ms)"
                    xLabel="hour"
                    time
                    x={hours.map((h) => hourOf(h.key))}
                    series={[
                      { label: "average", values: hours.map((h) => h.avgLatencyMs ?? null) },
                      { label: "max", values: hours.map((h) => h.maxLatencyMs ?? null) },
                    ]}
                  />
                </>
              )}
            </Section>
            <Section title="Cost per day (30 days)">
              {costs.length === 0 ? (
                <Empty>No cost records.</Empty>
              ) : (
                <div class="scroll">
                <table id="costs">
                  <thead>
                    <tr>
                      <th scope="col">Day</th>
                      <th scope="col">Total</th>
                      <th scope="col">Change</th>
                    </tr>
                  </thead>
                  <tbody>
                    {costs.map((c) => (
                      <tr>
                        <td>
                          <When at={`${c.bucket}T00:00:00Z`} />
                        </td>
                        <td>
                          {c.total} {c.currency}
                        </td>
                        <td>{c.change ?? "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                </div>
              )}
            </Section>
          </div>
        );
      }}
    </Answer>
  );
}

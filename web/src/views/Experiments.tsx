import { useState } from "preact/hooks";
import { LineChart } from "../chart";
import { AbResultDocument, ExperimentPageDocument, ExperimentsDocument } from "../generated";
import { useQuery } from "../hooks";
import { href } from "../route";
import { Answer, Badge, Empty, Section, When } from "../ui";

export function Experiments(props: { asOf: string | null }) {
  const q = useQuery(ExperimentsDocument, { asOf: props.asOf });
  return (
    <div>
      <h1>Experiments</h1>
      <Answer q={q}>
        {(d) =>
          d.experiments.nodes.length === 0 ? (
            <Empty>No experiments: create one with createExperiment, or log runs from an MLflow client.</Empty>
          ) : (
            <div class="scroll">
              <table id="experiments">
                <caption>{d.experiments.totalCount} experiments</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Namespace</th>
                    <th scope="col">Type</th>
                    <th scope="col">Status</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {d.experiments.nodes.map((x) => (
                    <tr data-id={x.id}>
                      <td>
                        <a href={href(`/experiments/${x.id}`)}>{x.name}</a>
                      </td>
                      <td>{x.ns}</td>
                      <td>{x.experimentType}</td>
                      <td>
                        <Badge kind={x.status.toLowerCase()}>{x.status}</Badge>
                      </td>
                      <td>
                        <When at={x.updatedAt} />
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

type Curve = { key: string; logged: number; points: { step: number; value: number }[] };
type Run = {
  id: string;
  label: string;
  source: string;
  status: string;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  curves: Curve[];
};

const obj = (v: unknown) => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});
const show = (v: unknown) => (v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));

/** Each metric logged at more than one step, over the steps: one chart per metric, a line per run. */
function Curves(props: { runs: Run[] }) {
  const keys = [...new Set(props.runs.flatMap((r) => r.curves.filter((c) => c.points.length > 1).map((c) => c.key)))].sort();
  if (keys.length === 0) return null;
  return (
    <div id="curves">
      {keys.map((key) => {
        const runs = props.runs.filter((r) => r.curves.some((c) => c.key === key));
        const steps = [...new Set(runs.flatMap((r) => r.curves.find((c) => c.key === key)!.points.map((p) => p.step)))].sort((a, b) => a - b);
        const sampled = runs.some((r) => {
          const c = r.curves.find((c) => c.key === key)!;
          return c.logged > c.points.length;
        });
        return (
          <LineChart
            title={`${key} over steps${sampled ? " (sampled)" : ""}`}
            xLabel="step"
            x={steps}
            spanGaps
            series={runs.map((r) => {
              const at = new Map(r.curves.find((c) => c.key === key)!.points.map((p) => [p.step, p.value]));
              return { label: r.label, values: steps.map((s) => at.get(s) ?? null) };
            })}
          />
        );
      })}
    </div>
  );
}

/** Runs side by side: every param and metric, rows whose values differ marked. */
function Compare(props: { runs: Run[] }) {
  const keys = (pick: (r: Run) => Record<string, unknown>) =>
    [...new Set(props.runs.flatMap((r) => Object.keys(pick(r))))].sort();
  const rows = (kind: string, pick: (r: Run) => Record<string, unknown>) =>
    keys(pick).map((k) => {
      const values = props.runs.map((r) => show(pick(r)[k]));
      const differs = new Set(values).size > 1;
      return (
        <tr class={differs ? "differs" : ""}>
          <th scope="row">
            {kind} {k} {differs && <span class="sr">(differs)</span>}
          </th>
          {values.map((v) => (
            <td class="mono">{v}</td>
          ))}
        </tr>
      );
    });
  return (
    <div class="scroll">
      <table id="compare">
        <caption>Differing values are highlighted</caption>
        <thead>
          <tr>
            <th scope="col">Param / metric</th>
            {props.runs.map((r) => (
              <th scope="col">{r.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows("param", (r) => r.params)}
          {rows("metric", (r) => r.metrics)}
        </tbody>
      </table>
    </div>
  );
}

function Ab(props: { id: string; metric: string }) {
  const q = useQuery(AbResultDocument, { experiment: props.id, metric: props.metric });
  return (
    <Answer q={q}>
      {({ abTestResult: r }) => (
        <div id="ab">
          <p>
            {r.test}, {r.higherIsBetter ? "higher" : "lower"} is better, α = {r.significanceLevel}: p ={" "}
            {r.pValue?.toPrecision(3) ?? "—"} ·{" "}
            {r.winner ? (
              <strong>
                winner {r.winner.model?.name} v{r.winner.version}
              </strong>
            ) : (
              "no winner"
            )}{" "}
            ({r.reason})
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Arm</th>
                <th scope="col">Samples</th>
                <th scope="col">Mean</th>
                <th scope="col">Std dev</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {r.arms.map((a) => (
                <tr>
                  <td>
                    {a.modelVersion.model?.name} v{a.modelVersion.version}
                  </td>
                  <td>{a.samples}</td>
                  <td>{a.mean?.toFixed(4) ?? "—"}</td>
                  <td>{a.stdDev?.toFixed(4) ?? "—"}</td>
                  <td>{a.costTotal ? `${a.costTotal} ${a.costCurrency ?? ""}` : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Answer>
  );
}

export function Experiment(props: { id: string; asOf: string | null }) {
  const q = useQuery(ExperimentPageDocument, { id: props.id, asOf: props.asOf });
  const [picked, setPicked] = useState<string[]>([]);
  const [metric, setMetric] = useState<string | null>(null);
  return (
    <Answer q={q}>
      {({ experiment: x }) => {
        const runs: Run[] = [
          ...x.trainingJobs.nodes.flatMap((j) =>
            j.runs.nodes.map((r) => ({
              id: r.id,
              label: `${j.name} #${r.runNumber}`,
              source: "training job",
              status: r.status,
              params: obj(r.hyperparameters),
              metrics: obj(r.metrics),
              curves: [],
            })),
          ),
          ...x.jobRuns.nodes.map((r) => ({
            id: r.id,
            label: r.name,
            source: r.source,
            status: r.state,
            params: obj(r.params),
            metrics: obj(r.metrics),
            curves: x.curves.nodes.find((c) => c.id === r.id)?.metricHistory ?? [],
          })),
        ];
        const numeric = [...new Set(runs.flatMap((r) => Object.keys(r.metrics).filter((k) => typeof r.metrics[k] === "number")))].sort();
        const abMetric = metric ?? (obj(x.config).metric as string | undefined) ?? "quality";
        const chosen = runs.filter((r) => picked.includes(r.id));
        return (
          <div id="experiment" data-id={x.id}>
            <h1>
              {x.name} <Badge kind="type">{x.experimentType}</Badge> <Badge kind={x.status.toLowerCase()}>{x.status}</Badge>
            </h1>
            <p class="muted">
              {x.ns} · created by {x.createdBy ?? "—"} <When at={x.createdAt} /> ·{" "}
              <a href={href(`/lineage/${x.id}`)}>lineage</a>
            </p>
            {x.experimentType === "AB_TEST" && (
              <Section title="A/B result">
                <label>
                  Metric <input value={abMetric} onChange={(e) => setMetric(e.currentTarget.value)} />
                </label>
                <Ab id={x.id} metric={abMetric} />
              </Section>
            )}
            <Section title={`Runs (${runs.length})`}>
              {runs.length === 0 ? (
                <Empty>No runs: training jobs report them, and MLflow clients log them (mlflow.start_run).</Empty>
              ) : (
                <>
                  <Curves runs={runs} />
                  {numeric.length > 0 && runs.length > 1 && (
                    <LineChart
                      title="Metrics per run"
                      xLabel="run"
                      x={runs.map((_, i) => i + 1)}
                      series={numeric.map((k) => ({
                        label: k,
                        values: runs.map((r) => (typeof r.metrics[k] === "number" ? (r.metrics[k] as number) : null)),
                      }))}
                    />
                  )}
                  <div class="scroll">
                    <table id="runs">
                      <thead>
                        <tr>
                          <th scope="col">Compare</th>
                          <th scope="col">#</th>
                          <th scope="col">Run</th>
                          <th scope="col">Source</th>
                          <th scope="col">Status</th>
                          <th scope="col">Metrics</th>
                        </tr>
                      </thead>
                      <tbody>
                        {runs.map((r, i) => (
                          <tr data-id={r.id}>
                            <td>
                              <input
                                type="checkbox"
                                aria-label={`compare ${r.label}`}
                                checked={picked.includes(r.id)}
                                onChange={(e) =>
                                  setPicked(e.currentTarget.checked ? [...picked, r.id] : picked.filter((p) => p !== r.id))
                                }
                              />
                            </td>
                            <td>{i + 1}</td>
                            <td>{r.label}</td>
                            <td>{r.source}</td>
                            <td>{r.status}</td>
                            <td class="mono">{Object.entries(r.metrics).map(([k, v]) => `${k}=${show(v)}`).join(", ")}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  {chosen.length >= 2 ? <Compare runs={chosen} /> : <p class="muted">Tick two runs or more to compare their params and metrics.</p>}
                </>
              )}
            </Section>
          </div>
        );
      }}
    </Answer>
  );
}

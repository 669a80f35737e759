import { useState } from "preact/hooks";
import { ApiError, request } from "../api";
import { LineChart } from "../chart";
import {
  AcceptSchemaDeductionDocument,
  DatasetPageDocument,
  type DatasetFilter,
  DatasetsDocument,
  RejectSchemaDeductionDocument,
} from "../generated";
import { useQuery } from "../hooks";
import { href } from "../route";
import { Answer, Badge, bytes, Empty, Failure, Section, When } from "../ui";

export function Datasets(props: { asOf: string | null }) {
  const [name, setName] = useState("");
  const filter: DatasetFilter = name ? { name: { contains: name } } : {};
  const q = useQuery(DatasetsDocument, { filter, asOf: props.asOf });
  return (
    <div>
      <h1>Datasets</h1>
      <form class="filters" role="search" aria-label="Filter datasets" onSubmit={(e) => e.preventDefault()}>
        <label>
          Name contains
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
      </form>
      <Answer q={q}>
        {(d) =>
          d.datasets.nodes.length === 0 ? (
            <Empty>
              No datasets {name ? "match" : "yet"}: register one with createDataset, upload a file with
              createDatasetUpload, or send OpenLineage events.
            </Empty>
          ) : (
            <div class="scroll">
              <table id="datasets">
                <caption>{d.datasets.totalCount} datasets</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Namespace</th>
                    <th scope="col">Type</th>
                    <th scope="col">Format</th>
                    <th scope="col">Latest</th>
                    <th scope="col">Personal data</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {d.datasets.nodes.map((ds) => (
                    <tr data-id={ds.id}>
                      <td>
                        <a href={href(`/datasets/${ds.id}`)}>{ds.name}</a>
                      </td>
                      <td>{ds.ns}</td>
                      <td>{ds.dataType}</td>
                      <td>{ds.format ?? "—"}</td>
                      <td>{ds.latestVersionNumber ? `v${ds.latestVersionNumber}` : "—"}</td>
                      <td>{ds.personalData ? <Badge kind="warn">personal</Badge> : "no"}</td>
                      <td>
                        <When at={ds.updatedAt} />
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

type ColumnStats = {
  name: string;
  dtype: string;
  missingPct: number;
  distinct: number;
  numeric?: { min: number; max: number; mean: number; histogram: { edges: number[]; counts: number[] } };
};
type Report = { columnStats?: ColumnStats[]; correlations?: { a: string; b: string; r: number }[] };

/** Whether a version's validation found anything (`{count: 0, errors: []}` is a clean file). */
function hasErrors(v: unknown): boolean {
  if (v == null) return false;
  const o = v as { count?: number; errors?: unknown[] };
  return (o.count ?? 0) > 0 || (o.errors?.length ?? 0) > 0;
}

type Column = { name: string; type: string; format?: string | null; nullable?: boolean };

/** A proposed schema: its columns as a table (the JSON as it is when it has none). */
function Schema(props: { version: number; schema: unknown }) {
  const columns = (props.schema as { columns?: Column[] } | null)?.columns;
  if (!Array.isArray(columns)) {
    return (
      <pre class="mono" tabIndex={0} aria-label={`proposed schema of v${props.version}`}>
        {JSON.stringify(props.schema, null, 2)}
      </pre>
    );
  }
  return (
    <div class="scroll">
      <table class="schema">
        <caption class="sr">Proposed schema of v{props.version}</caption>
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col">Format</th>
            <th scope="col">Nullable</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((c) => (
            <tr>
              <td class="mono">{c.name}</td>
              <td>{c.type}</td>
              <td>{c.format ?? "—"}</td>
              <td>{c.nullable ? "yes" : "no"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The EDA report as charts: missing values per column, a histogram per numeric column, correlations. */
function Eda(props: { report: Report | null; summary: unknown }) {
  const cols = props.report?.columnStats ?? [];
  const summary = props.summary as { rows?: number; columns?: number; missingPct?: Record<string, number> } | null;
  const missing = summary?.missingPct ?? {};
  const names = Object.keys(missing);
  return (
    <div class="eda">
      <p>
        {summary?.rows ?? "?"} rows × {summary?.columns ?? "?"} columns
      </p>
      {names.length > 0 && (
        <LineChart
          title="Missing values per column (%)"
          xLabel="column"
          x={names.map((_, i) => i)}
          series={[{ label: "missing %", values: names.map((n) => missing[n]) }]}
          bars
        />
      )}
      {names.length > 0 && (
        <p class="muted small">Columns: {names.map((n, i) => `${i}: ${n}`).join(", ")}</p>
      )}
      {cols
        .filter((c) => c.numeric)
        .map((c) => (
          <LineChart
            title={`${c.name}: histogram (min ${c.numeric?.min}, mean ${c.numeric?.mean.toFixed(2)}, max ${c.numeric?.max})`}
            xLabel={c.name}
            x={(c.numeric?.histogram.edges ?? []).slice(0, -1)}
            series={[{ label: "count", values: c.numeric?.histogram.counts ?? [] }]}
            bars
          />
        ))}
      {(props.report?.correlations ?? []).length > 0 && (
        <table class="corr">
          <caption>Correlations (Pearson r)</caption>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Column</th>
              <th scope="col">r</th>
            </tr>
          </thead>
          <tbody>
            {(props.report?.correlations ?? []).map((c) => (
              <tr>
                <td>{c.a}</td>
                <td>{c.b}</td>
                <td style={{ background: `rgba(${c.r < 0 ? "198,40,40" : "21,101,192"},${Math.abs(c.r) * 0.5})` }}>
                  {c.r.toFixed(3)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function Dataset(props: { id: string; asOf: string | null }) {
  const q = useQuery(DatasetPageDocument, { id: props.id, asOf: props.asOf });
  const [error, setError] = useState<ApiError | null>(null);
  const [reason, setReason] = useState("");
  const decide = async (id: string, accept: boolean) => {
    setError(null);
    try {
      if (accept) await request(AcceptSchemaDeductionDocument, { id });
      else await request(RejectSchemaDeductionDocument, { id, reason });
      q.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <Answer q={q}>
      {({ dataset: ds }) => (
        <div id="dataset" data-id={ds.id}>
          <h1>
            {ds.name} <Badge kind="type">{ds.dataType}</Badge>
            {ds.personalData && <Badge kind="warn">personal data</Badge>}
          </h1>
          <p class="muted">
            {ds.ns} · {ds.format ?? "no format"} · {ds.storageUri ?? "no storage URI"} · created by{" "}
            {ds.createdBy ?? "—"} <When at={ds.createdAt} /> · <a href={href(`/lineage/${ds.id}`)}>lineage</a>
          </p>
          {ds.description && <p>{ds.description}</p>}
          {error && <Failure error={error} />}
          <Section title={`Versions (${ds.versions.totalCount})`}>
            {ds.versions.nodes.length === 0 ? (
              <Empty>No versions: upload a file with createDatasetUpload or register one with createDatasetVersion.</Empty>
            ) : (
              <ul id="dataset-versions" class="cards">
                {ds.versions.nodes.map((v) => {
                  const deduction = v.schemaDeductions.nodes[0];
                  const eda = v.edaReports.nodes[0];
                  return (
                    <li data-id={v.id}>
                      <h2>
                        v{v.version} <Badge kind="type">{v.split}</Badge>{" "}
                        {v.uploadStatus && <Badge kind={v.uploadStatus.toLowerCase()}>{v.uploadStatus}</Badge>}
                      </h2>
                      <p class="muted">
                        {v.numRows ?? "?"} rows · {v.numColumns ?? "?"} columns · {bytes(v.sizeBytes)} ·{" "}
                        {v.contentType ?? "—"} · <When at={v.createdAt} />
                      </p>
                      {hasErrors(v.validationErrors) && (
                        <pre class="error mono" tabIndex={0} aria-label={`validation errors of v${v.version}`}>{JSON.stringify(v.validationErrors, null, 2)}</pre>
                      )}
                      {deduction && (
                        <div class="deduction">
                          <h3>
                            Proposed schema <Badge kind={deduction.status.toLowerCase()}>{deduction.status}</Badge>{" "}
                            <span class="muted small">
                              confidence {(deduction.confidence * 100).toFixed(0)}% · {deduction.agentVersion}
                            </span>
                          </h3>
                          <Schema version={v.version} schema={deduction.proposedSchema} />
                          {deduction.rejectionReason && <p>Rejected: {deduction.rejectionReason}</p>}
                          {deduction.status === "PROPOSED" && !props.asOf && (
                            <div class="review">
                              <button type="button" onClick={() => decide(deduction.id, true)}>
                                Accept schema
                              </button>
                              <label>
                                Reason <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
                              </label>
                              <button type="button" class="danger" onClick={() => decide(deduction.id, false)}>
                                Reject schema
                              </button>
                            </div>
                          )}
                        </div>
                      )}
                      {eda && (
                        <details open={ds.versions.nodes[0]?.id === v.id}>
                          <summary>
                            EDA report <Badge kind={eda.status.toLowerCase()}>{eda.status}</Badge>
                          </summary>
                          {eda.error && <p class="error">{eda.error}</p>}
                          <Eda report={eda.report as Report | null} summary={eda.summary} />
                        </details>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
          </Section>
          <Section title="History">
            <ol class="history">
              {ds.history.nodes.map((e) => (
                <li>
                  <strong>{e.action}</strong> by {e.actor ?? "—"} <When at={e.createdAt} /> ·{" "}
                  <a href={href(`/datasets/${ds.id}`, { asOf: e.createdAt })}>view as of then</a>
                </li>
              ))}
            </ol>
          </Section>
        </div>
      )}
    </Answer>
  );
}

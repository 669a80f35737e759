import { useEffect, useState } from "preact/hooks";
import { ApiError, subscribe } from "../api";
import { type JobRowFragment, TrainingJobsDocument, WatchTrainingJobsDocument } from "../generated";
import { useQuery, useTick } from "../hooks";
import { href } from "../route";
import { age, Answer, Badge, Empty, Failure } from "../ui";

/**
 * Training jobs, live: the page's query, then every committed change after the newest
 * event the query saw (the subscription's `after`), applied in place. No polling.
 * Under `asOf`, the jobs as they were, and nothing live.
 */
export function Jobs(props: { asOf: string | null }) {
  const q = useQuery(TrainingJobsDocument, { asOf: props.asOf });
  const [rows, setRows] = useState<JobRowFragment[]>([]);
  const [liveError, setLiveError] = useState<ApiError | null>(null);
  const [live, setLive] = useState(false);
  const now = useTick(1000);
  useEffect(() => {
    if (!q.data) return;
    setRows(q.data.trainingJobs.nodes);
    if (props.asOf) return;
    const after = q.data.events.nodes[0]?.cursor ?? null;
    setLive(true);
    const stop = subscribe(
      WatchTrainingJobsDocument,
      { after },
      (d) => {
        const job = d.trainingJobs;
        setRows((cur) => {
          const i = cur.findIndex((r) => r.id === job.id);
          if (i < 0) return [job, ...cur];
          if (cur[i].revision > job.revision) return cur;
          const next = cur.slice();
          next[i] = job;
          return next;
        });
      },
      (e) => {
        setLiveError(e);
        setLive(false);
      },
    );
    return () => {
      stop();
      setLive(false);
    };
  }, [q.data, props.asOf]);
  return (
    <div>
      <h1>
        Training jobs{" "}
        {!props.asOf && (
          <span class={live ? "live on" : "live"} aria-live="polite">
            {live ? "live" : "not live"}
          </span>
        )}
      </h1>
      {liveError && <Failure error={liveError} />}
      <Answer q={q}>
        {() =>
          rows.length === 0 ? (
            <Empty>No training jobs: enqueue one with enqueueTrainingJob; workers claim it with claimTrainingJob.</Empty>
          ) : (
            <div class="scroll">
              <table id="jobs">
                <thead>
                  <tr>
                    <th scope="col">Job</th>
                    <th scope="col">Model</th>
                    <th scope="col">Status</th>
                    <th scope="col">Progress</th>
                    <th scope="col">Step</th>
                    <th scope="col">Worker</th>
                    <th scope="col">Heartbeat</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((j) => (
                    <tr data-id={j.id} data-revision={j.revision}>
                      <td>
                        {j.name}
                        <div class="muted small">{j.ns}</div>
                      </td>
                      <td>{j.model ? <a href={href(`/models/${j.model.id}`)}>{j.model.name}</a> : "—"}</td>
                      <td>
                        <Badge kind={j.status.toLowerCase()}>{j.status}</Badge>
                      </td>
                      <td class="progress">
                        <progress max={100} value={j.progress} aria-label={`${j.name} progress`} />{" "}
                        <span class="pct">{Math.round(j.progress)}%</span>
                      </td>
                      <td>{j.currentStep ?? "—"}</td>
                      <td>{j.worker ?? "—"}</td>
                      <td>{j.status === "RUNNING" ? age(j.heartbeatAt, now) : "—"}</td>
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

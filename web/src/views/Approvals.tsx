import { useState } from "preact/hooks";
import { ApiError, request } from "../api";
import { ApprovalsDocument, ReviewApprovalDocument, type ReviewDecision } from "../generated";
import { useQuery } from "../hooks";
import { href } from "../route";
import { Answer, Badge, Empty, Failure, When } from "../ui";

/**
 * The approvals inbox: pending requests first, with their compliance checks; a reviewer
 * approves or rejects (the API enforces four eyes and the policy, and its refusal is
 * shown with its code).
 */
export function Approvals(props: { asOf: string | null }) {
  const q = useQuery(ApprovalsDocument, { asOf: props.asOf });
  const [comment, setComment] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const review = async (id: string, revision: number, decision: ReviewDecision) => {
    setError(null);
    try {
      await request(ReviewApprovalDocument, {
        input: { id, decision, expectedRevision: revision, comment: comment[id] || null },
      });
      q.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <div>
      <h1>Approvals</h1>
      {error && <Failure error={error} />}
      <Answer q={q}>
        {(d) => {
          const all = [...d.approvals.nodes].sort(
            (a, b) => Number(b.status === "PENDING") - Number(a.status === "PENDING"),
          );
          if (all.length === 0)
            return <Empty>No approval requests: a version's promotion asks for one (requestApproval).</Empty>;
          return (
            <ul id="approvals" class="cards">
              {all.map((a) => (
                <li data-id={a.id} data-status={a.status}>
                  <h2>
                    {a.modelVersion.model ? (
                      <a href={href(`/models/${a.modelVersion.model.id}`)}>{a.modelVersion.model.name}</a>
                    ) : (
                      "?"
                    )}{" "}
                    v{a.modelVersion.version} → {a.targetStage} <Badge kind={a.status.toLowerCase()}>{a.status}</Badge>
                  </h2>
                  <p>
                    Requested by {a.requestedBy} <When at={a.createdAt} />
                    {a.justification ? `: “${a.justification}”` : ""}
                  </p>
                  {a.reviewedBy && (
                    <p>
                      Reviewed by {a.reviewedBy} <When at={a.decidedAt} />
                      {a.reviewComment ? `: “${a.reviewComment}”` : ""}
                    </p>
                  )}
                  {a.checks.length > 0 && (
                    <ul class="checks" aria-label="Compliance checks">
                      {a.checks.map((c) => (
                        <li>
                          <Badge kind={c.result.toLowerCase()}>{c.result}</Badge> {c.check}
                          {c.blocking ? " (blocking)" : ""}
                        </li>
                      ))}
                    </ul>
                  )}
                  {a.status === "PENDING" && !props.asOf && (
                    <div class="review">
                      <label>
                        Comment
                        <input
                          value={comment[a.id] ?? ""}
                          onInput={(e) => setComment({ ...comment, [a.id]: e.currentTarget.value })}
                        />
                      </label>
                      <button type="button" onClick={() => review(a.id, a.revision, "APPROVE")}>
                        Approve
                      </button>
                      <button type="button" class="danger" onClick={() => review(a.id, a.revision, "REJECT")}>
                        Reject
                      </button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          );
        }}
      </Answer>
    </div>
  );
}

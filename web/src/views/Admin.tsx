import { useState } from "preact/hooks";
import { ApiError, request } from "../api";
import { AdminDocument, RevokeApiKeyDocument, RevokeGrantDocument } from "../generated";
import { useQuery } from "../hooks";
import { Answer, Badge, Empty, Failure, Section, When } from "../ui";

/** Users, their grants and keys, and a namespace's governance policy (admins). */
export function Admin() {
  const [ns, setNs] = useState("acme.com");
  const q = useQuery(AdminDocument, { ns });
  const [error, setError] = useState<ApiError | null>(null);
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      q.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <div>
      <h1>Administration</h1>
      {error && <Failure error={error} />}
      <Answer q={q}>
        {(d) => (
          <>
            <Section title={`Users (${d.users.length})`}>
              {d.users.length === 0 ? (
                <Empty>No users: create one with createUser or `mlgraph admin create-user`.</Empty>
              ) : (
                <div class="scroll">
                  <table id="users">
                    <thead>
                      <tr>
                        <th scope="col">User</th>
                        <th scope="col">Kind</th>
                        <th scope="col">Grants</th>
                        <th scope="col">API keys</th>
                        <th scope="col">Last login</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.users.map((u) => (
                        <tr data-id={u.id}>
                          <td>
                            {u.email} {u.isSuperuser && <Badge kind="warn">superuser</Badge>}{" "}
                            {!u.isActive && <Badge kind="archived">inactive</Badge>}
                            {u.lockedUntil && <Badge kind="failed">locked</Badge>}
                            <div class="muted small">{u.fullName ?? ""}</div>
                          </td>
                          <td>{u.kind}</td>
                          <td>
                            {u.grants.map((g) => (
                              <div>
                                {g.role} on {g.ns}{" "}
                                <button type="button" class="danger" onClick={() => act(() => request(RevokeGrantDocument, { id: g.id }))}>
                                  Revoke <span class="sr">{g.role} on {g.ns}</span>
                                </button>
                              </div>
                            ))}
                          </td>
                          <td>
                            {u.apiKeys.map((k) => (
                              <div>
                                {k.name} ({k.kind}){" "}
                                {k.revokedAt ? (
                                  <Badge kind="archived">revoked</Badge>
                                ) : (
                                  <button type="button" class="danger" onClick={() => act(() => request(RevokeApiKeyDocument, { id: k.id }))}>
                                    Revoke <span class="sr">key {k.name}</span>
                                  </button>
                                )}
                                <div class="muted small">
                                  last used <When at={k.lastUsedAt} />
                                </div>
                              </div>
                            ))}
                          </td>
                          <td>
                            <When at={u.lastLoginAt} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Section>
            <Section title="Governance policy">
              <label>
                Namespace <input value={ns} onChange={(e) => setNs(e.currentTarget.value)} />
              </label>
              {d.governancePolicy ? (
                <div id="policy">
                  <p>
                    Version {d.governancePolicy.version} (from {d.governancePolicy.ns}): approval needed for{" "}
                    {d.governancePolicy.requireApprovalFor.join(", ") || "no stage"}; approvals valid{" "}
                    {d.governancePolicy.approvalTtlHours} h.
                  </p>
                  <ul>
                    {d.governancePolicy.checks.map((c) => (
                      <li>
                        {c.check} {c.blocking ? "(blocking)" : "(advisory)"}
                        {c.threshold != null ? `, threshold ${c.threshold}` : ""}
                        {c.metric ? `, metric ${c.metric}` : ""}
                      </li>
                    ))}
                  </ul>
                </div>
              ) : (
                <Empty>No policy on {ns}: set one with setGovernancePolicy.</Empty>
              )}
            </Section>
          </>
        )}
      </Answer>
    </div>
  );
}

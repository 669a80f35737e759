#!/usr/bin/env bash
# Checks the Dockerfile without Docker (which does not run on the machines this project is
# built on): runs its build stage's `cargo build` exactly as written, then the runtime
# stage as the image would — the built binary alone, as an unprivileged user, from an
# empty working directory, with the image's ENV, ENTRYPOINT and CMD — and passes only if
# the image's HEALTHCHECK command succeeds within the health check's own start period and
# retries, and the server runs as that user. The listening port is moved off 8080 (in
# ENV and in the health check alike) so that it cannot collide with anything.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
df="$here/Dockerfile"
fail() { echo "check-dockerfile: $*" >&2; exit 1; }

# Build stage: the one RUN that builds, up to its `&&`.
build="$(sed -n 's/^RUN \(cargo build [^&]*\).*/\1/p' "$df")"
[ -n "$build" ] || fail "no 'RUN cargo build' in the Dockerfile"
echo "check-dockerfile: $build"
eval "$build"
bin="${CARGO_TARGET_DIR:-$here/target}/release/mlgraph"
[ -x "$bin" ] || fail "the build did not produce $bin"

# Runtime stage.
grep -q '^COPY --from=build /mlgraph /usr/local/bin/mlgraph' "$df" || fail "the runtime stage does not copy the built binary"
grep -q '^USER mlgraph' "$df" || fail "the runtime stage does not switch to the mlgraph user"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
work="$(mktemp -d)"
chmod 755 "$work"
cp "$bin" "$work/mlgraph"
user_args=()
if [ "$(id -u)" = 0 ]; then
  id mlgraph-image >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin mlgraph-image
  chown mlgraph-image "$work"
  user_args=(setpriv --reuid mlgraph-image --regid "$(id -g mlgraph-image)" --init-groups)
fi
# ENV: `KEY=value` pairs, over continuation lines; the port moved.
mapfile -t env_pairs < <(awk '/^ENV /{p=1; sub(/^ENV /,"")} p{line=$0; cont=sub(/\\[ \t]*$/,"",line); n=split(line, kv, /[ \t]+/); for(i=1;i<=n;i++) if (kv[i] ~ /=/) print kv[i]; if(!cont) p=0}' "$df" | sed "s/:8080/:$port/; s#/var/lib/mlgraph#$work#")
[ "${#env_pairs[@]}" -gt 0 ] || fail "no ENV in the runtime stage"
entry="$(sed -n 's/^ENTRYPOINT \["\(.*\)"\]/\1/p' "$df")"
cmd="$(sed -n 's/^CMD \["\(.*\)"\]/\1/p' "$df")"
[ "$entry" = "/usr/local/bin/mlgraph" ] || fail "unexpected ENTRYPOINT: $entry"
(
  cd "$work"
  exec env -i PATH=/usr/bin:/bin HOME="$work" "${env_pairs[@]}" "${user_args[@]}" ./mlgraph "$cmd"
) >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

# HEALTHCHECK: its command, interval, start period and retries.
hc_line="$(grep '^HEALTHCHECK' -A1 "$df" | tr '\n' ' ')"
hc_cmd="$(echo "$hc_line" | sed -n 's/.*CMD \(.*\)$/\1/p' | sed "s/:8080/:$port/")"
secs() { echo "$hc_line" | sed -n "s/.*--$1=\([0-9]*\)s.*/\1/p"; }
interval="$(secs interval)"; start="$(secs start-period)"; retries="$(echo "$hc_line" | sed -n 's/.*--retries=\([0-9]*\).*/\1/p')"
[ -n "$hc_cmd" ] && [ -n "$interval" ] && [ -n "$start" ] && [ -n "$retries" ] || fail "unreadable HEALTHCHECK: $hc_line"
# Wait (within the health check's start period and retries) for the server to say it
# listens, then probe once, as Docker's first probe after start-up would.
budget=$(( start + interval * retries ))
if ! timeout "$budget" grep -m1 -q "listening on" <(tail -n +1 -F "$work/server.log" 2>/dev/null); then
  cat "$work/server.log" >&2
  fail "the server did not listen within ${budget}s"
fi
sh -c "$hc_cmd" >/dev/null || { cat "$work/server.log" >&2; fail "HEALTHCHECK failed: $hc_cmd"; }
uid="$(awk '/^Uid:/{print $2}' "/proc/$server/status" 2>/dev/null || echo "")"
[ -n "$uid" ] && [ "$uid" != 0 ] || fail "the server runs as uid '${uid:-?}', not an unprivileged user"
echo "check-dockerfile: the runtime stage serves and passes its HEALTHCHECK as uid $uid"

#!/usr/bin/env bash
# 1 GiB through MLflow's artifact API with the release server's peak RSS after each step:
# a `PUT` to the artifact proxy, the `GET` back (bytes compared), and the stock client's
# `log_artifact` by MLflow's multipart upload. The server runs on SQLite with the local
# artifact store in a scratch directory.
#   PYTHON   a Python with mlflow-skinny (default: the test command's, $MLGRAPH_TEST_PYTHON)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo build --release --bins --manifest-path "$here/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$here/target}/release/mlgraph"
python="${PYTHON:-${MLGRAPH_TEST_PYTHON:?set PYTHON to a Python with mlflow-skinny}}"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
head -c 1073741824 /dev/urandom > "$work/1g.bin"
sum="$(sha256sum "$work/1g.bin" | cut -d' ' -f1)"
"$bin" serve --database-url "sqlite://$work/db.sqlite?mode=rwc" --listen "127.0.0.1:$port" \
  --artifact-store local --artifact-dir "$work/store" 2> "$work/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
since() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); printf "%d.%01d" $((ms / 1000)) $((ms % 1000 / 100)); }
peak() { awk '/VmHWM/{printf "%.0f MB", $2/1024}' "/proc/$pid/status"; }
api="http://127.0.0.1:$port/api/2.0/mlflow"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
exp="$(curl -sf "$api/experiments/create" -H 'content-type: application/json' -d '{"name":"onegig"}' | json '["experiment_id"]')"
run="$(curl -sf "$api/runs/create" -H 'content-type: application/json' -d "{\"experiment_id\":\"$exp\"}" | json '["run"]["info"]["run_id"]')"
echo "started: peak RSS $(peak)"
url="http://127.0.0.1:$port/api/2.0/mlflow-artifacts/artifacts/$exp/$run/artifacts/big.bin"
t=$(date +%s%N); curl -sf -T "$work/1g.bin" "$url" -o /dev/null
echo "PUT 1 GiB: $(since "$t") s, peak RSS $(peak)"
t=$(date +%s%N); back="$(curl -sf "$url" | sha256sum | cut -d' ' -f1)"
echo "GET 1 GiB: $(since "$t") s, peak RSS $(peak), same bytes: $([ "$back" = "$sum" ] && echo yes || echo NO)"
t=$(date +%s%N)
MLFLOW_TRACKING_URI="http://127.0.0.1:$port" MLFLOW_DISABLE_TELEMETRY=true GIT_PYTHON_REFRESH=quiet \
  "$python" -c "from mlflow import MlflowClient; MlflowClient().log_artifact('$run', '$work/1g.bin', 'mpu')" 2>/dev/null
echo "multipart upload (the client's 10 MB parts) of 1 GiB: $(since "$t") s, peak RSS $(peak)"

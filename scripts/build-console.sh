#!/usr/bin/env bash
# Rebuilds the web console's bundle (web/dist, embedded in the binary by src/console.rs)
# from web/: installs the npm packages pinned in web/package-lock.json, generates the
# operations' types from schema.graphql, type-checks, and builds with Vite.
#   --check   fail if the rebuilt bundle differs from the committed one
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here/web"
if [ "$(cat node_modules/.installed 2>/dev/null)" != "$(sha256sum package-lock.json)" ]; then
  npm ci --silent --no-audit --no-fund >/dev/null
  sha256sum package-lock.json > node_modules/.installed
fi
npm run --silent build >/dev/null
if [ "${1:-}" = "--check" ] && git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
  if ! git -C "$here" diff --quiet -- web/dist || [ -n "$(git -C "$here" ls-files --others --exclude-standard -- web/dist)" ]; then
    git -C "$here" status --short -- web/dist >&2
    echo "build-console: web/dist differs from its source: run scripts/build-console.sh and commit web/dist" >&2
    exit 1
  fi
fi
echo "build-console: web/dist built ($(du -cb dist/assets/* | tail -1 | cut -f1) bytes of assets)" >&2

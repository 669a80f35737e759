#!/usr/bin/env bash
# Refreshes the playground's assets in vendor/graphiql from the npm registry, at the
# pinned versions below. The server embeds them in its binary (src/playground.rs), so
# GraphiQL works with no network; run this only to change versions, then commit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GRAPHIQL=3.8.3
REACT=18.3.1
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null
for f in *.tgz; do mkdir "${f%.tgz}" && tar -xzf "$f" -C "${f%.tgz}"; done
out="$here/vendor/graphiql"
mkdir -p "$out"
cp "graphiql-$GRAPHIQL/package/graphiql.min.js" "graphiql-$GRAPHIQL/package/graphiql.min.css" "$out/"
cp "react-$REACT/package/umd/react.production.min.js" "$out/"
cp "react-dom-$REACT/package/umd/react-dom.production.min.js" "$out/"
cp "graphiql-$GRAPHIQL/package/LICENSE" "$out/LICENSE.graphiql"
cp "react-$REACT/package/LICENSE" "$out/LICENSE.react"
printf 'graphiql %s\nreact %s\nreact-dom %s\n' "$GRAPHIQL" "$REACT" "$REACT" > "$out/VERSIONS"
echo "vendor/graphiql: graphiql $GRAPHIQL, react $REACT"

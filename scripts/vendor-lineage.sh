#!/usr/bin/env bash
# Refreshes the lineage view's assets in vendor/lineage from the npm registry, at the
# pinned versions below (cytoscape-dagre bundles its dagre). The server embeds them in its
# binary (src/lineage_view.rs), so the page works with no network; run this only to
# change versions, then commit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CYTOSCAPE=3.35.0
CYTOSCAPE_DAGRE=4.0.1
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "cytoscape@$CYTOSCAPE" "cytoscape-dagre@$CYTOSCAPE_DAGRE" >/dev/null
for f in *.tgz; do mkdir "${f%.tgz}" && tar -xzf "$f" -C "${f%.tgz}"; done
out="$here/vendor/lineage"
mkdir -p "$out"
cp "cytoscape-$CYTOSCAPE/package/dist/cytoscape.min.js" "$out/"
cp "cytoscape-dagre-$CYTOSCAPE_DAGRE/package/dist/cytoscape-dagre.min.js" "$out/"
cp "cytoscape-$CYTOSCAPE/package/LICENSE" "$out/LICENSE.cytoscape"
cp "cytoscape-dagre-$CYTOSCAPE_DAGRE/package/LICENSE" "$out/LICENSE.cytoscape-dagre"
printf 'cytoscape %s\ncytoscape-dagre %s\n' "$CYTOSCAPE" "$CYTOSCAPE_DAGRE" > "$out/VERSIONS"
echo "vendor/lineage: cytoscape $CYTOSCAPE, cytoscape-dagre $CYTOSCAPE_DAGRE"

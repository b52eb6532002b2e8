#!/usr/bin/env bash
# Copies the generated CRDs (k8s/crds/, from `npm run generate:crds -w @ecom/operator`) into the
# chart's crds/ folder, which Helm installs before the templates.
#   bash local/packaging/sync-crds.sh           copy
#   bash local/packaging/sync-crds.sh --check   exit 1 when charts/ecom/crds differs from k8s/crds
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src="$REPO/k8s/crds" dst="$REPO/charts/ecom/crds"
if [ "${1:-}" = "--check" ]; then
  diff -r "$src" "$dst" >&2 || { echo "charts/ecom/crds differs from k8s/crds: run bash local/packaging/sync-crds.sh" >&2; exit 1; }
  echo "charts/ecom/crds matches k8s/crds"
  exit 0
fi
mkdir -p "$dst"
rm -f "$dst"/*.yaml
cp "$src"/*.yaml "$dst"/
echo "copied $(ls "$src"/*.yaml | wc -l) CRD file(s) from k8s/crds to charts/ecom/crds"

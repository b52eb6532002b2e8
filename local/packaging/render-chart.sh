#!/usr/bin/env bash
# Renders charts/ecom with the Strimzi dependency left out, without network:
#
#   bash local/packaging/render-chart.sh [helm template flags...]     e.g. -f charts/ecom/values-dev.yaml
#   bash local/packaging/render-chart.sh --print-chart-dir             a dependency-free copy, for helm lint
#
# Helm refuses to render a chart whose Chart.yaml lists a dependency missing from charts/, even when
# its condition is false; the Strimzi chart (oci://quay.io/strimzi-helm) cannot be fetched offline.
# So this copies the chart to a temp dir, drops the `dependencies:` block of Chart.yaml and renders
# with strimzi.enabled=false. Used by test/packaging/ and by the Tiltfile (which installs the Strimzi
# operator itself, as its own resource). Release name ecom, namespace $ECOM_NAMESPACE (default ecom),
# CRDs included. HELM (default: helm on PATH, else the cached local/tools/install.sh build).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HELM="${HELM:-}"
if [ -z "$HELM" ]; then
  if command -v helm >/dev/null 2>&1; then HELM=helm
  else
    dir="$(bash "$REPO/local/tools/install.sh" --print-dirs | grep '/helm-')"
    [ -x "$dir/helm" ] || { echo "render-chart: no helm: run bash local/tools/install.sh helm" >&2; exit 1; }
    HELM="$dir/helm"
  fi
fi

tmp="$(mktemp -d /tmp/ecom-chart.XXXXXX)"
cp -R "$REPO/charts/ecom" "$tmp/ecom"
# Drop the top-level `dependencies:` block (up to the next top-level key).
awk '/^dependencies:/ {skip=1; next} skip && /^[^ #-]/ {skip=0} !skip' "$REPO/charts/ecom/Chart.yaml" >"$tmp/ecom/Chart.yaml"
grep -q '^dependencies:' "$tmp/ecom/Chart.yaml" && { echo "render-chart: could not drop the dependencies block" >&2; exit 1; }

if [ "${1:-}" = "--print-chart-dir" ]; then
  echo "$tmp/ecom"   # the caller removes it
  exit 0
fi
trap 'rm -rf "$tmp"' EXIT
"$HELM" template ecom "$tmp/ecom" --namespace "${ECOM_NAMESPACE:-ecom}" --include-crds --set strimzi.enabled=false "$@"

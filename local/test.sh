#!/usr/bin/env bash
# npm test: type-check, check generated files, then unit and integration tests. The integration
# tests' global setup (local/src/test-setup.ts) starts the real Kafka broker, PostgreSQL and
# kube-apiserver they run against. Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -euo pipefail
cd "$(dirname "$0")/.."
source local/lib.sh

ensure_node_modules
build
step "type-checking the tests (tsc -p tsconfig.tests.json; vitest only strips types)"
npx tsc -p tsconfig.tests.json
step "checking generated files are up to date"
npm run --silent check-generated -w @ecom/schemas
npm run --silent generate:crds -w @ecom/operator -- --check
npm run --silent check-settings
npm run --silent chart-access -- --check

# The integration tests' global setup starts the same pieces idempotently; doing it here first
# shows the one-time builds (kube-apiserver, etcd, helm, tilt, prometheus-operator, the cluster's
# node components and images: ~35 min on 2 cores) and Debian's prometheus and chromium installs as
# progress instead of a silent hook; the cluster tests (test/cluster/) need local/cluster up. Only
# the unit tests need none of it.
if [[ " $* " != *" --project unit "* ]]; then
  step "provisioning the real components the integration tests use"
  bash local/kafka/kafka.sh start
  if [ -z "${DATABASE_URL:-}" ]; then bash local/postgres/postgres.sh start; fi
  bash local/kube/kube.sh start
  # The one-node cluster's components (kubelet & co., containerd, CoreDNS: ~10 min cold) build
  # beside the tools below instead of after them.
  mkdir -p .local
  bash local/kube/build.sh cluster >.local/cluster-build.log 2>&1 &
  cluster_build=$!
  step "building the local cluster's node components in the background (log: .local/cluster-build.log)"
  bash local/tools/install.sh helm
  bash local/tools/install.sh tilt
  bash local/tools/install.sh otelcol   # the trace test's backend (test/e2e/traces.int.test.ts)
  bash local/tools/install.sh schemathesis
  bash local/tools/install.sh prometheus-operator
  bash local/tools/install.sh prometheus
  bash local/tools/install.sh chromium
  wait "$cluster_build" || { tail -n 30 .local/cluster-build.log >&2; fail "building the cluster's node components failed (log: .local/cluster-build.log)"; }
  bash local/cluster/cluster.sh up
fi

step "running tests (vitest)"
mkdir -p .local
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=.local/vitest-report.json "$@"
status=$?
set -e
# One plain closing line, whatever the reporter printed above.
node -e '
  const r = require("./.local/vitest-report.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' 2>/dev/null || true
exit $status

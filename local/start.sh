#!/usr/bin/env bash
# npm start: the whole platform on this machine (Kafka, PostgreSQL or PGlite, topics, every service).
set -euo pipefail
cd "$(dirname "$0")/.."
source local/lib.sh

ensure_node   # the pinned Node.js (local/lib.sh): fetched when the machine's is older
case "${1:-}" in -h|--help) node local/dist/cli/up.js --help 2>/dev/null || echo "Usage: npm start [-- --only order,payment] (build first for the full text: npx tsc -b)"; exit 0 ;; esac
ensure_node_modules
build

bash local/kafka/kafka.sh start
KAFKA_BROKERS=$(bash local/kafka/kafka.sh brokers)
export KAFKA_BROKERS

if [ -z "${DATABASE_URL:-}" ]; then
  set +e; bash local/postgres/postgres.sh start; pg=$?; set -e
  case $pg in
    0) DATABASE_URL=$(bash local/postgres/postgres.sh url); export DATABASE_URL ;;
    3) step "no PostgreSQL server binaries: services use embedded PGlite under .local/pglite" ;;
    *) fail "PostgreSQL did not start (see above)" ;;
  esac
fi

exec node --enable-source-maps local/dist/cli/up.js "$@"

#!/usr/bin/env bash
# npm run bench: brings up the local stack and measures the kit against the broker's own perf tools.
set -euo pipefail
cd "$(dirname "$0")/.."
source local/lib.sh

# --help answers without a build or a broker (it used to start Kafka and PostgreSQL first).
case " $* " in
  *" -h "* | *" --help "*)
    ensure_node
    node local/dist/cli/bench.js --help 2>/dev/null || echo "Usage: npm run bench -- [OPTIONS] (build first for the full text: npx tsc -b)"
    exit 0 ;;
esac
ensure_node_modules
build
bash local/kafka/kafka.sh start
KAFKA_BROKERS=$(bash local/kafka/kafka.sh brokers); export KAFKA_BROKERS
if [ -z "${DATABASE_URL:-}" ] && bash local/postgres/postgres.sh start; then
  DATABASE_URL=$(bash local/postgres/postgres.sh url); export DATABASE_URL
fi

# ensure_node_modules put the pinned Node.js on PATH, which also runs @platformatic/kafka (measured
# beside kafkajs; it needs Node >= 22.22 or >= 24.6).
exec node --enable-source-maps local/dist/cli/bench.js "$@"

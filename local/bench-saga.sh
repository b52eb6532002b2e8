#!/usr/bin/env bash
# npm run bench:saga: what an order costs on this machine (CPU per SHIPPED order, throughput,
# latency; see --help). Builds, gets k6, starts Kafka and PostgreSQL when they are not running
# (and stops them again at the end), then local/dist/cli/bench-saga.js runs the services and the
# measured phases and stops the services it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source local/lib.sh

case " $* " in
  *" -h "* | *" --help "*)
    ensure_node
    node local/dist/cli/bench-saga.js --help 2>/dev/null || echo "Usage: npm run bench:saga -- [OPTIONS] (build first for the full text: npx tsc -b)"
    exit 0 ;;
esac
ensure_node_modules
build
# Bad options are refused before anything is started.
node local/dist/cli/bench-saga.js --check "$@"

stop_kafka=false
stop_postgres=false
kafka_pid=""
# The pid listening on a TCP port (ss from iproute2).
pid_on_port() { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2; }
cleanup() {
  # Both scripts leave alone what KAFKA_BROKERS/DATABASE_URL point at: unset them for the stop.
  if $stop_postgres; then step "stopping PostgreSQL (this run started it)"; env -u DATABASE_URL bash local/postgres/postgres.sh stop || true; fi
  if $stop_kafka; then
    step "stopping Kafka (this run started it)"
    env -u KAFKA_BROKERS bash local/kafka/kafka.sh stop || true
    # The broker found by its port when it started: stopped even if kafka.sh's pid file named another process.
    if [ -n "$kafka_pid" ] && kill -0 "$kafka_pid" 2>/dev/null; then
      echo "kafka.sh stop left the broker (pid $kafka_pid) running: SIGTERM"
      kill -TERM "$kafka_pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$kafka_pid" 2>/dev/null || break; sleep 0.5; done
    fi
  fi
}
trap cleanup EXIT

bash local/kafka/kafka.sh status >/dev/null 2>&1 || stop_kafka=true
step "Kafka"
bash local/kafka/kafka.sh start
KAFKA_BROKERS=$(bash local/kafka/kafka.sh brokers); export KAFKA_BROKERS
if $stop_kafka; then kafka_pid=$(pid_on_port "${KAFKA_BROKERS##*:}"); fi

if [ -z "${DATABASE_URL:-}" ]; then
  set +e; bash local/postgres/postgres.sh status >/dev/null 2>&1; pg=$?; set -e
  [ "$pg" -ne 3 ] || fail "bench:saga needs a PostgreSQL server (the embedded PGlite is not what is measured): sudo apt-get install postgresql, or set DATABASE_URL"
  [ "$pg" -eq 0 ] || stop_postgres=true
  step "PostgreSQL"
  bash local/postgres/postgres.sh start
  DATABASE_URL=$(bash local/postgres/postgres.sh url); export DATABASE_URL
  # The server log counts deadlocks exactly (pg_stat_database publishes them late).
  BENCH_PG_LOG="$PWD/.local/postgres/postgres.log"; export BENCH_PG_LOG
fi

step "k6 (built once and cached by local/tools/install.sh)"
K6=$(bash local/tools/install.sh k6 | tail -n1) || fail "could not build k6 (bash local/tools/install.sh k6)"
[ -x "$K6" ] || fail "local/tools/install.sh k6 did not yield an executable ($K6)"
export K6

node --enable-source-maps local/dist/cli/bench-saga.js "$@"

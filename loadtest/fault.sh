#!/usr/bin/env bash
# One fault of `npm run loadtest -- --scenario NAME`, fired mid-load by run.sh in the background:
#
#   bash loadtest/fault.sh SCENARIO DELAY_SECONDS PAYMENT_PORT HOST LOG_FILE
#
# Sleeps DELAY_SECONDS, fires the fault, waits until the platform can work again, and appends
# "<epoch ms> <what happened>" lines to LOG_FILE (the plot marks them; the result lists them).
# Exit non-zero when the fault could not be fired or the platform did not come back.
set -euo pipefail
cd "$(dirname "$0")/.."
usage='usage: bash loadtest/fault.sh SCENARIO DELAY_SECONDS PAYMENT_PORT HOST LOG_FILE'
case "${1:-}" in -h | --help) echo "$usage"; exit 0 ;; esac
[ $# -eq 5 ] || { echo "$usage" >&2; exit 2; }
scenario=$1 delay=$2 payment_port=$3 host=$4 log_file=$5

note() { printf '%s %s\n' "$(date +%s%3N)" "$*" >>"$log_file"; printf '[loadtest] fault: %s\n' "$*" >&2; }
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$host:$1/readyz" || true)" = 200 ]; }

sleep "$delay"
case "$scenario" in
  kill-payment)
    # The process listening on the payment port is the service itself (the supervisor spawns node
    # directly); SIGKILL runs no shutdown hook, as in an OOM kill.
    pid=$(ss -Hltnp "sport = :$payment_port" | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)
    [ -n "$pid" ] || { note "no process listens on :$payment_port; nothing killed"; exit 1; }
    kill -KILL "$pid"
    note "SIGKILL payment (pid $pid)"
    # npm start's supervisor restarts it after a second; anything else must restart it itself.
    for _ in $(seq 1 120); do
      if ready "$payment_port"; then note "payment ready again"; exit 0; fi
      sleep 0.5
    done
    note "payment not ready 60 s after the kill (is a supervisor running it?)"
    exit 1
    ;;
  db-outage)
    bash local/postgres/postgres.sh stop >&2
    note "PostgreSQL stopped"
    sleep 5
    bash local/postgres/postgres.sh start >&2
    note "PostgreSQL started again"
    ;;
  kafka-restart)
    bash local/kafka/kafka.sh stop >&2
    note "Kafka broker stopped"
    bash local/kafka/kafka.sh start >&2
    note "Kafka broker started again"
    ;;
  *)
    echo "fault.sh: unknown scenario '$scenario'" >&2
    exit 2
    ;;
esac

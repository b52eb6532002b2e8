#!/usr/bin/env bash
# npm run loadtest: k6 against the running one-machine stack, plus the saga-completion histogram.
# See loadtest/README.md. Run `npm start` first (in another terminal).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../local/lib.sh
source local/lib.sh

usage() {
  cat <<'EOF'
Usage: npm run loadtest [-- OPTIONS]
       bash loadtest/run.sh [OPTIONS]

Places orders at a constant arrival rate against the stack `npm start` runs (ports 3001-3006),
optionally with a fault armed mid-load, then reads the order service's saga_completion_seconds
histogram and checks every order the run placed against the saga's invariants (the e2e tests'
checker, test/support/saga-invariants.ts): every order settled, charged − refunded = the total of
kept orders and 0 for cancelled ones, stock conserved and never negative, each notification sent
once. Writes loadtest/results/<timestamp>.json (and latest.json) with orders/s accepted, HTTP
latency p50/p95/p99 of order creation, saga completion p50/p95/p99 and
"invariants": { checked, violations }; beside it <timestamp>.dashboard.html (k6's web dashboard)
and <timestamp>.svg (offered/accepted/completed orders per second, saga latency over time).

Options (each also settable by the env variable in brackets):
  --rate N          orders per second offered                       [RATE, default 1000]
  --duration D      how long, as k6 reads it: 20s, 1m, 1m30s         [DURATION, default 30s]
  --products N      distinct products stocked and ordered           [PRODUCTS, default 50]
  --vus N           VUs preallocated (k6 grows to --max-vus)        [PRE_VUS, default max(50, rate/5)]
  --max-vus N       VU ceiling                                      [MAX_VUS, default max(200, 2*rate)]
  --settle-max S    seconds to wait at most for sagas to finish     [SETTLE_MAX, default 120]
  --scenario NAME   arm a fault a third into the load               [SCENARIO, default none]
                      none           no fault
                      kill-payment   SIGKILL the payment service; npm start's supervisor
                                     restarts it (the run waits up to 60 s for it to be ready)
                      db-outage      stop the one-machine PostgreSQL for 5 s, then start it
                                     (local/postgres/postgres.sh; not with PGlite or DATABASE_URL)
                      kafka-restart  stop the one-machine Kafka broker, start it again
                                     (local/kafka/kafka.sh; not with KAFKA_BROKERS elsewhere)
  --port-base N     services on ports N+1..N+6 (the e2e stack: 3100) [LOADTEST_PORT_BASE, default 3000]
  -h, --help        this text

Host: LOADTEST_HOST (default localhost). Auth: AUTH_TOKEN, a bearer token with the admin role
(stocking) and the service role (ordering for many customers); by default one is minted from the
development issuer in .local/auth, the one `npm start` trusts (npm run token).

Exit status: 1 when an invariant is broken (listed under "invariants.violations"), the stack is
not answering, k6 cannot be built, or k6 fails for any other reason than crossed thresholds;
0 otherwise, whether or not seed C's targets were met (a missed threshold is a finding, listed
under "targetsMissed").
EOF
}

RATE="${RATE:-1000}"
DURATION="${DURATION:-30s}"
PRODUCTS="${PRODUCTS:-50}"
PRE_VUS="${PRE_VUS:-}"
MAX_VUS="${MAX_VUS:-}"
SETTLE_MAX="${SETTLE_MAX:-120}"
HOST="${LOADTEST_HOST:-localhost}"
SCENARIO="${SCENARIO:-none}"
PORT_BASE="${LOADTEST_PORT_BASE:-3000}"

need_value() { [ $# -ge 2 ] && [ -n "$2" ] || { echo "loadtest: $1 needs a value (see --help)" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --rate) need_value "$@"; RATE="$2"; shift 2 ;;
    --rate=*) RATE="${1#*=}"; shift ;;
    --duration) need_value "$@"; DURATION="$2"; shift 2 ;;
    --duration=*) DURATION="${1#*=}"; shift ;;
    --products) need_value "$@"; PRODUCTS="$2"; shift 2 ;;
    --products=*) PRODUCTS="${1#*=}"; shift ;;
    --vus) need_value "$@"; PRE_VUS="$2"; shift 2 ;;
    --vus=*) PRE_VUS="${1#*=}"; shift ;;
    --max-vus) need_value "$@"; MAX_VUS="$2"; shift 2 ;;
    --max-vus=*) MAX_VUS="${1#*=}"; shift ;;
    --settle-max) need_value "$@"; SETTLE_MAX="$2"; shift 2 ;;
    --settle-max=*) SETTLE_MAX="${1#*=}"; shift ;;
    --scenario) need_value "$@"; SCENARIO="$2"; shift 2 ;;
    --scenario=*) SCENARIO="${1#*=}"; shift ;;
    --port-base) need_value "$@"; PORT_BASE="$2"; shift 2 ;;
    --port-base=*) PORT_BASE="${1#*=}"; shift ;;
    *) echo "loadtest: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for v in RATE PRODUCTS SETTLE_MAX; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "loadtest: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
case "$SCENARIO" in none|kill-payment|db-outage|kafka-restart) ;; *) echo "loadtest: unknown --scenario '$SCENARIO' (see --help)" >&2; exit 2 ;; esac
[[ "$PORT_BASE" =~ ^[0-9]+$ ]] || { echo "loadtest: --port-base must be a number, got '$PORT_BASE'" >&2; exit 2; }
[[ "$DURATION" =~ ^([0-9]+(ms|s|m|h))+$ ]] || { echo "loadtest: --duration must look like 20s, 1m or 1m30s, got '$DURATION'" >&2; exit 2; }

log() { printf '[loadtest] %s\n' "$*" >&2; }
die() { printf '[loadtest] ERROR: %s\n' "$*" >&2; exit 1; }

declare -A PORT=([order]=$((PORT_BASE + 1)) [payment]=$((PORT_BASE + 2)) [inventory]=$((PORT_BASE + 3))
  [shipping]=$((PORT_BASE + 4)) [notification]=$((PORT_BASE + 5)) [analytics]=$((PORT_BASE + 6)))
SERVICES=(order payment inventory shipping notification analytics)

ensure_node   # the pinned Node.js for the node calls below (local/lib.sh; fetched when the machine's is older)

# 1. The stack must be up: every service ready.
down=()
for s in "${SERVICES[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$HOST:${PORT[$s]}/readyz" || true)
  [ "$code" = 200 ] || down+=("$s (:${PORT[$s]} answered ${code:-nothing})")
done
[ ${#down[@]} -eq 0 ] || die "the stack is not ready: ${down[*]}.
  Start it first with \`npm start\` (in another terminal) and wait until every service is ready."

# 2. k6, built once by the project's installer and cached.
K6=$(bash local/tools/install.sh k6 | tail -n1) || die "could not build k6 (local/tools/install.sh k6)"
[ -x "$K6" ] || die "local/tools/install.sh k6 did not yield an executable ($K6)"

scrape() { # scrape SERVICE FILE
  curl -sf --max-time 10 "http://$HOST:${PORT[$1]}/metrics" -o "$2" || die "could not read http://$HOST:${PORT[$1]}/metrics"
}
finished_count() { # orders that reached CONFIRMED or CANCELLED so far (order service counters)
  curl -sf --max-time 10 "http://$HOST:${PORT[order]}/metrics" \
    | awk '/^orders_total\{/ && /status="(CONFIRMED|CANCELLED)"/ {s += $2} END {print s + 0}'
}

mkdir -p loadtest/results
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="loadtest/results/$STAMP.json"
K6_SUMMARY="loadtest/results/$STAMP.k6-summary.json"
SCRAPES=$(mktemp -d "${TMPDIR:-/tmp}/ecom-loadtest.XXXXXX")
FAULT_PID=""
trap '[ -z "$FAULT_PID" ] || kill "$FAULT_PID" 2>/dev/null || true; rm -rf "$SCRAPES"' EXIT
# This run's customers and products, so the checker finds its orders and its stock starts at zero.
RUN_TAG="lt-$(printf '%s' "$STAMP" | tr 'A-Z' 'a-z')-$RANDOM"
duration_seconds() { # k6 duration → whole seconds (at least 1)
  local rest=$1 total=0 n u
  while [[ "$rest" =~ ^([0-9]+)(ms|s|m|h)(.*)$ ]]; do
    n=${BASH_REMATCH[1]} u=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
    case $u in h) total=$((total + n * 3600)) ;; m) total=$((total + n * 60)) ;; s) total=$((total + n)) ;; ms) total=$((total + n / 1000)) ;; esac
  done
  echo $((total > 0 ? total : 1))
}
DURATION_S=$(duration_seconds "$DURATION")
# At most ~40 orders per customer: the order and notification lists the checker reads stop at 500,
# and an order that ships sends its customer several notifications (created, status changes, shipment).
CUSTOMERS=$(( (RATE * DURATION_S + 39) / 40 )); [ "$CUSTOMERS" -ge 20 ] || CUSTOMERS=20

# The fault's infrastructure must be this machine's, or the scenario cannot fire.
case "$SCENARIO" in
  db-outage) bash local/postgres/postgres.sh status >/dev/null 2>&1 \
    || die "--scenario db-outage stops the one-machine PostgreSQL (local/postgres/postgres.sh), which is not running here" ;;
  kafka-restart) bash local/kafka/kafka.sh status >/dev/null 2>&1 \
    || die "--scenario kafka-restart restarts the one-machine Kafka broker (local/kafka/kafka.sh), which is not running here" ;;
esac

# 3. Start from a quiet stack: sagas of earlier orders still finishing would land in this run's
#    histogram delta. In flight = orders created minus orders that reached CONFIRMED or CANCELLED.
in_flight() {
  curl -sf --max-time 10 "http://$HOST:${PORT[order]}/metrics" | awk '
    /^orders_total\{/ && /status="CREATED"/ {c += $2}
    /^orders_total\{/ && /status="(CONFIRMED|CANCELLED)"/ {d += $2}
    END {print (c - d > 0 ? c - d : 0)}'
}
prev=$(in_flight); still=0
[ "$prev" -gt 0 ] && log "waiting for $prev sagas of earlier orders to finish first…"
while [ "$prev" -gt 0 ] && [ "$still" -lt 10 ]; do
  sleep 2; cur=$(in_flight)
  if [ "$cur" -lt "$prev" ]; then still=0; else still=$((still + 2)); fi
  prev=$cur
done
# What remains without moving was finished elsewhere (see README: shared consumer groups) or is stuck.
[ "$prev" -eq 0 ] || log "$prev earlier orders never reached CONFIRMED/CANCELLED here; going ahead"

# 4. Histogram before the run: the figures are the delta, so earlier orders do not count.
for s in "${SERVICES[@]}"; do scrape "$s" "$SCRAPES/before-$s.prom"; done

# 5. k6. Exit 99 means thresholds crossed: a finding. Anything else non-zero is a failure.
log "k6 $("$K6" version 2>/dev/null | head -n1 | awk '{print $2}'): $RATE orders/s for $DURATION, $PRODUCTS products"
FAULT_LOG="$SCRAPES/fault.log"
if [ "$SCENARIO" != none ]; then
  # A third into the load (setup seeds stock for a few seconds first).
  delay=$(( DURATION_S / 3 + 3 ))
  log "scenario $SCENARIO: the fault fires ~${delay}s after k6 starts"
  bash loadtest/fault.sh "$SCENARIO" "$delay" "${PORT[payment]}" "$HOST" "$FAULT_LOG" &
  FAULT_PID=$!
fi
DASHBOARD="loadtest/results/$STAMP.dashboard.html"
if [ -z "${AUTH_TOKEN:-}" ]; then
  AUTH_TOKEN=$(node --import tsx --conditions=source local/src/cli/token.ts --role admin,service --sub loadtest --ttl 43200) \
    || die "could not mint a token (set AUTH_TOKEN to one your services accept)"
fi
set +e
# k6's web dashboard without its HTTP server (port -1): only the HTML report at the end. k6 reads
# the whole environment, so the script's other knobs are pinned here (vitest sets MODE=test).
MODE=rate LINES=1 SEED_STOCK=1 RATE="$RATE" DURATION="$DURATION" PRODUCTS="$PRODUCTS" PRE_VUS="$PRE_VUS" MAX_VUS="$MAX_VUS" \
  ORDER_URL="http://$HOST:${PORT[order]}" INVENTORY_URL="http://$HOST:${PORT[inventory]}" \
  SUMMARY_PATH="$K6_SUMMARY" RUN_ID="$STAMP" AUTH_TOKEN="$AUTH_TOKEN" \
  CUSTOMER_PREFIX="$RUN_TAG-c-" CUSTOMERS="$CUSTOMERS" PRODUCT_PREFIX="$RUN_TAG-sku-" \
  K6_WEB_DASHBOARD=true K6_WEB_DASHBOARD_PORT=-1 K6_WEB_DASHBOARD_PERIOD=1s K6_WEB_DASHBOARD_EXPORT="$DASHBOARD" \
  "$K6" run --quiet --no-usage-report loadtest/orders.js
k6_rc=$?
fault_rc=0
if [ -n "$FAULT_PID" ]; then wait "$FAULT_PID" || fault_rc=$?; FAULT_PID=""; fi
set -e
[ "$fault_rc" -eq 0 ] || log "the $SCENARIO fault did not complete cleanly (exit $fault_rc); checking the orders anyway"
case $k6_rc in
  0) log "k6 finished; every threshold held" ;;
  99) log "k6 finished; some thresholds were crossed (a finding, reported below)" ;;
  *) die "k6 failed (exit $k6_rc); no result written" ;;
esac
[ -f "$K6_SUMMARY" ] || die "k6 wrote no summary at $K6_SUMMARY"

# 6. Where work is queued right now, per service (outbox backlog, consumer lag).
for s in "${SERVICES[@]}"; do scrape "$s" "$SCRAPES/end-$s.prom"; done

# 7. Let the sagas of this run's orders finish before reading the histogram again: wait until as
#    many orders reached CONFIRMED or CANCELLED as k6 placed (accepted plus timed out, which the
#    service may still have committed), or nothing moved for 15 s, or SETTLE_MAX passed.
placed=$(node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).loadtest.orders;
  console.log(o.accepted + o.noResponse)' "$K6_SUMMARY")
base=$(awk '/^orders_total\{/ && /status="(CONFIRMED|CANCELLED)"/ {s += $2} END {print s + 0}' "$SCRAPES/before-order.prom")
start=$(date +%s); last=$(finished_count); last_move=$start
while :; do
  done_now=$(( $(finished_count) - base ))
  now=$(date +%s)
  [ "$done_now" -ge "$placed" ] && break
  if [ "$done_now" != "$last" ]; then last=$done_now; last_move=$now; fi
  if [ $(( now - last_move )) -ge 15 ]; then log "sagas stalled at $done_now/$placed finished for 15s; reading the histogram anyway"; break; fi
  if [ $(( now - start )) -ge "$SETTLE_MAX" ]; then log "only $done_now/$placed sagas finished after ${SETTLE_MAX}s; reading the histogram anyway"; break; fi
  sleep 1
done
settled=$(( $(date +%s) - start ))
scrape order "$SCRAPES/after-order.prom"

# 8. The result file, and latest.json beside it.
node loadtest/report.mjs "$SCRAPES" "$K6_SUMMARY" "$OUT" "$k6_rc" "$settled"

# 9. Every order this run placed, against the saga's invariants (the e2e tests' checker), and the plot.
PLOT="loadtest/results/$STAMP.svg"
log "checking every order of this run against the saga's invariants…"
ORDER_URL="http://$HOST:${PORT[order]}" PAYMENT_URL="http://$HOST:${PORT[payment]}" \
  INVENTORY_URL="http://$HOST:${PORT[inventory]}" NOTIFICATION_URL="http://$HOST:${PORT[notification]}" \
  SETTLE_MAX="$SETTLE_MAX" FAULT_LOG="$FAULT_LOG" SCENARIO="$SCENARIO" \
  node --import tsx --conditions=source loadtest/src/check.ts "$K6_SUMMARY" "$OUT" "$PLOT" \
  || die "the invariant check could not read the platform (see above); $OUT has no invariants"
node -e 'const fs = require("fs"); const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  r.report = { dashboard: fs.existsSync(process.argv[2]) ? process.argv[2] : null, plot: process.argv[3] };
  fs.writeFileSync(process.argv[1], JSON.stringify(r, null, 2) + "\n");' "$OUT" "$DASHBOARD" "$PLOT"
cp "$OUT" loadtest/results/latest.json
[ -f "$DASHBOARD" ] || log "k6 wrote no dashboard (a run shorter than a few seconds has too little data)"
log "wrote $OUT (and loadtest/results/latest.json), $PLOT, $DASHBOARD; k6's own summary: $K6_SUMMARY"
violations=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).invariants.violations.length)' "$OUT")
[ "$violations" -eq 0 ] || die "$violations invariant violations (listed under invariants.violations in $OUT)"
log "invariants hold for every order of this run"

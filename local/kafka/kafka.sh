#!/usr/bin/env bash
# A real local Apache Kafka broker (KRaft, combined broker+controller, one node) for the tests and
# `npm start`. The jars come from Maven Central through local/kafka/pom.xml, resolved once per
# Kafka version into ~/.cache/ecom/kafka-<version>/lib; data and logs live in <repo>/.local/kafka.
# See `kafka.sh --help`.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
# shellcheck source=../lib.sh
source "$REPO_ROOT/local/lib.sh"
POM="$SCRIPT_DIR/pom.xml"

KAFKA_PORT="${KAFKA_PORT:-19092}"
if ! [[ "$KAFKA_PORT" =~ ^[0-9]+$ ]] || ((KAFKA_PORT < 1 || KAFKA_PORT > 65534)); then
  echo "kafka: KAFKA_PORT must be a port number (got '$KAFKA_PORT')" >&2
  exit 2
fi
CONTROLLER_PORT=$((KAFKA_PORT + 1))
HOST=127.0.0.1
# The pods of the local cluster (local/cluster/cluster.sh) cannot reach loopback: for them a second
# listener, still bound to loopback, advertises the node's address, where cluster.sh forwards to it.
PODS_PORT=$((KAFKA_PORT + 2))
PODS_ADDRESS="${ECOM_CLUSTER_NODE_IP:-10.250.0.1}"

STATE_DIR="${KAFKA_STATE_DIR:-$REPO_ROOT/.local/kafka}"
DATA_DIR="$STATE_DIR/data"
LOG_DIR="$STATE_DIR/logs"
PIDFILE="$STATE_DIR/kafka.pid"
LOCKFILE="$STATE_DIR/.lock"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[[ -n "$KAFKA_VERSION" ]] || { echo "kafka: cannot read <kafka.version> from $POM" >&2; exit 1; }
CACHE_ROOT="${ECOM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ecom}"
KAFKA_HOME="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIB_DIR="$KAFKA_HOME/lib"

# A fixed cluster id (base64url of "ecom-local-kafka"): the data dir is formatted once with it.
CLUSTER_ID="ZWNvbS1sb2NhbC1rYWZrYQ"
READY_TIMEOUT_S="${KAFKA_READY_TIMEOUT_S:-90}"
STOP_TIMEOUT_S="${KAFKA_STOP_TIMEOUT_S:-30}"
BROKER_HEAP="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
TOOL_HEAP="${KAFKA_TOOL_HEAP_OPTS:--Xms64m -Xmx512m}"

log() { echo "kafka: $*"; }
die() { echo "kafka: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
secs_since() { local d=$(( $(now_ms) - $1 )); printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100)); }

usage() {
  cat <<EOF
Usage: bash local/kafka/kafka.sh <command> [args]

A local Apache Kafka $KAFKA_VERSION broker (KRaft, broker+controller, node id 1) for tests and npm start.

Commands:
  start                      start the broker in the background and wait until it answers
                             (reuses a running one; does nothing when KAFKA_BROKERS is set)
  stop                       stop the broker (SIGTERM, then SIGKILL after ${STOP_TIMEOUT_S}s)
  status                     say whether it runs (exit 0) or not (exit 3)
  brokers                    print the bootstrap address
  pod-brokers                print the bootstrap address for the local cluster's pods
  run-class <class> [args]   run a Java main class on the broker classpath, e.g.
                             org.apache.kafka.tools.ProducerPerformance --help
  jars                       resolve the jars (cached) and print the lib directory

Environment:
  KAFKA_BROKERS         use this cluster instead (start/stop do nothing)
  KAFKA_PORT            client port (default 19092); the controller uses KAFKA_PORT+1, and
                        KAFKA_PORT+2 is the listener the local cluster's pods reach through
                        the node address ECOM_CLUSTER_NODE_IP (default 10.250.0.1)
  KAFKA_READY_TIMEOUT_S seconds to wait for the broker to answer (default 90)
  KAFKA_HEAP_OPTS       broker heap (default "-Xms256m -Xmx768m")
  ECOM_CACHE_DIR        jar cache root (default ~/.cache/ecom)

Files: jars in $LIB_DIR
       data in $DATA_DIR, logs in $LOG_DIR (server.log, kafka.out)
EOF
}

need_java() {
  command -v java >/dev/null 2>&1 ||
    die "java not found: install a Java 17+ runtime (apt-get install openjdk-17-jre-headless), or set KAFKA_BROKERS to use an existing cluster"
  local v
  v="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  if [[ -n "$v" && "$v" -lt 17 ]]; then
    die "java $v found, Kafka $KAFKA_VERSION needs Java 17+: apt-get install openjdk-17-jre-headless"
  fi
}

# Resolve the broker + tools jars once per version (a marker file records a complete resolve).
resolve_jars() {
  local marker="$KAFKA_HOME/.resolved" pomsum
  pomsum="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -f "$marker" && "$(cat "$marker")" == "$pomsum" && -d "$LIB_DIR" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 ||
    die "mvn not found (needed once to fetch the Kafka jars from Maven Central): apt-get install maven openjdk-17-jre-headless, or set KAFKA_BROKERS to use an existing cluster"
  mkdir -p "$KAFKA_HOME"
  # Serialise concurrent resolves of the same version.
  exec 8>"$KAFKA_HOME/.lock"
  flock -w 600 8 || die "timed out waiting for another resolve of $KAFKA_HOME"
  if [[ -f "$marker" && "$(cat "$marker")" == "$pomsum" && -d "$LIB_DIR" ]]; then
    exec 8>&-
    return 0
  fi
  log "resolving Kafka $KAFKA_VERSION jars from Maven Central into $LIB_DIR (first run only)..."
  local t0 tmp
  t0="$(now_ms)"
  tmp="$KAFKA_HOME/lib.tmp.$$"
  rm -rf "$tmp"
  if ! MAVEN_OPTS="${MAVEN_OPTS:--Xmx384m -XX:TieredStopAtLevel=1}" \
    mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp" >"$KAFKA_HOME/mvn.log" 2>&1; then
    tail -n 30 "$KAFKA_HOME/mvn.log" >&2
    rm -rf "$tmp"
    die "mvn could not resolve the Kafka $KAFKA_VERSION jars (full output: $KAFKA_HOME/mvn.log). Is Maven Central reachable?"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "resolved jars lack kafka_2.13 (see $KAFKA_HOME/mvn.log)"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  echo "$pomsum" >"$marker"
  exec 8>&-
  log "resolved $(ls "$LIB_DIR" | wc -l) jars in $(secs_since "$t0") s"
}

# pid of our broker if it is alive (checked against its command line, so a reused pid does not count)
broker_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

write_configs() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  cat >"$STATE_DIR/server.properties" <<EOF
# generated by local/kafka/kafka.sh on every start: edit the script, not this file
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$CONTROLLER_PORT,PODS://$HOST:$PODS_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,PODS://$PODS_ADDRESS:$PODS_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PODS:PLAINTEXT
log.dirs=$DATA_DIR

# one node: everything replicated once; topics come from the specs, never auto-created
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true

# a small shared machine
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=268435456
log.retention.check.interval.ms=300000
EOF
  cat >"$STATE_DIR/log4j2.properties" <<'EOF'
# generated by local/kafka/kafka.sh: broker logs to server.log (rolled at 50 MB, 3 kept)
status = warn
name = ecom-local-kafka
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

tool_log4j() {
  local f="$KAFKA_HOME/tools-log4j2.properties"
  if [[ ! -f "$f" ]]; then
    cat >"$f" <<'EOF'
status = warn
name = ecom-kafka-tools
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
  fi
  echo "$f"
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return 0
  fi
  log "formatting storage in $DATA_DIR (first start only, cluster id $CLUSTER_ID)..."
  # shellcheck disable=SC2086
  if ! java $TOOL_HEAP -Dlog4j2.configurationFile="$(tool_log4j)" -cp "$LIB_DIR/*" kafka.tools.StorageTool \
    format --cluster-id "$CLUSTER_ID" --config "$STATE_DIR/server.properties" --ignore-formatted \
    >"$LOG_DIR/format.log" 2>&1; then
    cat "$LOG_DIR/format.log" >&2
    die "formatting storage failed"
  fi
}

print_log_tail() {
  echo "---- last lines of $LOG_DIR/server.log ----" >&2
  tail -n 40 "$LOG_DIR/server.log" >&2 2>/dev/null || true
  echo "---- last lines of $LOG_DIR/kafka.out ----" >&2
  tail -n 20 "$LOG_DIR/kafka.out" >&2 2>/dev/null || true
}

wait_ready() {
  local pid="$1" t0="$2"
  ensure_node   # the pinned Node.js (local/lib.sh), fetched when the machine's is older
  if ! node "$SCRIPT_DIR/wait-ready.mjs" --brokers "$HOST:$KAFKA_PORT" --timeout "$READY_TIMEOUT_S" --pid "$pid"; then
    print_log_tail
    die "the broker did not answer on $HOST:$KAFKA_PORT within ${READY_TIMEOUT_S}s (pid $pid; logs in $LOG_DIR)"
  fi
  log "ready in $(secs_since "$t0") s (Kafka $KAFKA_VERSION on $HOST:$KAFKA_PORT, pid $pid)"
}

cmd_start() {
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    log "KAFKA_BROKERS is set ($KAFKA_BROKERS): using that cluster, starting nothing"
    return 0
  fi
  local t0
  t0="$(now_ms)"
  need_java
  mkdir -p "$STATE_DIR"
  exec 9>"$LOCKFILE"
  flock -w 180 9 || die "timed out waiting for another kafka.sh start/stop (lock $LOCKFILE)"

  local pid
  if pid="$(broker_pid)"; then
    if port_open "$KAFKA_PORT"; then
      log "broker already running on $HOST:$KAFKA_PORT (pid $pid): reusing it"
    else
      log "broker process $pid exists but $HOST:$KAFKA_PORT does not answer yet: waiting"
    fi
    wait_ready "$pid" "$t0"
    return 0
  fi
  rm -f "$PIDFILE"
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    if port_open "$p"; then
      die "port $p on $HOST is taken by another process (not this repo's broker). Stop it, choose another KAFKA_PORT, or set KAFKA_BROKERS=$HOST:$KAFKA_PORT to use that cluster"
    fi
  done

  resolve_jars
  write_configs
  format_storage

  log "starting broker on $HOST:$KAFKA_PORT (controller $HOST:$CONTROLLER_PORT, heap $BROKER_HEAP, logs $LOG_DIR)..."
  # setsid + nohup: the broker outlives the shell (and the test runner) that started it.
  # shellcheck disable=SC2086
  without_inherited_fds setsid nohup java $BROKER_HEAP -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dkafka.logs.dir="$LOG_DIR" \
    -Dlog4j2.configurationFile="$STATE_DIR/log4j2.properties" \
    -cp "$LIB_DIR/*" kafka.Kafka "$STATE_DIR/server.properties" \
    >"$LOG_DIR/kafka.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"
  wait_ready "$pid" "$t0"
}

cmd_stop() {
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    log "KAFKA_BROKERS is set ($KAFKA_BROKERS): nothing of ours to stop"
    return 0
  fi
  mkdir -p "$STATE_DIR"
  exec 9>"$LOCKFILE"
  flock -w 180 9 || die "timed out waiting for another kafka.sh start/stop (lock $LOCKFILE)"
  local pid t0
  if ! pid="$(broker_pid)"; then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  t0="$(now_ms)"
  log "stopping broker (pid $pid, SIGTERM)..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(($(now_ms) + STOP_TIMEOUT_S * 1000))
  while kill -0 "$pid" 2>/dev/null; do
    if (($(now_ms) > deadline)); then
      log "still running after ${STOP_TIMEOUT_S}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$PIDFILE"
  log "stopped in $(secs_since "$t0") s"
}

cmd_status() {
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    echo "kafka: KAFKA_BROKERS is set: using $KAFKA_BROKERS"
    return 0
  fi
  local pid
  if pid="$(broker_pid)"; then
    if port_open "$KAFKA_PORT"; then
      echo "kafka: running (Kafka $KAFKA_VERSION, pid $pid, $HOST:$KAFKA_PORT, data $DATA_DIR)"
    else
      echo "kafka: starting (pid $pid, $HOST:$KAFKA_PORT not answering yet)"
    fi
    return 0
  fi
  echo "kafka: not running (port $KAFKA_PORT)"
  return 3
}

cmd_run_class() {
  [[ $# -ge 1 ]] || die "usage: kafka.sh run-class <main-class> [args...]"
  need_java
  resolve_jars >&2
  # shellcheck disable=SC2086
  exec java $TOOL_HEAP -Djava.awt.headless=true -Dlog4j2.configurationFile="$(tool_log4j)" -cp "$LIB_DIR/*" "$@"
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) cmd_stop && cmd_start ;;
    status) cmd_status ;;
    brokers) echo "${KAFKA_BROKERS:-$HOST:$KAFKA_PORT}" ;;
    pod-brokers) echo "$PODS_ADDRESS:$PODS_PORT" ;;
    run-class) cmd_run_class "$@" ;;
    jars) need_java; resolve_jars; echo "$LIB_DIR" ;;
    "" | -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"

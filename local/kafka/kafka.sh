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
# Authenticated clients: TLS with SCRAM-SHA-512 logins, each user held to its ACLs (plaintext stays
# the default for npm start and the tests, its anonymous principal a super user).
SASL_PORT=$((KAFKA_PORT + 3))

STATE_DIR="${KAFKA_STATE_DIR:-$REPO_ROOT/.local/kafka}"
DATA_DIR="$STATE_DIR/data"
LOG_DIR="$STATE_DIR/logs"
PIDFILE="$STATE_DIR/kafka.pid"
LOCKFILE="$STATE_DIR/.lock"
# The SASL_SSL listener's CA and certificate, and one password file per SCRAM user: made once, kept
# beside the data (never in git), reused when the data dir is formatted again.
SECURE_DIR="$STATE_DIR/secure"
TLS_DIR="$SECURE_DIR/tls"
USERS_DIR="$SECURE_DIR/users"
# The SCRAM users the data dir has (Kafka loads only directories from it): the users of a data dir
# formatted before them are added at start (migrated).
USERS_MARKER="$DATA_DIR/.scram-users"
AUTHORIZER_LOG="$LOG_DIR/kafka-authorizer.log"

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
  restart                    stop, then start (e.g. to pick up a changed configuration)
  stop                       stop the broker (SIGTERM, then SIGKILL after ${STOP_TIMEOUT_S}s)
  status                     say whether it runs (exit 0) or not (exit 3)
  brokers                    print the bootstrap address
  pod-brokers                print the bootstrap address for the local cluster's pods
  sasl-env [USER]            print the kit's settings (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, ...)
                             for USER (default admin) on the SASL_SSL listener, one VAR=value a line
  users                      list the SCRAM users (one per service, and admin, a super user)
  authorizer-log             print the path of the log of denied requests (kafka.authorizer.logger)
  run-class <class> [args]   run a Java main class on the broker classpath, e.g.
                             org.apache.kafka.tools.ProducerPerformance --help
  jars                       resolve the jars (cached) and print the lib directory

Environment:
  KAFKA_BROKERS         use this cluster instead (start/stop do nothing)
  KAFKA_PORT            client port (default 19092, plaintext); the controller uses KAFKA_PORT+1,
                        KAFKA_PORT+2 is the listener the local cluster's pods reach through
                        the node address ECOM_CLUSTER_NODE_IP (default 10.250.0.1), and
                        KAFKA_PORT+3 is SASL_SSL (SCRAM-SHA-512 over TLS, ACLs enforced)
  KAFKA_READY_TIMEOUT_S seconds to wait for the broker to answer (default 90)
  KAFKA_HEAP_OPTS       broker heap (default "-Xms256m -Xmx768m")
  ECOM_CACHE_DIR        jar cache root (default ~/.cache/ecom)

Files: jars in $LIB_DIR
       data in $DATA_DIR, logs in $LOG_DIR (server.log, kafka-authorizer.log, kafka.out)
       CA, certificate and SCRAM passwords in $SECURE_DIR
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

# The SCRAM users: one per service (its directory name is its name, client id and group id, see
# services/*/src/service.ts) and admin, a super user for ACL administration.
scram_users() {
  local d
  for d in "$REPO_ROOT"/services/*/src/service.ts; do
    d="${d%/src/service.ts}"
    [[ "${d##*/}" == kit ]] || echo "${d##*/}"
  done
  echo admin
}

# A password file per user, made once (0600); `kafka.sh sasl-env` points KAFKA_SASL_PASSWORD_FILE at it.
ensure_passwords() {
  mkdir -p "$USERS_DIR"
  local user
  for user in $(scram_users); do
    [[ -s "$USERS_DIR/$user.password" ]] && continue
    (umask 077 && openssl rand -hex 24 >"$USERS_DIR/$user.password")
  done
}

# A self-signed CA and a broker certificate for 127.0.0.1 and localhost, made once. The broker
# reads key and certificate as one PEM keystore; clients trust ca.crt (KAFKA_SSL_CA_FILE).
ensure_tls() {
  [[ -s "$TLS_DIR/broker.pem" && -s "$TLS_DIR/ca.crt" ]] && return 0
  command -v openssl >/dev/null 2>&1 ||
    die "openssl not found (needed once for the SASL_SSL listener's certificate): apt-get install openssl"
  log "creating the SASL_SSL listener's CA and certificate in $TLS_DIR (first start only)..."
  local tmp="$TLS_DIR.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp" && chmod 700 "$tmp"
  if ! {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ecom local Kafka CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$tmp/ca.key" -out "$tmp/ca.crt" &&
      openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tmp/broker.key" -out "$tmp/broker.csr" &&
      printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$HOST" >"$tmp/broker.ext" &&
      openssl x509 -req -days 3650 -in "$tmp/broker.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
        -extfile "$tmp/broker.ext" -out "$tmp/broker.crt"
  } >"$tmp/openssl.log" 2>&1; then
    cat "$tmp/openssl.log" >&2
    rm -rf "$tmp"
    die "creating the TLS certificate failed"
  fi
  cat "$tmp/broker.key" "$tmp/broker.crt" >"$tmp/broker.pem"
  rm -f "$tmp"/broker.{csr,ext} "$tmp"/ca.srl "$tmp/openssl.log"
  rm -rf "$TLS_DIR"
  mv "$tmp" "$TLS_DIR"
}

# --add-scram arguments of the storage format, one a line: every user gets its credential at format time.
scram_format_args() {
  local user
  for user in $(scram_users); do
    printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' "$user" "$(cat "$USERS_DIR/$user.password")"
  done
}

# What USERS_MARKER holds once the data dir has every user.
users_stamp() { scram_users | tr '\n' ' '; }

# A data dir formatted before the SCRAM users existed (or before a service was added) lacks some:
# add them through the running broker's plaintext listener, whose principal is a super user.
migrate_users() {
  [[ -f "$USERS_MARKER" && "$(cat "$USERS_MARKER")" == "$(users_stamp)" ]] && return 0
  log "adding the SCRAM users to a data dir formatted without them (once)..."
  local user
  for user in $(scram_users); do
    # shellcheck disable=SC2086
    java $TOOL_HEAP -Dlog4j2.configurationFile="$(tool_log4j)" -cp "$LIB_DIR/*" kafka.admin.ConfigCommand \
      --bootstrap-server "$HOST:$KAFKA_PORT" --alter --entity-type users --entity-name "$user" \
      --add-config "SCRAM-SHA-512=[password=$(cat "$USERS_DIR/$user.password")]" >>"$LOG_DIR/users.log" 2>&1 ||
      die "adding SCRAM user $user failed (see $LOG_DIR/users.log)"
  done
  users_stamp >"$USERS_MARKER"
}

# rolling_appender <id> <name> <file> <size> <kept>: a log4j2 appender writing <file> in the logs
# dir, rolled at <size>, <kept> old files kept.
rolling_appender() {
  local prefix="appender.$1" name="$2" file="$3" size="$4" kept="$5"
  # shellcheck disable=SC2016 # a log4j2 lookup, not a shell expansion
  local dir='${sys:kafka.logs.dir}'
  printf '%s\n' "$prefix.type = RollingFile" "$prefix.name = $name" "$prefix.fileName = $dir/$file" \
    "$prefix.filePattern = $dir/$file.%i" "$prefix.layout.type = PatternLayout" \
    "$prefix.layout.pattern = [%d] %p %m (%c)%n" "$prefix.policies.type = Policies" \
    "$prefix.policies.size.type = SizeBasedTriggeringPolicy" "$prefix.policies.size.size = $size" \
    "$prefix.strategy.type = DefaultRolloverStrategy" "$prefix.strategy.max = $kept"
}

write_configs() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  cat >"$STATE_DIR/server.properties" <<EOF
# generated by local/kafka/kafka.sh on every start: edit the script, not this file
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$CONTROLLER_PORT,PODS://$HOST:$PODS_PORT,SASL_SSL://$HOST:$SASL_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,PODS://$PODS_ADDRESS:$PODS_PORT,SASL_SSL://$HOST:$SASL_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PODS:PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=$DATA_DIR

# SASL_SSL: SCRAM-SHA-512 logins (users created at format time) over TLS with the broker
# certificate of $TLS_DIR (a PEM keystore: key, then certificate)
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$TLS_DIR/broker.pem

# ACLs: a SASL user may do only what an ACL allows it (nothing without one). The plaintext
# listeners' principal (ANONYMOUS: clients, inter-broker and controller traffic) and admin are
# super users, so npm start and the tests on the plaintext port work as before.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS;User:admin
allow.everyone.if.no.acl.found=false

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
  {
    cat <<'EOF'
# generated by local/kafka/kafka.sh: broker logs to server.log (rolled at 50 MB, 3 kept), denied
# requests (kafka.authorizer.logger at INFO; allowed ones are DEBUG) to kafka-authorizer.log
status = warn
name = ecom-local-kafka
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = INFO
logger.authorizer.additivity = false
logger.authorizer.appenderRef.authorizer.ref = AUTHORIZER
EOF
    rolling_appender file FILE server.log 50MB 3
    rolling_appender authorizer AUTHORIZER kafka-authorizer.log 20MB 2
  } >"$STATE_DIR/log4j2.properties"
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
  log "formatting storage in $DATA_DIR (first start only, cluster id $CLUSTER_ID, SCRAM users $(scram_users | tr '\n' ' '))..."
  local scram=()
  mapfile -t scram < <(scram_format_args)
  # shellcheck disable=SC2086
  if ! java $TOOL_HEAP -Dlog4j2.configurationFile="$(tool_log4j)" -cp "$LIB_DIR/*" kafka.tools.StorageTool \
    format --cluster-id "$CLUSTER_ID" --config "$STATE_DIR/server.properties" --ignore-formatted "${scram[@]}" \
    >"$LOG_DIR/format.log" 2>&1; then
    cat "$LOG_DIR/format.log" >&2
    die "formatting storage failed"
  fi
  users_stamp >"$USERS_MARKER"
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
    port_open "$SASL_PORT" ||
      log "note: no SASL_SSL listener on $HOST:$SASL_PORT (a broker started by an older kafka.sh): bash local/kafka/kafka.sh restart"
    return 0
  fi
  rm -f "$PIDFILE"
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT" "$SASL_PORT"; do
    if port_open "$p"; then
      die "port $p on $HOST is taken by another process (not this repo's broker). Stop it, choose another KAFKA_PORT, or set KAFKA_BROKERS=$HOST:$KAFKA_PORT to use that cluster"
    fi
  done

  resolve_jars
  write_configs
  ensure_tls
  ensure_passwords
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
  migrate_users
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

# The kit's settings for USER on the SASL_SSL listener, VAR=value lines: with
# `env $(bash local/kafka/kafka.sh sasl-env payment) ...` a service or script logs in as USER.
cmd_sasl_env() {
  local user="${1:-admin}"
  scram_users | grep -qx -- "$user" || die "no SCRAM user '$user' (users: $(scram_users | tr '\n' ' '))"
  [[ -s "$USERS_DIR/$user.password" && -s "$TLS_DIR/ca.crt" ]] ||
    die "no credentials in $SECURE_DIR yet: start the broker first (bash local/kafka/kafka.sh start)"
  printf '%s\n' "KAFKA_BROKERS=$HOST:$SASL_PORT" KAFKA_SECURITY_PROTOCOL=sasl_ssl "KAFKA_SSL_CA_FILE=$TLS_DIR/ca.crt" \
    KAFKA_SASL_MECHANISM=scram-sha-512 "KAFKA_SASL_USERNAME=$user" "KAFKA_SASL_PASSWORD_FILE=$USERS_DIR/$user.password"
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
    sasl-env) cmd_sasl_env "$@" ;;
    users) scram_users ;;
    authorizer-log) echo "$AUTHORIZER_LOG" ;;
    run-class) cmd_run_class "$@" ;;
    jars) need_java; resolve_jars; echo "$LIB_DIR" ;;
    "" | -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"

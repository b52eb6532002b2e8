#!/usr/bin/env bash
# A real kube-apiserver + etcd on loopback, for tests and local runs.
#
#   bash local/kube/kube.sh start    build if needed, generate PKI + kubeconfig once,
#                                   start etcd and kube-apiserver, wait for /readyz
#   bash local/kube/kube.sh stop     stop kube-apiserver, then etcd
#   bash local/kube/kube.sh status   what is running, where, and whether it is ready
#   bash local/kube/kube.sh env      print `export KUBECONFIG=...`
#   bash local/kube/kube.sh kubeconfig NAME CN [GROUP]
#                                   a client cert (CN=user, O=group) signed by the local CA and
#                                   <state>/NAME.kubeconfig using it; prints that file's path
#   bash local/kube/kube.sh --help
#
# State lives in <repo>/.local/kube/ (git-ignored): pki/, etcd/ (data), logs,
# pid files and kubeconfig. Binaries are cached in ~/.cache/ecom/ (see build.sh).
#
# Env: KUBE_APISERVER_PORT (default 16443), KUBE_ETCD_PORT (client, default 12379;
#      peer = +1), KUBE_READY_TIMEOUT (seconds, default 180),
#      KUBE_SERVICE_CIDR (default 10.96.0.0/16), KUBE_VERSION / ETCD_VERSION (pins, see build.sh),
#      KUBE_STATE_DIR (default <repo>/.local/kube; another dir plus other ports run a second,
#      independent control plane: local/cluster/cluster.sh does so), KUBE_CONTEXT (the
#      kubeconfigs' cluster and context name, default ecom-local),
#      KUBE_NODE_IP (unset by default: an API server for tests, no nodes). When set, the API
#      server serves a cluster with a node: it listens on all addresses and advertises
#      KUBE_NODE_IP (the `kubernetes` Service's endpoint, so pods reach it; also in the serving
#      cert), authorizes Node,RBAC with NodeRestriction, keeps ServiceAccount admission
#      (kube-controller-manager makes the `default` ServiceAccounts) and reaches kubelets at
#      their InternalIP with a client cert of its own.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../lib.sh
source "$REPO/local/lib.sh"
STATE="${KUBE_STATE_DIR:-$REPO/.local/kube}"
PKI="$STATE/pki"
KUBECONFIG_FILE="$STATE/kubeconfig"

API_PORT="${KUBE_APISERVER_PORT:-16443}"
ETCD_PORT="${KUBE_ETCD_PORT:-12379}"
ETCD_PEER_PORT="$(( ETCD_PORT + 1 ))"
READY_TIMEOUT="${KUBE_READY_TIMEOUT:-180}"
SERVICE_CIDR="${KUBE_SERVICE_CIDR:-10.96.0.0/16}"
SERVICE_IP="${SERVICE_CIDR%.*/*}.1"        # 10.96.0.0/16 -> 10.96.0.1 (IPv4 CIDRs ending in .0)
NODE_IP="${KUBE_NODE_IP:-}"
CONTEXT="${KUBE_CONTEXT:-ecom-local}"

ETCD_PID="$STATE/etcd.pid"
API_PID="$STATE/kube-apiserver.pid"
ETCD_LOG="$STATE/etcd.log"
API_LOG="$STATE/kube-apiserver.log"

log() { printf '[kube] %s\n' "$*" >&2; }
die() { printf '[kube] ERROR: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

# --- binaries ---------------------------------------------------------------
eval "$(bash "$HERE/build.sh" --print-paths)"   # KUBE_VERSION ETCD_VERSION KUBE_APISERVER_BIN ETCD_BIN

ensure_binaries() {
  if [ -x "$ETCD_BIN" ] && [ -x "$KUBE_APISERVER_BIN" ]; then return 0; fi
  command -v go >/dev/null 2>&1 || die "kube-apiserver/etcd are not built yet and Go is not installed.
  Install Go 1.26+ (the official go1.26.x linux tarball from go.dev/dl unpacked to /usr/local/go, /usr/local/go/bin on PATH;
  Debian bookworm's golang-go is 1.19, too old),
  then re-run: bash local/kube/kube.sh start"
  if [ ! -x "$ETCD_BIN" ]; then
    log "building etcd $ETCD_VERSION from the Go module proxy (first run only, ~1-2 min)…"
    bash "$HERE/build.sh" etcd >/dev/null
  fi
  if [ ! -x "$KUBE_APISERVER_BIN" ]; then
    log "building kube-apiserver $KUBE_VERSION from the Go module proxy (first run only, ~6 min on 2 cores)…"
    bash "$HERE/build.sh" kube-apiserver >/dev/null
  fi
}

# --- PKI + kubeconfig (generated once) --------------------------------------
need_openssl() {
  command -v openssl >/dev/null 2>&1 || die "openssl is not installed (needed to generate the local CA and certs): apt-get install openssl"
}

gen_pki() {
  mkdir -p "$PKI"; chmod 700 "$PKI"
  if [ -f "$PKI/ca.crt" ] && [ -f "$PKI/apiserver.crt" ] && [ -f "$PKI/admin.crt" ] && [ -f "$PKI/sa.key" ]; then
    return 0
  fi
  need_openssl
  log "generating CA, serving cert, service-account keys and admin client cert in $PKI"
  local o="openssl"
  ( cd "$PKI"
    $o genrsa -out ca.key 2048 2>/dev/null
    $o req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=ecom-local-kube-ca" \
       -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
       -out ca.crt 2>/dev/null

    # kube-apiserver serving cert
    $o genrsa -out apiserver.key 2048 2>/dev/null
    $o req -new -key apiserver.key -subj "/CN=kube-apiserver" -out apiserver.csr 2>/dev/null
    cat >apiserver.ext <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$(apiserver_sans)
EOF
    $o x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
       -extfile apiserver.ext -out apiserver.crt 2>/dev/null

    # admin client cert: user ecom-admin in group system:masters
    $o genrsa -out admin.key 2048 2>/dev/null
    $o req -new -key admin.key -subj "/O=system:masters/CN=ecom-admin" -out admin.csr 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >admin.ext
    $o x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
       -extfile admin.ext -out admin.crt 2>/dev/null

    # service-account token signing key pair
    $o genrsa -out sa.key 2048 2>/dev/null
    $o rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
    chmod 600 ./*.key
    apiserver_sans >apiserver.sans
  ) || die "openssl failed while generating certificates in $PKI"
}

# The kube-apiserver serving cert's names: also the node IP when a node uses this server.
apiserver_sans() {
  echo "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:::1,IP:$SERVICE_IP${NODE_IP:+,IP:$NODE_IP}"
}

CLIENT_EXT='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'

# sign_cert NAME SUBJECT EXTENSIONS [CA]: $PKI/NAME.key and NAME.crt signed by the local CA
# (or by $PKI/CA.crt).
sign_cert() {
  local name="$1" subj="$2" ext="$3" ca="${4:-ca}"
  need_openssl
  ( cd "$PKI"
    openssl genrsa -out "$name.key" 2048 2>/dev/null
    openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr" 2>/dev/null
    printf '%s\n' "$ext" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 3650 -sha256 \
       -extfile "$name.ext" -out "$name.crt" 2>/dev/null
    rm -f "$name.csr" "$name.ext" "$ca.srl"
    chmod 600 "$name.key"
    printf '%s\n' "$subj" >"$name.subject"
  ) || die "openssl failed while signing $name ($subj) in $PKI"
}

# With a node: the serving cert names the node IP (re-signed when the names change), the API
# server has a client cert for kubelets (logs, exec, port-forward), and a front-proxy CA + client
# cert (request-header authentication: aggregated APIs, and kube-controller-manager's and
# kube-scheduler's delegated authentication find the CA bundle they look for).
gen_node_pki() {
  [ -n "$NODE_IP" ] || return 0
  if [ "$(cat "$PKI/apiserver.sans" 2>/dev/null || true)" != "$(apiserver_sans)" ]; then
    log "signing the kube-apiserver serving cert for $(apiserver_sans)"
    sign_cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$(apiserver_sans)"
    apiserver_sans >"$PKI/apiserver.sans"
  fi
  [ -f "$PKI/apiserver-kubelet-client.crt" ] \
    || sign_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$CLIENT_EXT"
  if [ ! -f "$PKI/front-proxy-ca.crt" ]; then
    need_openssl
    ( cd "$PKI"
      openssl genrsa -out front-proxy-ca.key 2048 2>/dev/null
      openssl req -x509 -new -key front-proxy-ca.key -sha256 -days 3650 -subj "/CN=ecom-local-front-proxy-ca" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out front-proxy-ca.crt 2>/dev/null
      chmod 600 front-proxy-ca.key
    ) || die "openssl failed while generating the front-proxy CA in $PKI"
    rm -f "$PKI/front-proxy-client.crt"
  fi
  [ -f "$PKI/front-proxy-client.crt" ] \
    || sign_cert front-proxy-client "/CN=front-proxy-client" "$CLIENT_EXT" front-proxy-ca
}

b64() { base64 -w0 <"$1"; }

write_kubeconfig() { write_kubeconfig_file "$KUBECONFIG_FILE" ecom-admin "$PKI/admin.crt" "$PKI/admin.key"; }

# write_kubeconfig_file FILE USER CERT KEY (rewritten only when it changes)
write_kubeconfig_file() {
  local file="$1" user="$2" cert="$3" key="$4"
  local tmp="$file.tmp"
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CONTEXT
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(b64 "$cert")
    client-key-data: $(b64 "$key")
contexts:
- name: $CONTEXT
  context:
    cluster: $CONTEXT
    user: $user
    namespace: default
current-context: $CONTEXT
EOF
  chmod 600 "$tmp"
  if ! cmp -s "$tmp" "$file" 2>/dev/null; then mv "$tmp" "$file"; else rm -f "$tmp"; fi
}

# --- process helpers --------------------------------------------------------
# Prints the pid in $1 if that process is alive and is the binary $2.
live_pid() {
  local file="$1" bin="$2" pid
  [ -f "$file" ] || return 1
  pid="$(cat "$file" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  local exe; exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  exe="${exe% (deleted)}"
  [ "$exe" = "$bin" ] || [ "$(basename "$exe")" = "$(basename "$bin")" ] || return 1
  echo "$pid"
}

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

curl_api() {
  curl -sS --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$API_PORT$1"
}

etcd_healthy() { curl -sS --max-time 3 "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'; }
api_ready() { [ "$(curl_api /readyz 2>/dev/null || true)" = "ok" ]; }

stop_pid() {  # name pidfile bin
  local name="$1" file="$2" bin="$3" pid i
  if ! pid="$(live_pid "$file" "$bin")"; then rm -f "$file"; log "$name: not running"; return 0; fi
  log "$name: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: did not exit after 20s, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5
  fi
  rm -f "$file"
  log "$name: stopped"
}

# --- start ------------------------------------------------------------------
start_etcd() {
  local pid
  if pid="$(live_pid "$ETCD_PID" "$ETCD_BIN")"; then
    log "etcd: already running (pid $pid), reusing"; return 0
  fi
  port_busy "$ETCD_PORT" && die "port $ETCD_PORT (etcd client) is in use by another process; set KUBE_ETCD_PORT to a free port"
  port_busy "$ETCD_PEER_PORT" && die "port $ETCD_PEER_PORT (etcd peer) is in use by another process; set KUBE_ETCD_PORT so that it and +1 are free"
  mkdir -p "$STATE/etcd"; chmod 700 "$STATE/etcd"
  log "etcd $ETCD_VERSION: starting on 127.0.0.1:$ETCD_PORT (data $STATE/etcd, log $ETCD_LOG)"
  without_inherited_fds setsid nohup "$ETCD_BIN" \
    --name ecom-local \
    --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "ecom-local=http://127.0.0.1:$ETCD_PEER_PORT" \
    --quota-backend-bytes 2147483648 \
    --log-level warn \
    >>"$ETCD_LOG" 2>&1 </dev/null 7>&- &
  echo $! >"$ETCD_PID"
  local i
  for i in $(seq 1 150); do
    etcd_healthy && { log "etcd: healthy (pid $(cat "$ETCD_PID"))"; return 0; }
    kill -0 "$(cat "$ETCD_PID")" 2>/dev/null || { tail -n 30 "$ETCD_LOG" >&2; die "etcd exited during startup (log: $ETCD_LOG)"; }
    sleep 0.2
  done
  tail -n 30 "$ETCD_LOG" >&2; die "etcd did not become healthy within 30s (log: $ETCD_LOG)"
}

start_apiserver() {
  local pid
  if pid="$(live_pid "$API_PID" "$KUBE_APISERVER_BIN")"; then
    log "kube-apiserver: already running (pid $pid), reusing"; wait_ready; return 0
  fi
  port_busy "$API_PORT" && die "port $API_PORT is in use by another process; set KUBE_APISERVER_PORT to a free port"
  local mode
  if [ -z "$NODE_IP" ]; then
    # Admission: ServiceAccount is disabled because no token/serviceaccount controller
    # (kube-controller-manager) runs here: it would reject pods in namespaces
    # without a 'default' ServiceAccount. Everything else stays at the defaults.
    mode=(
      --bind-address=127.0.0.1
      --advertise-address=127.0.0.1
      --authorization-mode=RBAC
      --disable-admission-plugins=ServiceAccount
      --endpoint-reconciler-type=none
    )
  else
    # A cluster with a node (see KUBE_NODE_IP above). The endpoint reconciler (lease, the
    # default) publishes NODE_IP:API_PORT as the `kubernetes` Service's endpoint.
    mode=(
      --bind-address=0.0.0.0
      --advertise-address="$NODE_IP"
      --authorization-mode=Node,RBAC
      --enable-admission-plugins=NodeRestriction
      --kubelet-preferred-address-types=InternalIP
      --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt"
      --kubelet-client-key="$PKI/apiserver-kubelet-client.key"
      --requestheader-client-ca-file="$PKI/front-proxy-ca.crt"
      --requestheader-allowed-names=front-proxy-client
      --requestheader-username-headers=X-Remote-User
      --requestheader-group-headers=X-Remote-Group
      --requestheader-extra-headers-prefix=X-Remote-Extra-
      --proxy-client-cert-file="$PKI/front-proxy-client.crt"
      --proxy-client-key-file="$PKI/front-proxy-client.key"
    )
  fi
  log "kube-apiserver $KUBE_VERSION: starting on https://127.0.0.1:$API_PORT${NODE_IP:+ (all addresses, advertised $NODE_IP)} (log $API_LOG)"
  without_inherited_fds setsid nohup "$KUBE_APISERVER_BIN" \
    "${mode[@]}" \
    --secure-port="$API_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --etcd-prefix=/registry \
    --tls-cert-file="$PKI/apiserver.crt" \
    --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --api-audiences=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --allow-privileged=true \
    --cert-dir="$STATE/apiserver-certs" \
    --profiling=false \
    --v=1 \
    >>"$API_LOG" 2>&1 </dev/null 7>&- &
  echo $! >"$API_PID"
  wait_ready
}

wait_ready() {
  local start now last_report=0 pid
  start=$(date +%s)
  printf '[kube] waiting for https://127.0.0.1:%s/readyz ' "$API_PORT" >&2
  while :; do
    if api_ready; then printf ' ready (%ss)\n' "$(( $(date +%s) - start ))" >&2; return 0; fi
    pid="$(cat "$API_PID" 2>/dev/null || true)"
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
      printf '\n' >&2; tail -n 40 "$API_LOG" >&2
      die "kube-apiserver exited during startup (log: $API_LOG)"
    fi
    now=$(date +%s)
    if [ $(( now - start )) -ge "$READY_TIMEOUT" ]; then
      printf '\n' >&2; curl_api '/readyz?verbose' 2>&1 | grep -v '\] ok$' >&2 || true
      tail -n 20 "$API_LOG" >&2
      die "kube-apiserver not ready after ${READY_TIMEOUT}s (log: $API_LOG; raise KUBE_READY_TIMEOUT?)"
    fi
    if [ $(( now - last_report )) -ge 10 ] && [ "$last_report" -ne 0 ]; then
      local failing
      failing="$(curl_api '/readyz?verbose' 2>/dev/null | sed -nE 's/^\[-\]([^ ]+) failed.*/\1/p' | tr '\n' ' ')"
      printf '\n[kube]   %ss: %s' "$(( now - start ))" "${failing:+not ready yet: $failing}" >&2
      last_report=$now
    elif [ "$last_report" -eq 0 ]; then last_report=$now
    else printf '.' >&2
    fi
    sleep 1
  done
}

cmd_start() {
  ensure_binaries
  mkdir -p "$STATE"
  gen_pki
  gen_node_pki
  write_kubeconfig
  # fd 7 holds the start lock (concurrent `start`s); the daemons get it closed (7>&-)
  # so they do not keep holding it after this script exits.
  exec 7>"$STATE/.start.lock"; flock 7
  start_etcd
  start_apiserver
  log "kube-apiserver $KUBE_VERSION + etcd $ETCD_VERSION running"
  log "  export KUBECONFIG=$KUBECONFIG_FILE"
}

cmd_stop() {
  stop_pid kube-apiserver "$API_PID" "$KUBE_APISERVER_BIN"
  stop_pid etcd "$ETCD_PID" "$ETCD_BIN"
}

cmd_status() {
  local rc=0 pid
  if pid="$(live_pid "$ETCD_PID" "$ETCD_BIN")"; then
    echo "etcd $ETCD_VERSION: running (pid $pid) http://127.0.0.1:$ETCD_PORT $(etcd_healthy && echo healthy || echo UNHEALTHY)"
  else echo "etcd $ETCD_VERSION: stopped"; rc=1; fi
  if pid="$(live_pid "$API_PID" "$KUBE_APISERVER_BIN")"; then
    echo "kube-apiserver $KUBE_VERSION: running (pid $pid) https://127.0.0.1:$API_PORT $(api_ready && echo ready || echo NOT-READY)"
  else echo "kube-apiserver $KUBE_VERSION: stopped"; rc=1; fi
  echo "kubeconfig: $KUBECONFIG_FILE$([ -f "$KUBECONFIG_FILE" ] || echo ' (not generated yet)')"
  echo "binaries: $KUBE_APISERVER_BIN$([ -x "$KUBE_APISERVER_BIN" ] || echo ' (not built)'), $ETCD_BIN$([ -x "$ETCD_BIN" ] || echo ' (not built)')"
  return $rc
}

# kubeconfig NAME CN [GROUP]: a client identity for a component (kubelet, controllers, ...).
cmd_kubeconfig() {
  [ $# -ge 2 ] || die "usage: kube.sh kubeconfig NAME CN [GROUP]"
  local name="$1" cn="$2" group="${3:-}"
  [[ "$name" =~ ^[a-z0-9][a-z0-9.-]*$ ]] || die "kubeconfig NAME must be lower-case letters, digits, '.' and '-' (got '$name')"
  case "$name" in ca|apiserver|apiserver-kubelet-client|admin|sa|front-proxy-ca|front-proxy-client) die "kubeconfig NAME '$name' is taken by the local PKI" ;; esac
  mkdir -p "$STATE"
  exec 6>"$STATE/.pki.lock"; flock 6
  gen_pki
  local subj="${group:+/O=$group}/CN=$cn"
  if [ ! -f "$PKI/$name.crt" ] || [ "$(cat "$PKI/$name.subject" 2>/dev/null || true)" != "$subj" ]; then
    sign_cert "$name" "$subj" "$CLIENT_EXT"
  fi
  write_kubeconfig_file "$STATE/$name.kubeconfig" "$cn" "$PKI/$name.crt" "$PKI/$name.key"
  exec 6>&-
  echo "$STATE/$name.kubeconfig"
}

case "${1:-}" in
  start) cmd_start ;;
  kubeconfig) shift; cmd_kubeconfig "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) echo "export KUBECONFIG=$KUBECONFIG_FILE" ;;
  -h|--help|help) usage ;;
  "") usage >&2; exit 2 ;;
  *) echo "unknown command: $1" >&2; usage >&2; exit 2 ;;
esac

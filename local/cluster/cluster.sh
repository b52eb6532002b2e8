#!/usr/bin/env bash
# A real one-node Kubernetes cluster on this machine, without Docker: its own kube-apiserver +
# etcd (local/kube/kube.sh in .local/cluster/kube), containerd 2.x with runc and the CNI bridge,
# kubelet, kube-proxy (iptables), kube-router's network policy controller (enforces
# NetworkPolicies: iptables + ipset), kube-controller-manager, kube-scheduler, and CoreDNS on the node.
#
#   bash local/cluster/cluster.sh up       build what is missing, start everything, wait until the
#                                          Node is Ready and DNS answers, then build and import the
#                                          images (local/cluster/images.sh all, when present)
#   bash local/cluster/cluster.sh down     stop everything `up` started, in reverse, and undo its
#                                          host changes (mounts, bridges, iptables rules, ipsets,
#                                          netns, sysctls); images and cluster objects are kept
#   bash local/cluster/cluster.sh status   each component; exit 0 only when all run and are ready
#   bash local/cluster/cluster.sh env      prints export KUBECONFIG=..., CONTAINERD_ADDRESS=..., PATH=...
#   bash local/cluster/cluster.sh --help
#
# Needs root (mounts, network namespaces, iptables, cgroups). State: <repo>/.local/cluster/
# (git-ignored; `rm -rf` it after `down` for a fresh cluster), sockets in /run/ecom-cluster/.
# Binaries: ~/.cache/ecom/ (local/kube/build.sh cluster). Debian packages it installs when
# missing: runc, containernetworking-plugins, iptables, ipset, bind9-dnsutils (dig).
#
# Env: ECOM_CLUSTER_NODE_IP (default 10.250.0.1: the node's address, on the empty bridge
#      ecom-node0; pods reach the host's services there), ECOM_CLUSTER_POD_SUBNET (10.244.0.0/24),
#      ECOM_CLUSTER_API_PORT (16444), ECOM_CLUSTER_ETCD_PORT (12381; +1 for peers),
#      ECOM_CLUSTER_TIMEOUT (seconds to wait for each readiness step, default 180),
#      ECOM_CLUSTER_SKIP_IMAGES=1 (up does not call images.sh).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../lib.sh
source "$REPO/local/lib.sh"

STATE="$REPO/.local/cluster"
LOGS="$STATE/logs"
RUN=/run/ecom-cluster                     # sockets: short paths (unix sockets: <108 bytes)
KUBE_STATE="$STATE/kube"

NODE_NAME=ecom-node
# The node's address (the Node's InternalIP, kubelet's and CoreDNS's listen address). There is no
# `dummy` kernel module here, so it sits on an empty bridge; the hostname resolves to 127.0.0.1,
# hence the explicit address. Pods reach the host at this address (routed through their bridge's
# gateway), never at 127.0.0.1: `up` forwards the machine's Kafka pod listener (kafka.sh
# pod-brokers: bound to loopback, advertising this address) and PostgreSQL from here to loopback.
NODE_IP="${ECOM_CLUSTER_NODE_IP:-10.250.0.1}"
NODE_BRIDGE=ecom-node0
CNI_BRIDGE=ecom-cni0
CNI_NET=ecom
POD_SUBNET="${ECOM_CLUSTER_POD_SUBNET:-10.244.0.0/24}"
POD_GATEWAY="${POD_SUBNET%.*/*}.1"       # 10.244.0.0/24 -> 10.244.0.1
CLUSTER_CIDR=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1
DNS_DOMAIN=cluster.local
API_PORT="${ECOM_CLUSTER_API_PORT:-16444}"
ETCD_PORT="${ECOM_CLUSTER_ETCD_PORT:-12381}"
TIMEOUT="${ECOM_CLUSTER_TIMEOUT:-180}"
# The images helper (images.sh) tags its pause image with this name.
SANDBOX_IMAGE=localhost/ecom/pause:3.10
CONTAINERD_SOCK="$RUN/containerd.sock"
KUBECONFIG_FILE="$KUBE_STATE/kubeconfig"
CONTEXT=ecom-cluster                      # kubeconfig cluster/context name (the tests' API server: ecom-local)

# Host-side ports of the node's daemons (127.0.0.1 unless noted).
KUBELET_PORT=10250                        # on NODE_IP: the API server's logs/exec/port-forward
KUBELET_HEALTHZ_PORT=10248
KCM_PORT=10257
SCHEDULER_PORT=10259
PROXY_HEALTHZ_PORT=10256
PROXY_METRICS_PORT=10249
COREDNS_READY_PORT=18181
KUBE_ROUTER_HEALTH_PORT=20244             # kube-router's /healthz (it binds all addresses)
# The machine's services the pods use, forwarded from NODE_IP to 127.0.0.1 (local/kafka, local/postgres).
KAFKA_PODS_PORT=$(( ${KAFKA_PORT:-19092} + 2 ))
PG_PORT="${PG_PORT:-15432}"
FORWARDS="kafka:$KAFKA_PODS_PORT postgres:$PG_PORT"

# Sysctls kubelet, kube-proxy and the CNI bridge plugin may change: recorded on the first `up`,
# restored by `down`.
SYSCTLS="vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward
  net.ipv4.conf.all.forwarding net.ipv4.conf.all.route_localnet net.ipv6.conf.all.forwarding
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait"
# Host paths the daemons create outside STATE and RUN (hard-coded in them): removed by `down`
# when they did not exist before the first `up`.
# (kubelet's device-plugin socket is always in /var/lib/kubelet, whatever its --root-dir.)
HOST_PATHS="/run/containerd /run/netns /var/lib/cni /var/log/containers /var/lib/kubelet"

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

eval "$(bash "$REPO/local/kube/build.sh" --print-paths)"   # KUBE_DIR CONTAINERD_DIR COREDNS_DIR CRICTL_DIR KUBE_ROUTER_DIR ...
KUBELET_BIN="$KUBE_DIR/kubelet"
KCM_BIN="$KUBE_DIR/kube-controller-manager"
SCHEDULER_BIN="$KUBE_DIR/kube-scheduler"
PROXY_BIN="$KUBE_DIR/kube-proxy"
CONTAINERD_BIN="$CONTAINERD_DIR/containerd"
SHIM_BIN="$CONTAINERD_DIR/containerd-shim-runc-v2"
CTR_BIN="$CONTAINERD_DIR/ctr"
COREDNS_BIN="$COREDNS_DIR/coredns"
CRICTL_BIN="$CRICTL_DIR/crictl"
KUBE_ROUTER_BIN="$KUBE_ROUTER_DIR/kube-router"
# PATH for the daemons: the built binaries first (containerd finds its shim there), then the system's.
DAEMON_PATH="$KUBE_DIR:$CONTAINERD_DIR:$CRICTL_DIR:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# This cluster's own control plane: kube.sh with another state dir and ports (see the README:
# the tests' API server stays a node-less one).
kube() {
  KUBE_STATE_DIR="$KUBE_STATE" KUBE_APISERVER_PORT="$API_PORT" KUBE_ETCD_PORT="$ETCD_PORT" \
    KUBE_NODE_IP="$NODE_IP" KUBE_SERVICE_CIDR="$SERVICE_CIDR" KUBE_READY_TIMEOUT="$TIMEOUT" KUBE_CONTEXT="$CONTEXT" \
    bash "$REPO/local/kube/kube.sh" "$@"
}
kctl() { kubectl --kubeconfig "$KUBECONFIG_FILE" "$@"; }
crictl_() { "$CRICTL_BIN" --runtime-endpoint "unix://$CONTAINERD_SOCK" --timeout 30s "$@"; }

# --- checks -----------------------------------------------------------------
need_root() {
  [ "$(id -u)" = 0 ] || die "cluster.sh must run as root (it mounts, creates bridges, network namespaces, iptables rules and cgroups): sudo bash local/cluster/cluster.sh ${1:-up}"
}

cni_bin_dir() {
  local d
  for d in /usr/lib/cni /opt/cni/bin; do
    [ -x "$d/bridge" ] && [ -x "$d/host-local" ] && [ -x "$d/loopback" ] && [ -x "$d/portmap" ] && { echo "$d"; return 0; }
  done
  return 1
}

# Debian packages for what the node runs beside the built binaries; installed when missing.
ensure_packages() {
  local missing=()
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  cni_bin_dir >/dev/null || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v ipset >/dev/null 2>&1 || missing+=(ipset)
  command -v dig >/dev/null 2>&1 || missing+=(bind9-dnsutils)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
  command -v socat >/dev/null 2>&1 || missing+=(socat)
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing: ${missing[*]} (Debian package names); there is no apt-get here: install them with your package manager"
    step "installing Debian packages: ${missing[*]} (apt-get update, apt-get install --no-install-recommends)"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 \
      || die "apt-get update failed (are Debian's package mirrors reachable?)"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2 \
      || die "apt-get install ${missing[*]} failed (see apt's output above)"
  fi
  command -v kubectl >/dev/null 2>&1 || die "kubectl is not on PATH: install kubectl, ideally v1.35-v1.37 for this v1.36 cluster (e.g. the kubectl package of the Kubernetes apt repository pkgs.k8s.io)"
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || die "the kernel has no overlay filesystem (containerd's overlayfs snapshotter needs it): modprobe overlay"
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || modprobe br_netfilter 2>/dev/null \
    || die "no br_netfilter (/proc/sys/net/bridge missing): kube-proxy's Service routing between pods on one bridge needs it: modprobe br_netfilter"
  ipset list -n >/dev/null 2>&1 || modprobe ip_set 2>/dev/null \
    || die "ipset cannot talk to the kernel (ipset list -n fails): kube-router's NetworkPolicy rules need ip_set with hash:ip and hash:net (modprobe ip_set)"
}

ensure_binaries() {
  local b missing=()
  for b in "$KUBE_APISERVER_BIN" "$ETCD_BIN" "$KUBELET_BIN" "$KCM_BIN" "$SCHEDULER_BIN" "$PROXY_BIN" \
           "$CONTAINERD_BIN" "$SHIM_BIN" "$CTR_BIN" "$COREDNS_BIN" "$CRICTL_BIN" "$KUBE_ROUTER_BIN"; do
    [ -x "$b" ] || missing+=("$(basename "$b")")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "building ${missing[*]} from the Go module proxy (first run only: ~10-15 min on 2 cores; cached in ~/.cache/ecom/)"
  bash "$REPO/local/kube/build.sh" cluster >/dev/null
}

# --- process helpers --------------------------------------------------------
# Prints the pid in $STATE/NAME.pid if that process is alive and runs BIN.
live_pid() {
  local name="$1" bin="$2" pid exe
  pid="$(cat "$STATE/$name.pid" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"; exe="${exe% (deleted)}"
  [ "$exe" = "$bin" ] || return 1
  echo "$pid"
}

# start_daemon NAME BIN ARGS...: BIN in a session of its own, output appended to logs/NAME.log.
# The shell writes its own pid, then execs BIN: the pid file holds the daemon's pid.
start_daemon() {
  local name="$1"; shift
  local pidf="$STATE/$name.pid" i
  rm -f "$pidf"
  # A log over 50 MB is kept as NAME.log.1 (one generation).
  if [ "$(stat -c %s "$LOGS/$name.log" 2>/dev/null || echo 0)" -gt 52428800 ]; then mv -f "$LOGS/$name.log" "$LOGS/$name.log.1"; fi
  printf '\n=== %s cluster.sh up: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$LOGS/$name.log"
  PATH="$DAEMON_PATH" without_inherited_fds setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" \
    >>"$LOGS/$name.log" 2>&1 </dev/null &
  for i in $(seq 1 50); do [ -s "$pidf" ] && return 0; sleep 0.1; done
  die "$name did not start (log: $LOGS/$name.log)"
}

# wait_for NAME BIN CHECK...: until CHECK succeeds; fails early when the daemon exits.
wait_for() {
  local name="$1" bin="$2"; shift 2
  local start; start=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    if ! live_pid "$name" "$bin" >/dev/null; then
      tail -n 30 "$LOGS/$name.log" >&2
      die "$name exited during startup (log: $LOGS/$name.log)"
    fi
    if [ $(( $(date +%s) - start )) -ge "$TIMEOUT" ]; then
      tail -n 30 "$LOGS/$name.log" >&2
      die "$name not ready after ${TIMEOUT}s (log: $LOGS/$name.log; raise ECOM_CLUSTER_TIMEOUT?)"
    fi
    sleep 1
  done
  log "$name: ready ($(( $(date +%s) - start ))s)"
}

stop_daemon() {  # NAME BIN [TIMEOUT]
  local name="$1" bin="$2" timeout="${3:-30}" pid i
  if ! pid="$(live_pid "$name" "$bin")"; then rm -f "$STATE/$name.pid"; return 0; fi
  log "$name: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 $(( timeout * 5 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: still running after ${timeout}s, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5
  fi
  rm -f "$STATE/$name.pid"
}

port_busy() { ss -Hltnu "sport = :$1" 2>/dev/null | grep -q .; }
require_free_port() {  # PORT WHAT
  port_busy "$1" && die "port $1 ($2) is in use by another process: stop it first (ss -ltnup 'sport = :$1' shows which)"
  return 0
}

# --- host state: sysctls, paths, network --------------------------------------
save_host_state() {
  local k v p
  if [ ! -f "$STATE/sysctl.saved" ]; then
    for k in $SYSCTLS; do v="$(sysctl -n "$k" 2>/dev/null)" && printf '%s=%s\n' "$k" "$v"; done >"$STATE/sysctl.saved.tmp"
    mv "$STATE/sysctl.saved.tmp" "$STATE/sysctl.saved"
  fi
  if [ ! -f "$STATE/nft-tables.before" ] && command -v nft >/dev/null 2>&1; then
    nft list tables >"$STATE/nft-tables.before.tmp" 2>/dev/null || true
    mv "$STATE/nft-tables.before.tmp" "$STATE/nft-tables.before"
  fi
  if [ ! -f "$STATE/host-paths.created" ]; then
    for p in $HOST_PATHS; do [ -e "$p" ] || echo "$p"; done >"$STATE/host-paths.created.tmp"
    mv "$STATE/host-paths.created.tmp" "$STATE/host-paths.created"
  fi
}

restore_sysctls() {
  [ -f "$STATE/sysctl.saved" ] || return 0
  local k v cur
  while IFS='=' read -r k v; do
    cur="$(sysctl -n "$k" 2>/dev/null)" || continue
    if [ "$cur" != "$v" ]; then
      sysctl -qw "$k=$v" >/dev/null 2>&1 && log "sysctl $k: restored $v (was $cur)" || log "sysctl $k: could not restore $v (is $cur)"
    fi
  done <"$STATE/sysctl.saved"
  rm -f "$STATE/sysctl.saved"
}

net_up() {
  local other
  other="$(ip -o -4 addr show | awk -v ip="$NODE_IP" -v br="$NODE_BRIDGE" '$4 ~ "^"ip"/" && $2 != br {print $2}')"
  [ -z "$other" ] || die "the node IP $NODE_IP is already on interface $other: set ECOM_CLUSTER_NODE_IP to a free address"
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 || ip link add "$NODE_BRIDGE" type bridge
  ip link set "$NODE_BRIDGE" up
  ip -o -4 addr show dev "$NODE_BRIDGE" | grep -q " $NODE_IP/" || ip addr add "$NODE_IP/32" dev "$NODE_BRIDGE"
}

# Chains named KUBE-* (kubelet, kube-proxy) and CNI-* (bridge, portmap) in filter/nat/mangle,
# for iptables and ip6tables: jumps to them removed, then flushed and deleted.
iptables_cleanup() {
  local ipt t chains c rule
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null 2>&1 || continue
    for t in filter nat mangle; do
      chains="$("$ipt" -w -t "$t" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^(KUBE-|CNI-)/ {print $2}')" || true
      [ -n "$chains" ] || continue
      # Rules in any chain that jump to one of ours (built-in chains first).
      { "$ipt" -w -t "$t" -S 2>/dev/null || true; } | awk '$1 == "-A" && $2 !~ /^(KUBE-|CNI-)/ && / -j (KUBE-|CNI-)/' \
        | while read -r rule; do eval "$ipt -w -t $t ${rule/-A /-D }" 2>/dev/null || true; done
      for c in $chains; do "$ipt" -w -t "$t" -F "$c" 2>/dev/null || true; done
      for c in $chains; do "$ipt" -w -t "$t" -X "$c" 2>/dev/null || true; done
      log "$ipt $t: removed chains" $chains
    done
  done
  # The (iptables-nft) tables that appeared with the node, when nothing but empty chains is left.
  [ -f "$STATE/nft-tables.before" ] && command -v nft >/dev/null 2>&1 || return 0
  local fam name
  { nft list tables 2>/dev/null || true; } | while read -r _ fam name; do
    grep -qx "table $fam $name" "$STATE/nft-tables.before" && continue
    if ! nft list table "$fam" "$name" 2>/dev/null | grep -qvE '^[[:space:]]*(table .*|chain .*|type .*|policy .*|\}|)$'; then
      nft delete table "$fam" "$name" 2>/dev/null && log "removed the empty nftables table $fam $name"
    fi
  done
  rm -f "$STATE/nft-tables.before"
}

# kube-router's ipsets (KUBE-SRC-*, KUBE-DST-*, their TMP-* swap sets; inet6: for IPv6), once
# iptables_cleanup has removed the rules that use them.
ipset_cleanup() {
  command -v ipset >/dev/null 2>&1 || return 0
  local sets s
  sets="$(ipset list -n 2>/dev/null | grep -E '^(inet6:)?(KUBE-(SRC|DST)-[A-Z0-9]+|TMP-[A-Z2-7]{16})$')" || return 0
  for s in $sets; do ipset flush "$s" 2>/dev/null || true; done
  for s in $sets; do ipset destroy "$s" 2>/dev/null || log "could not destroy ipset $s"; done
  log "ipset: removed $(printf '%s\n' "$sets" | wc -l) kube-router set(s)"
}

# Unmounts every mount at or below the given dirs (deepest first).
unmount_under() {
  local d m
  for d in "$@"; do
    [ -e "$d" ] || continue
    awk -v d="$d" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
    done
  done
}

# --- config files -----------------------------------------------------------
# write_file PATH <CONTENT: replaced in one rename, and only when the content changes
# (containerd watches the CNI dir and would read a half-written file).
write_file() {
  local tmp="$1.tmp.$$"
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

write_configs() {
  local cni_bin runc_bin
  cni_bin="$(cni_bin_dir)"; runc_bin="$(command -v runc)"
  mkdir -p "$STATE/cni/net.d" "$STATE/coredns" "$STATE/pod-logs" "$STATE/kubelet"

  # containerd 2.x, config version 4: socket paths are properties of the grpc/ttrpc server
  # plugins (a top-level [grpc] address is ignored). CRI: runc with cgroupfs (no systemd here),
  # restrict_oom_score_adj because root here lacks CAP_SYS_RESOURCE (runc otherwise fails with
  # "can't get final child's PID from pipe"), the pause image built locally, CNI from STATE.
  # Shim sockets and runc state go under RUN too (they default to /run/containerd); NRI and the
  # /opt/containerd plugin are off (they would create /var/run/nri and /opt/containerd).
  write_file "$STATE/containerd.toml" <<EOF
# Generated by local/cluster/cluster.sh up.
version = 4
root = '$STATE/containerd'
state = '$RUN/containerd'
imports = []
disabled_plugins = ['io.containerd.nri.v1.nri', 'io.containerd.internal.v1.opt', 'io.containerd.snapshotter.v1.blockfile', 'io.containerd.snapshotter.v1.devmapper', 'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.erofs', 'io.containerd.differ.v1.erofs', 'io.containerd.mount-handler.v1.erofs']

[plugins.'io.containerd.server.v1.grpc']
  address = '$CONTAINERD_SOCK'
[plugins.'io.containerd.server.v1.ttrpc']
  address = '$CONTAINERD_SOCK.ttrpc'
[plugins.'io.containerd.shim.v1.manager']
  socket_dir = '$RUN/s'

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = '$SANDBOX_IMAGE'

[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
  cdi_spec_dirs = []
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = 'runc'
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = 'io.containerd.runc.v2'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = '$runc_bin'
        Root = '$RUN/runc'
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ['$cni_bin']
    conf_dir = '$STATE/cni/net.d'

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = '127.0.0.1'
EOF

  # One bridge for the pods, the node's gateway on it; masquerade for traffic leaving the node.
  write_file "$STATE/cni/net.d/10-$CNI_NET.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$CNI_NET",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_SUBNET", "gateway": "$POD_GATEWAY" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$STATE/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF

  # kubelet: cgroupfs (no systemd), cgroup v1 allowed, the node IP on the empty bridge, CoreDNS
  # on the node IP as the cluster DNS, low eviction thresholds (a shared disk).
  write_file "$STATE/kubelet-config.yaml" <<EOF
# Generated by local/cluster/cluster.sh up.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $KUBE_STATE/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
clusterDNS: [$NODE_IP]
clusterDomain: $DNS_DOMAIN
resolvConf: /etc/resolv.conf
podLogsDir: $STATE/pod-logs
rotateCertificates: false
serverTLSBootstrap: false
serializeImagePulls: false
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  nodefs.inodesFree: 2%
  imagefs.available: 2%
imageGCHighThresholdPercent: 95
imageGCLowThresholdPercent: 90
shutdownGracePeriod: 0s
EOF

  # kube-proxy: iptables mode; leaves conntrack sysctls and route_localnet alone; NodePorts on
  # the node IP only.
  write_file "$STATE/kube-proxy.yaml" <<EOF
# Generated by local/cluster/cluster.sh up.
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: $KUBE_STATE/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
clusterCIDR: $CLUSTER_CIDR
healthzBindAddress: 127.0.0.1:$PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$PROXY_METRICS_PORT
nodePortAddresses: [primary]
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
iptables:
  localhostNodePorts: false
EOF

  # CoreDNS on the node IP (port 53), serving cluster.local from the API server and forwarding
  # the rest to the host's resolvers. Pods get it as their nameserver (kubelet clusterDNS).
  write_file "$STATE/coredns/Corefile" <<EOF
# Generated by local/cluster/cluster.sh up.
.:53 {
    bind $NODE_IP
    errors
    ready 127.0.0.1:$COREDNS_READY_PORT
    kubernetes $DNS_DOMAIN in-addr.arpa ip6.arpa {
        kubeconfig $KUBE_STATE/coredns.kubeconfig $CONTEXT
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    forward . /etc/resolv.conf
    cache 30
    loop
    loadbalance
}
EOF
}

# --- readiness checks -------------------------------------------------------
containerd_ready() { CONTAINERD_ADDRESS="$CONTAINERD_SOCK" "$CTR_BIN" version >/dev/null 2>&1; }
kubelet_ready() { [ "$(curl -s --max-time 3 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz")" = ok ]; }
proxy_ready() { curl -s --max-time 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PROXY_HEALTHZ_PORT/healthz" | grep -q 200; }
kcm_ready() { [ "$(curl -sk --max-time 3 "https://127.0.0.1:$KCM_PORT/healthz")" = ok ]; }
scheduler_ready() { [ "$(curl -sk --max-time 3 "https://127.0.0.1:$SCHEDULER_PORT/healthz")" = ok ]; }
# Healthy, and (checked as root) its first sync put the jump to its chain into FORWARD.
kube_router_ready() {
  curl -s --max-time 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$KUBE_ROUTER_HEALTH_PORT/healthz" | grep -q 200 || return 1
  [ "$(id -u)" != 0 ] || iptables -w -t filter -S FORWARD 2>/dev/null | grep -q -- '-j KUBE-ROUTER-FORWARD'
}
coredns_ready() { curl -s --max-time 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$COREDNS_READY_PORT/ready" | grep -q 200; }
dns_answers() {
  [ "$(dig +short +time=2 +tries=1 "@$NODE_IP" "kubernetes.default.svc.$DNS_DOMAIN" A 2>/dev/null)" = "$SERVICE_IP" ]
}
node_ready() {
  [ "$(kctl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# --- up ---------------------------------------------------------------------
# ensure NAME BIN CHECK -- ARGS...: starts BIN ARGS unless it already runs; waits for CHECK.
ensure() {
  local name="$1" bin="$2" check="$3" pid; shift 4
  if pid="$(live_pid "$name" "$bin")"; then
    log "$name: already running (pid $pid)"
  else
    log "$name: starting (log $LOGS/$name.log)"
    start_daemon "$name" "$bin" "$@"
  fi
  wait_for "$name" "$bin" "$check"
}

cmd_up() {
  need_root up
  local t0; t0=$(date +%s)
  mkdir -p "$STATE" "$LOGS" "$RUN"
  exec 7>"$STATE/.lock"; flock 7
  ensure_packages
  ensure_binaries

  step "node network: $NODE_BRIDGE ($NODE_IP), pods on $CNI_BRIDGE ($POD_SUBNET)"
  save_host_state
  net_up

  step "control plane: kube-apiserver + etcd (local/kube/kube.sh, state $KUBE_STATE, https://127.0.0.1:$API_PORT)"
  kube start
  kube kubeconfig kubelet "system:node:$NODE_NAME" system:nodes >/dev/null
  kube kubeconfig kube-proxy system:kube-proxy >/dev/null
  kube kubeconfig kube-controller-manager system:kube-controller-manager >/dev/null
  kube kubeconfig kube-scheduler system:kube-scheduler >/dev/null
  kube kubeconfig coredns ecom:coredns >/dev/null
  kube kubeconfig kube-router ecom:kube-router >/dev/null
  kctl apply -f "$HERE/coredns-rbac.yaml" -f "$HERE/kube-router-rbac.yaml" >/dev/null

  write_configs
  step "node: containerd, kubelet, kube-proxy, kube-router (NetworkPolicies), kube-controller-manager, kube-scheduler, CoreDNS"
  live_pid containerd "$CONTAINERD_BIN" >/dev/null || { [ -S "$CONTAINERD_SOCK" ] && rm -f "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"; true; }
  ensure containerd "$CONTAINERD_BIN" containerd_ready -- --config "$STATE/containerd.toml"

  live_pid kubelet "$KUBELET_BIN" >/dev/null || require_free_port "$KUBELET_HEALTHZ_PORT" "kubelet healthz"
  ensure kubelet "$KUBELET_BIN" kubelet_ready -- \
    --config="$STATE/kubelet-config.yaml" \
    --kubeconfig="$KUBE_STATE/kubelet.kubeconfig" \
    --root-dir="$STATE/kubelet" \
    --cert-dir="$STATE/kubelet/pki" \
    --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" \
    --v=1

  live_pid kube-proxy "$PROXY_BIN" >/dev/null || require_free_port "$PROXY_HEALTHZ_PORT" "kube-proxy healthz"
  ensure kube-proxy "$PROXY_BIN" proxy_ready -- --config="$STATE/kube-proxy.yaml" --v=1

  # kube-router's network policy controller only (no routing, no service proxy, no CNI): per-pod
  # chains in the filter table, fed by ipsets, for the pods on this node (FORWARD with physdev for
  # pod-to-pod traffic on the bridge, INPUT/OUTPUT for traffic between pods and the host).
  live_pid kube-router "$KUBE_ROUTER_BIN" >/dev/null || require_free_port "$KUBE_ROUTER_HEALTH_PORT" "kube-router healthz"
  ensure kube-router "$KUBE_ROUTER_BIN" kube_router_ready -- \
    --kubeconfig="$KUBE_STATE/kube-router.kubeconfig" \
    --hostname-override="$NODE_NAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --health-port="$KUBE_ROUTER_HEALTH_PORT" --metrics-port=0 \
    --v=1

  local pki="$KUBE_STATE/pki" kcm="$KUBE_STATE/kube-controller-manager.kubeconfig" sch="$KUBE_STATE/kube-scheduler.kubeconfig"
  live_pid kube-controller-manager "$KCM_BIN" >/dev/null || require_free_port "$KCM_PORT" kube-controller-manager
  ensure kube-controller-manager "$KCM_BIN" kcm_ready -- \
    --kubeconfig="$kcm" --authentication-kubeconfig="$kcm" --authorization-kubeconfig="$kcm" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
    --cluster-name="$CONTEXT" \
    --service-account-private-key-file="$pki/sa.key" \
    --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --use-service-account-credentials=true \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --v=1

  live_pid kube-scheduler "$SCHEDULER_BIN" >/dev/null || require_free_port "$SCHEDULER_PORT" kube-scheduler
  ensure kube-scheduler "$SCHEDULER_BIN" scheduler_ready -- \
    --kubeconfig="$sch" --authentication-kubeconfig="$sch" --authorization-kubeconfig="$sch" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --leader-elect=false --v=1

  if ! live_pid coredns "$COREDNS_BIN" >/dev/null \
     && ss -Hlnu | awk '{print $4}' | grep -q -E "^($NODE_IP|0\.0\.0\.0|\*|\[::\]):53$"; then
    die "port 53 on $NODE_IP is taken by another process (ss -lnup 'sport = :53' shows which)"
  fi
  ensure coredns "$COREDNS_BIN" coredns_ready -- -conf "$STATE/coredns/Corefile"

  step "host services for the pods: $NODE_IP:{$KAFKA_PODS_PORT,$PG_PORT} -> 127.0.0.1 (Kafka pod listener, PostgreSQL)"
  local fwd socat_bin; socat_bin="$(command -v socat)"
  for fwd in $FORWARDS; do
    ensure "forward-${fwd%%:*}" "$socat_bin" true -- \
      "TCP-LISTEN:${fwd#*:},bind=$NODE_IP,fork,reuseaddr" "TCP:127.0.0.1:${fwd#*:}"
  done

  step "waiting for Node $NODE_NAME Ready and DNS (kubernetes.default.svc.$DNS_DOMAIN @$NODE_IP)"
  wait_for kubelet "$KUBELET_BIN" node_ready
  wait_for coredns "$COREDNS_BIN" dns_answers
  log "cluster up in $(( $(date +%s) - t0 ))s: node $NODE_NAME ($NODE_IP) Ready; eval \"\$(bash local/cluster/cluster.sh env)\""

  if [ "${ECOM_CLUSTER_SKIP_IMAGES:-}" = 1 ]; then
    log "ECOM_CLUSTER_SKIP_IMAGES=1: not building or importing images"
  elif [ -f "$HERE/images.sh" ]; then
    step "images: bash local/cluster/images.sh all (into containerd at $CONTAINERD_SOCK)"
    CONTAINERD_ADDRESS="$CONTAINERD_SOCK" CONTAINERD_NAMESPACE=k8s.io PATH="$CONTAINERD_DIR:$PATH" \
      bash "$HERE/images.sh" all 7>&-
  else
    log "local/cluster/images.sh not found: no images imported; pods need $SANDBOX_IMAGE in containerd's k8s.io namespace"
  fi
  log "done in $(( $(date +%s) - t0 ))s"
}

# --- down -------------------------------------------------------------------
cmd_down() {
  need_root down
  mkdir -p "$STATE" "$LOGS"
  exec 7>"$STATE/.lock"; flock 7
  step "stopping the node (pods are removed from containerd; cluster objects and images stay)"
  local fwd socat_bin pid; socat_bin="$(command -v socat || echo /usr/bin/socat)"
  for fwd in $FORWARDS; do
    # Its process group: socat forks one child per open connection.
    if pid="$(live_pid "forward-${fwd%%:*}" "$socat_bin")"; then kill -TERM -- "-$pid" 2>/dev/null || true; fi
    stop_daemon "forward-${fwd%%:*}" "$socat_bin"
  done
  stop_daemon coredns "$COREDNS_BIN"
  # Before the pods go: its chains and ipsets are removed below (iptables_cleanup, ipset_cleanup).
  stop_daemon kube-router "$KUBE_ROUTER_BIN"
  stop_daemon kube-scheduler "$SCHEDULER_BIN"
  stop_daemon kube-controller-manager "$KCM_BIN"
  stop_daemon kubelet "$KUBELET_BIN"
  # The pods' sandboxes, through the CRI while containerd still runs: that runs CNI DEL for each
  # (veth, IP, masquerade and hostport rules) and removes its network namespace.
  if live_pid containerd "$CONTAINERD_BIN" >/dev/null && [ -x "$CRICTL_BIN" ]; then
    local n; n="$(crictl_ pods -q 2>/dev/null | wc -l)" || n=0
    if [ "$n" -gt 0 ]; then
      log "removing $n pod sandbox(es) (crictl rmp --all --force)"
      crictl_ rmp --all --force >/dev/null 2>&1 || log "crictl rmp failed; cleaning up by hand below"
    fi
  fi
  stop_daemon kube-proxy "$PROXY_BIN"
  if [ -x "$PROXY_BIN" ] && command -v iptables >/dev/null 2>&1; then
    PATH="$DAEMON_PATH" "$PROXY_BIN" --cleanup >>"$LOGS/kube-proxy.log" 2>&1 || true
  fi
  stop_daemon containerd "$CONTAINERD_BIN"
  # Shims of this containerd (their exe is our shim binary) that outlived their pods.
  local p exe
  for p in /proc/[0-9]*; do
    exe="$(readlink "$p/exe" 2>/dev/null || true)"
    [ "${exe% (deleted)}" = "$SHIM_BIN" ] || continue
    log "killing leftover containerd-shim-runc-v2 (pid ${p#/proc/}) and its containers"
    # The shim's children (the containers' init processes), by pid, then the shim.
    kill -KILL $(cat "$p"/task/*/children 2>/dev/null) 2>/dev/null || true
    kill -KILL "${p#/proc/}" 2>/dev/null || true
  done

  step "undoing host changes (mounts, network, iptables, ipsets, sysctls)"
  unmount_under "$STATE/kubelet" "$RUN" "$STATE/containerd" /run/containerd
  local ns
  for ns in /run/netns/cni-*; do
    [ -e "$ns" ] || continue
    umount "$ns" 2>/dev/null || umount -l "$ns" 2>/dev/null || true
    rm -f "$ns" && log "removed network namespace $ns"
  done
  ip link show "$CNI_BRIDGE" >/dev/null 2>&1 && ip link del "$CNI_BRIDGE" && log "removed bridge $CNI_BRIDGE"
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 && ip link del "$NODE_BRIDGE" && log "removed bridge $NODE_BRIDGE ($NODE_IP)"
  iptables_cleanup
  ipset_cleanup
  rm -rf "$STATE/cni/ipam"
  restore_sysctls
  # kubelet's QoS cgroups (kubepods/...) in every hierarchy, deepest first.
  find /sys/fs/cgroup -depth -type d -path '*/kubepods*' -exec rmdir {} + 2>/dev/null || true
  # Pod log links kubelet makes in /var/log/containers point into STATE/pod-logs.
  if [ -d /var/log/containers ]; then
    find /var/log/containers -maxdepth 1 -type l -lname "$STATE/pod-logs/*" -delete 2>/dev/null || true
  fi
  if [ -f "$STATE/host-paths.created" ]; then
    while read -r p; do
      [ -n "$p" ] && [ -e "$p" ] || continue
      case "$p" in
        /run/containerd|/var/lib/cni|/var/lib/kubelet) rm -rf "$p" ;;
        *) rmdir "$p" 2>/dev/null || { log "$p is not empty: left in place"; continue; } ;;
      esac
      log "removed $p (created by the node)"
    done <"$STATE/host-paths.created"
    rm -f "$STATE/host-paths.created"
  fi
  rm -rf "$RUN"

  step "stopping the control plane (kube-apiserver + etcd in $KUBE_STATE)"
  kube stop
  log "down"
}

# --- status -----------------------------------------------------------------
cmd_status() {
  local rc=0
  line() {  # NAME BIN CHECK DETAIL
    local pid
    if pid="$(live_pid "$1" "$2")"; then
      if "$3" >/dev/null 2>&1; then echo "$1: running (pid $pid) ready $4"
      else echo "$1: running (pid $pid) NOT-READY $4"; rc=1; fi
    else echo "$1: stopped"; rc=1; fi
  }
  kube status || rc=1
  line containerd "$CONTAINERD_BIN" containerd_ready "$CONTAINERD_SOCK"
  line kubelet "$KUBELET_BIN" kubelet_ready "node $NODE_NAME $NODE_IP:$KUBELET_PORT"
  line kube-proxy "$PROXY_BIN" proxy_ready "iptables"
  line kube-router "$KUBE_ROUTER_BIN" kube_router_ready "NetworkPolicies (healthz :$KUBE_ROUTER_HEALTH_PORT)"
  line kube-controller-manager "$KCM_BIN" kcm_ready "127.0.0.1:$KCM_PORT"
  line kube-scheduler "$SCHEDULER_BIN" scheduler_ready "127.0.0.1:$SCHEDULER_PORT"
  line coredns "$COREDNS_BIN" coredns_ready "$NODE_IP:53"
  local fwd
  for fwd in $FORWARDS; do line "forward-${fwd%%:*}" "$(command -v socat || echo /usr/bin/socat)" true "$NODE_IP:${fwd#*:} -> 127.0.0.1:${fwd#*:}"; done
  if node_ready; then echo "node $NODE_NAME: Ready"; else echo "node $NODE_NAME: NOT Ready"; rc=1; fi
  if dns_answers; then echo "dns: kubernetes.default.svc.$DNS_DOMAIN -> $SERVICE_IP"; else echo "dns: NOT answering on $NODE_IP:53"; rc=1; fi
  return $rc
}

cmd_env() {
  echo "export KUBECONFIG=$KUBECONFIG_FILE"
  echo "export CONTAINERD_ADDRESS=$CONTAINERD_SOCK"
  echo "export CONTAINERD_NAMESPACE=k8s.io"
  echo "export CONTAINER_RUNTIME_ENDPOINT=unix://$CONTAINERD_SOCK"
  echo "export ECOM_CLUSTER_NODE_IP=$NODE_IP"
  echo "export PATH=$KUBE_DIR:$CONTAINERD_DIR:$CRICTL_DIR:$COREDNS_DIR:\$PATH"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  -h|--help|help) usage ;;
  "") usage >&2; exit 2 ;;
  *) echo "unknown command: $1" >&2; usage >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Build the Kubernetes pieces the local scripts run, from the Go module proxy at pinned
# versions, and cache them under ~/.cache/ecom/. A second run reuses the cached binaries.
#
#   bash local/kube/build.sh [TARGET...]     (default: all; prints each binary's path)
#   bash local/kube/build.sh --print-paths   (no build; prints where binaries go)
#
# Targets:
#   etcd, kube-apiserver   the control plane of local/kube/kube.sh; `all` is both
#   node                   kubelet, kube-controller-manager, kube-scheduler and kube-proxy,
#                          in ONE go build (their shared packages compile once)
#   containerd             containerd, containerd-shim-runc-v2 and ctr (-tags no_btrfs)
#   coredns, crictl        CoreDNS and crictl (CRI client), plain `go install`
#   kube-router            kube-router (cluster.sh runs only its network policy controller)
#   cluster                everything local/cluster/cluster.sh runs:
#                          all node containerd coredns crictl kube-router
#
# kube-apiserver and the node components: `go install k8s.io/kubernetes/cmd/kube-apiserver@vX`
# is refused because k8s.io/kubernetes' go.mod replaces its staging modules (k8s.io/api, ...)
# with local directories. So we generate a throwaway wrapper module whose go.mod
# requires k8s.io/kubernetes vX and replaces every staging module (read from the
# `replace` block of kubernetes' own go.mod at that version) with its published
# v0.Y.Z, then `go build` the commands from there. etcd gets the same treatment
# (go.etcd.io/etcd/server/v3 replaces api/v3, client/*, pkg/v3 with ../ paths).
#
# Env overrides: KUBE_VERSION, ETCD_VERSION, CONTAINERD_VERSION, COREDNS_VERSION, CRICTL_VERSION,
#                KUBE_ROUTER_VERSION,
#                ECOM_CACHE (default ~/.cache/ecom), ECOM_BUILD_JOBS (go build -p, default 2),
#                ECOM_NICE (default 10).
set -euo pipefail

# Pins. v1.36.5 is on the proxy but not in the checksum database reachable here,
# so the newest verifiable patch of 1.36 is used.
KUBE_VERSION="${KUBE_VERSION:-v1.36.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
# containerd 2.x (Debian's 1.6 is too old for kubelet 1.36), the newest release on the proxy.
CONTAINERD_VERSION="${CONTAINERD_VERSION:-v2.4.2}"
COREDNS_VERSION="${COREDNS_VERSION:-v1.15.0}"
# crictl of the same Kubernetes minor.
CRICTL_VERSION="${CRICTL_VERSION:-v1.36.0}"
# kube-router's network policy controller enforces the cluster's NetworkPolicies (the bridge CNI
# has no policy engine). v2.1.0 is the only v2 release the module proxy serves here (v2.1.1 and
# later answer 403 "This module version is not available").
KUBE_ROUTER_VERSION="${KUBE_ROUTER_VERSION:-v2.1.0}"
ECOM_CACHE="${ECOM_CACHE:-$HOME/.cache/ecom}"
ECOM_BUILD_JOBS="${ECOM_BUILD_JOBS:-2}"
ECOM_NICE="${ECOM_NICE:-10}"

KUBE_DIR="$ECOM_CACHE/kube-$KUBE_VERSION"
ETCD_DIR="$ECOM_CACHE/etcd-$ETCD_VERSION"
CONTAINERD_DIR="$ECOM_CACHE/containerd-$CONTAINERD_VERSION"
COREDNS_DIR="$ECOM_CACHE/coredns-$COREDNS_VERSION"
CRICTL_DIR="$ECOM_CACHE/crictl-$CRICTL_VERSION"
KUBE_ROUTER_DIR="$ECOM_CACHE/kube-router-$KUBE_ROUTER_VERSION"
KUBE_APISERVER_BIN="$KUBE_DIR/kube-apiserver"
ETCD_BIN="$ETCD_DIR/etcd"
KUBE_NODE_CMDS="kubelet kube-controller-manager kube-scheduler kube-proxy"
CONTAINERD_CMDS="containerd containerd-shim-runc-v2 ctr"

log() { printf '[kube-build] %s\n' "$*" >&2; }
die() { printf '[kube-build] ERROR: %s\n' "$*" >&2; exit 1; }

require_go() {
  if ! command -v go >/dev/null 2>&1; then
    die "Go is not installed (needed to build ${1:-kube-apiserver $KUBE_VERSION and etcd $ETCD_VERSION}).
  Install Go 1.26 or newer (the official go1.26.x linux tarball from go.dev/dl unpacked to /usr/local/go, with /usr/local/go/bin on PATH;
  Debian bookworm's golang-go is 1.19, too old)."
  fi
  local v; v="$(go env GOVERSION 2>/dev/null || true)"   # e.g. go1.26.8
  local minor; minor="$(printf '%s' "$v" | sed -nE 's/^go1\.([0-9]+).*/\1/p')"
  if [ -z "$minor" ] || [ "$minor" -lt 26 ]; then
    die "Go $v is too old: kubernetes $KUBE_VERSION, etcd $ETCD_VERSION and containerd $CONTAINERD_VERSION need Go 1.26 or newer."
  fi
}

# Common Go environment for all builds: static binaries, the local toolchain
# only (never fetch another one), modest parallelism on a shared machine.
go_env() {
  export CGO_ENABLED=0
  export GOTOOLCHAIN=local
  export GOFLAGS="-mod=mod -buildvcs=false -trimpath -p=$ECOM_BUILD_JOBS"
  export GOWORK=off
}

gobuild() { nice -n "$ECOM_NICE" go "$@"; }

# go.mod of a module version as stored by `go mod download`.
gomod_path() {
  local mod="$1" ver="$2" out
  out="$(go mod download -json "$mod@$ver")" || die "go mod download $mod@$ver failed:
$out"
  printf '%s' "$out" | sed -nE 's/^[[:space:]]*"GoMod": "([^"]+)".*/\1/p'
}

fmt_secs() { printf '%dm%02ds' $(( $1 / 60 )) $(( $1 % 60 )); }

# kube_wrapper DIR NAME: (re)generates in DIR the wrapper module that requires k8s.io/kubernetes
# $KUBE_VERSION and replaces each of its staging modules with the published v0.Y.Z.
kube_wrapper() {
  local wrap="$1" name="$2"
  local staging_ver="v0.${KUBE_VERSION#v1.}"           # v1.36.4 -> v0.36.4
  rm -rf "$wrap"; mkdir -p "$wrap"

  log "reading the staging module list from k8s.io/kubernetes@$KUBE_VERSION go.mod"
  local kmod; kmod="$(gomod_path k8s.io/kubernetes "$KUBE_VERSION")"
  [ -f "$kmod" ] || die "could not fetch go.mod of k8s.io/kubernetes@$KUBE_VERSION"
  local staging
  staging="$(sed -nE 's#^[[:space:]]*(k8s\.io/[A-Za-z0-9._-]+)[[:space:]]+=>[[:space:]]+\./staging/src/.*#\1#p' "$kmod" | sort -u)"
  [ -n "$staging" ] || die "no staging replace directives found in $kmod"
  local goline godebug
  goline="$(sed -nE 's/^go ([0-9.]+)$/\1/p' "$kmod" | head -1)"
  godebug="$(sed -nE 's/^godebug (.*)$/\1/p' "$kmod" | head -1)"

  {
    echo "// Generated by local/kube/build.sh — throwaway wrapper, not committed."
    echo "module ecom.local/$name-wrapper"
    echo
    echo "go ${goline:-1.26.0}"
    [ -n "$godebug" ] && echo "godebug $godebug"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m $staging_ver"; done
    echo ")"
  } >"$wrap/go.mod"
  log "wrapper go.mod: $(printf '%s\n' "$staging" | wc -l) staging modules -> $staging_ver ($wrap/go.mod)"
}

# Version ldflags, so the binaries report $KUBE_VERSION (as upstream's release builds do).
kube_ldflags() {
  local ldflags="-s -w"
  local maj="${KUBE_VERSION#v}"; maj="${maj%%.*}"
  local min="${KUBE_VERSION#v*.}"; min="${min%%.*}"
  for kv in "gitVersion=$KUBE_VERSION" "gitMajor=$maj" "gitMinor=$min" \
            "gitTreeState=clean" "buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; do
    ldflags="$ldflags -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
  done
  printf '%s' "$ldflags"
}

build_kube_apiserver() {
  if [ -x "$KUBE_APISERVER_BIN" ]; then
    log "kube-apiserver $KUBE_VERSION cached: $KUBE_APISERVER_BIN"
    return 0
  fi
  require_go; go_env
  mkdir -p "$KUBE_DIR"
  exec 9>"$KUBE_DIR/.build.lock"
  flock 9
  if [ -x "$KUBE_APISERVER_BIN" ]; then return 0; fi   # built by a concurrent run

  local start; start=$(date +%s)
  local wrap="$KUBE_DIR/wrapper"
  kube_wrapper "$wrap" kube-apiserver

  log "go build k8s.io/kubernetes/cmd/kube-apiserver (CGO_ENABLED=0, -p=$ECOM_BUILD_JOBS, nice $ECOM_NICE)"
  ( cd "$wrap" && gobuild build -ldflags "$(kube_ldflags)" -o "$KUBE_APISERVER_BIN.tmp" k8s.io/kubernetes/cmd/kube-apiserver ) \
    || die "building kube-apiserver $KUBE_VERSION failed (wrapper module in $wrap)"
  mv "$KUBE_APISERVER_BIN.tmp" "$KUBE_APISERVER_BIN"
  local secs=$(( $(date +%s) - start ))
  echo "$secs" >"$KUBE_DIR/build-seconds"
  log "built $KUBE_APISERVER_BIN in $(fmt_secs "$secs")"
}

# The node components, in one `go build` of their missing ones: the packages they share
# (client-go, apimachinery, component-base, pkg/kubelet's API types, ...) compile once. All four
# build with CGO_ENABLED=0 (as in upstream's release builds). A wrapper of its own (wrapper-node)
# lets this run beside a kube-apiserver build.
build_kube_node() {
  local missing=() c
  for c in $KUBE_NODE_CMDS; do [ -x "$KUBE_DIR/$c" ] || missing+=("$c"); done
  if [ ${#missing[@]} -eq 0 ]; then
    log "kubelet, kube-controller-manager, kube-scheduler, kube-proxy $KUBE_VERSION cached in $KUBE_DIR"
    return 0
  fi
  require_go "the node components of Kubernetes $KUBE_VERSION"; go_env
  mkdir -p "$KUBE_DIR"
  exec 6>"$KUBE_DIR/.build-node.lock"
  flock 6
  missing=()                                             # a concurrent run may have built some
  for c in $KUBE_NODE_CMDS; do [ -x "$KUBE_DIR/$c" ] || missing+=("$c"); done
  [ ${#missing[@]} -gt 0 ] || return 0

  local start; start=$(date +%s)
  local wrap="$KUBE_DIR/wrapper-node" out="$KUBE_DIR/.node-out"
  kube_wrapper "$wrap" kube-node
  rm -rf "$out"; mkdir -p "$out"
  local pkgs=()
  for c in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  log "go build ${missing[*]} in one invocation (CGO_ENABLED=0, -p=$ECOM_BUILD_JOBS, nice $ECOM_NICE; ~2 min with kube-apiserver's packages in the Go build cache, longer cold)…"
  ( cd "$wrap" && gobuild build -ldflags "$(kube_ldflags)" -o "$out/" "${pkgs[@]}" ) \
    || die "building ${missing[*]} $KUBE_VERSION failed (wrapper module in $wrap)"
  for c in "${missing[@]}"; do
    [ -x "$out/$c" ] || die "go build finished but $out/$c is missing"
    mv "$out/$c" "$KUBE_DIR/$c"
  done
  rmdir "$out" 2>/dev/null || true
  local secs=$(( $(date +%s) - start ))
  echo "$secs" >"$KUBE_DIR/build-seconds-node"
  log "built ${missing[*]} in $KUBE_DIR in $(fmt_secs "$secs")"
}

build_etcd() {
  if [ -x "$ETCD_BIN" ]; then
    log "etcd $ETCD_VERSION cached: $ETCD_BIN"
    return 0
  fi
  require_go; go_env
  mkdir -p "$ETCD_DIR"
  exec 8>"$ETCD_DIR/.build.lock"
  flock 8
  if [ -x "$ETCD_BIN" ]; then return 0; fi

  local start; start=$(date +%s)
  local wrap="$ETCD_DIR/wrapper"
  rm -rf "$wrap"; mkdir -p "$wrap"
  local smod; smod="$(gomod_path go.etcd.io/etcd/server/v3 "$ETCD_VERSION")"
  [ -f "$smod" ] || die "could not fetch go.mod of go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  # Sibling modules replaced with ../ paths in etcd's own go.mod.
  local sibs
  sibs="$(sed -nE 's#^[[:space:]]*(go\.etcd\.io/etcd/[A-Za-z0-9/._-]+)[[:space:]]+=>[[:space:]]+\.\./.*#\1#p' "$smod" | sort -u)"
  local goline; goline="$(sed -nE 's/^go ([0-9.]+)$/\1/p' "$smod" | head -1)"
  {
    echo "// Generated by local/kube/build.sh — throwaway wrapper, not committed."
    echo "module ecom.local/etcd-wrapper"
    echo
    echo "go ${goline:-1.26.0}"
    echo
    echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
    echo
    echo "replace ("
    for m in $sibs; do echo "	$m => $m $ETCD_VERSION"; done
    echo ")"
  } >"$wrap/go.mod"
  log "wrapper go.mod: $(printf '%s\n' "$sibs" | wc -l) etcd sibling modules -> $ETCD_VERSION"

  local ldflags="-s -w"
  log "go build go.etcd.io/etcd/server/v3 -> etcd (CGO_ENABLED=0, -p=$ECOM_BUILD_JOBS, nice $ECOM_NICE)"
  ( cd "$wrap" && gobuild build -ldflags "$ldflags" -o "$ETCD_BIN.tmp" go.etcd.io/etcd/server/v3 ) \
    || die "building etcd $ETCD_VERSION failed (wrapper module in $wrap)"
  mv "$ETCD_BIN.tmp" "$ETCD_BIN"
  local secs=$(( $(date +%s) - start ))
  echo "$secs" >"$ETCD_DIR/build-seconds"
  log "built $ETCD_BIN in $(fmt_secs "$secs")"
}

# go_install_cached DIR VERSION TAGS LDFLAGS PKG...: `go install PKG@VERSION...` (packages of one
# module, whose go.mod has no replace directives) into DIR, for the binaries DIR lacks.
go_install_cached() {
  local dir="$1" version="$2" tags="$3" ldflags="$4"; shift 4
  local missing=() p
  for p; do [ -x "$dir/$(basename "$p")" ] || missing+=("$p@$version"); done
  if [ ${#missing[@]} -eq 0 ]; then log "$(basename "$dir") cached: $dir"; return 0; fi
  require_go "$(basename "$dir")"; go_env
  export GOFLAGS="-buildvcs=false -trimpath -p=$ECOM_BUILD_JOBS"   # -mod is refused with pkg@version
  mkdir -p "$dir"
  exec 5>"$dir/.build.lock"
  flock 5
  missing=()
  for p; do [ -x "$dir/$(basename "$p")" ] || missing+=("$p@$version"); done
  if [ ${#missing[@]} -eq 0 ]; then exec 5>&-; return 0; fi

  local start out; start=$(date +%s); out="$dir/.out"
  rm -rf "$out"; mkdir -p "$out"
  log "go install ${missing[*]}${tags:+ -tags $tags} (CGO_ENABLED=0, -p=$ECOM_BUILD_JOBS, nice $ECOM_NICE)…"
  GOBIN="$out" gobuild install ${tags:+-tags "$tags"} -ldflags "-s -w $ldflags" "${missing[@]}" \
    || die "go install ${missing[*]} failed"
  for p in "${missing[@]}"; do
    p="$(basename "${p%@*}")"
    [ -x "$out/$p" ] || die "go install finished but $out/$p is missing"
    mv "$out/$p" "$dir/$p"
  done
  rmdir "$out" 2>/dev/null || true
  local secs=$(( $(date +%s) - start ))
  echo "$secs" >"$dir/build-seconds"
  log "built $(basename "$dir") in $dir in $(fmt_secs "$secs")"
  exec 5>&-
}

build_containerd() {
  # no_btrfs: the btrfs snapshotter needs cgo and btrfs headers; overlayfs is what the node uses.
  local m=github.com/containerd/containerd/v2
  go_install_cached "$CONTAINERD_DIR" "$CONTAINERD_VERSION" no_btrfs \
    "-X $m/version.Version=$CONTAINERD_VERSION -X $m/version.Package=$m" \
    "$m/cmd/containerd" "$m/cmd/containerd-shim-runc-v2" "$m/cmd/ctr"
}

build_coredns() {
  go_install_cached "$COREDNS_DIR" "$COREDNS_VERSION" "" "" github.com/coredns/coredns
}

build_crictl() {
  go_install_cached "$CRICTL_DIR" "$CRICTL_VERSION" "" \
    "-X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" sigs.k8s.io/cri-tools/cmd/crictl
}

build_kube_router() {
  local m=github.com/cloudnativelabs/kube-router/v2
  go_install_cached "$KUBE_ROUTER_DIR" "$KUBE_ROUTER_VERSION" "" \
    "-X $m/pkg/version.Version=$KUBE_ROUTER_VERSION -X $m/pkg/version.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "$m/cmd/kube-router"
}

print_paths() {
  echo "KUBE_VERSION=$KUBE_VERSION"; echo "ETCD_VERSION=$ETCD_VERSION"
  echo "KUBE_APISERVER_BIN=$KUBE_APISERVER_BIN"; echo "ETCD_BIN=$ETCD_BIN"
  echo "KUBE_DIR=$KUBE_DIR"
  echo "CONTAINERD_VERSION=$CONTAINERD_VERSION"; echo "CONTAINERD_DIR=$CONTAINERD_DIR"
  echo "COREDNS_VERSION=$COREDNS_VERSION"; echo "COREDNS_DIR=$COREDNS_DIR"
  echo "CRICTL_VERSION=$CRICTL_VERSION"; echo "CRICTL_DIR=$CRICTL_DIR"
  echo "KUBE_ROUTER_VERSION=$KUBE_ROUTER_VERSION"; echo "KUBE_ROUTER_DIR=$KUBE_ROUTER_DIR"
}

build_target() {
  local c
  case "$1" in
    kube-apiserver) build_kube_apiserver; echo "$KUBE_APISERVER_BIN" ;;
    etcd) build_etcd; echo "$ETCD_BIN" ;;
    all) build_etcd; build_kube_apiserver; echo "$ETCD_BIN"; echo "$KUBE_APISERVER_BIN" ;;
    node) build_kube_node; for c in $KUBE_NODE_CMDS; do echo "$KUBE_DIR/$c"; done ;;
    containerd) build_containerd; for c in $CONTAINERD_CMDS; do echo "$CONTAINERD_DIR/$c"; done ;;
    coredns) build_coredns; echo "$COREDNS_DIR/coredns" ;;
    crictl) build_crictl; echo "$CRICTL_DIR/crictl" ;;
    kube-router) build_kube_router; echo "$KUBE_ROUTER_DIR/kube-router" ;;
    cluster) for c in all node containerd coredns crictl kube-router; do build_target "$c"; done ;;
    *) die "unknown target '$1' (use kube-apiserver, etcd, all, node, containerd, coredns, crictl, kube-router, cluster, --print-paths)" ;;
  esac
}

case "${1:-all}" in
  --print-paths) print_paths ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
  *) for t in "${@:-all}"; do build_target "$t"; done ;;
esac

#!/usr/bin/env bash
# Build helm, k6, tilt, otelcol and prometheus-operator from the Go module proxy, and install
# Schemathesis from PyPI into a venv, at pinned versions, cached in ~/.cache/ecom/<tool>-<version>/
# (a second run does not rebuild).
#
#   bash local/tools/install.sh [helm|k6|tilt|otelcol|schemathesis|prometheus-operator|prometheus|chromium|all]
#                                (default: all; prints each path)
#   bash local/tools/install.sh --print-dirs                        (no build; the cache dirs, one a line)
#
# helm is a plain `GOBIN=... go install <pkg>@<version>`. Tilt's go.mod has
# `replace` directives, which `go install pkg@version` refuses, so tilt is built
# from a generated throwaway wrapper module that carries the same replaces; k6
# uses such a wrapper too (see install_k6), and so does prometheus-operator (its go.mod
# replaces its own submodules). Wrappers live next to the binary. otelcol (the OpenTelemetry
# Collector with the OTLP receiver and OTLP/HTTP exporter, for the trace test) is built from the
# module checked in at local/tools/otelcol (go.mod/go.sum pin it). `prometheus` and `chromium`
# install Debian's packages with apt-get (root): the scrape tests' server, the load test report's browser.
#
# Env overrides: HELM_VERSION, K6_VERSION, TILT_VERSION, SCHEMATHESIS_VERSION, SCHEMATHESIS_CONSTRAINTS
#                (pip constraints file; empty: none), PYTHON (default python3),
#                PROMETHEUS_OPERATOR_VERSION,
#                ECOM_CACHE (default ~/.cache/ecom),
#                ECOM_BUILD_JOBS (go build -p, default 2), ECOM_NICE (default 10).
set -euo pipefail

# Pins: newest versions whose module zips the Go module proxy serves here
# (k6 v2.3.0 is listed but its zip is refused; tilt 0.37.2/0.37.3 are not served).
HELM_VERSION="${HELM_VERSION:-v4.3.1}"
K6_VERSION="${K6_VERSION:-v2.2.0}"
TILT_VERSION="${TILT_VERSION:-v0.37.1}"
# Bump when tilt's build recipe changes (its cache dir carries it). 2: a placeholder web UI embedded.
TILT_RECIPE=2
# v0.93.1: the newest prometheus-operator release whose three modules (the main one and its
# pkg/apis/monitoring and pkg/client submodules) the Go module proxy serves here: v0.95.x's main
# module and v0.94.x's pkg/client are refused. Its client-go (v0.36) matches local/kube's 1.36.
PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-v0.93.1}"
# The collector release local/tools/otelcol/go.mod pins (core modules only: the proxy refuses
# contrib's v0.165.1 otlpencodingextension, which contrib's fileexporter needs). Bump both together.
OTELCOL_VERSION="v$(sed -nE 's/^const version = "([0-9.]+)"$/\1/p' "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/otelcol/version.go")"
# The newest Schemathesis on PyPI; it needs Python 3.11 or newer.
SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
SCHEMATHESIS_CONSTRAINTS="${SCHEMATHESIS_CONSTRAINTS-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/schemathesis-constraints.txt}"
PYTHON="${PYTHON:-python3}"
ECOM_CACHE="${ECOM_CACHE:-$HOME/.cache/ecom}"
ECOM_BUILD_JOBS="${ECOM_BUILD_JOBS:-2}"
ECOM_NICE="${ECOM_NICE:-10}"

log() { printf '[tools] %s\n' "$*" >&2; }
die() { printf '[tools] ERROR: %s\n' "$*" >&2; exit 1; }

tool_dir() {
  case "$1" in
    helm) echo "$ECOM_CACHE/helm-$HELM_VERSION" ;;
    k6)   echo "$ECOM_CACHE/k6-$K6_VERSION" ;;
    tilt) echo "$ECOM_CACHE/tilt-$TILT_VERSION+r$TILT_RECIPE" ;;   # +r: the recipe (path.sh cuts at the last -)
    otelcol) echo "$ECOM_CACHE/otelcol-$OTELCOL_VERSION" ;;
    prometheus-operator) echo "$ECOM_CACHE/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION" ;;
    schemathesis) echo "$ECOM_CACHE/schemathesis-$SCHEMATHESIS_VERSION" ;;
    *) die "unknown tool '$1'" ;;
  esac
}

require_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed (needed to build $1).
  Install Go 1.26 or newer (the official go1.26.x linux tarball from go.dev/dl unpacked to /usr/local/go,
  /usr/local/go/bin on PATH; Debian bookworm's golang-go is 1.19, too old)."
  local minor; minor="$(go env GOVERSION | sed -nE 's/^go1\.([0-9]+).*/\1/p')"
  { [ -n "$minor" ] && [ "$minor" -ge 26 ]; } || die "Go $(go env GOVERSION) is too old: need Go 1.26 or newer (helm $HELM_VERSION needs 1.26)."
}

go_env() {
  export CGO_ENABLED="${TOOL_CGO:-0}"   # static, pure-Go builds unless a tool needs cgo
  export GOTOOLCHAIN=local
  export GOWORK=off
  export GOFLAGS="-buildvcs=false -trimpath -p=$ECOM_BUILD_JOBS"
}

fmt_secs() { printf '%dm%02ds' $(( $1 / 60 )) $(( $1 % 60 )); }

# cached_build NAME VERSION PREPARE BUILD: prints the tool's path, $(tool_dir NAME)/NAME, making it
# on the first run only. PREPARE checks what the build needs (so a cached tool needs none of it);
# BUILD leaves the executable at $bin and runs under the cache dir's lock, taken before the second
# look (a parallel run may have built it meanwhile). Both see this function's locals $dir and $bin.
cached_build() {
  local name="$1" version="$2" prepare="$3" build="$4"
  local dir; dir="$(tool_dir "$name")"
  local bin="$dir/$name"
  if [ -x "$bin" ]; then log "$name $version cached: $bin"; echo "$bin"; return 0; fi
  "$prepare" "$name $version"
  mkdir -p "$dir"
  exec 9>"$dir/.build.lock"; flock 9
  if [ -x "$bin" ]; then echo "$bin"; exec 9>&-; return 0; fi
  local start; start=$(date +%s)
  "$build"
  [ -x "$bin" ] || die "$name was built but $bin is missing"
  local secs=$(( $(date +%s) - start ))
  echo "$secs" >"$dir/build-seconds"
  log "built $bin in $(fmt_secs "$secs")"
  exec 9>&-
  echo "$bin"
}

prepare_go() { require_go "$1"; go_env; }

# build_tool NAME VERSION PKG LDFLAGS [wrapper-module [modules-whose-hashes-come-from-its-go.sum...]]
build_tool() {
  local name="$1" version="$2" pkg="$3" ldflags="$4" wrapmod="${5:-}" sums=("${@:6}")
  cached_build "$name" "$version" prepare_go build_go
}
build_go() {
  log "building $name $version from the Go module proxy (first run only; CGO_ENABLED=$CGO_ENABLED, -p=$ECOM_BUILD_JOBS, nice $ECOM_NICE)…"
  if [ -z "$wrapmod" ]; then
    GOBIN="$dir" nice -n "$ECOM_NICE" go install -ldflags "$ldflags" "$pkg@$version" \
      || die "go install $pkg@$version failed"
  else
    # Wrapper module: require the tool's module and copy its replace directives
    # (only module => module version ones; path replaces cannot work outside its repo).
    local wrap="$dir/wrapper" gm out
    rm -rf "$wrap"; mkdir -p "$wrap"
    out="$(go mod download -json "$wrapmod@$version")" || die "go mod download $wrapmod@$version failed: $out"
    gm="$(printf '%s' "$out" | sed -nE 's/^[[:space:]]*"GoMod": "([^"]+)".*/\1/p')"
    [ -f "$gm" ] || die "could not fetch go.mod of $wrapmod@$version"
    {
      echo "// Generated by local/tools/install.sh — throwaway wrapper, not committed."
      echo "module ecom.local/$name-wrapper"
      echo
      echo "go $(sed -nE 's/^go ([0-9.]+)$/\1/p' "$gm" | head -1)"
      echo
      echo "require $wrapmod $version"
      echo
      echo "replace ("
      # single-line `replace a => b v` and lines inside a replace ( ... ) block
      awk '
        /^replace[[:space:]]*\(/ {inb=1; next}
        inb && /^\)/ {inb=0; next}
        inb {print; next}
        /^replace[[:space:]]/ {sub(/^replace[[:space:]]+/, ""); print}
      ' "$gm" | sed -E 's#//.*$##' | { grep -E '=>[[:space:]]*[^.[:space:]/][^[:space:]]*[[:space:]]+v[0-9]' || true; } \
        | sed -E 's/^[[:space:]]*/\t/'
      [ -z "${TOOL_PATCH:-}" ] || printf '\t%s => ./src\n' "$wrapmod"
      echo ")"
    } >"$wrap/go.mod"
    log "wrapper go.mod for $name: $(grep -c '=>[[:space:]]*[^.[:space:]]' "$wrap/go.mod") replace directive(s) copied from $wrapmod@$version"
    local srcdir; srcdir="$(printf '%s' "$out" | sed -nE 's/^[[:space:]]*"Dir": "([^"]+)".*/\1/p')"
    # TOOL_PATCH=RELPATH=FILE: build from a writable copy of the tool's module (replaced by
    # directory above) with FILE at RELPATH. The module cache is read-only, and `go build -overlay`
    # refuses files beneath it.
    if [ -n "${TOOL_PATCH:-}" ]; then
      { cp -R "$srcdir" "$wrap/src" && chmod -R u+w "$wrap/src" \
          && cp "${TOOL_PATCH#*=}" "$wrap/src/${TOOL_PATCH%%=*}"; } || die "could not patch a copy of $wrapmod@$version"
      log "  patched copy of $wrapmod: ${TOOL_PATCH%%=*} <- ${TOOL_PATCH#*=}"
    fi
    # Some of a tool's pinned dependencies are unknown to the checksum database reachable
    # here (404), e.g. tilt's github.com/tilt-dev/starlark-lsp pseudo-version. For the
    # modules named in $6.. (and only those) take the hashes from the tool's own go.sum:
    # that file came in the tool's zip, which was verified against the checksum database.
    # Everything else is still verified against the checksum database. (Copying the whole
    # go.sum does not work: tilt v0.37.1's go.sum has a stale hash for docker/buildx v0.32.1.)
    : >"$wrap/go.sum"
    local m
    for m in "${sums[@]}"; do
      grep -E "^$m " "$srcdir/go.sum" >>"$wrap/go.sum" || die "$m not found in $wrapmod@$version go.sum"
      log "  go.sum: hashes for $m taken from $wrapmod's go.sum (not in the checksum database here)"
    done
    ( cd "$wrap" && GOFLAGS="$GOFLAGS -mod=mod" nice -n "$ECOM_NICE" go build -ldflags "$ldflags" -o "$bin.tmp" "$pkg" ) \
      || die "building $pkg@$version failed (wrapper module in $wrap)"
    mv "$bin.tmp" "$bin"
  fi
}

install_helm() {
  build_tool helm "$HELM_VERSION" helm.sh/helm/v4/cmd/helm \
    "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
}
install_k6() {
  # k6 v2 lives at module path go.k6.io/k6/v2 (go.k6.io/k6 stops at v1.x); main package at the
  # module root. Built through a wrapper module, not `go install`: `go install m@v` also looks up
  # m's deprecation via the proxy's version list, which the proxy here answers 404 for
  # go.k6.io/k6/v2, after which go falls back to go.k6.io itself (unreachable) and fails.
  build_tool k6 "$K6_VERSION" go.k6.io/k6/v2 "-s -w" go.k6.io/k6/v2
}
install_tilt() {
  # Tilt cannot build with CGO_ENABLED=0: `tilt lsp` (internal/cli/cli.go, internal/lsp) imports
  # github.com/tilt-dev/starlark-lsp, which uses github.com/smacker/go-tree-sitter, a cgo-only
  # binding of the tree-sitter C library ("build constraints exclude all Go files in
  # .../go-tree-sitter/python", "undefined: Node"). Upstream release builds use CGO_ENABLED=1 too.
  command -v "${CC:-cc}" >/dev/null 2>&1 || die "tilt needs cgo (go-tree-sitter) and no C compiler was found: apt-get install gcc"
  # The module zip has no built web UI (pkg/assets/build holds only robots.txt), and without
  # build/index.html `tilt up` and `tilt ci` refuse to start ("running in prod mode, but JS/CSS files
  # are not available"). Building the real UI (react-scripts, ~22k-line yarn.lock) is out of scope:
  # a placeholder page is embedded instead; the CLI (tilt get/logs/describe, tilt up --legacy) works.
  local ui; ui="$(tool_dir tilt)/web-ui/index.html"
  mkdir -p "$(dirname "$ui")"
  cat >"$ui" <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>Tilt</title></head>
<body style="font-family: monospace; margin: 2em">
<h1>Tilt (built from source by ecom's local/tools/install.sh)</h1>
<p>This build has no web UI: Tilt's Go module ships without its compiled frontend.</p>
<p>Use the CLI instead: <code>tilt get uiresources</code>, <code>tilt describe uiresource NAME</code>,
<code>tilt logs -f</code>, or the terminal UI: <code>tilt up --legacy</code> / <code>tilt up --stream</code>.</p>
</body></html>
HTML
  TOOL_CGO=1 TOOL_PATCH="pkg/assets/build/index.html=$ui" build_tool tilt "$TILT_VERSION" github.com/tilt-dev/tilt/cmd/tilt \
    "-s -w -X main.version=${TILT_VERSION#v} -X main.date=$(date -u +%Y-%m-%d)" github.com/tilt-dev/tilt \
    github.com/tilt-dev/starlark-lsp
}

install_prometheus_operator() {
  # Its go.mod replaces its own submodules (pkg/apis/monitoring, pkg/client) with ./ paths, which
  # `go install pkg@version` refuses. The wrapper module drops those path replaces, so the submodules
  # come from the proxy at the same tag (same code); version stamped as upstream's Makefile does.
  local v="$PROMETHEUS_OPERATOR_VERSION" common=github.com/prometheus/common/version
  build_tool prometheus-operator "$v" github.com/prometheus-operator/prometheus-operator/cmd/operator \
    "-s -w -X $common.Version=${v#v} -X $common.Branch=release-${v#v} -X $common.BuildUser=ecom-local -X $common.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)" \
    github.com/prometheus-operator/prometheus-operator
}

# A Debian package's command, installed with apt-get (root) when it is not on PATH; prints its path.
#   install_debian_tool PACKAGE COMMAND WHAT   (WHAT: what to install instead, for the error message)
# Installs only the package and what it depends on (no recommends); where a service manager runs,
# a package's own service may start too, which the tests do not use.
# Its first line of `--version`: stdout's, else stderr's (prometheus 2.x prints it there).
tool_version() { local v; v="$("$1" --version 2>/dev/null | head -1)"; [ -n "$v" ] || v="$("$1" --version 2>&1 | head -1)"; echo "$v"; }

install_debian_tool() {
  local pkg="$1" cmd="$2" what="$3" bin
  bin="$(command -v "$cmd" || true)"
  if [ -z "$bin" ]; then
    command -v apt-get >/dev/null 2>&1 || die "$cmd is not installed and there is no apt-get: install $what so that \`$cmd\` is on PATH."
    [ "$(id -u)" = 0 ] || die "$cmd is not installed; installing Debian's package needs root: sudo apt-get install --no-install-recommends $pkg"
    log "installing Debian's $pkg package (apt-get update, then apt-get install --no-install-recommends $pkg)…"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed (are Debian's package mirrors reachable?)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2 \
      || die "apt-get install $pkg failed (see apt's output above)"
    bin="$(command -v "$cmd" || true)"
    [ -n "$bin" ] || die "the $pkg package was installed but \`$cmd\` is not on PATH"
    log "installed $bin ($(tool_version "$bin"))"
  else
    log "$cmd installed: $bin ($(tool_version "$bin"))"
  fi
  echo "$bin"
}

# The Prometheus server the scrape tests run on a port of their own.
install_prometheus() { install_debian_tool prometheus prometheus 'Prometheus 2.x'; }

# The headless browser the load test's dashboard check opens its HTML report in.
install_chromium() { install_debian_tool chromium chromium 'Chromium'; }

require_python_venv() {
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (needed for $1).
  Install Python 3.11 or newer with venv support: apt-get install python3 python3-venv (or set PYTHON=/path/to/python3.11+)."
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || die "$("$PYTHON" --version 2>&1) is too old: $1 needs Python 3.11 or newer (set PYTHON=/path/to/python3.11+)."
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || die "$PYTHON has no venv/ensurepip module (needed for $1).
  Install it: apt-get install python3-venv (Debian/Ubuntu), or use a Python built with ensurepip (set PYTHON=...)."
}

# A venv with the pinned Schemathesis from PyPI, its dependencies pinned by
# schemathesis-constraints.txt; $dir/schemathesis links to its entry point, so the cache dir looks
# like the Go tools' (path.sh puts it on PATH). pip's resolved set goes to $dir/requirements.lock.
install_schemathesis() {
  cached_build schemathesis "$SCHEMATHESIS_VERSION" require_python_venv build_schemathesis
}
build_schemathesis() {
  log "creating a venv for schemathesis $SCHEMATHESIS_VERSION with $("$PYTHON" --version 2>&1) in $dir/venv (first run only)…"
  rm -rf "$dir/venv"
  "$PYTHON" -m venv "$dir/venv" || die "$PYTHON -m venv $dir/venv failed (apt-get install python3-venv?)"
  local constraints=()
  [ -z "$SCHEMATHESIS_CONSTRAINTS" ] || constraints=(-c "$SCHEMATHESIS_CONSTRAINTS")
  log "installing schemathesis==$SCHEMATHESIS_VERSION from PyPI (constraints: ${SCHEMATHESIS_CONSTRAINTS:-none})…"
  "$dir/venv/bin/python" -m pip install --disable-pip-version-check --no-input --progress-bar off \
    "${constraints[@]}" "schemathesis==$SCHEMATHESIS_VERSION" >&2 \
    || die "pip install schemathesis==$SCHEMATHESIS_VERSION failed (is PyPI reachable? after changing the version, try SCHEMATHESIS_CONSTRAINTS=)"
  "$dir/venv/bin/python" -m pip freeze --disable-pip-version-check >"$dir/requirements.lock"
  "$dir/venv/bin/schemathesis" --version >/dev/null || die "schemathesis was installed but does not run ($dir/venv/bin/schemathesis --version)"
  log "installed $("$dir/venv/bin/schemathesis" --version 2>&1 | head -1)"
  ln -sfn venv/bin/schemathesis "$bin"
}

# The collector from local/tools/otelcol: its go.sum pins every module, so this is `go build` of a
# module that is already complete (no wrapper to generate).
install_otelcol() { cached_build otelcol "$OTELCOL_VERSION" prepare_go build_otelcol; }
build_otelcol() {
  local src; src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/otelcol"
  log "building otelcol $OTELCOL_VERSION from the Go module proxy (first run only; ~2 min on 2 cores)…"
  ( cd "$src" && GOFLAGS="$GOFLAGS -mod=readonly" nice -n "$ECOM_NICE" go build -ldflags "-s -w" -o "$bin.tmp" . ) \
    || die "go build of $src failed"
  mv "$bin.tmp" "$bin"
}

case "${1:-all}" in
  helm) install_helm ;;
  otelcol) install_otelcol ;;
  k6) install_k6 ;;
  tilt) install_tilt ;;
  schemathesis) install_schemathesis ;;
  prometheus-operator) install_prometheus_operator ;;
  prometheus) install_prometheus ;;
  chromium) install_chromium ;;
  all) install_helm; install_k6; install_tilt; install_otelcol; install_schemathesis; install_prometheus_operator; install_prometheus; install_chromium ;;
  --print-dirs) for t in helm k6 tilt otelcol schemathesis prometheus-operator; do tool_dir "$t"; done ;;
  -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown tool '$1' (use helm, k6, tilt, otelcol, schemathesis, prometheus-operator, prometheus, chromium, all)" ;;
esac

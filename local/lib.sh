# Shared by local/*.sh: progress output and the one-time npm install.
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs "$@" (a command or a function) with every descriptor above 2 closed, for starting daemons:
# one that keeps its caller's descriptors keeps the caller's locks too (a `flock file npm test`
# would stay locked for as long as the broker it started runs). It closes them in the shell it runs
# in, so call it in the background (`without_inherited_fds daemon &`, where `$!` is then the
# daemon's pid) or in a subshell.
without_inherited_fds() {
  local self=$BASHPID fd key value cloexec
  for fd in $(ls "/proc/$self/fd"); do
    [ "$fd" -gt 2 ] || continue
    # Close-on-exec ones go at exec anyway; they include bash's own saved copies of redirected
    # descriptors, which it must still be able to restore.
    cloexec=0
    while read -r key value; do
      if [ "$key" = flags: ]; then cloexec=$(((8#$value & 8#2000000) != 0)); fi
    done 2>/dev/null <"/proc/$self/fdinfo/$fd" || continue
    if [ "$cloexec" = 0 ]; then eval "exec $fd>&-"; fi
  done
  # A shell function cannot be exec'd.
  if declare -F "$1" >/dev/null; then "$@"; else exec "$@"; fi
}

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# The Node.js the project runs on: the version in the Dockerfile's `ARG NODE_IMAGE=node:<x.y.z>-...`,
# the one pin for the image, these scripts and local/cluster/images.sh (which builds that base).
node_pin() {
  sed -nE 's/^ARG NODE_IMAGE=node:([0-9]+\.[0-9]+\.[0-9]+)-.*/\1/p' "$(repo_root)/Dockerfile" | head -1
}

# True when version $1 >= $2 (x.y.z each).
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$2" ]; }

# Puts the pinned Node.js first on PATH when the machine's node is missing or older than the pin:
# the npm registry's node-linux-<arch> package (the official binary) at that version, unpacked once
# into ~/.cache/ecom/node-<version>/. Everything this script runs afterwards (npm, npx, tsx, vitest
# and its workers, the services the supervisor starts with process.execPath) runs on it. npm itself
# stays the machine's: its `#!/usr/bin/env node` picks the pinned node from PATH. The one progress
# line goes to stderr, so callers whose stdout is captured ($(kafka.sh brokers)) are unaffected.
ensure_node() {
  local want have arch dir tmp
  want="$(node_pin)"
  [ -n "$want" ] || fail "no 'ARG NODE_IMAGE=node:<x.y.z>-...' in $(repo_root)/Dockerfile: it pins the Node.js version"
  have="$(node -p process.versions.node 2>/dev/null || true)"
  if [ -n "$have" ] && version_ge "$have" "$want"; then return 0; fi
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) arch=x64 ;;
    Linux-aarch64) arch=arm64 ;;
    *) fail "Node.js ${have:-(none)} is older than the pinned $want and there is no npm package of it for $(uname -sm): install Node.js $want or newer" ;;
  esac
  dir="${ECOM_CACHE:-$HOME/.cache/ecom}/node-$want"
  if [ -x "$dir/bin/node" ]; then
    step "Node.js ${have:-(none)} is older than the pinned $want: using $dir/bin/node (cached)" >&2
  else
    step "Node.js ${have:-(none)} is older than the pinned $want: fetching node-linux-$arch@$want from the npm registry into $dir" >&2
    command -v npm >/dev/null || fail "npm not found, so Node.js $want cannot be fetched: install Node.js $want or newer"
    mkdir -p "$(dirname "$dir")"
    tmp="$(mktemp -d "$dir.tmp.XXXXXX")"
    ( cd "$tmp" && npm pack --silent "node-linux-$arch@$want" >/dev/null ) \
      || { rm -rf "$tmp"; fail "npm pack node-linux-$arch@$want failed (is the npm registry reachable?): or install Node.js $want or newer"; }
    mkdir "$tmp/node"
    tar -xzf "$tmp/node-linux-$arch-$want.tgz" -C "$tmp/node" --strip-components=1 --no-same-owner \
      || { rm -rf "$tmp"; fail "could not unpack node-linux-$arch-$want.tgz"; }
    [ "$("$tmp/node/bin/node" -p process.versions.node 2>/dev/null)" = "$want" ] \
      || { rm -rf "$tmp"; fail "node-linux-$arch@$want's bin/node does not run here or is not $want"; }
    # Moved into place whole, so a cut-off fetch never leaves a half directory that looks cached.
    rm -rf "$dir" && mv "$tmp/node" "$dir" && rm -rf "$tmp"
  fi
  PATH="$dir/bin:$PATH"
  export PATH
  hash -r
}

# Installs node_modules when missing or older than package-lock.json, so `npm start` and `npm test`
# work on a fresh clone without a separate install step. Switches to the pinned Node.js first.
ensure_node_modules() {
  ensure_node
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

build() {
  step "compiling TypeScript (tsc -b)"
  npx tsc -b
}

# Shared by local/*.sh: progress output and the one-time npm install.
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs "$@" (a command or a function) in a subshell with every descriptor above 2 closed, for
# starting daemons: one that keeps its caller's descriptors keeps the caller's locks too (a
# `flock file npm test` would stay locked for as long as the broker it started runs).
without_inherited_fds() (
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
  done 2>/dev/null
  "$@"
)

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# Installs node_modules when missing or older than package-lock.json, so `npm start` and `npm test`
# work on a fresh clone without a separate install step.
ensure_node_modules() {
  command -v node >/dev/null || fail "node not found: install Node.js 20 or newer"
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || fail "Node.js $(node -v) is too old: install Node.js 20 or newer"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

build() {
  step "compiling TypeScript (tsc -b)"
  npx tsc -b
}

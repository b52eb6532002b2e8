# Shared by local/*.sh: progress output and the one-time npm install.
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

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

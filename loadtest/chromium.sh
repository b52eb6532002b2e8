#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium, installing Debian's `chromium` package when none
# is on PATH (as local/tools/install.sh does for prometheus). Used to check the k6 dashboard
# report loads and draws (test/e2e/loadtest.int.test.ts).
#
#   bash loadtest/chromium.sh        → /usr/bin/chromium
set -euo pipefail
log() { printf '[chromium] %s\n' "$*" >&2; }
die() { printf '[chromium] ERROR: %s\n' "$*" >&2; exit 1; }

bin="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$bin" ]; then
  command -v apt-get >/dev/null 2>&1 || die "chromium is not installed and there is no apt-get: install Chromium so that \`chromium\` is on PATH."
  [ "$(id -u)" = 0 ] || die "chromium is not installed; installing Debian's package needs root: sudo apt-get install --no-install-recommends chromium"
  log "installing Debian's chromium package (apt-get update, then apt-get install --no-install-recommends chromium)…"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed (are Debian's package mirrors reachable?)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2 \
    || die "apt-get install chromium failed (see apt's output above)"
  bin="$(command -v chromium || true)"
  [ -n "$bin" ] || die "the chromium package was installed but \`chromium\` is not on PATH"
fi
log "using $bin ($("$bin" --version 2>/dev/null | head -n1))"
echo "$bin"

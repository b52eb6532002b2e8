#!/usr/bin/env bash
# Print a PATH prefix holding the dirs of the tools install.sh has built (its --print-dirs),
# ending in ':' so it can be prepended:
#
#   export PATH="$(bash local/tools/path.sh)$PATH"
#
# Only dirs whose tool is already built are included; nothing is built here.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix=""
while IFS= read -r d; do
  tool="$(basename "$d")"; tool="${tool%-*}"
  if [ -x "$d/$tool" ]; then prefix="$prefix$d:"; fi
done < <(bash "$HERE/install.sh" --print-dirs)
printf '%s\n' "$prefix"

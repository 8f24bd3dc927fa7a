# syntax=docker/dockerfile:1
#
# One image recipe for the five services; pick one with the SERVICE build argument:
#   docker build --build-arg SERVICE=quote -t smart-expertise/quote:dev .
# The build stage bundles the service with esbuild (scripts/build.mjs) into one plain JavaScript
# file, dist/main.js, holding its sources and those of libs/contracts and libs/service-runtime;
# third-party packages stay outside the bundle. The runtime image holds that bundle, the service's
# production node_modules and the SQL migrations, and runs it with plain node (no TypeScript loader).

# The Node.js LTS major of the whole project (scripts/bootstrap.mjs NODE_MAJOR; tests/ops checks they agree).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- manifests: every package.json and the lock, nothing else ----------------------------------
# npm ci needs the package.json of every workspace to accept the lock file; copying them this way
# keeps the dependency layer cached until a manifest changes, whatever workspaces are added.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -depth -type d -empty -delete

# ---- deps: production dependencies of the chosen service only --------------------------------
FROM ${NODE_IMAGE} AS deps
ARG SERVICE
WORKDIR /app
COPY --from=manifests /src/ ./
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<mission-intake|quote|expert-review|expiry-scheduler|integrations>" >&2; exit 1; } \
 && test -f "services/${SERVICE}/package.json" || { echo "unknown service ${SERVICE}" >&2; exit 1; }
# --ignore-scripts: no install script is needed at run time; the lock decides every version.
RUN npm ci --omit=dev --workspace "services/${SERVICE}" --include-workspace-root=false \
      --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
# The software bill of materials of what the image ships (CycloneDX), from the same lock.
RUN npm sbom --sbom-format cyclonedx --omit=dev --workspace "services/${SERVICE}" > /sbom.cdx.json

# ---- build: the bundle, services/<SERVICE>/dist/main.js --------------------------------------
FROM deps AS build
ARG SERVICE
# With the root's dev dependencies this time, for esbuild (its binary is the optional package
# @esbuild/<platform>, so it needs no install script either).
RUN npm ci --workspace "services/${SERVICE}" --include-workspace-root \
      --ignore-scripts --no-audit --no-fund
COPY libs libs
COPY services/${SERVICE} services/${SERVICE}
COPY scripts/build.mjs scripts/
RUN node scripts/build.mjs "${SERVICE}"

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
# No package manager at run time: the image runs one bundle with node, nothing installs anything.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
ENV NODE_ENV=production \
    SERVICE_NAME=${SERVICE} \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
# What the bundle reads besides node_modules: the runtime's migrations, found through its
# package.json (node_modules/@smart-expertise/service-runtime links to libs/service-runtime), and
# the service's own next to dist/; the service's package.json makes dist/main.js an ES module.
COPY --chown=root:root libs/service-runtime/package.json libs/service-runtime/
COPY --chown=root:root libs/service-runtime/migrations libs/service-runtime/migrations
COPY --chown=root:root services/${SERVICE}/package.json services/${SERVICE}/
COPY --chown=root:root services/${SERVICE}/migrations services/${SERVICE}/migrations
COPY --from=build --chown=root:root /app/services/${SERVICE}/dist services/${SERVICE}/dist
COPY --from=deps --chown=root:root /sbom.cdx.json /app/sbom.cdx.json
# Code stays root-owned and read-only for the process; the root filesystem is mounted read-only in
# Kubernetes, with /tmp the only writable path (an emptyDir / tmpfs there).
USER node
WORKDIR /app/services/${SERVICE}
# The services read PORT; each has a default (3001-3005, libs/contracts/src/routing.ts).
EXPOSE 3001 3002 3003 3004 3005
# node is PID 1 and gets SIGTERM directly: close-with-grace drains within SHUTDOWN_TIMEOUT_MS.
# --enable-source-maps: stack traces in the logs name the TypeScript sources (dist/main.js.map).
# --heap-growing-percent=20: the heap grows by a fifth after each full collection, so a burst does
# not leave the pod holding several times its live data (the same flags as scripts/platform.ts).
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--heap-growing-percent=20", "dist/main.js"]

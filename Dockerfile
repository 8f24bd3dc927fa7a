# syntax=docker/dockerfile:1
#
# One image recipe for the four services; pick one with the SERVICE build argument:
#   docker build --build-arg SERVICE=quote -t smart-expertise/quote:dev .
# The services run as TypeScript through tsx (there is no compile step), so the runtime image holds
# the sources of libs/contracts, libs/service-runtime and the one service, plus production deps.
#
# Assumption: tsx is (or will be) a runtime dependency of libs/service-runtime. Until it is, the
# deps stage copies the tsx version pinned in package-lock.json into node_modules (see below).

ARG NODE_IMAGE=node:20-bookworm-slim

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
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<mission-intake|quote|expert-review|expiry-scheduler>" >&2; exit 1; } \
 && test -f "services/${SERVICE}/package.json" || { echo "unknown service ${SERVICE}" >&2; exit 1; }
# --ignore-scripts: no install script is needed at run time (esbuild ships its binary as an
# optional dependency); the lock decides every version.
RUN npm ci --omit=dev --workspace "services/${SERVICE}" --include-workspace-root=false \
      --ignore-scripts --no-audit --no-fund \
 && if [ ! -d node_modules/tsx ]; then \
      TSX_VERSION="$(node -p "require('./package-lock.json').packages['node_modules/tsx'].version")" \
      && npm install --prefix /tmp/tsx --no-save --no-package-lock --ignore-scripts --no-audit --no-fund "tsx@${TSX_VERSION}" \
      && cp -Rn /tmp/tsx/node_modules/. node_modules/ \
      && rm -rf /tmp/tsx; \
    fi \
 && node -e "import('tsx/esm/api').then(() => console.log('tsx resolvable'))" \
 && npm cache clean --force

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE_NAME=${SERVICE} \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root libs/contracts libs/contracts
COPY --chown=root:root libs/service-runtime libs/service-runtime
COPY --chown=root:root services/${SERVICE} services/${SERVICE}
# Code stays root-owned and read-only for the process; the root filesystem is mounted read-only in
# Kubernetes, and tsx writes its transform cache under /tmp (an emptyDir / tmpfs there).
USER node
WORKDIR /app/services/${SERVICE}
# The services read PORT; each has a default (3001-3004, libs/contracts/src/routing.ts).
EXPOSE 3001 3002 3003 3004
# node is PID 1 and gets SIGTERM directly: close-with-grace drains within SHUTDOWN_TIMEOUT_MS.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]

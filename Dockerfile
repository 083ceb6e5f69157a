# syntax=docker/dockerfile:1
# streamfit in one image: the CLI and its three stream apps (train, score, online).
#   docker build -t streamfit .
#   docker run --rm -e KAFKA_BROKERS=kafka:9092 -e REDIS_URL=redis://redis:6379 streamfit score --stream-timeout -1
# docker-compose.yml runs it next to Kafka and Redis. The model runs on the tfjs WASM backend
# (pure npm packages, nothing native to build), so the image needs no compiler.

# Node 20 LTS: package.json asks for >= 20.19.4; @platformatic/kafka 2.x would need 22.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so editing the sources does not reinstall them. --ignore-scripts: the
# package's own `prepare` (tsc) needs the sources, which are copied below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
# The fixes to @platformatic/kafka (docs/upstream/read-committed.md and the others there) and to
# the WASM backend's transposed matrix products (docs/upstream/wasm-matmul-transposes.md, which
# cuts a training step of the tutorial's MLP to 0.58× the time): what `postinstall` applies on a
# normal install, applied here since scripts were skipped.
COPY patches ./patches
RUN npx patch-package
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY topologies ./topologies
# The dashboard's page, script and styles (served by the app on --metrics-port).
COPY assets ./assets
# The downstream reader example ships in the image: docker compose run --rm --entrypoint node cli dist/examples/downstream-accuracy.js
COPY examples ./examples
# tsconfig also lists test/ and bench/; they are not copied, so the image holds only the app.
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# Metrics and the dashboard bind to loopback by default; in a container the port must answer on
# the container's network (Prometheus in compose scrapes it; publish it only where you mean to).
ENV NODE_ENV=production \
    STREAMFIT_HOME=/var/lib/streamfit \
    STREAMFIT_METRICS_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/assets ./assets
# Plots and state are written under the working directory: a volume-friendly one the
# unprivileged `node` user owns.
RUN mkdir -p /var/lib/streamfit && chown node:node /var/lib/streamfit
WORKDIR /var/lib/streamfit
USER node
# --metrics-port serves Prometheus /metrics and /health here (compose passes 9464).
EXPOSE 9464
# SIGTERM finishes the open batch/transaction and exits 0 (run with `init: true` / `--init` so a
# second signal and zombie reaping behave as on a normal host).
STOPSIGNAL SIGTERM
# The same Node flag as bin/streamfit.js's shebang (a larger young generation: see there).
ENTRYPOINT ["node", "--max-semi-space-size=32", "/app/bin/streamfit.js"]
CMD ["--help"]

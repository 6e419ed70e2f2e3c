# syntax=docker/dockerfile:1
# The layers server image: `docker build -t layers .`; compose.yaml runs the production topology.
# scripts/production-smoke.sh runs these same steps on the host (CI), since CI has no container
# runtime: npm ci → npm run build → a production install → `layers serve` from dist/.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/image.sh scripts/build.sh scripts/
RUN bash scripts/image.sh deps
COPY tsconfig.json tsconfig.build.json ./
COPY src src
RUN bash scripts/image.sh build

FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    LAYERS_DATA_DIR=/var/lib/layers \
    LAYERS_KEYRING_DIR=/var/lib/layers/keyring
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/image.sh scripts/
RUN bash scripts/image.sh runtime && npm cache clean --force && rm -rf scripts
COPY bin bin
COPY --from=build /app/dist dist
# The data directory (server.json, the key ring when no volume is mounted over it) belongs to the
# unprivileged user the server runs as; a named volume mounted there starts with this ownership.
RUN mkdir -p /var/lib/layers/keyring && chown -R node:node /var/lib/layers && chmod -R 0700 /var/lib/layers \
    && ln -s /app/bin/layers.mjs /usr/local/bin/layers
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/cli/main.js", "serve"]

# cardiac-uq image. Build arg GPU=1 adds @tensorflow/tfjs-node-gpu (needs network access to
# download libtensorflow at build time, and the NVIDIA container toolkit at run time) and builds
# on NVIDIA's CUDA 11.2 / cuDNN 8.1 runtime, the libraries tfjs-node-gpu 4.22 loads, with Node 20
# copied from the official image (its glibc 2.28 baseline runs on Ubuntu 20.04's 2.31).
# Not built or run in this project's development environment (no Docker engine there).
ARG GPU=0
FROM node:20-bookworm-slim AS node

FROM node AS runtime-0

FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS runtime-1
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && apt-get update && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

FROM runtime-${GPU}
ARG GPU=0
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY src/db/pg-adapter.ts ./src/db/pg-adapter.ts
RUN npm ci --no-audit --no-fund \
 && if [ "$GPU" = "1" ]; then npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0; fi
COPY . .
ENV CARDIAC_UQ_HOST=0.0.0.0 CARDIAC_UQ_PORT=4000
EXPOSE 4000
ENTRYPOINT ["node", "bin/cardiac-uq.js"]
CMD ["serve", "--role", "all"]

# cardiac-uq image. Build arg GPU=1 adds @tensorflow/tfjs-node-gpu (needs network access to
# download libtensorflow at build time, and the NVIDIA container toolkit at run time).
FROM node:20-bookworm-slim
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

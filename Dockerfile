# One image for the api and the worker (the compose file picks the command).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production CHECKPOINT_DISABLE=1
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
COPY apps ./apps
COPY libs ./libs
COPY bin ./bin
# `npm ci` runs the prepare script: prisma generate (offline, WASM engine) and the SWC build.
RUN npm ci --include=dev && npm cache clean --force
EXPOSE 3000
CMD ["node", "--enable-source-maps", "dist/apps/api/src/main.js"]

# The provider and the demo relying parties share this image; compose picks the command.
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
FROM node:24-bookworm-slim

WORKDIR /app

# Production dependencies only. The `node` npm package (which gives developers Node 24 on
# machines that ship an older one) is a devDependency, so it is left out: the image's own
# Node 24 runs everything.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY src ./src
COPY views ./views
COPY public ./public
COPY config ./config
COPY demo-rp ./demo-rp

# The code stays root-owned and read-only for the runtime user; only the data folder is writable.
RUN mkdir -p /app/.data && chown node:node /app/.data

ENV NODE_ENV=production HOST=0.0.0.0
USER node
EXPOSE 3000
CMD ["node", "src/main.ts"]

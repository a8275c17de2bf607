# One image recipe for the three services: `docker build --build-arg APP=sender .`
FROM node:22-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npx nest build ingest && npx nest build scheduler && npx nest build sender && npx tsx apps/console/build.ts \
  && npm prune --omit=dev

# The WhatsApp Cloud API simulator for local runs (not a production service).
FROM deps AS simulator
COPY tsconfig.json ./
COPY test/whatsapp-simulator ./test/whatsapp-simulator
USER node
CMD ["npx", "tsx", "test/whatsapp-simulator/main.ts"]

FROM node:22-slim AS runtime
ARG APP=ingest
ENV NODE_ENV=production APP=${APP}
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# exec form through sh so $APP expands and SIGTERM reaches node (exec replaces the shell).
CMD ["sh", "-c", "exec node dist/apps/$APP/main.js"]

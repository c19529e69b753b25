# syntax=docker/dockerfile:1
# tagpulse runs its TypeScript through tsx, so there is no compile stage: the first stage
# installs the dependencies from the lockfile (cached while manifests are unchanged), the
# second adds the sources on top and runs as an unprivileged user.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN npm install --global pnpm@12.4.2
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/queue/package.json packages/queue/
COPY packages/runtime/package.json packages/runtime/
COPY packages/x-client/package.json packages/x-client/
COPY services/api/package.json services/api/
COPY services/cli/package.json services/cli/
COPY services/worker/package.json services/worker/
COPY services/x-sim/package.json services/x-sim/
COPY migrations/package.json migrations/
RUN pnpm install --frozen-lockfile

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app /app
COPY . .
USER node
# `docker compose` passes the command: migrate, worker, api, sim …
ENTRYPOINT ["node_modules/.bin/tsx", "services/cli/src/main.ts"]
CMD ["--help"]

# syntax=docker/dockerfile:1
# The one image every tagpulse service runs from (`docker compose` passes the command: migrate,
# worker, api, sim …). tagpulse runs its TypeScript through tsx's loader, so there is no
# compile stage; the stages exist for the cache and for a small, unprivileged final image:
#   manifests  only the package manifests and the lockfile, found by name, so a new workspace
#              package needs no change here and a source edit does not invalidate the install
#   deps       `pnpm install --frozen-lockfile --prod`: runtime dependencies only (tsx among them; no
#              test runner, linter, type definitions or benchmark packages), cached while the
#              manifests stay the same
#   runtime    the installed tree plus the sources (.dockerignore leaves out tests, docs, secrets),
#              run as the `node` user, which can write nothing under /app

FROM node:20-bookworm-slim AS manifests
WORKDIR /app
COPY . .
RUN find . -type f ! -name package.json ! -name pnpm-lock.yaml ! -name pnpm-workspace.yaml ! -name .npmrc -delete \
  && find . -type d -empty -delete

FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN npm install --global pnpm@12.4.2
COPY --from=manifests /app ./
RUN pnpm install --frozen-lockfile --prod

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app ./
COPY . .
USER node
# Node itself with tsx as a loader, not the tsx CLI: SIGTERM from `docker stop` reaches the
# service's graceful shutdown directly, and a clean stop exits 0.
ENTRYPOINT ["node", "--import", "tsx", "services/cli/src/main.ts"]
CMD ["--help"]

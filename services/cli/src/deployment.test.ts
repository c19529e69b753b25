import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No container engine here: the compose file, the Dockerfile and the manifests are checked by
// reading them, property by property, as `docker compose config` would resolve them.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  environment?: Record<string, string>;
  command?: string[];
  healthcheck?: { test: string[] };
  configs?: { source: string; target: string }[];
  profiles?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  configs: Record<string, { content: string }>;
};
const APP_SERVICES = ['migrate', 'worker', 'api', 'x-sim'];

/** `${NAME:?…}` — compose refuses to start without it; `${NAME:-default}` would fall back. */
const required = (name: string) => new RegExp(`\\$\\{${name}:\\?[^}]*\\}`);

describe('docker-compose.yml', () => {
  it('connects every service as the application role, with a password that has no default', () => {
    for (const name of APP_SERVICES) {
      const url = compose.services[name]?.environment?.DATABASE_URL ?? '';
      expect(url, name).toMatch(/^postgres:\/\/tagpulse:/);
      expect(url, name).toMatch(required('TAGPULSE_DB_PASSWORD'));
    }
    const postgres = compose.services.postgres?.environment ?? {};
    expect(postgres.POSTGRES_PASSWORD).toMatch(required('POSTGRES_PASSWORD'));
    // No password anywhere falls back to a known value.
    expect(read('docker-compose.yml')).not.toMatch(/PASSWORD:-/);
  });

  it('creates that role without privileges beyond its own schema', () => {
    const mount = compose.services.postgres?.configs?.[0];
    expect(mount?.target).toMatch(/^\/docker-entrypoint-initdb\.d\/.+\.sh$/);
    const script = compose.configs[mount?.source ?? '']?.content ?? '';
    expect(script).toMatch(
      /create role tagpulse login nosuperuser nocreatedb nocreaterole password :'app_password'/,
    );
    expect(script).toMatch(/create schema tagpulse authorization tagpulse/);
    expect(script).toMatch(/revoke all on schema public from public/);
    // The password reaches psql from the container's environment ($$ is compose's escaped $).
    expect(script).toContain('app_password="$$TAGPULSE_DB_PASSWORD"');
  });

  it('puts Redis behind a required password, in its URL and its health check', () => {
    const redis = compose.services.redis;
    expect(redis?.environment?.REDIS_PASSWORD).toMatch(required('REDIS_PASSWORD'));
    expect(redis?.command?.join(' ')).toMatch(/--requirepass "\$\$REDIS_PASSWORD"/);
    expect(redis?.command?.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(redis?.healthcheck?.test.join(' ')).toMatch(/REDISCLI_AUTH=.*grep -q PONG/);
    for (const name of APP_SERVICES)
      expect(compose.services[name]?.environment?.REDIS_URL, name).toMatch(
        /^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]*\}@\$\{REDIS_HOST:-redis\}:6379$/,
      );
  });
});

describe('the image', () => {
  const dockerfile = read('Dockerfile');

  it('installs runtime dependencies only, and runs unprivileged', () => {
    const installs = dockerfile.match(/^RUN pnpm install .*$/gm) ?? [];
    expect(installs).toEqual(['RUN pnpm install --frozen-lockfile --prod']);
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(final).toMatch(/^USER node$/m);
    expect(final).toMatch(/^ENV NODE_ENV=production$/m);
  });

  it('leaves secrets, version control, installed trees and tests out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['.env', '.env.*', '.git', '**/node_modules', '**/*.test.ts', 'coverage']),
    );
  });

  it('needs no development package to run: tsx is a runtime dependency, benchmarks and fixtures are not', () => {
    const rootManifest = JSON.parse(read('package.json'));
    expect(rootManifest.dependencies).toHaveProperty('tsx');
    // A --prod install leaves the root's devDependencies out: the benches and the test fixtures.
    for (const dev of ['@tagpulse/bench', '@tagpulse/testkit']) {
      expect(rootManifest.dependencies, dev).not.toHaveProperty(dev);
      expect(rootManifest.devDependencies, dev).toHaveProperty(dev);
    }
    const cli = JSON.parse(read('services/cli/package.json'));
    for (const bench of ['autocannon', 'pg-copy-streams', 'libmime', '@tagpulse/bench']) {
      expect({ ...cli.dependencies, ...cli.devDependencies }, bench).not.toHaveProperty(bench);
    }
  });
});

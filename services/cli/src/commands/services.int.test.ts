import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadSharedEnv } from '@tagpulse/runtime';
import { adminQuery, withDatabase } from '@tagpulse/testkit/db';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const { DATABASE_URL } = loadSharedEnv();

function tagpulse(args: string[], env: Record<string, string>) {
  return run('node_modules/.bin/tsx', ['services/cli/src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

describe('tagpulse services and migrate', () => {
  it('create the database and schema, and are idempotent', async () => {
    const name = `tagpulse_cli_${process.pid}_${Date.now()}`;
    const url = withDatabase(DATABASE_URL, name);
    try {
      for (let round = 0; round < 2; round++) {
        const services = await tagpulse(['services'], { DATABASE_URL: url });
        expect(services.stdout).toMatch(
          round === 0 ? /PostgreSQL: ready \(database created\)/ : /PostgreSQL: ready\n/,
        );
        expect(services.stdout).toMatch(/Redis: ready/);
        const migrate = await tagpulse(['migrate'], { DATABASE_URL: url });
        expect(migrate.stdout).toMatch(
          round === 0 ? /^applied: 2026_11_28_0001_create_hashtags, / : /schema is up to date/,
        );
      }
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(
          "select count(*)::int as n from pg_partitioned_table where partrelid = 'posts'::regclass",
        );
        expect(rows[0].n).toBe(1);
      } finally {
        await client.end();
      }
    } finally {
      await adminQuery(DATABASE_URL, `drop database if exists ${name} with (force)`);
    }
  });

  it('checks every seed node of a Redis Cluster URL, installs nothing for it, and names the one down', async () => {
    const local = loadSharedEnv().REDIS_URL;
    const ready = await tagpulse(['services'], { REDIS_URL: `${local},${local}` });
    expect(ready.stdout).toMatch(/Redis: ready \(2 cluster seed nodes answer\)/);
    const down = await tagpulse(['services'], { REDIS_URL: `${local},redis://:secret@127.0.0.1:1` }).then(
      () => 'answered',
      (err: { stderr: string }) => err.stderr,
    );
    expect(down).toMatch(/Redis Cluster seed nodes do not answer: redis:\/\/127\.0\.0\.1:1: /);
    expect(down).not.toContain('secret');
  });

  it.runIf(process.getuid?.() === 0)(
    'start a local Redis that is installed but not running, with noeviction',
    async () => {
      const port = 26_000 + (process.pid % 1000);
      const url = `redis://127.0.0.1:${port}`;
      const result = await tagpulse(['services'], { REDIS_URL: url });
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      // SHUTDOWN below closes the socket under the client; its reconnect attempts are expected.
      redis.on('error', () => {});
      try {
        expect(result.stdout).toMatch(/Redis: starting\nRedis: ready\n/);
        await redis.connect();
        expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
        const again = await tagpulse(['services'], { REDIS_URL: url });
        expect(again.stdout).not.toMatch(/starting/);
      } finally {
        await redis.call('SHUTDOWN', 'NOSAVE').catch(() => {});
        redis.disconnect();
      }
    },
  );

  it('exit non-zero with the command to run when a server is neither here nor reachable', async () => {
    const failure = await tagpulse(['services'], { REDIS_URL: 'redis://redis.invalid:6379' }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(
      /redis does not answer .* not this machine\. .*docker compose up -d postgres redis \(with POSTGRES_PASSWORD, TAGPULSE_DB_PASSWORD and REDIS_PASSWORD set/,
    );
  });

  it('stop on a malformed variable with one line naming it, its value hidden (a URL may hold a password)', async () => {
    const failure = await tagpulse(['migrate'], { DATABASE_URL: 'not a url' }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim()).toBe(
      'tagpulse: Invalid environment variable DATABASE_URL: expected a postgres:// URL (value hidden)',
    );
  });
});

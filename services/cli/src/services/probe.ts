import { Redis } from 'ioredis';
import pg from 'pg';

export interface ProbeResult {
  reachable: boolean;
  /** The server answered but refused the credentials. */
  authFailed?: boolean;
  error?: string;
}

const TIMEOUT_MS = 2_000;

/** The same server and credentials, on the `postgres` maintenance database. */
export function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

export function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  return name;
}

async function withPgClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Whether PostgreSQL answers at the URL's server (its own database may not exist yet). */
export async function probePostgres(databaseUrl: string): Promise<ProbeResult> {
  try {
    await withPgClient(maintenanceUrl(databaseUrl), (c) => c.query('select 1'));
    return { reachable: true };
  } catch (err) {
    const code = (err as { code?: string }).code;
    // 28P01: wrong password; 28000: no such role or no pg_hba entry.
    if (code === '28P01' || code === '28000')
      return { reachable: false, authFailed: true, error: String(err) };
    return { reachable: false, error: (err as Error).message };
  }
}

/** Creates the database the URL names when it is missing; returns true when it created it. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  return withPgClient(maintenanceUrl(databaseUrl), async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`create database ${client.escapeIdentifier(name)}`);
      return true;
    } catch (err) {
      // Another process created it between the check and the create.
      if ((err as { code?: string }).code === '42P04') return false;
      throw err;
    }
  });
}

export interface RedisProbe extends ProbeResult {
  maxmemoryPolicy?: string;
}

/** Whether Redis answers, and its eviction policy (BullMQ needs `noeviction`). */
export async function probeRedis(redisUrl: string): Promise<RedisProbe> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    return { reachable: true, maxmemoryPolicy: policy };
  } catch (err) {
    return { reachable: false, error: (err as Error).message };
  } finally {
    redis.disconnect();
  }
}

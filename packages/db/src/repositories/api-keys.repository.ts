import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { ApiKeyRow, ApiKeyScope, Database } from '../database.js';

type Db = Kysely<Database>;

// `tp_<id>_<secret>`: the id finds the row by primary key, the secret is checked against its hash.
const KEY_FORMAT = /^tp_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * Creates a key and returns it whole: the only time it exists outside the
 * caller's hands. Only the SHA-256 of its secret is stored (a random 256-bit
 * secret needs no slow hash: there is nothing to guess from).
 */
export async function createApiKey(
  db: Db,
  { scope, name = null }: { scope: ApiKeyScope; name?: string | null },
): Promise<{ key: string; row: ApiKeyRow }> {
  const id = randomBytes(10).toString('hex').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('api_keys')
    .values({ id, secret_hash: hashSecret(secret).toString('hex'), scope, name })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key: `tp_${id}_${secret}`, row };
}

/**
 * The live key a presented token stands for, or undefined. Read on every
 * request, so a revoked key stops at once; the hashes are compared in
 * constant time.
 */
export async function verifyApiKey(db: Db, token: string): Promise<ApiKeyRow | undefined> {
  const match = KEY_FORMAT.exec(token);
  if (!match) return undefined;
  const [, id, secret] = match as unknown as [string, string, string];
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const stored = Buffer.from(row.secret_hash, 'hex');
  const given = hashSecret(secret);
  return stored.length === given.length && timingSafeEqual(stored, given) ? row : undefined;
}

/** Revokes a key by id; returns false when there was no live key with that id. */
export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
}

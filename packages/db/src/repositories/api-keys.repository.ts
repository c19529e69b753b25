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

/** The id and secret of a token in the key format; undefined for anything else (no lookup is due). */
export function parseApiKey(token: string): { id: string; secret: string } | undefined {
  const match = KEY_FORMAT.exec(token);
  if (!match) return undefined;
  const [, id, secret] = match as unknown as [string, string, string];
  return { id, secret };
}

/** Whether `secret` is the key's, comparing the hashes in constant time. */
export function secretMatches(row: ApiKeyRow, secret: string): boolean {
  const stored = Buffer.from(row.secret_hash, 'hex');
  const given = hashSecret(secret);
  return stored.length === given.length && timingSafeEqual(stored, given);
}

/** The key with this id unless it is revoked (or was never created). */
export async function findLiveKey(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** The live key a presented token stands for, or undefined, read from the database. */
export async function verifyApiKey(db: Db, token: string): Promise<ApiKeyRow | undefined> {
  const parsed = parseApiKey(token);
  if (!parsed) return undefined;
  const row = await findLiveKey(db, parsed.id);
  return row && secretMatches(row, parsed.secret) ? row : undefined;
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

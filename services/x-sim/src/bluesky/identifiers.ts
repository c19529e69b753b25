import { createHash } from 'node:crypto';

/** atproto's base32-sortable alphabet (TIDs) and RFC 4648's lower-case one (CIDs, did:plc). */
const SORTABLE = '234567abcdefghijklmnopqrstuvwxyz';
const RFC4648 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A TID (atproto's record key): 53 bits of microseconds since the epoch and a
 * 10-bit clock id, as 13 base32-sortable characters, so keys sort by time.
 */
export function tid(micros: number, clockId: number): string {
  let n = (BigInt(micros) << 10n) | BigInt(clockId & 1023);
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = SORTABLE[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}

export function parseTid(key: string): { micros: number; clockId: number } | undefined {
  if (!/^[234567a-j][234567a-z]{12}$/.test(key)) return undefined;
  let n = 0n;
  for (const c of key) n = (n << 5n) | BigInt(SORTABLE.indexOf(c));
  return { micros: Number(n >> 10n), clockId: Number(n & 1023n) };
}

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += RFC4648[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += RFC4648[(value << (5 - bits)) & 31];
  return out;
}

/** A CIDv1 (dag-cbor, sha2-256) of the seed's bytes: the shape of a record's CID, base32 with its `b` prefix. */
export function cidOf(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  return `b${base32(Buffer.concat([Buffer.from([0x01, 0x71, 0x12, 0x20]), digest]))}`;
}

/**
 * A did:plc for the world's user `index`: 24 base32 characters, the last
 * seven the index (so the DID leads back to the user), the rest a digest.
 */
export function didOf(seed: number, index: number): string {
  const digest = base32(createHash('sha256').update(`${seed}:${index}`).digest()).slice(0, 17);
  let tail = '';
  for (let n = index, i = 0; i < 7; i++, n = Math.floor(n / 32)) tail = RFC4648[n % 32] + tail;
  return `did:plc:${digest}${tail}`;
}

export function userIndexOfDid(seed: number, did: string): number | undefined {
  const m = /^did:plc:[a-z2-7]{17}([a-z2-7]{7})$/.exec(did);
  if (!m?.[1]) return undefined;
  let index = 0;
  for (const c of m[1]) index = index * 32 + RFC4648.indexOf(c);
  return didOf(seed, index) === did ? index : undefined;
}

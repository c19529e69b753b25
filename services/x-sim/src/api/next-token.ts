import { hashSeed } from '../random.js';

/**
 * `next_token` is opaque to clients but plain to x-sim: a checksum of the
 * request's query and bounds, then the id the next page starts below, both in
 * base 36. The same token with the same request replays the same page; a token
 * from another request is rejected.
 */
export function encodeNextToken(requestKey: string, belowId: string): string {
  return checksum(requestKey) + BigInt(belowId).toString(36);
}

/** The id the page starts below, or undefined if the token is not one of ours for this request. */
export function decodeNextToken(requestKey: string, token: string): bigint | undefined {
  const sum = checksum(requestKey);
  if (!token.startsWith(sum) || !/^[0-9a-z]+$/.test(token.slice(sum.length))) return undefined;
  let id = 0n;
  for (const c of token.slice(sum.length)) id = id * 36n + BigInt(Number.parseInt(c, 36));
  return id;
}

function checksum(requestKey: string): string {
  const words = Array.from(requestKey, (c) => c.codePointAt(0) ?? 0);
  return hashSeed(...words)
    .toString(36)
    .padStart(7, '0');
}

import { hashSeed } from '../random.js';
import type { ParamReader } from './params.js';

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

/**
 * The request's key (its endpoint and the raw parameters that shape its
 * result, so a token outlives a moving clock) and the cursor its `next_token`
 * (or `pagination_token`) carries: undefined without a token, a 400 naming the
 * parameter for a token that is not this request's.
 */
export function readCursor(
  params: ParamReader,
  endpoint: string,
  names: readonly string[],
): { requestKey: string; cursor: bigint | undefined } {
  const requestKey = [endpoint, ...names.map((name) => `${name}=${params.string(name) ?? ''}`)].join('&');
  const name = params.string('next_token') !== undefined ? 'next_token' : 'pagination_token';
  const token = params.string(name);
  if (token === undefined) return { requestKey, cursor: undefined };
  const cursor = decodeNextToken(requestKey, token);
  if (cursor === undefined) {
    params.fail(name, token, `The \`${name}\` query parameter value [${token}] is not valid`);
    params.check();
  }
  return { requestKey, cursor };
}

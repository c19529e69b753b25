/**
 * X post and user ids are snowflakes: milliseconds since the Twitter epoch in
 * the high bits, worker and sequence bits below. They exceed 2^53, so they
 * travel as strings and are compared as BigInt.
 */
export const TWITTER_EPOCH_MS = 1_288_834_974_657n;
const TIME_SHIFT = 22n;

/** The snowflake for `ms` with the given low 22 bits (worker and sequence). */
export function snowflakeAt(ms: number, lowBits = 0): string {
  if (lowBits < 0 || lowBits >= 1 << 22) throw new RangeError(`lowBits out of range: ${lowBits}`);
  return (((BigInt(Math.floor(ms)) - TWITTER_EPOCH_MS) << TIME_SHIFT) | BigInt(lowBits)).toString();
}

/** The creation time (epoch ms) encoded in a snowflake id. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> TIME_SHIFT) + TWITTER_EPOCH_MS);
}

/** Orders two snowflake ids numerically: negative, zero or positive. */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The larger of two ids, treating undefined as "none yet". */
export function maxId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareIds(a, b) >= 0 ? a : b;
}

export const SNOWFLAKE_PATTERN = /^[0-9]{1,19}$/;

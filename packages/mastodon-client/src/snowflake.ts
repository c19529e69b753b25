/**
 * Mastodon's status ids are snowflakes local to each instance: milliseconds
 * since the epoch shifted left 16 bits, plus a sequence. A remote status's id
 * is dated by its `created_at`, not by when the instance received it, so a
 * poll re-reads a margin below where it stopped (see the worker's overlap).
 */
export function mastodonIdAt(ms: number): string {
  return (BigInt(Math.max(0, Math.floor(ms))) << 16n).toString();
}

/** The instant a Mastodon id is dated at (epoch ms). */
export function mastodonIdTime(id: string): number {
  return Number(BigInt(id) >> 16n);
}

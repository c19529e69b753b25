/**
 * When to try a failed delivery again: exponential from 5 s, doubling, capped
 * at 15 minutes, with ±20 % jitter so a fleet does not retry in step. After
 * `MAX_ATTEMPTS` (about a day) the delivery is given up and shown as failed.
 */
export const MAX_ATTEMPTS = 100;

export function retryDelayMs(attempts: number, random: () => number = Math.random): number | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  const base = Math.min(15 * 60_000, 5_000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

import { spendLedger } from '@tagpulse/db';
import type { JobPayload } from '@tagpulse/queue';
import { XRateLimitedError } from '@tagpulse/x-client';
import { spendEntry } from '../capture/spend.js';
import type { JobCtx } from '../job-context.js';

/** X's count of the posts read per day, the last week of it (yesterday's figure settles after the day). */
const DAYS = 7;

/** Fetches `GET /2/usage/tweets` and stores it beside the spend ledger, which `/v1/usage` compares. */
export async function fetchXUsage(_: JobPayload<'fetch-x-usage'>, ctx: JobCtx): Promise<void> {
  const { db, x, clock, settings } = ctx.deps;
  const now = clock.now();
  const reading = await x.usage(DAYS).catch((err: unknown) => {
    // Its own rate limit; the next run reads the same days again, so nothing waits for it.
    if (err instanceof XRateLimitedError) return undefined;
    throw err;
  });
  if (!reading) return;
  await spendLedger.recordXUsage(
    db,
    reading.days,
    now,
    spendEntry(settings.prices, { at: now, endpoint: 'usage/tweets', purpose: 'usage' }),
  );
}

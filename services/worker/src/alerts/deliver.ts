import type { Channel } from '@tagpulse/core';
import { deliveriesRepository } from '@tagpulse/db';
import { DeliveryError, retryDelayMs } from '@tagpulse/notify';
import { redactUrls, urlOrigin } from '@tagpulse/runtime';
import type { JobCtx } from '../job-context.js';
import type { StoredMessage } from './render.js';

const BATCH = 20;

/**
 * Sends every due delivery of the ledger: claimed under a lease, sent, then
 * marked. A failure is recorded with its error and tried again after a
 * backoff (never sooner, so a dead webhook cannot eat the worker); a
 * permanent one (a 4xx, a refused address) is given up at once. Both stay
 * visible with the alert. Returns how many were sent.
 */
export async function deliverDue(ctx: JobCtx): Promise<number> {
  const { db, deliverer, alerts } = ctx.deps;
  let sent = 0;
  for (;;) {
    const due = await deliveriesRepository.claimDue(db, { limit: BATCH, leaseMs: alerts.deliveryLeaseMs });
    await Promise.all(
      due.map(async (row) => {
        const stored = row.message as StoredMessage;
        const channel = row.channel as Channel;
        try {
          await deliverer.deliver(channel, { ...stored, idempotencyKey: row.idempotency_key });
          if (await deliveriesRepository.markSent(db, row)) sent += 1;
        } catch (err) {
          const permanent = err instanceof DeliveryError && err.permanent;
          const retryIn = permanent ? null : retryDelayMs(row.attempts);
          // The error is shown with the alert later: no credentials of any URL it quotes.
          const error = redactUrls((err as Error).message);
          await deliveriesRepository.markFailed(db, row, error, retryIn);
          ctx.log.warn(
            {
              error,
              delivery: row.id,
              // A webhook URL is a password (Slack's, Teams'): its origin is enough to know which.
              channel: channel.type === 'webhook' ? `webhook:${urlOrigin(channel.url)}` : 'email',
              attempts: row.attempts,
              retryInMs: retryIn,
            },
            retryIn === null ? 'delivery given up' : 'delivery failed; will retry',
          );
        }
      }),
    );
    if (due.length < BATCH) return sent;
  }
}

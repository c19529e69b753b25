import { rollupOutbox } from '@tagpulse/db';
import { type JobPayload, nudge } from '@tagpulse/queue';
import type { JobCtx } from '../job-context.js';

/** Buckets claimed per transaction: short transactions, so pages keep flowing while roll-ups catch up. */
const BATCH = 200;

/** Drains the roll-up outbox: every marked 5-minute bucket is recomputed in every stored series. */
export async function computeRollups(_: JobPayload<'compute-rollups'>, ctx: JobCtx): Promise<void> {
  let buckets = 0;
  for (let claimed = BATCH; claimed === BATCH; buckets += claimed) {
    claimed = await rollupOutbox.recomputeDirty(ctx.deps.db, BATCH);
  }
  if (buckets > 0) {
    ctx.log.debug({ buckets }, 'roll-ups recomputed');
    // Alerts judge the series the moment it changes.
    await nudge(ctx.deps.queues, 'evaluate-alerts', {});
  }
}

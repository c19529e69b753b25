import { rollupOutbox, rollupsRepository } from '@tagpulse/db';
import { type JobPayload, nudge } from '@tagpulse/queue';
import type { JobCtx } from '../job-context.js';

/** Buckets claimed per transaction: short transactions, so pages keep flowing while roll-ups catch up. */
const BATCH = 200;

/**
 * Drains the roll-up outbox: every marked 5-minute bucket is recomputed in
 * every stored series. Then builds a registered zone whose history is not
 * computed yet, if one is due (a back-fill that failed or whose worker died is
 * due again later), so every zone converges.
 */
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
  const zone = await rollupsRepository.buildDueZone(ctx.deps.db);
  if (zone?.error !== undefined)
    ctx.log.error({ tz: zone.tz, error: zone.error }, 'zone back-fill failed; retried later');
  else if (zone) ctx.log.info({ tz: zone.tz }, 'zone back-filled');
}

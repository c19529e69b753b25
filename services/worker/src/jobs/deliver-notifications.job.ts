import type { JobPayload } from '@tagpulse/queue';
import { deliverDue } from '../alerts/deliver.js';
import type { JobCtx } from '../job-context.js';

/** Sends what the delivery ledger holds due (new notices, retries, deliveries a dead worker left). */
export async function deliverNotifications(
  _: JobPayload<'deliver-notifications'>,
  ctx: JobCtx,
): Promise<void> {
  const sent = await deliverDue(ctx);
  if (sent > 0) ctx.log.info({ sent }, 'notices delivered');
}

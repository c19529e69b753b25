import { alertRulesRepository, hashtagsRepository } from '@tagpulse/db';
import { type JobPayload, nudge } from '@tagpulse/queue';
import { watchedSeries } from '@tagpulse/usecases';
import { evaluateRule } from '../alerts/evaluate.js';
import type { JobCtx } from '../job-context.js';

/**
 * Evaluates every enabled rule on the fresh roll-ups (run after each roll-up
 * and on an interval, so time passing without posts is seen too), after
 * giving each tracked hashtag its default rule. One failing rule does not
 * stop the others; the job fails afterwards so BullMQ retries it.
 */
export async function evaluateAlerts(_: JobPayload<'evaluate-alerts'>, ctx: JobCtx): Promise<void> {
  const { db, queues, alerts } = ctx.deps;
  const tracked = await hashtagsRepository.listHashtags(db, { activeOnly: true });
  await alertRulesRepository.ensureDefaultRules(
    db,
    tracked.map((h) => ({ tagKey: h.tag_key, display: h.display })),
    alerts.defaultChannels,
  );
  let queued = 0;
  let failed: unknown;
  for (const rule of await alertRulesRepository.listRules(db, { enabledOnly: true })) {
    const watched = watchedSeries(rule.scope, tracked);
    // A hashtag no longer tracked has no fresh data to judge.
    if (!watched || watched.tags.length === 0) continue;
    try {
      queued += await evaluateRule(ctx.deps, rule, watched);
    } catch (err) {
      ctx.log.error({ err, rule: rule.id }, 'alert rule evaluation failed');
      failed ??= err;
    }
  }
  if (queued > 0) {
    ctx.log.info({ deliveries: queued }, 'alert notices queued');
    await nudge(queues, 'deliver-notifications', {});
  }
  if (failed) throw failed;
}

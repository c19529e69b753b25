import { alertRulesRepository, hashtagsRepository, rollupsRepository } from '@tagpulse/db';
import { type JobPayload, nudge } from '@tagpulse/queue';
import { evaluateRule, type WatchedSeries } from '../alerts/evaluate.js';
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
  const byKey = new Map(tracked.map((h) => [h.tag_key, h]));
  let queued = 0;
  let failed: unknown;
  for (const rule of await alertRulesRepository.listRules(db, { enabledOnly: true })) {
    const watched: WatchedSeries | undefined =
      rule.scope === rollupsRepository.ALL_SCOPE
        ? { label: 'all', tags: tracked.map((h) => h.tag_key) }
        : byKey.has(rule.scope)
          ? { label: byKey.get(rule.scope)!.display, tags: [rule.scope] }
          : undefined;
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

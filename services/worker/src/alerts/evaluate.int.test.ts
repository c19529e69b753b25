import { DEFAULT_RULE, parseHashtag } from '@tagpulse/core';
import { alertRulesRepository, alertsRepository, hashtagsRepository, rollupOutbox } from '@tagpulse/db';
import {
  createTestDatabase,
  makeAuthor,
  NO_METRICS,
  postAt,
  storePosts,
  type TestDatabase,
} from '@tagpulse/testkit/db';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { handlerDeps } from '../testing/harness.js';
import { evaluateRule } from './evaluate.js';

const BUCKET_MS = 5 * 60_000;
let t: TestDatabase | undefined;
let sim: Sim | undefined;

afterEach(async () => {
  await sim?.close();
  await t?.drop();
});

/** `perBucket` posts with #SpikeTag in every 5-minute bucket of [from, to). */
function posts(from: string, to: string, perBucket: number) {
  const author = makeAuthor();
  const out = [];
  for (let b = Date.parse(from); b < Date.parse(to); b += BUCKET_MS)
    for (let i = 0; i < perBucket; i++)
      out.push(
        postAt(new Date(b + i * 1_000).toISOString(), author, 'original', ['spiketag'], {
          lowBits: out.length,
        }),
      );
  return { posts: out, authors: [author] };
}

/** The same on Mastodon: each status its own `uri`, no impressions. */
function mastodonPosts(from: string, to: string, perBucket: number) {
  const author = makeAuthor({ network: 'mastodon', id: 'https://mastodon.social/users/spiker' });
  const out = [];
  for (let b = Date.parse(from); b < Date.parse(to); b += BUCKET_MS)
    for (let i = 0; i < perBucket; i++) {
      const uri = `${author.id}/statuses/${b + i}`;
      out.push(
        postAt(new Date(b + i * 1_000).toISOString(), author, 'original', ['spiketag'], {
          network: 'mastodon',
          id: uri,
          editRootId: uri,
          conversationId: null,
          metrics: { ...NO_METRICS, impressions: null },
          raw: { uri },
        }),
      );
    }
  return { posts: out, authors: [author] };
}

async function rollUp(db: TestDatabase['db']): Promise<void> {
  while ((await rollupOutbox.recomputeDirty(db, 1_000)) > 0);
}

/** A test database tracking #SpikeTag with its default rule, and x-sim's spike world at 12:00, its clock standing still. */
async function tracked() {
  t = await createTestDatabase();
  const tag = parseHashtag('SpikeTag');
  if (!tag.ok) throw new Error(tag.reason);
  await hashtagsRepository.addHashtag(t.db, tag);
  await alertRulesRepository.ensureDefaultRules(t.db, [{ tagKey: tag.key, display: tag.display }], []);
  const [rule] = await alertRulesRepository.listRules(t.db, { enabledOnly: true });
  if (!rule) throw new Error('no default rule');
  sim = await startSim({ scenario: 'spike', speed: 0, start: '2024-03-02T12:00:00Z', port: 0 });
  return {
    rule,
    watched: { label: tag.display, tags: [tag.key] },
    deps: handlerDeps(t.db, sim),
    db: t.db,
    clock: sim.clock,
  };
}

describe('alert evaluation', () => {
  it('settles no bucket whose roll-up is still pending, so the detector learns the posts, not zeros', async () => {
    const { rule, watched, deps, db, clock } = await tracked();
    const state = async () => {
      const row = await db
        .selectFrom('alert_series_state')
        .select(['evaluated_until', 'detector'])
        .executeTakeFirstOrThrow();
      return {
        until: row.evaluated_until?.toISOString() ?? null,
        detector: row.detector as { buckets?: number; plain?: { centre?: number } | null },
      };
    };

    // A day and a half of history stored (capture's first pages), its roll-ups not computed yet.
    const history = posts('2024-03-01T00:00:00Z', '2024-03-02T12:00:00Z', 3);
    await storePosts(db, history.posts, history.authors);
    await evaluateRule(deps, rule, watched);
    // Nothing settled past the first bucket waiting for its roll-up: the history is still to learn.
    const waiting = await state();
    expect(waiting.until === null || waiting.until <= '2024-03-01T00:00:00.000Z').toBe(true);
    expect(waiting.detector.buckets ?? 0).toBe(0);

    await rollUp(db);
    await evaluateRule(deps, rule, watched);
    const learnt = await state();
    // Settled up to the last bucket past the settle time (12:00 − 60 s), on the stored figures.
    expect(learnt.until).toBe('2024-03-02T11:55:00.000Z');
    // Every bucket of the day and a half learnt, centred on the stored 3 posts a bucket (a flat
    // series: judged on the plain scale).
    expect(learnt.detector.buckets).toBeGreaterThanOrEqual(400);
    expect(learnt.detector.plain?.centre).toBeCloseTo(3, 0);

    // The spike's first bucket, rolled up and settled: it fires.
    const spike = posts('2024-03-02T12:00:00Z', '2024-03-02T12:10:00Z', 150);
    await storePosts(db, spike.posts, spike.authors);
    await rollUp(db);
    clock.set(Date.parse('2024-03-02T12:11:30Z'));
    await evaluateRule(deps, rule, watched);
    const [alert] = await alertsRepository.listAlerts(db, { limit: 10, kind: 'spike' });
    expect(alert?.started_at.toISOString()).toBe('2024-03-02T12:00:00.000Z');
    expect(alert?.fired_at).not.toBeNull();
  });

  it("re-learns the rule's history when the saved detector is an earlier model's, so the next spike fires", async () => {
    const { rule, watched, deps, db, clock } = await tracked();
    const detector = async () =>
      (await db.selectFrom('alert_series_state').select('detector').executeTakeFirstOrThrow()).detector as {
        version?: number;
        buckets?: number;
      };

    const history = posts('2024-03-01T00:00:00Z', '2024-03-02T12:00:00Z', 30);
    await storePosts(db, history.posts, history.authors);
    await rollUp(db);
    await evaluateRule(deps, rule, watched);
    // What an earlier model left behind: a state this one cannot read, evaluated up to 11:55.
    await db
      .updateTable('alert_series_state')
      .set({ detector: JSON.stringify({ version: 3, buckets: 430, centre: 30, spread: 4 }) })
      .execute();

    const spike = posts('2024-03-02T12:00:00Z', '2024-03-02T12:10:00Z', 300);
    await storePosts(db, spike.posts, spike.authors);
    await rollUp(db);
    clock.set(Date.parse('2024-03-02T12:11:30Z'));
    await evaluateRule(deps, rule, watched);
    // Learnt again from the day and a half stored, not from the two buckets since: past its warm-up.
    const relearnt = await detector();
    expect(relearnt.version).toBe(6);
    expect(relearnt.buckets).toBeGreaterThanOrEqual(430);
    // The history was judged once already: the only alert is the spike's.
    const alerts = await alertsRepository.listAlerts(db, { limit: 10, kind: 'spike' });
    expect(alerts.map((a) => a.started_at.toISOString())).toEqual(['2024-03-02T12:00:00.000Z']);
    expect(alerts[0]?.fired_at).not.toBeNull();
  });

  it("watches its own network's series: a Mastodon rule fires on a Mastodon spike, not on an X-only one", async () => {
    const { rule: allNetworks, watched, deps, db, clock } = await tracked();
    const onMastodon = await alertRulesRepository.createRule(db, {
      ...DEFAULT_RULE,
      network: 'mastodon',
      name: 'Spikes in #SpikeTag on Mastodon',
      scope: allNetworks.scope,
      channels: [],
      enabled: true,
    });
    const spikes = async (ruleId: string) =>
      (await alertsRepository.listAlerts(db, { limit: 10, kind: 'spike', ruleId }))
        .filter((a) => a.fired_at !== null)
        .map((a) => a.started_at.toISOString());
    const evaluateBoth = async () => {
      await evaluateRule(deps, allNetworks, watched);
      await evaluateRule(deps, onMastodon, watched);
    };

    // A day and a half of 30 posts a bucket on each network.
    for (const history of [
      posts('2024-03-01T00:00:00Z', '2024-03-02T12:00:00Z', 30),
      mastodonPosts('2024-03-01T00:00:00Z', '2024-03-02T12:00:00Z', 30),
    ])
      await storePosts(db, history.posts, history.authors);
    await rollUp(db);
    await evaluateBoth();

    // A spike on X alone: all networks' series fires, Mastodon's stays calm.
    const onX = posts('2024-03-02T12:00:00Z', '2024-03-02T12:10:00Z', 300);
    const calm = mastodonPosts('2024-03-02T12:00:00Z', '2024-03-02T12:10:00Z', 30);
    await storePosts(db, [...onX.posts, ...calm.posts], [...onX.authors, ...calm.authors]);
    await rollUp(db);
    clock.set(Date.parse('2024-03-02T12:11:30Z'));
    await evaluateBoth();
    expect(await spikes(allNetworks.id)).toEqual(['2024-03-02T12:00:00.000Z']);
    expect(await spikes(onMastodon.id)).toEqual([]);

    // A spike on Mastodon: its rule fires, and its notice names the network.
    const spike = mastodonPosts('2024-03-02T12:10:00Z', '2024-03-02T12:20:00Z', 300);
    await storePosts(db, spike.posts, spike.authors);
    await rollUp(db);
    clock.set(Date.parse('2024-03-02T12:21:30Z'));
    await evaluateRule(deps, onMastodon, watched);
    expect(await spikes(onMastodon.id)).toEqual(['2024-03-02T12:10:00.000Z']);
    const [fired] = await alertsRepository.listAlerts(db, { limit: 1, kind: 'spike', ruleId: onMastodon.id });
    const details = fired?.details as { top_posts?: { url: string }[]; link?: string };
    expect(details.top_posts?.[0]?.url).toMatch(/^https:\/\/mastodon\.social\/users\/spiker\/statuses\//);
    expect(details.link).toContain('network=mastodon');
  });
});

import {
  createSimCore,
  loadScenario,
  type MastodonSim,
  type SimOptions,
  startMastodonSim,
} from '@tagpulse/x-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { MastodonRateLimitedError, MastodonUnavailableError } from './errors.js';
import { createMastodonApi, MASTODON_PAGE_SIZE } from './mastodon-api.js';
import { mastodonIdAt } from './snowflake.js';

const NOW = new Date('2020-07-06T20:00:00Z');
let sim: MastodonSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(
  options: Parameters<typeof startMastodonSim>[0] extends infer O ? Partial<O> : never,
  { at = NOW, scenario = 'virtual-ct-week-2020' }: { at?: Date; scenario?: SimOptions['scenario'] } = {},
) {
  const { world, clock } = createSimCore({
    scenario,
    speed: 0,
    start: at.getTime(),
  });
  sim = await startMastodonSim({ world, clock, ...options });
  return sim;
}

describe('the Mastodon client', () => {
  it('pages a hashtag timeline forward from min_id, reading the rate limit from the headers', async () => {
    const s = await start({});
    const api = createMastodonApi({ url: s.instances[0]!.url });
    let minId = mastodonIdAt(Date.parse('2020-07-06T00:00:00Z'));
    const uris: string[] = [];
    for (;;) {
      const page = await api.tagPage({ hashtag: 'VirtualCTWeek', minId }, NOW);
      expect(page.rejected).toEqual([]);
      expect(page.rateLimit).toMatchObject({ limit: 300 });
      uris.push(...page.posts.map((p) => p.id));
      if (page.returned < MASTODON_PAGE_SIZE) break;
      minId = page.newestId!;
    }
    const truth = s
      .truth({
        hashtag: 'VirtualCTWeek',
        startMs: Date.parse('2020-07-06T00:00:00Z'),
        endMs: NOW.getTime(),
        now: NOW.getTime(),
      })
      .filter((t) => !t.deleted_at && t.instances.includes('mastodon.social'));
    expect(uris.sort()).toEqual(truth.map((t) => t.uri).sort());
    expect(uris.length).toBeGreaterThan(0);
  });

  it('reads a status again by its local id where a page found it: as it stands, or deleted', async () => {
    // A day into the week with a tenth of the posts deleted: some statuses are gone by then.
    const later = new Date('2020-07-07T04:00:00Z');
    const week = loadScenario('virtual-ct-week-2020');
    const s = await start(
      {},
      { at: later, scenario: { ...week, deletions: { rate: 0.1, after_minutes: { min: 2, max: 120 } } } },
    );
    const api = createMastodonApi({ url: s.instances[0]!.url });
    const page = await api.tagPage(
      { hashtag: 'VirtualCTWeek', minId: mastodonIdAt(Date.parse('2020-07-06T00:00:00Z')) },
      later,
    );
    expect(page.localIds.map((l) => l.postId)).toEqual(page.posts.map((p) => p.id));
    const [first] = page.localIds;
    const again = await api.status(first!.localId, later);
    expect(again).toMatchObject({ kind: 'found', post: { id: first!.postId }, rateLimit: { limit: 300 } });
    const deleted = s
      .truth({ hashtag: 'VirtualCTWeek', startMs: 0, endMs: later.getTime(), now: later.getTime() })
      .find((t) => t.deleted_at);
    const home = s.instances.find((i) => i.domain === deleted?.instances[0]);
    // On its home instance a status's local id is the last segment of its uri.
    const gone = await createMastodonApi({ url: home!.url }).status(deleted!.uri.split('/').at(-1)!, later);
    expect(gone).toMatchObject({ kind: 'deleted', rateLimit: { limit: 300 } });
  });

  it('says when a spent window resets, and when an instance is down', async () => {
    const s = await start({
      rateLimit: 1,
      down: [{ domain: 'respublicae.eu', from: 0, to: NOW.getTime() + 1 }],
    });
    const api = createMastodonApi({ url: s.instances[0]!.url });
    const minId = mastodonIdAt(NOW.getTime() - 3_600_000);
    const first = await api.tagPage({ hashtag: 'VirtualCTWeek', minId }, NOW);
    expect(first.rateLimit?.remaining).toBe(0);
    const limited = await api.tagPage({ hashtag: 'VirtualCTWeek', minId }, NOW).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(MastodonRateLimitedError);
    expect((limited as MastodonRateLimitedError).resetAt).toEqual(first.rateLimit?.resetAt);
    const down = createMastodonApi({ url: s.instances[1]!.url });
    await expect(down.tagPage({ hashtag: 'VirtualCTWeek', minId }, NOW)).rejects.toBeInstanceOf(
      MastodonUnavailableError,
    );
    // A look-up meets the same: a 429 is no deletion, nor is a proxy's 502.
    const id = first.localIds[0]?.localId ?? '1';
    await expect(api.status(id, NOW)).rejects.toBeInstanceOf(MastodonRateLimitedError);
    await expect(down.status(id, NOW)).rejects.toBeInstanceOf(MastodonUnavailableError);
  });
});

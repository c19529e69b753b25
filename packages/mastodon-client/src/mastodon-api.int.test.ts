import { createSimCore, type MastodonSim, startMastodonSim } from '@tagpulse/x-sim';
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

async function start(options: Parameters<typeof startMastodonSim>[0] extends infer O ? Partial<O> : never) {
  const { world, clock } = createSimCore({
    scenario: 'virtual-ct-week-2020',
    speed: 0,
    start: NOW.getTime(),
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
  });
});

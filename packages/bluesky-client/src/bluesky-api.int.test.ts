import { type BlueskySim, createSimCore, loadScenario, startBlueskySim } from '@tagpulse/x-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { createBlueskyApi } from './bluesky-api.js';
import { BlueskyRateLimitedError, BlueskyUnavailableError } from './errors.js';
import { type JetstreamPostEvent, openJetstream } from './jetstream.js';
import { recordHashtags } from './map-post.js';

const NOW = Date.parse('2020-07-07T16:00:00Z');
const FROM = Date.parse('2020-07-07T10:00:00Z');
const WEEK = loadScenario('virtual-ct-week-2020');
const SCENARIO = {
  ...WEEK,
  deletions: { rate: 0.1, after_minutes: { min: 2, max: 120 } },
  bluesky: { share: 0.8, tags_only: 0.3 },
};

let sim: BlueskySim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(rateLimit?: number): Promise<BlueskySim> {
  const { world, clock } = createSimCore({ scenario: SCENARIO, speed: 0, start: NOW });
  sim = await startBlueskySim({ world, clock, ...(rateLimit ? { rateLimit } : {}) });
  return sim;
}

const now = new Date(NOW);

describe('the Bluesky client on the simulator', () => {
  it('searches a hashtag in pages with a session: the live posts, hashtags from facets and tags alike', async () => {
    const s = await start();
    const api = createBlueskyApi({
      serviceUrl: s.url,
      handle: s.account.handle,
      appPassword: s.account.password,
    });
    const until = new Date(NOW - 120_000);
    const found = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const page = await api.searchTag(
        { tag: 'VirtualCTWeek', since: new Date(FROM), until, ...(cursor ? { cursor } : {}) },
        now,
      );
      expect(page.rejected).toEqual([]);
      for (const p of page.posts) {
        expect(p.hashtags).toContain('virtualctweek');
        found.set(p.id, p.kind);
      }
      cursor = page.cursor;
    } while (cursor);
    const live = s
      .truth({ hashtag: 'VirtualCTWeek', startMs: FROM, endMs: until.getTime(), now: NOW })
      .filter((t) => !t.deleted_at);
    expect(live.some((t) => t.tags_only)).toBe(true);
    expect(Object.fromEntries(found)).toEqual(Object.fromEntries(live.map((t) => [t.uri, t.kind])));
  });

  it('needs credentials to search, none to look posts and profiles up', async () => {
    const s = await start();
    const api = createBlueskyApi({ serviceUrl: s.url });
    expect(api.canSearch).toBe(false);
    await expect(
      api.searchTag({ tag: 'VirtualCTWeek', since: new Date(FROM), until: now }, now),
    ).rejects.toBeInstanceOf(BlueskyUnavailableError);
    const truth = s.truth({ hashtag: 'VirtualCTWeek', startMs: FROM, endMs: NOW, now: NOW });
    const asked = [
      ...truth.filter((t) => !t.deleted_at).slice(0, 20),
      ...truth.filter((t) => t.deleted_at).slice(0, 5),
    ];
    const { posts } = await api.getPosts(
      asked.map((t) => t.uri),
      now,
    );
    expect(posts.map((p) => p.id).sort()).toEqual(
      asked
        .filter((t) => !t.deleted_at)
        .map((t) => t.uri)
        .sort(),
    );
    expect(posts.every((p) => p.metrics.impressions === null)).toBe(true);
    const dids = [...new Set(asked.map((t) => t.author_did))];
    const authors = await api.getProfiles(dids, now);
    expect(authors.map((a) => a.id)).toEqual(dids);
    expect(authors.every((a) => a.followers > 0 && a.network === 'bluesky')).toBe(true);
  });

  it('turns a 429 into a rate-limit error with the reset the headers give', async () => {
    const s = await start(1);
    const api = createBlueskyApi({ serviceUrl: s.url });
    await api.getProfiles(['nobody.bsky.social'], now);
    const err = await api.getProfiles(['nobody.bsky.social'], now).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlueskyRateLimitedError);
    expect((err as BlueskyRateLimitedError).resetAt.getTime()).toBeGreaterThan(NOW);
  });

  it('reads the Jetstream from a cursor: post creations and deletions as the truth', async () => {
    const s = await start();
    const truth = s.truth({ hashtag: 'VirtualCTWeek', startMs: FROM, endMs: NOW, now: NOW });
    const newestUs = Math.max(...truth.map((t) => Date.parse(t.created_at))) * 1_000;
    const events = await new Promise<JetstreamPostEvent[]>((resolve) => {
      const seen: JetstreamPostEvent[] = [];
      const conn = openJetstream({
        url: s.jetstreamUrl,
        cursorUs: FROM * 1_000,
        onEvent: (e) => {
          seen.push(e);
          if ((e.timeUs ?? 0) >= newestUs) conn.close();
        },
        onClose: () => resolve(seen),
      });
    });
    expect(events.filter((e) => e.op === 'malformed')).toEqual([]);
    // Hashtags matched on our side, from the records' facets and tags.
    const tagged = new Set(
      events.flatMap((e) =>
        e.op === 'create' && recordHashtags(e.record).includes('virtualctweek') ? [e.uri] : [],
      ),
    );
    expect([...tagged].sort()).toEqual(truth.map((t) => t.uri).sort());
    expect(events.some((e) => e.op === 'delete' && tagged.has(e.uri))).toBe(true);
  });
});

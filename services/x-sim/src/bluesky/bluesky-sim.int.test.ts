import { lexicons } from '@atproto/api';
import { hashtagKey } from '@tagpulse/core';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadScenario } from '../scenario/load-scenario.js';
import { createSimCore } from '../start-sim.js';
import { type BlueskySim, type BlueskySimOptions, startBlueskySim } from './start-bluesky-sim.js';
import type { JetstreamEvent, PostView } from './views.js';

// Six hours into the week, frozen: Bluesky shows what was posted by then.
const NOW = Date.parse('2020-07-07T16:00:00Z');
const FROM = Date.parse('2020-07-07T10:00:00Z');

const WEEK = loadScenario('virtual-ct-week-2020');
// More of the originals on Bluesky, and more of them deleted, so a few hours hold every case.
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

async function start(options: Partial<BlueskySimOptions> = {}): Promise<BlueskySim> {
  const { world, clock } = createSimCore({ scenario: SCENARIO, speed: 0, start: NOW });
  sim = await startBlueskySim({ world, clock, ...options });
  return sim;
}

/** The events a subscriber receives until `done` says it has all it waits for (or the socket closes). */
function subscribe(
  url: string,
  done: (events: JetstreamEvent[]) => boolean,
): Promise<{ events: JetstreamEvent[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const events: JetstreamEvent[] = [];
    const ws = new WebSocket(url);
    let finished = false;
    ws.on('message', (data) => {
      // One network read can hold several messages, each emitted before the socket closes.
      if (finished) return;
      events.push(JSON.parse(String(data)) as JetstreamEvent);
      if (done(events)) {
        finished = true;
        ws.close();
        resolve({ events, closed: false });
      }
    });
    ws.on('close', () => resolve({ events, closed: true }));
    ws.on('error', reject);
  });
}

async function xrpc(
  s: BlueskySim,
  nsid: string,
  params: [string, string][],
  token?: string,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${s.url}/xrpc/${nsid}?${new URLSearchParams(params)}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

async function session(s: BlueskySim): Promise<string> {
  const res = await fetch(`${s.url}/xrpc/com.atproto.server.createSession`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: s.account.handle, password: s.account.password }),
  });
  const body = (await res.json()) as { accessJwt: string };
  lexicons.assertValidXrpcOutput('com.atproto.server.createSession', body);
  return body.accessJwt;
}

/** The hashtags of a record as tagpulse reads them: its tag facets and its `tags`. */
function recordTags(record: { facets?: { features: { tag?: string }[] }[]; tags?: string[] }): string[] {
  const faceted = (record.facets ?? []).flatMap((f) => f.features.flatMap((x) => (x.tag ? [x.tag] : [])));
  return [...faceted, ...(record.tags ?? [])].map(hashtagKey);
}

describe('the Bluesky simulator', () => {
  it('replays the Jetstream from a cursor: every post record valid, creations and deletions as the truth', async () => {
    const s = await start();
    const truth = s.truth({ hashtag: 'VirtualCTWeek', startMs: FROM, endMs: NOW, now: NOW });
    expect(truth.length).toBeGreaterThan(30);
    const newest = Math.max(...truth.map((t) => Date.parse(t.created_at)));
    const { events } = await subscribe(
      `${s.jetstreamUrl}/subscribe?wantedCollections=app.bsky.feed.post&cursor=${FROM * 1_000}`,
      (seen) => (seen.at(-1)?.time_us ?? 0) >= newest * 1_000,
    );
    const times = events.map((e) => e.time_us);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(FROM * 1_000);
    const created = new Set<string>();
    const deleted = new Set<string>();
    for (const e of events) {
      const uri = `at://${e.did}/${e.commit.collection}/${e.commit.rkey}`;
      if (e.commit.operation === 'delete') deleted.add(uri);
      else {
        lexicons.assertValidRecord('app.bsky.feed.post', e.commit.record);
        if (recordTags(e.commit.record).includes('virtualctweek')) created.add(uri);
      }
    }
    expect([...created].sort()).toEqual(truth.map((t) => t.uri).sort());
    // Deletions up to the newest post's time, of the posts created in the range.
    const deletedByThen = truth.filter((t) => t.deleted_at && Date.parse(t.deleted_at) <= newest);
    expect(deletedByThen.length).toBeGreaterThan(0);
    expect([...deleted].filter((u) => created.has(u)).sort()).toEqual(deletedByThen.map((t) => t.uri).sort());
    // Both ways of carrying a hashtag occur.
    expect(truth.some((t) => t.tags_only) && truth.some((t) => !t.tags_only)).toBe(true);
  });

  it('replays no further back than its window', async () => {
    const s = await start({ replayWindowMs: 3_600_000 });
    const { events } = await subscribe(`${s.jetstreamUrl}/subscribe?cursor=${FROM * 1_000}`, () => true);
    expect(events[0]?.time_us).toBeGreaterThanOrEqual((NOW - 3_600_000) * 1_000);
  });

  it('refuses new streams while down', async () => {
    const s = await start({ jetstreamDown: [{ from: NOW - 1, to: NOW + 1 }] });
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${s.jetstreamUrl}/subscribe`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(503);
  });

  it('searches by tag, since and until with a session, in pages: valid bodies, the live posts of the truth', async () => {
    const s = await start();
    expect((await xrpc(s, 'app.bsky.feed.searchPosts', [['q', '#VirtualCTWeek']])).status).toBe(401);
    const token = await session(s);
    const until = NOW - 120_000;
    const uris: string[] = [];
    let cursor: string | undefined;
    do {
      const params: [string, string][] = [
        ['q', '*'],
        ['tag', 'VirtualCTWeek'],
        ['since', new Date(FROM).toISOString()],
        ['until', new Date(until).toISOString()],
        ['limit', '25'],
        ['sort', 'latest'],
      ];
      if (cursor) params.push(['cursor', cursor]);
      const { status, body } = await xrpc(s, 'app.bsky.feed.searchPosts', params, token);
      expect(status).toBe(200);
      lexicons.assertValidXrpcOutput('app.bsky.feed.searchPosts', body);
      const page = body as { posts: PostView[]; cursor?: string };
      for (const p of page.posts) lexicons.assertValidRecord('app.bsky.feed.post', p.record);
      uris.push(...page.posts.map((p) => p.uri));
      cursor = page.cursor;
    } while (cursor);
    const live = s
      .truth({ hashtag: 'VirtualCTWeek', startMs: FROM, endMs: until, now: NOW })
      .filter((t) => !t.deleted_at);
    expect(uris.length).toBeGreaterThan(30);
    expect([...uris].sort()).toEqual(live.map((t) => t.uri).sort());
    const bad = await xrpc(
      s,
      'app.bsky.feed.searchPosts',
      [
        ['q', '*'],
        ['limit', '500'],
      ],
      token,
    );
    expect(bad).toMatchObject({ status: 400, body: { error: 'InvalidRequest' } });
  });

  it('looks posts and profiles up: deleted posts left out, bodies valid', async () => {
    const s = await start();
    const truth = s.truth({ hashtag: 'VirtualCTWeek', startMs: FROM, endMs: NOW, now: NOW });
    const gone = truth.find((t) => t.deleted_at);
    const live = truth.filter((t) => !t.deleted_at).slice(0, 24);
    const posts = await xrpc(
      s,
      'app.bsky.feed.getPosts',
      [...live, gone!].map((t) => ['uris', t.uri]),
    );
    lexicons.assertValidXrpcOutput('app.bsky.feed.getPosts', posts.body);
    expect((posts.body as { posts: PostView[] }).posts.map((p) => p.uri)).toEqual(live.map((t) => t.uri));
    const dids = [...new Set(live.map((t) => t.author_did))];
    const profiles = await xrpc(
      s,
      'app.bsky.actor.getProfiles',
      dids.map((d) => ['actors', d]),
    );
    lexicons.assertValidXrpcOutput('app.bsky.actor.getProfiles', profiles.body);
    expect((profiles.body as { profiles: { did: string }[] }).profiles.map((p) => p.did)).toEqual(dids);
  });

  it('answers 429 past its rate limit, with the headers saying when it resets', async () => {
    const s = await start({ rateLimit: 2 });
    const statuses: number[] = [];
    let last: Headers | undefined;
    for (let i = 0; i < 3; i++) {
      const r = await xrpc(s, 'app.bsky.actor.getProfiles', [['actors', 'nobody.bsky.social']]);
      statuses.push(r.status);
      last = r.headers;
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last?.get('ratelimit-remaining')).toBe('0');
    expect(Number(last?.get('ratelimit-reset')) * 1_000).toBeGreaterThan(NOW);
  });
});

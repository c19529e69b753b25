import { hashtagKey } from '@tagpulse/core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenario } from '../scenario/load-scenario.js';
import { createSimCore } from '../start-sim.js';
import type { MastodonStatus } from './entities.js';
import { type MastodonSim, type MastodonSimOptions, startMastodonSim } from './start-mastodon-sim.js';

// A day into the week, frozen: the instances show what was posted by then.
const NOW = Date.parse('2020-07-07T04:00:00Z');
const FROM = Date.parse('2020-07-06T04:00:00Z');

let sim: MastodonSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

// Most of the week's originals on Mastodon, so pages fill, and more of them deleted.
const WEEK = loadScenario('virtual-ct-week-2020');
const SCENARIO = {
  ...WEEK,
  deletions: { rate: 0.1, after_minutes: { min: 2, max: 120 } },
  mastodon: { ...WEEK.mastodon!, share: 0.8 },
};

async function start(options: Partial<MastodonSimOptions> = {}): Promise<MastodonSim> {
  const { world, clock } = createSimCore({ scenario: SCENARIO, speed: 0, start: NOW });
  sim = await startMastodonSim({ world, clock, ...options });
  return sim;
}

async function page(url: string): Promise<{ status: number; body: MastodonStatus[]; headers: Headers }> {
  const res = await fetch(url);
  return {
    status: res.status,
    body: res.ok ? ((await res.json()) as MastodonStatus[]) : [],
    headers: res.headers,
  };
}

/** Every status of an instance's hashtag timeline, paged forward with min_id from the start. */
async function readAll(base: string, tag: string): Promise<MastodonStatus[]> {
  const all: MastodonStatus[] = [];
  let minId = '0';
  for (;;) {
    const { body } = await page(`${base}/api/v1/timelines/tag/${tag}?limit=40&min_id=${minId}`);
    all.push(...body);
    if (body.length < 40) return all;
    minId = body[0]?.id ?? minId;
  }
}

describe('the Mastodon simulator', () => {
  it('serves hashtag timelines whose statuses, once per uri, are the truth, with federated copies', async () => {
    const s = await start();
    const truth = s.truth({ hashtag: 'VirtualCTWeek', startMs: FROM, endMs: NOW, now: NOW });
    const live = truth.filter((t) => !t.deleted_at);
    expect(live.length).toBeGreaterThan(20);
    const seen = new Map<string, Set<string>>();
    for (const { domain, url } of s.instances) {
      for (const status of await readAll(url, 'virtualctweek')) {
        if (Date.parse(status.created_at) < FROM) continue;
        const ids = seen.get(status.uri) ?? new Set<string>();
        ids.add(`${domain}:${status.id}`);
        seen.set(status.uri, ids);
        expect(status.account.uri.startsWith('https://')).toBe(true);
        expect(status.tags.map((t) => hashtagKey(t.name))).toContain('virtualctweek');
      }
    }
    expect([...seen.keys()].sort()).toEqual(live.map((t) => t.uri).sort());
    // Copies of one status on several instances: one uri, a local id on each.
    const copies = live.filter((t) => t.instances.length > 1);
    expect(copies.length).toBeGreaterThan(0);
    for (const t of copies) expect(seen.get(t.uri)?.size).toBe(t.instances.length);
  });

  it('pages with max_id, since_id and a Link header, at most 40 a page', async () => {
    const s = await start();
    const base = `${s.instances[0]?.url}/api/v1/timelines/tag/virtualctweek`;
    const first = await page(`${base}?limit=100`);
    expect(first.body).toHaveLength(40);
    const ids = first.body.map((st) => BigInt(st.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? 1 : -1)));
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toContain(`max_id=${first.body.at(-1)?.id}`);
    const second = await page(next ?? '');
    expect(BigInt(second.body[0]?.id ?? 0)).toBeLessThan(ids.at(-1) ?? 0n);
    const newer = await page(`${base}?since_id=${first.body[5]?.id}`);
    expect(newer.body.map((st) => st.id)).toEqual(first.body.slice(0, 5).map((st) => st.id));
    expect(first.headers.get('x-ratelimit-limit')).toBe('300');
  });

  it('answers 429 past its rate limit, with the headers saying when it resets', async () => {
    const s = await start({ rateLimit: 3 });
    const url = `${s.instances[1]?.url}/api/v1/timelines/tag/virtualctweek?limit=1`;
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await page(url)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await fetch(url);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Date.parse(limited.headers.get('x-ratelimit-reset') ?? '')).toBeGreaterThan(NOW);
  });

  it('takes an instance down, and forgets a deleted status', async () => {
    const s = await start({ down: [{ domain: 'respublicae.eu', from: NOW - 1, to: NOW + 1 }] });
    expect((await page(`${s.instances[1]?.url}/api/v1/timelines/tag/virtualctweek`)).status).toBe(502);
    const all = s.truth({ hashtag: 'VirtualCTWeek', startMs: FROM, endMs: NOW, now: NOW });
    expect(all.some((t) => t.deleted_at)).toBe(true);
    const at = (t: (typeof all)[number]) =>
      `${s.instances[0]?.url}/api/v1/statuses/${t.uri.split('/').at(-1)}`;
    const home = all.filter((t) => t.instances[0] === 'mastodon.social');
    const live = home.find((t) => !t.deleted_at);
    const deleted = home.find((t) => t.deleted_at);
    expect((await page(at(live!))).status).toBe(200);
    expect((await page(at(deleted!))).status).toBe(404);
  });
});

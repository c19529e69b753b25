import { rawGet, startTestSim, type TestSim } from '@tagpulse/testkit/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const START = '2020-07-10T16:00:00Z';
const PATHS = [
  `/2/tweets/search/recent?${new URLSearchParams({
    query: '(#VirtualCTWeek OR #UNCCTExpo OR #UNiteToCounterTerrorism) -is:retweet',
    max_results: '100',
    expansions: 'author_id,referenced_tweets.id,attachments.media_keys,referenced_tweets.id.author_id',
    'tweet.fields': 'created_at,public_metrics,entities,referenced_tweets,lang,conversation_id,edit_controls',
    'user.fields': 'public_metrics,username,verified,location,description,created_at',
    'media.fields': 'url,preview_image_url,width,height,duration_ms,variants,public_metrics,alt_text',
  })}`,
  '/2/tweets/counts/recent?query=%23VirtualCTWeek&granularity=minute',
];

let a: TestSim;
let b: TestSim;
let other: TestSim;
beforeAll(async () => {
  [a, b, other] = await Promise.all([
    startTestSim({ scenario: 'virtual-ct-week-2020', seed: 2020, speed: 0, start: START }),
    startTestSim({ scenario: 'virtual-ct-week-2020', seed: 2020, speed: 0, start: START }),
    startTestSim({ scenario: 'virtual-ct-week-2020', seed: 2021, speed: 0, start: START }),
  ]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close(), other.close()]);
  for (const sim of [a, b, other]) expect(sim.violations).toEqual([]);
});

describe('replay', () => {
  it('serves byte-identical pages, page after page, for the same scenario and seed', async () => {
    for (const path of PATHS) {
      let pathA = path;
      let pathB = path;
      for (let page = 0; page < 3; page++) {
        const [resA, resB] = await Promise.all([rawGet(a.sim, pathA), rawGet(b.sim, pathB)]);
        expect(resA.status).toBe(200);
        expect(resA.text).toBe(resB.text);
        const token = (JSON.parse(resA.text) as { meta: { next_token?: string } }).meta.next_token;
        if (!token) break;
        pathA = `${path}&next_token=${token}`;
        pathB = pathA;
      }
    }
  });

  it('serves a different world for another seed', async () => {
    const [path] = PATHS;
    const [resA, resOther] = await Promise.all([rawGet(a.sim, path ?? ''), rawGet(other.sim, path ?? '')]);
    expect(resA.text).not.toBe(resOther.text);
  });
});

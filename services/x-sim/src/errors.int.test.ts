import { snowflakeAt } from '@tagpulse/core';
import { rawGet, startTestSim, TEST_TOKEN, type TestSim } from '@tagpulse/testkit/x-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SHORT_END, shortScenario } from './testing/scenarios.js';

let t: TestSim;
const NOW = SHORT_END + 3_600_000;
beforeAll(async () => {
  t = await startTestSim({
    scenario: shortScenario(),
    seed: 3,
    speed: 0,
    start: NOW,
    bearerToken: TEST_TOKEN,
  });
});
afterAll(() => t.close());
afterEach(() => {
  expect(t.violations).toEqual([]);
});

const search = (params: Record<string, string>) =>
  rawGet(t.sim, `/2/tweets/search/recent?${new URLSearchParams({ query: '#AlphaTag', ...params })}`);

async function expect400(res: { status: number; text: string; headers: Headers }) {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = JSON.parse(res.text) as {
    errors: { parameters: Record<string, string[]>; message: string }[];
  };
  expect(body).toMatchObject({
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  });
  return body.errors;
}

describe('400 invalid-request, as X words it', () => {
  it('rejects max_results outside 10–100 with the exact X body', async () => {
    const res = await search({ max_results: '5' });
    expect(JSON.parse(res.text)).toEqual({
      errors: [
        {
          parameters: { max_results: ['5'] },
          message: 'The `max_results` query parameter value [5] is not between 10 and 100',
        },
      ],
      title: 'Invalid Request',
      detail: 'One or more parameters to your request was invalid.',
      type: 'https://api.twitter.com/2/problems/invalid-request',
    });
    expect(res.headers.get('x-rate-limit-remaining')).not.toBeNull();
  });

  it('rejects ID bounds mixed with time bounds', async () => {
    const errors = await expect400(
      await search({
        since_id: snowflakeAt(NOW - 3_600_000),
        start_time: new Date(NOW - 7_200_000).toISOString(),
      }),
    );
    expect(errors[0]?.message).toBe(
      "Invalid use of 'since_id' or 'until_id' in conjunction with 'start_time' or 'end_time'.",
    );
    expect(Object.keys(errors[0]?.parameters ?? {}).sort()).toEqual(['since_id', 'start_time']);
  });

  it('rejects a since_id or start_time older than 7 days, and an end_time less than 10 s old', async () => {
    const old = NOW - 8 * 24 * 3_600_000;
    expect((await expect400(await search({ since_id: snowflakeAt(old) })))[0]?.parameters).toHaveProperty(
      'since_id',
    );
    const startErrors = await expect400(await search({ start_time: new Date(old).toISOString() }));
    expect(startErrors[0]?.message).toMatch(/'start_time' must be on or after/);
    const endErrors = await expect400(await search({ end_time: new Date(NOW - 5_000).toISOString() }));
    expect(endErrors[0]?.message).toMatch(/minimum of 10 seconds prior/);
  });

  it('names every bad parameter at once: unknown names, bad field values, malformed ids and times', async () => {
    const errors = await expect400(
      await search({ foo: 'bar', 'tweet.fields': 'created_at,bogus', until_id: 'abc', sort_order: 'random' }),
    );
    expect(errors.map((e) => Object.keys(e.parameters)[0]).sort()).toEqual([
      'foo',
      'sort_order',
      'tweet.fields',
      'until_id',
    ]);
    const timeErrors = await expect400(await search({ start_time: 'yesterday' }));
    expect(timeErrors[0]?.parameters).toEqual({ start_time: ['yesterday'] });
    const idErrors = await expect400(await search({ until_id: '12ab' }));
    expect(idErrors[0]?.message).toBe(
      'The `until_id` query parameter value [12ab] does not match ^[0-9]{1,19}$',
    );
  });

  it('rejects a missing query, bad syntax, standalone is:, and queries over 512 characters', async () => {
    const missing = await expect400(await rawGet(t.sim, '/2/tweets/search/recent'));
    expect(missing[0]).toEqual({
      parameters: { query: [] },
      message: 'The `query` query parameter can not be empty',
    });
    for (const query of [
      '(#AlphaTag OR #BetaTag',
      '#AlphaTag)',
      'is:retweet',
      '-#AlphaTag',
      '#AlphaTag OR',
      'foo:bar #AlphaTag',
    ]) {
      const errors = await expect400(await search({ query }));
      expect(errors[0]?.parameters).toEqual({ query: [query] });
      expect(errors[0]?.message).toMatch(
        /^There were errors processing your request: .* \(at position \d+\)$/,
      );
    }
    const longest = `#AlphaTag ${'x'.repeat(502)}`;
    expect((await search({ query: longest })).status).toBe(200);
    await expect400(await search({ query: `${longest}y` }));
  });

  it('rejects bad ids lists on GET /2/tweets', async () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => String(1_000 + i)).join(',');
    expect((await expect400(await rawGet(t.sim, `/2/tweets?ids=${tooMany}`)))[0]?.message).toMatch(
      /not between 1 and 100/,
    );
    await expect400(await rawGet(t.sim, '/2/tweets?ids=12,x'));
    await expect400(await rawGet(t.sim, '/2/tweets'));
  });

  it('surfaces as an ApiResponseError with the body in the real client', async () => {
    await expect(t.client.v2.search('#AlphaTag', { max_results: 5 })).rejects.toMatchObject({
      code: 400,
      data: { type: 'https://api.twitter.com/2/problems/invalid-request' },
    });
  });
});

describe('401 and 404', () => {
  it('answers a missing or wrong bearer token with 401 problem+json', async () => {
    for (const token of ['', 'wrong-token']) {
      const res = await rawGet(t.sim, '/2/tweets/search/recent?query=%23AlphaTag', token);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(res.text)).toEqual({
        title: 'Unauthorized',
        type: 'about:blank',
        status: 401,
        detail: 'Unauthorized',
      });
    }
  });

  it('answers an unknown /2/ path with 404 problem+json', async () => {
    const res = await rawGet(t.sim, '/2/tweets/search/everything?query=%23AlphaTag');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toMatchObject({ title: 'Not Found Error', status: 404 });
  });
});

describe('/__sim/ routes', () => {
  const sim = (path: string, init?: RequestInit) => fetch(`${t.sim.url}/__sim/${path}`, init);

  it('moves the clock by POST and reports it on GET', async () => {
    const moved = await sim('clock', { method: 'POST', body: JSON.stringify({ advance_seconds: 90 }) });
    expect(((await moved.json()) as { now: string }).now).toBe(new Date(NOW + 90_000).toISOString());
    expect(((await (await sim('clock')).json()) as { speed: number }).speed).toBe(0);
    await sim('clock', { method: 'POST', body: JSON.stringify({ now: new Date(NOW).toISOString() }) });
    expect(t.sim.clock.now()).toBe(NOW);
  });

  it('answers bad requests with 400 and a reason, never under /2/ rules', async () => {
    expect((await sim('clock', { method: 'POST', body: 'soon' })).status).toBe(400);
    expect((await sim('truth/posts')).status).toBe(400);
    expect((await sim('truth/counts?hashtag=AlphaTag&granularity=week')).status).toBe(400);
    expect((await sim('truth/posts?hashtag=AlphaTag&start_time=yesterday')).status).toBe(400);
    expect((await sim('nothing-here')).status).toBe(404);
  });
});

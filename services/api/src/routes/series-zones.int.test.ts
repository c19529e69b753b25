import { canonicalZone } from '@tagpulse/core';
import { hashtagsRepository, rollupsRepository } from '@tagpulse/db';
import { makeAuthor, postAt, storeAndRollUp } from '@tagpulse/testkit/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

// Issue 16, item 1: zone spellings cannot multiply the zones whose history workers rebuild,
// and a read key registers at most `zonesMax` of them.
let t: TestApp;
const A = makeAuthor({ id: '101', username: 'a', followers: 10 });
const posts = [
  postAt('2020-07-06T13:01:00Z', A, 'original', ['virtualctweek']),
  postAt('2020-07-06T20:00:00Z', A, 'original', ['virtualctweek']),
];

beforeAll(async () => {
  t = await startTestApp({ zonesMax: 2 });
  const { db } = t.testDb;
  await hashtagsRepository.addHashtag(db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  await storeAndRollUp(db, posts, [A]);
});
afterAll(async () => {
  await t?.close();
});

const days = (tz: string, key?: string) =>
  t.call('GET', '/v1/series', {
    query: {
      hashtag: 'VirtualCTWeek',
      interval: '1d',
      tz,
      from: '2020-07-05T00:00:00Z',
      to: '2020-07-08T00:00:00Z',
    },
    ...(key === undefined ? {} : { key }),
  });
const zones = async () =>
  (await t.testDb.db.selectFrom('rollup_zones').select('tz').orderBy('tz').execute()).map((r) => r.tz);

describe('GET /v1/series zones', () => {
  it('answers every spelling of a zone under its canonical name, registered once', async () => {
    const answers = [];
    for (const tz of ['aSiA/kOlKaTa', 'ASIA/KOLKATA', 'asia/kolkata', 'Asia/Calcutta', 'Asia/Kolkata']) {
      const res = await days(tz);
      expect(res.statusCode, tz).toBe(200);
      answers.push(res.json());
    }
    for (const answer of answers) {
      expect(answer).toMatchObject({ tz: 'Asia/Kolkata', zone: { status: 'building' } });
      expect(answer.series).toEqual(answers[0].series);
    }
    // The Kolkata day of 6 July (18:30Z the 5th to 18:30Z the 6th) holds the first post, the 7th the second.
    expect(answers[0].series[0].points.map((p: { value: number }) => p.value)).toEqual([0, 1, 1, 0]);
    expect(await zones()).toEqual(['Asia/Kolkata', 'UTC']);
    // The request registered the zone; the history is a worker's to build.
    expect(await rollupsRepository.zoneReady(t.testDb.db, 'Asia/Kolkata')).toBe(false);
    expect(await rollupsRepository.buildDueZone(t.testDb.db)).toEqual({ tz: 'Asia/Kolkata' });
    expect((await days('ASIA/KOLKATA')).json()).toMatchObject({
      tz: 'Asia/Kolkata',
      zone: { status: 'ready' },
      series: answers[0].series,
    });
  });

  it('registers no more than zonesMax zones for read keys; an admin key registers more', async () => {
    expect((await days('Europe/Vienna')).json()).toMatchObject({ zone: { status: 'building' } });
    const refused = (await days('America/New_York')).json();
    expect(refused).toMatchObject({ tz: 'America/New_York', zone: { status: 'not_registered' } });
    // Still the right answer (New York days from 4 July), computed from the posts of the period asked.
    expect(refused.series[0].points.map((p: { value: number }) => p.value)).toEqual([0, 0, 2, 0]);
    expect(await zones()).toEqual(['Asia/Kolkata', 'Europe/Vienna', 'UTC']);
    expect((await days('America/New_York', t.keys.admin)).json()).toMatchObject({
      zone: { status: 'building' },
    });
    expect(await zones()).toEqual(['America/New_York', 'Asia/Kolkata', 'Europe/Vienna', 'UTC']);
  });

  it('never registers a zone under a spelling of its own, nor more than zonesMax, whatever the case', async () => {
    const names = Intl.supportedValuesOf('timeZone');
    const spelling = fc
      .tuple(fc.constantFrom(...names), fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }))
      .map(([name, upper]) =>
        [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''),
      );
    await fc.assert(
      fc.asyncProperty(spelling, async (tz) => {
        const res = await days(tz);
        expect(res.statusCode, tz).toBe(200);
        expect(res.json().tz).toBe(canonicalZone(tz));
        const registered = await zones();
        expect(registered.every((z) => canonicalZone(z) === z)).toBe(true);
        // UTC, and at most two more for read keys; the admin's New York of the test before.
        expect(registered.filter((z) => z !== 'UTC' && z !== 'America/New_York').length).toBeLessThanOrEqual(
          2,
        );
      }),
      { numRuns: 25 },
    );
  });

  it('refuses a name that is no zone, naming the field', async () => {
    const res = await days('Asia/Kolkata2');
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toContain('tz');
  });
});

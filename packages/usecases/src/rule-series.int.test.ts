import { DEFAULT_RULE } from '@tagpulse/core';
import { type HashtagRow, rollupsRepository } from '@tagpulse/db';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSeries, watchedSeries } from './rule-series.js';

const row = (tag_key: string, active: boolean) =>
  ({ tag_key, display: tag_key.toUpperCase(), active }) as HashtagRow;

describe('watchedSeries', () => {
  const hashtags = [row('alpha', true), row('beta', false)];

  it('watches the tracked hashtags for all: an untracked one says nothing of its capture now', () => {
    expect(watchedSeries(rollupsRepository.ALL_SCOPE, hashtags)).toMatchObject({
      label: 'all',
      tags: ['alpha'],
    });
  });

  it('watches a listed hashtag by its display spelling, and nothing for one not listed', () => {
    expect(watchedSeries('beta', hashtags)).toMatchObject({ scope: 'beta', label: 'BETA', tags: ['beta'] });
    expect(watchedSeries('gamma', hashtags)).toBeUndefined();
  });
});

describe('loadRuleSeries', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('judges the first buckets by the coverage of the hour that began before `from`', async () => {
    // X counted 100 posts of #alpha in the 10:00 hour, capture stored 20.
    await t.db
      .insertInto('capture_coverage')
      .values({
        tag_key: 'alpha',
        hour_start: new Date('2020-07-06T10:00:00Z'),
        captured: 20,
        x_count: 100,
        ratio: 0.2,
        measured_at: new Date('2020-07-06T12:00:00Z'),
      })
      .execute();
    const rule = { ...DEFAULT_RULE, scope: 'alpha', grain: '5m' as const, minCoverage: 0.9 };
    const { points, coverage } = await loadRuleSeries(t.db, {
      rule,
      tags: ['alpha'],
      from: new Date('2020-07-06T10:32:00Z'),
      to: new Date('2020-07-06T11:10:00Z'),
    });
    expect(coverage.get(Date.parse('2020-07-06T10:00:00Z'))).toBe(0.2);
    expect(points[0]).toEqual({ t: Date.parse('2020-07-06T10:30:00Z'), value: 0, quality: 'low_coverage' });
    expect(points.filter((p) => p.quality === 'low_coverage')).toHaveLength(6);
    expect(points.at(-1)).toMatchObject({ t: Date.parse('2020-07-06T11:05:00Z'), quality: 'ok' });
  });
});

import { describe, expect, it } from 'vitest';
import { engagementRate, isMetric, METRICS, metricValue, relativeChange, ZERO_METRICS } from './metrics.js';

describe('metrics', () => {
  it('names every metric of ARCHITECTURE.md', () => {
    expect(METRICS).toEqual([
      'posts',
      'originals',
      'replies',
      'quotes',
      'reposts',
      'unique_authors',
      'potential_reach',
      'impressions',
      'engagements',
      'engagement_rate',
    ]);
    expect(isMetric('posts')).toBe(true);
    expect(isMetric('likes')).toBe(false);
  });

  it('derives the engagement rate, null without impressions', () => {
    expect(engagementRate(5, 200)).toBe(0.025);
    expect(engagementRate(5, 0)).toBeNull();
    expect(metricValue({ ...ZERO_METRICS, engagements: 3, impressions: 12 }, 'engagement_rate')).toBe(0.25);
    expect(metricValue({ ...ZERO_METRICS, posts: 4 }, 'posts')).toBe(4);
  });

  it('gives the relative change, null from nothing', () => {
    expect(relativeChange(150, 100)).toBe(0.5);
    expect(relativeChange(3, 0)).toBeNull();
    expect(relativeChange(null, 4)).toBeNull();
  });
});

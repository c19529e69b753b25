import { describe, expect, it } from 'vitest';
import { XInvalidRequestError } from './errors.js';
import { createXApi, xTime } from './x-api.js';

// Port 9 (discard) is never served here: these calls must fail before any request.
const api = createXApi({ bearerToken: 'TEST_BEARER', baseUrl: 'http://127.0.0.1:9' });
const observedAt = new Date('2026-11-28T23:50:00.000Z');

describe('xTime', () => {
  it('writes whole seconds with a Z', () => {
    expect(xTime(new Date('2026-11-28T10:00:00.000Z'), 'start_time', 'floor')).toBe('2026-11-28T10:00:00Z');
  });

  it('widens the window: starts round down, ends round up', () => {
    const t = new Date('2026-11-28T10:00:00.250Z');
    expect(xTime(t, 'start_time', 'floor')).toBe('2026-11-28T10:00:00Z');
    expect(xTime(t, 'end_time', 'ceil')).toBe('2026-11-28T10:00:01Z');
  });

  it('refuses an invalid date', () => {
    expect(() => xTime(new Date(Number.NaN), 'end_time', 'ceil')).toThrow(XInvalidRequestError);
  });
});

describe('requests refused before they are sent', () => {
  it('never mixes id and time bounds', async () => {
    const err = await api
      .searchPage({ query: '#UNCCTExpo', sinceId: '1', startTime: new Date() }, observedAt)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XInvalidRequestError);
    expect((err as XInvalidRequestError).parameters).toEqual(['since_id', 'start_time']);
  });

  it('looks up at most 100 ids', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => String(i + 1));
    await expect(api.lookup(ids, observedAt)).rejects.toBeInstanceOf(XInvalidRequestError);
  });

  it('answers an empty lookup without a request', async () => {
    expect(await api.lookup([], observedAt)).toEqual({
      posts: [],
      authors: [],
      rejected: [],
      missing: [],
      rateLimit: undefined,
      billable: { postIds: [], userIds: [] },
    });
  });
});

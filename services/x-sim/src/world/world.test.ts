import { snowflakeTime } from '@tagpulse/core';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../scenario/load-scenario.js';
import { shortScenario } from '../testing/scenarios.js';
import type { Version } from './post.js';
import { World } from './world.js';

const all = (world: World): Version[] => {
  const versions: Version[] = [];
  for (let s = world.sliceOf(world.window.start); s <= world.sliceOf(world.window.end) + 31; s++) {
    versions.push(...world.versionsWithIdIn(s));
  }
  return versions;
};

describe('World', () => {
  const scenario = shortScenario();

  it('is the same for the same scenario and seed, whatever order slices are generated in', () => {
    const forward = all(new World(scenario, 9)).map((v) => `${v.id} ${v.text.text}`);
    const backward = new World(scenario, 9, { cacheSlices: 40 });
    const versions: string[] = [];
    for (
      let s = backward.sliceOf(backward.window.end) + 31;
      s >= backward.sliceOf(backward.window.start);
      s--
    ) {
      versions.unshift(...backward.versionsWithIdIn(s).map((v) => `${v.id} ${v.text.text}`));
    }
    expect(versions).toEqual(forward);
    expect(all(new World(scenario, 10)).map((v) => v.id)).not.toEqual(
      forward.map((line) => line.split(' ')[0]),
    );
  });

  it('gives snowflake ids that encode created_at and lead back to their version', () => {
    const world = new World(scenario, 4);
    const versions = all(world);
    expect(versions.length).toBeGreaterThan(1_000);
    for (const v of versions) {
      expect(Math.floor(snowflakeTime(v.id) / 1000) * 1000).toBe(Date.parse(v.createdAt));
      expect(world.findVersion(v.id)?.text.text).toBe(v.text.text);
    }
    expect(new Set(versions.map((v) => v.id)).size).toBe(versions.length);
    expect(world.findVersion('1234567890')).toBeUndefined();
  });

  it('edits within 30 minutes into a chain, refers only to live unedited originals, lists surviving repost hashtags', () => {
    const versions = all(new World(scenario, 4));
    const edits = versions.filter((v) => v.n > 0);
    expect(edits.length).toBeGreaterThan(0);
    for (const v of edits)
      expect(v.createdMs - (v.post.versions[0]?.createdMs ?? 0)).toBeLessThan(30 * 60_000);
    const derived = versions.filter((v) => v.post.ref);
    expect(derived.length).toBeGreaterThan(0);
    for (const v of derived) {
      expect(v.post.ref?.kind).toBe('original');
      expect(v.post.ref?.versions).toHaveLength(1);
      expect(v.post.ref?.deletedMs).toBeNull();
      expect(v.createdMs).toBeGreaterThan(v.post.ref?.versions[0]?.createdMs ?? Infinity);
    }
    const reposts = versions.filter((v) => v.post.kind === 'repost');
    for (const v of reposts) {
      expect([...v.text.text].length).toBeLessThanOrEqual(140);
      for (const h of v.text.hashtags)
        expect([...v.text.text].slice(h.start, h.end).join('')).toBe(`#${h.tag}`);
    }
    expect(
      reposts.some((v) => v.text.hashtags.length < (v.post.ref?.versions[0]?.text.hashtags.length ?? 0)),
    ).toBe(true);
  });

  it('draws heavy-tailed audiences: a few institutions past 100k followers, most accounts small', () => {
    const { users } = new World(loadScenario('virtual-ct-week-2020'), 1);
    const followers = users.map((u) => u.followers).sort((a, b) => a - b);
    expect(followers.filter((f) => f >= 100_000).length).toBeGreaterThanOrEqual(3);
    expect(followers[Math.floor(followers.length / 2)]).toBeLessThan(200);
  });

  it('keeps memory flat: a whole week of slices never exceeds the caches', () => {
    const world = new World(loadScenario('virtual-ct-week-2020'), 1, { cacheSlices: 64 });
    let posts = 0;
    for (const v of all(world)) if (v.n === 0) posts++;
    expect(posts).toBeGreaterThan(1_000);
    expect(world.cacheSizes()).toEqual({ slices: 64, originals: 256, idSlices: 64 });
  });

  it('follows the scenario: more posts during the closing session than at 4 a.m. New York time', () => {
    const world = new World(loadScenario('virtual-ct-week-2020'), 1);
    const hour = (iso: string) => {
      const from = world.sliceOf(Date.parse(iso));
      let n = 0;
      for (let s = from; s < from + 60; s++) n += world.versionsWithIdIn(s).length;
      return n;
    };
    expect(hour('2020-07-10T11:00:00-04:00')).toBeGreaterThan(
      10 * Math.max(1, hour('2020-07-10T04:00:00-04:00')),
    );
  });
});

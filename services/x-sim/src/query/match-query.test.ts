import { describe, expect, it } from 'vitest';
import { shortScenario } from '../testing/scenarios.js';
import type { Version } from '../world/post.js';
import { World } from '../world/world.js';
import { compileQuery } from './match-query.js';
import { parseQuery } from './parse-query.js';

const world = new World(shortScenario(), 2);
const versions: Version[] = [];
for (let s = world.sliceOf(world.window.start); s < world.sliceOf(world.window.start) + 30; s++) {
  versions.push(...world.versionsWithIdIn(s));
}
const matching = (query: string) => versions.filter(compileQuery(parseQuery(query)));

describe('compileQuery', () => {
  it('matches hashtags whatever case or accents the author typed', () => {
    const spelled = versions.filter((v) =>
      v.text.hashtags.some((h) => h.tag !== 'AlphaTag' && /^alph/i.test(h.tag.normalize('NFKD'))),
    );
    expect(spelled.length).toBeGreaterThan(0);
    const alpha = new Set(matching('#ALPHATAG'));
    for (const v of spelled) expect(alpha.has(v)).toBe(true);
    expect(matching('#álphatag')).toEqual(matching('#AlphaTag'));
  });

  it('splits by kind with is: and its negation', () => {
    const all = matching('#AlphaTag');
    const reposts = matching('#AlphaTag is:retweet');
    const others = matching('#AlphaTag -is:retweet');
    expect(reposts.length).toBeGreaterThan(0);
    expect(reposts.every((v) => v.post.kind === 'repost')).toBe(true);
    expect(reposts.length + others.length).toBe(all.length);
    expect(matching('#AlphaTag is:reply').every((v) => v.post.kind === 'reply')).toBe(true);
    expect(matching('#AlphaTag is:quote').every((v) => v.post.kind === 'quote')).toBe(true);
  });

  it('combines OR, AND and lang:', () => {
    const either = matching('#AlphaTag OR #BetaTag');
    const both = matching('#AlphaTag #BetaTag');
    expect(both.length).toBeGreaterThan(0);
    expect(either.length).toBe(matching('#AlphaTag').length + matching('#BetaTag').length - both.length);
    const french = matching('(#AlphaTag OR #BetaTag) lang:fr');
    expect(french.length).toBeGreaterThan(0);
    expect(french.every((v) => v.post.lang === 'fr')).toBe(true);
  });

  it('matches keywords, phrases, from: and has:media', () => {
    expect(matching('#AlphaTag "human rights"').every((v) => /human rights/i.test(v.text.text))).toBe(true);
    expect(matching('#AlphaTag "human rights"').length).toBeGreaterThan(0);
    expect(matching('from:bigorg').every((v) => v.post.author.username === 'BigOrg')).toBe(true);
    expect(matching('#AlphaTag has:media').every((v) => v.post.media !== null)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { hashtagKey, parseHashtag } from './hashtag.js';

// Expectations are written out by hand: other tests compute theirs with hashtagKey, so this one must not.
describe('hashtagKey', () => {
  it.each([
    ['#UNCCTExpo', 'uncctexpo'],
    ['uncctexpo', 'uncctexpo'],
    ['＃VirtualCTWeek', 'virtualctweek'],
    ['#UNCCTExpó', 'uncctexpo'],
    ['#Ünïtè', 'unite'],
    ['#İstanbul', 'istanbul'],
    ['#ÅÄÖ_2020', 'aao_2020'],
    ['#مكافحة_الإرهاب', 'مكافحة_الارهاب'],
    ['#反恐', '反恐'],
  ])('%s folds to %s', (tag, key) => {
    expect(hashtagKey(tag)).toBe(key);
  });

  it('strips one leading # only, and only at the start', () => {
    expect(hashtagKey('##a')).toBe('#a');
    expect(hashtagKey('a#b')).toBe('a#b');
  });

  it('folds composed and decomposed spellings to one key', () => {
    expect(hashtagKey('#caf\u00e9')).toBe(hashtagKey('#cafe\u0301'));
    expect(hashtagKey('#caf\u00e9')).toBe('cafe');
  });
});

describe('parseHashtag', () => {
  it('keeps the display spelling and derives the key', () => {
    expect(parseHashtag('  #UNiteToCounterTerrorism ')).toEqual({
      ok: true,
      key: 'unitetocounterterrorism',
      display: 'UNiteToCounterTerrorism',
    });
  });

  it.each([
    ['#', 'at least one character'],
    ['   ', 'at least one character'],
    ['#two words', 'only letters, digits and underscores'],
    ['#semi;colon', 'only letters, digits and underscores'],
    [`#${'a'.repeat(101)}`, 'only letters, digits and underscores'],
    ['#2020', 'cannot be only digits'],
  ])('refuses %j', (input, reason) => {
    const parsed = parseHashtag(input);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });

  it('accepts the longest allowed tag and digits mixed with letters', () => {
    expect(parseHashtag(`#${'a'.repeat(100)}`).ok).toBe(true);
    expect(parseHashtag('#CTWeek2020')).toMatchObject({ ok: true, key: 'ctweek2020' });
  });
});

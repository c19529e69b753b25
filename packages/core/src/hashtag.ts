/**
 * X search matches hashtags without regard to case or diacritics, so
 * `#UNCCTExpo`, `#uncctexpo` and `#UNCCTExpó` are one hashtag. Its key is the
 * tag folded the same way; the display spelling is kept beside it.
 */
export function hashtagKey(tag: string): string {
  return tag
    .replace(/^[#＃]/, '')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .normalize('NFC');
}

// X hashtags: letters, marks, digits and underscores, not all digits, 1–100 characters after '#'.
const HASHTAG = /^[\p{L}\p{M}\p{N}_]{1,100}$/u;

export type HashtagParse = { ok: true; key: string; display: string } | { ok: false; reason: string };

/** Validates a hashtag as a user typed it (with or without '#'). */
export function parseHashtag(input: string): HashtagParse {
  const display = input.trim().replace(/^[#＃]/, '');
  if (display.length === 0) return { ok: false, reason: 'a hashtag needs at least one character after #' };
  if (!HASHTAG.test(display)) {
    return { ok: false, reason: 'a hashtag may hold only letters, digits and underscores (at most 100)' };
  }
  if (/^\p{N}+$/u.test(display)) return { ok: false, reason: 'a hashtag cannot be only digits' };
  return { ok: true, key: hashtagKey(display), display };
}

/** The hashtags the first users track; `npm start` and the tests seed them. */
export const SEED_HASHTAGS = ['VirtualCTWeek', 'UNCCTExpo', 'UNiteToCounterTerrorism'] as const;

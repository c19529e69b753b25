import { describe, expect, it } from 'vitest';
import { parseQuery, QuerySyntaxError } from './parse-query.js';

describe('parseQuery', () => {
  it('binds AND tighter than OR, as X does', () => {
    expect(parseQuery('#a OR #b #c')).toEqual({
      type: 'or',
      items: [
        { type: 'hashtag', key: 'a' },
        {
          type: 'and',
          items: [
            { type: 'hashtag', key: 'b' },
            { type: 'hashtag', key: 'c' },
          ],
        },
      ],
    });
  });

  it('groups with parentheses and negates terms and groups', () => {
    expect(parseQuery('(#VirtualCTWeek OR #UNCCTExpo) -is:retweet')).toEqual({
      type: 'and',
      items: [
        {
          type: 'or',
          items: [
            { type: 'hashtag', key: 'virtualctweek' },
            { type: 'hashtag', key: 'uncctexpo' },
          ],
        },
        { type: 'not', item: { type: 'is', what: 'retweet' } },
      ],
    });
    expect(parseQuery('#a -(#b OR #c)')).toMatchObject({
      type: 'and',
      items: [{}, { type: 'not', item: { type: 'or' } }],
    });
  });

  it('folds hashtag case and accents, and keeps lang:, from:, has:, keywords and phrases', () => {
    expect(parseQuery('#UNCCTExpó')).toEqual({ type: 'hashtag', key: 'uncctexpo' });
    expect(parseQuery('＃Tag')).toEqual({ type: 'hashtag', key: 'tag' });
    expect(parseQuery('#a lang:fr from:@Some_User has:media is:quote "Hello World" café')).toEqual({
      type: 'and',
      items: [
        { type: 'hashtag', key: 'a' },
        { type: 'lang', code: 'fr' },
        { type: 'from', username: 'some_user' },
        { type: 'has', what: 'media' },
        { type: 'is', what: 'quote' },
        { type: 'keyword', text: 'hello world' },
        { type: 'keyword', text: 'cafe' },
      ],
    });
  });

  it('treats lowercase "or" as a keyword, not an operator', () => {
    expect(parseQuery('#a or')).toEqual({
      type: 'and',
      items: [
        { type: 'hashtag', key: 'a' },
        { type: 'keyword', text: 'or' },
      ],
    });
  });

  it.each([
    ['', 'Empty query', 1],
    ['(#a OR #b', 'Missing closing parenthesis', 1],
    ['#a)', 'Unbalanced closing parenthesis', 3],
    ['#a OR', "Ambiguous use of 'OR' with nothing after it", 4],
    ['OR #a', "Ambiguous use of 'OR' with nothing before it", 1],
    ['#a ()', 'Empty parentheses', 4],
    ['#a - #b', "Dangling '-'", 4],
    ['#a "open', 'Unterminated quoted phrase', 4],
    ['#a is:verified', "Reference to invalid operator 'is:verified'", 4],
    ['#a colour:blue', "Reference to invalid field 'colour'", 4],
    [
      'is:retweet lang:en',
      'Rules must contain a standalone operator; is:, has: and lang: only narrow other terms',
      1,
    ],
    ['-#a -#b', 'Rules must contain a non-negation term', 1],
    [
      '#a OR is:reply',
      'Rules must contain a standalone operator; is:, has: and lang: only narrow other terms',
      1,
    ],
  ])('rejects %j: %s', (query, reason, position) => {
    const err = (() => {
      try {
        parseQuery(query);
      } catch (e) {
        return e;
      }
      throw new Error('expected a syntax error');
    })();
    expect(err).toBeInstanceOf(QuerySyntaxError);
    expect(err).toMatchObject({ reason, position });
  });
});

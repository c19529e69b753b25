import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPEC_PATH, specErrors } from './openapi.js';

const example = JSON.parse(
  readFileSync(path.resolve(path.dirname(SPEC_PATH), 'data-dictionary-tweet-example.json'), 'utf8'),
) as {
  data: { public_metrics: Record<string, number> }[];
  includes: { tweets: { public_metrics: Record<string, number> }[] };
};

// The validator is what makes every int test's "valid against the spec" claim mean something,
// so it must reject what the spec rejects.
describe('specErrors', () => {
  it('rejects the data-dictionary example payload, whose public_metrics lack the now-required counts', () => {
    expect(specErrors('/2/tweets/search/recent', 200, 'application/json', example).join('\n')).toMatch(
      /bookmark_count/,
    );
  });

  it('accepts it once the 2022–23 fields are added', () => {
    for (const tweet of [...example.data, ...example.includes.tweets])
      Object.assign(tweet.public_metrics, { bookmark_count: 0, impression_count: 5 });
    expect(specErrors('/2/tweets/search/recent', 200, 'application/json', example)).toEqual([]);
  });

  it('rejects numeric ids and empty data arrays', () => {
    expect(specErrors('/2/tweets', 200, 'application/json', { data: [{ id: 1, text: 'x' }] })).not.toEqual(
      [],
    );
    expect(specErrors('/2/tweets', 200, 'application/json', { data: [] })).not.toEqual([]);
  });

  it('checks problems against the schema their type maps to', () => {
    const notFound = {
      title: 'Not Found Error',
      type: 'https://api.twitter.com/2/problems/resource-not-found',
    };
    expect(specErrors('/2/tweets', 200, 'application/json', { errors: [notFound] }).join()).toMatch(
      /resource_id/,
    );
    const unknown = { title: 'Oops', type: 'https://example.com/oops' };
    expect(specErrors('/2/tweets', 400, 'application/problem+json', unknown)).not.toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { SPEC_PATHS } from '@tagpulse/testkit/x-sim';
import { describe, expect, it } from 'vitest';
import { DIALECT_NAMES, type Dialect } from './dialect.js';

function enumOf(dialect: Dialect, parameter: string): string[] {
  const spec = JSON.parse(readFileSync(SPEC_PATHS[dialect], 'utf8')) as {
    components: { parameters: Record<string, { schema: { items: { enum: string[] } } }> };
  };
  return [...new Set(spec.components.parameters[parameter]?.schema.items.enum)].sort();
}

describe('dialect names', () => {
  it('accept exactly the field and expansion values of each vendored spec (2.167: plus four of its Post schema)', () => {
    expect([...DIALECT_NAMES.tweet.fields.keys()].sort()).toEqual(enumOf('tweet', 'TweetFieldsParameter'));
    expect([...DIALECT_NAMES.tweet.expansions.keys()].sort()).toEqual(
      enumOf('tweet', 'TweetExpansionsParameter'),
    );
    const schemaOnly = ['author_id', 'edit_history_post_ids', 'in_reply_to_user_id', 'referenced_posts'];
    expect([...DIALECT_NAMES.post.fields.keys()].sort()).toEqual(
      [...enumOf('post', 'PostFieldsParameter'), ...schemaOnly].sort(),
    );
    expect([...DIALECT_NAMES.post.expansions.keys()].sort()).toEqual(
      enumOf('post', 'PostExpansionsParameter'),
    );
    expect(DIALECT_NAMES.post.expansions.get('referenced_posts')).toBe('referenced_tweets.id');
  });
});

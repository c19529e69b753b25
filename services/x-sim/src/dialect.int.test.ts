import { rawGet, simPerTest } from '@tagpulse/testkit/x-sim';
import { describe, expect, it } from 'vitest';
import { SHORT_END, SHORT_START, shortScenario } from './testing/scenarios.js';

const sims = simPerTest();
const NOW = SHORT_END + 3_600_000;
const start_time = new Date(SHORT_START).toISOString();
const base = { scenario: shortScenario(), seed: 9, speed: 0, start: NOW, searchIndex: 'legacy' } as const;

/** The same request in both dialects' names. */
const requestIn = (fields: string, references: string, history: string, tail = '') =>
  `/2/tweets/search/recent?query=%23AlphaTag&max_results=100&start_time=${start_time}` +
  `&${fields}=created_at,author_id,${references},entities,public_metrics,conversation_id,in_reply_to_user_id` +
  '&user.fields=public_metrics,username' +
  `&expansions=author_id,${references === 'referenced_tweets' ? 'referenced_tweets.id' : 'referenced_posts'},${history}` +
  tail;

interface Body {
  data: Record<string, unknown>[];
  includes: Record<string, Record<string, unknown>[]>;
  meta: Record<string, unknown>;
}

describe('--dialect', () => {
  it('post: 2.167 names for fields, expansions and includes, each body valid against the 2.167 spec', async () => {
    const tweet = await sims.start(base);
    const asTweet = await rawGet(
      tweet.sim,
      requestIn('tweet.fields', 'referenced_tweets', 'edit_history_tweet_ids'),
    );
    expect(asTweet.status).toBe(200);
    const tweetBody = JSON.parse(asTweet.text) as Body;
    expect(tweet.violations).toEqual([]);
    await tweet.close();

    const t = await sims.start({ ...base, dialect: 'post' });
    const res = await rawGet(t.sim, requestIn('post.fields', 'referenced_posts', 'edit_history_post_ids'));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as Body;
    // The same world, renamed: posts, references, edit history, includes and nothing else.
    const renamed = res.text
      .replaceAll('"referenced_posts"', '"referenced_tweets"')
      .replaceAll('"repost_count"', '"retweet_count"')
      .replaceAll('"edit_history_post_ids"', '"edit_history_tweet_ids"')
      .replace('"posts":[', '"tweets":[')
      .replaceAll(/"post_count":(\d+),"listed_count"/g, '"tweet_count":$1,"listed_count"');
    expect(JSON.parse(renamed)).toEqual(tweetBody);
    expect(Object.keys(body.includes).sort()).toEqual(['posts', 'users']);
    expect(body.data.some((p) => Array.isArray(p.referenced_posts))).toBe(true);
    expect(body.data.every((p) => Array.isArray(p.edit_history_post_ids))).toBe(true);

    // 2.152 names are unknown parameters and values in the post dialect, with 2.167's problem type.
    const old = await rawGet(t.sim, requestIn('tweet.fields', 'referenced_tweets', 'edit_history_tweet_ids'));
    expect(old.status).toBe(400);
    const problem = JSON.parse(old.text) as {
      type: string;
      errors: { parameters: Record<string, unknown> }[];
    };
    expect(problem.type).toBe('https://api.x.com/2/problems/invalid-request');
    expect(problem.errors.flatMap((e) => Object.keys(e.parameters)).sort()).toEqual([
      'expansions',
      'expansions',
      'tweet.fields',
    ]);

    const counts = await rawGet(t.sim, `/2/tweets/counts/recent?query=%23AlphaTag&start_time=${start_time}`);
    const countsBody = JSON.parse(counts.text) as {
      data: { post_count: number }[];
      meta: { total_post_count: number };
    };
    expect(countsBody.meta.total_post_count).toBe(countsBody.data.reduce((sum, b) => sum + b.post_count, 0));
    const lookup = await rawGet(
      t.sim,
      `/2/tweets?ids=${(body.data[0] as { id: string }).id},1&post.fields=author_id`,
    );
    expect(JSON.parse(lookup.text)).toMatchObject({
      errors: [{ type: 'https://api.x.com/2/problems/resource-not-found', resource_id: '1' }],
    });
    expect(t.checked()).toBe(4);
  });

  it('an empty page in the emulator’s shape is read as empty by the client', async () => {
    const t = await sims.start({ ...base, emptyPage: 'emulator' });
    const raw = await rawGet(t.sim, '/2/tweets/search/recent?query=%23NoSuchTagAnywhere');
    expect(JSON.parse(raw.text)).toEqual({ meta: { newest_id: '', oldest_id: '', result_count: 0 } });
    const page = await t.client.v2.search('#NoSuchTagAnywhere');
    expect(page.tweets).toEqual([]);
    expect(page.done).toBe(true);
    expect(page.meta.result_count).toBe(0);
    const archive = await t.client.v2.searchAll('#NoSuchTagAnywhere');
    expect(archive.tweets).toEqual([]);
    expect(archive.meta).toEqual({ newest_id: '', oldest_id: '', result_count: 0 });
  });
});

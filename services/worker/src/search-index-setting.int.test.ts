import { type Post, touchedBuckets } from '@tagpulse/core';
import { rollupsRepository } from '@tagpulse/db';
import { makeAuthor, NO_METRICS, postAt, storePosts } from '@tagpulse/testkit/db';
import { spawnWorker, waitFor } from '@tagpulse/testkit/processes';
import { startSim } from '@tagpulse/x-sim';
import { describe, expect, it } from 'vitest';
import { useWorkerProcesses } from './testing/process-fixture.js';
import { workerEnv } from './testing/replay.js';

const { fixture: f } = useWorkerProcesses();

function startWith(env: Record<string, string>) {
  const worker = spawnWorker({ ...workerEnv(f.t, f.sim!, f.prefix), ...env });
  f.workers.push(worker);
  return worker;
}

const A = makeAuthor({ id: '301', username: 'a', followers: 100 });
const B = makeAuthor({ id: '302', username: 'b', followers: 1_000 });
// A day long before the scenario the workers capture: only these posts are in it.
const HOUR = new Date('2019-01-02T10:00:00Z');
const posts: Post[] = [
  postAt('2019-01-02T10:01:00Z', A, 'original', ['virtualctweek'], {
    metrics: { ...NO_METRICS, reposts: 5 },
  }),
  postAt('2019-01-02T10:02:00Z', B, 'repost', ['virtualctweek'], { metrics: { ...NO_METRICS, reposts: 5 } }),
];

async function hour() {
  const values = await rollupsRepository.readSeries(f.t.db, {
    scope: '*',
    grain: '1h',
    tz: 'UTC',
    from: HOUR,
    to: new Date(HOUR.getTime() + 1),
    metrics: ['posts', 'reposts'],
  });
  const row = await f.t.db
    .selectFrom('rollups')
    .select('definitions_version')
    .where('scope', '=', '*')
    .where('grain', '=', '1h')
    .where('bucket_start', '=', HOUR)
    .executeTakeFirst();
  return { ...values.get(HOUR.getTime()), version: row?.definitions_version };
}

async function waitForHour(expected: Awaited<ReturnType<typeof hour>>, output: string[]) {
  let last: unknown;
  await waitFor(`the hour rolled up as ${JSON.stringify(expected)}`, async () => {
    last = await hour();
    return JSON.stringify(last) === JSON.stringify(expected);
  }).catch((err: Error) => {
    throw new Error(`${err.message}; last ${JSON.stringify(last)}\n${output.join('')}`);
  });
}

describe('X_SEARCH_INDEX', () => {
  it('is applied by a worker at start to the whole history, and auto observes again', async () => {
    f.sim = await startSim({
      scenario: 'virtual-ct-week-2020',
      speed: 0,
      start: '2020-07-06T17:00:00Z',
      port: 0,
    });
    await storePosts(f.t.db, posts, [A, B]);
    // x-sim has no such posts: a look-up would mark them deleted under the test.
    await f.t.db.updateTable('posts').set({ refresh_due_at: null }).execute();
    await rollupsRepository.recomputeTouched(f.t.db, touchedBuckets(posts));
    // A repost stored that day: search returned reposts then (legacy index), definitions 1.
    expect(await hour()).toEqual({ posts: 2, reposts: 1, version: 1 });

    const forced = startWith({ X_SEARCH_INDEX: '2026' });
    await waitForHour({ posts: 1, reposts: 5, version: 2 }, forced.output);
    await forced.kill('SIGTERM');

    const observing = startWith({});
    await waitForHour({ posts: 2, reposts: 1, version: 1 }, observing.output);
  }, 90_000);
});

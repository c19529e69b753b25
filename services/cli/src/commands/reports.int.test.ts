import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hashtagsRepository } from '@tagpulse/db';
import { closeQueues, createQueues, createRedis, type Queues } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const prefix = testPrefix();
let t: TestDatabase;
let redis: Redis;
let queues: Queues;

beforeAll(async () => {
  t = await createTestDatabase();
  await hashtagsRepository.addHashtag(t.db, { key: 'virtualctweek', display: 'VirtualCTWeek' });
  redis = createRedis(loadSharedEnv().REDIS_URL, 'worker', () => {});
  queues = createQueues(redis, prefix, () => {});
});
afterAll(async () => {
  if (queues) await closeQueues(queues);
  if (redis) {
    await deletePrefix(redis, prefix);
    await redis.quit();
  }
  await t?.drop();
});

function tagpulse(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', 'reports', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: t.url, QUEUE_PREFIX: prefix },
    timeout: 60_000,
  });
}

describe('tagpulse reports', () => {
  it('adds a schedule with its job scheduler, lists it, and removes both', async () => {
    const added = await tagpulse(
      'add',
      '--period',
      'weekly',
      '--hashtag',
      '#VirtualCTWeek',
      '--tz',
      'America/New_York',
      '--to',
      'comms@example.org,head@example.org',
      '--format',
      'html,csv',
    );
    const id = added.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(added.stderr).toContain('scheduled "Weekly report: #VirtualCTWeek" (weekly, America/New_York)');
    expect(await queues.reports.getJobScheduler(`report-${id}`)).toMatchObject({
      pattern: '0 7 * * 1',
      tz: 'America/New_York',
    });
    const listed = await tagpulse('list');
    expect(listed.stdout).toBe(
      `${id}\ton\tweekly\t-\tAmerica/New_York\tvirtualctweek\tcomms@example.org,head@example.org\tWeekly report: #VirtualCTWeek\n`,
    );
    expect((await tagpulse('history')).stdout).toBe('');
    // A missed report on demand: one build-report job for the period due at that instant.
    const ran = await tagpulse('run', id, '--at', '2020-07-13T11:00:00Z');
    expect(ran.stdout).toBe(`queued the report of ${id} due at 2020-07-13T11:00:00.000Z\n`);
    const jobs = await queues.reports.getJobs(['waiting']);
    expect(jobs.map((j) => [j.name, j.data])).toEqual([
      ['build-report', { scheduleId: id, firedAt: '2020-07-13T11:00:00.000Z' }],
    ]);
    expect((await tagpulse('remove', id)).stdout).toBe(`removed ${id}\n`);
    expect(await queues.reports.getJobScheduler(`report-${id}`)).toBeUndefined();
    expect((await tagpulse('list')).stdout).toBe('');
  });

  it.each([
    [['--period', '61 * * * *', '--to', 'a@example.org'], '--period'],
    [['--period', 'daily', '--tz', 'Mars/Olympus', '--to', 'a@example.org'], '--tz'],
    [['--period', 'daily', '--to', 'comms@example.org,not-an-address'], '--to'],
    [['--period', 'daily', '--webhook', 'ftp://example.org/'], '--webhook'],
    [['--period', 'daily', '--send-at', '0 7 * *', '--to', 'a@example.org'], '--send-at'],
  ])('refuses %j naming %s, exit code 1', async (args, option) => {
    const failed = await tagpulse('add', ...args).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(new RegExp(`^tagpulse: ${option}: `));
  });
});

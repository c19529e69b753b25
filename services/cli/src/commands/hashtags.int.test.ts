import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

function tagpulse(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', 'hashtags', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: t.url },
    timeout: 60_000,
  });
}

describe('tagpulse hashtags', () => {
  it('adds with the spelling kept and the key folded, lists, and removes by deactivating', async () => {
    const added = await tagpulse('add', '#UNCCTExpó', 'VirtualCTWeek');
    expect(added.stdout).toBe(
      'tracking #UNCCTExpó (key uncctexpo)\ntracking #VirtualCTWeek (key virtualctweek)\n',
    );
    const removed = await tagpulse('remove', 'uncctexpo', 'NotTracked');
    expect(removed.stdout).toBe('stopped tracking #uncctexpo\n#NotTracked was not tracked\n');
    const listed = await tagpulse('list');
    expect(listed.stdout).toBe(
      '#UNCCTExpó\tuncctexpo\tnot tracked\n#VirtualCTWeek\tvirtualctweek\tnot polled yet\n',
    );
    const rows = await t.db.selectFrom('hashtags').select(['tag_key', 'active']).orderBy('tag_key').execute();
    expect(rows).toEqual([
      { tag_key: 'uncctexpo', active: false },
      { tag_key: 'virtualctweek', active: true },
    ]);
  });

  it('refuses a malformed hashtag with one line naming it', async () => {
    const failure = await tagpulse('add', '#no spaces').then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/^tagpulse: "#no spaces": a hashtag may hold only letters/);
  });
});

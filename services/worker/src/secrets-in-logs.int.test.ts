import { spawnWorker, waitFor } from '@tagpulse/testkit/processes';
import { startSim } from '@tagpulse/x-sim';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useWorkerProcesses } from './testing/process-fixture.js';
import { workerEnv } from './testing/replay.js';

const { fixture: f } = useWorkerProcesses();

// Secrets an operator hands the worker: X's bearer token, the database and SMTP passwords.
const BEARER = 'bearer-secret-DO-NOT-LOG-0123456789';
const DB_PASSWORD = 'db-secret-DO-NOT-LOG';
const SMTP_PASSWORD = 'smtp-secret-DO-NOT-LOG';

describe('the worker’s logs', () => {
  it('never carry a secret, at the most verbose level, through X errors and retries', async () => {
    // 503s and cut bodies make the X client log failures, request by request.
    f.sim = await startSim({
      scenario: 'virtual-ct-week-2020',
      speed: 600,
      start: '2020-07-06T14:00:00Z',
      port: 0,
      faults: { unavailable: 0.3, truncate: 0.1 },
    });
    const dbUrl = new URL(f.t.url);
    // Trust authentication ignores the password; the worker still holds it in its URL.
    dbUrl.password = DB_PASSWORD;
    const worker = spawnWorker({
      ...workerEnv({ url: dbUrl.toString() }, f.sim, f.prefix),
      X_BEARER_TOKEN: BEARER,
      SMTP_URL: `smtp://tagpulse:${SMTP_PASSWORD}@127.0.0.1:9`,
      LOG_LEVEL: 'trace',
    });
    f.workers.push(worker);
    // All of it: the process keeps only its output's tail for failure messages.
    const written: string[] = [];
    for (const stream of [worker.child.stdout, worker.child.stderr])
      stream?.on('data', (c) => written.push(String(c)));
    await waitFor(
      'posts stored through the faults',
      async () => {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from posts`.execute(f.t.db);
        return (rows[0]?.n ?? 0) > 100;
      },
      60_000,
    );
    await worker.kill('SIGTERM');
    const log = written.join('');
    // The log is real: X's failures were logged with their errors, job by job.
    expect(log).toMatch(/X answered 503|cut off or unreadable/);
    expect(log.split('\n').length).toBeGreaterThan(10);
    for (const secret of [BEARER, DB_PASSWORD, SMTP_PASSWORD]) expect(log).not.toContain(secret);
  }, 120_000);
});

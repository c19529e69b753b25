import { Writable } from 'node:stream';
import { deliveriesRepository } from '@tagpulse/db';
import { createLogger } from '@tagpulse/runtime';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import type { Sim } from '@tagpulse/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frozenCtWeek, handlerDeps, recordingCtx } from '../testing/harness.js';
import { deliverDue } from './deliver.js';

let t: TestDatabase;
let sim: Sim;
beforeAll(async () => {
  t = await createTestDatabase();
  sim = await frozenCtWeek('2020-07-06T18:05:00Z');
});
afterAll(async () => {
  await sim?.close();
  await t?.drop();
});

describe('a failed delivery', () => {
  it('is logged and stored without the webhook URL’s secrets', async () => {
    // A Slack-style URL: its path is the password; an internal relay's userinfo is one too. Nothing listens on port 1.
    const url = 'http://relay:pw-SECRET-user@127.0.0.1:1/services/T000/B000/path-SECRET-token';
    await deliveriesRepository.enqueue(t.db, {
      messageKey: 'alert/1/firing',
      kind: 'firing',
      message: { subject: 'Spike', text: 'Spike', json: {} },
      channels: [{ key: `webhook:${url}`, channel: { type: 'webhook', url } }],
    });
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const deps = {
      ...handlerDeps(t.db, sim),
      log: createLogger({ service: 'worker-test', level: 'trace', destination }),
    };
    expect(await deliverDue(recordingCtx(deps))).toBe(0);
    const log = lines.join('');
    expect(log).toContain('delivery failed; will retry');
    expect(log).toContain('webhook:http://127.0.0.1:1');
    expect(log).not.toMatch(/SECRET/);
    const [row] = await t.db.selectFrom('deliveries').selectAll().execute();
    expect(row?.status).toBe('pending');
    expect(row?.last_error).toMatch(/^webhook unreachable: /);
    expect(row?.last_error).not.toMatch(/SECRET/);
  });
});

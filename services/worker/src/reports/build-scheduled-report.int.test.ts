import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { hashtagsRepository, reportSchedulesRepository, reportsRepository } from '@tagpulse/db';
import { createDeliverer } from '@tagpulse/notify';
import { applySchedule, reportSchedulerId } from '@tagpulse/reports';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import { freePort } from '@tagpulse/testkit/net';
import { startSmtpReceiver } from '@tagpulse/testkit/notify';
import { waitFor } from '@tagpulse/testkit/processes';
import type { Sim } from '@tagpulse/x-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDue } from '../alerts/deliver.js';
import type { WorkerDeps } from '../deps.js';
import { frozenCtWeek, handlerDeps, recordingCtx } from '../testing/harness.js';
import { buildScheduledReport, scheduledRun } from './build-scheduled-report.js';

// x-sim's clock, the worker's notion of now, stands at 06:00Z on Tuesday 7 July 2020.
const WORLD_NOW = '2020-07-07T06:00:00Z';

let testDb: TestDatabase;
let sim: Sim;
let deps: WorkerDeps;
let downSmtpUrl: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  for (const tag of SEED_HASHTAGS) {
    const parsed = parseHashtag(tag);
    if (parsed.ok) await hashtagsRepository.addHashtag(testDb.db, parsed);
  }
  sim = await frozenCtWeek(WORLD_NOW);
  // An address where no SMTP server listens (yet).
  downSmtpUrl = `smtp://127.0.0.1:${await freePort()}`;
  deps = {
    ...handlerDeps(testDb.db, sim),
    deliverer: createDeliverer({
      smtpUrl: downSmtpUrl,
      from: 'tagpulse-test@localhost',
      timeoutMs: 1_000,
      webhooks: { allowPrivate: true, allowHosts: [] },
    }),
  };
});
afterAll(async () => {
  deps?.deliverer.close();
  await sim?.close();
  await testDb?.drop();
});

const schedule = (overrides: Partial<reportSchedulesRepository.NewReportSchedule> = {}) =>
  reportSchedulesRepository.createSchedule(testDb.db, {
    name: 'Daily report: all tracked hashtags',
    hashtags: [],
    period: 'daily',
    tz: 'UTC',
    // Nowhere to send unless a test says so: only its own deliveries are in the ledger.
    recipients: [],
    formats: ['html'],
    channels: [],
    send_when_empty: true,
    ...overrides,
  });

describe('a report schedule’s run', () => {
  it('reports on the day before its fire time, however late the job runs', async () => {
    const s = await schedule();
    const ctx = recordingCtx(deps);
    // Fired 26 hours ago (real time, which this clock follows 1:1): the fire was at 04:00Z on 6 July.
    ctx.scheduledAt = new Date(Date.now() - 26 * 3_600_000);
    await buildScheduledReport(scheduledRun({ scheduleId: s.id }, ctx), ctx);
    const stored = await reportsRepository.findForPeriod(testDb.db, s.id, {
      from: new Date('2020-07-05T00:00:00Z'),
      to: new Date('2020-07-06T00:00:00Z'),
    });
    expect(stored).toBeDefined();
    // The same fire again (a retry, a second worker): nothing new.
    await buildScheduledReport(scheduledRun({ scheduleId: s.id }, ctx), ctx);
    expect(await reportsRepository.listReports(testDb.db, { scheduleId: s.id, limit: 10 })).toHaveLength(1);
  });

  it('reports on the week that starts on a reported day once the schedule turns weekly', async () => {
    const s = await schedule();
    const ctx = recordingCtx(deps);
    await buildScheduledReport({ scheduleId: s.id, firedAt: new Date('2020-07-07T07:00:00Z') }, ctx);
    await reportSchedulesRepository.updateSchedule(testDb.db, s.id, { period: 'weekly' });
    await buildScheduledReport({ scheduleId: s.id, firedAt: new Date('2020-07-13T07:00:00Z') }, ctx);
    const reports = await reportsRepository.listReports(testDb.db, { scheduleId: s.id, limit: 10 });
    expect(
      reports.map((r) => [r.period_kind, r.period_start.toISOString(), r.period_end.toISOString()]),
    ).toEqual([
      ['weekly', '2020-07-06T00:00:00.000Z', '2020-07-13T00:00:00.000Z'],
      ['daily', '2020-07-06T00:00:00.000Z', '2020-07-07T00:00:00.000Z'],
    ]);
  });

  it('stores a report of a quiet period without sending it, unless the schedule says so', async () => {
    const s = await schedule({
      hashtags: ['virtualctweek'],
      send_when_empty: false,
      recipients: ['comms@example.org'],
      channels: ['email'],
    });
    const ctx = recordingCtx(deps);
    await buildScheduledReport({ scheduleId: s.id, firedAt: new Date('2020-07-01T07:00:00Z') }, ctx);
    const [report] = await reportsRepository.listReports(testDb.db, { scheduleId: s.id, limit: 10 });
    expect(report?.skipped_reason).toBe('nothing happened in the period');
    expect(await reportsRepository.deliveriesOf(testDb.db, [report?.id ?? 0])).toEqual([]);
  });

  it('keeps a report whose SMTP server is down pending, with the error, and delivers it once the server is back', async () => {
    const s = await schedule({
      hashtags: ['virtualctweek'],
      formats: ['html', 'csv'],
      recipients: ['comms@example.org'],
      channels: ['email'],
    });
    const ctx = recordingCtx(deps);
    await buildScheduledReport({ scheduleId: s.id, firedAt: new Date('2020-07-07T06:00:00Z') }, ctx);
    const [report] = await reportsRepository.listReports(testDb.db, { scheduleId: s.id, limit: 10 });
    const id = report?.id ?? 0;
    expect(report?.skipped_reason).toBeNull();
    expect(await deliverDue(ctx)).toBe(0);
    const [failed] = await reportsRepository.deliveriesOf(testDb.db, [id]);
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, channel: 'email:comms@example.org' });
    expect(failed?.last_error).toMatch(/smtp/i);
    expect(failed?.next_attempt_at?.getTime()).toBeGreaterThan(Date.now());

    // The server comes back on its address; the retry is due after its backoff (about 5 s).
    const receiver = await startSmtpReceiver(Number(new URL(downSmtpUrl).port));
    try {
      await waitFor('the retry', async () => (await deliverDue(ctx)) > 0, 20_000);
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]?.headers.subject).toMatch(/Daily/);
      expect(await reportsRepository.deliveriesOf(testDb.db, [id])).toMatchObject([
        { status: 'delivered', attempts: 2, last_error: null },
      ]);
    } finally {
      await receiver.close();
    }
  }, 60_000);

  it('removes the job scheduler of a schedule deleted since it fired', async () => {
    const s = await schedule({ enabled: true });
    await applySchedule(deps.queues, s);
    expect(await deps.queues.reports.getJobScheduler(reportSchedulerId(s.id))).toBeDefined();
    await reportSchedulesRepository.deleteSchedule(testDb.db, s.id);
    const ctx = recordingCtx(deps);
    await buildScheduledReport({ scheduleId: s.id, firedAt: new Date(WORLD_NOW) }, ctx);
    expect(await deps.queues.reports.getJobScheduler(reportSchedulerId(s.id))).toBeUndefined();
  });
});

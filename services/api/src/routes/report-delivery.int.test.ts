import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { hashtagsRepository } from '@tagpulse/db';
import { CHART_CID, CHART_PNG_SIZE } from '@tagpulse/reports';
import {
  type SmtpReceiver,
  startSmtpReceiver,
  startWebhookReceiver,
  type WebhookReceiver,
} from '@tagpulse/testkit/notify';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { sql } from 'kysely';
import { type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
// The received chart lands outside the repository, for a look; set ARTIFACTS_DIR to keep it elsewhere.
const ARTIFACTS = process.env.ARTIFACTS_DIR ?? join(tmpdir(), 'tagpulse-artifacts', 'reports');
// Two hours after the end of Monday 6 July 2020 in New York, the first day of Virtual CT Week:
// x-sim's clock stands still here, so the worker captures the whole day and its reports fire here.
const WORLD_NOW = new Date('2020-07-07T06:00:00Z');
const DAY = { from: '2020-07-06T04:00:00Z', to: '2020-07-07T04:00:00Z' };
const TZ = 'America/New_York';

let t: TestApp;
let sim: Sim;
let smtp: SmtpReceiver | undefined;
let webhook: WebhookReceiver;
let worker: ChildProcess;
let workerExited: Promise<void>;
const workerOutput: string[] = [];
const prefix = testPrefix();

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n${workerOutput.join('').slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The worker's poll cycle done over the day, every page rolled up, X's counts compared. */
async function captured(): Promise<boolean> {
  const { rows } = await sql<{ cycles: number; stored: number; dirty: number; coverage: number }>`
    select
      (select count(*) from capture_cursors where cycle_until_id is null and last_success_at is not null)::int as cycles,
      (select coalesce(sum(posts_stored), 0) from capture_cursors)::int as stored,
      (select count(*) from rollup_dirty)::int as dirty,
      (select count(*) from capture_coverage)::int as coverage`.execute(t.testDb.db);
  const s = rows[0];
  return !!s && s.cycles > 0 && s.stored > 100 && s.dirty === 0 && s.coverage > 0;
}

beforeAll(async () => {
  t = await startTestApp({ now: () => WORLD_NOW, queuePrefix: prefix });
  for (const tag of SEED_HASHTAGS) {
    const parsed = parseHashtag(tag);
    if (parsed.ok) await hashtagsRepository.addHashtag(t.testDb.db, parsed);
  }
  sim = await startSim({
    scenario: 'virtual-ct-week-2020',
    speed: 0,
    start: WORLD_NOW.toISOString(),
    port: 0,
  });
  smtp = await startSmtpReceiver();
  webhook = await startWebhookReceiver();
  // A `tagpulse worker` as an operator runs it: it captures the day, then runs the report schedule.
  worker = spawn(process.execPath, ['--import', 'tsx', 'services/worker/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      DATABASE_URL: t.testDb.url,
      QUEUE_PREFIX: prefix,
      X_API_BASE_URL: sim.url,
      X_CLOCK_URL: `${sim.url}/__sim/clock`,
      X_BEARER_TOKEN: 'report-test-bearer-token-0123',
      POLL_INTERVAL_MS: '300',
      COVERAGE_INTERVAL_MS: '1000',
      ROLLUP_INTERVAL_MS: '300',
      SMTP_URL: smtp.url,
      // The webhook receiver listens on 127.0.0.1, which webhooks may reach only when allowed.
      WEBHOOK_ALLOW_PRIVATE: '1',
      DELIVERY_INTERVAL_MS: '500',
      PUBLIC_URL: 'http://tagpulse.test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.on('data', (c: Buffer) => workerOutput.push(c.toString()));
  worker.stderr?.on('data', (c: Buffer) => workerOutput.push(c.toString()));
  workerExited = new Promise((resolve) => worker.once('exit', () => resolve()));
  await waitFor('the day to be captured', captured, 240_000);
}, 300_000);

afterAll(async () => {
  worker?.kill('SIGTERM');
  await workerExited;
  await smtp?.close();
  await webhook?.close();
  await sim?.close();
  if (t) await deletePrefix(t.redis, prefix);
  await t?.close();
});

/** The PNG's width and height from its IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The content of the mail's attachment that `match` picks; fails when there is none. */
function attachment(mail: ParsedMail, match: (a: ParsedMail['attachments'][number]) => boolean): Buffer {
  const found = mail.attachments.find(match);
  if (!found)
    throw new Error(`no such attachment among ${mail.attachments.map((a) => a.filename).join(', ')}`);
  return found.content;
}

/** RFC 4180 rows (the report's CSV has no commas nor line breaks inside its quoted fields). */
function parseCsv(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\r\n')
    .map((line) => line.split(',').map((cell) => cell.replace(/^"(.*)"$/, '$1').replaceAll('""', '"')));
}

describe('a scheduled daily report', () => {
  it('arrives once by e-mail, with the numbers of /v1/summary, a PNG chart and a CSV that parses', async () => {
    const created = await t.call('POST', '/v1/report-schedules', {
      key: t.keys.admin,
      body: {
        hashtags: ['all'],
        period: 'daily',
        tz: TZ,
        // Fires every second: every fire names the same (last whole) day, so still one report.
        send_at: '* * * * * *',
        recipients: ['comms@example.org', 'head@example.org'],
        webhooks: [webhook.url],
        formats: ['html', 'csv', 'json'],
      },
    });
    expect(created.statusCode).toBe(201);
    await waitFor(
      'the report e-mail and webhook',
      () => (smtp?.received.length ?? 0) > 0 && webhook.received.length > 0,
      60_000,
    );
    // A few more fires, and still one message.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const mails = smtp?.received ?? [];
    expect(mails).toHaveLength(1);
    expect(webhook.received).toHaveLength(1);
    // keepCidLinks: the HTML as sent, not with mailparser's data: URIs in place of cid: links.
    const mail = await simpleParser(mails[0]?.raw ?? '', { keepCidLinks: true });
    expect(mail.subject).toBe('Daily report: all tracked hashtags — Mon 6 Jul 2020');
    expect(mail.html).toContain(`src="cid:${CHART_CID}"`);
    expect(mail.html).not.toMatch(/<script|<svg/i);
    expect(mail.text).toContain('posts:');

    const chart = attachment(mail, (a) => a.cid === CHART_CID && a.contentType === 'image/png');
    expect(pngSize(chart)).toEqual(CHART_PNG_SIZE);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'daily-chart.png'), chart);

    const csvFile = attachment(mail, (a) => a.filename?.endsWith('.csv') ?? false).toString();
    const rows = parseCsv(csvFile);
    expect(rows[0]?.[0]).toBe('bucket_start');
    expect(rows).toHaveLength(25);
    expect(rows[1]?.[0]).toBe('2020-07-06T00:00:00.000-04:00');
    for (const row of rows.slice(1)) {
      expect(row).toHaveLength(11);
      for (const cell of row.slice(1, 10)) expect(Number.isInteger(Number(cell))).toBe(true);
    }

    const report = JSON.parse(attachment(mail, (a) => a.filename?.endsWith('.json') ?? false).toString());
    const summary = await t.call('GET', '/v1/summary', { query: { hashtag: 'all', tz: TZ, ...DAY } });
    expect(summary.statusCode).toBe(200);
    const body = summary.json();
    expect(report.period).toEqual(body.period);
    expect(report.previous_period).toEqual(body.previous_period);
    expect(report.totals).toEqual(body.metrics);
    const posts = body.metrics.find((m: { metric: string }) => m.metric === 'posts').value;
    expect(posts).toBeGreaterThan(100);
    // The CSV's hours add up to the day.
    expect(rows.slice(1).reduce((sum, r) => sum + Number(r[1]), 0)).toBe(posts);
    expect(report.peak.posts).toBe(Math.max(...rows.slice(1).map((r) => Number(r[1]))));
    expect(report.top_posts.length).toBeGreaterThan(0);
    expect(report.languages.length).toBeGreaterThan(0);

    // The webhook gets the same report as JSON, its CSV, and an idempotency key.
    const [posted] = webhook.received;
    if (!posted) throw new Error('no webhook request');
    expect(posted.headers['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
    expect(posted.body).toMatchObject({ type: 'report', csv: csvFile });
    expect((posted.body.report as { totals: unknown }).totals).toEqual(body.metrics);

    // Stored, delivered, and the same CSV to download.
    const list = (await t.call('GET', '/v1/reports')).json();
    expect(list.reports).toHaveLength(1);
    expect(list.reports[0]).toMatchObject({ status: 'delivered', schedule_id: created.json().id });
    // A read key sees where deliveries went (domains, host), not the addresses nor the webhook URL.
    expect(list.reports[0].deliveries).toMatchObject([
      { channel: 'email:example.org', status: 'delivered' },
      { channel: `webhook:${new URL(webhook.url).host}`, status: 'delivered' },
    ]);
    expect(JSON.stringify(list.reports)).not.toContain(webhook.url);
    const asAdmin = (await t.call('GET', '/v1/reports', { key: t.keys.admin })).json();
    expect(asAdmin.reports[0].deliveries).toMatchObject([
      { channel: 'email:comms@example.org,head@example.org' },
      { channel: `webhook:${webhook.url}` },
    ]);
    const csv = await t.call('GET', '/v1/reports/{id}', {
      params: { id: list.reports[0].id },
      query: { format: 'csv' },
    });
    expect(csv.body).toBe(csvFile);
    const page = await t.call('GET', '/v1/reports/{id}', {
      params: { id: list.reports[0].id },
      query: { format: 'html' },
    });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain(`data:image/png;base64,${chart.toString('base64')}`);
    const missing = await t.call('GET', '/v1/reports/{id}', { params: { id: '999999' } });
    expect(missing.statusCode).toBe(404);
    const stored = await t.call('GET', '/v1/reports/{id}', { params: { id: list.reports[0].id } });
    expect(stored.json().report.totals).toEqual(body.metrics);
  }, 120_000);

  it('counts a set of hashtags from its posts, each post once: the three tracked ones make /v1/summary for all', async () => {
    const created = await t.call('POST', '/v1/report-schedules', {
      key: t.keys.admin,
      body: { hashtags: [...SEED_HASHTAGS], period: 'daily', tz: TZ, send_at: '* * * * * *' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().channels).toEqual([]);
    const id = created.json().id;
    const reports = async () =>
      (await t.call('GET', '/v1/reports', { query: { schedule_id: id } })).json().reports as {
        id: string;
        status: string;
      }[];
    await waitFor('the report of the set', async () => (await reports()).length > 0, 60_000);
    const [stored] = await reports();
    expect(stored?.status).toBe('stored');
    const report = (await t.call('GET', '/v1/reports/{id}', { params: { id: stored?.id ?? '' } })).json()
      .report;
    const summary = (
      await t.call('GET', '/v1/summary', { query: { hashtag: 'all', tz: TZ, ...DAY } })
    ).json();
    expect(report.hashtags).toHaveLength(SEED_HASHTAGS.length);
    expect(report.totals).toEqual(summary.metrics);
  }, 120_000);
});

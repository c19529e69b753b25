import { hashtagKey, SEED_HASHTAGS } from '@tagpulse/core';
import { hashtagsRepository } from '@tagpulse/db';
import { createQueues, type Queues } from '@tagpulse/queue';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

let t: TestApp;
let prefix: string;
let queues: Queues;

beforeAll(async () => {
  prefix = testPrefix();
  t = await startTestApp({ queuePrefix: prefix });
  for (const tag of SEED_HASHTAGS)
    await hashtagsRepository.addHashtag(t.testDb.db, { key: hashtagKey(tag), display: tag });
  queues = createQueues(t.redis, prefix, () => {});
});
afterAll(async () => {
  await Promise.all(Object.values(queues ?? {}).map((q) => q.close()));
  await deletePrefix(t.redis, prefix);
  await t?.close();
});

const admin = () => t.keys.admin;
const create = (body: unknown) => t.call('POST', '/v1/report-schedules', { key: admin(), body });
// The harness's `call` types the methods its routes had; PATCH is checked against the document all the same.
const patch = (id: string, body: unknown) =>
  t.call('PATCH' as 'POST', '/v1/report-schedules/{id}', { key: admin(), params: { id }, body });

describe('report schedules', () => {
  it('creates a schedule with a job scheduler in its zone, and lists it', async () => {
    const res = await create({
      hashtags: ['#virtualctweek'],
      period: 'daily',
      tz: 'America/New_York',
      recipients: ['comms@example.org'],
      formats: ['html', 'csv'],
    });
    expect(res.statusCode).toBe(201);
    const s = res.json();
    expect(s).toMatchObject({
      name: 'Daily report: #VirtualCTWeek',
      hashtags: ['VirtualCTWeek'],
      channels: ['email'],
      send_when_empty: false,
      enabled: true,
      // The test app's clock: 2020-07-13T04:00Z, Monday 00:00 in New York.
      next_run: {
        at: '2020-07-13T07:00:00.000-04:00',
        period: { from: '2020-07-12T00:00:00.000-04:00', to: '2020-07-13T00:00:00.000-04:00' },
      },
    });
    const scheduler = await queues.reports.getJobScheduler(`report-${s.id}`);
    expect(scheduler).toMatchObject({ pattern: '0 7 * * *', tz: 'America/New_York' });
    const list = await t.call('GET', '/v1/report-schedules', { key: admin() });
    expect(list.json().schedules.map((x: { id: string }) => x.id)).toContain(s.id);
  });

  it('changes the job scheduler with the schedule, and removes it with the schedule', async () => {
    const s = (await create({ period: '*/30 * * * *', webhooks: ['https://hooks.example.org/r'] })).json();
    expect(s).toMatchObject({ hashtags: ['all'], channels: ['webhook'], tz: 'UTC' });
    const changed = await patch(s.id, { period: 'weekly', send_at: '0 8 * * 1', tz: 'Europe/Vienna' });
    expect(changed.statusCode).toBe(200);
    expect(await queues.reports.getJobScheduler(`report-${s.id}`)).toMatchObject({
      pattern: '0 8 * * 1',
      tz: 'Europe/Vienna',
    });
    expect((await patch(s.id, { enabled: false })).statusCode).toBe(200);
    expect(await queues.reports.getJobScheduler(`report-${s.id}`)).toBeUndefined();
    const gone = await t.call('DELETE', '/v1/report-schedules/{id}', { key: admin(), params: { id: s.id } });
    expect(gone.statusCode).toBe(204);
    const again = await t.call('GET', '/v1/report-schedules/{id}', { key: admin(), params: { id: s.id } });
    expect(again.statusCode).toBe(404);
  });

  it.each([
    [{ period: '61 * * * *', recipients: ['a@example.org'] }, 'period'],
    [{ period: 'fortnightly', recipients: ['a@example.org'] }, 'period'],
    [{ period: 'daily', tz: 'Europe/Atlantis', recipients: ['a@example.org'] }, 'tz'],
    [{ period: 'daily', recipients: ['comms@example.org', 'not an address'] }, 'recipients.1'],
    [{ period: 'daily', webhooks: ['ftp://example.org/'] }, 'webhooks.0'],
    [{ period: 'daily', send_at: '0 7 * *', recipients: ['a@example.org'] }, 'send_at'],
    [{ period: 'daily', channels: ['email'] }, 'recipients'],
    [{ period: 'daily', hashtags: ['UNCCTExpo', 'NotTracked'], recipients: ['a@example.org'] }, 'hashtags.1'],
    [{ period: 'daily', hashtags: [], recipients: ['a@example.org'] }, 'hashtags'],
    [{ period: 'daily', formats: ['pdf'], recipients: ['a@example.org'] }, 'formats'],
    [{ recipients: ['a@example.org'] }, 'period'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const res = await create(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().invalid_params[0].name).toBe(field);
  });

  it('reports on several hashtags together, named as tracked', async () => {
    const res = await create({
      hashtags: ['#uncctexpo', 'VIRTUALCTWEEK'],
      period: 'monthly',
      recipients: ['a@example.org'],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'Monthly report: #UNCCTExpo #VirtualCTWeek',
      hashtags: ['UNCCTExpo', 'VirtualCTWeek'],
    });
  });

  it('checks a change as a whole schedule', async () => {
    const s = (await create({ period: 'daily', recipients: ['a@example.org'] })).json();
    const res = await patch(s.id, { recipients: [] });
    expect(res.statusCode).toBe(400);
    expect(res.json().invalid_params[0].name).toBe('recipients');
    expect((await patch(s.id, { tz: 'Mars/Base' })).json().invalid_params[0].name).toBe('tz');
  });

  it('is for admin keys only', async () => {
    const res = await t.call('GET', '/v1/report-schedules', { key: t.keys.read });
    expect(res.statusCode).toBe(403);
  });
});

describe('report preview', () => {
  it('renders an empty day in every form without storing it', async () => {
    const query = { hashtag: 'all', period: 'daily', tz: 'Asia/Kolkata', at: '2020-07-07T07:00:00+05:30' };
    const json = await t.call('GET', '/v1/reports/preview', { query });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({
      period: { from: '2020-07-06T00:00:00.000+05:30', to: '2020-07-07T00:00:00.000+05:30' },
      nothing_happened: true,
      tz: 'Asia/Kolkata',
    });
    expect(json.json().series.points).toHaveLength(24);
    const html = await t.call('GET', '/v1/reports/preview', { query: { ...query, format: 'html' } });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('data:image/png;base64,');
    const csv = await t.call('GET', '/v1/reports/preview', { query: { ...query, format: 'csv' } });
    expect(csv.body.trimEnd().split('\r\n')).toHaveLength(25);
    const list = await t.call('GET', '/v1/reports');
    expect(list.json().reports).toEqual([]);
  });

  it('refuses a bad period or zone naming it', async () => {
    const bad = await t.call('GET', '/v1/reports/preview', { query: { period: '* * *' } });
    expect(bad.json().invalid_params[0].name).toBe('period');
    const zone = await t.call('GET', '/v1/reports/preview', { query: { tz: 'Nowhere/Else' } });
    expect(zone.json().invalid_params[0].name).toBe('tz');
  });
});

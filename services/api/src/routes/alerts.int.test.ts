import { STORED_METRICS } from '@tagpulse/core';
import {
  alertRulesRepository,
  alertsRepository,
  deliveriesRepository,
  hashtagsRepository,
} from '@tagpulse/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

const FIVE = 300_000;
const SPIKE = Date.parse('2020-07-10T12:00:00Z');
let t: TestApp;

/**
 * Stored 5-minute roll-ups of #SpikeTag on X, so of all networks too: 5 posts a bucket for three
 * days, 200 in the spike's half hour.
 */
async function storeSeries(): Promise<void> {
  const rows = [];
  for (let at = SPIKE - 3 * 86_400_000; at < SPIKE + 86_400_000; at += FIVE) {
    const posts = at >= SPIKE && at < SPIKE + 30 * 60_000 ? 200 : 5;
    for (const network of ['*', 'x'])
      rows.push(
        sql`(${'spiketag'}, ${network}, '5m', 'UTC', ${new Date(at)}, ${posts}, ${posts}, 0, 0, 0, ${posts}, 0, 0, 0, 1)`,
      );
  }
  await sql`insert into rollups (scope, network, grain, tz, bucket_start, posts, originals, replies, quotes, reposts,
      unique_authors, potential_reach, impressions, engagements, definitions_version)
    values ${sql.join(rows)}`.execute(t.testDb.db);
}

beforeAll(async () => {
  t = await startTestApp();
  await hashtagsRepository.addHashtag(t.testDb.db, { key: 'spiketag', display: 'SpikeTag' });
  await storeSeries();
});
afterAll(() => t?.close());

const admin = () => ({ key: t.keys.admin });
const create = (body: object) => t.call('POST', '/v1/alert-rules', { ...admin(), body });
const backtest = (id: string) =>
  t.call('POST', '/v1/alert-rules/{id}/backtest', {
    ...admin(),
    params: { id },
    query: { from: '2020-07-10T00:00:00Z', to: '2020-07-11T00:00:00Z' },
  });

describe('/v1/alert-rules', () => {
  it('refuses bad input with a 400 naming the field', async () => {
    const cases: [object, string][] = [
      [{ hashtag: 'SpikeTag', metric: 'likes_per_hour' }, 'metric'],
      [{ hashtag: 'SpikeTag', pending_minutes: -5 }, 'pending_minutes'],
      [{ hashtag: 'SpikeTag', tz: 'Mars/Olympus_Mons' }, 'tz'],
      [
        {
          hashtag: 'SpikeTag',
          expected_windows: [{ name: 'x', start: '2020-07-10T12:00', end: '2020-07-10T11:00' }],
        },
        'expected_windows',
      ],
      [{ hashtag: 'SpikeTag', quiet_hours: [{ start: '25:00', end: '07:00' }] }, 'quiet_hours'],
      [{ hashtag: 'SpikeTag', channels: [{ type: 'webhook', url: 'ftp://x' }] }, 'channels'],
      [{ hashtag: 'SpikeTag', sensitivity: 11 }, 'sensitivity'],
      [{ hashtag: 'SpikeTag', network: 'friendica' }, 'network'],
      // Mastodon counts no views: a rule on its impressions could never fire.
      [{ hashtag: 'SpikeTag', network: 'mastodon', metric: 'impressions' }, 'metric'],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().invalid_params[0].name).toBe(field);
    }
    expect((await create({ hashtag: 'NotTracked' })).statusCode).toBe(404);
    // Read keys cannot manage rules.
    expect((await t.call('GET', '/v1/alert-rules')).statusCode).toBe(403);
  });

  it('creates with the default rule’s values, lists, changes and deletes', async () => {
    const res = await create({
      hashtag: '#spiketag',
      channels: [{ type: 'email', to: ['comms@example.org'] }],
    });
    expect(res.statusCode).toBe(201);
    const rule = res.json();
    expect(rule).toMatchObject({
      hashtag: 'SpikeTag',
      metric: 'posts',
      interval: '5m',
      sensitivity: 5,
      is_default: false,
    });
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/alert-rules/${rule.id}`,
      headers: { authorization: `Bearer ${t.keys.admin}` },
      payload: { sensitivity: 8, tz: 'Europe/Paris' },
    });
    expect(patched.json()).toMatchObject({ sensitivity: 8, tz: 'Europe/Paris' });
    const list = await t.call('GET', '/v1/alert-rules', admin());
    expect(list.json().rules.map((r: { id: string }) => r.id)).toContain(rule.id);
    expect(
      (await t.call('DELETE', '/v1/alert-rules/{id}', { ...admin(), params: { id: rule.id } })).statusCode,
    ).toBe(204);
    expect(
      (await t.call('GET', '/v1/alert-rules/{id}', { ...admin(), params: { id: rule.id } })).statusCode,
    ).toBe(404);
    expect(STORED_METRICS).toContain(rule.metric);
  });

  it('keeps a rule to a network, and refuses a network that lacks its metric', async () => {
    const res = await create({ hashtag: 'SpikeTag', network: 'mastodon' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ network: 'mastodon', name: 'Spikes in #SpikeTag on Mastodon' });
    expect((await create({ hashtag: 'SpikeTag' })).json().network).toBe('all');
    const patch = (id: string, payload: object) =>
      t.app.inject({
        method: 'PATCH',
        url: `/v1/alert-rules/${id}`,
        headers: { authorization: `Bearer ${t.keys.admin}` },
        payload,
      });
    const onImpressions = (await create({ hashtag: 'SpikeTag', metric: 'impressions' })).json();
    const moved = await patch(onImpressions.id, { network: 'bluesky' });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().invalid_params[0]).toMatchObject({
      name: 'network',
      reason: 'network: impressions is not available on Bluesky',
    });
    expect((await patch(onImpressions.id, { network: 'x' })).json().network).toBe('x');
  });

  it('backtests a rule over stored roll-ups: when it would have fired, with the band, notifying nobody', async () => {
    const rule = (
      await create({ hashtag: 'SpikeTag', channels: [{ type: 'webhook', url: 'http://127.0.0.1:1/x' }] })
    ).json();
    const res = await backtest(rule.id);
    expect(res.statusCode).toBe(200);
    const { episodes } = res.json();
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({
      started_at: '2020-07-10T12:00:00.000Z',
      fired_at: '2020-07-10T12:05:00.000Z',
      resolved_at: '2020-07-10T12:40:00.000Z',
      observed: 200,
      expected_event: null,
      would_notify_at: '2020-07-10T12:05:00.000Z',
    });
    expect(episodes[0].band.upper).toBeLessThan(200);
    // Nothing was recorded or queued.
    expect(await alertsRepository.listAlerts(t.testDb.db, { limit: 10 })).toEqual([]);
  });

  it("backtests a rule on its network's series only", async () => {
    const episodesOn = async (network: string) => {
      const rule = (await create({ hashtag: 'SpikeTag', network })).json();
      const res = await backtest(rule.id);
      expect(res.json().network).toBe(network);
      return res.json().episodes.map((e: { fired_at: string }) => e.fired_at);
    };
    // The spike is X's: a rule on X sees it as the all-networks rule does, one on Mastodon sees nothing.
    expect(await episodesOn('x')).toEqual(['2020-07-10T12:05:00.000Z']);
    expect(await episodesOn('all')).toEqual(['2020-07-10T12:05:00.000Z']);
    expect(await episodesOn('mastodon')).toEqual([]);
  });

  it('annotates a backtested spike inside an expected-event window, and holds it in quiet hours', async () => {
    const rule = (
      await create({
        hashtag: 'SpikeTag',
        tz: 'Europe/Paris',
        // 14:00 in Paris (summer time) is 12:00Z.
        expected_windows: [{ name: 'Opening session', start: '2020-07-10T13:45', end: '2020-07-10T15:00' }],
      })
    ).json();
    const [annotated] = (await backtest(rule.id)).json().episodes;
    expect(annotated).toMatchObject({ expected_event: 'Opening session', would_notify_at: null });

    const quiet = (
      await create({
        hashtag: 'SpikeTag',
        tz: 'Europe/Paris',
        quiet_hours: [{ start: '13:00', end: '14:15' }],
      })
    ).json();
    const [held] = (await backtest(quiet.id)).json().episodes;
    // Quiet until 14:15 Paris = 12:15Z; the spike is still firing then.
    expect(held.would_notify_at).toBe('2020-07-10T12:15:00.000Z');
  });

  it('never fires a backtest across a capture gap of its network or low coverage', async () => {
    const rule = (await create({ hashtag: 'SpikeTag' })).json();
    const onX = (await create({ hashtag: 'SpikeTag', network: 'x' })).json();
    const gap = (network: string) =>
      sql`insert into capture_gaps (network, query_key, tag_keys, start_at, end_at, cause, detail)
      values (${network}, ${`q-${network}`}, ${['spiketag']}, '2020-07-10T11:58:00Z', '2020-07-10T12:20:00Z', 'api_error', 'test')`.execute(
        t.testDb.db,
      );
    const firings = async (id: string) =>
      (await backtest(id)).json().episodes.map((e: { fired_at: string }) => e.fired_at);
    const unbroken = await firings(onX.id);
    expect(unbroken).toHaveLength(1);
    // Mastodon's capture missed the spike's time: X's series is whole, the all-networks one is not.
    await gap('mastodon');
    expect(await firings(onX.id)).toEqual(unbroken);
    expect(await firings(rule.id)).not.toEqual(unbroken);
    await gap('x');
    await sql`insert into capture_coverage (tag_key, hour_start, captured, x_count, ratio, measured_at)
      values ('spiketag', '2020-07-10T12:00:00Z', 500, 1000, 0.5, now())`.execute(t.testDb.db);
    expect((await backtest(rule.id)).json().episodes).toEqual([]);
    expect((await backtest(onX.id)).json().episodes).toEqual([]);
    await sql`delete from capture_gaps`.execute(t.testDb.db);
    await sql`delete from capture_coverage`.execute(t.testDb.db);
  });
});

describe('/v1/alerts', () => {
  it('lists history with filters, acknowledges and silences', async () => {
    const [rule] = await alertRulesRepository.listRules(t.testDb.db, { scope: 'spiketag' });
    const id = await alertsRepository.upsertEpisode(
      t.testDb.db,
      rule!.id,
      'spiketag',
      {
        kind: 'spike',
        startedAt: SPIKE,
        firedAt: SPIKE + 60_000,
        resolvedAt: null,
        bucket: { t: SPIKE, value: 200, expected: 5, lower: 0, upper: 14, score: 9 },
        peak: 200,
        expectedEvent: null,
        muted: null,
        notified: true,
        lastNoticeAt: SPIKE + 60_000,
        repeats: 0,
      },
      { link: 'http://x' },
    );
    const list = await t.call('GET', '/v1/alerts', { query: { hashtag: 'SpikeTag', status: 'firing' } });
    expect(list.json().alerts).toMatchObject([
      {
        id,
        hashtag: 'SpikeTag',
        status: 'firing',
        observed: 200,
        band: { lower: 0, upper: 14 },
        triggered_at: '2020-07-10T12:01:00.000Z',
      },
    ]);
    expect((await t.call('GET', '/v1/alerts', { query: { status: 'resolved' } })).json().alerts).toEqual([]);
    expect(
      (await t.call('GET', '/v1/alerts', { query: { tz: 'Nowhere/Else' } })).json().invalid_params[0].name,
    ).toBe('tz');

    const ack = await t.call('POST', '/v1/alerts/{id}/acknowledge', {
      ...admin(),
      params: { id: String(id) },
      body: { by: 'ana' },
    });
    expect(ack.json()).toMatchObject({ acknowledged_by: 'ana' });
    const silence = await t.call('POST', '/v1/alerts/{id}/silence', {
      ...admin(),
      params: { id: String(id) },
      body: { until: '2020-07-13T08:00:00Z', reason: 'known campaign' },
    });
    expect(silence.statusCode).toBe(200);
    const after = await alertRulesRepository.getRule(t.testDb.db, rule!.id);
    expect(after?.silences).toEqual([
      {
        from: '2020-07-13T04:00:00.000Z',
        to: '2020-07-13T08:00:00.000Z',
        series: 'spiketag',
        reason: 'known campaign',
      },
    ]);
    expect(
      (
        await t.call('POST', '/v1/alerts/{id}/silence', {
          ...admin(),
          params: { id: '999' },
          body: { until: '2020-07-13T08:00:00Z' },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('shows read keys a delivery’s channel kind and host, never the webhook URL (a password)', async () => {
    const [rule] = await alertRulesRepository.listRules(t.testDb.db, { scope: 'spiketag' });
    const id = await alertsRepository.upsertEpisode(
      t.testDb.db,
      rule!.id,
      'spiketag',
      {
        kind: 'spike',
        startedAt: SPIKE + 86_400_000,
        firedAt: SPIKE + 86_400_000,
        resolvedAt: null,
        bucket: { t: SPIKE + 86_400_000, value: 90, expected: 5, lower: 0, upper: 14, score: 9 },
        peak: 90,
        expectedEvent: null,
        muted: null,
        notified: true,
        lastNoticeAt: SPIKE + 86_400_000,
        repeats: 0,
      },
      {},
    );
    const secret = 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX';
    const webhookKey = `webhook:${secret}`;
    await deliveriesRepository.enqueue(t.testDb.db, {
      messageKey: `alert:${id}:firing`,
      kind: 'firing',
      alertId: id,
      message: {},
      channels: [
        { key: webhookKey, channel: { type: 'webhook', url: secret } },
        {
          key: 'email:ana@example.org,bo@un.org',
          channel: { type: 'email', to: ['ana@example.org', 'bo@un.org'] },
        },
      ],
    });
    // A failed attempt, as the worker records it: claimed, then marked failed with the error it saw.
    const claimed = await deliveriesRepository.claimDue(t.testDb.db, { limit: 10, leaseMs: 60_000 });
    const row = claimed.find((d) => d.channel_key === webhookKey);
    expect(
      await deliveriesRepository.markFailed(t.testDb.db, row!, `could not post to ${secret}: 500`, 5_000),
    ).toBe(true);

    const asRead = await t.call('GET', '/v1/alerts/{id}', { params: { id: String(id) } });
    expect(asRead.body).not.toContain('XXXXXXXX');
    expect(
      asRead
        .json()
        .deliveries.map((d: { channel: string }) => d.channel)
        .sort(),
    ).toEqual(['email:example.org,un.org', 'webhook:hooks.slack.com']);
    const list = await t.call('GET', '/v1/alerts', { query: { hashtag: 'SpikeTag' } });
    expect(list.body).not.toContain('XXXXXXXX');
    expect(list.body).not.toContain('ana@');
    // Admin keys read the same URLs in the rules: they see the channel whole.
    const asAdmin = await t.call('GET', '/v1/alerts/{id}', { ...admin(), params: { id: String(id) } });
    expect(asAdmin.json().deliveries.map((d: { channel: string }) => d.channel)).toContain(webhookKey);
  });
});

import { parseHashtag } from '@tagpulse/core';
import { alertsRepository, deliveriesRepository, hashtagsRepository } from '@tagpulse/db';
import { createRedis } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { createTestDatabase, type TestDatabase } from '@tagpulse/testkit/db';
import {
  type SmtpReceiver,
  startSmtpReceiver,
  startWebhookReceiver,
  type WebhookReceiver,
} from '@tagpulse/testkit/notify';
import { spawnWorker, type WorkerProcess, waitFor } from '@tagpulse/testkit/processes';
import { deletePrefix, testPrefix } from '@tagpulse/testkit/queue';
import { type Sim, startSim } from '@tagpulse/x-sim';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { workerEnv } from '../testing/replay.js';

const SPEED = 30;
const POLL_INTERVAL_MS = 1_000;
/** The spike scenario's first spiking bucket ends here (services/x-sim/scenarios/spike.yaml). */
const FIRST_BUCKET_CLOSES = Date.parse('2024-03-02T12:05:00Z');

const redis = createRedis(loadSharedEnv().REDIS_URL, 'producer', () => {});
let t: TestDatabase | undefined;
let sim: Sim | undefined;
let hook: WebhookReceiver | undefined;
let smtp: SmtpReceiver | undefined;
let prefix = '';
const workers: WorkerProcess[] = [];

afterEach(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  workers.length = 0;
  await sim?.close();
  await hook?.close();
  await smtp?.close();
  if (prefix) await deletePrefix(redis, prefix);
  await t?.drop();
});
afterAll(() => redis.disconnect());

/** Kinds of the notices a receiver got, once per idempotency key, and every key seen per kind. */
function distinct(items: { kind: string; key: string }[]) {
  const keys = new Map<string, Set<string>>();
  for (const { kind, key } of items) keys.set(kind, (keys.get(kind) ?? new Set()).add(key));
  return Object.fromEntries([...keys].map(([kind, set]) => [kind, set.size]));
}

describe('spike alerts end to end', () => {
  it('deliver one firing and one resolved notice per channel, promptly, through a worker killed mid-delivery', async () => {
    t = await createTestDatabase();
    const tag = parseHashtag('SpikeTag');
    if (!tag.ok) throw new Error(tag.reason);
    await hashtagsRepository.addHashtag(t.db, tag);
    hook = await startWebhookReceiver();
    smtp = await startSmtpReceiver();
    prefix = testPrefix();
    sim = await startSim({ scenario: 'spike', speed: SPEED, start: '2024-03-02T11:30:00Z', port: 0 });
    const env = {
      ...workerEnv(t, sim, prefix),
      POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
      ALERT_INTERVAL_MS: '500',
      ALERT_SETTLE_SECONDS: '60',
      DELIVERY_INTERVAL_MS: '300',
      DELIVERY_TIMEOUT_MS: '1000',
      ALERT_WEBHOOK_URL: hook.url,
      // The receiver listens on 127.0.0.1, which webhooks may reach only when allowed.
      WEBHOOK_ALLOW_PRIVATE: '1',
      ALERT_EMAIL_TO: 'comms@example.org',
      SMTP_URL: smtp.url,
    };
    const start = () => {
      const w = spawnWorker(env);
      workers.push(w);
      return w;
    };
    const first = start();

    // The first firing notice reaches the webhook: note when, kill the worker before it hears the
    // answer (it cannot mark the delivery sent), then answer. A new worker must finish the job.
    let firstFiringAt: number | undefined;
    let killed: Promise<void> | undefined;
    hook.onRequest = async (req) => {
      if (req.body.kind !== 'firing' || killed) return 200;
      firstFiringAt = sim!.clock.now();
      killed = first.kill('SIGKILL').then(() => void start());
      await killed;
      return 200;
    };

    const kindsOf = () => ({
      webhook: distinct(
        hook!.received.map((r) => ({ kind: String(r.body.kind), key: String(r.headers['idempotency-key']) })),
      ),
      email: distinct(
        smtp!.received.map((m) => ({
          kind: /^\[tagpulse\] Resolved/.test(m.headers.subject ?? '') ? 'resolved' : 'firing',
          key: m.headers['message-id'] ?? '',
        })),
      ),
    });
    await waitFor(
      'a resolved notice on both channels',
      async () => kindsOf().webhook.resolved === 1 && kindsOf().email.resolved === 1,
      240_000,
    );
    // Anything else a (re)started worker might still send.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(kindsOf()).toEqual({ webhook: { firing: 1, resolved: 1 }, email: { firing: 1, resolved: 1 } });
    // Within one poll interval (in X time) of the first spiking bucket closing.
    expect(firstFiringAt).toBeDefined();
    expect(firstFiringAt!).toBeLessThanOrEqual(FIRST_BUCKET_CLOSES + POLL_INTERVAL_MS * SPEED);
    // The webhook notice interrupted by the kill went again, under the same key, and is marked sent.
    const firing = hook.received.filter((r) => r.body.kind === 'firing');
    expect(firing.length).toBeGreaterThanOrEqual(1);
    const [alert] = await alertsRepository.listAlerts(t.db, { limit: 10, kind: 'spike' });
    expect(alert?.status).toBe('resolved');
    expect(alert?.started_at.toISOString()).toBe('2024-03-02T12:00:00.000Z');
    const deliveries = await deliveriesRepository.forAlerts(t.db, [alert!.id]);
    expect(deliveries.map((d) => [d.kind, d.channel_key.split(':')[0], d.status]).sort()).toEqual([
      ['alert-firing', 'email', 'sent'],
      ['alert-firing', 'webhook', 'sent'],
      ['alert-resolved', 'email', 'sent'],
      ['alert-resolved', 'webhook', 'sent'],
    ]);
    // The notice explains itself.
    const body = firing[0]!.body;
    expect(body.observed as number).toBeGreaterThan(body.expected as number);
    expect(body.band).toMatchObject({ lower: expect.any(Number), upper: expect.any(Number) });
    expect((body.top_posts as unknown[]).length).toBeGreaterThan(0);
    expect((body.top_authors as unknown[]).length).toBeGreaterThan(0);
    expect(String(body.link)).toContain('/v1/series?hashtag=SpikeTag&metric=posts&interval=5m');
  }, 300_000);
});

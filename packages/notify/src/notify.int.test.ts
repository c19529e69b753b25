import {
  type SmtpReceiver,
  startSmtpReceiver,
  startWebhookReceiver,
  type WebhookReceiver,
} from '@tagpulse/testkit/notify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.js';
import { channelKey, createDeliverer } from './deliver.js';
import { DeliveryError } from './message.js';
import { webhookBody } from './webhook.js';

const message = {
  subject: 'Spike in #SpikeTag',
  text: '205 posts in 5 minutes, expected 5 (band 0 to 14)',
  json: { kind: 'firing', observed: 205 },
  idempotencyKey: 'k-123',
};

// The receivers of these tests listen on 127.0.0.1, which webhooks reach only when allowed.
const LOCAL = { allowPrivate: true, allowHosts: [] };

let hook: WebhookReceiver;
let smtp: SmtpReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver();
  smtp = await startSmtpReceiver();
});
afterAll(async () => {
  await hook.close();
  await smtp.close();
});

describe('delivery', () => {
  it('posts JSON with the idempotency key in header and body', async () => {
    const d = createDeliverer({ from: 'tagpulse@localhost', timeoutMs: 2_000, webhooks: LOCAL });
    await d.deliver({ type: 'webhook', url: hook.url }, message);
    expect(hook.received.at(-1)?.headers['idempotency-key']).toBe('k-123');
    expect(hook.received.at(-1)?.body).toEqual({ idempotency_key: 'k-123', kind: 'firing', observed: 205 });
  });

  it('gives Slack webhooks a Slack body', () => {
    expect(webhookBody('https://hooks.slack.com/services/T/B/X', message)).toEqual({
      text: '*Spike in #SpikeTag*\n205 posts in 5 minutes, expected 5 (band 0 to 14)',
    });
  });

  it('mails over SMTP with a Message-ID from the idempotency key', async () => {
    const d = createDeliverer({
      smtpUrl: smtp.url,
      from: 'tagpulse@localhost',
      timeoutMs: 2_000,
      webhooks: LOCAL,
    });
    await d.deliver({ type: 'email', to: ['comms@example.org'] }, message);
    d.close();
    expect(smtp.received.at(-1)?.to).toEqual(['comms@example.org']);
    expect(smtp.received.at(-1)?.headers['message-id']).toBe('<k-123@tagpulse>');
    expect(smtp.received.at(-1)?.headers.subject).toBe('Spike in #SpikeTag');
  });

  it('fails retryably on an unreachable webhook or SMTP server, permanently on a 4xx', async () => {
    const d = createDeliverer({
      smtpUrl: 'smtp://127.0.0.1:1',
      from: 'x@localhost',
      timeoutMs: 1_000,
      webhooks: LOCAL,
    });
    await expect(d.deliver({ type: 'webhook', url: 'http://127.0.0.1:1/x' }, message)).rejects.toMatchObject({
      permanent: false,
    });
    await expect(d.deliver({ type: 'email', to: ['a@b.c'] }, message)).rejects.toBeInstanceOf(DeliveryError);
    hook.onRequest = () => 404;
    await expect(d.deliver({ type: 'webhook', url: hook.url }, message)).rejects.toMatchObject({
      permanent: true,
    });
    hook.onRequest = undefined;
    d.close();
  });

  it('backs off exponentially with a cap, and keys channels stably', () => {
    expect(retryDelayMs(1, () => 0.5)).toBe(5_000);
    expect(retryDelayMs(3, () => 0.5)).toBe(20_000);
    expect(retryDelayMs(50, () => 0.5)).toBe(900_000);
    expect(channelKey({ type: 'email', to: ['B@x.org', 'a@x.org'] })).toBe('email:a@x.org,b@x.org');
  });
});

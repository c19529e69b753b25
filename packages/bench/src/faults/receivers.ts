import { startSmtpReceiver, startWebhookReceiver } from '@tagpulse/testkit/notify';
import libmime from 'libmime';

/** A notice as it reached a channel: which channel, which kind, and its idempotency key. */
export interface Notice {
  channel: 'webhook' | 'email';
  kind: string;
  key: string;
}

export interface Receivers {
  webhookUrl: string;
  smtpUrl: string;
  /** Every notice received, retries included. */
  received: Notice[];
  /** Called before a webhook request is answered; the answer waits for it (a kill mid-delivery). */
  onWebhook: ((notice: Notice) => Promise<void>) | undefined;
  close(): Promise<void>;
}

/**
 * The two channels' far ends, the tests' webhook receiver and SMTP sink, with each message read
 * as a notice. The worker delivers to them over real sockets, as in production.
 */
export async function startReceivers(): Promise<Receivers> {
  const [webhook, smtp] = await Promise.all([startWebhookReceiver(), startSmtpReceiver()]);
  const receivers: Receivers = {
    webhookUrl: webhook.url,
    smtpUrl: smtp.url,
    received: [],
    onWebhook: undefined,
    close: async () => {
      await Promise.all([webhook.close(), smtp.close()]);
    },
  };
  webhook.onRequest = async ({ headers, body }) => {
    const notice: Notice = {
      channel: 'webhook',
      kind: String(body.kind),
      key: String(headers['idempotency-key'] ?? ''),
    };
    receivers.received.push(notice);
    await receivers.onWebhook?.(notice);
    return 200;
  };
  smtp.onMessage = (mail) => {
    receivers.received.push(mailNotice(mail.headers));
  };
  return receivers;
}

/** An alert e-mail's kind by its subject's headline (the worker's alerts/render.ts). */
const MAIL_KINDS: [RegExp, string][] = [
  [/^\[tagpulse\] Spike:/i, 'firing'],
  [/^\[tagpulse\] Still spiking:/i, 'repeat'],
  [/^\[tagpulse\] Resolved:/i, 'resolved'],
  [/^\[tagpulse\] Capture stalled:/i, 'stalled'],
  [/^\[tagpulse\] Capture back:/i, 'recovered'],
];

function mailNotice(headers: Record<string, string>): Notice {
  // A subject with a non-ASCII character (the firing one's dash) arrives as RFC 2047 encoded words.
  const subject = libmime.decodeWords(headers.subject ?? '');
  const kind = MAIL_KINDS.find(([headline]) => headline.test(subject))?.[1] ?? 'unreadable';
  return { channel: 'email', kind, key: headers['message-id'] ?? '' };
}

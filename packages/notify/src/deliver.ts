import type { Channel } from '@tagpulse/core';
import type { WebhookPolicy } from './address-policy.js';
import { createMailer, type Mailer, type SmtpOptions } from './email.js';
import { DeliveryError, type Message } from './message.js';
import { sendWebhook } from './webhook.js';

export interface DelivererOptions {
  /** SMTP server for e-mail channels; e-mail fails (and retries) without it. */
  smtpUrl?: string | undefined;
  from: string;
  /** A webhook attempt's deadline, whole (lookup to status line); each SMTP step's (see sendDeadlineMs). */
  timeoutMs: number;
  /** Which addresses webhooks may reach; no default, so a test's local receiver is an explicit choice. */
  webhooks: WebhookPolicy;
  smtp?: SmtpOptions | undefined;
}

export interface Deliverer {
  deliver(channel: Channel, message: Message): Promise<void>;
  close(): void;
}

/** A stable key per channel: the ledger's unique (message, channel). */
export function channelKey(channel: Channel): string {
  return channel.type === 'webhook'
    ? `webhook:${channel.url}`
    : `email:${[...channel.to]
        .map((a) => a.toLowerCase())
        .sort()
        .join(',')}`;
}

export function createDeliverer(options: DelivererOptions): Deliverer {
  let mailer: Mailer | undefined;
  return {
    async deliver(channel, message) {
      if (channel.type === 'webhook')
        return sendWebhook(channel.url, message, options.timeoutMs, options.webhooks);
      if (!options.smtpUrl) throw new DeliveryError('no SMTP server configured (SMTP_URL)');
      mailer ??= createMailer(options.smtpUrl, options.from, options.timeoutMs, options.smtp);
      return mailer.send(channel.to, message);
    },
    close: () => mailer?.close(),
  };
}

import nodemailer from 'nodemailer';
import { DeliveryError, type Message } from './message.js';

export interface Mailer {
  send(to: string[], message: Message): Promise<void>;
  close(): void;
}

/**
 * E-mail over SMTP (nodemailer; `smtp://user:pass@host:port`, `smtps://` for
 * TLS). The Message-ID is derived from the idempotency key, so a message sent
 * twice after a crash is recognisably the same message.
 */
export function createMailer(smtpUrl: string, from: string, timeoutMs: number): Mailer {
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 25),
    secure: url.protocol === 'smtps:',
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send(to, message) {
      try {
        await transport.sendMail({
          from,
          to,
          subject: message.subject,
          text: message.text,
          ...(message.html === undefined ? {} : { html: message.html }),
          ...(message.attachments === undefined ? {} : { attachments: message.attachments }),
          messageId: `<${message.idempotencyKey}@tagpulse>`,
          headers: { 'X-Idempotency-Key': message.idempotencyKey },
        });
      } catch (err) {
        const e = err as Error & { responseCode?: number };
        // 5xx SMTP replies (bad address, refused) will not get better; the rest may.
        throw new DeliveryError(`smtp: ${e.message}`, (e.responseCode ?? 0) >= 500);
      }
    },
    close: () => transport.close(),
  };
}

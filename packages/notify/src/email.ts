import nodemailer from 'nodemailer';
import { DeliveryError, type Message } from './message.js';

export interface SmtpOptions {
  /**
   * Lets `smtp://` log in without STARTTLS. Off: credentials in an `smtp://` URL require TLS
   * (`requireTLS`), so a server or a man in the middle that drops STARTTLS gets no password.
   */
  allowInsecureAuth: boolean;
}

/**
 * How long one e-mail may take, whole: a few steps' timeouts and some slack for a busy host. The
 * delivery lease must be longer, so a live sender is never overtaken by a second one.
 */
export function sendDeadlineMs(timeoutMs: number): number {
  return 2 * timeoutMs + 3_000;
}

export interface Mailer {
  send(to: string[], message: Message): Promise<void>;
  close(): void;
}

/**
 * E-mail over SMTP (nodemailer; `smtp://user:pass@host:port`, `smtps://` for
 * TLS). The Message-ID is derived from the idempotency key, so a message sent
 * twice after a crash is recognisably the same message. `timeoutMs` bounds
 * each step (connecting, the greeting, each silence), and
 * {@link sendDeadlineMs} the send whole: a server that answers a line at a
 * time cannot hold a delivery past its lease.
 */
export function createMailer(
  smtpUrl: string,
  from: string,
  timeoutMs: number,
  options: SmtpOptions = { allowInsecureAuth: false },
): Mailer {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 25),
    secure,
    requireTLS: !secure && url.username !== '' && !options.allowInsecureAuth,
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send(to, message) {
      const deadlineMs = sendDeadlineMs(timeoutMs);
      const deadline = AbortSignal.timeout(deadlineMs);
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
          // Aborting closes the connection: a message past its deadline is not finished later.
          signal: deadline,
        });
      } catch (err) {
        if (deadline.aborted) throw new DeliveryError(`smtp: not sent within ${deadlineMs} ms`);
        const e = err as Error & { responseCode?: number };
        // 5xx SMTP replies (bad address, refused) will not get better; the rest may.
        throw new DeliveryError(`smtp: ${e.message}`, (e.responseCode ?? 0) >= 500);
      }
    },
    close: () => transport.close(),
  };
}

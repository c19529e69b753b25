import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Called with each request before it is answered; the answer waits for its promise. */
  onRequest: ((req: ReceivedRequest) => Promise<number | undefined> | number | undefined) | undefined;
  close(): Promise<void>;
}

/** A local HTTP server that records every POST and answers 200 (or what `onRequest` says). */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    onRequest: undefined,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') };
      receiver.received.push(entry);
      void Promise.resolve(receiver.onRequest?.(entry)).then((status) => {
        res.statusCode = status ?? 200;
        res.end('ok');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

export interface ReceivedMail {
  to: string[];
  headers: Record<string, string>;
  raw: string;
}

export interface SmtpReceiver {
  url: string;
  /** Every message accepted, in order. */
  received: ReceivedMail[];
  /**
   * Called with each message before it is answered; the answer waits for its promise, and a
   * rejection refuses the message (the sender sees an error, `received` does not keep it).
   */
  onMessage: ((mail: ReceivedMail) => Promise<void> | void) | undefined;
  close(): Promise<void>;
}

/** Headers of a raw RFC 5322 message, lower-cased names, folded lines unfolded. */
function headersOf(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/**
 * A local SMTP server (no TLS, no auth) that records every message: on `port`, or any free port.
 * The one SMTP sink of the tests and benchmarks.
 */
export async function startSmtpReceiver(port = 0): Promise<SmtpReceiver> {
  const receiver: SmtpReceiver = { url: '', received: [], onMessage: undefined, close: async () => {} };
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // A sender killed mid-message leaves its connection open: close does not wait 30 s for it.
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        const mail = { to: session.envelope.rcptTo.map((r) => r.address), headers: headersOf(raw), raw };
        Promise.resolve(receiver.onMessage?.(mail)).then(
          () => {
            receiver.received.push(mail);
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  receiver.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

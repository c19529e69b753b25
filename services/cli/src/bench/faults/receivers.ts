import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
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
 * The two channels' far ends, as plain servers: an HTTP endpoint recording
 * each POST (answered 200) and a minimal SMTP sink recording each message.
 * The worker delivers to them over real sockets, as in production.
 */
export async function startReceivers(): Promise<Receivers> {
  const receivers: Receivers = {
    webhookUrl: '',
    smtpUrl: '',
    received: [],
    onWebhook: undefined,
    close: async () => {},
  };
  const http = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let kind = 'unreadable';
      try {
        kind = String((JSON.parse(Buffer.concat(chunks).toString()) as { kind?: unknown }).kind);
      } catch {}
      const notice: Notice = { channel: 'webhook', kind, key: String(req.headers['idempotency-key'] ?? '') };
      receivers.received.push(notice);
      void Promise.resolve(receivers.onWebhook?.(notice)).finally(() => {
        res.statusCode = 200;
        res.end('ok');
      });
    });
  });
  const smtp = createTcpServer((socket) =>
    smtpSession(socket, (raw) => receivers.received.push(mailNotice(raw))),
  );
  const sockets = new Set<Socket>();
  smtp.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  receivers.webhookUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/hook`;
  receivers.smtpUrl = `smtp://127.0.0.1:${(smtp.address() as { port: number }).port}`;
  receivers.close = async () => {
    http.closeAllConnections();
    for (const s of sockets) s.destroy();
    await Promise.all([
      new Promise((resolve) => http.close(resolve)),
      new Promise((resolve) => smtp.close(resolve)),
    ]);
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

function mailNotice(raw: string): Notice {
  const head = (raw.split(/\r?\n\r?\n/, 1)[0] ?? '').replace(/\r?\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  // A subject with a non-ASCII character (the firing one's dash) arrives as RFC 2047 encoded words.
  const subject = libmime.decodeWords(header('subject'));
  const kind = MAIL_KINDS.find(([headline]) => headline.test(subject))?.[1] ?? 'unreadable';
  return { channel: 'email', kind, key: header('message-id') };
}

/** Just enough SMTP for nodemailer without TLS or auth: greet, accept, collect DATA. */
function smtpSession(socket: Socket, onMessage: (raw: string) => void): void {
  let buffer = '';
  let inData = false;
  socket.write('220 tagpulse-faults ESMTP\r\n');
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (;;) {
      if (inData) {
        const end = buffer.indexOf('\r\n.\r\n');
        if (end < 0) return;
        onMessage(buffer.slice(0, end).replace(/^\.\./gm, '.'));
        buffer = buffer.slice(end + 5);
        inData = false;
        socket.write('250 OK queued\r\n');
        continue;
      }
      const eol = buffer.indexOf('\r\n');
      if (eol < 0) return;
      const line = buffer.slice(0, eol);
      buffer = buffer.slice(eol + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') socket.write('250-tagpulse-faults\r\n250 8BITMIME\r\n');
      else if (verb === 'DATA') {
        inData = true;
        socket.write('354 end with <CRLF>.<CRLF>\r\n');
      } else if (verb === 'QUIT') socket.end('221 bye\r\n');
      else socket.write('250 OK\r\n');
    }
  });
  socket.on('error', () => {});
}

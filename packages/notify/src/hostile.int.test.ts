import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { startWebhookReceiver, type WebhookReceiver } from '@tagpulse/testkit/notify';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress } from './address-policy.js';
import { createDeliverer } from './deliver.js';
import { webhookBody } from './webhook.js';

// What an admin key (or X, through a post's text) can put in front of the worker.
const message = {
  subject: 'Spike in #SpikeTag',
  text: '- @mallory: <!channel> <https://evil.example|Reset password> & more',
  json: { kind: 'firing' },
  idempotencyKey: 'k-hostile',
};
const PUBLIC_ONLY = { allowPrivate: false, allowHosts: [] };
const LOCAL = { allowPrivate: true, allowHosts: [] };

let hook: WebhookReceiver;
const servers: (Server | TcpServer | SMTPServer)[] = [];
beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook.close();
  for (const s of servers) {
    if (s instanceof SMTPServer) await new Promise<void>((resolve) => s.close(() => resolve()));
    else {
      if ('closeAllConnections' in s) s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }
});

async function listen<S extends Server | TcpServer>(server: S): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('webhooks against server-side request forgery', () => {
  it('refuses loopback, private, link-local and metadata addresses by default, literal or by name', async () => {
    const d = createDeliverer({ from: 'x@localhost', timeoutMs: 2_000, webhooks: PUBLIC_ONLY });
    const port = new URL(hook.url).port;
    for (const url of [
      hook.url,
      `http://localhost:${port}/hook`,
      `http://[::1]:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
      `http://0.0.0.0:${port}/hook`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3/',
      'http://192.168.0.1/',
    ])
      await expect(d.deliver({ type: 'webhook', url }, message), url).rejects.toMatchObject({
        permanent: true,
        message: expect.stringMatching(/^webhook refused: /),
      });
    expect(hook.received).toHaveLength(0);
  });

  it('reaches private addresses with WEBHOOK_ALLOW_PRIVATE, or of the hosts WEBHOOK_ALLOW_HOSTS lists', async () => {
    const port = new URL(hook.url).port;
    const listed = createDeliverer({
      from: 'x@localhost',
      timeoutMs: 2_000,
      webhooks: { allowPrivate: false, allowHosts: ['LOCALHOST'] },
    });
    await listed.deliver({ type: 'webhook', url: `http://localhost:${port}/hook` }, message);
    await expect(listed.deliver({ type: 'webhook', url: hook.url }, message)).rejects.toThrow(/refused/);
    await createDeliverer({ from: 'x@localhost', timeoutMs: 2_000, webhooks: LOCAL }).deliver(
      { type: 'webhook', url: hook.url },
      message,
    );
    expect(hook.received).toHaveLength(2);
  });

  it('classifies addresses', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '172.32.0.1'])
      expect(isPublicAddress(a), a).toBe(true);
    for (const a of ['127.0.0.1', '172.16.5.4', '100.64.0.1', 'fd00:ec2::254', 'fe80::1', '::', 'not-an-ip'])
      expect(isPublicAddress(a), a).toBe(false);
  });

  it('never follows a redirect: a 307 to an internal address is a permanent failure', async () => {
    const inner = await startWebhookReceiver();
    const port = await listen(
      createServer((req, res) => {
        req.resume();
        res.writeHead(307, { location: inner.url }).end();
      }),
    );
    const d = createDeliverer({ from: 'x@localhost', timeoutMs: 2_000, webhooks: LOCAL });
    await expect(
      d.deliver({ type: 'webhook', url: `http://127.0.0.1:${port}/` }, message),
    ).rejects.toMatchObject({
      permanent: true,
      message: 'webhook answered 307 (redirects are not followed)',
    });
    expect(inner.received).toHaveLength(0);
    await inner.close();
  });

  it('reads the status, not the body: an endless answer is neither waited for nor buffered', async () => {
    let written = 0;
    let closed!: () => void;
    const done = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const port = await listen(
      createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain' });
        const pump = () => {
          let more = true;
          while (more && !res.destroyed) {
            more = res.write(chunk);
            written += chunk.length;
          }
        };
        res.on('drain', pump);
        res.on('close', closed);
        pump();
      }),
    );
    // A deadline far past the test's own: done means the status was enough, not that time ran out.
    const d = createDeliverer({ from: 'x@localhost', timeoutMs: 60_000, webhooks: LOCAL });
    await d.deliver({ type: 'webhook', url: `http://127.0.0.1:${port}/` }, message);
    await done;
    // Only what the sockets' buffers took before the worker hung up.
    expect(written).toBeLessThan(16 * 1024 * 1024);
  }, 10_000);
});

describe('Slack bodies', () => {
  it('escape &, < and > so text from X can neither mention people nor disguise a link', () => {
    const body = webhookBody('https://hooks.slack.com/services/T/B/X', message) as { text: string };
    expect(body.text).toBe(
      '*Spike in #SpikeTag*\n- @mallory: &lt;!channel&gt; &lt;https://evil.example|Reset password&gt; &amp; more',
    );
    expect(body.text).not.toMatch(/<|>/);
  });
});

describe('SMTP', () => {
  it('refuses to send credentials over smtp:// without STARTTLS, unless allowed', async () => {
    const logins: string[] = [];
    const server = new SMTPServer({
      secure: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        logins.push(`${auth.username}:${auth.password}`);
        callback(null, { user: auth.username });
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `smtp://mailer:pw-SECRET@127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    const strict = createDeliverer({ smtpUrl: url, from: 'x@localhost', timeoutMs: 2_000, webhooks: LOCAL });
    await expect(strict.deliver({ type: 'email', to: ['a@example.org'] }, message)).rejects.toThrow(/smtp:/);
    strict.close();
    expect(logins).toEqual([]);
    const relaxed = createDeliverer({
      smtpUrl: url,
      from: 'x@localhost',
      timeoutMs: 2_000,
      webhooks: LOCAL,
      smtp: { allowInsecureAuth: true },
    });
    await relaxed.deliver({ type: 'email', to: ['a@example.org'] }, message);
    relaxed.close();
    expect(logins).toEqual(['mailer:pw-SECRET']);
  });

  it('gives a send one deadline, whole: a server answering a line at a time cannot hold it', async () => {
    const port = await listen(
      createTcpServer((socket) => {
        socket.on('error', () => {});
        socket.write('220 slow ESMTP\r\n');
        socket.once('data', () => {
          // EHLO: an answer of endless continuation lines, each well within the idle timeout.
          const t = setInterval(() => socket.write('250-still here\r\n'), 200);
          socket.on('close', () => clearInterval(t));
        });
      }),
    );
    const d = createDeliverer({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      from: 'x@localhost',
      timeoutMs: 1_000,
      webhooks: LOCAL,
    });
    await expect(d.deliver({ type: 'email', to: ['a@example.org'] }, message)).rejects.toMatchObject({
      permanent: false,
      message: 'smtp: not sent within 5000 ms',
    });
    d.close();
  }, 12_000);
});

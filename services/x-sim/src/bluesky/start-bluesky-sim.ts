import http from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import type { SimClock } from '../clock.js';
import { listen } from '../server/http-server.js';
import type { World } from '../world/world.js';
import { BlueskyWorld } from './bluesky-world.js';
import { type BlueskyTruthPost, blueskyTruth } from './truth.js';
import { jetstreamEvent } from './views.js';
import { type BlueskyAccount, Xrpc } from './xrpc.js';

/** Bluesky's AppView limit per client address: 3000 requests per 5 minutes. */
export const BLUESKY_RATE_LIMIT = 3_000;
const RATE_WINDOW_MS = 5 * 60_000;
/** How much history the Jetstream keeps to replay from a cursor (public instances: about a day). */
export const JETSTREAM_REPLAY_WINDOW_MS = 24 * 3_600_000;
/** The app-password account of the simulated PDS unless another is given. */
export const SIM_BLUESKY_ACCOUNT: BlueskyAccount = {
  handle: 'tagpulse.bsky.social',
  password: 'sim-app-password',
};
/** Wall milliseconds between two sends of a stream; at most this much simulated time per send. */
const TICK_MS = 50;
const MAX_SEND_SPAN_US = 10 * 60_000_000;
const JSON_TYPE = 'application/json; charset=utf-8';

export interface BlueskySimOptions {
  world: World;
  clock: SimClock;
  /** XRPC requests per 5 simulated minutes, read per request (a test may tighten it for a while). Default {@link BLUESKY_RATE_LIMIT}. */
  rateLimit?: number;
  /** Simulated ms of history the Jetstream replays. Default {@link JETSTREAM_REPLAY_WINDOW_MS}. */
  replayWindowMs?: number;
  /** Spans (simulated epoch ms) in which the Jetstream drops its streams and refuses new ones (503). */
  jetstreamDown?: { from: number; to: number }[];
  account?: BlueskyAccount;
  onResponse?: (r: { url: URL; status: number }) => void;
  host?: string;
  port?: number;
}

export interface BlueskySim {
  /** XRPC service (PDS and AppView in one): `${url}/xrpc/…`; the truth at `${url}/__sim/truth/posts`. */
  url: string;
  /** The Jetstream: `${jetstreamUrl}/subscribe`. */
  jetstreamUrl: string;
  account: BlueskyAccount;
  truth(range: { hashtag: string; startMs: number; endMs: number; now: number }): BlueskyTruthPost[];
  /** Streams open now (a test waits for a reader to connect). */
  streams(): number;
  /** Drops every open stream, as a Jetstream restart does. */
  disconnectAll(): void;
  close(): Promise<void>;
}

/**
 * Starts Bluesky over x-sim's world on one port: XRPC (`/xrpc/<nsid>`), the
 * Jetstream (`/subscribe`, WebSocket: commit events of `app.bsky.feed.post`,
 * `time_us` cursors replayed within a bounded window, outages that drop
 * streams), rate limits with their `ratelimit-*` headers and 429s, and the
 * ground truth under `/__sim/`.
 */
export async function startBlueskySim(options: BlueskySimOptions): Promise<BlueskySim> {
  const spec = options.world.scenario.bluesky;
  if (!spec) throw new Error(`scenario ${options.world.scenario.name} has no Bluesky section`);
  const b = new BlueskyWorld(options.world, spec);
  const account = options.account ?? SIM_BLUESKY_ACCOUNT;
  const xrpc = new Xrpc(b, account);
  const replayMs = options.replayWindowMs ?? JETSTREAM_REPLAY_WINDOW_MS;
  const window = { start: Number.NEGATIVE_INFINITY, used: 0 };
  const isDown = (now: number) => options.jetstreamDown?.some((d) => d.from <= now && now < d.to) ?? false;

  const server = http.createServer((req, res) => {
    const now = options.clock.now();
    const url = new URL(req.url ?? '/', 'http://sim');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': JSON_TYPE, ...headers });
      res.end(JSON.stringify(body));
      options.onResponse?.({ url, status });
    };
    if (url.pathname === '/__sim/truth/posts') {
      const n = (k: string) => Date.parse(url.searchParams.get(k) ?? '');
      const hashtag = url.searchParams.get('hashtag');
      if (!hashtag || Number.isNaN(n('start')) || Number.isNaN(n('end')))
        return send(400, { error: 'hashtag, start and end (ISO) are required' });
      return send(200, { data: blueskyTruth(b, { hashtag, startMs: n('start'), endMs: n('end'), now }) });
    }
    const route = /^\/xrpc\/([a-zA-Z0-9.]+)$/.exec(url.pathname);
    if (!route?.[1]) return send(404, { error: 'NotFound', message: `no such route: ${url.pathname}` });
    if (now >= window.start + RATE_WINDOW_MS) {
      window.start = now - (now % RATE_WINDOW_MS);
      window.used = 0;
    }
    window.used++;
    const limit = options.rateLimit ?? BLUESKY_RATE_LIMIT;
    const rate = {
      'ratelimit-limit': String(limit),
      'ratelimit-remaining': String(Math.max(0, limit - window.used)),
      'ratelimit-reset': String(Math.ceil((window.start + RATE_WINDOW_MS) / 1_000)),
      'ratelimit-policy': `${limit};w=${RATE_WINDOW_MS / 1_000}`,
    };
    if (window.used > limit)
      return send(429, { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' }, rate);
    const nsid = route[1];
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      if (req.method === 'POST' && chunks.length > 0) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(400, { error: 'InvalidRequest', message: 'Request body is not JSON' }, rate);
        }
      }
      const answer = xrpc.answer(
        req.method ?? 'GET',
        nsid,
        url.searchParams,
        body,
        bearer,
        options.clock.now(),
      );
      send(answer.status, answer.body, rate);
    });
  });

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname !== '/subscribe' || isDown(options.clock.now())) {
      const status = url.pathname !== '/subscribe' ? '404 Not Found' : '503 Service Unavailable';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => stream(ws, url));
  });

  /** One subscriber: replays from its cursor (bounded by the window), then follows the clock. */
  function stream(ws: WebSocket, url: URL): void {
    sockets.add(ws);
    const wanted = url.searchParams.getAll('wantedCollections');
    const posts =
      wanted.length === 0 ||
      wanted.some((c) => c === 'app.bsky.feed.post' || c === 'app.bsky.feed.*' || c === 'app.bsky.*');
    const nowUs = options.clock.now() * 1_000;
    const cursorText = url.searchParams.get('cursor');
    const cursor = cursorText !== null && /^[0-9]{1,17}$/.test(cursorText) ? Number(cursorText) : undefined;
    // Events at or after the cursor; older than the window the Jetstream replays from its oldest event.
    let sentUs =
      cursor === undefined || cursor > nowUs ? nowUs : Math.max(cursor - 1, nowUs - replayMs * 1_000);
    const timer = setInterval(() => {
      const now = options.clock.now();
      if (isDown(now)) return ws.terminate();
      if (ws.bufferedAmount > 1 << 20) return;
      const toUs = Math.min(now * 1_000, sentUs + MAX_SEND_SPAN_US);
      if (toUs <= sentUs) return;
      if (posts) for (const e of b.eventsIn(sentUs, toUs)) ws.send(JSON.stringify(jetstreamEvent(b, e)));
      sentUs = toUs;
    }, TICK_MS);
    ws.on('close', () => {
      clearInterval(timer);
      sockets.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  }

  const host = options.host ?? '127.0.0.1';
  const url = await listen(server, options.port ?? 0, host);
  return {
    url,
    jetstreamUrl: url.replace(/^http/, 'ws'),
    account,
    truth: (range) => blueskyTruth(b, range),
    streams: () => sockets.size,
    disconnectAll: () => {
      for (const ws of sockets) ws.terminate();
    },
    close: async () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

import http from 'node:http';
import type { SimClock } from '../clock.js';
import { listen } from '../server/http-server.js';
import type { World } from '../world/world.js';
import { statusJson } from './entities.js';
import { MastodonWorld } from './mastodon-world.js';
import { type MastodonTruthPost, mastodonTruth } from './truth.js';

/** Mastodon's default: 300 requests per 5 minutes, per client address for reads without a token. */
export const MASTODON_RATE_LIMIT = 300;
const RATE_WINDOW_MS = 5 * 60_000;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 40;
const JSON_TYPE = 'application/json; charset=utf-8';

export interface MastodonSimOptions {
  /** x-sim's world and clock: the same posts and the same now as the X API beside it. */
  world: World;
  clock: SimClock;
  /** Requests per 5 simulated minutes per instance, read per request (a bench lowers it for a while). Default {@link MASTODON_RATE_LIMIT}. */
  rateLimit?: number;
  /** Spans (simulated epoch ms) in which an instance is down: its proxy answers 502 with an HTML page. Read per request. */
  down?: { domain: string; from: number; to: number }[];
  /** Called with every response, as x-sim's `onResponse`. */
  onResponse?: (r: { domain: string; url: URL; status: number }) => void;
  host?: string;
}

export interface MastodonSim {
  /** Each instance of the scenario, served on its own port. */
  instances: { domain: string; url: string }[];
  /** Every status carrying the hashtag created in [startMs, endMs), as it stands at `now`. */
  truth(range: { hashtag: string; startMs: number; endMs: number; now: number }): MastodonTruthPost[];
  close(): Promise<void>;
}

/**
 * Starts Mastodon instances over x-sim's world, one HTTP server each: the hashtag
 * timeline (`GET /api/v1/timelines/tag/:hashtag`: `max_id`, `since_id`, `min_id`,
 * `limit` ≤ 40, `any[]`, a `Link` header), and a status by local id
 * (`GET /api/v1/statuses/:id`, 404 once deleted), with Mastodon's rate-limit
 * headers and 429, and an instance's outage.
 */
export async function startMastodonSim(options: MastodonSimOptions): Promise<MastodonSim> {
  const spec = options.world.scenario.mastodon;
  if (!spec) throw new Error(`scenario ${options.world.scenario.name} has no Mastodon section`);
  const m = new MastodonWorld(options.world, spec);
  const servers = spec.instances.map((domain, instance) => {
    const windows = { start: Number.NEGATIVE_INFINITY, used: 0 };
    return http.createServer((req, res) => {
      const now = options.clock.now();
      const url = new URL(req.url ?? '/', 'http://sim');
      const send = (status: number, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': JSON_TYPE, ...headers });
        res.end(body);
        options.onResponse?.({ domain, url, status });
      };
      if (options.down?.some((d) => d.domain === domain && d.from <= now && now < d.to)) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        options.onResponse?.({ domain, url, status: 502 });
        return;
      }
      if (now >= windows.start + RATE_WINDOW_MS) {
        windows.start = now - (now % RATE_WINDOW_MS);
        windows.used = 0;
      }
      windows.used++;
      const limit = options.rateLimit ?? MASTODON_RATE_LIMIT;
      const rate = {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - windows.used)),
        'x-ratelimit-reset': new Date(windows.start + RATE_WINDOW_MS).toISOString(),
      };
      if (windows.used > limit) return send(429, JSON.stringify({ error: 'Too many requests' }), rate);
      const tagRoute = /^\/api\/v1\/timelines\/tag\/([^/]+)$/.exec(url.pathname);
      const statusRoute = /^\/api\/v1\/statuses\/([^/]+)$/.exec(url.pathname);
      if (req.method !== 'GET' || (!tagRoute && !statusRoute)) {
        return send(404, JSON.stringify({ error: 'Record not found' }), rate);
      }
      if (statusRoute) {
        const status = m.statusByLocalId(decodeURIComponent(statusRoute[1] ?? ''), instance);
        const seen = status && (status.arrivals.get(instance) ?? Number.POSITIVE_INFINITY) <= now;
        const deleted = status?.post.deletedMs != null && status.post.deletedMs <= now;
        if (!status || !seen || deleted)
          return send(404, JSON.stringify({ error: 'Record not found' }), rate);
        return send(200, JSON.stringify(statusJson(m, status, instance, now)), rate);
      }
      const q = url.searchParams;
      const asked = q.get('limit');
      const pageSize = asked === null ? DEFAULT_LIMIT : Number.parseInt(asked, 10);
      const ids = ['max_id', 'since_id', 'min_id'].map((k) => q.get(k));
      if (
        !Number.isInteger(pageSize) ||
        pageSize < 1 ||
        ids.some((id) => id !== null && !/^[0-9]{1,20}$/.test(id))
      ) {
        return send(422, JSON.stringify({ error: 'Validation failed: limit or an id is not valid' }), rate);
      }
      const [maxId, sinceId, minId] = ids.map((id) => (id === null ? undefined : BigInt(id)));
      const tags = [decodeURIComponent(tagRoute?.[1] ?? ''), ...q.getAll('any[]')];
      const size = Math.min(pageSize, MAX_LIMIT);
      // min_id reads the page just above it (oldest first, shown newest first); since_id the newest.
      const ascending = minId !== undefined;
      const aboveId = minId ?? sinceId;
      const merged = new Map<bigint, ReturnType<MastodonWorld['timeline']>[number]>();
      for (const tag of tags) {
        for (const row of m.timeline(instance, {
          tag,
          aboveId,
          belowId: maxId,
          limit: size,
          ascending,
          now,
        })) {
          merged.set(row.id, row);
        }
      }
      const rows = [...merged.values()]
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * (ascending ? 1 : -1))
        .slice(0, size)
        .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const headers: Record<string, string> = { ...rate };
      if (rows.length > 0) {
        const base = `http://${req.headers.host}${url.pathname}`;
        const extra = q
          .getAll('any[]')
          .map((t) => `&any[]=${encodeURIComponent(t)}`)
          .join('');
        const newest = rows[0]?.id.toString();
        const oldest = rows.at(-1)?.id.toString();
        headers.link = `<${base}?limit=${size}${extra}&max_id=${oldest}>; rel="next", <${base}?limit=${size}${extra}&min_id=${newest}>; rel="prev"`;
      }
      return send(200, JSON.stringify(rows.map((r) => statusJson(m, r.status, instance, now))), headers);
    });
  });
  const host = options.host ?? '127.0.0.1';
  const urls = await Promise.all(servers.map((s) => listen(s, 0, host)));
  return {
    instances: spec.instances.map((domain, i) => ({ domain, url: urls[i] ?? '' })),
    truth: (range) => mastodonTruth(m, range),
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve, reject) => {
              s.close((err) => (err ? reject(err) : resolve()));
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

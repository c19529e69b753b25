import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where the page's own files live; every file in it is served under /dashboard/, index.html at /. */
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

function asset(body: Buffer, file: string, cacheControl: string): Asset {
  const type = TYPES[extname(file)];
  if (!type) throw new Error(`dashboard: no content type for ${file}`);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, type, etag, cacheControl };
}

/**
 * The page's files, read once at start-up: they are a few tens of kilobytes, and
 * reading them per request would only add latency. uPlot comes from its npm package
 * as published (no bundler), pinned by the lockfile, so it may be cached for a day;
 * the page's own files are revalidated on each load (ETag) so a deploy shows at once.
 */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of readdirSync(PUBLIC_DIR)) {
    if (file.endsWith('.test.ts')) continue;
    const body = readFileSync(join(PUBLIC_DIR, file));
    const url = file === 'index.html' ? '/' : `/dashboard/${file}`;
    assets.set(url, asset(body, file, 'no-cache'));
  }
  const require = createRequire(import.meta.url);
  for (const [url, spec] of [
    ['/dashboard/vendor/uPlot.iife.min.js', 'uplot/dist/uPlot.iife.min.js'],
    ['/dashboard/vendor/uPlot.min.css', 'uplot/dist/uPlot.min.css'],
  ] as const) {
    const file = require.resolve(spec);
    assets.set(url, asset(readFileSync(file), file, 'public, max-age=86400'));
  }
  return assets;
}

/**
 * helmet's default policy less `upgrade-insecure-requests`: the dashboard is served over plain
 * HTTP on localhost and inside a compose network, where that directive would make the browser
 * fetch the page's own scripts over HTTPS and fail. Scripts stay `'self'` files, never inline.
 */
const DASHBOARD_HELMET = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      'upgrade-insecure-requests': null,
      'connect-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", "'unsafe-inline'"],
    },
  },
};

function send(assets: Map<string, Asset>, url: string) {
  const found = assets.get(url);
  if (!found) throw new Error(`dashboard: no asset ${url}`);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('etag', found.etag).header('cache-control', found.cacheControl).type(found.type);
    if (request.headers['if-none-match'] === found.etag) return reply.status(304).send();
    return reply.send(found.body);
  };
}

/**
 * The dashboard: a static page at `/` and its files under `/dashboard/`. The page
 * itself needs no key (it holds no data); it asks for one and sends it with every
 * call to /v1, where the usual authentication applies.
 */
export function dashboardRoutes(app: FastifyInstance): void {
  const assets = loadAssets();
  for (const url of assets.keys()) {
    app.get(
      url,
      // Static files are free to serve and load together: no per-address budget for them.
      { config: { rateLimit: false }, schema: { hide: true }, helmet: DASHBOARD_HELMET },
      send(assets, url),
    );
  }
}

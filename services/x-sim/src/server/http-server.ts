import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiContext } from '../api/context.js';
import { countsAll, countsRecent } from '../api/counts.js';
import { lookupTweets } from '../api/lookup.js';
import {
  ApiError,
  clientForbidden,
  creditsDepleted,
  internalError,
  notFound,
  serviceUnavailable,
  tooManyRequests,
  unauthorized,
  usageCapped,
} from '../api/problems.js';
import { type ApiResult, searchAll, searchRecent } from '../api/search.js';
import { usageTweets } from '../api/usage.js';
import type { SimClock } from '../clock.js';
import type { Endpoint, PerSecondPacer, RateLimiter, RateState, UsageMeter } from './access.js';
import type { BillingLedger } from './billing.js';
import type { FaultInjector } from './faults.js';
import { simRoute } from './sim-routes.js';

type Handler = (deps: ServerDeps, query: URLSearchParams, now: number) => ApiResult;

const ROUTES: Record<string, { endpoint: Endpoint; handle: Handler }> = {
  '/2/tweets/search/recent': { endpoint: 'search', handle: (d, q, now) => searchRecent(d.api, q, now) },
  '/2/tweets/counts/recent': { endpoint: 'counts', handle: (d, q, now) => countsRecent(d.api, q, now) },
  '/2/tweets/search/all': { endpoint: 'searchAll', handle: (d, q, now) => searchAll(d.api, q, now) },
  '/2/tweets/counts/all': { endpoint: 'countsAll', handle: (d, q, now) => countsAll(d.api, q, now) },
  '/2/tweets': { endpoint: 'lookup', handle: (d, q, now) => lookupTweets(d.api, q, now) },
  '/2/usage/tweets': {
    endpoint: 'usage',
    handle: (d, q, now) => usageTweets({ meter: d.usage, projectId: d.accountId }, q, now),
  },
};

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json';

export interface ServerDeps {
  api: ApiContext;
  clock: SimClock;
  limiter: RateLimiter;
  /** Full-archive search's one request per second. */
  pacer: PerSecondPacer;
  usage: UsageMeter;
  /** Pay-per-use charges; undefined on the plans, which are not metered. */
  billing: BillingLedger | undefined;
  faults: FaultInjector;
  /** Only this bearer token is accepted; any non-empty one when undefined. */
  bearerToken: string | undefined;
  /** The account id shown in usage-cap bodies. */
  accountId: string;
  product: string;
  onResponse?: ResponseObserver;
  /** Told of a failure inside x-sim itself (the client gets a bare 500, never the stack). */
  onError?: (err: unknown) => void;
}

/** Sees every answer x-sim gives (the whole body, even when a fault cuts it short on the wire). */
export type ResponseObserver = (response: {
  method: string;
  url: URL;
  status: number;
  headers: Record<string, string>;
  body: string;
}) => void;

/** The HTTP server: /2/ is the X API, /__sim/ the ground truth. Errors never leak a stack trace. */
export function createSimServer(deps: ServerDeps): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x-sim');
    if (deps.onResponse) observe(res, req.method ?? 'GET', url, deps.onResponse);
    if (url.pathname.startsWith('/__sim/')) {
      readBody(req)
        .then((body) => {
          const reply = simRoute(deps, req.method ?? 'GET', url, body);
          send(res, reply.status, JSON.stringify(reply.body), JSON_TYPE);
        })
        .catch((err: unknown) => {
          deps.onError?.(err);
          send(res, 500, JSON.stringify({ error: 'internal error' }), JSON_TYPE);
        });
      return;
    }
    serveApi(deps, req, res, url).catch((err: unknown) => {
      deps.onError?.(err);
      if (!res.headersSent) sendError(res, internalError(), {});
    });
  });
}

async function serveApi(deps: ServerDeps, req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
  const auth = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
  const token = auth?.[1];
  if (!token || (deps.bearerToken !== undefined && token !== deps.bearerToken)) {
    sendError(res, unauthorized(), {});
    return;
  }
  const route = req.method === 'GET' ? ROUTES[url.pathname] : undefined;
  const { slow, fault } = deps.faults.next();
  if (slow) await new Promise((resolve) => setTimeout(resolve, deps.faults.slowMs));
  if (fault === 'drop') {
    req.socket.destroy();
    return;
  }
  const now = deps.clock.now();
  if (!route) {
    sendError(res, notFound(), {});
    return;
  }
  if (fault === 'unavailable') {
    sendError(res, serviceUnavailable(), rateHeaders(deps.limiter.peek(token, route.endpoint, now)));
    return;
  }
  if (!deps.limiter.serves(route.endpoint)) {
    sendError(res, clientForbidden(), {});
    return;
  }
  const refused = deps.billing?.refusal(now);
  if (refused) {
    sendError(
      res,
      creditsDepleted(deps.accountId),
      rateHeaders(deps.limiter.peek(token, route.endpoint, now)),
    );
    return;
  }
  // The monthly cap answers 429 while the 15-minute window still has room (X-API.md §3).
  if (route.endpoint !== 'counts' && route.endpoint !== 'countsAll' && deps.usage.exceeded(token, now)) {
    sendError(
      res,
      usageCapped(deps.accountId, deps.product),
      rateHeaders(deps.limiter.peek(token, route.endpoint, now)),
    );
    return;
  }
  if (route.endpoint === 'searchAll') {
    const paced = deps.pacer.take(token, now);
    if (paced) {
      sendError(res, tooManyRequests(), rateHeaders(paced));
      return;
    }
  }
  const rate = deps.limiter.take(token, route.endpoint, now);
  if (!rate.allowed) {
    sendError(res, tooManyRequests(), rateHeaders(rate));
    return;
  }
  let result: ApiResult;
  try {
    result = route.handle(deps, url.searchParams, now);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    sendError(res, err, rateHeaders(rate));
    return;
  }
  // Pay-per-use meters the posts it bills (once per UTC day); the plans, every post returned.
  const billed = deps.billing?.bill(token, url.pathname, result.reads, now);
  deps.usage.add(token, billed ?? result.postsRead, now);
  const body = result.json;
  if (fault === 'truncate') {
    sendTruncated(res, body, rateHeaders(rate));
    return;
  }
  send(res, 200, body, JSON_TYPE, rateHeaders(rate));
}

const bodies = new WeakMap<http.ServerResponse, string>();

function observe(res: http.ServerResponse, method: string, url: URL, observer: ResponseObserver) {
  res.on('finish', () => report());
  res.on('close', () => report());
  let reported = false;
  const report = () => {
    const body = bodies.get(res);
    if (reported || body === undefined) return;
    reported = true;
    const headers = Object.fromEntries(Object.entries(res.getHeaders()).map(([k, v]) => [k, String(v)]));
    observer({ method, url, status: res.statusCode, headers, body });
  };
}

function rateHeaders(rate: RateState): Record<string, string> {
  return {
    'x-rate-limit-limit': String(rate.limit),
    'x-rate-limit-remaining': String(rate.remaining),
    'x-rate-limit-reset': String(rate.reset),
  };
}

function sendError(res: http.ServerResponse, err: ApiError, headers: Record<string, string>) {
  // X's 5xx and 402 bodies come as plain JSON; its other 4xx problems as problem+json.
  const type = err.status >= 500 || err.status === 402 ? JSON_TYPE : PROBLEM_TYPE;
  send(res, err.status, JSON.stringify(err.body), type, headers);
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  type: string,
  headers: Record<string, string> = {},
) {
  bodies.set(res, body);
  res.writeHead(status, { ...headers, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Announces the whole body, sends half of it, and cuts the connection. */
function sendTruncated(res: http.ServerResponse, body: string, headers: Record<string, string>) {
  const bytes = Buffer.from(body);
  bodies.set(res, body);
  res.writeHead(200, { ...headers, 'content-type': JSON_TYPE, 'content-length': bytes.length });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function listen(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

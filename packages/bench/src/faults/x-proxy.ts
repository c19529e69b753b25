import { createServer, request } from 'node:http';

/**
 * What the proxy does to X API requests (`/2/…`) while a fault is on. x-sim's
 * own fault options are drawn per request at a fixed rate for the whole run;
 * these are phases with a start and an end, as outages are.
 * - `malformed`: 200 with a JSON content type and a body that is not JSON, or
 *   JSON of the wrong shape (alternately);
 * - `rate-limited`: 429 Too Many Requests with the window spent until `resetAt` (x-sim time);
 * - `usage-capped`: 429 UsageCapExceeded (remaining > 0), as X answers once the
 *   monthly cap is used up, until the operator's plan allows more.
 */
export type ProxyFault =
  | { kind: 'malformed' }
  | { kind: 'rate-limited'; resetAt: number }
  | { kind: 'usage-capped' };

export interface XProxy {
  url: string;
  fault: ProxyFault | undefined;
  /** `/2/` requests seen, and how many of them the fault answered. */
  requests: number;
  faulted: number;
  close(): Promise<void>;
}

/** Forwards everything to x-sim (ground truth and its clock included), except what a fault answers. */
export async function startXProxy(target: string, simNow: () => number): Promise<XProxy> {
  const upstream = new URL(target);
  let malformedCount = 0;
  const proxy: XProxy = { url: '', fault: undefined, requests: 0, faulted: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const isX = req.url?.startsWith('/2/') ?? false;
    if (isX) proxy.requests++;
    const fault = isX ? proxy.fault : undefined;
    if (fault) {
      proxy.faulted++;
      req.resume();
      if (fault.kind === 'malformed') {
        // Both halves of "malformed": broken syntax, and well-formed JSON X would never send.
        const body =
          malformedCount++ % 2 === 0
            ? '{"data":[{"id":"1","text":"#SpikeTag"},{"id":'
            : '{"data":"not a list","meta":{"result_count":"many","newest_id":42}}';
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(body);
        return;
      }
      const limitHeaders = (remaining: number, reset: number) => ({
        'x-rate-limit-limit': '450',
        'x-rate-limit-remaining': String(remaining),
        'x-rate-limit-reset': String(Math.ceil(reset / 1000)),
      });
      if (fault.kind === 'rate-limited') {
        res.writeHead(429, { 'content-type': 'application/problem+json', ...limitHeaders(0, fault.resetAt) });
        res.end(
          JSON.stringify({
            title: 'Too Many Requests',
            type: 'about:blank',
            status: 429,
            detail: 'Too Many Requests',
          }),
        );
        return;
      }
      res.writeHead(429, {
        'content-type': 'application/problem+json',
        ...limitHeaders(400, simNow() + 900_000),
      });
      res.end(
        JSON.stringify({
          account_id: '1000001',
          product_name: 'Pro',
          title: 'UsageCapExceeded',
          period: 'Monthly',
          scope: 'Product',
          detail: 'Usage cap exceeded: Monthly product cap',
          type: 'https://api.twitter.com/2/problems/usage-capped',
        }),
      );
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        // A fresh connection each time: a pooled one x-sim closed while idle would fail as ECONNRESET,
        // a fault of the proxy's own rather than one under test.
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        // x-sim cutting a body short must reach the worker as a cut body, not a stalled one.
        up.on('aborted', () => res.destroy());
        up.on('error', () => res.destroy());
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

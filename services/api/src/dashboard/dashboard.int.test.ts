import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const get = (url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url, headers });

describe('the dashboard route', () => {
  it('serves the page at / without a key, its scripts as files under a policy that allows only them', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<script src="/dashboard/app.js" type="module"></script>');
    expect(res.body).not.toMatch(/<script>|<script type="module">/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    // Over plain HTTP (localhost, a compose network) this would send the page's files to https.
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('serves uPlot from its npm package and the page modules, revalidated by ETag', async () => {
    const uplot = await get('/dashboard/vendor/uPlot.iife.min.js');
    expect(uplot.statusCode).toBe(200);
    expect(uplot.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(uplot.headers['cache-control']).toBe('public, max-age=86400');
    expect(uplot.body).toContain('uPlot');
    expect((await get('/dashboard/vendor/uPlot.min.css')).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );

    const app = await get('/dashboard/app.js');
    expect(app.statusCode).toBe(200);
    expect(app.headers['cache-control']).toBe('no-cache');
    const again = await get('/dashboard/app.js', { 'if-none-match': String(app.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('leaves the data behind the key and unknown files unserved', async () => {
    expect((await get('/v1/hashtags')).statusCode).toBe(401);
    expect((await get('/dashboard/../package.json')).statusCode).toBe(404);
    expect((await get('/dashboard/nothing.js')).statusCode).toBe(404);
  });
});

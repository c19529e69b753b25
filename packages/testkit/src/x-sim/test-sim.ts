import { createXClient } from '@tagpulse/x-client';
import { type Charge, type Sim, type SimOptions, startSim, type TruthPost } from '@tagpulse/x-sim';
import { afterEach, expect } from 'vitest';
import { truthPosts } from '../truth.js';
import { specErrors } from './openapi.js';

export const TEST_TOKEN = 'x-sim-test-token';

type XClient = ReturnType<typeof createXClient>;

/** A real twitter-api-v2 client (as x-client builds it) pointed at a sim. */
export function simClient(url: string, token = TEST_TOKEN): XClient {
  return createXClient(token, url);
}

export interface TestSim {
  sim: Sim;
  client: XClient;
  /** Bodies served under /2/ that broke the OpenAPI spec; tests expect it empty. */
  violations: string[];
  /** How many /2/ responses were checked against the spec. */
  checked: () => number;
  truthPosts(hashtag: string, query?: Record<string, string>): Promise<TruthPost[]>;
  /** Every charge x-sim billed, from `/__sim/billing`. */
  billing(): Promise<{ data: Charge[]; total_usd: number }>;
  close(): Promise<void>;
}

/**
 * Starts x-sim on a free port with every /2/ response body validated against
 * the X OpenAPI spec of its dialect, and a real twitter-api-v2 client pointed at it.
 */
export async function startTestSim(options: SimOptions): Promise<TestSim> {
  const violations: string[] = [];
  let checked = 0;
  const sim = await startSim({
    ...options,
    onResponse: ({ url, status, headers, body }) => {
      if (!url.pathname.startsWith('/2/')) return;
      checked++;
      const path = status === 404 ? '/2/tweets' : url.pathname;
      const type = headers['content-type'] ?? '';
      for (const error of specErrors(path, status, type, JSON.parse(body), options.dialect)) {
        violations.push(`${status} ${url.pathname}: ${error}`);
      }
    },
  });
  return {
    sim,
    client: simClient(sim.url, options.bearerToken ?? TEST_TOKEN),
    violations,
    checked: () => checked,
    truthPosts: (hashtag, query) => truthPosts(sim.url, hashtag, query),
    async billing() {
      return (await (await fetch(`${sim.url}/__sim/billing`)).json()) as {
        data: Charge[];
        total_usd: number;
      };
    },
    close: () => sim.close(),
  };
}

/** GET a /2/ path with the test token, as raw text, bypassing the client (for byte-level checks). */
export async function rawGet(sim: Sim, path: string, token = TEST_TOKEN) {
  const res = await fetch(`${sim.url}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * For files that start a fresh sim in each test: `start` replaces `startTestSim`,
 * and after each test the sim is closed and its bodies must have met the spec.
 */
export function simPerTest(): { start(options: SimOptions): Promise<TestSim> } {
  let current: TestSim | undefined;
  afterEach(async () => {
    const sim = current;
    current = undefined;
    if (!sim) return;
    await sim.close();
    expect(sim.violations).toEqual([]);
  });
  return {
    async start(options) {
      current = await startTestSim(options);
      return current;
    },
  };
}

/** What the twitter-api-v2 client rejects with on an HTTP error (ApiResponseError), as tests read it. */
export interface ClientError {
  code: number;
  data: Record<string, unknown> & { title?: string; errors?: { message: string }[] };
  headers: Record<string, string>;
  rateLimit?: { limit: number; remaining: number; reset: number };
  rateLimitError: boolean;
}

/** The error a client call fails with; the test fails if the call succeeds. */
export function errorOf(promise: Promise<unknown>): Promise<ClientError> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (err: ClientError) => err,
  );
}

import http from 'node:http';
import { createSimCore, searchRecent, startSim } from '@tagpulse/x-sim';

export interface SimBenchResult {
  rows: Record<string, string | number>[];
  figures: Record<string, string | number>;
}

export interface SimBenchOptions {
  /** In-process page builds to average over. */
  iterations?: number;
  /** Wall time of each HTTP load phase. */
  httpMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

const QUERY = new URLSearchParams({
  query: '(#SteadyTag OR #OtherTag)',
  max_results: '100',
  expansions: 'author_id,referenced_tweets.id,referenced_tweets.id.author_id,attachments.media_keys',
  'tweet.fields':
    'created_at,author_id,public_metrics,entities,referenced_tweets,lang,conversation_id,attachments',
  'user.fields': 'username,public_metrics,verified,created_at',
  'media.fields': 'url,width,height,type',
});
const UNLIMITED = 1_000_000_000;

/**
 * `tagpulse bench sim`: what x-sim costs to serve, on the `steady` scenario
 * (60 posts a minute) with a frozen clock two days in.
 *
 * - CPU of one 100-post page with expansions (query, scan, projection,
 *   includes, JSON text), against the baseline of `JSON.stringify` of the same
 *   page as a parsed object: what a server that builds the body as objects pays
 *   for serialising alone. x-sim gets under it by caching the serialised static
 *   parts of each post and user (only metrics and edit state are re-serialised).
 * - Generation cost per post, for slices not yet in the cache.
 * - Pages/s and posts/s over HTTP with keep-alive, against a static server
 *   (same process, same bodies, precomputed) as the baseline of what Node's
 *   HTTP stack does alone. Load client and servers share this one process.
 */
export async function benchSim({
  iterations = 2_000,
  httpMs = 3_000,
  concurrency = 8,
}: SimBenchOptions = {}): Promise<SimBenchResult> {
  const start = '2024-01-03T00:00:00Z';
  const { world, clock, api } = createSimCore({ scenario: 'steady', seed: 1, speed: 0, start });
  const now = clock.now();

  const sample = JSON.parse(searchRecent(api, QUERY, now).json) as { data?: unknown[] };
  const posts = sample.data?.length ?? 0;
  const pageCpuUs = cpuMicros(iterations, () => searchRecent(api, QUERY, now));
  const stringifyCpuUs = cpuMicros(iterations, () => JSON.stringify(sample));

  const genSlices = 200;
  let generated = 0;
  const from = world.sliceOf(Date.parse('2024-01-05T00:00:00Z'));
  const genCpuUs = cpuMicros(1, () => {
    for (let s = from; s < from + genSlices; s++) generated += world.versionsWithIdIn(s).length;
  });

  // A whole week through a bounded cache: memory stays flat however far the clock runs.
  const week = createSimCore({ scenario: 'virtual-ct-week-2020', seed: 1, speed: 0 }).world;
  let weekPosts = 0;
  const weekStarted = performance.now();
  for (let s = week.sliceOf(week.window.start); s < week.sliceOf(week.window.end); s++) {
    weekPosts += week.versionsWithIdIn(s).length;
  }
  const weekMs = performance.now() - weekStarted;
  const weekSlices = week.sliceOf(week.window.end) - week.sliceOf(week.window.start);

  const sim = await startSim({
    scenario: 'steady',
    seed: 1,
    speed: 0,
    start,
    rateLimits: { search: UNLIMITED },
    usageCap: UNLIMITED,
  });
  const chain = await pageChain(sim.url, 50);
  const simLoad = await load(sim.url, chain, httpMs, concurrency);
  await sim.close();

  const staticServer = http.createServer((req, res) => {
    const body = chain.bodies.get(req.url ?? '') ?? '{}';
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => staticServer.listen(0, '127.0.0.1', resolve));
  const staticUrl = `http://127.0.0.1:${(staticServer.address() as { port: number }).port}`;
  const staticLoad = await load(staticUrl, chain, httpMs, concurrency);
  await new Promise<void>((resolve) => {
    staticServer.close(() => resolve());
    staticServer.closeAllConnections();
  });

  const figures = {
    page_cpu_us: pageCpuUs,
    stringify_cpu_us: stringifyCpuUs,
    page_vs_stringify: pageCpuUs / stringifyCpuUs,
    gen_us_per_post: genCpuUs / Math.max(1, generated),
    pages_per_s: simLoad.pages,
    posts_per_s: simLoad.posts,
    static_pages_per_s: staticLoad.pages,
    pages_vs_static: simLoad.pages / staticLoad.pages,
    week_posts: weekPosts,
    week_scan_ms: weekMs,
    week_slices_cached: week.cacheSizes().slices,
  };
  const rows = [
    {
      measure: `CPU per ${posts}-post page + expansions (µs)`,
      'x-sim': pageCpuUs,
      baseline: stringifyCpuUs,
      ratio: figures.page_vs_stringify,
      baseline_is: 'JSON.stringify of the page',
    },
    {
      measure: 'generation per new post (µs)',
      'x-sim': figures.gen_us_per_post,
      baseline: '',
      ratio: '',
      baseline_is: '',
    },
    {
      measure: `virtual CT week, ${weekPosts} versions in ${weekSlices} slices (ms)`,
      'x-sim': weekMs,
      baseline: '',
      ratio: '',
      baseline_is: `${figures.week_slices_cached} slices kept in memory`,
    },
    {
      measure: 'pages/s over HTTP',
      'x-sim': simLoad.pages,
      baseline: staticLoad.pages,
      ratio: figures.pages_vs_static,
      baseline_is: 'static server, same bodies',
    },
    {
      measure: 'posts/s over HTTP',
      'x-sim': simLoad.posts,
      baseline: staticLoad.posts,
      ratio: simLoad.posts / staticLoad.posts,
      baseline_is: 'static server, same bodies',
    },
  ];
  return { rows, figures };
}

/** Average CPU (user + system) microseconds per call of `fn`. */
function cpuMicros(iterations: number, fn: () => void): number {
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}

interface Chain {
  paths: string[];
  bodies: Map<string, string>;
  posts: Map<string, number>;
}

/** The first `pages` pages of the bench query, following next_token, with their bodies. */
async function pageChain(baseUrl: string, pages: number): Promise<Chain> {
  const chain: Chain = { paths: [], bodies: new Map(), posts: new Map() };
  let token: string | undefined;
  for (let i = 0; i < pages; i++) {
    const query = new URLSearchParams(QUERY);
    if (token) query.set('next_token', token);
    const path = `/2/tweets/search/recent?${query}`;
    const body = await get(baseUrl, path);
    const parsed = JSON.parse(body) as { data?: unknown[]; meta: { next_token?: string } };
    chain.paths.push(path);
    chain.bodies.set(path, body);
    chain.posts.set(path, parsed.data?.length ?? 0);
    token = parsed.meta.next_token;
    if (!token) break;
  }
  return chain;
}

const agentFor = () => new http.Agent({ keepAlive: true, maxSockets: 64 });

function get(baseUrl: string, path: string, agent?: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${baseUrl}${path}`,
      { agent, headers: { authorization: 'Bearer bench' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

/** Requests the chain's pages round-robin, `concurrency` at a time, for `ms` of wall time. */
async function load(baseUrl: string, chain: Chain, ms: number, concurrency: number) {
  const agent = agentFor();
  const deadline = performance.now() + ms;
  let next = 0;
  let pages = 0;
  let posts = 0;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const path = chain.paths[next++ % chain.paths.length] ?? '';
      await get(baseUrl, path, agent);
      pages++;
      posts += chain.posts.get(path) ?? 0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { pages: pages / seconds, posts: posts / seconds };
}

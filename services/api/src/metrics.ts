import { rollupOutbox } from '@tagpulse/db';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ApiDeps } from './deps.js';
import type { ReplicaLag } from './read-pools.js';

/**
 * Prometheus metrics of one app (a registry per app, so tests can build
 * several): requests, queue depths and job counts, the rate limit left per
 * key, and the roll-up lag. Gauges that read Redis or Postgres are collected
 * at scrape time.
 */
export function registerMetrics(app: FastifyInstance, deps: ApiDeps): Registry {
  const registry = new Registry();
  const requests = new Counter({
    name: 'tagpulse_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tagpulse_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'],
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const remaining = new Gauge({
    name: 'tagpulse_rate_limit_remaining',
    help: 'Requests left in the current rate-limit window, per API key id',
    labelNames: ['key'],
    registers: [registry],
  });
  new Gauge({
    name: 'tagpulse_queue_jobs',
    help: 'BullMQ jobs per queue and state (waiting, active, delayed: the depth; completed, failed: counters kept by BullMQ)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [queue, counts] of Object.entries(await deps.queueCounts())) {
        for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
      }
    },
  });
  new Gauge({
    name: 'tagpulse_rollup_lag_seconds',
    help: 'How long the oldest stored change not yet in the roll-ups has waited (0 when none waits)',
    registers: [registry],
    async collect() {
      this.set(await rollupOutbox.lagSeconds(deps.db));
    },
  });

  if (deps.pools.hasReplica) {
    // One reading per scrape for both gauges.
    let reading: Promise<ReplicaLag | undefined> | undefined;
    const lag = () => {
      reading ??= deps.pools.lag().finally(() => {
        reading = undefined;
      });
      return reading;
    };
    new Gauge({
      name: 'tagpulse_replica_lag_bytes',
      help: 'WAL bytes the primary has written that the read replica has not replayed',
      registers: [registry],
      async collect() {
        this.set((await lag())?.bytes ?? 0);
      },
    });
    new Gauge({
      name: 'tagpulse_replica_lag_seconds',
      help: 'Seconds since the read replica replayed a commit, while it is behind what it received (0 caught up)',
      registers: [registry],
      async collect() {
        this.set((await lag())?.seconds ?? 0);
      },
    });
  }

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: reply.statusCode });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    const left = reply.getHeader('x-ratelimit-remaining');
    if (request.apiKey && left !== undefined) remaining.set({ key: request.apiKey.id }, Number(left));
  });
  return registry;
}

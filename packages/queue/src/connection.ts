import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections differ by role (BullMQ "going to production"): a worker
 * blocks on Redis and must retry forever (`maxRetriesPerRequest: null`); a
 * producer in a request path must fail fast (`enableOfflineQueue: false`) so
 * the API answers 503 instead of hanging while Redis is down.
 */
export type RedisRole = 'worker' | 'producer';

/** One Redis server, or a Redis Cluster through ioredis' cluster client: every caller works on either. */
export type RedisClient = Redis | Cluster;

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  worker: { maxRetriesPerRequest: null },
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
};

// A command to a master that died is retried every `retryDelayOnFailover` ms, at most 16 times
// (ioredis' maxRedirections), while its replica is promoted (cluster-node-timeout plus an election).
// A worker waits through a failover of the default 15 s node timeout; a producer in a request path
// gives up after about 3 s, and the request is a 503.
// The producer's fail-fast is the cluster client's `enableOfflineQueue: false`, not its nodes': the
// cluster connects to a node on its first command, which a node refusing to queue would reject.
const CLUSTER_OPTIONS: Record<RedisRole, ClusterOptions> = {
  worker: {
    retryDelayOnFailover: 1_500,
    retryDelayOnClusterDown: 1_500,
    redisOptions: ROLE_OPTIONS.worker,
  },
  producer: {
    enableOfflineQueue: false,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    redisOptions: { maxRetriesPerRequest: 1 },
  },
};

/** The URLs of `REDIS_URL`: one server, or a cluster's seed nodes separated by commas. */
export function redisNodeUrls(url: string): string[] {
  return url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
}

/**
 * A connection for `role`. With `target` (what services pass from their configuration) it is a
 * Redis Cluster client when `target.cluster` is set or `url` names several nodes (the client
 * discovers the others and follows failovers); without it, one server (what tests use).
 */
export function createRedis(url: string, role: RedisRole, onError: (err: Error) => void): Redis;
export function createRedis(
  url: string,
  role: RedisRole,
  onError: (err: Error) => void,
  target: { cluster: boolean },
): RedisClient;
export function createRedis(
  url: string,
  role: RedisRole,
  onError: (err: Error) => void,
  target?: { cluster: boolean },
): RedisClient {
  const nodes = redisNodeUrls(url);
  if (!target && nodes.length > 1) throw new Error('several Redis nodes are a cluster: pass { cluster }');
  const redis =
    target && (target.cluster || nodes.length > 1)
      ? createCluster(nodes, role)
      : new Redis(nodes[0] ?? url, ROLE_OPTIONS[role]);
  // Without a listener ioredis prints every reconnect failure; route them to the logger.
  redis.on('error', onError);
  return redis;
}

function createCluster(nodes: string[], role: RedisRole): Cluster {
  const first = new URL(nodes[0] ?? 'redis://127.0.0.1:6379');
  // Every node of a cluster shares the credentials and the TLS choice of the first URL.
  const auth: RedisOptions = {
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
    ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  const seeds = nodes.map((node) => {
    const u = new URL(node);
    return { host: u.hostname, port: Number(u.port || 6379) };
  });
  return new Cluster(seeds, {
    ...CLUSTER_OPTIONS[role],
    redisOptions: { ...CLUSTER_OPTIONS[role].redisOptions, ...auth },
  });
}

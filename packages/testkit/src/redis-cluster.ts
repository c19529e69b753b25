import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net.js';
import { waitFor } from './processes/worker-process.js';

const run = promisify(execFile);

/** One `redis-server --cluster-enabled yes` of a {@link TestRedisCluster}. */
export interface ClusterNode {
  port: number;
  child: ChildProcess;
}

/**
 * A Redis Cluster of three masters with a replica each, on spare local ports in a temp dir:
 * Debian's `redis-server` and `redis-cli`, as deployed. A master that dies is replaced by its
 * replica after `nodeTimeoutMs`.
 */
export interface TestRedisCluster {
  /** REDIS_URL for it: every node's URL, comma-separated. */
  url: string;
  nodes: ClusterNode[];
  /** The port of the master serving `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the node on `port` (a crash, not a shutdown), then waits until the cluster is whole again. */
  killMaster(port: number): Promise<void>;
  stop(): Promise<void>;
}

const cli = (port: number, ...args: string[]) =>
  run('redis-cli', ['-p', String(port), ...args]).then((r) => r.stdout.trim());

export async function startRedisCluster({ nodeTimeoutMs = 2_000 } = {}): Promise<TestRedisCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tagpulse-redis-cluster-'));
  const nodes: ClusterNode[] = [];
  const reap = () => {
    for (const n of nodes) n.child.kill('SIGKILL');
  };
  process.once('exit', reap);
  try {
    for (let i = 0; i < 6; i++) {
      // The cluster bus port is given too: port + 10000 (the default) may be past 65535.
      const [port, busPort] = [await freePort(), await freePort()];
      const child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1'],
          ...['--cluster-enabled', 'yes', '--cluster-node-timeout', String(nodeTimeoutMs)],
          ...['--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--dir', dir],
          ...['--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no'],
          ...['--maxmemory-policy', 'noeviction'],
        ],
        { stdio: 'ignore' },
      );
      nodes.push({ port, child });
    }
    for (const n of nodes) {
      await waitFor(
        `redis-server on ${n.port}`,
        () =>
          cli(n.port, 'ping').then(
            (r) => r === 'PONG',
            () => false,
          ),
        10_000,
        50,
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      ...['--cluster-replicas', '1', '--cluster-yes'],
    ]);
    await whole(nodes);
  } catch (err) {
    reap();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const alive = () => nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
  return {
    url: nodes.map((n) => `redis://127.0.0.1:${n.port}`).join(','),
    nodes,
    async masterOf(key) {
      const slot = Number(await cli(alive()[0]!.port, 'cluster', 'keyslot', key));
      for (const line of (await cli(alive()[0]!.port, 'cluster', 'nodes')).split('\n')) {
        const [, address, flags, , , , , , ...ranges] = line.split(' ');
        if (!flags?.includes('master') || flags.split(',').includes('fail')) continue;
        const owns = ranges.some((r) => {
          const [lo, hi = lo] = r.split('-').map(Number);
          return lo !== undefined && hi !== undefined && slot >= lo && slot <= hi;
        });
        if (owns) return Number(address?.split(':')[1]?.split('@')[0]);
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    async killMaster(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no node on ${port}`);
      const exited = new Promise((resolve) => node.child.once('exit', resolve));
      node.child.kill('SIGKILL');
      await exited;
      // Until the others have marked it failed (not only suspected: `fail?`) and its replica serves its slots.
      await whole(alive(), port);
    },
    async stop() {
      const exits = alive().map((n) => new Promise((resolve) => n.child.once('exit', resolve)));
      reap();
      await Promise.all(exits);
      process.off('exit', reap);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Until every live node sees the cluster as ok, its 16384 slots served, and the node on `dead` failed. */
async function whole(nodes: ClusterNode[], dead?: number): Promise<void> {
  await waitFor(
    'the Redis Cluster to be ok',
    async () => {
      for (const n of nodes) {
        const info = await cli(n.port, 'cluster', 'info').catch(() => '');
        if (!info.includes('cluster_state:ok') || !info.includes('cluster_slots_ok:16384')) return false;
        if (dead === undefined) continue;
        const line = (await cli(n.port, 'cluster', 'nodes')).split('\n').find((l) => l.includes(`:${dead}@`));
        if (!line?.split(' ')[2]?.split(',').includes('fail')) return false;
      }
      return true;
    },
    30_000,
    100,
  );
}

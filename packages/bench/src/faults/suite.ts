import { startPrivatePostgres } from '@tagpulse/testkit/private-postgres';
import type { Figure } from '../report.js';
import { FAULTS } from './faults.js';
import { type FaultResult, runFault, type Servers } from './run.js';
import { dropTemplate } from './run-database.js';
import { startPrivateRedis } from './servers.js';

/**
 * Runs the named faults one after another, each on a fresh database and queue
 * prefix, against a PostgreSQL and a Redis of the suite's own (started in a
 * temp dir, so restarting them disturbs nobody else's servers).
 */
export async function runFaultSuite(
  names: string[],
  onResult: (result: FaultResult) => void = () => {},
): Promise<FaultResult[]> {
  const unknown = names.filter((n) => !(n in FAULTS));
  if (unknown.length > 0)
    throw new Error(`unknown fault(s): ${unknown.join(', ')}; known: ${Object.keys(FAULTS).join(', ')}`);
  const postgres = await startPrivatePostgres();
  const redis = await startPrivateRedis().catch(async (err) => {
    await postgres.stop();
    throw err;
  });
  const servers: Servers = { databaseUrl: postgres.url, redisUrl: redis.url, postgres, redis };
  const results: FaultResult[] = [];
  try {
    for (const name of names) {
      const result = await runFault(FAULTS[name]!, servers);
      results.push(result);
      onResult(result);
    }
  } finally {
    await dropTemplate();
    await Promise.all([postgres.stop(), redis.stop()]);
  }
  return results;
}

/** The table's rows and the totals line of `printBench`. */
export function faultTable(results: FaultResult[]): {
  rows: Record<string, Figure>[];
  figures: Record<string, Figure>;
} {
  const rows = results.map((r) => ({
    fault: r.fault,
    posts_expected: r.posts.expected,
    of_them_mastodon: r.posts.mastodon,
    of_them_bluesky: r.posts.bluesky,
    stored: r.posts.stored,
    lost: r.posts.lost,
    duplicated: r.posts.duplicated,
    extra: r.posts.extra,
    notices_expected: r.noticesExpected,
    sent: r.noticesSent,
    recovery_s: Number(r.recoverSeconds.toFixed(1)),
    note: r.note,
  }));
  const total = (of: (r: FaultResult) => number) => results.reduce((sum, r) => sum + of(r), 0);
  return {
    rows,
    figures: {
      lost: total((r) => r.posts.lost),
      duplicated: total((r) => r.posts.duplicated),
      notices_missing: total((r) => r.noticesMissing),
      notices_extra: total((r) => r.noticesExtra),
      posts_extra: total((r) => r.posts.extra),
      faults: results.length,
    },
  };
}

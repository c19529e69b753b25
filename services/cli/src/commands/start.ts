import { parseHashtag, SEED_HASHTAGS } from '@tagpulse/core';
import { createDb, hashtagsRepository } from '@tagpulse/db';
import { migrateToLatest } from '@tagpulse/migrations';
import { loadEnv } from '@tagpulse/runtime';
import { runWorker } from '@tagpulse/worker';
import { startSim } from '@tagpulse/x-sim';
import { Command } from 'commander';
import { ensureServices } from '../services/ensure.js';
import { runCommand } from './run-command.js';

// Without X access, `start` replays the UN Virtual Counter-Terrorism Week on x-sim: 600× is a week in 17 minutes.
const DEMO = { scenario: 'virtual-ct-week-2020', speed: 600 } as const;

export function startCommand(): Command {
  return new Command('start')
    .description('set everything up (PostgreSQL, Redis, schema, seed hashtags) and run the capture worker')
    .action(() =>
      runCommand(async () => {
        const env = loadEnv();
        await ensureServices({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, say: console.log });
        const db = createDb({ url: env.DATABASE_URL, max: 1, applicationName: 'tagpulse-start' });
        try {
          const applied = await migrateToLatest(db);
          console.log(applied.length ? `schema: applied ${applied.join(', ')}` : 'schema: up to date');
          // Seed only an empty list: a hashtag someone removed stays removed.
          if ((await hashtagsRepository.listHashtags(db)).length === 0) {
            for (const tag of SEED_HASHTAGS) {
              const parsed = parseHashtag(tag);
              if (parsed.ok) await hashtagsRepository.addHashtag(db, parsed);
            }
            console.log(`hashtags: tracking ${SEED_HASHTAGS.map((t) => `#${t}`).join(', ')}`);
          }
        } finally {
          await db.destroy();
        }
        if (env.X_BEARER_TOKEN || env.X_API_BASE_URL) {
          await runWorker(env);
          return;
        }
        const sim = await startSim({ ...DEMO, port: 0 });
        console.log(
          `no X_BEARER_TOKEN: capturing from x-sim (${DEMO.scenario} at ${DEMO.speed}×) on ${sim.url}`,
        );
        // Simulated time runs 600× faster: poll, refresh and measure coverage as often in simulated terms.
        const { shutdown } = await runWorker({
          ...env,
          X_API_BASE_URL: sim.url,
          POLL_INTERVAL_MS: Math.min(env.POLL_INTERVAL_MS, 5_000),
          REFRESH_INTERVAL_MS: Math.min(env.REFRESH_INTERVAL_MS, 10_000),
          COVERAGE_INTERVAL_MS: Math.min(env.COVERAGE_INTERVAL_MS, 60_000),
        });
        shutdown.register('close x-sim', () => sim.close());
        // The query API and dashboard arrive with their issues and will start here too.
      }),
    );
}

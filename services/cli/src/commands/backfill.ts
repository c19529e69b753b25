import { backfillProgress, parseBackfillSpec } from '@tagpulse/core';
import { type BackfillRow, backfillsRepository, createDb } from '@tagpulse/db';
import { closeQueues, createQueues, createRedis, nudge } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import { Command } from 'commander';
import { runCommand } from './run-command.js';

/** How long the command waits for a worker's estimate. */
const ESTIMATE_WAIT_MS = 60_000;

const usd = (x: number) => `$${x.toFixed(2)}`;

function estimateLine(b: BackfillRow): string {
  const e = b.estimate;
  if (!e) return 'no estimate yet';
  return `estimate: ${e.posts} posts, ${e.requests} requests, ${usd(e.usd)}, ${e.seconds} s of X time at 1 request/s`;
}

/** `[#####-----] 600/1198 posts  $3.01  ETA 2 s`: posts done of estimated, spend, X time left. */
export function progressBar(b: BackfillRow, width = 30): string {
  const p = backfillProgress(b);
  const filled = Math.round((p.fraction ?? 0) * width);
  const eta = p.etaSeconds === null ? '' : `  ETA ${p.etaSeconds} s`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.postsDone}/${p.postsEstimated ?? '?'} posts  ${usd(b.spent.usd)}${eta}`;
}

export function backfillCommand(): Command {
  return new Command('backfill')
    .description(
      'read past posts of hashtags from X’s full archive: estimated from counts/all first, then paged by a worker',
    )
    .requiredOption('--hashtags <tags...>', 'hashtags, with or without #')
    .requiredOption('--from <instant>', 'ISO 8601 instant with its offset, e.g. 2020-07-06T00:00:00Z')
    .requiredOption('--to <instant>', 'ISO 8601 instant with its offset (exclusive)')
    .option('--max-usd <usd>', 'refuse if the estimate is higher')
    .option('--estimate-only', 'print the estimate, then stop')
    .action(
      (options: { hashtags: string[]; from: string; to: string; maxUsd?: string; estimateOnly?: boolean }) =>
        runCommand(async () => {
          const parsed = parseBackfillSpec({
            hashtags: options.hashtags.flatMap((h) => h.split(',')).filter((h) => h !== ''),
            from: options.from,
            to: options.to,
            maxUsd: options.maxUsd === undefined ? undefined : Number(options.maxUsd),
            estimateOnly: options.estimateOnly === true,
          });
          if (!parsed.ok) throw new Error(`--${parsed.param.replace('_', '-')}: ${parsed.reason}`);
          const env = loadSharedEnv();
          const db = createDb({ url: env.DATABASE_URL, max: 1, applicationName: 'tagpulse-backfill' });
          const redis = createRedis(env.REDIS_URL, 'worker', () => {}, { cluster: env.REDIS_CLUSTER });
          const queues = createQueues(redis, env.QUEUE_PREFIX, () => {});
          try {
            const created = await backfillsRepository.createBackfill(db, parsed.spec);
            await nudge(queues, 'run-backfill', { backfillId: created.id });
            console.log(
              `back-fill ${created.id}: ${parsed.spec.query} from ${parsed.spec.from.toISOString()} to ${parsed.spec.to.toISOString()}`,
            );
            let b = await backfillsRepository.waitWhileEstimating(db, created.id, ESTIMATE_WAIT_MS);
            if (!b || b.status === 'estimating') {
              throw new Error(
                `no worker estimated back-fill ${created.id} within ${ESTIMATE_WAIT_MS / 1000} s: is \`tagpulse worker\` running? It goes on when one starts`,
              );
            }
            if (b.status === 'refused') throw new Error(`back-fill refused: ${b.error}`);
            if (b.status === 'failed') throw new Error(`back-fill failed: ${b.error}`);
            console.log(estimateLine(b));
            if (b.status === 'estimated') return;
            // Ctrl-C stops watching, not the back-fill: the workers carry it on.
            const tty = process.stdout.isTTY === true;
            while (b.status === 'running') {
              if (tty) process.stdout.write(`\r${progressBar(b)}`);
              await new Promise((resolve) => setTimeout(resolve, 1_000));
              b = (await backfillsRepository.getBackfill(db, created.id))!;
            }
            console.log(`${tty ? '\r' : ''}${progressBar(b)}`);
            if (b.status === 'failed') throw new Error(`back-fill failed: ${b.error}`);
            console.log(
              `done: ${b.postsStored} posts stored in ${b.pages} pages, ${usd(b.spent.usd)} spent (${b.spent.postsBilled} posts billed)`,
            );
          } finally {
            await closeQueues(queues);
            await redis.quit();
            await db.destroy();
          }
        }),
    );
}

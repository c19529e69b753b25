import { runCommand } from '@tagpulse/cli/run-command';
import { loadSharedEnv } from '@tagpulse/runtime';
import { Command } from 'commander';
import { benchIngest } from '../ingest.js';
import { printBench } from '../report.js';

export function benchIngestCommand(): Command {
  return new Command('ingest')
    .description(
      "posts stored per second on each network (X, Mastodon, Bluesky) from the simulators' steady world, against COPY of the same rows",
    )
    .option('--posts <n>', 'posts to read and store per network', '20000')
    .action((options: { posts: string }) =>
      runCommand(async () => {
        const posts = Number(options.posts);
        if (!Number.isInteger(posts) || posts < 100)
          throw new Error('--posts must be a whole number of at least 100');
        const { rows, figures } = await benchIngest({ databaseUrl: loadSharedEnv().DATABASE_URL, posts });
        printBench('bench ingest: page store vs COPY, per network', rows, figures);
      }),
    );
}

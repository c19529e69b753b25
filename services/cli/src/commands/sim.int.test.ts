import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `tagpulse sim` and resolves with the base URL it prints. */
async function startCli(args: string[]): Promise<{ url: string; output: () => string }> {
  child = spawn(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', 'sim', ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  for (;;) {
    const url = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
    if (url) return { url, output: () => output };
    if (child.exitCode !== null) throw new Error(`tagpulse sim exited: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('tagpulse sim', () => {
  it('serves the virtual CT week at 600× from its first instant, and stops cleanly on SIGINT', async () => {
    const { url, output } = await startCli([
      '--port',
      '0',
      '--scenario',
      'virtual-ct-week-2020',
      '--speed',
      '600',
    ]);
    const clock = (await (await fetch(`${url}/__sim/clock`)).json()) as {
      now: string;
      speed: number;
      start: string;
    };
    expect(clock).toMatchObject({ speed: 600, start: '2020-07-06T04:00:00.000Z' });
    expect(Date.parse(clock.now)).toBeGreaterThanOrEqual(Date.parse(clock.start));

    // Jump to the closing session and read what a poller would.
    await fetch(`${url}/__sim/clock`, {
      method: 'POST',
      body: JSON.stringify({ now: '2020-07-10T16:30:00Z' }),
    });
    const res = await fetch(
      `${url}/2/tweets/search/recent?query=%23UNiteToCounterTerrorism&max_results=100`,
      {
        headers: { authorization: 'Bearer demo' },
      },
    );
    const body = (await res.json()) as { data: unknown[]; meta: { result_count: number } };
    expect(res.status).toBe(200);
    expect(body.meta.result_count).toBe(100);

    child?.kill('SIGINT');
    const [code] = (await once(child as ChildProcess, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(output()).toContain('shutdown complete');
  });

  it('takes the access level, credits and search index from its flags', async () => {
    const { url } = await startCli([
      '--port',
      '0',
      '--scenario',
      'virtual-ct-week-2020',
      '--speed',
      '0',
      '--start',
      '2020-07-10T16:30:00Z',
      '--credits',
      '0.01',
      '--search-index',
      'legacy',
      '--dialect',
      'post',
    ]);
    const search = (query: string) =>
      fetch(`${url}/2/tweets/search/recent?query=${encodeURIComponent(query)}&max_results=100`, {
        headers: { authorization: 'Bearer demo' },
      });
    const reposts = (await (await search('#UNiteToCounterTerrorism is:retweet')).json()) as {
      data: { edit_history_post_ids: string[] }[];
      meta: { result_count: number };
    };
    expect(reposts.meta.result_count).toBeGreaterThan(2); // more than $0.01 of posts
    expect(reposts.data[0]?.edit_history_post_ids).toHaveLength(1);
    const refused = await search('#UNiteToCounterTerrorism');
    expect(refused.status).toBe(402);
    const billing = (await (await fetch(`${url}/__sim/billing`)).json()) as { total_usd: number };
    expect(billing.total_usd).toBe((reposts.meta.result_count * 5_000) / 1e6);
    child?.kill('SIGINT');
    await once(child as ChildProcess, 'exit');
  });
});

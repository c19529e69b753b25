import type { BlueskyComparison } from '@tagpulse/testkit/bluesky-truth';
import type { BlueskySim } from '@tagpulse/x-sim';
import { expect } from 'vitest';

/** Environment adding the simulated Jetstream and AppView to a worker's; `credentials` enables the catch-up by search. */
export function blueskyEnv(b: BlueskySim, replayMs: number, credentials: boolean): Record<string, string> {
  return {
    BLUESKY_JETSTREAM_URL: b.jetstreamUrl,
    BLUESKY_SERVICE_URL: b.url,
    BLUESKY_REPLAY_WINDOW_SECONDS: String(replayMs / 1_000),
    ...(credentials ? { BLUESKY_HANDLE: b.account.handle, BLUESKY_APP_PASSWORD: b.account.password } : {}),
  };
}

/** Every hashtag exact; at least `atLeast` posts compared, and (`deletions`) some deleted among them. */
export function expectBlueskyExact(
  result: Record<string, BlueskyComparison>,
  atLeast = 50,
  deletions = true,
): void {
  for (const [tag, d] of Object.entries(result))
    expect({ tag, missing: d.missing, extra: d.extra, deletionWrong: d.deletionWrong }).toEqual({
      tag,
      missing: [],
      extra: [],
      deletionWrong: [],
    });
  const all = Object.values(result);
  expect(all.reduce((n, d) => n + d.compared, 0)).toBeGreaterThan(atLeast);
  if (deletions) expect(all.reduce((n, d) => n + d.deleted, 0)).toBeGreaterThan(0);
}

import { type MastodonSim, startBlueskySim, startMastodonSim, startSim } from '@tagpulse/x-sim';
import type { StartEnv } from '../env.js';

// Without any network's credentials, `start` replays the UN Virtual Counter-Terrorism Week: 600× is
// a week in 17 minutes, so a dashboard refresh (30 s) shows five more simulated hours.
const SCENARIO = 'virtual-ct-week-2020';
const REPLAY_SPEED = 600;
/** Bluesky's public Jetstream, read when an app password is given without a Jetstream of its own. */
const PUBLIC_JETSTREAM = 'wss://jetstream2.us-east.bsky.network';

/** The simulators `start` runs for the networks without credentials, over one world and clock. */
export interface DemoSims {
  /** Settings the worker gets on top of the operator's, pointing each simulated network at its simulator. */
  workerEnv: Record<string, string>;
  /** One line per network: where its posts come from. */
  lines: string[];
  close(): Promise<void>;
}

/**
 * Starts a simulator for each network that has no credentials (X: X_BEARER_TOKEN; Mastodon:
 * MASTODON_INSTANCES; Bluesky: BLUESKY_HANDLE and BLUESKY_APP_PASSWORD, or BLUESKY_JETSTREAM_URL,
 * the public Jetstream otherwise). With none at all, the week is replayed at 600× and the worker runs on the simulators' clock; a second start goes on where the
 * first stopped capturing (after the week, the week again). With some network real, the worker
 * keeps real time, so the simulated ones play the week from now at 1×: one clock for everything
 * the worker reads.
 */
export async function startDemoSims(env: StartEnv, lastPollAt: Date | undefined): Promise<DemoSims> {
  const real = {
    x: Boolean(env.X_BEARER_TOKEN || env.X_API_BASE_URL),
    mastodon: env.MASTODON_INSTANCES.length > 0,
    bluesky: Boolean(env.BLUESKY_JETSTREAM_URL || (env.BLUESKY_HANDLE && env.BLUESKY_APP_PASSWORD)),
  };
  const workerEnv: Record<string, string> = {};
  const lines = [
    real.x ? `X: from ${env.X_API_BASE_URL ?? 'the X API'}` : undefined,
    real.mastodon ? `Mastodon: from ${env.MASTODON_INSTANCES.join(', ')}` : undefined,
  ].flatMap((l) => (l ? [l] : []));
  if (real.bluesky) {
    workerEnv.BLUESKY_JETSTREAM_URL = env.BLUESKY_JETSTREAM_URL ?? PUBLIC_JETSTREAM;
    lines.push(`Bluesky: from ${workerEnv.BLUESKY_JETSTREAM_URL} and ${env.BLUESKY_SERVICE_URL}`);
  }
  if (real.x && real.mastodon && real.bluesky) return { workerEnv, lines, close: async () => {} };

  const replay = !real.x && !real.mastodon && !real.bluesky;
  const sim = await startSim({
    scenario: SCENARIO,
    port: 0,
    ...(replay ? { speed: REPLAY_SPEED } : { start: 'now' }),
  });
  if (replay) {
    const { start, end } = sim.world.window;
    const at = lastPollAt?.getTime();
    if (at !== undefined && at >= start && at < end) sim.clock.set(at);
  }
  const closing: (() => Promise<void>)[] = [() => sim.close()];
  const how = replay
    ? `replaying ${SCENARIO} at ${REPLAY_SPEED}× from ${new Date(sim.clock.now()).toISOString()}`
    : `playing ${SCENARIO} from now at 1×`;
  if (replay) {
    Object.assign(workerEnv, {
      X_CLOCK_URL: `${sim.url}/__sim/clock`,
      // Simulated time runs 600× faster: poll, refresh and measure coverage as often in simulated terms.
      POLL_INTERVAL_MS: String(Math.min(env.POLL_INTERVAL_MS, 5_000)),
      REFRESH_INTERVAL_MS: String(Math.min(env.REFRESH_INTERVAL_MS, 10_000)),
      COVERAGE_INTERVAL_MS: String(Math.min(env.COVERAGE_INTERVAL_MS, 60_000)),
    });
  }
  if (!real.x) {
    workerEnv.X_API_BASE_URL = sim.url;
    lines.push(`X: no X_BEARER_TOKEN, so from x-sim ${how}`);
  }
  if (!real.mastodon) {
    const mastodon: MastodonSim = await startMastodonSim({ world: sim.world, clock: sim.clock });
    closing.push(() => mastodon.close());
    workerEnv.MASTODON_INSTANCES = mastodon.instances.map((i) => i.url).join(',');
    lines.push(
      `Mastodon: no MASTODON_INSTANCES, so from ${mastodon.instances.length} simulated instances ${how}`,
    );
  }
  if (!real.bluesky) {
    const bluesky = await startBlueskySim({ world: sim.world, clock: sim.clock });
    closing.push(() => bluesky.close());
    Object.assign(workerEnv, {
      BLUESKY_JETSTREAM_URL: bluesky.jetstreamUrl,
      BLUESKY_SERVICE_URL: bluesky.url,
      BLUESKY_HANDLE: bluesky.account.handle,
      BLUESKY_APP_PASSWORD: bluesky.account.password,
    });
    lines.push(`Bluesky: no BLUESKY_HANDLE, so from a simulated Jetstream and AppView ${how}`);
  }
  return {
    workerEnv,
    lines,
    close: async () => {
      await Promise.all(closing.map((close) => close()));
    },
  };
}

import { ConfigError, type Logger } from '@tagpulse/runtime';

/**
 * The worker's notion of now: X's time. Against the real API that is the
 * system clock; against x-sim it is the simulated clock (a week replayed at
 * 600×), so the 7-day window and refresh ages follow the simulated world.
 */
export interface WorkerClock {
  now(): Date;
  /** Real milliseconds until an instant of this clock (for BullMQ delays); never negative. */
  realMsUntil(instant: Date): number;
  /** Real milliseconds that `ms` of this clock take. */
  realMs(ms: number): number;
  /** Milliseconds of this clock that `realMs` real milliseconds take (a real interval in X time). */
  xMs(realMs: number): number;
  stop(): void;
}

export const systemClock: WorkerClock = {
  now: () => new Date(),
  realMsUntil: (instant) => Math.max(0, instant.getTime() - Date.now()),
  realMs: (ms) => ms,
  xMs: (ms) => ms,
  stop: () => {},
};

interface SimClockBody {
  now: string;
  speed: number;
}

function isSimClockBody(body: unknown): body is SimClockBody {
  const b = body as Partial<SimClockBody> | null;
  return typeof b?.now === 'string' && !Number.isNaN(Date.parse(b.now)) && typeof b.speed === 'number';
}

async function readSimClock(clockUrl: string): Promise<SimClockBody | undefined> {
  try {
    const res = await fetch(clockUrl, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return undefined;
    const body: unknown = await res.json();
    return isSimClockBody(body) ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The clock `clockUrl` serves (X_CLOCK_URL: x-sim's `/__sim/clock`, given by whoever started
 * x-sim), else the system clock. Between readings the simulated time is extrapolated at the
 * simulation's speed; it is read again every `resyncMs` so a jump of the simulated clock (an
 * outage replayed in a test) is followed. A clock asked for and not answering is a
 * misconfiguration: the worker would poll a simulated week with today's date.
 */
export async function createWorkerClock(
  clockUrl: string | undefined,
  log: Logger,
  resyncMs = 1_000,
): Promise<WorkerClock> {
  if (!clockUrl) return systemClock;
  const first = await readSimClock(clockUrl);
  if (!first) throw new ConfigError(`X_CLOCK_URL: no clock answers at ${clockUrl}`);
  let anchorSim = Date.parse(first.now);
  let anchorReal = Date.now();
  let speed = first.speed;
  log.info({ simNow: first.now, speed }, 'following x-sim’s simulated clock');
  const timer = setInterval(() => {
    void readSimClock(clockUrl).then((body) => {
      if (!body) return;
      anchorSim = Date.parse(body.now);
      anchorReal = Date.now();
      speed = body.speed;
    });
  }, resyncMs);
  timer.unref();
  const now = () => new Date(anchorSim + (Date.now() - anchorReal) * speed);
  // A frozen simulation (speed 0) still needs finite waits: treat it as real time.
  const realMs = (ms: number) => Math.max(0, Math.ceil(ms / (speed > 0 ? speed : 1)));
  return {
    now,
    realMs,
    realMsUntil: (instant) => realMs(instant.getTime() - now().getTime()),
    xMs: (ms) => ms * speed,
    stop: () => clearInterval(timer),
  };
}

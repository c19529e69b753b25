/**
 * The simulation's notion of "now". Everything time-dependent in x-sim (the
 * 7-day window, rate-limit resets, searchable delay, metric growth, edits and
 * deletions) reads this clock, never `Date.now()` directly.
 */
export interface SimClock {
  /** Simulated epoch milliseconds. */
  now(): number;
  /** Simulated milliseconds per real millisecond; 0 means frozen (moves only by `set`). */
  readonly speed: number;
  /** The simulated instant the clock started at. */
  readonly start: number;
  /** Jumps to a simulated instant; the clock keeps running from there at the same speed. */
  set(ms: number): void;
}

/**
 * A clock that starts at `start` and runs `speed` times faster than `realNow`.
 * `speed: 1` with `start: Date.now()` is real time.
 */
export function createClock({
  start,
  speed,
  realNow = Date.now,
}: {
  start: number;
  speed: number;
  realNow?: () => number;
}): SimClock {
  if (!(speed >= 0) || !Number.isFinite(speed))
    throw new RangeError(`speed must be a finite number ≥ 0: ${speed}`);
  let anchorSim = start;
  let anchorReal = realNow();
  return {
    speed,
    start,
    now: () => Math.floor(anchorSim + (realNow() - anchorReal) * speed),
    set(ms) {
      anchorSim = ms;
      anchorReal = realNow();
    },
  };
}

/** Real minutes needed for the clock to cover `simMs` of simulated time. */
export function wallMinutes(simMs: number, speed: number): number {
  return simMs / speed / 60_000;
}

import type { WorkerClock } from '../clock.js';

const HOUR_MS = 3_600_000;

/**
 * A real instant (BullMQ fires job schedulers on real time) on the worker's clock, which is X's
 * time: the system clock in production, so the instant itself; x-sim's simulated clock in demos
 * and tests, so the moment of the simulated world the fire happened in. A report's period is
 * derived from this, never from when the job ran.
 */
export function onWorkerClock(clock: WorkerClock, real: Date): Date {
  const speed = HOUR_MS / Math.max(1, clock.realMs(HOUR_MS));
  return new Date(clock.now().getTime() - (Date.now() - real.getTime()) * speed);
}

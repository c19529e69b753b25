import { hashSeed, Random } from '../random.js';

/** Failure rates (0–1) injected into /2/ responses; `slowMs` is the wall-clock delay of a slow one. */
export interface FaultConfig {
  /** Answer 503 Service Unavailable. */
  unavailable?: number;
  /** Answer normally, after `slowMs` of real time. */
  slow?: number;
  slowMs?: number;
  /** Close the connection without answering. */
  drop?: number;
  /** Send the headers and half the body, then close the connection. */
  truncate?: number;
}

export type Fault = 'unavailable' | 'slow' | 'drop' | 'truncate';

const FAULT_KEYS: Record<string, Fault> = {
  '503': 'unavailable',
  slow: 'slow',
  drop: 'drop',
  truncate: 'truncate',
};

/**
 * Parses the CLI form `503=0.1,slow=0.05@2000,drop=0.01,truncate=0.01`
 * (`@ms` gives the slow delay, 2000 by default).
 */
export function parseFaults(spec: string): FaultConfig {
  const config: FaultConfig = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const match = /^(503|slow|drop|truncate)=([0-9.]+)(?:@(\d+))?$/.exec(part.trim());
    const fault = match ? FAULT_KEYS[match[1] ?? ''] : undefined;
    const rate = Number(match?.[2]);
    if (!match || !fault || !(rate >= 0 && rate <= 1)) {
      throw new Error(
        `bad fault "${part}": expected 503|slow|drop|truncate=RATE (0–1), slow=RATE@MS for a delay`,
      );
    }
    config[fault] = rate;
    if (match[3] !== undefined) {
      if (fault !== 'slow') throw new Error(`bad fault "${part}": only slow takes @MS`);
      config.slowMs = Number(match[3]);
    }
  }
  return config;
}

/**
 * Decides each request's faults from a PRNG keyed by (seed, request number), so
 * a run with the same requests in the same order fails the same way.
 */
export class FaultInjector {
  private count = 0;

  constructor(
    private readonly config: FaultConfig,
    private readonly seed: number,
  ) {}

  get slowMs(): number {
    return this.config.slowMs ?? 2_000;
  }

  /** The faults for the next request: at most one of drop/503/truncate, and maybe slow. */
  next(): { slow: boolean; fault: Exclude<Fault, 'slow'> | null } {
    const rng = new Random(hashSeed(this.seed, this.count++, 0xfa));
    const slow = rng.chance(this.config.slow ?? 0);
    for (const fault of ['drop', 'unavailable', 'truncate'] as const) {
      if (rng.chance(this.config[fault] ?? 0)) return { slow, fault };
    }
    return { slow, fault: null };
  }
}

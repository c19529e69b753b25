import { createLogger } from '@tagpulse/runtime';
import { freePort } from '@tagpulse/testkit/net';
import { startSim } from '@tagpulse/x-sim';
import { describe, expect, it } from 'vitest';
import { createWorkerClock, systemClock } from './clock.js';

const log = createLogger({ service: 'clock-test', level: 'silent' });

describe('the worker clock', () => {
  it("follows the clock it is given (x-sim's), and the system clock when given none", async () => {
    const sim = await startSim({ scenario: 'steady', speed: 0, start: '2020-07-06T12:00:00Z', port: 0 });
    try {
      const clock = await createWorkerClock(`${sim.url}/__sim/clock`, log);
      expect(clock.now().toISOString()).toBe('2020-07-06T12:00:00.000Z');
      clock.stop();
      // Pointing at X's API is not enough: the worker no longer looks for a clock there.
      expect(await createWorkerClock(undefined, log)).toBe(systemClock);
    } finally {
      await sim.close();
    }
  });

  it('refuses to start on a clock URL that does not answer', async () => {
    await expect(createWorkerClock(`http://127.0.0.1:${await freePort()}/__sim/clock`, log)).rejects.toThrow(
      /X_CLOCK_URL: no clock answers/,
    );
  });
});

import { simPerTest, startTestSim } from '@tagpulse/testkit/x-sim';
import { describe, expect, it } from 'vitest';
import type { FaultConfig } from './server/faults.js';
import { parseFaults } from './server/faults.js';
import { SHORT_END, shortScenario } from './testing/scenarios.js';

const NOW = SHORT_END + 3_600_000;
const sims = simPerTest();

const withFaults = (faults: FaultConfig | string, seed = 1) =>
  sims.start({ scenario: shortScenario(), seed, speed: 0, start: NOW, faults });

/** twitter-api-v2 tags its errors: `response` (HTTP error), `request` (no answer), `partial-response` (cut body). */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (err: { type?: string; code?: number }) => `${err.type}${err.code ? ` ${err.code}` : ''}`,
  );

describe('fault injection', () => {
  it('answers 503 Service Unavailable as JSON', async () => {
    const sim = await withFaults({ unavailable: 1 });
    await expect(sim.client.v2.search('#AlphaTag')).rejects.toMatchObject({
      code: 503,
      data: { title: 'Service Unavailable', type: 'about:blank', status: 503 },
    });
    expect(sim.checked()).toBe(1);
  });

  it('drops the connection without an answer', async () => {
    const sim = await withFaults({ drop: 1 });
    expect(await failure(sim.client.v2.search('#AlphaTag'))).toBe('request');
  });

  it('cuts the body short after the headers', async () => {
    const sim = await withFaults({ truncate: 1 });
    expect(await failure(sim.client.v2.search('#AlphaTag'))).toBe('partial-response');
  });

  it('delays a slow answer by the configured wall time and then answers normally', async () => {
    const sim = await withFaults('slow=1@150');
    const started = performance.now();
    const page = await sim.client.v2.search('#AlphaTag');
    expect(performance.now() - started).toBeGreaterThanOrEqual(149);
    expect(page.tweets).toHaveLength(10);
  });

  it('fails a given share of requests, the same ones for the same seed', async () => {
    const outcomes = async (seed: number) => {
      const sim = await startTestSim({
        scenario: shortScenario(),
        seed,
        speed: 0,
        start: NOW,
        faults: '503=0.3,drop=0.1',
      });
      const results: string[] = [];
      for (let i = 0; i < 30; i++) results.push(await failure(sim.client.v2.search('#AlphaTag')));
      await sim.close();
      expect(sim.violations).toEqual([]);
      return results;
    };
    const first = await outcomes(5);
    expect(first.filter((r) => r === 'ok').length).toBeGreaterThan(10);
    expect(first).toContain('response 503');
    expect(first).toContain('request');
    expect(await outcomes(5)).toEqual(first);
  });

  it('parses the CLI form and rejects nonsense', () => {
    expect(parseFaults('503=0.1,slow=0.05@2000,drop=0.01,truncate=0.02')).toEqual({
      unavailable: 0.1,
      slow: 0.05,
      slowMs: 2000,
      drop: 0.01,
      truncate: 0.02,
    });
    expect(() => parseFaults('503=2')).toThrow(/bad fault/);
    expect(() => parseFaults('boom=0.1')).toThrow(/bad fault/);
  });
});

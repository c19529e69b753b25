import { ApiContext } from './api/context.js';
import { createClock, type SimClock } from './clock.js';
import { loadScenario } from './scenario/load-scenario.js';
import type { Scenario } from './scenario/scenario-schema.js';
import { shiftScenarioTo } from './scenario/shift-scenario.js';
import {
  ACCESS,
  type Access,
  type Endpoint,
  PerSecondPacer,
  RateLimiter,
  type Tier,
  UsageMeter,
} from './server/access.js';
import { BillingLedger, type BillingOptions } from './server/billing.js';
import { type FaultConfig, FaultInjector, parseFaults } from './server/faults.js';
import { createSimServer, listen, type ResponseObserver } from './server/http-server.js';
import { World } from './world/world.js';

export interface SimOptions {
  /** A built-in scenario name (`virtual-ct-week-2020`, `steady`, `spike`), a .yaml/.json path, or a parsed scenario. */
  scenario: string | Scenario;
  /** Same scenario + same seed = same world. Default 1. */
  seed?: number;
  /** Simulated seconds per real second; 0 freezes the clock (it then moves only by `clock.set` or POST /__sim/clock). Default 1. */
  speed?: number;
  /**
   * Where the clock starts (ISO or epoch ms); default the scenario's window start.
   * `'now'` runs against today: the scenario is moved by whole days so that now falls
   * in its first day, and the clock starts at the real now (with speed 1, real time).
   */
  start?: string | number;
  /**
   * How the project pays X, which sets its endpoints, rate limits, monthly cap
   * and prices: `pay-per-use` (default; metered from credits), `basic`, `pro`,
   * `enterprise`.
   */
  access?: Access;
  /** The legacy name of `access` for `basic` and `pro`; `access` wins when both are given. */
  tier?: Tier;
  /** Overrides of the access level's requests per 15 minutes. */
  rateLimits?: Partial<Record<Endpoint, number>>;
  /** Overrides the access level's monthly post cap. */
  usageCap?: number;
  /** Pay-per-use: prepaid credits in USD (default: never run out). */
  credits?: number;
  /** Pay-per-use: most the account may spend per billing cycle (UTC calendar month), USD. */
  spendingLimit?: number;
  /** Pay-per-use: bill each expanded author (`includes.users`) as a User read ($0.010). Default false. */
  billExpandedUsers?: boolean;
  /** Pay-per-use: bill a search page with no posts as one Post read ($0.005). Default false. */
  billEmptySearch?: boolean;
  /** Failure injection, as an object or the CLI form `503=0.1,slow=0.05@2000,drop=0.01,truncate=0.01`. */
  faults?: FaultConfig | string;
  /** Accept only this bearer token; by default any non-empty bearer token is accepted. */
  bearerToken?: string;
  /** Longest query accepted, in characters. Default 512, X's limit for recent search on self-serve tiers. */
  maxQueryLength?: number;
  /** One-minute slices of posts kept in memory. Default 256. */
  cacheSlices?: number;
  /** Called with every response; tests validate bodies against the OpenAPI spec with it. */
  onResponse?: ResponseObserver;
  /** Told of failures inside x-sim (a bug, not a bad request); the client gets a bare 500. */
  onError?: (err: unknown) => void;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface Sim {
  /** Base URL to give `createXClient(token, url)`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  clock: SimClock;
  world: World;
  close(): Promise<void>;
}

/** Builds the world and the clock from the options, without a server (the bench drives it in-process). */
export function createSimCore(options: SimOptions): { world: World; clock: SimClock; api: ApiContext } {
  const loaded = typeof options.scenario === 'string' ? loadScenario(options.scenario) : options.scenario;
  const realNow = options.start === 'now' ? Date.now() : undefined;
  const scenario = realNow === undefined ? loaded : shiftScenarioTo(loaded, realNow);
  const world = new World(scenario, options.seed ?? 1, { cacheSlices: options.cacheSlices ?? 256 });
  const start =
    realNow ??
    (options.start === undefined
      ? world.window.start
      : typeof options.start === 'number'
        ? options.start
        : Date.parse(options.start));
  if (Number.isNaN(start)) throw new Error(`start must be an ISO instant: ${String(options.start)}`);
  const clock = createClock({ start, speed: options.speed ?? 1 });
  return { world, clock, api: new ApiContext(world, options.maxQueryLength) };
}

/** Starts x-sim: an X API v2 server over a simulated world, with ground truth under /__sim/. */
export async function startSim(options: SimOptions): Promise<Sim> {
  const { world, clock, api } = createSimCore(options);
  const level = ACCESS[options.access ?? options.tier ?? 'pay-per-use'];
  const billing: BillingOptions = {
    credits: options.credits,
    spendingLimit: options.spendingLimit,
    billExpandedUsers: options.billExpandedUsers,
    billEmptySearch: options.billEmptySearch,
  };
  const faults = typeof options.faults === 'string' ? parseFaults(options.faults) : (options.faults ?? {});
  const server = createSimServer({
    api,
    clock,
    limiter: new RateLimiter({ ...level.limits, ...options.rateLimits }),
    pacer: new PerSecondPacer(),
    usage: new UsageMeter(options.usageCap ?? level.usageCap),
    billing: level.metered ? new BillingLedger(billing) : undefined,
    faults: new FaultInjector(faults, world.seed),
    bearerToken: options.bearerToken,
    accountId: String(1_000_000 + world.seed),
    product: level.product,
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const url = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    clock,
    world,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

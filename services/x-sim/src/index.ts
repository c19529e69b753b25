export { benchSim, type SimBenchResult } from './bench.js';
export { createClock, type SimClock, wallMinutes } from './clock.js';
export { BUILTIN_SCENARIOS, loadScenario, parseScenario, ScenarioError } from './scenario/load-scenario.js';
export type { Scenario } from './scenario/scenario-schema.js';
export { type Endpoint, TIERS, type Tier } from './server/access.js';
export { type FaultConfig, parseFaults } from './server/faults.js';
export { createSimCore, type Sim, type SimOptions, startSim } from './start-sim.js';
export type { TruthCount, TruthPost } from './truth.js';
export { World } from './world/world.js';

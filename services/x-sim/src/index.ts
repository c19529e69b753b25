export type { EmptyPage } from './api/context.js';
export { DIALECTS, type Dialect } from './api/dialect.js';
export { searchRecent } from './api/search.js';
export {
  BLUESKY_RATE_LIMIT,
  type BlueskySim,
  type BlueskySimOptions,
  JETSTREAM_REPLAY_WINDOW_MS,
  SIM_BLUESKY_ACCOUNT,
  startBlueskySim,
} from './bluesky/start-bluesky-sim.js';
export type { BlueskyTruthPost } from './bluesky/truth.js';
export type { JetstreamEvent, PostRecord, PostView, ProfileViewDetailed } from './bluesky/views.js';
export { createClock, type SimClock, wallMinutes } from './clock.js';
export type { MastodonAccount, MastodonStatus, MastodonTag } from './mastodon/entities.js';
export {
  MASTODON_RATE_LIMIT,
  type MastodonSim,
  type MastodonSimOptions,
  startMastodonSim,
} from './mastodon/start-mastodon-sim.js';
export type { MastodonTruthPost } from './mastodon/truth.js';
export { BUILTIN_SCENARIOS, loadScenario, parseScenario, ScenarioError } from './scenario/load-scenario.js';
export type { Scenario } from './scenario/scenario-schema.js';
export { ACCESS, type Access, type AccessLevel, type Endpoint, TIERS, type Tier } from './server/access.js';
export { type Charge, PRICES_MICROS, tokenFingerprint } from './server/billing.js';
export { type FaultConfig, parseFaults } from './server/faults.js';
export { createSimCore, type Sim, type SimOptions, startSim } from './start-sim.js';
export type { TruthCount, TruthPost } from './truth.js';
export { SEARCH_INDEXES, type SearchIndex } from './world/search-index.js';
export { World } from './world/world.js';

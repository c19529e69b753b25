export { SPEC_PATHS, specErrors } from './openapi.js';
export {
  type ClientError,
  errorOf,
  rawGet,
  simClient,
  simPerTest,
  startTestSim,
  TEST_TOKEN,
  type TestSim,
} from './test-sim.js';

import { defineConfig } from 'vitest/config';

const intSettings = {
  globalSetup: ['packages/testkit/src/db/global-setup.ts'],
  pool: 'forks' as const,
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

// One run over the whole workspace. Pure tests are `*.test.ts`; tests that talk to
// the real PostgreSQL, Redis or x-sim are `*.int.test.ts`, so either set can run alone
// (`pnpm vitest --project unit`).
//
// Most integration tests wait on sockets, child processes and stepped simulated clocks, not on
// the CPU: two files at once keep both cores busy (vitest's default here would be one).
// A `*.paced.int.test.ts` replays a scenario against x-sim's fast clock (180x) and asserts what
// only a machine that keeps pace can give (every notice on time): those run afterwards, one at a
// time, with the machine to themselves.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{packages,services,migrations}/*/src/**/*.test.ts',
            'migrations/src/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'int',
          include: ['{packages,services}/*/src/**/*.int.test.ts', 'migrations/src/**/*.int.test.ts'],
          exclude: ['**/*.paced.int.test.ts', '**/node_modules/**'],
          maxWorkers: 2,
          ...intSettings,
        },
      },
      {
        test: {
          name: 'paced',
          include: ['{packages,services}/*/src/**/*.paced.int.test.ts'],
          exclude: ['**/node_modules/**'],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          ...intSettings,
        },
      },
    ],
  },
});

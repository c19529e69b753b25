import { defineConfig } from 'vitest/config';

// One run over the whole workspace. Pure tests are `*.test.ts`; tests that talk to
// the real PostgreSQL, Redis or x-sim are `*.int.test.ts`, so either set can run alone
// (`pnpm vitest --project unit`).
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
        },
      },
      {
        test: {
          name: 'int',
          include: ['{packages,services}/*/src/**/*.int.test.ts', 'migrations/src/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['packages/testkit/src/db/global-setup.ts'],
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

// One run for every package. Workspace packages resolve to their TypeScript sources through the
// "source" export condition, so tests never need a build — except the browser journeys, which
// drive the built server and UI.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          include: ['packages/{core,db,server,cli,sdk}/src/**/*.test.ts', 'examples/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      'packages/web/vitest.config.ts',
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['packages/web/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

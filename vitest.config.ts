import { defineConfig } from 'vitest/config';

/**
 * `npm test`: every test but the slow ones (`*.slow.test.ts`: the browser
 * tests…), which `npm run test:slow` runs (vitest.slow.config.ts; .ci/run runs
 * both).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.slow.test.ts', '**/node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Most tests wait on a `clv` child process or on DuckDB: two files at a time keep two cores
    // busy (vitest's default on 2 cores is one).
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});

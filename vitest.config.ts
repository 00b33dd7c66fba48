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
    // Each worker keeps its modules from file to file instead of importing lib/ (DuckDB, vega…) afresh
    // for each of the 76 files: the suite took 342 s of wall and 651 s of CPU isolated, 235 s and 453 s
    // not (2 cores, the same checkout, back to back); it passes in any file order (checked with
    // --sequence.shuffle.files). The tests restore what they change of the process (environment).
    isolate: false,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});

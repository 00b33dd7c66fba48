import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/** `npm run test:slow`: the tests `npm test` leaves out (`*.slow.test.ts`), with the same settings. */
export default defineConfig({ ...base, test: { ...base.test, include: ['test/**/*.slow.test.ts'], exclude: ['**/node_modules/**'] } });

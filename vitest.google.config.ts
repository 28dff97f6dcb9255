import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * `npm run test:google`: the integration suites on Google's Firestore emulator, and the suites of
 * test/google/ that need Google's Pub/Sub emulator (real push subscriptions).
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/integration/**/*.test.ts', 'test/google/**/*.test.ts'],
    exclude: configDefaults.exclude,
    globalSetup: ['test/support/googleGlobalSetup.ts'],
  },
});

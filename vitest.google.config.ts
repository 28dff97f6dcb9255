import { configDefaults, defineConfig } from 'vitest/config';
import { integration, shared } from './vitest.config.ts';

/**
 * `npm run test:google`: the integration suites on Google's Firestore emulator, and the suites of
 * test/google/ that need Google's Pub/Sub emulator (real push subscriptions).
 */
export default defineConfig({
  test: {
    ...shared,
    ...integration,
    include: ['test/integration/**/*.test.ts', 'test/google/**/*.test.ts'],
    exclude: configDefaults.exclude,
    globalSetup: ['test/support/googleGlobalSetup.ts'],
  },
});

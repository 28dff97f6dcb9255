import { configDefaults, defineConfig } from 'vitest/config';
import { integration, shared } from './vitest.config.ts';
import { missingPythonClientTier, PYTHON_CLIENT_TESTS } from './test/support/pythonTier.ts';

/**
 * `npm run test:google`: the integration suites on Google's Firestore emulator, and the suites of
 * test/google/ that need Google's Pub/Sub emulator (real push subscriptions).
 */
export default defineConfig({
  test: {
    ...shared,
    ...integration,
    include: ['test/integration/**/*.test.ts', 'test/google/**/*.test.ts'],
    // Google's Python client needs python3-googleapi (vitest.config.ts says so in one line where it is missing).
    exclude: [...configDefaults.exclude, ...(missingPythonClientTier() ? [PYTHON_CLIENT_TESTS] : [])],
    globalSetup: ['test/support/googleGlobalSetup.ts'],
  },
});

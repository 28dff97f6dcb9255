import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/google/ needs Google's Pub/Sub emulator: npm run test:google (vitest.google.config.ts) runs it.
    exclude: [...configDefaults.exclude, 'test/google/**'],
    globalSetup: ['test/support/globalSetup.ts'],
    setupFiles: ['test/support/fileSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files share one running stack and one emulator; each test uses its own conversation ids, so
    // files run side by side: most of their time is spent waiting on the stack, the emulator and child processes.
    pool: 'forks',
    maxWorkers: 3,
  },
});

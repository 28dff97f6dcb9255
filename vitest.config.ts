import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    setupFiles: ['test/support/fileSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files share one running stack and one emulator; each test uses its own conversation ids.
    pool: 'forks',
  },
});

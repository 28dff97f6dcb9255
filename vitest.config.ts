import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/longestFirst.ts';
import { missingPythonClientTier, PYTHON_CLIENT_TESTS } from './test/support/pythonTier.ts';
import { missingTerraformTier } from './test/support/terraformTier.ts';

/** What every test file shares; the projects below say which files run how. */
export const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  maxWorkers: 3,
  sequence: { sequencer: LongestFirstSequencer },
};

/** The integration suites: they talk to the running stack and its emulator, which globalSetup starts. */
export const integration = {
  globalSetup: ['test/support/globalSetup.ts'],
  setupFiles: ['test/support/fileSetup.ts'],
  // Integration files share one running stack and one emulator; each test uses its own conversation ids, so
  // files run side by side: most of their time is spent waiting on the stack, the emulator and child processes.
};

// Terraform's own fmt, validate and plan of terraform/: where Terraform or the offline tool is missing, one line
// says so and the rest runs.
const TERRAFORM_CLI_TESTS = 'test/infra/terraformCli.test.ts';

export default defineConfig((): ViteUserConfig => {
  const terraformMissing = missingTerraformTier();
  if (terraformMissing) console.log(`Skipping Terraform's own checks of terraform/ (${TERRAFORM_CLI_TESTS}): ${terraformMissing}`);
  // Google's discovery-based Python client against the stack: where python3-googleapi or the discovery documents
  // are missing, one line says so and the rest runs.
  const pythonMissing = missingPythonClientTier();
  if (pythonMissing) console.log(`Skipping Google's Python client against the stack (${PYTHON_CLIENT_TESTS}): ${pythonMissing}`);
  return {
    test: {
      ...shared,
      // test/google/ needs Google's Pub/Sub emulator: npm run test:google (vitest.google.config.ts) runs it.
      exclude: [...configDefaults.exclude, 'test/google/**'],
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'],
            exclude: [...configDefaults.exclude, ...(terraformMissing ? [TERRAFORM_CLI_TESTS] : [])],
            // Pure code and files on disk, nothing running: one process for many files, rather than a new process
            // (and the same imports again) for each of 40 files.
            isolate: false,
          },
        },
        {
          extends: true,
          test: {
            name: 'integration',
            include: ['test/integration/**/*.test.ts'],
            exclude: [...configDefaults.exclude, ...(pythonMissing ? [PYTHON_CLIENT_TESTS] : [])],
            ...integration,
          },
        },
      ],
    },
  };
});

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Google's discovery-based Python client (Debian's python3-googleapi) reads the history API over real HTTP, built
 * from the Dialogflow v2 discovery document the team keeps beside the checkout (../shared/reference/, read from
 * there, never copied in). Where the package or the documents are missing, the tier says why in one line.
 */
export const PYTHON_CLIENT_TESTS = 'test/integration/pythonClient.test.ts';
export const REFERENCE_DIR = resolve(fileURLToPath(new URL('../../../shared/reference/', import.meta.url)));
export const DISCOVERY_DOCUMENTS = { v2: join(REFERENCE_DIR, 'dialogflow.v2.json'), v2beta1: join(REFERENCE_DIR, 'dialogflow.v2beta1.json') };

/** The first python3 that imports googleapiclient (PATH's may be another installation than Debian's). */
export function pythonWithGoogleClient(): string | undefined {
  return ['python3', '/usr/bin/python3'].find((python) => spawnSync(python, ['-c', 'import googleapiclient.discovery, httplib2'], { stdio: 'ignore' }).status === 0);
}

export function missingPythonClientTier(): string | undefined {
  if (!pythonWithGoogleClient()) return 'no python3 here imports googleapiclient (apt-get install python3-googleapi)';
  const missing = Object.values(DISCOVERY_DOCUMENTS).find((path) => !existsSync(path));
  if (missing) return `the discovery document is not at ${join('..', 'shared', 'reference', missing.split('/').pop()!)}`;
  return undefined;
}

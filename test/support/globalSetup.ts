import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedFirestore, type RunningFirestore } from '../../shared/local/embeddedFirestore';
import { spawnStack, type SpawnedStack } from './spawnStack';

/**
 * Starts what the integration tests talk to: a Firestore emulator (the
 * embedded one, or FIRESTORE_EMULATOR_HOST's) and the local stack as its own
 * process, exactly as `npm start` runs it. The stack's stdout (its JSON
 * logs) goes to a file the tests read.
 */
export const OUTPUT_DIR = join(process.cwd(), '.test-output');

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    firestoreHost: string;
    stackLogPath: string;
  }
}

let firestore: RunningFirestore | undefined;
let stack: SpawnedStack | undefined;

export async function setup(project: TestProject): Promise<void> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const externalHost = process.env['FIRESTORE_EMULATOR_HOST'];
  if (!externalHost) firestore = await startEmbeddedFirestore();
  const firestoreHost = externalHost ?? firestore!.host;
  process.env['FIRESTORE_EMULATOR_HOST'] = firestoreHost;
  process.env['METADATA_SERVER_DETECTION'] = 'none';

  const stackLogPath = join(OUTPUT_DIR, 'stack.log');
  stack = await spawnStack({ FIRESTORE_EMULATOR_HOST: firestoreHost, LOG_LEVEL: 'DEBUG' }, stackLogPath);

  project.provide('baseUrl', stack.url);
  project.provide('firestoreHost', firestoreHost);
  project.provide('stackLogPath', stackLogPath);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
  firestore?.stop();
}

import type { TestProject } from 'vitest/node';
import { missingGoogleEmulators, startGoogleEmulator, type RunningEmulator } from '../../shared/local/googleEmulators';
import * as stackSetup from './globalSetup';

/**
 * `npm run test:google`: Google's own Firestore and Pub/Sub emulators (or
 * those named by FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST), then the
 * same stack as `npm test` against that Firestore.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    pubsubHost: string;
  }
}

const started: RunningEmulator[] = [];

export async function setup(project: TestProject): Promise<void> {
  const given = { firestore: process.env['FIRESTORE_EMULATOR_HOST'], pubsub: process.env['PUBSUB_EMULATOR_HOST'] };
  const missing = given.firestore && given.pubsub ? undefined : missingGoogleEmulators();
  if (missing) throw new Error(`npm run test:google runs on Google's emulators. ${missing}`);
  const start = async (kind: 'firestore' | 'pubsub') => {
    if (given[kind]) return given[kind];
    const emulator = await startGoogleEmulator(kind);
    started.push(emulator);
    return emulator.host;
  };
  const [firestoreHost, pubsubHost] = await Promise.all([start('firestore'), start('pubsub')]);
  process.env['FIRESTORE_EMULATOR_HOST'] = firestoreHost;
  process.env['PUBSUB_EMULATOR_HOST'] = pubsubHost;
  project.provide('pubsubHost', pubsubHost);
  await stackSetup.setup(project);
}

export async function teardown(): Promise<void> {
  await stackSetup.teardown();
  await Promise.all(started.map((emulator) => emulator.stop()));
}

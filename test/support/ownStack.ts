import { join } from 'node:path';
import { inject } from 'vitest';
import { startEmbeddedFirestore } from '../../shared/local/embeddedFirestore';
import { closeAfterFile } from './fileCleanup';
import { OUTPUT_DIR } from './globalSetup';
import { spawnStack } from './spawnStack';
import { useStack, type StackTarget } from './stack';

/**
 * A file's own embedded Firestore emulator (in the file's worker) and its own stack in front of it, as `npm start`
 * runs it, with the file's environment; the file's helpers (post, send, testFirestore, the stack's log) talk to
 * them from then on, and both stop after the file. For a file whose work is heavy enough to queue behind what
 * every other file sends the shared emulator (megabyte documents), or that needs an emulator nobody else writes to.
 */
export async function startOwnStack(name: string, env: Record<string, string> = {}): Promise<StackTarget> {
  const firestore = await startEmbeddedFirestore();
  const stackLogPath = join(OUTPUT_DIR, `${name}-stack.log`);
  try {
    const stack = await spawnStack({ FIRESTORE_EMULATOR_HOST: firestore.host, LOG_LEVEL: 'DEBUG', ...env }, stackLogPath);
    closeAfterFile(async () => {
      await stack.stop();
      firestore.stop();
    });
    const target = { baseUrl: stack.url, firestoreHost: firestore.host, stackLogPath };
    useStack(target);
    return target;
  } catch (error) {
    firestore.stop();
    throw error;
  }
}

/**
 * A file's own embedded Firestore emulator (in the file's worker), which testFirestore() and the store checks read
 * from then on; stopped after the file. Returns its host, for the stacks (and fault proxies) the file starts itself.
 * For a file that drives hundreds of deliveries through stacks of its own: on the shared emulator, its requests
 * queued behind every other file's, and a stack's 1 s deadline turned that queue into 503s.
 */
export async function startOwnFirestore(): Promise<string> {
  const firestore = await startEmbeddedFirestore();
  closeAfterFile(async () => firestore.stop());
  useStack({ baseUrl: inject('baseUrl'), firestoreHost: firestore.host, stackLogPath: inject('stackLogPath') });
  return firestore.host;
}

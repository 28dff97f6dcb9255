import { Firestore } from '@google-cloud/firestore';
import { EMULATOR_PROJECT_ID, type Config } from '../platform/config';

/**
 * The Firestore client for a configuration. Note that the client library
 * itself gives the FIRESTORE_EMULATOR_HOST environment variable precedence
 * over the `host` setting; our configuration reads that same variable, so
 * the two always agree in a deployed or local process.
 */
export function createFirestore(config: Pick<Config, 'projectId' | 'databaseId' | 'emulatorHost'>): Firestore {
  if (config.emulatorHost) {
    return new Firestore({
      projectId: config.projectId ?? EMULATOR_PROJECT_ID,
      databaseId: config.databaseId,
      host: config.emulatorHost,
      ssl: false,
    });
  }
  return new Firestore({
    ...(config.projectId ? { projectId: config.projectId } : {}),
    databaseId: config.databaseId,
    ignoreUndefinedProperties: false,
  });
}

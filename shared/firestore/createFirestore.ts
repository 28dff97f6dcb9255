import { Firestore } from '@google-cloud/firestore';
import type { Config } from '../platform/config';

/** Project id used against an emulator when none is configured; the `demo-` prefix marks it as never real. */
export const EMULATOR_PROJECT_ID = 'demo-conversation-history';

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

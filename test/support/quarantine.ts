import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { baseUrl, testFirestore } from './stack';

/** Writes a quarantined delivery as an older version would have kept it. */
export async function quarantineAsOlderVersion(id: string, rawBody: string, reasonCode: string, reason: string, receivedBy = 'ingestLifecycleEvents'): Promise<void> {
  await testFirestore().collection('quarantine').doc(id).set({
    reasonCode,
    reason,
    receivedBy,
    receivedAt: new Date(),
    rawBody,
    rawBodyEncoding: 'utf-8',
    rawBodyBytes: Buffer.byteLength(rawBody),
    replayed: false,
  });
}

/** `npm run replay-quarantine -- --url <stack> --id <id>`, as an operator runs it; its standard output. */
export async function replayQuarantined(id: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'shared/commands/replayQuarantine.ts', '--url', baseUrl(), '--id', id], {
    env: { ...process.env, FIRESTORE_EMULATOR_HOST: inject('firestoreHost'), METADATA_SERVER_DETECTION: 'none' },
  });
  return stdout;
}

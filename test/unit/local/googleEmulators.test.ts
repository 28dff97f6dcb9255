import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingGoogleEmulators } from '../../../shared/local/googleEmulators';

/** A Cloud SDK laid out as gcloud's installers lay it out (<sdk>/bin/gcloud, <sdk>/platform/...), linked from a bin folder. */
function fakeMachine(options: { firestore: boolean; pubsub: boolean; java: boolean }): string {
  const root = mkdtempSync(join(tmpdir(), 'sdk-'));
  const executable = (path: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o755);
  };
  executable(join(root, 'google-cloud-sdk', 'bin', 'gcloud'));
  if (options.firestore) executable(join(root, 'google-cloud-sdk', 'platform', 'cloud-firestore-emulator', 'cloud-firestore-emulator.jar'));
  if (options.pubsub) executable(join(root, 'google-cloud-sdk', 'platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator'));
  mkdirSync(join(root, 'bin'));
  symlinkSync(join(root, 'google-cloud-sdk', 'bin', 'gcloud'), join(root, 'bin', 'gcloud'));
  if (options.java) executable(join(root, 'bin', 'java'));
  return join(root, 'bin');
}

describe('missingGoogleEmulators', () => {
  it('is satisfied by gcloud with both emulators and java', () => {
    expect(missingGoogleEmulators(fakeMachine({ firestore: true, pubsub: true, java: true }))).toBeUndefined();
  });

  it('says that gcloud is missing, and what to install', () => {
    const reason = missingGoogleEmulators(mkdtempSync(join(tmpdir(), 'empty-')));
    expect(reason).toContain('`gcloud` is not on PATH');
    expect(reason).toContain('gcloud components install cloud-firestore-emulator pubsub-emulator');
    expect(reason).toContain('google-cloud-cli-firestore-emulator');
  });

  it('names the emulator the Cloud SDK lacks, found through the link to gcloud', () => {
    const reason = missingGoogleEmulators(fakeMachine({ firestore: true, pubsub: false, java: true }));
    expect(reason).toMatch(/lacks the pubsub emulator\. Install them with/);
    expect(missingGoogleEmulators(fakeMachine({ firestore: false, pubsub: false, java: true }))).toContain('lacks the firestore and pubsub emulators');
  });

  it('says that java is missing', () => {
    expect(missingGoogleEmulators(fakeMachine({ firestore: true, pubsub: true, java: false }))).toContain('`java` is not on PATH');
  });
});

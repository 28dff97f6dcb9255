import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { trackRunDelay } from '../support/runDelay';

/** Where Google's emulators are not installed, `npm run start:google` says so at once, in one sentence. */

it('fails at once with one sentence saying what to install when gcloud is not on PATH', async () => {
  const started = performance.now();
  const env = Object.fromEntries(
    Object.entries({ ...process.env, PATH: '/nonexistent' }).filter(([name]) => name !== 'FIRESTORE_EMULATOR_HOST' && name !== 'PUBSUB_EMULATOR_HOST'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/local/startGoogle.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const waiting = trackRunDelay(child.pid);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const elapsedMs = performance.now() - started;
  const waitedMs = waiting.stop();
  expect(code).toBe(1);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toContain('`gcloud` is not on PATH');
  expect(stderr).toContain('gcloud components install cloud-firestore-emulator pubsub-emulator');
  // At once: not after the 60 s start timeout. On the process's own time (the wall clock less its wait for a CPU),
  // since loading tsx and the module graph is what a loaded machine stretches.
  expect(elapsedMs - waitedMs, `${elapsedMs.toFixed(0)} ms, ${waitedMs.toFixed(0)} ms of it waiting for a CPU`).toBeLessThan(15_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { startOnFreePort } from '../../shared/local/embeddedFirestore';
import { trackRunDelay } from './runDelay';

export interface SpawnedStack {
  url: string;
  process: ChildProcess;
  /**
   * Sends SIGTERM and waits for the exit; returns how long stopping took, and how much of that the process
   * spent waiting for a CPU (runDelay.ts: a loaded machine's share, not the process's).
   */
  stop(): Promise<StackExit>;
}

export interface StackExit {
  code: number | null;
  elapsedMs: number;
  runQueueWaitMs: number;
}

/** How long the process itself took to exit: the wall clock less its wait for a CPU. */
export function ownExitMs(exit: StackExit): number {
  return exit.elapsedMs - exit.runQueueWaitMs;
}

/**
 * Runs the local stack (shared/local/start.ts, what `npm start` runs) as
 * its own process with the given environment; its stdout goes to `logPath`.
 */
export async function spawnStack(env: Record<string, string | undefined>, logPath: string): Promise<SpawnedStack> {
  // A port taken before the stack binds it (by another test file's server, say): the stack says so and exits.
  return startOnFreePort(
    async (port) => runningStack(port, await startOnPort(port, env, logPath)),
    (error) => (error as Error).message.includes('is already taken'),
  );
}

async function startOnPort(port: number, env: Record<string, string | undefined>, logPath: string): Promise<ChildProcess> {
  const merged: Record<string, string | undefined> = { ...process.env, METADATA_SERVER_DETECTION: 'none', ...env, PORT: String(port) };
  // An undefined value removes the variable (to run without FIRESTORE_EMULATOR_HOST, say).
  const childEnv = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/local/start.ts'], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(createWriteStream(logPath));
  await new Promise<void>((resolve, reject) => {
    let banner = '';
    const timer = setTimeout(() => reject(new Error(`The local stack did not start within 30 s:\n${banner}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      if (banner.includes('is running at')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The local stack exited with ${code}:\n${banner}`));
    });
  });
  return child;
}

function runningStack(port: number, child: ChildProcess): SpawnedStack {
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    async stop() {
      const started = performance.now();
      if (child.exitCode !== null) return { code: child.exitCode, elapsedMs: 0, runQueueWaitMs: 0 };
      const waiting = trackRunDelay(child.pid);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 15_000)));
      const code = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      return { code, elapsedMs: performance.now() - started, runQueueWaitMs: waiting.stop() };
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { startOnFreePort } from './embeddedFirestore';

/**
 * Google's own Firestore and Pub/Sub emulators, started through `gcloud`.
 *
 * Unlike the embedded emulator they isolate transactions, honour cursors,
 * refuse documents over 1 MiB and keep microseconds, as Firestore does; the
 * Pub/Sub emulator pushes the real envelope to real push subscriptions.
 */

export const INSTALL_HINT =
  'Install them with `gcloud components install cloud-firestore-emulator pubsub-emulator`, ' +
  "or Debian's packages `google-cloud-cli-firestore-emulator` and `google-cloud-cli-pubsub-emulator` (both need Java 17 or newer).";

const EMULATOR_FILES = {
  firestore: ['platform', 'cloud-firestore-emulator', 'cloud-firestore-emulator.jar'],
  pubsub: ['platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator'],
} as const;
export type EmulatorKind = keyof typeof EMULATOR_FILES;

/** Why Google's emulators can't run here, in one sentence, or undefined when they can. */
export function missingGoogleEmulators(path = process.env['PATH'] ?? ''): string | undefined {
  const gcloud = findOnPath('gcloud', path);
  if (!gcloud) return `Google's Firestore and Pub/Sub emulators need the Cloud SDK, and \`gcloud\` is not on PATH. ${INSTALL_HINT}`;
  // gcloud is <sdk>/bin/gcloud, usually through a link such as /usr/bin/gcloud; components live under <sdk>/platform.
  const sdkRoot = dirname(dirname(realpathSync(gcloud)));
  const missing = (Object.keys(EMULATOR_FILES) as EmulatorKind[]).filter((kind) => !existsSync(join(sdkRoot, ...EMULATOR_FILES[kind])));
  if (missing.length > 0) return `The Cloud SDK at ${sdkRoot} lacks the ${missing.join(' and ')} emulator${missing.length > 1 ? 's' : ''}. ${INSTALL_HINT}`;
  if (!findOnPath('java', path)) return `Google's emulators run on Java, and \`java\` is not on PATH: install Java 17 or newer (Debian: openjdk-17-jre-headless).`;
  return undefined;
}

function findOnPath(command: string, path: string): string | undefined {
  for (const directory of path.split(delimiter).filter(Boolean)) {
    const candidate = join(directory, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface RunningEmulator {
  kind: EmulatorKind;
  /** host:port, the form FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST take. */
  host: string;
  /** Stops gcloud and the Java process it started (the whole process group); resolves once they are gone. */
  stop(): Promise<void>;
}

export interface StartEmulatorOptions {
  port?: number;
  /** Pub/Sub only: the project the emulator is started for (any project's resources are accepted). */
  project?: string;
  startTimeoutMs?: number;
  /** Where a port is chosen when `port` is not given (a free one); asked again when the one chosen is taken. */
  choosePort?: () => Promise<number>;
}

const START_COMMANDS: Record<EmulatorKind, (hostPort: string, project: string) => string[]> = {
  firestore: (hostPort) => ['emulators', 'firestore', 'start', `--host-port=${hostPort}`],
  pubsub: (hostPort, project) => ['beta', 'emulators', 'pubsub', 'start', `--host-port=${hostPort}`, `--project=${project}`],
};

/** Every emulator this process started and has not stopped: stopped on exit even if nobody asked. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

/**
 * Starts one emulator on 127.0.0.1 and waits until it answers HTTP. gcloud
 * runs a shell script that runs Java: it is started in a process group of its
 * own, and that group is what `stop()` signals, so no Java process outlives it.
 */
export async function startGoogleEmulator(kind: EmulatorKind, options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const missing = missingGoogleEmulators();
  if (missing) throw new Error(missing);
  const startOn = (port: number) => startOnPort(kind, port, options);
  if (options.port !== undefined) return startOn(options.port);
  return startOnFreePort(startOn, (error) => error instanceof PortTakenError, options.choosePort);
}

class PortTakenError extends Error {}
/** What Java prints when the port is taken; the emulator may keep running without listening, so it is not waited out. */
const PORT_TAKEN = /BindException|Address already in use/;

async function startOnPort(kind: EmulatorKind, port: number, options: StartEmulatorOptions): Promise<RunningEmulator> {
  const host = `127.0.0.1:${port}`;
  const child = spawn('gcloud', START_COMMANDS[kind](host, options.project ?? 'demo-conversation-history'), {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' },
  });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (!running.has(child)) return;
    killGroup(child, 'SIGTERM');
    const gone = await waitForGroupExit(child, 5_000);
    if (!gone) {
      killGroup(child, 'SIGKILL');
      await waitForGroupExit(child, 5_000);
    }
    running.delete(child);
    await Promise.race([exited, sleep(1_000)]);
  };

  try {
    await waitUntilAnswering(host, child, options.startTimeoutMs ?? 60_000, () => PORT_TAKEN.test(output));
  } catch (error) {
    await stop();
    if (PORT_TAKEN.test(output)) throw new PortTakenError(`Google's ${kind} emulator could not listen on ${host}: the port is already in use`);
    throw new Error(`Google's ${kind} emulator did not start: ${(error as Error).message}\n${output.trim().split('\n').slice(-15).join('\n')}`);
  }
  return { kind, host, stop };
}

async function waitUntilAnswering(host: string, child: ChildProcess, timeoutMs: number, failed: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`gcloud exited with ${child.exitCode ?? child.signalCode}`);
    if (failed()) throw new Error('it could not bind its port');
    try {
      // Both emulators answer "Ok" at their root once they serve requests.
      const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`nothing answered at ${host} within ${timeoutMs} ms`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is already gone
  }
}

async function waitForGroupExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return true;
    }
    await sleep(100);
  }
  return false;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

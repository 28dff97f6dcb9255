import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS, EXTERNAL_DEPENDENCIES } from '../../shared/build/bundleFunctions';
import { findFreePort } from '../../shared/local/embeddedFirestore';

export interface RunningServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a server script as its own process (so the load generator does not
 * share its event loop), bundled by esbuild and run by plain node as the
 * deployed functions are (no TypeScript loader hooks at run time), and
 * waits for "ready" on stderr. stdout, where the functions log, goes to
 * /dev/null as a log agent would drain it.
 */
export async function startServer(
  script: string,
  env: Record<string, string> = {},
  options: { bundle: boolean } = { bundle: true },
): Promise<RunningServer> {
  const port = await findFreePort();
  // The local stack (npm start) imports the functions by path at run time: it runs as npm start runs it.
  const command = options.bundle ? [await bundleScript(script)] : ['--import', 'tsx', script];
  const child = spawn(process.execPath, command, {
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await waitForReady(child, /ready|is running at/, script);
  return { url: `http://127.0.0.1:${port}`, process: child, stop: () => stopProcess(child) };
}

export const BUILD_DIRECTORY = join('bench', '.build');

/** Bundles a bench script like the functions (CommonJS, Functions Framework and Firestore client external). */
export async function bundleScript(script: string): Promise<string> {
  const outfile = join(BUILD_DIRECTORY, `${basename(script, '.ts')}.cjs`);
  await build({
    entryPoints: [script],
    outfile,
    ...BUNDLE_OPTIONS,
    external: [...EXTERNAL_DEPENDENCIES],
    logLevel: 'warning',
  });
  return outfile;
}

export function waitForReady(child: ChildProcess, ready: RegExp, what: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${what} was not ready within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${output}`));
    });
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)))]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** User + system CPU time of a process so far, in milliseconds (from /proc, in clock ticks of 10 ms). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

// The package's `functions-framework` bin (build/src/main.js, beside its main module): what Cloud Functions runs.
const FUNCTIONS_FRAMEWORK_CLI = join(dirname(createRequire(import.meta.url).resolve('@google-cloud/functions-framework')), 'main.js');

/** A function's source directory run as Cloud Functions runs it: the Functions Framework's CLI, --target and --source. */
export function spawnFunction(target: string, source: string, port: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [FUNCTIONS_FRAMEWORK_CLI, `--target=${target}`, `--source=${source}`, `--port=${port}`], {
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort, startOnFreePort } from '../../shared/local/embeddedFirestore';
import { makeRawPushBody } from '../support/builders';
import { trackRunDelay } from '../support/runDelay';

/**
 * The newcomer's path, as a new user walks it on a fresh clone: `npm start` stopped by a process manager's
 * SIGTERM to npm, a second `npm start` on a taken port, replay-quarantine against a fresh `npm start` with
 * nothing else set, and --help on every command.
 */

let running: ChildProcess[] = [];
afterEach(() => {
  // npm runs the stack as its child: a SIGKILL to npm alone would leave the stack running, so kill the group.
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running = [];
});

/** A user's shell: none of the emulator hosts this test run itself uses. */
function userEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env['FIRESTORE_EMULATOR_HOST'];
  delete env['PUBSUB_EMULATOR_HOST'];
  return env;
}

/**
 * `npm start` on a free port, once its banner says it runs. A port found free can be taken before the stack binds
 * it (another test file's server, a connection's local port): then the stack says so and exits, and another is tried.
 */
function npmStart(): Promise<{ npm: ChildProcess; port: number }> {
  return startOnFreePort(
    async (port) => {
      // A process group of its own (as a shell's job is), so that cleaning up reaches the stack under npm.
      const npm = spawn('npm', ['start'], { env: userEnvironment({ PORT: String(port) }), stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      running.push(npm);
      let banner = '';
      npm.stderr!.on('data', (chunk: Buffer) => (banner += chunk.toString()));
      for (let waited = 0; !banner.includes('is running at'); waited += 50) {
        if (waited > 30_000 || npm.exitCode !== null) throw new Error(`npm start did not start:\n${banner}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { npm, port };
    },
    (error) => (error as Error).message.includes('is already taken'),
  );
}

const portIsOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** The stack npm runs (`exec node ...`: npm's one child), whose time waiting for a CPU the bound leaves out. */
function stackUnder(npm: ChildProcess): number | undefined {
  try {
    const children = readFileSync(`/proc/${npm.pid}/task/${npm.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length === 1 ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

describe('npm start', () => {
  it('stops, port closed, within 10 s of a SIGTERM sent to the npm process itself (its own time: not the time it waited for a CPU)', async () => {
    const { npm, port } = await npmStart();
    expect(await portIsOpen(port)).toBe(true);
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const waiting = trackRunDelay(stackUnder(npm));
    const sent = performance.now();
    const ownMs = () => performance.now() - sent - waiting.waitedMs();
    npm.kill('SIGTERM');
    let code: number | null | 'running' = 'running';
    void exited.then((exitCode) => (code = exitCode));
    while (code === 'running' && ownMs() < 10_000) await new Promise((resolve) => setTimeout(resolve, 50));
    waiting.stop();
    expect(code, `still running ${ownMs().toFixed(0)} ms after SIGTERM`).not.toBe('running');
    expect(code).toBe(0);
    expect(await portIsOpen(port)).toBe(false);
  }, 60_000);

  it('says in one line that the port is taken, and how to choose another, when it is', async () => {
    const { port } = await npmStart();
    const { stderr } = await promisify(execFile)('npm', ['start', '--silent'], { env: userEnvironment({ PORT: String(port) }) }).then(
      () => ({ stderr: 'it started' }),
      (error: { stderr: string }) => error,
    );
    expect(stderr.trim()).toBe(`Port ${port} is already taken (another npm start?). Stop it, or choose another port: PORT=${port + 1} npm start`);
  }, 60_000);
});

describe('npm run replay-quarantine against a fresh npm start, with nothing else set', () => {
  it("finds the stack's own Firestore, and says what happened to each delivery", async () => {
    const { port } = await npmStart();
    const url = `http://127.0.0.1:${port}`;
    const quarantined = await fetch(`${url}/ingestMessageEvents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(makeRawPushBody('not base64 at all!')) });
    const { quarantineId, code } = (await quarantined.json()) as { quarantineId: string; code: string };
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'replay-quarantine', '--', '--url', url], { env: userEnvironment() });
    expect(stdout).toContain(`${quarantineId} -> ingestMessageEvents: 200 rejected again (${code}: `);
    expect(stdout).toContain('1 quarantined deliveries replayed: 0 stored, 0 already stored, 1 rejected again (still quarantined, with the reason above), 0 failed');
  }, 60_000);

  it('says plainly when no local stack runs at the URL', async () => {
    const port = await findFreePort();
    const failure = await promisify(execFile)('npm', ['run', '--silent', 'replay-quarantine', '--', '--url', `http://127.0.0.1:${port}`], { env: userEnvironment() }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1, stderr: `No local stack is running at http://127.0.0.1:${port} (npm start). Start it, or set FIRESTORE_EMULATOR_HOST to the emulator that holds the quarantine.\n` });
  }, 30_000);
});

describe('--help', () => {
  // Side by side: each only starts a command and reads its usage.
  it.concurrent.each(['start', 'start:google', 'replay', 'replay-quarantine', 'replay-dead-letters', 'smoke', 'backfill', 'export', 'erase', 'bench'])(
    'npm run %s -- --help says how to use it, and exits 0',
    async (command) => {
      const { stdout } = await promisify(execFile)('npm', ['run', '--silent', command, '--', '--help'], { env: userEnvironment() });
      expect(stdout).toMatch(/^usage: npm (run )?[a-z:-]+/);
    },
    30_000,
  );
});

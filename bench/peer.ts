import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFunctions } from '../shared/build/bundleFunctions';
import { findFreePort } from '../shared/local/embeddedFirestore';
import { missingGoogleEmulators, startGoogleEmulator } from '../shared/local/googleEmulators';
import { postLoad, type LoadResult } from './lib/load';
import { BUILD_DIRECTORY, processCpuMs, spawnFunction, stopProcess } from './lib/processes';
import { startCountingFirestore } from './lib/countingFirestore';
import { median, repeat } from './lib/stats';
import { lifecycleBodies, messageBodies } from './lib/workload';

/**
 * 5. Against the peer a user would write instead (bench/servers/peerFunction.js: the same framework and
 * Firestore client, decode, create() or a transaction): both run as Cloud Functions runs them (the Functions
 * Framework CLI on a source directory), against the same emulator, under the same load. What is compared is
 * what a deployment pays for: CPU-seconds per event (user + system CPU of the function's process over the
 * events it answered) and requests per second at 50 connections.
 */
export interface PeerComparison {
  emulator: string;
  messages: { ours: Run; peer: Run };
  lifecycle: { ours: Run; peer: Run };
}

export interface Run {
  cpuMsPerEvent: number;
  load: LoadResult;
}

export function writePeerSource(): string {
  const directory = join(BUILD_DIRECTORY, 'peer');
  mkdirSync(directory, { recursive: true });
  copyFileSync(join('bench', 'servers', 'peerFunction.js'), join(directory, 'index.js'));
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'peer', main: 'index.js' }));
  return directory;
}

async function serve(target: string, source: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await findFreePort();
  const child = spawnFunction(target, source, port, { ...env, LOG_LEVEL: 'INFO' });
  // The framework prints nothing when ready: wait until it answers.
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 20) {
    if (child.exitCode !== null || waited > 30_000) throw new Error(`${target} did not start`);
    if (await fetch(url, { method: 'OPTIONS' }).then(() => true, () => false)) return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function measure(target: string, source: string, env: Record<string, string>, bodies: string[], options: { seconds: number; connections: number }): Promise<Run> {
  const { url, child } = await serve(target, source, env);
  try {
    // Warm-up: the first requests pay for the client's connection and lazy loading.
    await postLoad(url, bodies.slice(0, 200), { connections: 10, seconds: 1 });
    const before = processCpuMs(child.pid!);
    const load = await postLoad(url, bodies, options);
    const used = processCpuMs(child.pid!) - before;
    return { cpuMsPerEvent: used / Math.max(1, load.requests), load };
  } finally {
    await stopProcess(child);
  }
}

export async function benchPeer(options: { runs: number; seconds: number; connections: number }): Promise<PeerComparison> {
  await bundleFunctions();
  const peer = writePeerSource();
  const google = missingGoogleEmulators() === undefined;
  const emulator = google ? await startGoogleEmulator('firestore') : await startCountingFirestore();
  const env = { FIRESTORE_EMULATOR_HOST: emulator.host, GOOGLE_CLOUD_PROJECT: 'demo-bench-peer' };
  try {
    let round = 0;
    const pair = async (ourDir: string, ourTarget: string, bodiesFor: (tag: string) => string[]) => {
      const runs = await repeat(options.runs, async () => {
        const tag = `P${round++}x`;
        // Alternate who goes first, so that neither always meets a fuller emulator.
        const runOurs = () => measure(ourTarget, `dist/${ourDir}`, env, bodiesFor(`O${tag}`), options);
        const runPeer = () => measure('peer', peer, env, bodiesFor(`H${tag}`), options);
        if (round % 2 === 0) {
          const theirs = await runPeer();
          return { ours: await runOurs(), peer: theirs };
        }
        const ours = await runOurs();
        return { ours, peer: await runPeer() };
      }, 0);
      const pick = (which: 'ours' | 'peer') => {
        const list = runs.map((run) => run[which]);
        const cpu = median(list.map((run) => run.cpuMsPerEvent));
        const rps = median(list.map((run) => run.load.requestsPerSecond));
        const closest = list.reduce((a, b) => (Math.abs(b.load.requestsPerSecond - rps) < Math.abs(a.load.requestsPerSecond - rps) ? b : a));
        return { cpuMsPerEvent: cpu, load: closest.load };
      };
      return { ours: pick('ours'), peer: pick('peer') };
    };
    // Steady state: 20 conversations, all seen in the warm-up. A conversation's first message at an instance costs a
    // second write (its conversation document, once per instance): section 3 counts it; here it would be most of the load.
    const messages = await pair('ingest-message-events', 'ingestMessageEvents', (tag) => messageBodies(20_000, 20, 'demo-bench-peer', tag));
    const lifecycle = await pair('ingest-lifecycle-events', 'ingestLifecycleEvents', (tag) => lifecycleBodies(20_000, 'demo-bench-peer', tag));
    return { emulator: google ? "Google's Firestore emulator" : 'the embedded emulator (Google\'s is not installed here)', messages, lifecycle };
  } finally {
    await emulator.stop();
  }
}

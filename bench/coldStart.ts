import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import { BUNDLE_OPTIONS, FUNCTION_DEPENDENCIES, bundleFunctions, sharedBuildOptions } from '../shared/build/bundleFunctions';
import { lifecycleEvent } from '../test/support/builders';
import { toPushBody } from '../shared/pubsub/pushDelivery';
import { startCountingFirestore } from './lib/countingFirestore';
import { BUILD_DIRECTORY, spawnFunction, stopProcess } from './lib/processes';
import { writePeerSource } from './peer';
import { findFreePort } from '../shared/local/embeddedFirestore';
import { median, ratio, repeat } from './lib/stats';

/**
 * 4. Cold start: each built bundle started as Cloud Functions starts it
 * (the Functions Framework CLI, --target, --source dist/<function>), timed
 * from spawn to its first 2xx answer to a real request, against a trivial
 * Functions Framework function started the same way. Also: how long
 * requiring each bundle takes, how much of that is the Firestore client,
 * and bundle sizes.
 */
export interface ColdStart {
  trivialFirst2xxMs: number;
  /** The hand-written peer (bench/servers/peerFunction.js), started the same way: what storing by hand costs. */
  peerFirst2xxMs: number;
  functions: Array<{
    directory: string;
    first2xxMs: number;
    ratio: number;
    /** To the peer: the honest comparison for a function that stores something. */
    peerRatio: number;
    moduleLoadMs: number;
    bundleKiB: number;
    /** The same function with the Firestore client bundled too (an alternative measured, not shipped). */
    firestoreBundled: { first2xxMs: number; ratio: number; moduleLoadMs: number; bundleKiB: number };
  }>;
  trivialModuleLoadMs: number;
  firestoreClientLoadMs: number;
  functionsFrameworkLoadMs: number;
}

const TARGETS: Record<string, string> = {
  'ingest-lifecycle-events': 'ingestLifecycleEvents',
  'ingest-message-events': 'ingestMessageEvents',
  'ingest-recognition-results': 'ingestRecognitionResults',
  'conversation-history': 'conversationHistory',
  'reconcile-conversations': 'reconcileConversations',
  trivial: 'trivial',
  peer: 'peer',
};

/** The alternative: the Firestore client bundled with the function instead of installed beside it. */
async function buildFirestoreBundled(directory: string): Promise<{ source: string; bundleKiB: number }> {
  const source = join(BUILD_DIRECTORY, 'firestore-bundled', directory);
  mkdirSync(source, { recursive: true });
  const result = await build({
    entryPoints: [join('functions', directory, 'index.ts')],
    outfile: join(source, 'index.js'),
    ...BUNDLE_OPTIONS,
    external: ['@google-cloud/functions-framework', ...(FUNCTION_DEPENDENCIES[directory] ?? [])],
    metafile: true,
    logLevel: 'error',
    ...sharedBuildOptions(),
  });
  writeFileSync(join(source, 'package.json'), JSON.stringify({ name: directory, main: 'index.js' }));
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('index.js'));
  return { source, bundleKiB: (output?.[1].bytes ?? 0) / 1024 };
}

function writeTrivialBundle(): string {
  const directory = join(BUILD_DIRECTORY, 'trivial');
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'index.js'), "require('@google-cloud/functions-framework').http('trivial', (req, res) => res.status(204).end());\n");
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'trivial', main: 'index.js' }));
  return directory;
}

let sequence = 0;
function firstRequest(directory: string): { path: string; init: RequestInit } {
  if (directory === 'conversation-history') return { path: '/v2/projects/bench-project/locations/global/conversations?pageSize=1', init: {} };
  if (directory === 'reconcile-conversations') return { path: '/', init: { method: 'POST' } };
  const body = toPushBody({ event: lifecycleEvent(`projects/bench-project/locations/global/conversations/Cold${sequence++}`, 'CONVERSATION_STARTED'), publishTime: '2026-11-02T14:00:00Z', messageId: `cold-${sequence}` });
  return { path: '/', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } };
}

export async function timeToFirst2xx(directory: string, source: string, env: Record<string, string>): Promise<number> {
  const port = await findFreePort();
  const { path, init } = firstRequest(directory);
  const started = performance.now();
  const child = spawnFunction(TARGETS[directory]!, source, port, {
    ...env,
    LOG_LEVEL: 'WARNING',
    // Reconcile's first run over a project with nothing due: no call to Dialogflow, which this machine cannot reach.
    ...(directory === 'reconcile-conversations' ? { RECONCILE_PARENTS: 'projects/bench-nothing-due/locations/global' } : {}),
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${directory} exited with ${child.exitCode}: ${stderr.slice(-1500)}`);
      if (performance.now() - started > 30_000) throw new Error(`${directory} gave no 2xx within 30 s`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
        await response.arrayBuffer();
        if (response.ok) return performance.now() - started;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 2));
    }
  } finally {
    await stopProcess(child);
  }
}

/** Milliseconds to require `modules` in a fresh node process (the Functions Framework first, as its loader does). */
function moduleLoadMs(modules: string[]): number {
  const script = `const { performance } = require('node:perf_hooks');
${modules.slice(0, -1).map((m) => `require(${JSON.stringify(m)});`).join('\n')}
const t = performance.now(); require(${JSON.stringify(modules.at(-1))}); process.stderr.write('load-ms=' + String(performance.now() - t));`;
  // The bundles log to stdout as they load; the figure goes to stderr.
  const result = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, METADATA_SERVER_DETECTION: 'none', FIRESTORE_EMULATOR_HOST: '127.0.0.1:1' } });
  const match = /load-ms=([0-9.]+)/.exec(result.stderr.toString());
  if (!match) throw new Error(`Could not time the loading of ${modules.at(-1)}: ${result.stderr.toString().slice(0, 500)}`);
  return Number(match[1]);
}

export async function benchColdStart(options: { runs: number }): Promise<ColdStart> {
  const built = await bundleFunctions();
  const trivialDirectory = writeTrivialBundle();
  const firestore = await startCountingFirestore();
  // A project for every function, the hand-written peer included (its client cannot detect one here).
  const env = { FIRESTORE_EMULATOR_HOST: firestore.host, GOOGLE_CLOUD_PROJECT: 'bench-project' };
  try {
    // Every start is timed in rounds, each target once per round in the same order (after a warm-up round), so
    // that a drift of the machine or of the emulator's data over the run weighs on all of them alike.
    const alternatives = new Map<string, Awaited<ReturnType<typeof buildFirestoreBundled>>>();
    for (const fn of built) alternatives.set(fn.directory, await buildFirestoreBundled(fn.directory));
    const targets: Array<{ key: string; directory: string; source: string }> = [
      { key: 'trivial', directory: 'trivial', source: trivialDirectory },
      { key: 'peer', directory: 'peer', source: writePeerSource() },
      ...built.map((fn) => ({ key: fn.directory, directory: fn.directory, source: `dist/${fn.directory}` })),
      ...built.map((fn) => ({ key: `bundled:${fn.directory}`, directory: fn.directory, source: alternatives.get(fn.directory)!.source })),
    ];
    const starts = new Map<string, number[]>(targets.map((target) => [target.key, []]));
    for (let round = 0; round <= options.runs; round++) {
      for (const target of targets) {
        const elapsed = await timeToFirst2xx(target.directory, target.source, env);
        if (round > 0) starts.get(target.key)!.push(elapsed);
      }
    }
    const first2xx = (key: string) => median(starts.get(key)!);
    const trivialFirst2xxMs = first2xx('trivial');
    const peerFirst2xxMs = first2xx('peer');
    const functions = [];
    for (const fn of built) {
      const first2xxMs = first2xx(fn.directory);
      const alternative = alternatives.get(fn.directory)!;
      const moduleLoad = median(await repeat(options.runs, async () => moduleLoadMs(['@google-cloud/functions-framework', resolve(fn.outputDirectory, 'index.js')])));
      const bundledFirst2xx = first2xx(`bundled:${fn.directory}`);
      const bundledLoad = median(await repeat(options.runs, async () => moduleLoadMs(['@google-cloud/functions-framework', resolve(alternative.source, 'index.js')])));
      functions.push({
        directory: fn.directory,
        first2xxMs,
        ratio: ratio(first2xxMs, trivialFirst2xxMs),
        peerRatio: ratio(first2xxMs, peerFirst2xxMs),
        moduleLoadMs: moduleLoad,
        bundleKiB: fn.bundleBytes / 1024,
        firestoreBundled: { first2xxMs: bundledFirst2xx, ratio: ratio(bundledFirst2xx, trivialFirst2xxMs), moduleLoadMs: bundledLoad, bundleKiB: alternative.bundleKiB },
      });
    }
    return {
      trivialFirst2xxMs,
      peerFirst2xxMs,
      functions,
      trivialModuleLoadMs: median(await repeat(options.runs, async () => moduleLoadMs(['@google-cloud/functions-framework', resolve(trivialDirectory, 'index.js')]))),
      firestoreClientLoadMs: median(await repeat(options.runs, async () => moduleLoadMs(['@google-cloud/functions-framework', '@google-cloud/firestore']))),
      functionsFrameworkLoadMs: median(await repeat(options.runs, async () => moduleLoadMs(['@google-cloud/functions-framework']))),
    };
  } finally {
    firestore.stop();
  }
}

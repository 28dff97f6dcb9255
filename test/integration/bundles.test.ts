import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { bundleFunctions, type BuiltFunction } from '../../shared/build/bundleFunctions';
import { findFreePort } from '../../shared/local/embeddedFirestore';
import { mergeLifecycleEvent } from '../../shared/domain/conversationState';
import { parseConversationName } from '../../shared/domain/resourceNames';
import { toConversationDocument } from '../../shared/firestore/conversationStore';
import { lifecycleEvent, makePushBody, uniqueConversation, uniqueProject } from '../support/builders';
import { startDialogflowDouble } from '../support/dialogflowDouble';
import { encodeOfficially } from '../support/protobufEvents';
import { testFirestore } from '../support/stack';
import { snapshotConversation } from '../support/store';

/**
 * `npm run build`, then each bundle started as Cloud Functions starts it:
 * the Functions Framework's own CLI with --target and --source <bundle directory>.
 */

// The package's `functions-framework` bin (build/src/main.js, beside its main module): what Cloud Functions runs.
const FUNCTIONS_FRAMEWORK = join(dirname(createRequire(import.meta.url).resolve('@google-cloud/functions-framework')), 'main.js');
const TARGETS: Record<string, string> = {
  'ingest-lifecycle-events': 'ingestLifecycleEvents',
  'ingest-message-events': 'ingestMessageEvents',
  'ingest-recognition-results': 'ingestRecognitionResults',
  'conversation-history': 'conversationHistory',
  'erase-conversations': 'eraseConversations',
  'reconcile-conversations': 'reconcileConversations',
};

let built: BuiltFunction[] = [];
const running: ChildProcess[] = [];
// Inside the repository (the bundles require firestore and the framework from its node_modules), never dist/:
// CI builds dist/ for the deployment at the same time as the tests run.
const outputRoot = join(process.cwd(), '.test-output', `bundles-${process.pid}`);

beforeAll(async () => {
  built = await bundleFunctions(process.cwd(), outputRoot);
}, 60_000);

afterAll(async () => {
  for (const child of running) child.kill('SIGTERM');
  await rm(outputRoot, { recursive: true, force: true });
});

async function startBundle(directory: string, env: Record<string, string> = {}): Promise<string> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [FUNCTIONS_FRAMEWORK, `--target=${TARGETS[directory]}`, `--source=${join(outputRoot, directory)}`, `--port=${port}`], {
    env: { ...process.env, FIRESTORE_EMULATOR_HOST: inject('firestoreHost'), METADATA_SERVER_DETECTION: 'none', LOG_LEVEL: 'WARNING', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`dist/${directory} exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(url, { method: 'OPTIONS' });
      return url;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`dist/${directory} did not listen within 10 s:\n${output}`);
}

describe('built bundles', () => {
  it('builds one bundle per function, leaving only the runtime dependencies out', () => {
    expect(built.map((fn) => fn.directory)).toEqual(Object.keys(TARGETS).sort());
    for (const fn of built) expect(fn.bundleBytes).toBeGreaterThan(10_000);
  });

  it("keeps Dialogflow's client out of every bundle but reconcile's, and pins it in reconcile's package.json", async () => {
    // require() at load, or import() where a package is loaded on first use (reconcile's Dialogflow client).
    const required = async (directory: string) => [...(await readFile(join(outputRoot, directory, 'index.js'), 'utf8')).matchAll(/(?:require|import)\("([^"]+)"\)/g)].map((m) => m[1]!);
    for (const directory of ['ingest-lifecycle-events', 'ingest-message-events', 'ingest-recognition-results', 'conversation-history', 'erase-conversations']) {
      expect([...new Set((await required(directory)).filter((name) => name.startsWith('@google-cloud/')))].sort(), directory).toEqual(['@google-cloud/firestore', '@google-cloud/functions-framework']);
    }
    expect(await required('reconcile-conversations')).toContain('@google-cloud/dialogflow');
    const manifest = JSON.parse(await readFile(join(outputRoot, 'reconcile-conversations', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['@google-cloud/dialogflow']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(['ingest-lifecycle-events', 'ingest-message-events', 'ingest-recognition-results'])('starts dist/%s under the Functions Framework and stores an event', async (directory) => {
    const url = await startBundle(directory);
    const c = uniqueConversation();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'))),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'stored' });
  }, 30_000);

  it('reads a PROTO delivery with the protobufjs and long it shares with the Firestore client, 64-bit integers exact', async () => {
    const url = await startBundle('ingest-recognition-results');
    const c = uniqueConversation();
    // A Duration's seconds is an int64: past 2^53 a double would round it.
    const bytes = encodeOfficially('v2', { conversation: c.name, type: 'NEW_RECOGNITION_RESULT', newRecognitionResultPayload: { transcript: 'hel', speechEndOffset: { seconds: '9007199254740993', nanos: 5_000_000 } } });
    const body = makePushBody({ type: 'NEW_RECOGNITION_RESULT' });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, message: { ...body.message, data: Buffer.from(bytes).toString('base64') } }),
    });
    expect(await response.json()).toEqual({ outcome: 'stored' });
    const stored = await snapshotConversation(c.name, c.id);
    const [result] = Object.values(stored.recognitionResults) as Array<{ payloadJson: string }>;
    expect(JSON.parse(result!.payloadJson)).toMatchObject({ newRecognitionResultPayload: { transcript: 'hel', speechEndOffset: '9007199254740993.005s' } });
  }, 30_000);

  it('starts dist/conversation-history under the Functions Framework and serves the history API', async () => {
    const url = await startBundle('conversation-history');
    const response = await fetch(`${url}/v2/projects/demo-project/locations/global/conversations?pageSize=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('conversations');
  }, 30_000);

  it('starts dist/erase-conversations and dist/conversation-history, which passes a DELETE on to it: the conversation is erased', async () => {
    const ingest = await startBundle('ingest-lifecycle-events');
    const c = uniqueConversation();
    const stored = await fetch(ingest, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'))) });
    expect(stored.status).toBe(200);
    const erasure = await startBundle('erase-conversations');
    const history = await startBundle('conversation-history', { ERASURE_URL: erasure });
    expect((await fetch(`${history}/v2/${c.name}`)).status).toBe(200);
    const erased = await fetch(`${history}/v2/${c.name}`, { method: 'DELETE' });
    expect(erased.status).toBe(200);
    expect(await erased.json()).toEqual({});
    expect((await fetch(`${history}/v2/${c.name}`)).status).toBe(404);
    // Without an erasure function to pass it on to, the history API refuses DELETE: it cannot write.
    const alone = await startBundle('conversation-history');
    expect((await fetch(`${alone}/v2/${c.name}`, { method: 'DELETE' })).status).toBe(403);
  }, 60_000);

  it('starts dist/reconcile-conversations under the Functions Framework and refreshes a due conversation from Dialogflow', async () => {
    const dialogflow = await startDialogflowDouble();
    try {
      const project = uniqueProject();
      const name = `projects/${project}/locations/global/conversations/due`;
      // A conversation started long ago, whose end never arrived: due for a read.
      await testFirestore().doc(name).set(toConversationDocument(mergeLifecycleEvent(undefined, parseConversationName(name)!, { type: 'CONVERSATION_STARTED', publishTime: '2026-01-01T10:00:00.000000000Z', pubsubMessageId: '1' }), 0));
      dialogflow.conversations.set(name, { name, lifecycleState: 'COMPLETED', startTime: '2026-01-01T09:59:59Z', endTime: '2026-01-02T10:00:00Z', conversationProfile: `projects/${project}/locations/global/conversationProfiles/cp` });
      const url = await startBundle('reconcile-conversations', { RECONCILE_PARENTS: `projects/${project}/locations/global`, DIALOGFLOW_API_ENDPOINT: dialogflow.url });
      const response = await fetch(url, { method: 'POST' });
      expect(response.status).toBe(200);
      // conversations.get, and participants.list at Dialogflow's final word (COMPLETED): the bundle loads both clients.
      expect(await response.json()).toMatchObject({ reports: [{ taken: 1, refreshed: 1, dialogflowCalls: 2, failed: [] }] });
      expect((await testFirestore().doc(name).get()).data()).toMatchObject({ lifecycleState: 'COMPLETED', conversationProfile: `projects/${project}/locations/global/conversationProfiles/cp` });
    } finally {
      await dialogflow.close();
    }
  }, 30_000);
});

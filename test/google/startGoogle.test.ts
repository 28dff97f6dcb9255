import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { findFreePort } from '../../shared/local/embeddedFirestore';
import { TERRAFORM_PUBSUB_DEFAULTS } from '../../shared/pubsub/pubsubTopology';
import { uniqueProject } from '../support/builders';
import { officialConversationsClient } from '../support/officialClient';
import { waitUntil } from '../support/pubsub';

/**
 * `npm run start:google` as a user runs it: it starts Google's emulators
 * itself, `npm run replay -- --pubsub` publishes the sample conversation to
 * Terraform's topics, the push subscriptions deliver it, and the history API
 * serves it; a SIGTERM to npm stops everything, the Java processes included.
 */

const SAMPLE = 'projects/demo-project/locations/global/conversations/CxSampleBookingChat01';
let npm: ChildProcess | undefined;
afterAll(async () => {
  // After a failure: stop it the way it is meant to stop, so that it stops its emulators too.
  if (!npm || npm.exitCode !== null) return;
  const exited = new Promise((resolve) => npm!.once('exit', resolve));
  npm.kill('SIGTERM');
  await exited;
});

/** The environment of a user's shell: none of the emulator hosts this test run itself uses. */
function userEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['FIRESTORE_EMULATOR_HOST'];
  delete env['PUBSUB_EMULATOR_HOST'];
  return { ...env, ...extra };
}

/** Processes whose command line names one of these ports (the emulators are started with --host-port=127.0.0.1:PORT). */
function processesNaming(ports: string[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (ports.some((port) => command.includes(`:${port}`) || command.includes(`--port=${port}`))) found.push(`${pid} ${command.slice(0, 120)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const accepts = (port: string) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

it('serves, stores what is published to the Terraform-named topics, and leaves nothing behind on SIGTERM', async () => {
  const port = String(await findFreePort());
  const project = uniqueProject();
  npm = spawn('npm', ['run', 'start:google'], { env: userEnvironment({ PORT: port, GOOGLE_CLOUD_PROJECT: project }), stdio: ['ignore', 'pipe', 'pipe'] });
  let banner = '';
  let logs = '';
  npm.stderr!.on('data', (chunk: Buffer) => (banner += chunk.toString()));
  npm.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  await waitUntil('the banner appears', () => (banner.includes('Stop with Ctrl-C') ? true : undefined), 90_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${banner}`);
  });
  const firestoreHost = /^FIRESTORE_EMULATOR_HOST=(\S+)$/m.exec(banner)?.[1];
  const pubsubHost = /^PUBSUB_EMULATOR_HOST=(\S+)$/m.exec(banner)?.[1];
  expect(firestoreHost).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(pubsubHost).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(banner).toContain(`http://127.0.0.1:${port}`);

  const replay = await promisify(execFile)('npm', ['run', 'replay', '--', '--pubsub', 'test/fixtures/recorded-conversation.jsonl'], {
    env: userEnvironment({ PUBSUB_EMULATOR_HOST: pubsubHost!, GOOGLE_CLOUD_PROJECT: project }),
  });
  expect(replay.stdout).toContain('12 events published');
  // The sample is a chat and has no recognition results; one streamed result proves the third topic's path too.
  const recognition = join(mkdtempSync(join(tmpdir(), 'recognition-')), 'result.jsonl');
  const result = { conversation: SAMPLE, type: 'NEW_RECOGNITION_RESULT', newRecognitionResultPayload: { messageType: 'TRANSCRIPT', transcript: 'to be', isFinal: false } };
  writeFileSync(recognition, `${JSON.stringify({ publishTime: '2026-11-02T14:03:05.000Z', event: result })}\n`);
  const replayed = await promisify(execFile)('npm', ['run', 'replay', '--', '--pubsub', recognition], {
    env: userEnvironment({ PUBSUB_EMULATOR_HOST: pubsubHost!, GOOGLE_CLOUD_PROJECT: project }),
  });
  expect(replayed.stdout).toContain('1 events published');

  const client = officialConversationsClient(`http://127.0.0.1:${port}`);
  // Lifecycle events and messages come through different topics and subscriptions, in no order between them:
  // the conversation can be COMPLETED while messages are still being pushed.
  const { conversation, messages } = await waitUntil('the sample conversation and its 9 messages are stored', async () => {
    const [found] = await client.getConversation({ name: SAMPLE }).catch(() => [undefined]);
    if (found?.lifecycleState !== 'COMPLETED') return undefined;
    const [listed] = await client.listMessages({ parent: SAMPLE });
    return listed.length >= 9 ? { conversation: found, messages: listed } : undefined;
  });
  expect(conversation.conversationStage).toBe('HUMAN_ASSIST_STAGE');
  expect(messages).toHaveLength(9);
  await waitUntil('the recognition result is stored', () => (logs.split('\n').some((line) => line.includes('"ingest.stored"') && line.includes('recognition-results-push')) ? true : undefined));
  // Delivered by the push subscriptions Terraform names.
  const subscriptions = new Set(
    logs
      .split('\n')
      .filter((line) => line.includes('"ingest.stored"'))
      .map((line) => (JSON.parse(line) as { subscription: string }).subscription),
  );
  expect(subscriptions).toEqual(
    new Set(Object.values(TERRAFORM_PUBSUB_DEFAULTS.topics).map((topic) => `projects/${project}/subscriptions/${topic}${TERRAFORM_PUBSUB_DEFAULTS.pushSuffix}`)),
  );

  const ports = [port, firestoreHost!.split(':')[1]!, pubsubHost!.split(':')[1]!];
  expect(processesNaming(ports.slice(1)).length).toBeGreaterThan(0);
  const exited = new Promise<number | null>((resolve) => npm!.once('exit', resolve));
  // What a process manager or `kill <pid>` sends: to npm itself, not to its process group.
  npm.kill('SIGTERM');
  expect(await exited).toBe(0);
  await waitUntil('no process of the stack is left', () => (processesNaming(ports).length === 0 ? true : undefined), 10_000).catch(() => {
    throw new Error(`left running: ${processesNaming(ports).join('; ')}`);
  });
  for (const open of ports) expect(await accepts(open)).toBe(false);
}, 180_000);

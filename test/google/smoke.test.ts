import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { inject } from 'vitest';
import { uniqueTopology } from '../support/pubsub';
import { baseUrl } from '../support/stack';
import { readConversation } from '../support/store';

/**
 * `npm run smoke`, the post-deploy check, against Google's Pub/Sub emulator pushing to the running stack: what
 * it publishes goes the whole way (topic, push, ingest, Firestore, history API), and it says so; when the
 * events cannot arrive, it fails with what to look at.
 */

const smoke = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'shared/commands/smokeTest.ts', '--history-url', baseUrl(), ...args], {
    env: { ...process.env, PUBSUB_EMULATOR_HOST: inject('pubsubHost') },
  });

it('publishes a marked test conversation and reads it back COMPLETED through the history API', async () => {
  const topology = await uniqueTopology(baseUrl());
  const { stdout } = await smoke(['--topic', topology.topics.ingestLifecycleEvents, '--timeout', '60']);
  expect(stdout).toMatch(/^OK: the history API serves it COMPLETED, [\d.]+ s after publishing$/m);

  const name = /Published the start and end of (\S+) to /.exec(stdout)![1]!;
  expect(name).toMatch(/^projects\/[^/]+\/locations\/global\/conversations\/smoke-test-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  const stored = await readConversation(name);
  expect(stored).toMatchObject({ lifecycleState: 'COMPLETED' });
  const attributes = (stored!['lifecycleEvents'] as Array<{ detailJson: string }>).map((event) => JSON.parse(event.detailJson).pubsubAttributes);
  expect(attributes).toEqual([{ 'smoke-test': 'true' }, { 'smoke-test': 'true' }]);
}, 90_000);

it('fails within its timeout, naming what to look at, when nothing delivers the topic', async () => {
  const topology = await uniqueTopology('http://127.0.0.1:9');
  const failure = await smoke(['--topic', topology.topics.ingestLifecycleEvents, '--timeout', '3']).catch((error: { code: number; stderr: string }) => error);
  expect(failure).toMatchObject({ code: 1 });
  expect((failure as { stderr: string }).stderr).toMatch(/^Smoke test failed: not served COMPLETED within 3 s \(last answer: 404\)\. Look at the push subscription of projects\/.+ and the ingest function's log/m);
}, 30_000);

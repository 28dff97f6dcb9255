import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { lifecycleEvent, makePushBody, messageEvent, uniqueProject } from '../support/builders';
import { DISCOVERY_DOCUMENTS, pythonWithGoogleClient } from '../support/pythonTier';
import { baseUrl, ingestAll, stackLogText } from '../support/stack';

/**
 * Google's discovery-based Python client (python3-googleapi), built from Dialogflow's v2 discovery document with
 * its rootUrl moved to the running stack, over real HTTP: partial responses, prettyPrint, oauth_token and
 * access_token, $.xgafv, and batch (vitest.config.ts leaves this file out, in one line, where the package or the
 * document is missing).
 */

const project = uniqueProject();
const conversation = `projects/${project}/locations/global/conversations/CvPython`;
const secret = `ya29.${randomUUID()}`;
const SCRIPT = fileURLToPath(new URL('../support/python/readHistory.py', import.meta.url));

interface PythonReads {
  partial: Record<string, unknown>;
  partialWithoutToken: Record<string, unknown>;
  invalidFields: { status: number; body: { error: Record<string, unknown> } } | null;
  get: Record<string, unknown>;
  pretty: { status: number; text: string; uri: string };
  compact: { status: number; text: string; uri: string };
  withTokensUri: string;
  withTokens: Record<string, unknown>;
  v1Error: { status: number; body: { error: Record<string, unknown> } } | null;
  v2Error: { status: number; body: { error: Record<string, unknown> } } | null;
  legacyMessages: Record<string, unknown>;
  batch: { status: number; uri: string; body: { error: Record<string, unknown> } } | null;
  participantPages: Array<Record<string, unknown>>;
  participantGet: Record<string, unknown>;
  participantRoleOnly: Record<string, unknown>;
  participantMissing: { status: number; body: { error: Record<string, unknown> } } | null;
}

let reads: PythonReads;

beforeAll(async () => {
  await ingestAll([
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(conversation, 'CONVERSATION_STARTED'), { publishTime: '2026-11-01T10:00:00Z' }) },
    ...[1, 2, 3].map((index) => ({
      path: '/ingestMessageEvents',
      body: makePushBody(messageEvent(conversation, `M${index}`, { content: `python ${index}`, createTime: `2026-11-01T10:0${index}:00Z`, participantRole: 'END_USER' })),
    })),
    {
      path: '/ingestMessageEvents',
      body: makePushBody(messageEvent(conversation, 'M0', { createTime: '2026-11-01T10:00:30Z', participant: `${conversation}/participants/P2`, participantRole: 'HUMAN_AGENT' })),
    },
  ]);
  const args = {
    discovery: DISCOVERY_DOCUMENTS.v2,
    url: baseUrl(),
    conversation,
    legacyConversation: `projects/${project}/conversations/CvPython`,
    missing: `${conversation}Missing`,
    secret,
  };
  const { stdout } = await promisify(execFile)(pythonWithGoogleClient()!, [SCRIPT, JSON.stringify(args)], { timeout: 60_000 });
  reads = JSON.parse(stdout) as PythonReads;
}, 90_000);

it('reads a partial message list with fields, keeping the page token only when asked for', () => {
  expect(reads.partial).toEqual({
    messages: [
      { content: 'python 3', createTime: '2026-11-01T10:03:00Z' },
      { content: 'python 2', createTime: '2026-11-01T10:02:00Z' },
    ],
    nextPageToken: expect.any(String),
  });
  expect(reads.partialWithoutToken).toEqual({ messages: [{ content: 'python 3' }, { content: 'python 2' }] });
  expect(reads.legacyMessages).toEqual({ messages: ['M3', 'M2', 'M1', 'M0'].map((id) => ({ name: `${conversation}/messages/${id}` })) });
});

it('is answered 400 INVALID_ARGUMENT for an invalid fields expression', () => {
  expect(reads.invalidFields).toMatchObject({ status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT' } } });
});

it('gets indented JSON with prettyPrint=True and compact JSON with prettyPrint=False', () => {
  expect(reads.pretty.uri).toContain('prettyPrint=true');
  expect(reads.pretty.text).toBe(JSON.stringify(reads.get, null, 2));
  expect(reads.compact.uri).toContain('prettyPrint=false');
  expect(reads.compact.text).toBe(JSON.stringify(reads.get));
});

it('is served with oauth_token and access_token in the query, which are never logged', () => {
  expect(reads.withTokensUri).toContain(`oauth_token=${secret}`);
  expect(reads.withTokensUri).toContain(`access_token=${secret}`);
  expect(reads.withTokens).toEqual(reads.get);
  expect(reads.get).toMatchObject({ name: conversation, lifecycleState: 'IN_PROGRESS' });
  expect(stackLogText()).not.toContain(secret);
});

it('gets the v1 error format with x__xgafv="1" ($.xgafv=1) and the v2 format otherwise', () => {
  const message = `Conversation ${conversation}Missing not found`;
  expect(reads.v2Error).toEqual({ status: 404, body: { error: { code: 404, message, status: 'NOT_FOUND' } } });
  expect(reads.v1Error).toEqual({ status: 404, body: { error: { code: 404, message, status: 'NOT_FOUND', errors: [{ message, domain: 'global', reason: 'notFound' }] } } });
});

it("is answered 501 UNIMPLEMENTED for a batch, at the discovery document's batchPath", () => {
  expect(reads.batch).toMatchObject({ status: 501, uri: `${baseUrl()}/batch`, body: { error: { code: 501, status: 'UNIMPLEMENTED' } } });
});

it('reads participants().list page by page with list_next, and participants().get in both spellings and with fields', () => {
  expect(reads.participantPages).toEqual([
    { participants: [{ name: `${conversation}/participants/P1`, role: 'END_USER' }], nextPageToken: expect.any(String) },
    { participants: [{ name: `${conversation}/participants/P2`, role: 'HUMAN_AGENT' }] },
  ]);
  expect(reads.participantGet).toEqual({ name: `${conversation}/participants/P1`, role: 'END_USER' });
  expect(reads.participantRoleOnly).toEqual({ role: 'HUMAN_AGENT' });
  expect(reads.participantMissing).toMatchObject({ status: 404, body: { error: { code: 404, status: 'NOT_FOUND' } } });
});

import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { lifecycleEvent, makePushBody, messageEvent, uniqueProject } from '../support/builders';
import { baseUrl, ingestAll, stackLogText } from '../support/stack';

/**
 * The standard system parameters of Google's APIs (the discovery document's top-level `parameters`), HEAD and
 * Google's batch path, over real HTTP against the running stack.
 */

const project = uniqueProject();
const conversation = `projects/${project}/locations/global/conversations/CvSystem`;
const messagesPath = `/v2/${conversation}/messages`;

beforeAll(async () => {
  await ingestAll([
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(conversation, 'CONVERSATION_STARTED'), { publishTime: '2026-11-01T10:00:00Z' }) },
    ...[1, 2, 3].map((index) => ({
      path: '/ingestMessageEvents',
      body: makePushBody(messageEvent(conversation, `M${index}`, { content: `text ${index}`, createTime: `2026-11-01T10:0${index}:00Z`, participantRole: 'END_USER' })),
    })),
  ]);
});

const read = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${baseUrl()}${path}`, init);
  return { response, text: await response.text() };
};

describe('fields: partial responses', () => {
  it('sends only the selected fields of each message, and the page token when asked for', async () => {
    const { response, text } = await read(`${messagesPath}?pageSize=2&fields=${encodeURIComponent('messages(content,createTime),nextPageToken')}`);
    expect(response.status).toBe(200);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['messages', 'nextPageToken']);
    expect(body['messages']).toEqual([
      { content: 'text 3', createTime: '2026-11-01T10:03:00Z' },
      { content: 'text 2', createTime: '2026-11-01T10:02:00Z' },
    ]);
    const next = await read(`${messagesPath}?pageSize=2&pageToken=${encodeURIComponent(body['nextPageToken'] as string)}&fields=messages/content`);
    expect(JSON.parse(next.text)).toEqual({ messages: [{ content: 'text 1' }] });
  });

  it('selects within a conversation', async () => {
    const { text } = await read(`/v2/${conversation}?fields=name,lifecycleState`);
    expect(JSON.parse(text)).toEqual({ name: conversation, lifecycleState: 'IN_PROGRESS' });
  });

  it('selects within participants too, with enums as numbers when asked', async () => {
    const { text } = await read(`/v2/${conversation}/participants?fields=participants/role&$alt=json;enum-encoding=int`);
    expect(JSON.parse(text)).toEqual({ participants: [{ role: 3 }] });
  });

  it('answers an invalid fields expression 400 INVALID_ARGUMENT, as Google does', async () => {
    const { response, text } = await read(`${messagesPath}?fields=${encodeURIComponent('messages(content')}`);
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('Invalid field selection') } });
  });
});

describe('prettyPrint and $.xgafv', () => {
  it('answers compact JSON by default and with prettyPrint=false, indented with prettyPrint=true', async () => {
    const compact = await read(`/v2/${conversation}`);
    expect(compact.text).not.toContain('\n');
    expect((await read(`/v2/${conversation}?prettyPrint=false`)).text).toBe(compact.text);
    const pretty = await read(`/v2/${conversation}?prettyPrint=true`);
    expect(pretty.text).toBe(JSON.stringify(JSON.parse(compact.text), null, 2));
    expect(pretty.response.headers.get('content-length')).toBe(String(Buffer.byteLength(pretty.text)));
  });

  it('answers errors in the v2 format by default and in the v1 format with $.xgafv=1', async () => {
    const missing = `/v2/${conversation}x`;
    const v2 = JSON.parse((await read(missing)).text) as { error: Record<string, unknown> };
    expect(v2).toEqual({ error: { code: 404, message: `Conversation ${conversation}x not found`, status: 'NOT_FOUND' } });
    const v1 = JSON.parse((await read(`${missing}?$.xgafv=1`)).text) as { error: Record<string, unknown> };
    expect(v1).toEqual({ error: { ...v2.error, errors: [{ message: v2.error['message'], domain: 'global', reason: 'notFound' }] } });
    const refused = JSON.parse((await read(`/v2/${conversation}?$.xgafv=1&prettyPrint=true&pageSize=1`)).text) as { error: Record<string, unknown> };
    expect(refused.error).toMatchObject({ code: 400, errors: [{ domain: 'global', reason: 'badRequest' }] });
  });
});

describe('oauth_token and access_token', () => {
  it('accepts both, as every standard parameter, and never writes their values to the log', async () => {
    const secret = `ya29.${randomUUID()}`;
    const all = `access_token=${secret}&oauth_token=${secret}&key=k&quotaUser=q&callback=c&upload_protocol=raw&uploadType=media&alt=json&$.xgafv=2&prettyPrint=false`;
    expect((await read(`/v2/${conversation}?${all}`)).response.status).toBe(200);
    expect((await read(`${messagesPath}?${all}&fields=messages/name`)).response.status).toBe(200);
    // Refused and failed requests are logged with their reasons: none quotes a query value.
    expect((await read(`/v2/${conversation}?${all}&unknown=1`)).response.status).toBe(400);
    expect((await read(`/v2/projects/${project}/nowhere?${all}`)).response.status).toBe(404);
    expect(stackLogText()).not.toContain(secret);
  });
});

describe('HEAD', () => {
  it.each([
    ['a conversation', () => `/v2/${conversation}`, 200],
    ['a message list', () => `${messagesPath}?pageSize=1`, 200],
    ['a participant list', () => `/v2/${conversation}/participants?pageSize=1`, 200],
    ['a participant', () => `/v2/${conversation}/participants/P1`, 200],
    ['a missing participant', () => `/v2/${conversation}/participants/P9`, 404],
    ['a conversation list in v2beta1', () => `/v2beta1/projects/${project}/conversations`, 200],
    ['the viewer', () => '/', 200],
    ['a missing conversation', () => `/v2/${conversation}x`, 404],
  ])("answers %s with GET's status and headers, and no body", async (_name, path, status) => {
    const get = await read(path());
    const head = await read(path(), { method: 'HEAD' });
    expect([head.response.status, get.response.status]).toEqual([status, status]);
    expect(head.text).toBe('');
    for (const header of ['content-type', 'content-length', 'cache-control', 'x-content-type-options']) {
      expect(head.response.headers.get(header), header).toBe(get.response.headers.get(header));
    }
  });
});

describe('batch', () => {
  it('answers POST /batch, the discovery document\'s batchPath, 501 UNIMPLEMENTED with the reason', async () => {
    const boundary = 'batch_boundary';
    const body = `--${boundary}\r\nContent-Type: application/http\r\n\r\nGET /v2/${conversation}\r\n\r\n--${boundary}--\r\n`;
    const { response, text } = await read('/batch', { method: 'POST', headers: { 'content-type': `multipart/mixed; boundary=${boundary}` }, body });
    expect(response.status).toBe(501);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 501, status: 'UNIMPLEMENTED', message: expect.stringContaining('Batch requests are not implemented') } });
  });
});

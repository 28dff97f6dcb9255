import { expect, it } from 'vitest';
import { makePushBody, makeRawPushBody, messageEvent, uniqueConversation } from '../support/builders';
import { getJson, post, stackLogLines, stackLogText, waitForStackLog } from '../support/stack';

/** Logs are for operators: structured, traceable, and free of conversation text (end-user PII). */

it('logs each outcome as one structured line with its event name, ids and trace', async () => {
  const c = uniqueConversation();
  const secret = `PII-${c.id}`;
  const trace = '105445aa7843bc8bf206b12000100000';
  const body = makePushBody(messageEvent(c.name, 'M1', { content: secret }));
  await post('/ingestMessageEvents', body, { 'x-cloud-trace-context': `${trace}/1;o=1` });
  await post('/ingestMessageEvents', body);
  await post('/ingestMessageEvents', makeRawPushBody(Buffer.from(JSON.stringify(messageEvent(c.name, 'M2', { content: secret, createTime: 'soon' }))).toString('base64')));
  const ofConversation = (lines: Array<Record<string, unknown>>) => lines.filter((line) => line['conversation'] === c.name);
  const mine = ofConversation(await waitForStackLog((lines) => ofConversation(lines).length >= 3));
  expect(mine.map((line) => [line['event'], line['severity']])).toEqual([
    ['ingest.stored', 'INFO'],
    ['ingest.duplicate', 'INFO'],
    ['ingest.rejected', 'ERROR'],
  ]);
  expect(mine[0]).toMatchObject({
    message: expect.any(String),
    messageId: 'M1',
    eventKind: 'message',
    pubsubMessageId: body.message.messageId,
    'logging.googleapis.com/trace': `projects/demo-conversation-history/traces/${trace}`,
  });
  expect(mine[2]).toMatchObject({ rejectionCode: 'invalid_timestamp', quarantineId: expect.any(String) });
  expect(stackLogText()).not.toContain(secret);
});

it("logs a rejected delivery's reason without the text of keys it does not model, and an unknown type as UNRECOGNIZED", async () => {
  const c = uniqueConversation();
  const secret = `SECRET-${c.id}`;
  const data = (event: unknown) => Buffer.from(JSON.stringify(event)).toString('base64');
  // A key is text the caller chose: it once appeared in the reason, "at 'SECRET-....__proto__'".
  const unsafeKey = JSON.parse(`{"conversation":"${c.name}","type":1,"${secret}-key":{"__proto__":1}}`) as unknown;
  const answers = [
    await post('/ingestLifecycleEvents', makeRawPushBody(data(unsafeKey))),
    await post('/ingestLifecycleEvents', makeRawPushBody(data({ conversation: c.name, type: 1 }), { attributes: { [`${secret}-attribute`]: 5 } })),
    await post('/ingestLifecycleEvents', makePushBody({ conversation: c.name, type: `${secret}-TYPE` })),
    await post('/ingestLifecycleEvents', makePushBody({ conversation: `${c.name}/x`, type: `${secret}-TYPE-2` })),
  ];
  expect(answers.map((answer) => answer.body['outcome'])).toEqual(['rejected', 'rejected', 'stored', 'rejected']);
  expect(answers[0]!.body['reason']).toMatch(/at '<unknown key>\.__proto__'/);
  expect(answers[1]!.body['reason']).toMatch(/Field 'message\.attributes\.<unknown key>' must be a string/);

  const quarantineIds = answers.map((answer) => answer.body['quarantineId']).filter((id): id is string => typeof id === 'string');
  const rejectedOf = (lines: Array<Record<string, unknown>>) => lines.filter((line) => line['event'] === 'ingest.rejected' && quarantineIds.includes(String(line['quarantineId'])));
  const storedOf = (lines: Array<Record<string, unknown>>) => lines.filter((line) => line['event'] === 'ingest.stored' && line['conversation'] === c.name);
  const rejected = rejectedOf(await waitForStackLog((lines) => rejectedOf(lines).length >= quarantineIds.length && storedOf(lines).length >= 1));
  expect(rejected.map((line) => line['reason'])).toEqual([answers[0]!.body['reason'], answers[1]!.body['reason'], answers[3]!.body['reason']]);
  expect(rejected[2]).toMatchObject({ eventType: 'UNRECOGNIZED' });
  expect(stackLogText().includes(secret), 'a log line quotes the keys or type the caller wrote').toBe(false);
  const stored = stackLogLines().find((line) => line['event'] === 'ingest.stored' && line['conversation'] === c.name);
  expect(stored).toMatchObject({ eventType: 'UNRECOGNIZED' });
});

it('escapes the bidirectional and control characters of a request path in the error body and the log', async () => {
  const marker = `Cbidi${Date.now()}`;
  // U+202E (right-to-left override), U+2066 (isolate), a newline, U+0085 (C1 next line).
  const answer = await getJson(`/v2/projects/p/locations/global/conversations/${marker}%E2%80%AEgpj.exe%E2%81%A6%0Afake%C2%85line`);
  expect(answer.status).toBe(400);
  const message = String((answer.body['error'] as { message: string }).message);
  expect(message).toContain(`${marker}\\u202egpj.exe\\u2066\\u000afake\\u0085line`);
  expect(message).not.toMatch(/[\u202e\u2066\n\u0085]/);
  const refusedOf = (lines: Array<Record<string, unknown>>) => lines.filter((line) => JSON.stringify(line).includes(marker));
  const refused = refusedOf(await waitForStackLog((lines) => refusedOf(lines).length > 0));
  expect(refused.length).toBeGreaterThan(0);
  for (const line of refused) expect(JSON.stringify(line)).not.toMatch(/[\u202e\u2066\u0085]|\\n/);
});

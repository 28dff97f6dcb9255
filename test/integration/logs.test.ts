import { expect, it } from 'vitest';
import { makePushBody, makeRawPushBody, messageEvent, uniqueConversation } from '../support/builders';
import { post, stackLogLines, stackLogText } from '../support/stack';

/** Logs are for operators: structured, traceable, and free of conversation text (end-user PII). */

it('logs each outcome as one structured line with its event name, ids and trace', async () => {
  const c = uniqueConversation();
  const secret = `PII-${c.id}`;
  const trace = '105445aa7843bc8bf206b12000100000';
  const body = makePushBody(messageEvent(c.name, 'M1', { content: secret }));
  await post('/ingestMessageEvents', body, { 'x-cloud-trace-context': `${trace}/1;o=1` });
  await post('/ingestMessageEvents', body);
  await post('/ingestMessageEvents', makeRawPushBody(Buffer.from(JSON.stringify(messageEvent(c.name, 'M2', { content: secret, createTime: 'soon' }))).toString('base64')));
  await new Promise((resolve) => setTimeout(resolve, 200));

  const mine = stackLogLines().filter((line) => line['conversation'] === c.name);
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

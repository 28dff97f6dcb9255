import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freshTopics, pullAll, sleep, testPubSub, waitUntil } from '../support/pubsub';

/**
 * What Google's Pub/Sub emulator does when a push endpoint answers non-2xx or
 * does not answer in time, measured against an endpoint of the test's own.
 * docs/development.md, "Two local modes", says how this differs from Pub/Sub.
 */

interface Attempt {
  atMs: number;
  body: { message: { messageId: string; attributes?: Record<string, string> }; subscription: string; deliveryAttempt?: number };
  respond(status: number): void;
}

const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.closeAllConnections();
  return Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A push endpoint that records every attempt and lets the test decide when and how to answer. */
async function startEndpoint(answer: (attempt: Attempt, index: number) => void): Promise<{ url: string; attempts: Attempt[] }> {
  const attempts: Attempt[] = [];
  const started = performance.now();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const attempt: Attempt = {
        atMs: performance.now() - started,
        body: JSON.parse(text) as Attempt['body'],
        respond: (status) => {
          if (!res.writableEnded && !res.destroyed) res.writeHead(status).end();
        },
      };
      attempts.push(attempt);
      answer(attempt, attempts.length - 1);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, attempts };
}

const gaps = (attempts: Attempt[]) => attempts.slice(1).map((attempt, i) => Math.round((attempt.atMs - attempts[i]!.atMs) / 100) / 10);

// Each test has its own topics and endpoint, and waits on the emulator's clock: they run side by side.
describe.concurrent("Google's Pub/Sub emulator, pushing to an endpoint of the test's own", () => {
  it('redelivers a message answered 503, without deliveryAttempt, and dead-letters it after max_delivery_attempts', async () => {
    const endpoint = await startEndpoint((attempt) => attempt.respond(503));
    const topics = await freshTopics();
    const pubsub = testPubSub();
    // Pub/Sub's smallest max_delivery_attempts, so that the test takes seconds (Terraform's default is 10).
    await pubsub.createSubscription(topics.push, {
      topic: topics.events,
      pushConfig: { pushEndpoint: endpoint.url },
      deadLetterPolicy: { deadLetterTopic: topics.deadLetter, maxDeliveryAttempts: 5 },
      retryPolicy: { minimumBackoff: '1s', maximumBackoff: '5s' },
    });
    const [messageId] = await pubsub.publish(topics.events, [{ data: Buffer.from('{}').toString('base64'), attributes: { origin: 'test' } }]);

    const [deadLetter] = await pullAll(topics.deadLetters, 1, 60_000);
    const attempts = endpoint.attempts;
    process.stdout.write(`Pub/Sub emulator, 503 answered: ${attempts.length} attempts, gaps ${gaps(attempts).join(', ')} s, then dead-lettered\n`);
    expect(attempts.length).toBe(5);
    expect(attempts.every((attempt) => attempt.body.message.messageId === messageId)).toBe(true);
    // Pub/Sub adds deliveryAttempt to the push body when a dead-letter policy is set; the emulator does not.
    expect(attempts.every((attempt) => attempt.body.deliveryAttempt === undefined)).toBe(true);
    expect(deadLetter!.message.attributes).toMatchObject({
      origin: 'test',
      CloudPubSubDeadLetterSourceDeliveryCount: '5',
      CloudPubSubDeadLetterSourceSubscription: topics.push.split('/').pop(),
    });
    // The dead letter is a new message: a new id and publish time; the original's publish time is an attribute.
    expect(deadLetter!.message.messageId).not.toBe(messageId);
    expect(deadLetter!.message.attributes!['CloudPubSubDeadLetterSourceTopicPublishTime']).toBeDefined();
    await sleep(3_000);
    expect(endpoint.attempts.length).toBe(5);
  }, 90_000);

  it("retries the first refusal after about a second, whatever the retry policy's minimum backoff", async () => {
    const endpoint = await startEndpoint((attempt, index) => attempt.respond(index === 0 ? 503 : 200));
    const topics = await freshTopics();
    const pubsub = testPubSub();
    // Terraform's retry policy: Pub/Sub waits at least 10 s before delivering a refused message again.
    await pubsub.createSubscription(topics.push, {
      topic: topics.events,
      pushConfig: { pushEndpoint: endpoint.url },
      retryPolicy: { minimumBackoff: '10s', maximumBackoff: '600s' },
    });
    await pubsub.publish(topics.events, [{ data: Buffer.from('{}').toString('base64') }]);
    await waitUntil('a second delivery arrives', () => (endpoint.attempts.length >= 2 ? true : undefined), 30_000);
    const [gap] = gaps(endpoint.attempts);
    process.stdout.write(`Pub/Sub emulator, 503 answered under a 10 s minimum backoff: delivered again after ${gap} s\n`);
    expect(gap).toBeLessThan(10);
    await sleep(2_000);
    expect(endpoint.attempts.length).toBe(2);
  }, 60_000);

  it('delivers again once the ack deadline passes without an answer, while the first request is still open', async () => {
    const held: Attempt[] = [];
    const endpoint = await startEndpoint((attempt, index) => (index === 0 ? held.push(attempt) : attempt.respond(200)));
    const topics = await freshTopics();
    const pubsub = testPubSub();
    // Pub/Sub's shortest ack deadline.
    await pubsub.createSubscription(topics.push, { topic: topics.events, pushConfig: { pushEndpoint: endpoint.url }, ackDeadlineSeconds: 10 });
    const [messageId] = await pubsub.publish(topics.events, [{ data: Buffer.from('{}').toString('base64') }]);

    await waitUntil('a second delivery arrives', () => (endpoint.attempts.length >= 2 ? true : undefined), 30_000);
    const [first, second] = endpoint.attempts;
    process.stdout.write(`Pub/Sub emulator, no answer within a 10 s ack deadline: delivered again after ${gaps([first!, second!])[0]} s\n`);
    expect(second!.body.message.messageId).toBe(messageId);
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(9_000);
    // The second was acknowledged; answering the first late changes nothing, and nothing is delivered again.
    held[0]!.respond(200);
    await sleep(3_000);
    expect(endpoint.attempts.length).toBe(2);
  }, 60_000);
});

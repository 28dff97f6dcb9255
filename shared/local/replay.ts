/**
 * `npm run replay -- <file.jsonl> [--url http://127.0.0.1:8080]`
 * `npm run replay -- --pubsub <file.jsonl>`
 *
 * Replays a recorded conversation: a JSON Lines file of Pub/Sub messages
 * (one `{"publishTime", "event", "attributes"?}` per line), in file order.
 *
 * By default each message is posted to the running stack as a push delivery
 * and its outcome printed; replaying a file twice sends the same message ids,
 * so the second run shows duplicates. With --pubsub each event is published to
 * its topic on the Pub/Sub emulator (PUBSUB_EMULATOR_HOST), as Dialogflow
 * publishes it, and reaches the functions through the push subscriptions of
 * `npm run start:google`; Pub/Sub then assigns message ids and publish times.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EMULATOR_PROJECT_ID } from '../platform/config';
import { targetFor, toPushBody, type RecordedMessage } from '../pubsub/pushDelivery';
import { createEmulatorPubSub } from '../pubsub/pubsubRest';
import { TERRAFORM_PUBSUB_DEFAULTS } from '../pubsub/pubsubTopology';

const USAGE = `usage: npm run replay -- <file.jsonl> [--url http://127.0.0.1:8080]
       npm run replay -- --pubsub <file.jsonl> [--project P] [--pubsub-host host:port]

Without --pubsub, posts each recorded message to the stack's push endpoints (npm start) and prints each answer.
With --pubsub, publishes each event to Terraform's topics on the Pub/Sub emulator (npm run start:google).
  --url           the local stack (default http://127.0.0.1:$PORT, PORT defaulting to 8080)
  --pubsub-host   the Pub/Sub emulator (default PUBSUB_EMULATOR_HOST)
  --project       the topics' project (default GOOGLE_CLOUD_PROJECT, else ${EMULATOR_PROJECT_ID})
`;

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env['PORT'] ?? 8080}` },
      pubsub: { type: 'boolean', default: false },
      'pubsub-host': { type: 'string', default: process.env['PUBSUB_EMULATOR_HOST'] },
      project: { type: 'string', default: process.env['GOOGLE_CLOUD_PROJECT'] || EMULATOR_PROJECT_ID },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const file = positionals[0];
if (!file) {
  process.stderr.write(USAGE);
  process.exit(2);
}

const recorded = (await readFile(file, 'utf8'))
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as RecordedMessage);

try {
  process.exit(values.pubsub ? await publishAll(recorded) : await postAll(recorded));
} catch (error) {
  const hint = values.pubsub
    ? `Is \`npm run start:google\` running, with the same GOOGLE_CLOUD_PROJECT (${values.project})?`
    : `Is \`npm start\` running at ${values.url}?`;
  process.stderr.write(`Replay stopped: ${(error as Error).message}. ${hint}\n`);
  process.exit(1);
}

async function postAll(messages: RecordedMessage[]): Promise<number> {
  let failures = 0;
  for (const [index, message] of messages.entries()) {
    const target = targetFor(message.event);
    const response = await fetch(`${values.url}/${target}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(toPushBody(message, target)),
    });
    const answer = (await response.json().catch(() => ({}))) as { outcome?: string; reason?: string };
    if (!response.ok) failures++;
    process.stdout.write(`${line(index, message, target)} ${response.status} ${answer.outcome ?? ''} ${answer.reason ?? ''}\n`);
  }
  process.stdout.write(`${messages.length} deliveries, ${failures} not acknowledged\n`);
  return failures > 0 ? 1 : 0;
}

async function publishAll(messages: RecordedMessage[]): Promise<number> {
  const host = values['pubsub-host'];
  if (!host) {
    process.stderr.write('--pubsub needs the Pub/Sub emulator: set PUBSUB_EMULATOR_HOST (npm run start:google prints it) or pass --pubsub-host.\n');
    return 2;
  }
  const pubsub = createEmulatorPubSub(host);
  for (const [index, message] of messages.entries()) {
    const target = targetFor(message.event);
    const topic = `projects/${values.project}/topics/${TERRAFORM_PUBSUB_DEFAULTS.topics[target]}`;
    const data = Buffer.from(JSON.stringify(message.event)).toString('base64');
    const [messageId] = await pubsub.publish(topic, [{ data, ...(message.attributes ? { attributes: message.attributes } : {}) }]);
    process.stdout.write(`${line(index, message, target)} published as message ${messageId}\n`);
  }
  process.stdout.write(`${messages.length} events published to ${values.project}'s topics; the push subscriptions deliver them to the functions (their logs say what was stored)\n`);
  return 0;
}

function line(index: number, message: RecordedMessage, target: string): string {
  return `${String(index + 1).padStart(3)} ${String(message.event['type']).padEnd(26)} -> ${target.padEnd(22)}`;
}

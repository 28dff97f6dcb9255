/**
 * `npm run replay-dead-letters -- --url <base URL> [--subscription S] [--function F] [--token T] [--limit N]`
 *
 * Replays what Pub/Sub dead-lettered (deliveries the functions refused
 * max_delivery_attempts times, during an outage, say) once the cause is
 * fixed: pulls from the dead-letter subscription, posts each message to the
 * function it was meant for as the push delivery it was, acknowledges only
 * what the function answered 2xx (stored, duplicate, or quarantined), and
 * prints a summary. Republishing to the topic instead would make a replayed
 * lifecycle event a second event, published at the replay's time.
 *
 * A dead letter is a new Pub/Sub message: its own id and publish time.
 * Pub/Sub keeps the original publish time (CloudPubSubDeadLetterSourceTopicPublishTime)
 * but not the original message id, so the delivery is posted with the
 * original publish time and an id derived from the dead letter's content:
 * replaying the same dead letter again (a seek, a second run) is a duplicate.
 *
 * Pub/Sub: the emulator at PUBSUB_EMULATOR_HOST, otherwise Google's API with
 * application default credentials.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { EMULATOR_PROJECT_ID } from '../platform/config';
import { connectPubSub, type ReceivedMessage } from '../pubsub/pubsubRest';
import { TERRAFORM_PUBSUB_DEFAULTS } from '../pubsub/pubsubTopology';
import type { IngestTarget } from '../pubsub/pushDelivery';

const USAGE = `usage: npm run replay-dead-letters -- --url <base URL> [options]

  --url           the functions: locally the stack (http://127.0.0.1:8080), each function by name under it;
                  for a deployment, one function's URL, with --function
  --function      send every dead letter to this function (ingestLifecycleEvents, ingestMessageEvents or ingestRecognitionResults);
                  by default each goes to the function its source subscription pushed to
  --subscription  the dead-letter subscription (default: Terraform's, in GOOGLE_CLOUD_PROJECT)
  --token         an ID token for the function (gcloud auth print-identity-token), when deployed
  --limit         replay at most this many (default: all)
Pub/Sub: the emulator at PUBSUB_EMULATOR_HOST, otherwise Google's API with application default credentials.
`;

const DEAD_LETTER_ATTRIBUTE = /^CloudPubSubDeadLetterSource/;

let parsed;
try {
  parsed = parseArgs({
    options: {
      url: { type: 'string' },
      function: { type: 'string' },
      subscription: { type: 'string' },
      token: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!values.url || (values.function && !['ingestLifecycleEvents', 'ingestMessageEvents', 'ingestRecognitionResults'].includes(values.function))) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const project = process.env['GOOGLE_CLOUD_PROJECT'] || EMULATOR_PROJECT_ID;
const subscription =
  values.subscription ?? `projects/${project}/subscriptions/${TERRAFORM_PUBSUB_DEFAULTS.deadLetterTopic}${TERRAFORM_PUBSUB_DEFAULTS.pullSuffix}`;
const limit = values.limit ? Number(values.limit) : Number.POSITIVE_INFINITY;
const pubsub = await connectPubSub();

const counts = { stored: 0, duplicate: 0, rejected: 0, failed: 0 };
let seen = 0;
try {
  while (seen < limit) {
    const batch = await pubsub.pull(subscription, Math.min(100, limit - seen));
    if (batch.length === 0) break;
    const acknowledged: string[] = [];
    for (const received of batch) {
      seen++;
      const outcome = await replay(received);
      counts[outcome]++;
      if (outcome !== 'failed') acknowledged.push(received.ackId);
    }
    await pubsub.acknowledge(subscription, acknowledged);
    if (acknowledged.length < batch.length) break; // what failed stays; do not pull it again in this run
  }
} catch (error) {
  process.stderr.write(`Replay stopped: ${(error as Error).message}\n`);
  process.exit(1);
}
process.stdout.write(
  `${seen} dead letters: ${counts.stored} stored, ${counts.duplicate} already stored, ${counts.rejected} quarantined, ${counts.failed} failed (left in ${subscription})\n`,
);
process.exit(counts.failed > 0 ? 1 : 0);

async function replay(received: ReceivedMessage): Promise<keyof typeof counts> {
  const attributes = received.message.attributes ?? {};
  const original = Object.fromEntries(Object.entries(attributes).filter(([key]) => !DEAD_LETTER_ATTRIBUTE.test(key)));
  const source = attributes['CloudPubSubDeadLetterSourceSubscription'] ?? '';
  const sourceProject = attributes['CloudPubSubDeadLetterSourceSubscriptionProject'] ?? project;
  const publishTime = attributes['CloudPubSubDeadLetterSourceTopicPublishTime'] ?? received.message.publishTime;
  const data = received.message.data ?? '';
  const messageId = `dl-${createHash('sha256').update(`${sourceProject}/${source}\n${publishTime}\n${data}\n${JSON.stringify(Object.entries(original).sort())}`).digest('hex').slice(0, 24)}`;
  const target = (values.function as IngestTarget | undefined) ?? targetOfSubscription(source);
  const body = {
    message: { data, ...(Object.keys(original).length > 0 ? { attributes: original } : {}), messageId, message_id: messageId, publishTime, publish_time: publishTime },
    subscription: `projects/${sourceProject}/subscriptions/${source}`,
  };
  const url = values.function ? values.url! : `${values.url!.replace(/\/$/, '')}/${target}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(values.token ? { authorization: `Bearer ${values.token}` } : {}) },
    body: JSON.stringify(body),
  }).catch((error: Error) => error);
  if (response instanceof Error) {
    process.stdout.write(`${received.message.messageId} -> ${target}: ${response.message}\n`);
    return 'failed';
  }
  const answer = (await response.json().catch(() => ({}))) as { outcome?: string; reason?: string };
  process.stdout.write(`${received.message.messageId} (published ${publishTime}) -> ${target}: ${response.status} ${answer.outcome ?? ''} ${answer.reason ?? ''}\n`);
  if (!response.ok) return 'failed';
  return answer.outcome === 'stored' || answer.outcome === 'duplicate' || answer.outcome === 'rejected' ? answer.outcome : 'failed';
}

/**
 * Terraform names each push subscription `<topic>-push`: the lifecycle topic's pushes to ingestLifecycleEvents.
 * Either function stores any event type, so another name only changes which function's log tells of it.
 */
function targetOfSubscription(source: string): IngestTarget {
  const pushedBy = (target: IngestTarget) => `${TERRAFORM_PUBSUB_DEFAULTS.topics[target]}${TERRAFORM_PUBSUB_DEFAULTS.pushSuffix}`;
  if (source.startsWith(pushedBy('ingestLifecycleEvents'))) return 'ingestLifecycleEvents';
  if (source.startsWith(pushedBy('ingestRecognitionResults'))) return 'ingestRecognitionResults';
  return 'ingestMessageEvents';
}

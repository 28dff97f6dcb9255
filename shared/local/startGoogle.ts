/**
 * `npm run start:google`: the local stack on Google's own emulators. Starts
 * the Firestore and Pub/Sub emulators through gcloud (or uses those named by
 * FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST), creates the topics and
 * push subscriptions Terraform creates, with its default names, and serves
 * every function on PORT (default 8080). GOOGLE_CLOUD_PROJECT chooses the project.
 */
import { EMULATOR_PROJECT_ID } from '../platform/config';
import { missingGoogleEmulators, startGoogleEmulator, type RunningEmulator } from './googleEmulators';
import { startLocalStack } from './localStack';
import { createEmulatorPubSub } from '../pubsub/pubsubRest';
import { createPushTopology } from '../pubsub/pubsubTopology';
import { createShutdown } from './shutdown';

if (process.argv.includes('--help')) {
  process.stdout.write(
    [
      'usage: npm run start:google',
      '',
      "Runs every function on one port against Google's Firestore and Pub/Sub emulators, with Terraform's topics and push subscriptions.",
      '  PORT                     port of the functions (default 8080)',
      '  GOOGLE_CLOUD_PROJECT     project of the topics, subscriptions and database (default demo-conversation-history)',
      '  FIRESTORE_EMULATOR_HOST  use this running Firestore emulator instead of starting one',
      '  PUBSUB_EMULATOR_HOST     use this running Pub/Sub emulator instead of starting one',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const started = performance.now();
const shutdown = createShutdown();
const project = process.env['GOOGLE_CLOUD_PROJECT'] || EMULATOR_PROJECT_ID;
const port = Number(process.env['PORT'] ?? 8080);
const given = { firestore: process.env['FIRESTORE_EMULATOR_HOST'] || undefined, pubsub: process.env['PUBSUB_EMULATOR_HOST'] || undefined };

const missing = given.firestore && given.pubsub ? undefined : missingGoogleEmulators();
if (missing) {
  process.stderr.write(`${missing}\n`);
  process.exit(1);
}

async function emulator(kind: 'firestore' | 'pubsub'): Promise<Pick<RunningEmulator, 'host'>> {
  return given[kind] ? { host: given[kind] } : shutdown.add(await startGoogleEmulator(kind, { project }));
}

try {
  process.stderr.write("Starting Google's Firestore and Pub/Sub emulators...\n");
  const [firestore, pubsub] = await Promise.all([emulator('firestore'), emulator('pubsub')]);
  const stack = shutdown.add(await startLocalStack({ port, firestoreHost: firestore.host }));
  const topology = await createPushTopology(createEmulatorPubSub(pubsub.host), { project, functionsUrl: stack.url });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const origin = (kind: 'firestore' | 'pubsub') => (given[kind] ? ' (given)' : '');
  process.stderr.write(
    [
      '',
      `Conversation history is running at ${stack.url} on Google's emulators (started in ${seconds} s)`,
      `  POST ${stack.url}/ingestLifecycleEvents   pushed to by ${topology.pushSubscriptions.ingestLifecycleEvents}`,
      `  POST ${stack.url}/ingestMessageEvents     pushed to by ${topology.pushSubscriptions.ingestMessageEvents}`,
      `  POST ${stack.url}/ingestRecognitionResults  pushed to by ${topology.pushSubscriptions.ingestRecognitionResults}`,
      `  GET  ${stack.url}/v2/projects/{project}/locations/{location}/conversations[...]   history API`,
      `  POST ${stack.url}/reconcileConversations  asks Dialogflow's API about the conversations that need it`,
      `  Topics: ${Object.values(topology.topics).join(', ')}`,
      `  Dead letters: ${topology.deadLetterSubscription}`,
      `  Firestore emulator at ${firestore.host}${origin('firestore')}, Pub/Sub emulator at ${pubsub.host}${origin('pubsub')}. For other tools:`,
      '',
      `FIRESTORE_EMULATOR_HOST=${firestore.host}`,
      `PUBSUB_EMULATOR_HOST=${pubsub.host}`,
      '',
      `Publish the sample conversation:  PUBSUB_EMULATOR_HOST=${pubsub.host} GOOGLE_CLOUD_PROJECT=${project} npm run replay -- --pubsub test/fixtures/recorded-conversation.jsonl`,
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
} catch (error) {
  process.stderr.write(`Could not start the stack on Google's emulators: ${(error as Error).message}\n`);
  await shutdown.exit(1);
}

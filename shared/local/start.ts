/**
 * `npm start`: every function on one port (PORT, default 8080) against the
 * embedded Firestore, or the emulator named by FIRESTORE_EMULATOR_HOST.
 */
import { startLocalStack } from './localStack';
import { createShutdown } from './shutdown';

// Installed before the stack starts, so that a SIGTERM sent as soon as the banner appears stops it cleanly.
const shutdown = createShutdown();
const port = Number(process.env['PORT'] ?? 8080);
const stack = shutdown.add(await startLocalStack({ port, firestoreHost: process.env['FIRESTORE_EMULATOR_HOST'] || undefined }));

const firestore = stack.embeddedFirestore
  ? `embedded emulator at ${stack.firestoreHost}`
  : `emulator at ${stack.firestoreHost} (FIRESTORE_EMULATOR_HOST)`;
process.stderr.write(
  [
    '',
    `Conversation history is running at ${stack.url}`,
    `  POST ${stack.url}/ingestLifecycleEvents   push endpoint for lifecycle events`,
    `  POST ${stack.url}/ingestMessageEvents     push endpoint for NEW_MESSAGE events`,
    `  GET  ${stack.url}/v2/projects/{project}/locations/{location}/conversations[...]   history API`,
    `  POST ${stack.url}/reconcileConversations  asks Dialogflow's API about the conversations that need it`,
    `  Firestore: ${firestore}`,
    `Replay the sample conversation:  npm run replay -- test/fixtures/recorded-conversation.jsonl`,
    'Stop with Ctrl-C.',
    '',
  ].join('\n'),
);

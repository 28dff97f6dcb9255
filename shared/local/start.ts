/**
 * `npm start`: every function on one port (PORT, default 8080) against the
 * embedded Firestore, or the emulator named by FIRESTORE_EMULATOR_HOST.
 */
import { startLocalStack } from './localStack';

const port = Number(process.env['PORT'] ?? 8080);
const stack = await startLocalStack({ port, firestoreHost: process.env['FIRESTORE_EMULATOR_HOST'] || undefined });

// Installed before the banner, so that a SIGTERM sent as soon as it appears stops the stack cleanly.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\nReceived ${signal}; finishing requests in flight and stopping.\n`);
    void stack.stop().then(() => process.exit(0));
  });
}

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
    `  Firestore: ${firestore}`,
    `Replay the sample conversation:  npm run replay -- test/fixtures/recorded-conversation.jsonl`,
    'Stop with Ctrl-C.',
    '',
  ].join('\n'),
);


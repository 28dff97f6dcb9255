/**
 * `npm start`: every function on one port (PORT, default 8080) against the
 * embedded Firestore, or the emulator named by FIRESTORE_EMULATOR_HOST.
 */
import { registerLocalStack } from './localStackRegistry';
import { startLocalStack } from './localStack';
import { createShutdown } from './shutdown';

const USAGE = `usage: npm start

Runs every function on one port, against the embedded Firestore emulator (in memory: nothing is kept across
restarts) or the emulator FIRESTORE_EMULATOR_HOST names.

  PORT=8081 npm start                               another port (default 8080)
  FIRESTORE_EMULATOR_HOST=127.0.0.1:8085 npm start  another emulator (Google's, say: npm run start:google starts both)
  DIALOGFLOW_API_ENDPOINT=http://...                reconcile asks that Dialogflow-compatible API
`;
if (process.argv.includes('--help')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

// Installed before the stack starts, so that a SIGTERM sent as soon as the banner appears stops it cleanly.
const shutdown = createShutdown();
const port = Number(process.env['PORT'] ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT=${process.env['PORT']} is not a port number (0 to 65535).\n`);
  process.exit(2);
}
let started;
try {
  started = await startLocalStack({ port, firestoreHost: process.env['FIRESTORE_EMULATOR_HOST'] || undefined });
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  process.stderr.write(`Port ${port} is already taken (another npm start?). Stop it, or choose another port: PORT=${port + 1} npm start\n`);
  process.exit(1);
}
const stack = shutdown.add(started);
// For the local tools (replay-quarantine) that need this stack's Firestore: removed when it stops.
shutdown.add({ stop: registerLocalStack(port, { url: stack.url, firestoreHost: stack.firestoreHost, pid: process.pid }) });

const firestore = stack.embeddedFirestore
  ? `embedded emulator at ${stack.firestoreHost}`
  : `emulator at ${stack.firestoreHost} (FIRESTORE_EMULATOR_HOST)`;
process.stderr.write(
  [
    '',
    `Conversation history is running at ${stack.url}`,
    `  POST ${stack.url}/ingestLifecycleEvents   push endpoint for lifecycle events`,
    `  POST ${stack.url}/ingestMessageEvents     push endpoint for NEW_MESSAGE events`,
    `  POST ${stack.url}/ingestRecognitionResults  push endpoint for NEW_RECOGNITION_RESULT events`,
    `  GET  ${stack.url}/   the transcript viewer`,
    `  GET  ${stack.url}/v2/projects/{project}/locations/{location}/conversations[...]   history API (DELETE of one erases it)`,
    `  POST ${stack.url}/reconcileConversations  asks Dialogflow's API about the conversations that need it`,
    `  Firestore: ${firestore}${stack.embeddedFirestore ? ', in memory: nothing is kept across restarts' : ''}`,
    `Replay the sample conversation:  npm run replay -- test/fixtures/recorded-conversation.jsonl`,
    'Stop with Ctrl-C.',
    '',
  ].join('\n'),
);

/**
 * `npm run replay-quarantine -- --url <base URL> [--id <quarantine id>] [--limit N] [--token <ID token>]`
 *
 * Re-posts quarantined deliveries (the `quarantine` collection) exactly as
 * they were received, to the function that received them
 * (`<base URL>/<receivedBy>`; for a deployment, pass each function's URL as
 * --url and --function), after the cause was fixed (a new version
 * deployed, a profile switched to JSON). A delivery the function now
 * acknowledges as stored or duplicate is marked `replayed: true`; one it
 * rejects again stays, under the same id, with its reason.
 *
 * Reads the quarantine where the functions keep it: against a local stack
 * (npm start) its own Firestore, found with nothing set; otherwise
 * FIRESTORE_EMULATOR_HOST, or Google's with application default
 * credentials and GOOGLE_CLOUD_PROJECT.
 */
import { parseArgs } from 'node:util';
import { createFirestore } from '../firestore/createFirestore';
import { QUARANTINE } from '../firestore/paths';
import { listUnreplayedDeliveries } from '../firestore/quarantineStore';
import { loadConfig } from '../platform/config';
import { findLocalStack } from '../local/localStackRegistry';

const USAGE = `usage: npm run replay-quarantine -- --url <base URL> [options]

Posts quarantined deliveries again, as they were received, to the function that received them.

  --url       locally the stack (http://127.0.0.1:8080), which serves every function by name; deployed, one
              function's URL, with --function
  --function  the function to post every delivery to (deployed: ingestLifecycleEvents, ingestMessageEvents or ingestRecognitionResults)
  --id        only this quarantined delivery
  --limit     at most this many (default 100)
  --token     an ID token for a deployed function
  --help      this text
Firestore: a local stack's own, found from --url; otherwise FIRESTORE_EMULATOR_HOST, or Google's with
application default credentials and GOOGLE_CLOUD_PROJECT.
`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      url: { type: 'string' },
      function: { type: 'string' },
      id: { type: 'string' },
      limit: { type: 'string', default: '100' },
      token: { type: 'string' },
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
if (!values.url || !/^https?:\/\//.test(values.url)) {
  process.stderr.write(`Give --url, such as http://127.0.0.1:8080.\n\n${USAGE}`);
  process.exit(2);
}

const env = { ...process.env };
if (!env['FIRESTORE_EMULATOR_HOST']) {
  const local = findLocalStack(values.url);
  if (local) env['FIRESTORE_EMULATOR_HOST'] = local.firestoreHost;
  else if (/^http:\/\/(127\.0\.0\.1|localhost)/.test(values.url)) {
    process.stderr.write(`No local stack is running at ${values.url} (npm start). Start it, or set FIRESTORE_EMULATOR_HOST to the emulator that holds the quarantine.\n`);
    process.exit(1);
  } else if (!env['GOOGLE_CLOUD_PROJECT']) {
    process.stderr.write('Set GOOGLE_CLOUD_PROJECT to the project whose Firestore holds the quarantine (with application default credentials).\n');
    process.exit(2);
  }
}
// No metadata server here, unless on Google Cloud: do not wait for one.
env['METADATA_SERVER_DETECTION'] ??= 'none';
process.env['METADATA_SERVER_DETECTION'] = env['METADATA_SERVER_DETECTION'];

const db = createFirestore(loadConfig(env));
const pending = values.id ? [await db.collection(QUARANTINE).doc(values.id).get()] : await listUnreplayedDeliveries(db, Number(values.limit));

const outcomes = { stored: 0, duplicate: 0, rejected: 0, failed: 0 };
for (const doc of pending) {
  const record = doc.data();
  if (!record) {
    process.stdout.write(`${doc.id}: no such quarantined delivery\n`);
    continue;
  }
  const target = values.function ?? String(record['receivedBy']);
  const body = record['rawBodyEncoding'] === 'bytes' ? new Uint8Array(record['rawBody'] as Buffer) : String(record['rawBody']);
  // Locally one base URL serves every function by name; a deployed function has its own URL (--function).
  const url = values.function ? values.url : `${values.url.replace(/\/$/, '')}/${target}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(values.token ? { authorization: `Bearer ${values.token}` } : {}) },
    body,
  }).catch((error: Error) => error);
  if (response instanceof Error) {
    outcomes.failed += 1;
    process.stdout.write(`${doc.id} -> ${target}: not reached (${response.message}); still quarantined\n`);
    continue;
  }
  const answer = (await response.json().catch(() => ({}))) as { outcome?: string; code?: string; reason?: string };
  if (response.ok && (answer.outcome === 'stored' || answer.outcome === 'duplicate')) {
    await doc.ref.update({ replayed: true, replayedAt: new Date() });
    outcomes[answer.outcome] += 1;
    process.stdout.write(`${doc.id} -> ${target}: ${response.status} ${answer.outcome}\n`);
  } else if (response.ok && answer.outcome === 'rejected') {
    outcomes.rejected += 1;
    process.stdout.write(`${doc.id} -> ${target}: ${response.status} rejected again (${answer.code}: ${answer.reason}); still quarantined\n`);
  } else {
    outcomes.failed += 1;
    process.stdout.write(`${doc.id} -> ${target}: ${response.status} ${answer.outcome ?? ''}; still quarantined\n`);
  }
}
process.stdout.write(
  `${pending.length} quarantined deliveries replayed: ${outcomes.stored} stored, ${outcomes.duplicate} already stored, ` +
    `${outcomes.rejected} rejected again (still quarantined, with the reason above), ${outcomes.failed} failed\n`,
);
await db.terminate();
process.exit(outcomes.failed > 0 ? 1 : 0);

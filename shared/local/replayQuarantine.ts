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
 * Reads Firestore like the functions do: FIRESTORE_EMULATOR_HOST locally,
 * application default credentials and GOOGLE_CLOUD_PROJECT otherwise.
 */
import { parseArgs } from 'node:util';
import { createFirestore } from '../firestore/createFirestore';
import { QUARANTINE } from '../firestore/paths';
import { listUnreplayedDeliveries } from '../firestore/quarantineStore';
import { loadConfig } from '../platform/config';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    function: { type: 'string' },
    id: { type: 'string' },
    limit: { type: 'string', default: '100' },
    token: { type: 'string' },
  },
});
if (!values.url) {
  process.stderr.write('usage: npm run replay-quarantine -- --url <base URL> [--function <name>] [--id <id>] [--limit N] [--token <ID token>]\n');
  process.exit(2);
}

const db = createFirestore(loadConfig(process.env));
const pending = values.id
  ? [await db.collection(QUARANTINE).doc(values.id).get()]
  : await listUnreplayedDeliveries(db, Number(values.limit));

let acknowledged = 0;
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
  });
  const answer = (await response.json().catch(() => ({}))) as { outcome?: string; reason?: string };
  const replayed = response.ok && (answer.outcome === 'stored' || answer.outcome === 'duplicate');
  if (replayed) {
    await doc.ref.update({ replayed: true, replayedAt: new Date() });
    acknowledged++;
  }
  process.stdout.write(`${doc.id} -> ${target}: ${response.status} ${answer.outcome ?? ''} ${answer.reason ?? ''}\n`);
}
process.stdout.write(`${pending.length} quarantined deliveries replayed, ${acknowledged} now stored\n`);
await db.terminate();

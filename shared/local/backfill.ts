/**
 * `npm run backfill -- --parent projects/P/locations/L [options]`
 *
 * Copies what Dialogflow's API still holds (finished conversations are purged after 30 days) into the
 * history: every conversation of the parent, as a snapshot merged into the stored conversation, and each of
 * its messages, created unless already stored. The merges are those live events go through, so it is
 * idempotent with itself and with events arriving meanwhile. Finished conversations are appended to a
 * checkpoint file as they complete, and a run after a crash skips them.
 *
 * Firestore: the one the functions' own environment names (GOOGLE_CLOUD_PROJECT, FIRESTORE_DATABASE_ID,
 * FIRESTORE_EMULATOR_HOST). Dialogflow: Google's API with application default credentials, or --endpoint.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDialogflowConversations } from '../dialogflow/conversationsApi';
import { backfillConversation, type BackfilledConversation } from '../domain/backfill';
import { parseParentName } from '../domain/resourceNames';
import { toSortableTimestamp } from '../domain/timestamps';
import { createFirestoreConversationStore } from '../firestore/conversationStore';
import { createFirestore } from '../firestore/createFirestore';
import { createDryRunConversationStore } from '../firestore/dryRunStore';
import { loadConfig } from '../platform/config';
import { createProgress } from './progress';

const USAGE = `usage: npm run backfill -- --parent projects/<P>/locations/<L> [options]

Copies every conversation Dialogflow's API still holds for the parent, and its messages, into the history.

  --parent      projects/<P>/locations/<L> (required)
  --since       only conversations started at or after this time (RFC 3339, such as 2026-11-01T00:00:00Z)
  --until       only conversations started before this time
                (Dialogflow filters lists by lifecycle_state only: every conversation is listed, and the
                start times are compared here)
  --endpoint    a Dialogflow-compatible API instead of Google's (such as a local stack, http://127.0.0.1:8080)
  --qps         Dialogflow API calls per second, at most (default 5; Dialogflow's quotas are per project)
  --checkpoint  the file finished conversations are appended to, and skipped from on the next run
                (default .backfill/<hash of parent, times and target>.jsonl)
  --dry-run     read both sides and report what would change, writing nothing
  --help        this text
Firestore: GOOGLE_CLOUD_PROJECT, FIRESTORE_DATABASE_ID and FIRESTORE_EMULATOR_HOST, as the functions read them.
`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      parent: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      endpoint: { type: 'string' },
      qps: { type: 'string', default: '5' },
      checkpoint: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
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
const refuse = (sentence: string) => {
  process.stderr.write(`${sentence}\n\n${USAGE}`);
  process.exit(2);
};
const parent = values.parent && /^projects\/[^/]+\/locations\/[^/]+$/.test(values.parent) ? parseParentName(values.parent) : undefined;
if (!parent) refuse('Give --parent as projects/<P>/locations/<L>.');
const since = values.since === undefined ? undefined : toSortableTimestamp(values.since);
const until = values.until === undefined ? undefined : toSortableTimestamp(values.until);
if (since === undefined && values.since !== undefined) refuse(`--since ${values.since} is not an RFC 3339 time.`);
if (until === undefined && values.until !== undefined) refuse(`--until ${values.until} is not an RFC 3339 time.`);
const qps = Number(values.qps);
if (!(qps > 0 && qps <= 100)) refuse('--qps must be a number of calls per second from 0 to 100.');
if (values.endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(values.endpoint)) refuse('Give --endpoint as a base URL such as http://127.0.0.1:8080.');

const config = loadConfig(process.env);
const parentName = `projects/${parent!.project}/locations/${parent!.location}`;
const dryRun = values['dry-run'];
const target = `${config.emulatorHost ?? 'google'}/${config.projectId ?? ''}/${config.databaseId}`;
const checkpointPath =
  values.checkpoint ?? join('.backfill', `${createHash('sha256').update(JSON.stringify([parentName, since, until, target])).digest('hex').slice(0, 16)}.jsonl`);
const finished = readCheckpoint(checkpointPath);

const db = createFirestore(config);
const store = dryRun
  ? createDryRunConversationStore(db, { deadlineMs: config.firestoreDeadlineMs })
  : createFirestoreConversationStore(db, { deadlineMs: config.firestoreDeadlineMs, retentionDays: config.retentionDays });
let retries = 0;
const dialogflow = createDialogflowConversations(parent!.location, {
  endpoint: values.endpoint,
  qps,
  onRetry: () => void (retries += 1),
});
const deps = { dialogflow, store, defaultLocation: parent!.location };

process.stderr.write(`Listing the conversations of ${parentName}${values.endpoint ? ` at ${values.endpoint}` : ''}...\n`);
const listed: Array<Record<string, unknown>> = [];
let outsideRange = 0;
try {
  for await (const conversation of dialogflow.listConversations(parentName)) {
    const start = typeof conversation['startTime'] === 'string' ? toSortableTimestamp(conversation['startTime']) : undefined;
    const inRange = (since === undefined || (start !== undefined && start >= since)) && (until === undefined || (start !== undefined && start < until));
    if (inRange) listed.push(conversation);
    else outsideRange += 1;
  }
} catch (error) {
  process.stderr.write(`Backfill stopped: could not list the conversations: ${(error as Error).message}\n`);
  await db.terminate();
  process.exit(1);
}
const pending = listed.filter((conversation) => !finished.has(String(conversation['name'])));
const skipped = listed.length - pending.length;
process.stderr.write(
  `${listed.length} conversations to backfill${outsideRange ? ` (${outsideRange} listed outside --since/--until)` : ''}${skipped ? `, ${skipped} finished in an earlier run (${checkpointPath})` : ''}${dryRun ? '; dry run: nothing is written' : ''}\n`,
);

const totals = { new: 0, updated: 0, unchanged: 0, erased: 0, messagesNew: 0, messagesAlreadyStored: 0 };
const failures: Array<{ conversation: string; reason: string }> = [];
const progress = createProgress({ total: pending.length, unit: 'conversations' });
let done = 0;
for (const conversation of pending) {
  const name = String(conversation['name']);
  let result: BackfilledConversation | undefined;
  // Dialogflow's transient answers were retried by the adapter; what fails here is the store, or what retries did not
  // fix. The store may be busy for a while: after a crash, the crashed run's open transaction holds its lock until
  // Firestore gives it up. So: six attempts, waiting 1, 2, 4, 8 and 16 s between them.
  for (let attempt = 1; attempt <= 6 && !result; attempt++) {
    try {
      result = await backfillConversation(deps, conversation);
    } catch (error) {
      if (attempt === 6) failures.push({ conversation: name, reason: (error as Error).message.split('\n')[0]!.slice(0, 300) });
      else await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
    }
  }
  if (result) {
    totals[result.conversation] += 1;
    totals.messagesNew += result.messagesNew;
    totals.messagesAlreadyStored += result.messagesAlreadyStored;
    for (const problem of result.problems) failures.push({ conversation: name, reason: problem });
    if (!dryRun && result.problems.length === 0) appendCheckpoint(checkpointPath, { name, conversation: result.conversation, messagesNew: result.messagesNew });
  }
  done += 1;
  progress.update(done, `${totals.messagesNew} messages new`);
}
progress.finish();
await db.terminate();

const would = dryRun ? 'would be ' : '';
process.stdout.write(
  [
    `${dryRun ? 'Dry run of the backfill' : 'Backfilled'} ${parentName}: ${pending.length} conversations (${totals.new} ${would}new, ${totals.updated} ${would}updated, ${totals.unchanged} unchanged${totals.erased ? `, ${totals.erased} kept erased` : ''}), ` +
      `${totals.messagesNew} messages ${would}new (${totals.messagesAlreadyStored} already stored), ${failures.length} failures` +
      `${skipped ? `; ${skipped} skipped as finished in an earlier run` : ''}; ${dialogflow.calls()} Dialogflow calls (${retries} retried)`,
    ...failures.map(({ conversation, reason }) => `  failed: ${conversation}: ${reason}`),
  ].join('\n') + '\n',
);
process.exit(failures.length > 0 ? 1 : 0);

function readCheckpoint(path: string): Set<string> {
  if (!existsSync(path)) return new Set();
  const names = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    // A line cut short by a crash is simply not a finished conversation.
    try {
      const entry = JSON.parse(line) as { name?: unknown };
      if (typeof entry.name === 'string') names.add(entry.name);
    } catch {
      continue;
    }
  }
  return names;
}

function appendCheckpoint(path: string, entry: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${JSON.stringify(entry)}\n`);
}

/**
 * `npm run backfill -- --parent projects/P/locations/L [options]`
 *
 * Copies what Dialogflow's API still holds (finished conversations are purged after 30 days) into the
 * history: every conversation of the parent, as a snapshot merged into the stored conversation, and each of
 * its messages, created unless already stored. The merges are those live events go through, so it is
 * idempotent with itself and with events arriving meanwhile. It stores while it lists, page by page, several
 * conversations at once (shared/domain/backfillRun.ts), and keeps a checkpoint that --resume continues from.
 *
 * Firestore: the one the functions' own environment names (GOOGLE_CLOUD_PROJECT, FIRESTORE_DATABASE_ID,
 * FIRESTORE_EMULATOR_HOST). Dialogflow: Google's API with application default credentials, or --endpoint.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDialogflowConversations } from '../dialogflow/conversationsApi';
import { runBackfill, START_OF_LISTING, type BackfillReport } from '../domain/backfillRun';
import { parseParentName } from '../domain/resourceNames';
import { toSortableTimestamp } from '../domain/timestamps';
import { createFirestoreConversationStore } from '../firestore/conversationStore';
import { createFirestore } from '../firestore/createFirestore';
import { createDryRunConversationStore } from '../firestore/dryRunStore';
import { loadConfig } from '../platform/config';
import { readCheckpointFile, sameRun, writeCheckpointFile, type BackfillRunIdentity } from './backfillCheckpoint';
import { createListOnlyStore } from './listOnlyStore';
import { createProgress } from './progress';

const USAGE = `usage: npm run backfill -- --parent projects/<P>/locations/<L> [options]

Copies every conversation Dialogflow's API still holds for the parent, and its messages, into the history.
It stores while it lists, page by page (100 conversations a page), --concurrency conversations at once.

  --parent       projects/<P>/locations/<L> (required)
  --since        only conversations started at or after this time (RFC 3339, such as 2026-11-01T00:00:00Z)
  --until        only conversations started before this time
                 (Dialogflow filters lists by lifecycle_state only: every conversation is listed, and the
                 start times are compared here)
  --endpoint     a Dialogflow-compatible API instead of Google's (such as a local stack, http://127.0.0.1:8080)
  --qps          Dialogflow API calls per second, at most (default 5; Dialogflow's quotas are per project;
                 a conversation costs one call per 100 messages)
  --concurrency  conversations stored at once (default 8, at most 100)
  --checkpoint   the file that says how far the listing is stored: the page token to list next, the
                 conversations stored beyond it and those that failed; replaced atomically once every
                 conversation before that page is stored (default .backfill/<hash of parent, times, target>.json)
  --resume       continue from the checkpoint instead of listing from the start (a run refuses to start over
                 an existing checkpoint without it)
  --dry-run      read both sides and report what would change, writing nothing (no checkpoint)
  --list-only    read Dialogflow only, as a backfill would, and count what it holds (no Firestore, no checkpoint)
  --help         this text
Ctrl-C stops taking conversations, lets those in flight finish, writes the checkpoint and the summary, and
exits 130; --resume then continues. A second Ctrl-C exits at once: the checkpoint on disk is still true.
Exit status: 0 all stored, 1 failures (named in the checkpoint, retried by --resume), 2 usage, 130 stopped.
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
      concurrency: { type: 'string', default: '8' },
      checkpoint: { type: 'string' },
      resume: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'list-only': { type: 'boolean', default: false },
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
const refuse = (sentence: string): never => {
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
if (!(qps > 0 && qps <= 10_000)) refuse('--qps must be a number of calls per second from 0 to 10000.');
const concurrency = Number(values.concurrency);
if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 100)) refuse('--concurrency must be a whole number from 1 to 100.');
if (values.endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(values.endpoint)) refuse('Give --endpoint as a base URL such as http://127.0.0.1:8080.');
const dryRun = values['dry-run'];
const listOnly = values['list-only'];
if (dryRun && listOnly) refuse('Give --dry-run or --list-only, not both.');
if (values.resume && (dryRun || listOnly)) refuse('--resume continues a run that stores; a dry run or a listing keeps no checkpoint.');

const config = loadConfig(process.env);
const parentName = `projects/${parent!.project}/locations/${parent!.location}`;
const run: BackfillRunIdentity = { parent: parentName, since: since ?? null, until: until ?? null, target: `${config.emulatorHost ?? 'google'}/${config.projectId ?? ''}/${config.databaseId}` };
const keepsCheckpoint = !dryRun && !listOnly;
const checkpointPath = values.checkpoint ?? join('.backfill', `${createHash('sha256').update(JSON.stringify([run.parent, run.since, run.until, run.target])).digest('hex').slice(0, 16)}.json`);
let earlier;
try {
  earlier = keepsCheckpoint ? readCheckpointFile(checkpointPath) : undefined;
} catch (error) {
  refuse(`${(error as Error).message}.`);
}
if (earlier && !values.resume) refuse(`A checkpoint of an earlier run is at ${checkpointPath}: give --resume to continue it, or remove the file to start again.`);
if (!earlier && values.resume) refuse(`Nothing to resume: no checkpoint at ${checkpointPath}.`);
if (earlier && !sameRun(earlier.run, run)) refuse(`The checkpoint at ${checkpointPath} is of another run (${JSON.stringify(earlier.run)}); resume it with the same --parent, --since, --until and Firestore.`);
const from = earlier?.checkpoint ?? START_OF_LISTING;

const db = listOnly ? undefined : createFirestore(config);
const store = !db
  ? createListOnlyStore()
  : dryRun
    ? createDryRunConversationStore(db, { deadlineMs: config.firestoreDeadlineMs })
    : createFirestoreConversationStore(db, { deadlineMs: config.firestoreDeadlineMs, retentionDays: config.retentionDays });
let retries = 0;
const dialogflow = createDialogflowConversations(parent!.location, { endpoint: values.endpoint, qps, onRetry: () => void (retries += 1) });

// Ctrl-C: stop taking work and finish cleanly; a second one exits now (what the checkpoint says is still stored).
let stopping = false;
process.on('SIGINT', () => {
  if (stopping) process.exit(130);
  stopping = true;
  process.stderr.write('\nStopping: no new conversations are taken; those in flight finish, then the checkpoint is written (Ctrl-C again to exit now).\n');
});

process.stderr.write(
  `${from.pageToken || from.failed.length ? `Resuming from ${checkpointPath} (${from.conversationsStored} conversations stored by earlier runs)` : `Listing the conversations of ${parentName}`}${values.endpoint ? ` at ${values.endpoint}` : ''}, storing ${concurrency} at once${dryRun ? '; dry run: nothing is written' : listOnly ? '; listing only: Firestore is not touched' : ''}...\n`,
);
const progress = createProgress({ total: undefined, unit: 'conversations' });
const startedAt = performance.now();
const inRange = (conversation: Record<string, unknown>) => {
  const start = typeof conversation['startTime'] === 'string' ? toSortableTimestamp(conversation['startTime']) : undefined;
  return (since === undefined || (start !== undefined && start >= since)) && (until === undefined || (start !== undefined && start < until));
};
const report = await runBackfill(
  {
    dialogflow,
    store,
    defaultLocation: parent!.location,
    saveCheckpoint: async (checkpoint) => (keepsCheckpoint ? writeCheckpointFile(checkpointPath, { version: 2, run, checkpoint }) : undefined),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  },
  {
    parent: parentName,
    from,
    concurrency,
    isWanted: inRange,
    isStopping: () => stopping,
    maxFailures: 1000,
    onProgress: (totals) => progress.update(totals.new + totals.updated + totals.unchanged + totals.erased, `${totals.messagesNew} messages new, ${totals.listed} listed`),
  },
);
progress.finish();
await db?.terminate();
const seconds = (performance.now() - startedAt) / 1000;
const handled = report.totals.new + report.totals.updated + report.totals.unchanged + report.totals.erased;
process.stderr.write(
  `${report.totals.listed} listed in ${report.totals.pagesListed} pages${report.totals.outsideRange ? ` (${report.totals.outsideRange} listed outside --since/--until)` : ''}, at most ${report.totals.mostInFlight} at once, in ${seconds.toFixed(1)} s, ${(handled / Math.max(seconds, 0.001)).toFixed(1)} conversations/s\n`,
);
process.stdout.write(summary(report));
process.exit(report.ended === 'stopped' ? 130 : report.totals.failures > 0 || report.ended === 'failing' ? 1 : 0);

function summary({ totals, ended, failures, checkpoint }: BackfillReport): string {
  const would = dryRun ? 'would be ' : '';
  const stored = totals.new + totals.updated + totals.unchanged + totals.erased;
  const verb = listOnly ? 'Listed' : dryRun ? 'Dry run of the backfill' : ended === 'stopped' ? 'Stopped (Ctrl-C) the backfill of' : 'Backfilled';
  const next = !keepsCheckpoint
    ? ''
    : checkpoint.complete && checkpoint.failed.length === 0
      ? `\nCheckpoint ${checkpointPath}: complete.`
      : `\nCheckpoint ${checkpointPath}: ${checkpoint.pageToken ? 'a page token to list next' : 'from the start'}, ${checkpoint.storedAhead.length} stored beyond it, ${checkpoint.failed.length} failed; --resume continues.`;
  return (
    [
      `${verb} ${parentName}: ${stored} conversations (${totals.new} ${would}new, ${totals.updated} ${would}updated, ${totals.unchanged} unchanged${totals.erased ? `, ${totals.erased} kept erased` : ''}), ` +
        `${totals.messagesNew} messages ${would}new (${totals.messagesAlreadyStored} already stored), ${totals.failures} failures` +
        `${totals.skippedAsStored ? `; ${totals.skippedAsStored} skipped as stored in an earlier run` : ''}; ${dialogflow.calls()} Dialogflow calls (${retries} retried)${next}`,
      ...failures.map(({ conversation, reason }) => `  failed: ${conversation}: ${reason}`),
      ...(totals.failures > failures.length ? [`  and ${totals.failures - failures.length} more`] : []),
    ].join('\n') + '\n'
  );
}

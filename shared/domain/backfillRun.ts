import { backfillConversation, type BackfillDependencies } from './backfill';
import type { DialogflowConversationPages } from './ports';

/**
 * A whole backfill: conversations.list page after page, each page's conversations stored while the next page
 * is listed, at most `concurrency` at once. Memory holds two pages and what is in flight, however long the
 * listing. The checkpoint moves past a page only once every conversation of it and of the pages before it is
 * stored (or reported failed, and named in the checkpoint for the next run to retry), so a run stopped at any
 * point resumes from there without skipping anything; what it stores again is merged again, which changes
 * nothing (the conversation merge is idempotent and a message is created once, by its id).
 */

export interface BackfillCheckpoint {
  /** The page to list next; absent: from the start. Every conversation listed before it is stored or in `failed`. */
  pageToken?: string;
  /** The listing ended and every conversation of it is stored or in `failed`. */
  complete: boolean;
  /** Conversations of the pages from `pageToken` on that are stored already: a resumed run skips them. */
  storedAhead: string[];
  /** Conversations whose storing failed: a resumed run reads them again (conversations.get) first. */
  failed: string[];
  /** Conversations stored by the runs of this checkpoint, for the summary. */
  conversationsStored: number;
}

export const START_OF_LISTING: BackfillCheckpoint = { complete: false, storedAhead: [], failed: [], conversationsStored: 0 };

export interface BackfillRunDependencies extends BackfillDependencies {
  dialogflow: BackfillDependencies['dialogflow'] & DialogflowConversationPages;
  /** Keeps the checkpoint durably; not called again before it has resolved. */
  saveCheckpoint(checkpoint: BackfillCheckpoint): Promise<void>;
  sleep(ms: number): Promise<void>;
}

export interface BackfillRunOptions {
  parent: string;
  from: BackfillCheckpoint;
  concurrency: number;
  /** Whether a listed conversation is one to store (--since and --until). */
  isWanted(conversation: Record<string, unknown>): boolean;
  /** Asked before each conversation is taken and before each retry: true stops the run cleanly. */
  isStopping(): boolean;
  /** A run with this many failures stops: the store is not answering, and the checkpoint must name each. */
  maxFailures: number;
  onProgress(totals: BackfillTotals): void;
}

export interface BackfillTotals {
  listed: number;
  outsideRange: number;
  skippedAsStored: number;
  new: number;
  updated: number;
  unchanged: number;
  erased: number;
  messagesNew: number;
  messagesAlreadyStored: number;
  failures: number;
  pagesListed: number;
  mostInFlight: number;
}

export interface BackfillReport {
  totals: BackfillTotals;
  /** finished: the listing ended; stopped: isStopping said so; failing: too many failures, or the listing failed. */
  ended: 'finished' | 'stopped' | 'failing';
  /** The first failures, by conversation name and reason (ids and reasons only, never content). */
  failures: Array<{ conversation: string; reason: string }>;
  checkpoint: BackfillCheckpoint;
}

const REPORTED_FAILURES = 100;
/** Six attempts per conversation, 1, 2, 4, 8 and 16 s apart: a crashed run's open transaction holds its lock a while. */
const ATTEMPTS = 6;

interface OpenPage {
  nextPageToken: string | undefined;
  /** Conversations taken and not yet settled. */
  pending: number;
  /** Every conversation of the page was taken. */
  taken: boolean;
  /** A conversation was abandoned (the run stopped during it): the page stays open for the next run. */
  abandoned: boolean;
  stored: string[];
}

export async function runBackfill(deps: BackfillRunDependencies, options: BackfillRunOptions): Promise<BackfillReport> {
  const totals: BackfillTotals = { listed: 0, outsideRange: 0, skippedAsStored: 0, new: 0, updated: 0, unchanged: 0, erased: 0, messagesNew: 0, messagesAlreadyStored: 0, failures: 0, pagesListed: 0, mostInFlight: 0 };
  const failures: BackfillReport['failures'] = [];
  const skip = new Set(options.from.storedAhead);
  const failed = new Set<string>();
  const open: OpenPage[] = [];
  const running = new Set<Promise<void>>();
  let pageToken = options.from.pageToken;
  let complete = options.from.complete;
  let conversationsStored = options.from.conversationsStored;
  let failing = false;
  let saving = Promise.resolve();

  const checkpoint = (): BackfillCheckpoint => ({
    ...(pageToken ? { pageToken } : {}),
    complete,
    storedAhead: [...open.flatMap((page) => page.stored), ...[...skip]],
    failed: [...failed],
    conversationsStored,
  });
  // Saves are chained, so that a later checkpoint never lands before an earlier one.
  const save = () => (saving = saving.then(() => deps.saveCheckpoint(checkpoint())));
  const fail = (conversation: string, reason: string) => {
    totals.failures += 1;
    if (failures.length < REPORTED_FAILURES) failures.push({ conversation, reason });
    if (totals.failures >= options.maxFailures) failing = true;
  };
  const stopping = () => failing || options.isStopping();

  /** Closes the pages at the head whose conversations have all settled, and keeps the checkpoint past them. */
  const settle = () => {
    let moved = false;
    while (open[0] && open[0].taken && open[0].pending === 0 && !open[0].abandoned) {
      const page = open.shift()!;
      pageToken = page.nextPageToken;
      if (!pageToken) complete = true;
      moved = true;
    }
    if (moved) void save();
  };

  async function store(conversation: Record<string, unknown>): Promise<'stored' | 'failed' | 'abandoned'> {
    const name = String(conversation['name']);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await backfillConversation(deps, conversation);
        totals[result.conversation] += 1;
        totals.messagesNew += result.messagesNew;
        totals.messagesAlreadyStored += result.messagesAlreadyStored;
        // A message Dialogflow returned unreadable cannot be stored by trying again: reported, and the rest is stored.
        for (const problem of result.problems) fail(name, problem);
        conversationsStored += 1;
        return 'stored';
      } catch (error) {
        if (attempt === ATTEMPTS) {
          fail(name, (error as Error).message.split('\n')[0]!.slice(0, 300));
          return 'failed';
        }
        if (stopping()) return 'abandoned';
        await deps.sleep(1000 * 2 ** (attempt - 1));
        if (stopping()) return 'abandoned';
      }
    }
  }

  /** `page` absent: a retry of an earlier run's failure, which no page waits for. */
  function take(conversation: Record<string, unknown>, page?: OpenPage): Promise<void> {
    const name = String(conversation['name']);
    if (page) page.pending += 1;
    const work = store(conversation).then((outcome) => {
      if (outcome === 'stored') {
        page?.stored.push(name);
        if (!page) failed.delete(name);
      }
      if (outcome === 'failed') failed.add(name);
      if (outcome === 'abandoned' && page) page.abandoned = true;
      if (page) page.pending -= 1;
      options.onProgress(totals);
      settle();
    });
    running.add(work);
    totals.mostInFlight = Math.max(totals.mostInFlight, running.size);
    void work.finally(() => running.delete(work));
    return work;
  }

  const slot = async () => {
    while (running.size >= options.concurrency) await Promise.race(running);
  };

  // What earlier runs failed to store is read again first; it stays named as failed until it is stored.
  for (const name of options.from.failed) failed.add(name);
  for (const name of options.from.failed) {
    await slot();
    if (stopping()) break;
    const read = await deps.dialogflow.getConversation(name).catch((error: Error) => ({ found: 'error' as const, reason: error.message.split('\n')[0]!.slice(0, 300) }));
    if (read.found === true) void take(read.conversation);
    else if (read.found === 'error') fail(name, read.reason);
    else {
      failed.delete(name);
      fail(name, 'no longer held by Dialogflow (purged)');
    }
  }

  let listing = complete || stopping() ? undefined : listPage(pageToken);
  while (listing && !stopping()) {
    let page;
    try {
      page = await listing;
    } catch (error) {
      fail(options.parent, `conversations.list: ${(error as Error).message.split('\n')[0]!.slice(0, 300)}`);
      failing = true;
      break;
    }
    totals.pagesListed += 1;
    const entry: OpenPage = { nextPageToken: page.nextPageToken, pending: 0, taken: false, abandoned: false, stored: [] };
    open.push(entry);
    // The next page is listed while this one is stored: one page ahead, no more.
    listing = page.nextPageToken ? listPage(page.nextPageToken) : undefined;
    for (const conversation of page.conversations) {
      await slot();
      if (stopping()) break;
      totals.listed += 1;
      const name = String(conversation['name']);
      if (!options.isWanted(conversation)) totals.outsideRange += 1;
      else if (skip.delete(name)) {
        totals.skippedAsStored += 1;
        entry.stored.push(name);
      }
      else void take(conversation, entry);
    }
    if (stopping()) break;
    entry.taken = true;
    settle();
  }
  await Promise.all(running);
  settle();
  await save();
  await saving;
  options.onProgress(totals);
  const ended = complete && !failing ? 'finished' : failing ? 'failing' : 'stopped';
  return { totals, ended, failures, checkpoint: checkpoint() };

  function listPage(token: string | undefined) {
    const listed = deps.dialogflow.listConversationPage(options.parent, token);
    // Awaited in turn; a page listed ahead of a stop is never awaited, and its failure is no one's.
    listed.catch(() => undefined);
    return listed;
  }
}

import type { ConversationState } from '../conversationState';
import type { ConversationId, ConversationParent } from '../resourceNames';
import { rowBytes, type ConversationRow, type HistoryReader, type MessageRow, type PageTokenCodec, type ParticipantRow } from './ports';
import { InvalidFilterError, meetsResidual, planConversationQuery, planMessageQuery } from './queryPlans';
import { toConversationResource, toMessageResource, toParticipantResource, type RenderOptions } from './resources';

/**
 * The history API's use cases: Dialogflow's conversations.get,
 * conversations.list, conversations.messages.list, and
 * conversations.participants.list and .get over what we stored.
 * Expected failures (bad arguments, nothing there) are values; a failing
 * store throws.
 */

export type HistoryError = { kind: 'invalid_argument'; message: string } | { kind: 'not_found'; message: string };
export type HistoryResult<T> = { ok: true; value: T } | { ok: false; error: HistoryError };

export interface ListParameters {
  pageSize?: string;
  pageToken?: string;
  filter?: string;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/**
 * Bytes of the JSON one page's items are rendered from (rowBytes; the answer
 * is that plus names and a token). Cloud Run refuses a response over 32 MiB,
 * and an instance holds a page several times over while answering it (stored
 * text, parsed payloads, the response text): 8 MiB keeps the answer at a
 * quarter of the limit and the instance's peak within a few tens of MiB,
 * while a page still carries 8 of the largest messages (1 MB each). A page
 * that reaches it ends early with its next-page token (AIP-158 allows fewer
 * items than pageSize); a single item over it is served alone.
 */
export const MAX_PAGE_BYTES = 8 * 1024 * 1024;

/**
 * Documents one conversations.list page reads when its filter has a condition checked in memory (end_time on a
 * list ordered by start time, queryPlans.ts): without a bound, a filter that keeps few of the start range would
 * read all of it for one answer. 2,000 is twice MAX_PAGE_SIZE, so a filter that keeps half of what it scans still
 * fills the largest page in one request, while a request costs at most 2,000 reads (about 0.12 cents at
 * $0.06 per 100,000) and streams a few MB of conversations of a few KB, well inside the Firestore deadline. A page
 * that reaches it ends there, short or even empty, with a next-page token that resumes the scan where it stopped.
 */
export const MAX_SCANNED_PER_PAGE = 2_000;

export interface HistoryQueryDependencies {
  reader: HistoryReader;
  tokens: PageTokenCodec;
  /** Whether this deployment serves the project; others answer 404 as if nothing existed. */
  servesProject: (project: string) => boolean;
  /** MAX_PAGE_BYTES unless a test sets a smaller bound. */
  maxPageBytes?: number;
  /** MAX_SCANNED_PER_PAGE unless a test sets a smaller bound. */
  maxScannedPerPage?: number;
}

const invalid = (message: string): { ok: false; error: HistoryError } => ({ ok: false, error: { kind: 'invalid_argument', message } });
const notFound = (message: string): { ok: false; error: HistoryError } => ({ ok: false, error: { kind: 'not_found', message } });

export function createHistoryQueries(deps: HistoryQueryDependencies) {
  const { reader, tokens } = deps;
  const maxBytes = deps.maxPageBytes ?? MAX_PAGE_BYTES;
  const maxScanned = deps.maxScannedPerPage ?? MAX_SCANNED_PER_PAGE;

  return {
    async getConversation(conversation: ConversationId, render: RenderOptions): Promise<HistoryResult<Record<string, unknown>>> {
      const state = deps.servesProject(conversation.project) ? await reader.getConversation(conversation) : undefined;
      if (!state) return notFound(`Conversation ${conversation.name} not found`);
      return { ok: true, value: toConversationResource(state, render) };
    },

    async listConversations(parent: ConversationParent, params: ListParameters, render: RenderOptions): Promise<HistoryResult<Record<string, unknown>>> {
      if (!deps.servesProject(parent.project)) return notFound(`Project ${parent.project} not found`);
      const prepared = preparePage(`conversations|projects/${parent.project}/locations/${parent.location}`, params, planConversationQuery);
      if (!prepared.ok) return prepared;
      const { pageSize, plan, binding, before } = prepared.value;
      if (plan.matchesNothing) return { ok: true, value: { conversations: [] } };

      // A residual condition is checked as the reader reads, and bounds the documents it reads (MAX_SCANNED_PER_PAGE).
      const window = windowOf(before, pageSize, maxBytes);
      const residual = plan.residual ? { keep: (state: ConversationState) => meetsResidual(plan, state), maxScanned } : undefined;
      const scan = await reader.listConversations(parent, plan, residual ? { ...window, residual } : window);
      const page = toPage(scan.rows, { pageSize, maxBytes }, (row) => toConversationResource(row.state, render), (lastSortKey) => tokens.encode(binding, lastSortKey), scan.scannedTo);
      return { ok: true, value: { conversations: page.items, ...page.next } };
    },

    async listMessages(conversation: ConversationId, params: ListParameters, render: RenderOptions): Promise<HistoryResult<Record<string, unknown>>> {
      if (!deps.servesProject(conversation.project)) return notFound(`Conversation ${conversation.name} not found`);
      const prepared = preparePage(`messages|${conversation.name}`, params, planMessageQuery);
      if (!prepared.ok) return prepared;
      const { pageSize, plan, binding, before } = prepared.value;
      // Every page beside its conversation, read at the same time: an erased conversation's tombstone reads as none,
      // and so do any messages a late delivery wrote under it before the sweep deleted them (erasure.ts).
      const [rows, exists] = await Promise.all([
        plan.matchesNothing ? [] : reader.listMessages(conversation, plan.range, windowOf(before, pageSize, maxBytes)),
        reader.getConversation(conversation).then((state) => state !== undefined),
      ]);
      if (!exists) return notFound(`Conversation ${conversation.name} not found`);
      const page = toPage(rows, { pageSize, maxBytes }, (row) => toMessageResource(row.payloadJson, conversation, render), (lastSortKey) => tokens.encode(binding, lastSortKey));
      return { ok: true, value: { messages: page.items, ...page.next } };
    },

    /** participants.list: in id order (Dialogflow's own order is unspecified), paged like the others. */
    async listParticipants(conversation: ConversationId, params: ListParameters, render: RenderOptions): Promise<HistoryResult<Record<string, unknown>>> {
      if (!deps.servesProject(conversation.project)) return notFound(`Conversation ${conversation.name} not found`);
      if (params.filter !== undefined) return invalid('participants.list takes no filter');
      // No filter, so one plan: the whole collection in id order.
      const prepared = preparePage(`participants|${conversation.name}`, params, () => ({ canonical: '' }));
      if (!prepared.ok) return prepared;
      const { pageSize, binding, before: after } = prepared.value;
      // Beside the conversation, as messages are: an erased conversation has no participants to show.
      const [rows, exists] = await Promise.all([
        reader.listParticipants(conversation, { ...(after !== undefined ? { after } : {}), limit: pageSize + 1, maxBytes }),
        reader.getConversation(conversation).then((state) => state !== undefined),
      ]);
      if (!exists) return notFound(`Conversation ${conversation.name} not found`);
      const page = toPage(rows, { pageSize, maxBytes }, (row) => toParticipantResource(row, conversation, render), (lastSortKey) => tokens.encode(binding, lastSortKey));
      return { ok: true, value: { participants: page.items, ...page.next } };
    },

    async getParticipant(conversation: ConversationId, participantId: string, render: RenderOptions): Promise<HistoryResult<Record<string, unknown>>> {
      const name = `${conversation.name}/participants/${participantId}`;
      if (!deps.servesProject(conversation.project)) return notFound(`Participant ${name} not found`);
      const [row, exists] = await Promise.all([reader.getParticipant(conversation, participantId), reader.getConversation(conversation).then((state) => state !== undefined)]);
      if (!row || !exists) return notFound(`Participant ${name} not found`);
      return { ok: true, value: toParticipantResource(row, conversation, render) };
    },
  };

  /** What every list page needs: its size, its plan, the binding its tokens carry, and where it continues. */
  function preparePage<Plan extends { canonical: string }>(
    scope: string,
    params: ListParameters,
    planFor: (filter: string) => Plan,
  ): HistoryResult<{ pageSize: number; plan: Plan; binding: string; before: string | undefined }> {
    const pageSize = parsePageSize(params.pageSize);
    if (!pageSize.ok) return pageSize;
    const plan = planOrError(() => planFor(params.filter ?? ''));
    if (!plan.ok) return plan;
    const binding = `${scope}|${plan.value.canonical}`;
    if (params.pageToken === undefined || params.pageToken === '') {
      return { ok: true, value: { pageSize: pageSize.value, plan: plan.value, binding, before: undefined } };
    }
    const decoded = tokens.decode(binding, params.pageToken);
    if (!decoded.ok) return invalid(decoded.reason);
    return { ok: true, value: { pageSize: pageSize.value, plan: plan.value, binding, before: decoded.lastSortKey } };
  }
}

/** AIP-158: 0 or absent means the default; larger than the maximum is lowered to it; negative is an error. */
export function parsePageSize(text: string | undefined): HistoryResult<number> {
  if (text === undefined || text === '') return { ok: true, value: DEFAULT_PAGE_SIZE };
  if (!/^-?[0-9]{1,12}$/.test(text)) return invalid(`pageSize must be a whole number, not '${text.slice(0, 40)}'`);
  const size = Number(text);
  if (size < 0) return invalid(`pageSize must not be negative, got ${size}`);
  if (size === 0) return { ok: true, value: DEFAULT_PAGE_SIZE };
  return { ok: true, value: Math.min(size, MAX_PAGE_SIZE) };
}

function planOrError<T>(plan: () => T): HistoryResult<T> {
  try {
    return { ok: true, value: plan() };
  } catch (error) {
    if (error instanceof InvalidFilterError) return invalid(error.message);
    throw error;
  }
}

/** One more row than the page holds tells whether another page follows. */
function windowOf(before: string | undefined, pageSize: number, maxBytes: number) {
  return { ...(before !== undefined ? { before } : {}), limit: pageSize + 1, maxBytes };
}

/**
 * The page's items, rendered in order until pageSize rows or maxBytes by
 * rowBytes (always at least one row), and a token after the last row taken
 * when any row is left; when every row was taken but the reader stopped its
 * scan early (`scannedTo`), a token there, so that the next page resumes the
 * scan below the documents this one read and left out (the page may be
 * short, or empty).
 */
function toPage<Row extends ConversationRow | MessageRow | ParticipantRow, Item>(
  rows: Row[],
  bounds: { pageSize: number; maxBytes: number },
  render: (row: Row) => Item,
  encode: (lastSortKey: string) => string,
  scannedTo?: string,
) {
  const items: Item[] = [];
  let bytes = 0;
  let taken = 0;
  for (; taken < rows.length && taken < bounds.pageSize; taken++) {
    const row = rows[taken]!;
    bytes += rowBytes(row);
    if (taken > 0 && bytes > bounds.maxBytes) break;
    items.push(render(row));
  }
  const last = rows[taken - 1];
  const resumeAt = taken < rows.length ? last?.sortKey : scannedTo;
  return { items, next: resumeAt !== undefined ? { nextPageToken: encode(resumeAt) } : {} };
}

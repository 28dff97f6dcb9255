import type { ConversationId, ConversationParent } from '../resourceNames';
import type { HistoryReader, PageTokenCodec } from './ports';
import { InvalidFilterError, meetsResidual, planConversationQuery, planMessageQuery } from './queryPlans';
import { toConversationResource, toMessageResource, type RenderOptions } from './resources';

/**
 * The history API's use cases: Dialogflow's conversations.get,
 * conversations.list and conversations.messages.list over what we stored.
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

export interface HistoryQueryDependencies {
  reader: HistoryReader;
  tokens: PageTokenCodec;
  /** Whether this deployment serves the project; others answer 404 as if nothing existed. */
  servesProject: (project: string) => boolean;
}

const invalid = (message: string): { ok: false; error: HistoryError } => ({ ok: false, error: { kind: 'invalid_argument', message } });
const notFound = (message: string): { ok: false; error: HistoryError } => ({ ok: false, error: { kind: 'not_found', message } });

export function createHistoryQueries(deps: HistoryQueryDependencies) {
  const { reader, tokens } = deps;

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

      const rows = await reader.listConversations(parent, plan, windowOf(before, pageSize));
      const page = toPage(rows, pageSize, (lastSortKey) => tokens.encode(binding, lastSortKey));
      const conversations = page.rows.filter((row) => meetsResidual(plan, row.state)).map((row) => toConversationResource(row.state, render));
      return { ok: true, value: { conversations, ...page.next } };
    },

    async listMessages(conversation: ConversationId, params: ListParameters, render: RenderOptions): Promise<HistoryResult<Record<string, unknown>>> {
      if (!deps.servesProject(conversation.project)) return notFound(`Conversation ${conversation.name} not found`);
      const prepared = preparePage(`messages|${conversation.name}`, params, planMessageQuery);
      if (!prepared.ok) return prepared;
      const { pageSize, plan, binding, before } = prepared.value;
      // Every page beside its conversation, read at the same time: an erased conversation's tombstone reads as none,
      // and so do any messages a late delivery wrote under it before the sweep deleted them (erasure.ts).
      const [rows, exists] = await Promise.all([
        plan.matchesNothing ? [] : reader.listMessages(conversation, plan.range, windowOf(before, pageSize)),
        reader.getConversation(conversation).then((state) => state !== undefined),
      ]);
      if (!exists) return notFound(`Conversation ${conversation.name} not found`);
      const page = toPage(rows, pageSize, (lastSortKey) => tokens.encode(binding, lastSortKey));
      return { ok: true, value: { messages: page.rows.map((row) => toMessageResource(row.payloadJson, conversation, render)), ...page.next } };
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
function windowOf(before: string | undefined, pageSize: number) {
  return { ...(before !== undefined ? { before } : {}), limit: pageSize + 1 };
}

function toPage<Row extends { sortKey: string }>(rows: Row[], pageSize: number, encode: (lastSortKey: string) => string) {
  const pageRows = rows.slice(0, pageSize);
  const last = pageRows[pageRows.length - 1];
  const next = rows.length > pageSize && last ? { nextPageToken: encode(last.sortKey) } : {};
  return { rows: pageRows, next };
}

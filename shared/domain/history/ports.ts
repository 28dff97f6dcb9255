import type { ConversationState } from '../conversationState';
import type { EnumValue } from '../enums';
import { utf8Length } from '../jsonShape';
import type { ConversationId, ConversationParent } from '../resourceNames';
import type { ConversationQueryPlan, KeyRange } from './queryPlans';

/**
 * One page window of a keyset query: rows ordered by sort key, newest first,
 * strictly below `before`, at most `limit`. The reader stops early once the
 * rows it read weigh more than `maxBytes` by `rowBytes` and it has read two
 * or more (the last is the row that passed the bound, which tells the page
 * that more follow): an instance never holds a thousand documents of 1 MiB
 * for one page.
 */
export interface PageWindow {
  before?: string;
  limit: number;
  maxBytes: number;
}

/**
 * A conversation page's window when the plan has a residual condition (end_time compared on a list ordered by
 * start time): only the rows `keep` accepts are returned (`limit` of them at most), and at most `maxScanned`
 * documents are read, kept or not, so that one request never scans the whole start range.
 */
export interface ConversationWindow extends PageWindow {
  residual?: { keep: (state: ConversationState) => boolean; maxScanned: number };
}

/** The rows a conversation page read, and where its scan stopped when it stopped at `maxScanned`. */
export interface ConversationScan {
  rows: ConversationRow[];
  /** The sort key of the last document read when the read stopped at maxScanned: the next page resumes below it. */
  scannedTo?: string;
}

export type ConversationRow = { sortKey: string; state: ConversationState };
export type MessageRow = { sortKey: string; payloadJson: string };
/** A stored participant; its sort key is its id (participants are listed in id order). */
export type ParticipantRow = { sortKey: string; role?: EnumValue; dialogflowJson?: string };

/** What a row weighs in a page: the UTF-8 bytes of the JSON its resource is rendered from (the reader and the page count alike). */
export function rowBytes(row: ConversationRow | MessageRow | ParticipantRow): number {
  if ('payloadJson' in row) return utf8Length(row.payloadJson);
  if ('state' in row) return utf8Length(JSON.stringify(row.state));
  return utf8Length(row.dialogflowJson ?? '') + row.sortKey.length;
}

export interface HistoryReader {
  getConversation(conversation: ConversationId): Promise<ConversationState | undefined>;
  listConversations(parent: ConversationParent, plan: ConversationQueryPlan, window: ConversationWindow): Promise<ConversationScan>;
  listMessages(conversation: ConversationId, range: KeyRange, window: PageWindow): Promise<MessageRow[]>;
  getParticipant(conversation: ConversationId, participantId: string): Promise<ParticipantRow | undefined>;
  /** In id order, after `window.after` when given, at most `window.limit`, closed at `window.maxBytes` as PageWindow says. */
  listParticipants(conversation: ConversationId, window: { after?: string; limit: number; maxBytes: number }): Promise<ParticipantRow[]>;
}

/** Opaque page tokens, bound to the request they continue (its parent, filter and order). */
export interface PageTokenCodec {
  encode(binding: string, lastSortKey: string): string;
  /** The sort key to continue below, or why the token cannot continue this request. */
  decode(binding: string, token: string): { ok: true; lastSortKey: string } | { ok: false; reason: string };
}

import type { ConversationState } from '../conversationState';
import type { ConversationId, ConversationParent } from '../resourceNames';
import type { ConversationQueryPlan, KeyRange } from './queryPlans';

/** One page window of a keyset query: rows ordered by sort key, newest first, strictly below `before`. */
export interface PageWindow {
  before?: string;
  limit: number;
}

export interface HistoryReader {
  getConversation(conversation: ConversationId): Promise<ConversationState | undefined>;
  listConversations(parent: ConversationParent, plan: ConversationQueryPlan, window: PageWindow): Promise<Array<{ sortKey: string; state: ConversationState }>>;
  listMessages(conversation: ConversationId, range: KeyRange, window: PageWindow): Promise<Array<{ sortKey: string; payloadJson: string }>>;
}

/** Opaque page tokens, bound to the request they continue (its parent, filter and order). */
export interface PageTokenCodec {
  encode(binding: string, lastSortKey: string): string;
  /** The sort key to continue below, or why the token cannot continue this request. */
  decode(binding: string, token: string): { ok: true; lastSortKey: string } | { ok: false; reason: string };
}

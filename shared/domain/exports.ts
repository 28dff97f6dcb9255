import { parseTimestampNanos } from './timestamps';

/**
 * The export formats, from what the history API serves (a Conversation and its Messages, proto3 JSON).
 *
 * `insights`: Contact Center AI Insights' "conversation data format" for transcripts imported from Cloud
 * Storage, one file per conversation: `{"entries": [{"text", "user_id", "role", "start_timestamp_usec"}]}`,
 * entries in chronological order. `conversation_info` is optional and only carries custom categories, which
 * the history does not have, so it is left out.
 */
export interface InsightsEntry {
  text: string;
  /** An integer that identifies one participant: derived from its resource name, the same in every export. */
  user_id: number;
  role: 'AGENT' | 'AUTOMATED_AGENT' | 'CUSTOMER' | 'END_USER';
  /** When the message was created, in microseconds since the Unix epoch (UTC). */
  start_timestamp_usec: number;
}

export interface InsightsConversation {
  entries: InsightsEntry[];
}

/** Dialogflow's participant roles as the format names them; ROLE_UNSPECIFIED has none (the message is left out). */
const ROLES: Record<string, InsightsEntry['role']> = {
  HUMAN_AGENT: 'AGENT',
  AUTOMATED_AGENT: 'AUTOMATED_AGENT',
  END_USER: 'END_USER',
  1: 'AGENT',
  2: 'AUTOMATED_AGENT',
  3: 'END_USER',
};

export interface InsightsExport {
  /** `<conversation id>.json`. */
  fileName: string;
  conversation: InsightsConversation;
  /** Messages the format cannot carry: without a known participant role or a create time. */
  leftOut: number;
}

/** `messages` in any order; the entries come out oldest first (ties in message name order). */
export function toInsightsConversation(conversation: Record<string, unknown>, messages: Array<Record<string, unknown>>): InsightsExport {
  const name = String(conversation['name']);
  const entries: Array<InsightsEntry & { order: string }> = [];
  let leftOut = 0;
  for (const message of messages) {
    const role = ROLES[String(message['participantRole'])];
    const nanos = typeof message['createTime'] === 'string' ? parseTimestampNanos(message['createTime']) : undefined;
    if (!role || nanos === undefined) {
      leftOut += 1;
      continue;
    }
    const participant = typeof message['participant'] === 'string' ? message['participant'] : `${name}/roles/${role}`;
    entries.push({
      text: typeof message['content'] === 'string' ? message['content'] : '',
      user_id: participantNumber(participant),
      role,
      start_timestamp_usec: Number(nanos / 1000n),
      order: `${String(nanos).padStart(24, '0')}\n${String(message['name'])}`,
    });
  }
  entries.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  return {
    fileName: `${name.slice(name.lastIndexOf('/') + 1)}.json`,
    conversation: { entries: entries.map(({ order: _order, ...entry }) => entry) },
    leftOut,
  };
}

/**
 * A positive integer below 2^53 (exact in JSON) from the participant's name: the same participant, the same
 * number, in every export. Two 32-bit FNV-1a hashes of the name, with different offsets, make 53 bits: a
 * collision between two participants is as likely as in a 53-bit random number.
 */
export function participantNumber(participant: string): number {
  const fnv = (offset: number) => {
    let hash = offset;
    for (let i = 0; i < participant.length; i++) hash = Math.imul(hash ^ participant.charCodeAt(i), 16777619) >>> 0;
    return hash;
  };
  const high = fnv(2166136261) & 0x1fffff;
  return high * 2 ** 32 + fnv(0x811c9dc5 ^ 0x5bd1e995) || 1;
}

/** `jsonl`: one line per conversation, the Conversation and its Messages as the history API serves them, oldest message first. */
export function toJsonlLine(conversation: Record<string, unknown>, messagesOldestFirst: Array<Record<string, unknown>>): string {
  return `${JSON.stringify({ conversation, messages: messagesOldestFirst })}\n`;
}

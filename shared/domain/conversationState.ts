import * as z from 'zod';
import { formatSortableTimestamp, parseTimestampNanos } from './timestamps';
import type { ConversationId } from './resourceNames';

/**
 * The stored state of a conversation is a pure function of the set of
 * lifecycle events received for it: every field below is a min, a bounded
 * set union or a logical or of event facts. Merging is therefore
 * commutative, associative and idempotent, so any order and any number of
 * repeats of the same deliveries end in the same state.
 */

/** Lifecycle events kept per conversation. Dialogflow sends a handful; the bound keeps the document far below 1 MiB. */
export const MAX_KEPT_LIFECYCLE_EVENTS = 100;
/** Bytes of detail (error status, unknown fields, attributes) one kept event may carry. */
export const MAX_LIFECYCLE_DETAIL_BYTES = 8 * 1024;

export const LifecycleEventRecordSchema = z.object({
  type: z.union([z.string(), z.number()]),
  /** Pub/Sub publish time, sortable form (see timestamps.ts). */
  publishTime: z.string(),
  pubsubMessageId: z.string(),
  /** Canonical JSON of what else the event carried: errorStatus, unknown fields, attributes. */
  detailJson: z.string().optional(),
});
export type LifecycleEventRecord = z.infer<typeof LifecycleEventRecordSchema>;

export const ConversationStateSchema = z.object({
  name: z.string(),
  project: z.string(),
  location: z.string(),
  conversationId: z.string(),
  lifecycleState: z.enum(['IN_PROGRESS', 'COMPLETED']),
  /** Earliest CONVERSATION_STARTED publish time, sortable form. */
  startTime: z.string().nullable(),
  /** Earliest CONVERSATION_FINISHED publish time: Dialogflow fires FINISHED again on every CompleteConversation. */
  endTime: z.string().nullable(),
  /** Known only once Dialogflow asked for a human; before that the events do not say. */
  conversationStage: z.literal('HUMAN_ASSIST_STAGE').nullable(),
  /** The earliest MAX_KEPT_LIFECYCLE_EVENTS distinct events, in eventOrderKey order. */
  lifecycleEvents: z.array(LifecycleEventRecordSchema),
  /** True once more distinct events arrived than are kept. */
  lifecycleEventsTruncated: z.boolean(),
});
export type ConversationState = z.infer<typeof ConversationStateSchema>;

/** The state of a conversation we know exists but have no lifecycle event for (the bottom of the merge). */
export function emptyConversationState(id: ConversationId): ConversationState {
  return {
    name: id.name,
    project: id.project,
    location: id.location,
    conversationId: id.conversationId,
    lifecycleState: 'IN_PROGRESS',
    startTime: null,
    endTime: null,
    conversationStage: null,
    lifecycleEvents: [],
    lifecycleEventsTruncated: false,
  };
}

export function mergeLifecycleEvent(
  current: ConversationState | undefined,
  id: ConversationId,
  event: LifecycleEventRecord,
): ConversationState {
  const base = current ?? emptyConversationState(id);
  const { events, truncated } = addToBoundedSet(base.lifecycleEvents, event);
  const startTime = event.type === 'CONVERSATION_STARTED' ? earliest(base.startTime, event.publishTime) : base.startTime;
  const endTime = event.type === 'CONVERSATION_FINISHED' ? earliest(base.endTime, event.publishTime) : base.endTime;
  return {
    ...base,
    lifecycleState: endTime === null ? 'IN_PROGRESS' : 'COMPLETED',
    startTime,
    endTime,
    conversationStage: event.type === 'HUMAN_INTERVENTION_NEEDED' ? 'HUMAN_ASSIST_STAGE' : base.conversationStage,
    lifecycleEvents: events,
    lifecycleEventsTruncated: base.lifecycleEventsTruncated || truncated,
  };
}

/**
 * Keys that order conversations by start or end time, newest first, with
 * the id as tie-break. A conversation without the time has a key starting
 * with '#', which sorts below every timestamp.
 */
export function conversationSortKeys(state: ConversationState): { startSortKey: string; endSortKey: string } {
  return {
    startSortKey: `${state.startTime ?? ''}#${state.conversationId}`,
    endSortKey: `${state.endTime ?? ''}#${state.conversationId}`,
  };
}

/**
 * When a conversation's document may be deleted: `retentionDays` after it
 * ended (or, if its end never arrived, after it started). A function of the
 * state, like everything stored. Undefined: keep it.
 */
export function conversationExpiry(state: ConversationState, retentionDays: number): string | undefined {
  const anchor = state.endTime ?? state.startTime;
  return anchor === null ? undefined : addDays(anchor, retentionDays);
}

/** A sortable time plus whole days, or undefined when retention is off (0 days). */
export function addDays(sortableTime: string, days: number): string | undefined {
  if (days <= 0) return undefined;
  const nanos = parseTimestampNanos(sortableTime);
  return nanos === undefined ? undefined : formatSortableTimestamp(nanos + BigInt(days) * NANOS_PER_DAY);
}

const NANOS_PER_DAY = 86_400_000_000_000n;

export function sameConversationState(a: ConversationState, b: ConversationState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function earliest(current: string | null, candidate: string): string {
  return current === null || candidate < current ? candidate : current;
}

/** Orders events by publish time, then Pub/Sub id, then content, so that the kept set is the same whatever the arrival order. */
export function eventOrderKey(event: LifecycleEventRecord): string {
  return JSON.stringify([event.publishTime, event.pubsubMessageId, String(event.type), typeof event.type, event.detailJson ?? null]);
}

function addToBoundedSet(
  events: LifecycleEventRecord[],
  event: LifecycleEventRecord,
): { events: LifecycleEventRecord[]; truncated: boolean } {
  // Each key once: it is a JSON text, and the sort would otherwise build it on every comparison.
  const keyed = events.map((existing) => ({ key: eventOrderKey(existing), event: existing }));
  const key = eventOrderKey(event);
  if (keyed.some((existing) => existing.key === key)) return { events, truncated: false };
  const merged = [...keyed, { key, event }].sort((a, b) => compareStrings(a.key, b.key));
  return {
    events: merged.slice(0, MAX_KEPT_LIFECYCLE_EVENTS).map((entry) => entry.event),
    truncated: merged.length > MAX_KEPT_LIFECYCLE_EVENTS,
  };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

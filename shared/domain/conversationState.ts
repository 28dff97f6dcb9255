import * as z from 'zod/mini';
import { formatSortableTimestamp, parseTimestampNanos } from './timestamps';
import type { LifecycleState } from './enums';
import type { ConversationId } from './resourceNames';

/**
 * The stored state of a conversation is a pure function of the set of its
 * inputs: the lifecycle events received for it, and the snapshots of it read
 * from Dialogflow's own API (reconcile, backfill). Each kind of input folds
 * into facts that are a min, a max, a bounded set union or a logical or, and
 * what is served is derived from those facts with one precedence
 * (`withServedFields`). Merging is therefore commutative, associative and
 * idempotent: any order and any number of repeats end in the same state.
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
  detailJson: z.optional(z.string()),
});
export type LifecycleEventRecord = z.infer<typeof LifecycleEventRecordSchema>;

/** Dialogflow's stages, in the order a conversation goes through them. */
export const ConversationStageSchema = z.enum(['VIRTUAL_AGENT_STAGE', 'HUMAN_ASSIST_STAGE']);
export type ConversationStage = z.infer<typeof ConversationStageSchema>;

/** What Dialogflow's API said of the conversation, over every read of it. */
export const DialogflowFactsSchema = z.object({
  /**
   * The most advanced Conversation any read returned (COMPLETED over not, a later stage, an end time, then the
   * greater JSON): chosen by what it says, not by when it was read, so that reading the same again changes
   * nothing.
   */
  conversation: z.nullable(
    z.object({
      /** Canonical proto3 JSON of the whole Conversation: every field, modelled or not. */
      json: z.string(),
      conversationProfile: z.nullable(z.string()),
      phoneNumber: z.nullable(z.record(z.string(), z.unknown())),
    }),
  ),
  /** The earliest start and end time Dialogflow reported (sortable form). */
  startTime: z.nullable(z.string()),
  /** The earliest end time Dialogflow reported. */
  endTime: z.nullable(z.string()),
  /** Whether any read found it COMPLETED (auto-completion after 24 hours included). */
  completed: z.boolean(),
  /** The latest stage any read reported. */
  stage: z.nullable(ConversationStageSchema),
  /** The latest scheduled read (reconcile), which times the next one; a backfill's reads are not scheduled. */
  lastReadAt: z.nullable(z.string()),
  /** The earliest read that found it gone (Dialogflow purges finished conversations after 30 days). */
  notFoundAt: z.nullable(z.string()),
  /** The latest read that failed (quota, outage, permission): the next one waits (reconcile.ts). */
  lastFailedReadAt: z.nullable(z.string()),
});
export type DialogflowFacts = z.infer<typeof DialogflowFactsSchema>;

const ConversationStateShape = z.object({
  name: z.string(),
  project: z.string(),
  location: z.string(),
  conversationId: z.string(),
  // Served, and derived from the facts below by withServedFields.
  lifecycleState: z.enum(['IN_PROGRESS', 'COMPLETED']),
  /** Dialogflow's start time when a read reported one, else the earliest CONVERSATION_STARTED publish time. */
  startTime: z.nullable(z.string()),
  /** Dialogflow's end time when a read reported one, else the earliest CONVERSATION_FINISHED publish time. */
  endTime: z.nullable(z.string()),
  /** The later of what the events say (human intervention needed) and what Dialogflow reported. */
  conversationStage: z.nullable(ConversationStageSchema),
  /** Known only from Dialogflow's API: no event carries them. */
  conversationProfile: z.nullable(z.string()),
  phoneNumber: z.nullable(z.record(z.string(), z.unknown())),
  // Facts of the events.
  /** Earliest CONVERSATION_STARTED publish time: Dialogflow may fire events again. */
  eventStartTime: z.nullable(z.string()),
  /** Earliest CONVERSATION_FINISHED publish time: Dialogflow fires FINISHED again on every CompleteConversation. */
  eventEndTime: z.nullable(z.string()),
  humanInterventionNeeded: z.boolean(),
  /** The earliest MAX_KEPT_LIFECYCLE_EVENTS distinct events, in eventOrderKey order. */
  lifecycleEvents: z.array(LifecycleEventRecordSchema),
  /** True once more distinct events arrived than are kept. */
  lifecycleEventsTruncated: z.boolean(),
  // Facts of Dialogflow's API; null until it was read.
  dialogflow: z.nullable(DialogflowFactsSchema),
});
export type ConversationState = z.infer<typeof ConversationStateShape>;

/**
 * Version 1 documents (before Dialogflow's API was read) kept only the event
 * facts, under the served names: read as the current version.
 */
const fromAnyVersion = z.transform((value: unknown) => {
  if (typeof value !== 'object' || value === null || 'eventStartTime' in value) return value;
  const v1 = value as Record<string, unknown>;
  return {
    ...v1,
    conversationProfile: null,
    phoneNumber: null,
    eventStartTime: v1['startTime'] ?? null,
    eventEndTime: v1['endTime'] ?? null,
    humanInterventionNeeded: v1['conversationStage'] === 'HUMAN_ASSIST_STAGE',
    dialogflow: null,
  };
});
/** The stored state, read from a document of any schema version. */
export const ConversationStateSchema = z.pipe(fromAnyVersion, ConversationStateShape);

/** The state of a conversation we know exists but have no input for (the bottom of the merge). */
export function emptyConversationState(id: ConversationId): ConversationState {
  return withServedFields({
    name: id.name,
    project: id.project,
    location: id.location,
    conversationId: id.conversationId,
    eventStartTime: null,
    eventEndTime: null,
    humanInterventionNeeded: false,
    lifecycleEvents: [],
    lifecycleEventsTruncated: false,
    dialogflow: null,
  });
}

export function mergeLifecycleEvent(
  current: ConversationState | undefined,
  id: ConversationId,
  event: LifecycleEventRecord,
): ConversationState {
  const base = current ?? emptyConversationState(id);
  const { events, truncated } = addToBoundedSet(base.lifecycleEvents, event);
  return withServedFields({
    ...base,
    eventStartTime: event.type === 'CONVERSATION_STARTED' ? earliest(base.eventStartTime, event.publishTime) : base.eventStartTime,
    eventEndTime: event.type === 'CONVERSATION_FINISHED' ? earliest(base.eventEndTime, event.publishTime) : base.eventEndTime,
    humanInterventionNeeded: base.humanInterventionNeeded || event.type === 'HUMAN_INTERVENTION_NEEDED',
    lifecycleEvents: events,
    lifecycleEventsTruncated: base.lifecycleEventsTruncated || truncated,
  });
}

/** What one read of Dialogflow's API says: the conversation, already reduced to facts (dialogflowSnapshots.ts), or that it is gone. */
export type ConversationSnapshot =
  | {
      found: true;
      /** When a scheduled read (reconcile) asked; null for a backfill's listing, which times nothing. */
      readTime: string | null;
      conversationJson: string;
      lifecycleState: LifecycleState | null;
      startTime: string | null;
      endTime: string | null;
      stage: ConversationStage | null;
      conversationProfile: string | null;
      phoneNumber: Record<string, unknown> | null;
    }
  | { found: false; readTime: string };

export function mergeConversationSnapshot(current: ConversationState | undefined, id: ConversationId, snapshot: ConversationSnapshot): ConversationState {
  const base = current ?? emptyConversationState(id);
  const facts = base.dialogflow ?? NO_DIALOGFLOW_FACTS;
  if (!snapshot.found) return withServedFields({ ...base, dialogflow: { ...facts, notFoundAt: earliestOrNull(facts.notFoundAt, snapshot.readTime) } });
  const read = { json: snapshot.conversationJson, conversationProfile: snapshot.conversationProfile, phoneNumber: snapshot.phoneNumber };
  return withServedFields({
    ...base,
    dialogflow: {
      conversation: facts.conversation === null || compareStrings(advancement(read.json), advancement(facts.conversation.json)) > 0 ? read : facts.conversation,
      startTime: earliestOrNull(facts.startTime, snapshot.startTime),
      endTime: earliestOrNull(facts.endTime, snapshot.endTime),
      completed: facts.completed || snapshot.lifecycleState === 'COMPLETED',
      stage: laterStage(facts.stage, snapshot.stage),
      lastReadAt: latestOrNull(facts.lastReadAt, snapshot.readTime),
      notFoundAt: facts.notFoundAt,
      lastFailedReadAt: facts.lastFailedReadAt,
    },
  });
}

/** How far along a read Conversation is, as text that sorts: COMPLETED, then the stage, then an end time, then the JSON. */
function advancement(conversationJson: string): string {
  const conversation = JSON.parse(conversationJson) as Record<string, unknown>;
  const completed = conversation['lifecycleState'] === 'COMPLETED' || conversation['lifecycleState'] === 2 ? '1' : '0';
  const stage = String(STAGE_ORDER.indexOf(conversation['conversationStage'] as ConversationStage) + 1);
  const ended = conversation['endTime'] ? '1' : '0';
  return `${completed}${stage}${ended}${conversationJson}`;
}

function latestOrNull(current: string | null, candidate: string | null): string | null {
  if (candidate === null) return current;
  return current === null || candidate > current ? candidate : current;
}

/** A read of Dialogflow's API that failed at `readTime`: nothing learned, but the next attempt waits. */
export function mergeFailedRead(current: ConversationState | undefined, id: ConversationId, readTime: string): ConversationState {
  const base = current ?? emptyConversationState(id);
  const facts = base.dialogflow ?? NO_DIALOGFLOW_FACTS;
  const lastFailedReadAt = facts.lastFailedReadAt === null || readTime > facts.lastFailedReadAt ? readTime : facts.lastFailedReadAt;
  return withServedFields({ ...base, dialogflow: { ...facts, lastFailedReadAt } });
}

const NO_DIALOGFLOW_FACTS: DialogflowFacts = {
  conversation: null,
  startTime: null,
  endTime: null,
  completed: false,
  stage: null,
  lastReadAt: null,
  notFoundAt: null,
  lastFailedReadAt: null,
};

/**
 * The served fields, from the facts, with the one precedence of this model: Dialogflow's own times over
 * publish times, COMPLETED over IN_PROGRESS, a later stage over an earlier one; profile and phone number
 * from the most advanced read. The object is built in one field order, so that equal states are equal JSON.
 */
export function withServedFields(facts: Omit<ConversationState, 'lifecycleState' | 'startTime' | 'endTime' | 'conversationStage' | 'conversationProfile' | 'phoneNumber'>): ConversationState {
  const dialogflow = facts.dialogflow;
  const endTime = dialogflow?.endTime ?? facts.eventEndTime;
  return {
    name: facts.name,
    project: facts.project,
    location: facts.location,
    conversationId: facts.conversationId,
    lifecycleState: endTime !== null || dialogflow?.completed === true ? 'COMPLETED' : 'IN_PROGRESS',
    startTime: dialogflow?.startTime ?? facts.eventStartTime,
    endTime,
    conversationStage: laterStage(facts.humanInterventionNeeded ? 'HUMAN_ASSIST_STAGE' : null, dialogflow?.stage ?? null),
    conversationProfile: dialogflow?.conversation?.conversationProfile ?? null,
    phoneNumber: dialogflow?.conversation?.phoneNumber ?? null,
    eventStartTime: facts.eventStartTime,
    eventEndTime: facts.eventEndTime,
    humanInterventionNeeded: facts.humanInterventionNeeded,
    lifecycleEvents: facts.lifecycleEvents,
    lifecycleEventsTruncated: facts.lifecycleEventsTruncated,
    dialogflow: dialogflow
      ? {
          conversation: dialogflow.conversation,
          startTime: dialogflow.startTime,
          endTime: dialogflow.endTime,
          completed: dialogflow.completed,
          stage: dialogflow.stage,
          lastReadAt: dialogflow.lastReadAt,
          notFoundAt: dialogflow.notFoundAt,
          lastFailedReadAt: dialogflow.lastFailedReadAt,
        }
      : null,
  };
}

const STAGE_ORDER: readonly ConversationStage[] = ['VIRTUAL_AGENT_STAGE', 'HUMAN_ASSIST_STAGE'];

function laterStage(a: ConversationStage | null, b: ConversationStage | null): ConversationStage | null {
  if (a === null) return b;
  if (b === null) return a;
  return STAGE_ORDER.indexOf(a) >= STAGE_ORDER.indexOf(b) ? a : b;
}

function earliestOrNull(current: string | null, candidate: string | null): string | null {
  return candidate === null ? current : earliest(current, candidate);
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

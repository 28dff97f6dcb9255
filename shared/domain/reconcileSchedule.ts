import type { ConversationState } from './conversationState';
import { formatSortableTimestamp, parseTimestampNanos } from './timestamps';

/**
 * When reconcile (reconcile.ts) next asks Dialogflow's API about a conversation: a function of its state, so
 * that the store keeps it beside the conversation (`reconcileDueKey`) and the queue is a range query on it.
 * Apart from the use case so that the functions that only store and serve load no more than this.
 */

const MINUTE = 60_000_000_000n;
/** A first read soon after the start: the profile and phone number, while the conversation is recent. */
export const FIRST_READ_AFTER = 10n * MINUTE;
/** Dialogflow: "Conversations are auto-completed after 24 hours"; asked again just after. */
export const AUTO_COMPLETION_AFTER = 24n * 60n * MINUTE + 10n * MINUTE;
/** A conversation still in progress after that, or a failed read, is asked again this much later. */
export const READ_AGAIN_AFTER = 60n * MINUTE;
/** Sorts before every time: due at once. */
const AT_ONCE = '';

/** The time (sortable form) at which the conversation next needs Dialogflow's word; undefined: never again. */
export function reconcileDueTime(state: ConversationState): string | undefined {
  const facts = state.dialogflow;
  if (facts?.notFoundAt || facts?.completed) return undefined; // purged, or Dialogflow's final word
  const known = facts?.conversation ?? null;
  const lastRead = facts?.lastReadAt ?? null;
  const due = (() => {
    if (!known) return state.startTime ? plus(state.startTime, FIRST_READ_AFTER) : AT_ONCE;
    // Finished by its events since the last read: once more, for Dialogflow's own end time.
    if (state.eventEndTime !== null) return lastRead === null || lastRead < state.eventEndTime ? plus(state.eventEndTime, FIRST_READ_AFTER) : undefined;
    const again = lastRead === null ? AT_ONCE : plus(lastRead, READ_AGAIN_AFTER);
    const autoCompletion = state.startTime ? plus(state.startTime, AUTO_COMPLETION_AFTER) : again;
    return autoCompletion > again ? autoCompletion : again;
  })();
  if (due === undefined) return undefined;
  const failed = facts?.lastFailedReadAt;
  const retry = failed && (lastRead === null || failed > lastRead) ? plus(failed, READ_AGAIN_AFTER) : AT_ONCE;
  return retry > due ? retry : due;
}

function plus(sortableTime: string, nanos: bigint): string {
  const base = parseTimestampNanos(sortableTime);
  return base === undefined ? AT_ONCE : formatSortableTimestamp(base + nanos);
}

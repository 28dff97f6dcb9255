import { mergeLifecycleEvent } from './conversationState';
import { decodeDelivery, type ProtobufEventReader } from './decodeDelivery';
import type { DeliveryFacts, IngestOutcome } from './outcomes';
import type { ConversationStore, QuarantineStore } from './ports';
import { ensureParticipantOf } from './participants';
import type { IngestEvent } from './records';

export interface IngestDependencies {
  store: ConversationStore;
  quarantine: QuarantineStore;
  /** Name of the receiving function, recorded with quarantined deliveries. */
  receivedBy: string;
  now: () => Date;
  /** Reads PROTO deliveries (the wire adapter); without it only JSON deliveries are stored. */
  readProtobufEvent?: ProtobufEventReader;
  /** Where a name without `/locations/<L>/` is taken to be (DIALOGFLOW_LOCATION). */
  defaultLocation?: string;
}

export interface Delivery {
  /** The push body as parsed JSON. */
  body: unknown;
  /** The push body exactly as received. */
  rawBody: Uint8Array;
  /** Whether rawBody is valid UTF-8 (the body parser would have replaced invalid bytes in `body`). */
  bodyIsUtf8: boolean;
}

/**
 * Applies one Pub/Sub delivery: decode it, then store what it says or
 * quarantine it with the reason. Throws only when the store failed, so that
 * the caller answers non-2xx and Pub/Sub delivers again.
 */
export function createIngestDelivery(deps: IngestDependencies) {
  return async function ingestDelivery(delivery: Delivery): Promise<IngestOutcome> {
    const decoded = decodeDelivery(delivery.body, {
      bodyIsUtf8: delivery.bodyIsUtf8,
      readProtobufEvent: deps.readProtobufEvent,
      defaultLocation: deps.defaultLocation,
    });
    try {
      if (!decoded.ok) {
        const quarantineId = await deps.quarantine.keep({
          rejection: decoded.rejection,
          facts: decoded.facts,
          receivedBy: deps.receivedBy,
          receivedAt: deps.now(),
          rawBody: delivery.rawBody,
        });
        return { outcome: 'rejected', facts: decoded.facts, rejection: decoded.rejection, quarantineId };
      }
      const outcome = await storeEvent(deps.store, decoded.event);
      return { outcome, facts: decoded.facts };
    } catch (error) {
      throw new DeliveryFailedError(decoded.facts, error);
    }
  };
}

/** The store failed while applying a delivery; carries what is known of the delivery for the log. */
export class DeliveryFailedError extends Error {
  override name = 'DeliveryFailedError';
  constructor(
    readonly facts: DeliveryFacts,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

async function storeEvent(store: ConversationStore, event: IngestEvent) {
  switch (event.kind) {
    case 'lifecycle':
      return store.updateConversation(event.conversation, (current) =>
        mergeLifecycleEvent(current, event.conversation, event.record),
      );
    case 'message': {
      if ((await store.ensureConversation(event.conversation)) === 'erased') return 'erased';
      // Both before the answer: a redelivery after either failed finds the message a duplicate and writes the participant.
      const [written] = await Promise.all([store.createMessage(event.record), ensureParticipantOf(store, event.record)]);
      return written;
    }
    case 'recognition_result':
      if ((await store.ensureConversation(event.conversation)) === 'erased') return 'erased';
      return store.createRecognitionResult(event.record);
  }
}

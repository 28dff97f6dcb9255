import { createIngestDelivery } from '../domain/ingestDelivery';
import { createFirestoreConversationStore } from '../firestore/conversationStore';
import { createFirestore } from '../firestore/createFirestore';
import { createFirestoreQuarantineStore } from '../firestore/quarantineStore';
import { guardBeforeParsing } from '../http/guardBeforeParsing';
import { originsOf } from '../http/requestGuard';
import { createIngestHandler } from '../http/ingestHandler';
import { functionStarted } from '../platform/logEvents';
import { createProtobufEventReader } from '../wire/protobufConversationEvent';
import { authenticatorFor, startFunction } from './startup';

/** Wires an ingest push endpoint: configuration, Firestore adapters, use case, HTTP edge. */
export function buildIngestFunction(functionName: string, env: Record<string, string | undefined>) {
  const { config, logger } = startFunction(functionName, env);
  const db = createFirestore(config);
  const ingest = createIngestDelivery({
    store: createFirestoreConversationStore(db, { deadlineMs: config.firestoreDeadlineMs, retentionDays: config.retentionDays, knownConversationsCapacity: config.knownConversationsCapacity }),
    quarantine: createFirestoreQuarantineStore(db, { deadlineMs: config.firestoreDeadlineMs, retentionDays: config.retentionDays }),
    receivedBy: functionName,
    now: () => new Date(),
    readProtobufEvent: createProtobufEventReader(),
    defaultLocation: config.dialogflowLocation,
  });
  functionStarted(logger, {
    function: functionName,
    databaseId: config.databaseId,
    retentionDays: config.retentionDays,
    knownConversationsCapacity: config.knownConversationsCapacity,
    authentication: config.auth.audiences.length > 0,
    emulator: config.emulatorHost !== undefined,
  });
  const { authenticate } = authenticatorFor(config);
  const handler = createIngestHandler({ ingest, logger, maxBodyBytes: config.maxPushBodyBytes, authenticate });
  // Pub/Sub posts its JSON envelope, uncompressed, with its length; no browser page has a reason to post here.
  return guardBeforeParsing(handler, { function: functionName, maxBodyBytes: config.maxPushBodyBytes, allowedOrigins: [], ownOrigins: originsOf(config.auth.audiences), logger, authenticate });
}

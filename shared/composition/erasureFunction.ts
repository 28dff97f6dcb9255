import { createFirestore } from '../firestore/createFirestore';
import { createFirestoreErasureStore } from '../firestore/erasureStore';
import { createErasureHandler } from '../http/erasureHandler';
import { guardBeforeParsing } from '../http/guardBeforeParsing';
import { originsOf } from '../http/requestGuard';
import { functionStarted } from '../platform/logEvents';
import { authenticatorFor, startFunction } from './startup';

/** Wires the erasure function: configuration, the Firestore erasure store, the eraser check, the HTTP edge. */
export function buildErasureFunction(functionName: string, env: Record<string, string | undefined>) {
  const { config, logger } = startFunction(functionName, env, (c) => [
    ...(c.servedProjects === '*' || c.servedProjects.length > 0 ? [] : ['SERVED_PROJECTS or GOOGLE_CLOUD_PROJECT must name the projects whose conversations may be erased']),
  ]);
  const served = config.servedProjects;
  const { authenticate } = authenticatorFor(config);
  functionStarted(logger, {
    function: functionName,
    databaseId: config.databaseId,
    servedProjects: served,
    authentication: authenticate !== undefined,
    erasers: config.erasureAllowedEmails.length,
  });
  const handler = createErasureHandler({
    store: createFirestoreErasureStore(createFirestore(config), { deadlineMs: config.firestoreDeadlineMs }),
    allowedEmails: config.erasureAllowedEmails,
    servesProject: (project) => served === '*' || served.includes(project),
    logger,
    authenticate,
    defaultLocation: config.dialogflowLocation,
  });
  // DELETE carries no body, and no page of another site may erase (the history API passes DELETEs on from its
  // server, without an Origin).
  return guardBeforeParsing(handler, { function: functionName, maxBodyBytes: 0, allowedOrigins: [], ownOrigins: originsOf(config.auth.audiences), logger, authenticate });
}

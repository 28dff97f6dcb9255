import { createHistoryQueries } from '../domain/history/historyQueries';
import { createFirestore } from '../firestore/createFirestore';
import { createFirestoreErasureStore } from '../firestore/erasureStore';
import { createFirestoreHistoryReader } from '../firestore/historyReader';
import { createHistoryHandler } from '../http/historyHandler';
import { functionStarted } from '../platform/logEvents';
import { createPageTokenCodec } from '../platform/pageTokens';
import { loadViewerAssets } from '../viewer/assets';
import { authenticatorFor, startFunction } from './startup';

/** Wires the history API: configuration, the Firestore reader, page tokens, the use cases, the HTTP edge. */
export function buildHistoryFunction(functionName: string, env: Record<string, string | undefined>) {
  const { config, logger } = startFunction(functionName, env, (c) => [
    ...(c.pageTokenSecret ? [] : ['PAGE_TOKEN_SECRET must be set (32 or more random characters) outside an emulator']),
    ...(c.servedProjects === '*' || c.servedProjects.length > 0 ? [] : ['SERVED_PROJECTS or GOOGLE_CLOUD_PROJECT must name the projects to serve']),
  ]);
  const served = config.servedProjects;
  const servesProject = (project: string) => served === '*' || served.includes(project);
  const db = createFirestore(config);
  const queries = createHistoryQueries({
    reader: createFirestoreHistoryReader(db, { deadlineMs: config.firestoreDeadlineMs }),
    tokens: createPageTokenCodec(config.pageTokenSecret!),
    servesProject,
  });
  functionStarted(logger, { function: functionName, databaseId: config.databaseId, servedProjects: served, authentication: config.auth.allowedEmails.length > 0 });
  return createHistoryHandler({
    queries,
    viewer: loadViewerAssets(),
    erasure: { store: createFirestoreErasureStore(db, { deadlineMs: config.firestoreDeadlineMs }), allowedEmails: config.erasureAllowedEmails, servesProject },
    logger,
    corsAllowedOrigins: config.corsAllowedOrigins,
    defaultLocation: config.dialogflowLocation,
    ...authenticatorFor(config),
  });
}

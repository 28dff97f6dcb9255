import { createHistoryQueries } from '../domain/history/historyQueries';
import { createFirestore } from '../firestore/createFirestore';
import { createFirestoreHistoryReader } from '../firestore/historyReader';
import { guardBeforeParsing } from '../http/guardBeforeParsing';
import { originsOf } from '../http/requestGuard';
import { createHistoryHandler } from '../http/historyHandler';
import { functionStarted } from '../platform/logEvents';
import { createMetadataIdentityTokens } from '../platform/serviceIdentity';
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
  functionStarted(logger, { function: functionName, databaseId: config.databaseId, servedProjects: served, authentication: config.auth.audiences.length > 0 });
  const { authenticate } = authenticatorFor(config);
  const handler = createHistoryHandler({
    queries,
    viewer: loadViewerAssets(),
    ...(config.erasureUrl
      ? {
          erasure: {
            url: config.erasureUrl,
            // Deployed, Cloud Run's IAM in front of the erasure function wants this service's own token; an
            // emulator has no metadata server and no IAM.
            ...(config.emulatorHost === undefined ? { identityTokens: createMetadataIdentityTokens() } : {}),
            timeoutMs: ERASURE_TIMEOUT_MS,
          },
        }
      : {}),
    logger,
    corsAllowedOrigins: config.corsAllowedOrigins,
    defaultLocation: config.dialogflowLocation,
    authenticate,
  });
  // Its methods (GET, DELETE) take everything from the URL and carry no body. Another method's small body is let
  // through, authenticated, so that its route answers it as Google's transcoding does (501 for POST).
  return guardBeforeParsing(handler, { function: functionName, maxBodyBytes: HISTORY_MAX_BODY_BYTES, allowedOrigins: config.corsAllowedOrigins, ownOrigins: originsOf(config.auth.audiences), logger, authenticate });
}

const HISTORY_MAX_BODY_BYTES = 1024;
/** Within the history function's 60 s timeout; a DELETE cut short is simply sent again (erasure is idempotent). */
const ERASURE_TIMEOUT_MS = 50_000;

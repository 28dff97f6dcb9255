import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmbeddedFirestore, type RunningFirestore } from './embeddedFirestore';

/** Where the erasure function is mounted on the local stack's one port, standing in for its own URL. */
export const ERASURE_PREFIX = '/eraseConversations';

/** The functions, by the URL path that reaches each (as in a deployment, one function per URL). */
export const ROUTES = [
  { target: 'ingestLifecycleEvents', module: '../../functions/ingest-lifecycle-events/index', matches: (path: string) => path === '/ingestLifecycleEvents' },
  { target: 'ingestMessageEvents', module: '../../functions/ingest-message-events/index', matches: (path: string) => path === '/ingestMessageEvents' },
  {
    target: 'ingestRecognitionResults',
    module: '../../functions/ingest-recognition-results/index',
    matches: (path: string) => path === '/ingestRecognitionResults',
  },
  {
    target: 'conversationHistory',
    module: '../../functions/conversation-history/index',
    // Its API (and Google's batch path, which it answers 501), and the viewer at / (shared/viewer/).
    matches: (path: string) =>
      path.startsWith('/v2/') || path.startsWith('/v2beta1/') || path === '/batch' || path.startsWith('/batch/') || path === '/' || path === '/viewer.js' || path === '/viewer.css',
  },
  {
    // The erasure function, at a URL of its own as deployed: the history API passes DELETEs on to it here
    // (ERASURE_URL), and `npm run erase --url <this>` reaches it directly.
    target: 'eraseConversations',
    module: '../../functions/erase-conversations/index',
    matches: (path: string) => path.startsWith(`${ERASURE_PREFIX}/`),
  },
  {
    // Run on demand locally (curl -X POST); Cloud Scheduler's job when deployed. DIALOGFLOW_API_ENDPOINT points it
    // at a Dialogflow-compatible API; otherwise it asks Google's, with application default credentials.
    target: 'reconcileConversations',
    module: '../../functions/reconcile-conversations/index',
    matches: (path: string) => path === '/reconcileConversations',
  },
] as const;

export interface LocalStack {
  url: string;
  firestoreHost: string;
  embeddedFirestore: boolean;
  /** Stops taking requests, lets those in flight finish (at most `graceMs`), then stops the embedded Firestore. */
  stop(graceMs?: number): Promise<void>;
}

export interface LocalStackOptions {
  port: number;
  /** An emulator to use instead of the embedded one (FIRESTORE_EMULATOR_HOST). */
  firestoreHost?: string;
  host?: string;
}

/**
 * Runs every function on one port the way the Functions Framework runs each
 * of them (same middleware, same body parsing), against an emulator.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  let firestore: RunningFirestore | undefined;
  if (!options.firestoreHost) firestore = await startEmbeddedFirestore();
  const firestoreHost = options.firestoreHost ?? firestore!.host;

  let stopping = false;
  const servers = new Map<string, Server>();
  let ready: Promise<void> = Promise.resolve();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Once stopping, answer what arrives on kept-alive connections but close them after: no new work.
    if (stopping) res.setHeader('Connection', 'close');
    // The path as sent: URL parsing would resolve '..' and route /v2/../ingestX to an ingest function.
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    const route = ROUTES.find((candidate) => candidate.matches(path));
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, message: `No function serves ${path.slice(0, 200)}`, status: 'NOT_FOUND' } }));
      return;
    }
    // The erasure function sees the path it sees deployed, at the root of its own URL.
    if (route.target === 'eraseConversations') req.url = url.slice(ERASURE_PREFIX.length);
    void ready.then(() => servers.get(route.target)!.emit('request', req, res));
  });
  // Bound first: the functions' configuration names the stack's own URL.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

  // The functions read their configuration from the environment, as they do when deployed.
  process.env['FIRESTORE_EMULATOR_HOST'] = firestoreHost;
  // No metadata server here: stop the Google client libraries from probing for one.
  process.env['METADATA_SERVER_DETECTION'] ??= 'none';
  process.env['ERASURE_URL'] ??= `${url}${ERASURE_PREFIX}`;
  // With tokens to check, they are minted for the stack's own URLs (beside any audiences given), as deployed for
  // each function's: never for whatever Host a request names.
  const checksTokens = [process.env['AUTH_ALLOWED_EMAILS'], process.env['ERASURE_ALLOWED_EMAILS'], process.env['AUTH_AUDIENCES']].some((value) => value?.trim());
  if (checksTokens) process.env['AUTH_AUDIENCES'] = [process.env['AUTH_AUDIENCES'], url, `${url}${ERASURE_PREFIX}`].filter((value) => value?.trim()).join(',');

  ready = (async () => {
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    for (const route of ROUTES) {
      await import(route.module);
      servers.set(route.target, getTestServer(route.target));
    }
  })();
  try {
    await ready;
  } catch (error) {
    server.close();
    firestore?.stop();
    throw error;
  }

  return {
    url,
    firestoreHost,
    embeddedFirestore: firestore !== undefined,
    async stop(graceMs = 8_000) {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      firestore?.stop();
    },
  };
}

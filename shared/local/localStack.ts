import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmbeddedFirestore, type RunningFirestore } from './embeddedFirestore';

/** The functions, by the URL path that reaches each (as in a deployment, one function per URL). */
export const ROUTES = [
  { target: 'ingestLifecycleEvents', module: '../../functions/ingest-lifecycle-events/index', matches: (path: string) => path === '/ingestLifecycleEvents' },
  { target: 'ingestMessageEvents', module: '../../functions/ingest-message-events/index', matches: (path: string) => path === '/ingestMessageEvents' },
  {
    target: 'conversationHistory',
    module: '../../functions/conversation-history/index',
    // Its API, and the viewer at / (shared/viewer/).
    matches: (path: string) => path.startsWith('/v2/') || path.startsWith('/v2beta1/') || path === '/' || path === '/viewer.js' || path === '/viewer.css',
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

  // The functions read their configuration from the environment, as they do when deployed.
  process.env['FIRESTORE_EMULATOR_HOST'] = firestoreHost;
  // No metadata server here: stop the Google client libraries from probing for one.
  process.env['METADATA_SERVER_DETECTION'] ??= 'none';

  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  const servers = new Map<string, Server>();
  for (const route of ROUTES) {
    await import(route.module);
    servers.set(route.target, getTestServer(route.target));
  }

  let stopping = false;
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
    servers.get(route.target)!.emit('request', req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
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

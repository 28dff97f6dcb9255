import { createRequire } from 'node:module';
import { findFreePort, type RunningFirestore } from '../../shared/local/embeddedFirestore';

/**
 * Counts what the real Firestore client asks of the embedded emulator, at
 * its gRPC service: documents read by gets and queries (a query bills at
 * least one read), writes committed, writes refused by a precondition
 * (create() of an existing document), transactions begun and rolled back.
 * Counted on the server side, so it is what was sent, not an estimate.
 */
export interface OperationCounts {
  documentReads: number;
  queries: number;
  writes: number;
  failedPreconditionWrites: number;
  commits: number;
  transactions: number;
  rollbacks: number;
}

export const zeroCounts = (): OperationCounts => ({
  documentReads: 0,
  queries: 0,
  writes: 0,
  failedPreconditionWrites: 0,
  commits: 0,
  transactions: 0,
  rollbacks: 0,
});

export function difference(after: OperationCounts, before: OperationCounts): OperationCounts {
  const result = zeroCounts();
  for (const key of Object.keys(result) as Array<keyof OperationCounts>) result[key] = after[key] - before[key];
  return result;
}

type Callback = (error: unknown, value?: unknown) => void;
interface Call {
  request: { documents?: unknown[]; writes?: unknown[] };
  write: (response: { document?: unknown }) => boolean;
}
type Handler = { func: (call: Call, callback?: Callback) => unknown };

const SERVICE = '/google.firestore.v1.Firestore/';

/**
 * Wraps the handlers registered on the emulator's gRPC server (the
 * package bundles its service class, so this is the seam that is there).
 */
function instrument(grpcServer: { handlers: Map<string, Handler> }, counts: OperationCounts): void {
  const wrap = (method: string, before: (call: Call, callback?: Callback) => Callback | undefined) => {
    const handler = grpcServer.handlers.get(`${SERVICE}${method}`);
    if (!handler) throw new Error(`The emulator has no ${method} handler to count`);
    const original = handler.func;
    handler.func = (call, callback) => original(call, before(call, callback) ?? callback);
  };
  wrap('BatchGetDocuments', (call) => {
    counts.documentReads += call.request.documents?.length ?? 0;
    return undefined;
  });
  wrap('RunQuery', (call) => {
    counts.queries += 1;
    let documents = 0;
    const write = call.write.bind(call);
    call.write = (response) => {
      if (response.document) documents += 1;
      return write(response);
    };
    // The emulator answers within the call; a query bills at least one read, even an empty one.
    queueMicrotask(() => (counts.documentReads += Math.max(documents, 1)));
    return undefined;
  });
  wrap('Commit', (call, callback) => {
    const writes = call.request.writes?.length ?? 0;
    counts.commits += 1;
    return (error, value) => {
      if (error) counts.failedPreconditionWrites += writes;
      else counts.writes += writes;
      callback!(error, value);
    };
  });
  wrap('BeginTransaction', () => {
    counts.transactions += 1;
    return undefined;
  });
  wrap('Rollback', () => {
    counts.rollbacks += 1;
    return undefined;
  });
}

export async function startCountingFirestore(): Promise<RunningFirestore & { counts: () => OperationCounts }> {
  const { FirestoreServer } = createRequire(import.meta.url)('@firestore-emulator/server') as typeof import('@firestore-emulator/server');
  const server = new FirestoreServer();
  const counts = zeroCounts();
  instrument((server as unknown as { server: { handlers: Map<string, Handler> } }).server, counts);
  const port = await findFreePort();
  await server.start(port);
  return { host: `127.0.0.1:${port}`, stop: () => server.stop(), counts: () => ({ ...counts }) };
}

import { startCountingFirestore } from './lib/countingFirestore';
import { postLoad, type LoadResult } from './lib/load';
import { startServer } from './lib/processes';
import { repeat } from './lib/stats';
import { lifecycleBodies, messageBodies } from './lib/workload';
import { medianResult } from './handlerOverhead';

/**
 * 2. End to end: the same load through the local stack (every function, as
 * npm start runs them) into the embedded Firestore, for message events and
 * for lifecycle events. Context, not a goal: the embedded emulator is a Node
 * process on the same 2 cores, nothing like Firestore's own latency.
 */
export interface EndToEnd {
  messages: LoadResult;
  lifecycle: LoadResult;
}

export async function benchEndToEnd(options: { runs: number; seconds: number; connections: number }): Promise<EndToEnd> {
  const firestore = await startCountingFirestore();
  const stack = await startServer('shared/local/start.ts', { FIRESTORE_EMULATOR_HOST: firestore.host, LOG_LEVEL: 'INFO' }, { bundle: false });
  try {
    let round = 0;
    const messages = medianResult(
      await repeat(options.runs, () => postLoad(`${stack.url}/ingestMessageEvents`, messageBodies(20_000, 200, 'bench-project', `E2E${round++}x`), options), 1),
    );
    const lifecycle = medianResult(
      await repeat(options.runs, () => postLoad(`${stack.url}/ingestLifecycleEvents`, lifecycleBodies(20_000, 'bench-project', `E2ELife${round++}x`), options), 1),
    );
    return { messages, lifecycle };
  } finally {
    await stack.stop();
    firestore.stop();
  }
}

import { createRequire } from 'node:module';
import { createServer } from 'node:net';

// The package's ESM build imports files without extensions, which Node's ESM
// loader cannot resolve; its CommonJS build loads everywhere.
const { FirestoreServer } = createRequire(import.meta.url)(
  '@firestore-emulator/server',
) as typeof import('@firestore-emulator/server');

export interface RunningFirestore {
  /** host:port, the form FIRESTORE_EMULATOR_HOST takes. */
  host: string;
  stop(): void;
}

/**
 * Starts `@firestore-emulator/server`, a Node implementation of Firestore's
 * gRPC API, on a free port. It binds all interfaces; nothing but this
 * machine's own processes is ever pointed at it.
 */
export async function startEmbeddedFirestore(port?: number): Promise<RunningFirestore> {
  // A port found free can be taken before the emulator binds it (a connection's local port, another process):
  // when this chose the port, it chooses again.
  for (let attempt = 1; ; attempt++) {
    const chosen = port ?? (await findFreePort());
    const server = new FirestoreServer();
    try {
      await server.start(chosen);
      return { host: `127.0.0.1:${chosen}`, stop: () => server.stop() };
    } catch (error) {
      if (port !== undefined || attempt >= 5 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
    }
  }
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

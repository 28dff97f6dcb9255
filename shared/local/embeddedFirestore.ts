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
  const startOn = async (chosen: number) => {
    const server = new FirestoreServer();
    await server.start(chosen);
    return { host: `127.0.0.1:${chosen}`, stop: () => server.stop() };
  };
  return port === undefined ? startOnFreePort(startOn, (error) => String((error as Error).message).includes('EADDRINUSE')) : startOn(port);
}

/**
 * Starts something on a free port. A port found free can be taken before the thing binds it (a connection's
 * local port, another process): when `isPortTaken` says that is why it failed, another port is chosen, five
 * times at most.
 */
export async function startOnFreePort<T>(
  start: (port: number) => Promise<T>,
  isPortTaken: (error: unknown) => boolean,
  choosePort: () => Promise<number> = findFreePort,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await choosePort();
    try {
      return await start(port);
    } catch (error) {
      if (attempt >= 5 || !isPortTaken(error)) throw error;
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

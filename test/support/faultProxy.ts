import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type FaultMode = 'forward' | 'reset' | 'blackhole';

/**
 * A TCP proxy on loopback between a function and the emulator, to make the
 * store fail on demand: `reset` drops every connection (the store is down);
 * `blackhole` accepts connections and holds their traffic until the mode
 * is `forward` again (the store hangs, then resumes where it was).
 */
export interface FaultProxy {
  host: string;
  setMode(mode: FaultMode): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const [targetHost, targetPort] = splitHost(target);
  let mode: FaultMode = 'forward';
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const join = () => client.pipe(upstream).pipe(client);
    if (mode === 'blackhole') held.push(join);
    else join();
  });
  const held: Array<() => void> = [];
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    setMode(next) {
      mode = next;
      // Connections made before a fault are cut so that the client reconnects into the fault.
      if (next !== 'forward') for (const socket of sockets) socket.destroy();
      else held.splice(0).forEach((join) => join());
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitHost(hostPort: string): [string, number] {
  const index = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, index), Number(hostPort.slice(index + 1))];
}

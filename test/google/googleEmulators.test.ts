import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findFreePort } from '../../shared/local/embeddedFirestore';
import { startGoogleEmulator } from '../../shared/local/googleEmulators';

/** Starting Google's emulators where a port can be taken between choosing it and Java binding it. */

let taken: Server;
let takenPort: number;

beforeAll(async () => {
  takenPort = await findFreePort();
  taken = createServer().listen(takenPort, '127.0.0.1');
  await new Promise((resolve) => taken.once('listening', resolve));
});

afterAll(() => {
  taken.close();
});

it('chooses another port when the one it chose is taken before the emulator binds it', async () => {
  const chosen: number[] = [];
  const emulator = await startGoogleEmulator('pubsub', {
    choosePort: async () => {
      const port = chosen.length === 0 ? takenPort : await findFreePort();
      chosen.push(port);
      return port;
    },
  });
  try {
    expect(chosen).toHaveLength(2);
    expect(emulator.host).toBe(`127.0.0.1:${chosen[1]}`);
    expect((await fetch(`http://${emulator.host}/`)).ok).toBe(true);
  } finally {
    await emulator.stop();
  }
}, 120_000);

it('says in one sentence that a port it was given is taken', async () => {
  await expect(startGoogleEmulator('pubsub', { port: takenPort })).rejects.toThrow(
    `Google's pubsub emulator could not listen on 127.0.0.1:${takenPort}: the port is already in use`,
  );
}, 120_000);

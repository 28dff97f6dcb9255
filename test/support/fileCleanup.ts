/**
 * What a test file opened that would keep its worker alive (an open gRPC channel), closed after the file
 * (fileSetup.ts). Clients register here when they are created, so that fileSetup imports nothing heavy: it runs
 * before every file, unit tests included, and importing the Firestore client there cost half a second each.
 */
const cleanups = new Set<() => Promise<void>>();

export function closeAfterFile(cleanup: () => Promise<void>): void {
  cleanups.add(cleanup);
}

export async function runFileCleanups(): Promise<void> {
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.all(pending.map((cleanup) => cleanup()));
}

import { afterAll } from 'vitest';
import { runFileCleanups } from './fileCleanup';

// An open gRPC channel keeps a test worker alive after its file is done.
afterAll(async () => {
  await runFileCleanups();
});

import { afterAll } from 'vitest';
import { closeTestFirestore } from './stack';

// An open gRPC channel keeps a test worker alive after its file is done.
afterAll(async () => {
  await closeTestFirestore();
});

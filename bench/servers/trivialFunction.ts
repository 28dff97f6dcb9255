import { serveFunction } from './serveFunction';

// The baseline: a Functions Framework function that answers 204 to anything.
serveFunction('trivial', (_req, res) => {
  res.status(204).end();
});

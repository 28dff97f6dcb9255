import { postLoad, type LoadResult } from './lib/load';
import { startServer } from './lib/processes';
import { median, ratio, repeat } from './lib/stats';
import { messageBodies } from './lib/workload';

/**
 * 1. Handler overhead: ingestMessageEvents' real handler under the
 * Functions Framework with the store in memory, against a trivial
 * Functions Framework function answering 204 to the same bodies, and bare
 * node:http for context. Servers run in turn, never side by side.
 */
export interface HandlerOverhead {
  ingest: LoadResult;
  trivial: LoadResult;
  bareHttp: LoadResult;
  throughputRatio: number;
}

export async function benchHandlerOverhead(options: { runs: number; seconds: number; connections: number }): Promise<HandlerOverhead> {
  const bodies = messageBodies(20_000, 200);
  const measure = async (script: string) => {
    const server = await startServer(script);
    try {
      const results = await repeat(options.runs, () => postLoad(server.url, bodies, options), 1);
      return medianResult(results);
    } finally {
      await server.stop();
    }
  };
  // Interleaving order would be fairer still; each server gets a warm-up run and the median of the rest.
  const trivial = await measure('bench/servers/trivialFunction.ts');
  const ingest = await measure('bench/servers/inMemoryIngest.ts');
  const bareHttp = await measure('bench/servers/bareHttp.ts');
  return { ingest, trivial, bareHttp, throughputRatio: ratio(ingest.requestsPerSecond, trivial.requestsPerSecond) };
}

export function medianResult(results: LoadResult[]): LoadResult {
  const pick = (key: keyof LoadResult) => median(results.map((result) => result[key]));
  return {
    requestsPerSecond: pick('requestsPerSecond'),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    requests: pick('requests'),
    non2xx: results.reduce((sum, result) => sum + result.non2xx, 0),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
  };
}

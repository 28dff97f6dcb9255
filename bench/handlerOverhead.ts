import { postLoad, type LoadResult } from './lib/load';
import { processCpuMs, startServer } from './lib/processes';
import { median, ratio, repeat } from './lib/stats';
import { messageBodies } from './lib/workload';

/**
 * 1. Handler overhead: ingestMessageEvents' real handler under the
 * Functions Framework with the store in memory, against a trivial
 * Functions Framework function answering 204 to the same bodies, the
 * hand-written peer's message path with its store in memory (what a user
 * would write instead: decode, parse, create once; no validation,
 * quarantine or log line), and bare node:http for context. Servers run in
 * turn, never side by side; beside requests per second, the server's own
 * CPU time per request (user + system, from /proc), which the load
 * generator sharing the two cores does not blur as much.
 */
export interface HandlerOverhead {
  ingest: Measured;
  peer: Measured;
  trivial: Measured;
  bareHttp: Measured;
  throughputRatio: number;
  peerThroughputRatio: number;
}

export type Measured = LoadResult & { cpuUsPerRequest: number };

export async function benchHandlerOverhead(options: { runs: number; seconds: number; connections: number }): Promise<HandlerOverhead> {
  const bodies = messageBodies(20_000, 200);
  const measure = async (script: string): Promise<Measured> => {
    const server = await startServer(script);
    try {
      const runs = await repeat(
        options.runs,
        async () => {
          const before = processCpuMs(server.process.pid!);
          const load = await postLoad(server.url, bodies, options);
          return { load, cpuUs: ((processCpuMs(server.process.pid!) - before) * 1000) / Math.max(1, load.requests) };
        },
        1,
      );
      return { ...medianResult(runs.map((run) => run.load)), cpuUsPerRequest: median(runs.map((run) => run.cpuUs)) };
    } finally {
      await server.stop();
    }
  };
  // Interleaving order would be fairer still; each server gets a warm-up run and the median of the rest.
  const trivial = await measure('bench/servers/trivialFunction.ts');
  const ingest = await measure('bench/servers/inMemoryIngest.ts');
  const peer = await measure('bench/servers/peerInMemory.ts');
  const bareHttp = await measure('bench/servers/bareHttp.ts');
  return {
    ingest,
    peer,
    trivial,
    bareHttp,
    throughputRatio: ratio(ingest.requestsPerSecond, trivial.requestsPerSecond),
    peerThroughputRatio: ratio(ingest.requestsPerSecond, peer.requestsPerSecond),
  };
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

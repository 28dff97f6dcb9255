import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/**
 * POSTs the given bodies round-robin at a fixed number of concurrent
 * connections for `seconds`, with autocannon (a separate load generator
 * process would be fairer still; on 2 cores the server and the generator
 * share the machine either way, which is why every figure is a ratio to a
 * baseline measured the same way in the same run).
 */
export async function postLoad(url: string, bodies: string[], options: { connections: number; seconds: number }): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! }),
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

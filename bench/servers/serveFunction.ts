import { http, type HttpFunction } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';

/**
 * Serves one function with the Functions Framework's own server (the same
 * Express stack, body parsing and middleware as in Cloud Functions) on PORT,
 * and prints "ready" on stderr once listening (stdout carries the function's logs).
 */
export function serveFunction(name: string, handler: HttpFunction): void {
  http(name, handler);
  const port = Number(process.env['PORT']);
  getTestServer(name).listen(port, '127.0.0.1', () => process.stderr.write('ready\n'));
  // Exit normally on SIGTERM, so that --cpu-prof (bench/profile.ts) writes its profile.
  process.once('SIGTERM', () => process.exit(0));
}

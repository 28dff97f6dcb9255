import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { HttpFunction, Request } from '@google-cloud/functions-framework';
import * as logEvents from '../platform/logEvents';
import type { Logger } from '../platform/logger';
import type { TokenCheck } from '../platform/idTokens';
import { parseTraceContext } from '../platform/trace';
import type { Authenticate } from './authenticateRequest';
import { googleError } from './googleErrors';
import { checkRequestHead, declaredBodyBytes, type RequestPolicy } from './requestGuard';
import { sendJson } from './sendJson';

/**
 * The one guard in front of every function. The Functions Framework gives a function no hook before its
 * body parsers (json, text, urlencoded, raw; gzip and deflate inflated; up to 1 GB; on every method), so the
 * guard takes the server the framework builds, in the CLI that Cloud Functions runs and in getTestServer that
 * the local stack runs alike, and answers its requests before the framework sees them:
 * 1. every answer gets the response headers of an API that serves transcripts (the one place that sets them);
 * 2. the request line and headers are checked (requestGuard.ts): another site's page, a Content-Encoding, a
 *    body on a method without one, a body without a length or over this function's bound are refused;
 * 3. a request that carries a body is authenticated before its body is read, so that nothing is parsed for an
 *    unauthenticated caller. The handler's own check then reuses the same result (authenticateOncePerRequest).
 * Only then does the request reach the framework, whose parsers read at most the bytes allowed.
 */
export interface GuardOptions extends RequestPolicy {
  function: string;
  logger: Logger;
  /** The function's token check, once per request (authenticateOncePerRequest); absent when authentication is off. */
  authenticate?: Authenticate;
}

const policies = new WeakMap<HttpFunction, GuardOptions>();

/** Registers `handler` to be served behind the guard; returns it, to be registered with the framework. */
export function guardBeforeParsing(handler: HttpFunction, options: GuardOptions): HttpFunction {
  installOnFrameworkServers();
  policies.set(handler, options);
  return handler;
}

/** Shares one token check between the guard and the handler: the same request is verified once. */
export function authenticateOncePerRequest<R extends object>(authenticate: (req: R) => Promise<TokenCheck>): (req: R) => Promise<TokenCheck> {
  const checks = new WeakMap<R, Promise<TokenCheck>>();
  return (req) => {
    let check = checks.get(req);
    if (!check) checks.set(req, (check = authenticate(req)));
    return check;
  };
}

const API_RESPONSE_HEADERS = {
  // Transcripts are personal data: no browser, proxy or CDN keeps a copy of any answer (the viewer's files,
  // which hold none, say no-cache instead).
  'Cache-Control': 'no-store',
  // Every answer is served as the type it declares, never sniffed into HTML.
  'X-Content-Type-Options': 'nosniff',
};

type FrameworkServerModule = { getServer: (userFunction: HttpFunction, options: unknown) => Server };
let installed = false;

/**
 * Wraps the framework's getServer, which both its CLI (main.js) and getTestServer call through the module's
 * exports. The file is not in the package's exports map, so it is found beside the package's main file; the
 * framework's version is pinned (package.json), and a framework that no longer has it fails at load, never
 * serving unguarded.
 */
function installOnFrameworkServers(): void {
  if (installed) return;
  const require = createRequire(import.meta.url);
  const serverModule = require(join(dirname(require.resolve('@google-cloud/functions-framework')), 'server.js')) as Partial<FrameworkServerModule>;
  const getServer = serverModule.getServer;
  if (typeof getServer !== 'function') throw new Error('The Functions Framework has no getServer to guard: its version is not the one this code was written for');
  serverModule.getServer = (userFunction, options) => {
    const policy = policies.get(userFunction);
    if (!policy) throw new Error('A function is being served without the request guard (guardBeforeParsing)');
    return guardServer(getServer(userFunction, options), policy);
  };
  installed = true;
}

/** Answers each request itself until it may go on, then hands it to the framework's listeners. */
function guardServer(server: Server, policy: GuardOptions): Server {
  const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
  const forward = (req: IncomingMessage, res: ServerResponse) => emit('request', req, res);
  server.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event !== 'request') return emit(event, ...args);
    const [req, res] = args as [IncomingMessage, ServerResponse];
    admit(req, res, policy, forward).catch((error: unknown) => refuseOnError(req, res, policy, error));
    return true;
  }) as Server['emit'];
  return server;
}

async function admit(req: IncomingMessage, res: ServerResponse, policy: GuardOptions, forward: (req: IncomingMessage, res: ServerResponse) => void): Promise<void> {
  for (const [name, value] of Object.entries(API_RESPONSE_HEADERS)) res.setHeader(name, value);
  const method = req.method ?? '';
  const refusal = checkRequestHead({ method, headers: req.headers }, policy);
  const log = () => policy.logger.withTrace(parseTraceContext(req.headers));
  if (refusal) {
    logEvents.requestRefusedUnread(log(), { function: policy.function, method, status: refusal.status, reason: refusal.reason, ...sizes(req, policy) });
    sendJson(res, refusal.status, googleError(refusal.status, refusal.message));
    return;
  }
  // A request without a body has nothing to parse: the handler authenticates it, after CORS answers a preflight
  // (which browsers send without credentials).
  if (policy.authenticate && declaredBodyBytes(req.headers) !== 0) {
    // The same object the framework hands the handler as its Request; the check reads only its headers.
    const check = await policy.authenticate(req as Request);
    if (!check.ok) {
      logEvents.authRefused(log(), { status: check.status, reason: check.reason, method });
      if (check.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      sendJson(res, check.status, googleError(check.status, check.reason));
      return;
    }
  }
  forward(req, res);
}

/** A guard that cannot decide refuses: 500, and the request never reaches the framework. */
function refuseOnError(req: IncomingMessage, res: ServerResponse, policy: GuardOptions, error: unknown): void {
  logEvents.guardFailed(policy.logger.withTrace(parseTraceContext(req.headers)), { function: policy.function, method: req.method ?? '' }, error);
  if (res.headersSent) res.destroy();
  else sendJson(res, 500, googleError(500, 'Internal error'));
}

function sizes(req: IncomingMessage, policy: GuardOptions): { declaredBytes?: number; maxBodyBytes: number } {
  const declared = declaredBodyBytes(req.headers);
  return declared === undefined ? { maxBodyBytes: policy.maxBodyBytes } : { declaredBytes: declared, maxBodyBytes: policy.maxBodyBytes };
}

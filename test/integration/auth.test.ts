import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { findFreePort } from '../../shared/local/embeddedFirestore';
import { lifecycleEvent, makePushBody, uniqueConversation } from '../support/builders';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';
import { makeKey, signToken, startCertsServer, type CertsServer, type TestKey } from '../support/tokens';

/**
 * With AUTH_ALLOWED_EMAILS set, the functions verify Google ID tokens
 * themselves (a second lock behind Cloud Run's IAM): against the published
 * keys, RS256 only, issuer, audience (the function's configured URL, never
 * the Host a request names), expiry, a lifetime of at most Google's hour,
 * a verified email of an allowed principal. Only the one valid token passes.
 */

const PUSH = 'push@demo-project.iam.gserviceaccount.com';
const READER = 'reporting@demo-project.iam.gserviceaccount.com';
const ORIGIN = 'https://console.example.com';

let key: TestKey;
let otherKey: TestKey;
let certs: CertsServer;
let stack: SpawnedStack;
let audience: string;

beforeAll(async () => {
  key = await makeKey('key-1');
  otherKey = await makeKey('key-1'); // same kid, different key: a forged signature
  certs = await startCertsServer([key]);
  stack = await spawnStack(
    {
      FIRESTORE_EMULATOR_HOST: inject('firestoreHost'),
      AUTH_ALLOWED_EMAILS: `${PUSH},${READER}`,
      AUTH_CERTS_URL: certs.url,
      CORS_ALLOWED_ORIGINS: ORIGIN,
      LOG_LEVEL: 'WARNING',
    },
    join(process.cwd(), '.test-output', 'auth-stack.log'),
  );
  // No AUTH_AUDIENCES given: the local stack configures its own URL, as a deployment configures each function's.
  audience = stack.url;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await certs?.close();
});

/** POST with raw header lines, so that duplicates and odd spellings reach the server as written. */
function rawPost(path: string, headers: Array<[string, string]>, body: string): Promise<number> {
  const url = new URL(stack.url);
  return new Promise((resolve, reject) => {
    // A header given twice becomes an array, which Node sends as two header lines.
    const merged: Record<string, string | string[]> = { 'content-type': 'application/json' };
    for (const [name, value] of headers) {
      const existing = merged[name];
      merged[name] = existing === undefined ? value : [...[existing].flat(), value];
    }
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'POST', headers: merged }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const hs256WithPublicKey = (jwkN: string, payload: Record<string, unknown>) => {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'key-1', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = createHmac('sha256', jwkN).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
};

describe('push authentication on the ingest functions', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const valid = () => signToken(key, { aud: audience, email: PUSH });
  const bearer = async (token: string | Promise<string>) => [['authorization', `Bearer ${await token}`]] as Array<[string, string]>;

  const variants: Array<{ name: string; headers: () => Promise<Array<[string, string]>>; status: number }> = [
    { name: 'the valid push token', headers: () => bearer(valid()), status: 200 },
    { name: 'no Authorization header', headers: async () => [], status: 401 },
    { name: 'an expired token', headers: () => bearer(signToken(key, { aud: audience, email: PUSH, iat: now() - 7200, exp: now() - 3600 })), status: 401 },
    { name: 'a token not valid yet', headers: () => bearer(signToken(key, { aud: audience, email: PUSH, nbf: now() + 3600 })), status: 401 },
    { name: 'a token without expiry', headers: () => bearer(signToken(key, { aud: audience, email: PUSH, exp: undefined })), status: 401 },
    { name: 'a token for another audience', headers: () => bearer(signToken(key, { aud: 'https://elsewhere.a.run.app', email: PUSH })), status: 401 },
    {
      // Finding: the audience was the caller's choice (https://<Host>).
      name: 'a token for the host the request names',
      headers: async () => [['host', 'attacker.example'], ...(await bearer(signToken(key, { aud: 'https://attacker.example', email: PUSH })))],
      status: 401,
    },
    { name: 'a token issued years ahead with an hour to live', headers: () => bearer(signToken(key, { aud: audience, email: PUSH, iat: now() + 3 * 365 * 86400, exp: now() + 3 * 365 * 86400 + 3600 })), status: 401 },
    { name: 'a token that lives a year', headers: () => bearer(signToken(key, { aud: audience, email: PUSH, iat: now() - 60, exp: now() + 365 * 86400 })), status: 401 },
    { name: 'a token from another issuer', headers: () => bearer(signToken(key, { aud: audience, email: PUSH, iss: 'https://evil.example.com' })), status: 401 },
    { name: 'a valid token of another principal', headers: () => bearer(signToken(key, { aud: audience, email: 'intruder@example.com' })), status: 403 },
    { name: 'a token whose email is not verified', headers: () => bearer(signToken(key, { aud: audience, email: PUSH, email_verified: false })), status: 401 },
    { name: 'a token without an email', headers: () => bearer(signToken(key, { aud: audience, email: undefined })), status: 401 },
    {
      name: "an unsigned token (alg 'none')",
      headers: async () => {
        const [header, payload] = (await valid()).split('.');
        const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        return bearer(`${none}.${payload}.`).then((h) => (void header, h));
      },
      status: 401,
    },
    {
      name: 'an HS256 token signed with the public key',
      headers: () => bearer(hs256WithPublicKey(key.publicJwk.n!, { iss: 'https://accounts.google.com', aud: audience, email: PUSH, email_verified: true, iat: now(), exp: now() + 3600 })),
      status: 401,
    },
    { name: 'a token signed by another key under the same kid', headers: () => bearer(signToken(otherKey, { aud: audience, email: PUSH })), status: 401 },
    {
      name: 'a token whose payload was altered after signing',
      headers: async () => {
        const [header, , signature] = (await valid()).split('.');
        const payload = Buffer.from(JSON.stringify({ iss: 'https://accounts.google.com', aud: audience, email: PUSH, email_verified: true, exp: now() + 99999, iat: now() })).toString('base64url');
        return bearer(`${header}.${payload}.${signature}`);
      },
      status: 401,
    },
    { name: 'a token with an unknown kid', headers: () => bearer(signToken(key, { aud: audience, email: PUSH }, { kid: 'rotated-away' })), status: 401 },
    { name: 'a truncated token', headers: async () => bearer((await valid()).slice(0, -10)), status: 401 },
    { name: 'garbage', headers: () => bearer('not.a.jwt'), status: 401 },
    { name: 'two tokens in one header', headers: async () => [['authorization', `Bearer ${await valid()}, Bearer ${await valid()}`]], status: 401 },
    { name: 'two Authorization headers', headers: async () => [['authorization', `Bearer ${await valid()}`], ['authorization', `Bearer ${await valid()}`]], status: 401 },
    { name: "a lowercase 'bearer' scheme", headers: async () => [['authorization', `bearer ${await valid()}`]], status: 401 },
    { name: 'a Basic scheme', headers: async () => [['authorization', `Basic ${Buffer.from('push:secret').toString('base64')}`]], status: 401 },
  ];

  it('tries at least 15 token variants, exactly one of them valid', () => {
    expect(variants.length).toBeGreaterThanOrEqual(15);
    expect(variants.filter((variant) => variant.status === 200)).toHaveLength(1);
  });

  it.each(variants)('answers $status to $name', async ({ headers, status }) => {
    const c = uniqueConversation();
    const answer = await rawPost('/ingestLifecycleEvents', await headers(), JSON.stringify(makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'))));
    expect(answer).toBe(status);
  });
});

describe('caller authentication and CORS on the history API', () => {
  const list = '/v2/projects/demo-project/locations/global/conversations?pageSize=1';
  const get = async (headers: Record<string, string>) => fetch(`${stack.url}${list}`, { headers });

  it('serves an allowed caller and refuses others with Google errors', async () => {
    const reader = await signToken(key, { aud: audience, email: READER });
    const intruder = await signToken(key, { aud: audience, email: 'intruder@example.com' });
    expect((await get({ authorization: `Bearer ${reader}` })).status).toBe(200);
    const missing = await get({});
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    const forbidden = await get({ authorization: `Bearer ${intruder}` });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
  });

  it('never takes access_token or oauth_token as credentials: only the Authorization header is, and refusals take $.xgafv', async () => {
    const reader = await signToken(key, { aud: audience, email: READER });
    const inQuery = await fetch(`${stack.url}${list}&access_token=${reader}&oauth_token=${reader}&$.xgafv=1`);
    expect(inQuery.status).toBe(401);
    expect(await inQuery.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED', errors: [{ domain: 'global', reason: 'required' }] } });
    const withHeader = await fetch(`${stack.url}${list}&access_token=not-a-token&oauth_token=not-a-token`, { headers: { authorization: `Bearer ${reader}` } });
    expect(withHeader.status).toBe(200);
  });

  it('allows only the configured origin', async () => {
    const reader = `Bearer ${await signToken(key, { aud: audience, email: READER })}`;
    expect((await get({ authorization: reader, origin: ORIGIN })).headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect((await get({ authorization: reader, origin: 'https://evil.example.com' })).headers.get('access-control-allow-origin')).toBeNull();

    const preflight = (origin: string) =>
      fetch(`${stack.url}${list}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const allowed = await preflight(ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const refused = await preflight('https://evil.example.com');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never sends CORS headers from the ingest functions', async () => {
    const response = await fetch(`${stack.url}/ingestMessageEvents`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('when Google\'s keys cannot be fetched', () => {
  it('answers 503 so that Pub/Sub delivers again', async () => {
    const closedPort = await findFreePort();
    const unreachable = await spawnStack(
      { FIRESTORE_EMULATOR_HOST: inject('firestoreHost'), AUTH_ALLOWED_EMAILS: PUSH, AUTH_CERTS_URL: `http://127.0.0.1:${closedPort}/certs`, LOG_LEVEL: 'ERROR' },
      join(process.cwd(), '.test-output', 'auth-unreachable-stack.log'),
    );
    try {
      const token = await signToken(key, { aud: `https://${new URL(unreachable.url).host}`, email: PUSH });
      const c = uniqueConversation();
      const response = await fetch(`${unreachable.url}/ingestLifecycleEvents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(makePushBody(lifecycleEvent(c.name, 'CONVERSATION_STARTED'))),
      });
      expect(response.status).toBe(503);
    } finally {
      await unreachable.stop();
    }
  }, 60_000);
});

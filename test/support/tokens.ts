import type { KeyObject, webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';

/**
 * Google-like ID tokens for tests: an RSA key pair of our own, published as
 * a JWKS by a server on loopback (what AUTH_CERTS_URL points at), and a
 * signer with the claims Pub/Sub's push tokens carry.
 */
export interface TestKey {
  kid: string;
  privateKey: KeyObject | webcrypto.CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface CertsServer {
  url: string;
  publish(keys: TestKey[]): void;
  close(): Promise<void>;
}

export async function startCertsServer(keys: TestKey[]): Promise<CertsServer> {
  let published = keys;
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' });
    res.end(JSON.stringify({ keys: published.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/v3/certs`,
    publish: (next) => (published = next),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Claims {
  iss?: string;
  aud?: string | string[];
  email?: string;
  email_verified?: unknown;
  exp?: number;
  iat?: number;
  nbf?: number;
  [claim: string]: unknown;
}

/** A token as Google signs it; `claims` override or (with undefined) remove the defaults. */
export async function signToken(key: TestKey, claims: Claims, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: 'https://accounts.google.com',
    iat: now,
    exp: now + 3600,
    email_verified: true,
    sub: '1234567890',
    ...claims,
  };
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

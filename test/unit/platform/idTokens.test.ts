import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../../shared/local/embeddedFirestore';
import { createIdTokenVerifier } from '../../../shared/platform/idTokens';
import { makeKey, signToken, startCertsServer, type CertsServer } from '../../support/tokens';

const AUDIENCE = 'https://ingest-abc-uc.a.run.app';
const PUSH = 'push@demo-project.iam.gserviceaccount.com';
let certs: CertsServer | undefined;

afterEach(async () => {
  await certs?.close();
  certs = undefined;
});

describe('createIdTokenVerifier', () => {
  it('accepts both of Google\'s issuer spellings', async () => {
    const key = await makeKey('k1');
    certs = await startCertsServer([key]);
    const verify = createIdTokenVerifier({ audiences: [AUDIENCE], allowedEmails: [PUSH], certsUrl: certs.url });
    for (const iss of ['https://accounts.google.com', 'accounts.google.com']) {
      expect(await verify(`Bearer ${await signToken(key, { iss, aud: AUDIENCE, email: PUSH })}`)).toEqual({ ok: true, email: PUSH });
    }
  });

  it('compares allowed emails without regard to case', async () => {
    const key = await makeKey('k1');
    certs = await startCertsServer([key]);
    const verify = createIdTokenVerifier({ audiences: [AUDIENCE], allowedEmails: [PUSH.toUpperCase()], certsUrl: certs.url });
    expect((await verify(`Bearer ${await signToken(key, { aud: AUDIENCE, email: PUSH })}`)).ok).toBe(true);
  });

  it('follows a key rotation: fetches the new key when a token names it, and refuses the retired one', async () => {
    const oldKey = await makeKey('old');
    const newKey = await makeKey('new');
    certs = await startCertsServer([oldKey]);
    const verify = createIdTokenVerifier({ audiences: [AUDIENCE], allowedEmails: [PUSH], certsUrl: certs.url, refetchCooldownMs: 0 });
    const oldToken = `Bearer ${await signToken(oldKey, { aud: AUDIENCE, email: PUSH })}`;
    const newToken = `Bearer ${await signToken(newKey, { aud: AUDIENCE, email: PUSH })}`;
    expect((await verify(oldToken)).ok).toBe(true);

    certs.publish([newKey]);
    expect((await verify(newToken)).ok).toBe(true);
    expect(await verify(oldToken)).toMatchObject({ ok: false, status: 401 });
  });

  it('keeps verifying with cached keys while the key source is down', async () => {
    const key = await makeKey('k1');
    certs = await startCertsServer([key]);
    const verify = createIdTokenVerifier({ audiences: [AUDIENCE], allowedEmails: [PUSH], certsUrl: certs.url });
    const token = `Bearer ${await signToken(key, { aud: AUDIENCE, email: PUSH })}`;
    expect((await verify(token)).ok).toBe(true);
    await certs.close();
    certs = undefined;
    expect((await verify(token)).ok).toBe(true);
  });

  it('answers 503 when the keys were never fetched and cannot be', async () => {
    const key = await makeKey('k1');
    const verify = createIdTokenVerifier({ audiences: [AUDIENCE], allowedEmails: [PUSH], certsUrl: `http://127.0.0.1:${await findFreePort()}/certs`, fetchTimeoutMs: 1_000 });
    expect(await verify(`Bearer ${await signToken(key, { aud: AUDIENCE, email: PUSH })}`)).toMatchObject({ ok: false, status: 503 });
  });

  it('refuses a token whose audience is not among the configured ones, and refuses to be built without any', async () => {
    const key = await makeKey('k1');
    certs = await startCertsServer([key]);
    const verify = createIdTokenVerifier({ audiences: ['https://other.a.run.app'], allowedEmails: [PUSH], certsUrl: certs.url });
    expect(await verify(`Bearer ${await signToken(key, { aud: AUDIENCE, email: PUSH })}`)).toMatchObject({ ok: false, status: 401 });
    expect(() => createIdTokenVerifier({ audiences: [], allowedEmails: [PUSH], certsUrl: certs!.url })).toThrow(/needs the audiences/);
  });

  it.each([
    { name: 'issued years ahead with an hour to live', iat: 3 * 365 * 86400, life: 3600, reason: /iat claim is in the future/ },
    { name: 'issued a few minutes ahead, past the clock skew', iat: 300, life: 3600, reason: /iat claim is in the future/ },
    { name: 'living a day', iat: 0, life: 86400, reason: /lives longer than Google's 3600 s/ },
    { name: 'issued long ago and living until next year', iat: -86400, life: 400 * 86400, reason: /lives longer/ },
  ])('refuses a token $name: Google\'s live an hour', async ({ iat, life, reason }) => {
    const key = await makeKey('k1');
    certs = await startCertsServer([key]);
    const verify = createIdTokenVerifier({ audiences: [AUDIENCE], allowedEmails: [PUSH], certsUrl: certs.url });
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken(key, { aud: AUDIENCE, email: PUSH, iat: now + iat, exp: now + iat + life });
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: false, status: 401, reason: expect.stringMatching(reason) });
  });

  it('accepts a token issued within the clock skew ahead, and one of exactly an hour', async () => {
    const key = await makeKey('k1');
    certs = await startCertsServer([key]);
    const verify = createIdTokenVerifier({ audiences: [AUDIENCE], allowedEmails: [PUSH], certsUrl: certs.url });
    const now = Math.floor(Date.now() / 1000);
    expect((await verify(`Bearer ${await signToken(key, { aud: AUDIENCE, email: PUSH, iat: now + 30, exp: now + 30 + 3600 })}`)).ok).toBe(true);
  });

  it('accepts any verified email when none is configured (readers that are groups), still checking audience and signature', async () => {
    const key = await makeKey('k1');
    certs = await startCertsServer([key]);
    const verify = createIdTokenVerifier({ audiences: [AUDIENCE], allowedEmails: [], certsUrl: certs.url });
    expect(await verify(`Bearer ${await signToken(key, { aud: AUDIENCE, email: 'member-of-a-group@example.com' })}`)).toEqual({ ok: true, email: 'member-of-a-group@example.com' });
    expect((await verify(`Bearer ${await signToken(key, { aud: 'https://elsewhere.example', email: 'member-of-a-group@example.com' })}`)).ok).toBe(false);
    expect((await verify(`Bearer ${await signToken(key, { aud: AUDIENCE, email: 'x@example.com', email_verified: false })}`)).ok).toBe(false);
  });
});

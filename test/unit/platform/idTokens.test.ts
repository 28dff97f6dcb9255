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
    const verify = createIdTokenVerifier({ allowedEmails: [PUSH], certsUrl: certs.url });
    for (const iss of ['https://accounts.google.com', 'accounts.google.com']) {
      expect(await verify(`Bearer ${await signToken(key, { iss, aud: AUDIENCE, email: PUSH })}`, [AUDIENCE])).toEqual({ ok: true, email: PUSH });
    }
  });

  it('compares allowed emails without regard to case', async () => {
    const key = await makeKey('k1');
    certs = await startCertsServer([key]);
    const verify = createIdTokenVerifier({ allowedEmails: [PUSH.toUpperCase()], certsUrl: certs.url });
    expect((await verify(`Bearer ${await signToken(key, { aud: AUDIENCE, email: PUSH })}`, [AUDIENCE])).ok).toBe(true);
  });

  it('follows a key rotation: fetches the new key when a token names it, and refuses the retired one', async () => {
    const oldKey = await makeKey('old');
    const newKey = await makeKey('new');
    certs = await startCertsServer([oldKey]);
    const verify = createIdTokenVerifier({ allowedEmails: [PUSH], certsUrl: certs.url, refetchCooldownMs: 0 });
    const oldToken = `Bearer ${await signToken(oldKey, { aud: AUDIENCE, email: PUSH })}`;
    const newToken = `Bearer ${await signToken(newKey, { aud: AUDIENCE, email: PUSH })}`;
    expect((await verify(oldToken, [AUDIENCE])).ok).toBe(true);

    certs.publish([newKey]);
    expect((await verify(newToken, [AUDIENCE])).ok).toBe(true);
    expect(await verify(oldToken, [AUDIENCE])).toMatchObject({ ok: false, status: 401 });
  });

  it('keeps verifying with cached keys while the key source is down', async () => {
    const key = await makeKey('k1');
    certs = await startCertsServer([key]);
    const verify = createIdTokenVerifier({ allowedEmails: [PUSH], certsUrl: certs.url });
    const token = `Bearer ${await signToken(key, { aud: AUDIENCE, email: PUSH })}`;
    expect((await verify(token, [AUDIENCE])).ok).toBe(true);
    await certs.close();
    certs = undefined;
    expect((await verify(token, [AUDIENCE])).ok).toBe(true);
  });

  it('answers 503 when the keys were never fetched and cannot be', async () => {
    const key = await makeKey('k1');
    const verify = createIdTokenVerifier({ allowedEmails: [PUSH], certsUrl: `http://127.0.0.1:${await findFreePort()}/certs`, fetchTimeoutMs: 1_000 });
    expect(await verify(`Bearer ${await signToken(key, { aud: AUDIENCE, email: PUSH })}`, [AUDIENCE])).toMatchObject({ ok: false, status: 503 });
  });

  it('refuses a token whose audience is not among the expected ones', async () => {
    const key = await makeKey('k1');
    certs = await startCertsServer([key]);
    const verify = createIdTokenVerifier({ allowedEmails: [PUSH], certsUrl: certs.url });
    expect(await verify(`Bearer ${await signToken(key, { aud: AUDIENCE, email: PUSH })}`, [])).toMatchObject({ ok: false, status: 401 });
    expect(await verify(`Bearer ${await signToken(key, { aud: AUDIENCE, email: PUSH })}`, ['https://other.a.run.app'])).toMatchObject({ ok: false, status: 401 });
  });
});

import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPageTokenCodec } from '../../../shared/platform/pageTokens';

const SECRET = 'secret-one';
const codec = createPageTokenCodec(SECRET);
const BINDING = 'conversations|projects/p/locations/global|{"orderBy":"startSortKey"}';
const KEY = '2026-01-01T00:00:00.000000000Z#Cv1';
const token = codec.encode(BINDING, KEY);
const [payload, mac] = token.split('.') as [string, string];

const NOT_ISSUED = 'The page token is not one this API issued (it is malformed, truncated or altered)';
const DIFFERENT_REQUEST = 'The page token belongs to a different request: keep the parent and filter of the request that returned it';

/** Flips one base64url character to another valid one. */
const flip = (text: string, index: number) => text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);

/** A correctly signed token around content encode never writes (only whoever holds the secret can make one). */
const signed = (content: string) => {
  const body = Buffer.from(content).toString('base64url');
  return `${body}.${createHmac('sha256', SECRET).update(body).digest().subarray(0, 16).toString('base64url')}`;
};

describe('createPageTokenCodec', () => {
  const roundTrips = [
    { name: 'a conversation sort key', input: { binding: BINDING, key: KEY } },
    { name: 'a key without a time', input: { binding: BINDING, key: '#Cv1' } },
    { name: 'an empty key', input: { binding: BINDING, key: '' } },
    { name: 'a key with non-ASCII and JSON-special characters', input: { binding: 'b', key: 'é"\\}{.😀' } },
    { name: 'an empty binding', input: { binding: '', key: KEY } },
    { name: 'a long binding', input: { binding: 'x'.repeat(10_000), key: KEY } },
  ];

  it.each(roundTrips)('gives back the sort key it encoded: $name', ({ input }) => {
    const issued = codec.encode(input.binding, input.key);
    expect(issued).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(input.binding, issued)).toStrictEqual({ ok: true, lastSortKey: input.key });
  });

  it('issues the same token for the same binding and key', () => {
    expect(codec.encode(BINDING, KEY)).toBe(token);
  });

  it('does not show the binding in the token', () => {
    const binding = 'projects/secret-project/locations/global';
    const issued = codec.encode(binding, KEY);
    expect(Buffer.from(issued.split('.')[0]!, 'base64url').toString()).not.toContain('secret-project');
  });

  it('round-trips arbitrary keys and bindings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), fc.string({ maxLength: 200 }), (key, binding) => {
        expect(codec.decode(binding, codec.encode(binding, key))).toStrictEqual({ ok: true, lastSortKey: key });
      }),
    );
  });

  const notIssued = [
    { name: 'an empty token', input: '' },
    { name: 'a lone dot', input: '.' },
    { name: 'a payload without a MAC', input: payload },
    { name: 'a payload with an empty MAC', input: `${payload}.` },
    { name: 'a MAC without a payload', input: `.${mac}` },
    { name: 'an altered payload', input: `${flip(payload, 3)}.${mac}` },
    { name: 'an altered last payload character', input: `${flip(payload, payload.length - 1)}.${mac}` },
    { name: 'an altered MAC', input: `${payload}.${flip(mac, 0)}` },
    { name: 'a truncated MAC', input: token.slice(0, -1) },
    { name: 'a token truncated to half', input: token.slice(0, Math.floor(token.length / 2)) },
    { name: 'a truncated payload', input: `${payload.slice(0, -2)}.${mac}` },
    { name: 'an extended MAC', input: `${token}AA` },
    { name: 'an extra dot at the end', input: `${token}.` },
    { name: 'an extra dotted part', input: `${token}.${mac}` },
    { name: 'two dots in a row', input: `${payload}..${mac}` },
    { name: 'standard base64 characters', input: `${payload}+/.${mac}` },
    { name: 'padding', input: `${payload}.${mac}==` },
    { name: 'a space', input: `${payload} .${mac}` },
    { name: 'percent-encoding', input: `${payload}%2E${mac}` },
    { name: 'non-ASCII characters', input: `${payload}é.${mac}` },
    { name: 'the parts swapped', input: `${mac}.${payload}` },
    { name: 'a payload that is not JSON with a MAC of another payload', input: `${Buffer.from('not json').toString('base64url')}.${mac}` },
    { name: 'a token over 2048 characters', input: `${'A'.repeat(2_049 - mac.length - 1)}.${mac}` },
    { name: 'a very long token', input: 'A'.repeat(1_000_000) },
    { name: 'a token signed with another secret', input: createPageTokenCodec('secret-two').encode(BINDING, KEY) },
    { name: 'a token signed with an empty secret', input: createPageTokenCodec('').encode(BINDING, KEY) },
  ];

  it.each(notIssued)('refuses $name as not one this API issued', ({ input }) => {
    expect(codec.decode(BINDING, input)).toStrictEqual({ ok: false, reason: NOT_ISSUED });
  });

  const signedButMalformed = [
    { name: 'content that is not JSON', input: signed('not json') },
    { name: 'content without the key', input: signed('{"b":"x"}') },
    { name: 'a key that is not a string', input: signed('{"k":5,"b":"x"}') },
    { name: 'a binding digest that is not a string', input: signed(`{"k":"${KEY}","b":7}`) },
    { name: 'a JSON array', input: signed('[1,2]') },
    { name: 'a JSON string', input: signed('"text"') },
  ];

  it.each(signedButMalformed)('refuses a correctly signed token around $name as not one this API issued', ({ input }) => {
    expect(codec.decode(BINDING, input)).toStrictEqual({ ok: false, reason: NOT_ISSUED });
  });

  it('accepts a genuine token up to 2048 characters and refuses a genuine one over it', () => {
    const long = codec.encode(BINDING, 'k'.repeat(1_400));
    expect(long.length).toBeLessThanOrEqual(2_048);
    expect(codec.decode(BINDING, long)).toStrictEqual({ ok: true, lastSortKey: 'k'.repeat(1_400) });
    const tooLong = codec.encode(BINDING, 'k'.repeat(1_600));
    expect(tooLong.length).toBeGreaterThan(2_048);
    expect(codec.decode(BINDING, tooLong)).toStrictEqual({ ok: false, reason: NOT_ISSUED });
  });

  const otherRequests = [
    { name: 'another filter', input: 'conversations|projects/p/locations/global|{"orderBy":"endSortKey"}' },
    { name: 'another parent', input: 'conversations|projects/p/locations/us-central1|{"orderBy":"startSortKey"}' },
    { name: 'a binding differing in case only', input: BINDING.toUpperCase() },
    { name: 'a binding with a trailing space', input: `${BINDING} ` },
    { name: 'an empty binding', input: '' },
  ];

  it.each(otherRequests)('refuses a genuine token for $name as belonging to a different request', ({ input }) => {
    expect(codec.decode(input, token)).toStrictEqual({ ok: false, reason: DIFFERENT_REQUEST });
  });

  it('refuses every single-character alteration of a token, its last character (padding bits) included', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: token.length - 1 }), fc.constantFrom(...alphabet), (index, char) => {
        fc.pre(token[index] !== char);
        const altered = token.slice(0, index) + char + token.slice(index + 1);
        expect(codec.decode(BINDING, altered).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a token with any other last character, though base64url would decode some to the same bytes', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const char of alphabet) {
      if (char === token[token.length - 1]) continue;
      expect(codec.decode(BINDING, token.slice(0, -1) + char).ok).toBe(false);
    }
  });

  it('refuses a correctly signed token whose content is null, without throwing', () => {
    const payload = Buffer.from('null').toString('base64url');
    const signature = createHmac('sha256', SECRET).update(payload).digest().subarray(0, 16).toString('base64url');
    expect(codec.decode(BINDING, `${payload}.${signature}`)).toStrictEqual({ ok: false, reason: NOT_ISSUED });
  });

  it('refuses arbitrary strings as not issued, without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (input) => {
        const result = codec.decode(BINDING, input);
        expect(result).toStrictEqual({ ok: false, reason: NOT_ISSUED });
      }),
    );
  });
});

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { PageTokenCodec } from '../domain/history/ports';

/**
 * Page tokens: `<payload>.<mac>`, both base64url. The payload holds the last
 * sort key served and a digest of the request the token belongs to (parent,
 * filter, order); the HMAC makes the token unforgeable and untruncatable.
 * Tokens carry no expiry: keyset pages stay valid for as long as the data.
 */
const MAC_BYTES = 16;
const BINDING_BYTES = 12;
const MAX_TOKEN_LENGTH = 2_048;

export function createPageTokenCodec(secret: string): PageTokenCodec {
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest().subarray(0, MAC_BYTES);
  const bindingDigest = (binding: string) => createHash('sha256').update(binding).digest().subarray(0, BINDING_BYTES).toString('base64url');

  return {
    encode(binding, lastSortKey) {
      const payload = Buffer.from(JSON.stringify({ k: lastSortKey, b: bindingDigest(binding) })).toString('base64url');
      return `${payload}.${mac(payload).toString('base64url')}`;
    },

    decode(binding, token) {
      const invalid = { ok: false as const, reason: 'The page token is not one this API issued (it is malformed, truncated or altered)' };
      if (token.length > MAX_TOKEN_LENGTH) return invalid;
      const [payload, signature, ...rest] = token.split('.');
      if (!payload || !signature || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(payload + signature)) return invalid;
      // Compared as text: base64url's last character has padding bits that decoding would ignore.
      const expected = Buffer.from(mac(payload).toString('base64url'));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid;
      let content: unknown;
      try {
        content = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        return invalid;
      }
      if (content === null || typeof content !== 'object') return invalid;
      const { k, b } = content as { k?: unknown; b?: unknown };
      if (typeof k !== 'string' || typeof b !== 'string') return invalid;
      if (b !== bindingDigest(binding)) {
        return { ok: false, reason: 'The page token belongs to a different request: keep the parent and filter of the request that returned it' };
      }
      return { ok: true, lastSortKey: k };
    },
  };
}

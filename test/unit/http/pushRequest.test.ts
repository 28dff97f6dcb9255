import { describe, expect, it } from 'vitest';
import { checkPushRequest, type PushRequestParts } from '../../../shared/http/pushRequest';

const MAX = 1000;
const request = (parts: Partial<PushRequestParts> = {}): PushRequestParts => ({ method: 'POST', contentType: 'application/json', bodyBytes: 10, ...parts });

describe('checkPushRequest', () => {
  const refused = [
    { name: 'refuses GET with 404', input: request({ method: 'GET' }), status: 404, reason: 'Method GET is not served: Pub/Sub push deliveries are POST requests' },
    { name: 'refuses PUT with 404', input: request({ method: 'PUT' }), status: 404 },
    { name: 'refuses a wrong method before a wrong content type', input: request({ method: 'DELETE', contentType: 'text/plain', bodyBytes: 0 }), status: 404 },
    { name: 'refuses a request without content type with 400', input: request({ contentType: undefined }), status: 400, reason: 'Content type (none) is not supported: Pub/Sub push deliveries are application/json' },
    { name: 'refuses an empty content type with 400', input: request({ contentType: '' }), status: 400 },
    { name: 'refuses text/plain with 400', input: request({ contentType: 'text/plain' }), status: 400, reason: "Content type 'text/plain' is not supported: Pub/Sub push deliveries are application/json" },
    { name: 'refuses a content type that only starts with application/json', input: request({ contentType: 'application/jsonp' }), status: 400 },
    {
      name: 'quotes a media type without its parameters, which a caller fills with any text',
      input: request({ contentType: 'text/plain; note="my e-mail is a@b.c"' }),
      status: 400,
      reason: "Content type 'text/plain' is not supported: Pub/Sub push deliveries are application/json",
    },
    { name: 'does not quote a content type that is not a media type', input: request({ contentType: 'SECRET TEXT \u202e' }), status: 400, reason: 'Content type (unreadable) is not supported: Pub/Sub push deliveries are application/json' },
    { name: 'does not quote a charset that is not a name', input: request({ contentType: 'application/json; charset=SECRET\u202e' }), status: 400, reason: 'Charset (unreadable) is not supported: Pub/Sub push deliveries are UTF-8 JSON' },
    { name: 'refuses application/x-www-form-urlencoded with 400', input: request({ contentType: 'application/x-www-form-urlencoded' }), status: 400 },
    { name: 'refuses a wrong content type before an empty body', input: request({ contentType: 'text/plain', bodyBytes: 0 }), status: 400 },
    { name: 'refuses an empty body with 400', input: request({ bodyBytes: 0 }), status: 400, reason: 'The request has no body: a Pub/Sub push delivery carries a JSON envelope' },
    {
      name: 'refuses a body over the limit with 400',
      input: request({ bodyBytes: MAX + 1 }),
      status: 400,
      reason: 'The body is 1001 bytes, over the 1000 bytes accepted (MAX_PUSH_BODY_BYTES); Pub/Sub will dead-letter it after its retries',
    },
  ];
  it.each(refused)('$name', ({ input, status, reason }) => {
    const refusal = checkPushRequest(input, MAX);
    expect(refusal?.status).toBe(status);
    if (reason !== undefined) expect(refusal?.reason).toBe(reason);
  });

  const accepted = [
    { name: 'accepts a JSON POST', input: request() },
    { name: 'accepts a content type with charset', input: request({ contentType: 'application/json; charset=utf-8' }) },
    { name: 'accepts a content type with charset and no space', input: request({ contentType: 'application/json;charset=UTF-8' }) },
    { name: 'accepts a content type in capitals', input: request({ contentType: 'Application/JSON' }) },
    { name: 'accepts a content type with surrounding spaces', input: request({ contentType: '  application/json  ' }) },
    { name: 'accepts a body of exactly the limit', input: request({ bodyBytes: MAX }) },
    { name: 'accepts a body of one byte', input: request({ bodyBytes: 1 }) },
  ];
  it.each(accepted)('$name', ({ input }) => {
    expect(checkPushRequest(input, MAX)).toBeUndefined();
  });

  it('quotes no refused content type longer than a media type can be', () => {
    const refusal = checkPushRequest(request({ contentType: `text/${'x'.repeat(300)}` }), MAX);
    expect(refusal?.reason).toBe('Content type (unreadable) is not supported: Pub/Sub push deliveries are application/json');
  });
});

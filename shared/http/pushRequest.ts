/**
 * Checks that an HTTP request can be a Pub/Sub push delivery at all, before
 * anything reads it. Pure: takes the parts of the request it needs.
 */
export interface PushRequestParts {
  method: string;
  contentType: string | undefined;
  bodyBytes: number;
}

/** 404 for a method other than POST (no such method, as Google's frontends answer), 400 for the rest. */
export interface Refusal {
  status: 400 | 404;
  reason: string;
}

export function checkPushRequest(request: PushRequestParts, maxBodyBytes: number): Refusal | undefined {
  if (request.method !== 'POST') {
    return { status: 404, reason: `Method ${request.method} is not served: Pub/Sub push deliveries are POST requests` };
  }
  const mediaType = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return {
      status: 400,
      reason: `Content type ${request.contentType ? loggableMediaType(request.contentType) : '(none)'} is not supported: Pub/Sub push deliveries are application/json`,
    };
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    const named = /^[a-z0-9_.:-]{1,40}$/.test(charset) ? `'${charset}'` : '(unreadable)';
    return { status: 400, reason: `Charset ${named} is not supported: Pub/Sub push deliveries are UTF-8 JSON` };
  }
  if (request.bodyBytes === 0) return { status: 400, reason: 'The request has no body: a Pub/Sub push delivery carries a JSON envelope' };
  if (request.bodyBytes > maxBodyBytes) {
    return {
      status: 400,
      reason: `The body is ${request.bodyBytes} bytes, over the ${maxBodyBytes} bytes accepted (MAX_PUSH_BODY_BYTES); Pub/Sub will dead-letter it after its retries`,
    };
  }
  return undefined;
}

const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,64}\/[A-Za-z0-9!#$&^_.+-]{1,64}$/;

/**
 * A header is the caller's to fill, and reasons are logged: its media type is
 * quoted only when it is one (`'text/plain'`), without its parameters;
 * anything else is said to be unreadable.
 */
export function loggableMediaType(contentType: string): string {
  const mediaType = contentType.split(';')[0]!.trim();
  return MEDIA_TYPE.test(mediaType) ? `'${mediaType}'` : '(unreadable)';
}

import { escapeInvisible } from '../platform/escapeInvisible';

/**
 * Errors in the JSON shape of Google's APIs, which the official clients
 * turn into their own error types:
 * `{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}`.
 *
 * Each HTTP code is paired with its status as google.rpc.Code maps them, so
 * code and status always agree: a method we do not implement is 501
 * UNIMPLEMENTED (not 405), a body too large or of the wrong type is 400
 * INVALID_ARGUMENT (as Google's APIs answer an over-limit payload).
 */
const STATUS_BY_CODE = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
} as const;

export type GoogleErrorCode = keyof typeof STATUS_BY_CODE;

/** The message may quote a request's path: its control and bidirectional characters are written escaped. */
export function googleError(code: GoogleErrorCode, message: string) {
  return { error: { code, message: escapeInvisible(message), status: STATUS_BY_CODE[code] } };
}

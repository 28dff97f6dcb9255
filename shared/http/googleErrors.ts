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

/**
 * The `reason` of Google's v1 error format (`$.xgafv=1`), which adds
 * `errors: [{message, domain: "global", reason}]` to the v2 shape; the
 * reasons are those Google's JSON APIs give for each code.
 */
const V1_REASON_BY_CODE: Record<GoogleErrorCode, string> = {
  400: 'badRequest',
  401: 'required',
  403: 'forbidden',
  404: 'notFound',
  409: 'conflict',
  429: 'rateLimitExceeded',
  500: 'backendError',
  501: 'notImplemented',
  503: 'backendError',
  504: 'deadlineExceeded',
};

export type GoogleErrorCode = keyof typeof STATUS_BY_CODE;

/** `$.xgafv`: Google's error format, 2 (the current one) unless a client asks for 1. */
export type ErrorFormat = 1 | 2;

/** The message may quote a request's path: its control and bidirectional characters are written escaped. */
export function googleError(code: GoogleErrorCode, message: string, format: ErrorFormat = 2) {
  const text = escapeInvisible(message);
  const error = { code, message: text, status: STATUS_BY_CODE[code] };
  if (format === 2) return { error };
  return { error: { ...error, errors: [{ message: text, domain: 'global', reason: V1_REASON_BY_CODE[code] }] } };
}

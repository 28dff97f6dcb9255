/**
 * Errors in the JSON shape of Google's APIs, which the official clients
 * turn into their own error types:
 * `{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}`.
 */
const STATUS_BY_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
};

export function googleError(code: number, message: string) {
  return { error: { code, message, status: STATUS_BY_CODE[code] ?? 'UNKNOWN' } };
}

/**
 * The trace a request belongs to, from Google's `X-Cloud-Trace-Context`
 * (`TRACE_ID/SPAN_ID;o=1`) or W3C `traceparent` (`00-TRACE_ID-SPAN_ID-01`),
 * so that Cloud Logging groups our log lines under the request.
 */
export interface TraceContext {
  traceId: string;
  spanId?: string;
  sampled?: boolean;
}

const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/(\d{1,20}))?(?:;o=([01]))?$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceContext(headers: Record<string, string | string[] | undefined>): TraceContext | undefined {
  const traceparent = firstHeader(headers['traceparent']);
  const w3c = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  // All-zero trace or parent ids are invalid in W3C Trace Context: ignore the header.
  if (w3c && !ALL_ZEROS.test(w3c[1]!) && !ALL_ZEROS.test(w3c[2]!)) {
    return { traceId: w3c[1]!, spanId: w3c[2]!, sampled: (parseInt(w3c[3]!, 16) & 1) === 1 };
  }
  const cloud = firstHeader(headers['x-cloud-trace-context']);
  const google = cloud ? CLOUD_TRACE.exec(cloud.trim()) : null;
  if (google && !ALL_ZEROS.test(google[1]!)) {
    const spanId = google[2] ? toSpanId(BigInt(google[2])) : undefined;
    return {
      traceId: google[1]!.toLowerCase(),
      ...(spanId ? { spanId } : {}),
      ...(google[3] ? { sampled: google[3] === '1' } : {}),
    };
  }
  return undefined;
}

const ALL_ZEROS = /^0+$/;
const MAX_SPAN_ID = 2n ** 64n - 1n;

/** X-Cloud-Trace-Context gives the span as a decimal uint64; Cloud Logging wants 16 hex digits, never all zeros. */
function toSpanId(span: bigint): string | undefined {
  return span === 0n || span > MAX_SPAN_ID ? undefined : span.toString(16).padStart(16, '0');
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

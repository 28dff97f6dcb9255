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
  if (w3c && !/^0+$/.test(w3c[1]!)) {
    return { traceId: w3c[1]!, spanId: w3c[2]!, sampled: (parseInt(w3c[3]!, 16) & 1) === 1 };
  }
  const cloud = firstHeader(headers['x-cloud-trace-context']);
  const google = cloud ? CLOUD_TRACE.exec(cloud.trim()) : null;
  if (google) {
    return {
      traceId: google[1]!.toLowerCase(),
      ...(google[2] ? { spanId: BigInt(google[2]).toString(16).padStart(16, '0') } : {}),
      ...(google[3] ? { sampled: google[3] === '1' } : {}),
    };
  }
  return undefined;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

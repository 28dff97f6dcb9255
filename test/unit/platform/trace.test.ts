import { describe, expect, it } from 'vitest';
import { parseTraceContext } from '../../../shared/platform/trace';

const TRACE = '0123456789abcdef0123456789abcdef';
const OTHER = 'fedcba9876543210fedcba9876543210';
const ZERO = '0'.repeat(32);

describe('parseTraceContext', () => {
  const cases: Array<{ name: string; headers: Record<string, string | string[] | undefined>; expected: unknown }> = [
    { name: 'reads X-Cloud-Trace-Context with span and o=1', headers: { 'x-cloud-trace-context': `${TRACE}/123;o=1` }, expected: { traceId: TRACE, spanId: '000000000000007b', sampled: true } },
    { name: 'reads o=0 as not sampled', headers: { 'x-cloud-trace-context': `${TRACE}/1;o=0` }, expected: { traceId: TRACE, spanId: '0000000000000001', sampled: false } },
    { name: 'reads X-Cloud-Trace-Context without span', headers: { 'x-cloud-trace-context': TRACE }, expected: { traceId: TRACE } },
    { name: 'reads X-Cloud-Trace-Context without o=', headers: { 'x-cloud-trace-context': `${TRACE}/42` }, expected: { traceId: TRACE, spanId: '000000000000002a' } },
    { name: 'reads X-Cloud-Trace-Context with o= but no span', headers: { 'x-cloud-trace-context': `${TRACE};o=1` }, expected: { traceId: TRACE, sampled: true } },
    { name: 'writes the largest 64-bit span id as 16 hex digits', headers: { 'x-cloud-trace-context': `${TRACE}/18446744073709551615` }, expected: { traceId: TRACE, spanId: 'ffffffffffffffff' } },
    { name: 'lowercases an uppercase trace id', headers: { 'x-cloud-trace-context': `${TRACE.toUpperCase()}/1` }, expected: { traceId: TRACE, spanId: '0000000000000001' } },
    { name: 'trims surrounding whitespace', headers: { 'x-cloud-trace-context': `  ${TRACE}/1;o=1 ` }, expected: { traceId: TRACE, spanId: '0000000000000001', sampled: true } },
    { name: 'reads the first of repeated headers', headers: { 'x-cloud-trace-context': [`${TRACE}/1`, `${OTHER}/2`] }, expected: { traceId: TRACE, spanId: '0000000000000001' } },
    { name: 'reads a sampled traceparent', headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` }, expected: { traceId: TRACE, spanId: '00f067aa0ba902b7', sampled: true } },
    { name: 'reads an unsampled traceparent', headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-00` }, expected: { traceId: TRACE, spanId: '00f067aa0ba902b7', sampled: false } },
    { name: 'reads only the sampled bit of traceparent flags', headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-02` }, expected: { traceId: TRACE, spanId: '00f067aa0ba902b7', sampled: false } },
    {
      name: 'prefers traceparent over X-Cloud-Trace-Context',
      headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01`, 'x-cloud-trace-context': `${OTHER}/1;o=1` },
      expected: { traceId: TRACE, spanId: '00f067aa0ba902b7', sampled: true },
    },
    {
      name: 'ignores an all-zero traceparent trace id and falls back to X-Cloud-Trace-Context',
      headers: { traceparent: `00-${ZERO}-00f067aa0ba902b7-01`, 'x-cloud-trace-context': `${OTHER}/1` },
      expected: { traceId: OTHER, spanId: '0000000000000001' },
    },
    {
      name: 'falls back to X-Cloud-Trace-Context when traceparent is malformed',
      headers: { traceparent: 'garbage', 'x-cloud-trace-context': OTHER },
      expected: { traceId: OTHER },
    },
    { name: 'ignores an all-zero traceparent trace id', headers: { traceparent: `00-${ZERO}-00f067aa0ba902b7-01` }, expected: undefined },
    { name: 'gives nothing without trace headers', headers: {}, expected: undefined },
    { name: 'gives nothing for undefined headers', headers: { traceparent: undefined, 'x-cloud-trace-context': undefined }, expected: undefined },
    { name: 'gives nothing for an empty header', headers: { 'x-cloud-trace-context': '' }, expected: undefined },
    { name: 'rejects a trace id of 31 hex digits', headers: { 'x-cloud-trace-context': `${TRACE.slice(1)}/1` }, expected: undefined },
    { name: 'rejects a trace id of 33 hex digits', headers: { 'x-cloud-trace-context': `${TRACE}0/1` }, expected: undefined },
    { name: 'rejects a trace id with a non-hex digit', headers: { 'x-cloud-trace-context': `${TRACE.slice(1)}g` }, expected: undefined },
    { name: 'rejects a span id that is not decimal', headers: { 'x-cloud-trace-context': `${TRACE}/abc` }, expected: undefined },
    { name: 'rejects a span id of 21 digits', headers: { 'x-cloud-trace-context': `${TRACE}/${'1'.repeat(21)}` }, expected: undefined },
    { name: 'rejects o=2', headers: { 'x-cloud-trace-context': `${TRACE}/1;o=2` }, expected: undefined },
    { name: 'rejects an empty span', headers: { 'x-cloud-trace-context': `${TRACE}/;o=1` }, expected: undefined },
    { name: 'rejects an uppercase traceparent', headers: { traceparent: `00-${TRACE.toUpperCase()}-00F067AA0BA902B7-01` }, expected: undefined },
    { name: 'rejects a traceparent with a short span id', headers: { traceparent: `00-${TRACE}-00f067aa0ba902-01` }, expected: undefined },
    { name: 'rejects a traceparent without flags', headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7` }, expected: undefined },
  ];
  it.each(cases)('$name', ({ headers, expected }) => {
    expect(parseTraceContext(headers)).toEqual(expected);
  });
});

describe('parseTraceContext refuses ids Cloud Logging cannot use', () => {
  it.each([
    { name: 'an all-zero X-Cloud-Trace-Context trace id', headers: { 'x-cloud-trace-context': `${ZERO}/1;o=1` }, expected: undefined },
    { name: 'a zero span', headers: { 'x-cloud-trace-context': `${TRACE}/0;o=1` }, expected: { traceId: TRACE, sampled: true } },
    { name: 'a span above 2^64-1', headers: { 'x-cloud-trace-context': `${TRACE}/99999999999999999999` }, expected: { traceId: TRACE } },
    { name: 'the largest span', headers: { 'x-cloud-trace-context': `${TRACE}/18446744073709551615` }, expected: { traceId: TRACE, spanId: 'ffffffffffffffff' } },
    { name: 'a traceparent with an all-zero parent id', headers: { traceparent: `00-${TRACE}-0000000000000000-01` }, expected: undefined },
    {
      name: 'a traceparent with an all-zero parent id, falling back to X-Cloud-Trace-Context',
      headers: { traceparent: `00-${TRACE}-0000000000000000-01`, 'x-cloud-trace-context': `${OTHER}/2` },
      expected: { traceId: OTHER, spanId: '0000000000000002' },
    },
  ])('$name', ({ headers, expected }) => {
    expect(parseTraceContext(headers)).toStrictEqual(expected);
  });
});

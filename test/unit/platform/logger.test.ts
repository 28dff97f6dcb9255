import { describe, expect, it } from 'vitest';
import type { LogLevel } from '../../../shared/platform/config';
import { createLogger, type Severity } from '../../../shared/platform/logger';

const NOW = new Date('2026-11-02T14:03:00.120Z');

function capture(level: LogLevel = 'DEBUG', projectId: { id: string | undefined } = { id: 'my-project' }) {
  const lines: string[] = [];
  const logger = createLogger({ level, projectId: projectId.id, write: (line) => lines.push(line), now: () => NOW });
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, entries };
}

const SEVERITIES: Severity[] = ['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL'];

describe('createLogger', () => {
  const levels: Array<{ name: string; level: LogLevel; expected: Severity[] }> = [
    { name: 'writes every severity at DEBUG', level: 'DEBUG', expected: SEVERITIES },
    { name: 'drops DEBUG at INFO', level: 'INFO', expected: ['INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL'] },
    { name: 'drops DEBUG and INFO at NOTICE', level: 'NOTICE', expected: ['NOTICE', 'WARNING', 'ERROR', 'CRITICAL'] },
    { name: 'writes only WARNING and above at WARNING', level: 'WARNING', expected: ['WARNING', 'ERROR', 'CRITICAL'] },
    { name: 'writes only ERROR and CRITICAL at ERROR', level: 'ERROR', expected: ['ERROR', 'CRITICAL'] },
  ];
  it.each(levels)('$name', ({ level, expected }) => {
    const { logger, entries } = capture(level);
    for (const severity of SEVERITIES) logger.log(severity, 'test.event', `at ${severity}`);
    expect(entries().map((entry) => entry['severity'])).toEqual(expected);
  });

  it('writes one JSON line per entry, with severity, message, event, fields and time', () => {
    const { logger, lines } = capture();
    logger.log('INFO', 'delivery.stored', 'Stored a message', { conversation: 'projects/p/conversations/c', dataBytes: 12 });
    logger.log('WARNING', 'delivery.rejected', 'line one\nline two');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^[^\n]+\n$/);
    expect(JSON.parse(lines[0]!)).toEqual({
      severity: 'INFO',
      message: 'Stored a message',
      event: 'delivery.stored',
      conversation: 'projects/p/conversations/c',
      dataBytes: 12,
      time: '2026-11-02T14:03:00.120Z',
    });
    // A message may quote a request's path: a newline in it is written visibly, as are other controls (escapeInvisible).
    expect(JSON.parse(lines[1]!)).toMatchObject({ message: 'line one\\u000aline two' });
  });

  it('writes bigint fields as strings', () => {
    const { logger, entries } = capture();
    logger.log('INFO', 'e', 'm', { nanos: 1_793_628_000_123_456_789n });
    expect(entries()[0]).toMatchObject({ nanos: '1793628000123456789' });
  });

  it('writes a fallback entry for fields that cannot be serialized', () => {
    const { logger, entries } = capture();
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    logger.log('INFO', 'e', 'm', { circular });
    expect(entries()).toEqual([{ severity: 'ERROR', message: 'Log entry could not be serialized', event: 'log.unserializable' }]);
  });

  const traces = [
    {
      name: 'adds the trace as projects/<id>/traces/<trace>, with span and sampling',
      projectId: 'my-project',
      trace: { traceId: 'abc123', spanId: '000000000000007b', sampled: true },
      expected: {
        'logging.googleapis.com/trace': 'projects/my-project/traces/abc123',
        'logging.googleapis.com/spanId': '000000000000007b',
        'logging.googleapis.com/trace_sampled': true,
      },
    },
    {
      name: 'adds an unsampled trace without span',
      projectId: 'my-project',
      trace: { traceId: 'abc123', sampled: false },
      expected: { 'logging.googleapis.com/trace': 'projects/my-project/traces/abc123', 'logging.googleapis.com/trace_sampled': false },
    },
    {
      name: 'adds the bare trace id when the project is unknown',
      projectId: undefined,
      trace: { traceId: 'abc123' },
      expected: { 'logging.googleapis.com/trace': 'abc123' },
    },
  ];
  it.each(traces)('$name', ({ projectId, trace, expected }) => {
    const { logger, entries } = capture('DEBUG', { id: projectId });
    logger.withTrace(trace).log('INFO', 'e', 'm');
    const entry = entries()[0]!;
    const traceFields = Object.fromEntries(Object.entries(entry).filter(([key]) => key.startsWith('logging.googleapis.com/')));
    expect(traceFields).toEqual(expected);
  });

  it('adds no trace fields without a trace', () => {
    const { logger, entries } = capture();
    logger.withTrace(undefined).log('INFO', 'e', 'm');
    expect(Object.keys(entries()[0]!).sort()).toEqual(['event', 'message', 'severity', 'time']);
  });

  it('keeps the level of the logger it came from', () => {
    const { logger, entries } = capture('ERROR');
    const traced = logger.withTrace({ traceId: 'abc' });
    traced.log('WARNING', 'e', 'dropped');
    traced.log('ERROR', 'e', 'kept');
    expect(entries().map((entry) => entry['message'])).toEqual(['kept']);
  });

  it('does not add the trace to entries of the original logger', () => {
    const { logger, entries } = capture();
    logger.withTrace({ traceId: 'abc' });
    logger.log('INFO', 'e', 'm');
    expect(entries()[0]).not.toHaveProperty(['logging.googleapis.com/trace']);
  });
});

describe('fields cannot replace what identifies an entry', () => {
  it('keeps severity, message, event and trace whatever the fields say', () => {
    const { logger, entries } = capture();
    logger
      .withTrace({ traceId: 'a'.repeat(32) })
      .log('ERROR', 'ingest.rejected', 'real message', { severity: 'DEBUG', message: 'forged', event: 'other', 'logging.googleapis.com/trace': 'x' });
    expect(entries()[0]).toMatchObject({
      severity: 'ERROR',
      message: 'real message',
      event: 'ingest.rejected',
      'logging.googleapis.com/trace': `projects/my-project/traces/${'a'.repeat(32)}`,
    });
  });
});

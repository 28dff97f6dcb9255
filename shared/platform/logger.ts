import type { LogLevel } from './config';
import { escapeInvisible } from './escapeInvisible';
import type { TraceContext } from './trace';

/**
 * Structured JSON logging for Cloud Logging: one line per entry on stdout,
 * with `severity`, `message`, a stable `event` name and the trace fields
 * Cloud Logging uses to group entries under their request.
 *
 * Callers pass ids, types, sizes and reasons. Never conversation text: it is
 * end-user PII (log-events.ts is the one place that chooses what is logged).
 * Whatever a field holds, control and bidirectional characters are written
 * escaped (escapeInvisible): a reason may quote a request's path.
 */
export type Severity = LogLevel | 'CRITICAL';
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(severity: Severity, event: string, message: string, fields?: LogFields): void;
  /** An audit entry (NOTICE): written whatever LOG_LEVEL says, since an audit trail must not depend on it. */
  audit(event: string, message: string, fields?: LogFields): void;
  /** A logger whose entries carry the request's trace. */
  withTrace(trace: TraceContext | undefined): Logger;
}

const RANK: Record<Severity, number> = { DEBUG: 100, INFO: 200, NOTICE: 300, WARNING: 400, ERROR: 500, CRITICAL: 600 };

export interface LoggerOptions {
  level: LogLevel;
  /** Used to qualify trace ids as `projects/<id>/traces/<trace>`. */
  projectId: string | undefined;
  write?: (line: string) => void;
  now?: () => Date;
}

export function createLogger(options: LoggerOptions, context: LogFields = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const writeEntry = (severity: Severity, event: string, message: string, fields: LogFields) => {
    // Caller fields come first so that they can never replace the entry's own severity, message, event or trace.
    const text = escapeInvisible(message);
    const entry = { severity, message: text, event, ...escapeFields(fields), ...context, time: now().toISOString() };
    Object.assign(entry, { severity, message: text, event });
    write(`${safeStringify(entry)}\n`);
  };
  return {
    log(severity, event, message, fields = {}) {
      if (RANK[severity] < RANK[options.level]) return;
      writeEntry(severity, event, message, fields);
    },
    audit(event, message, fields = {}) {
      writeEntry('NOTICE', event, message, fields);
    },
    withTrace(trace) {
      if (!trace) return this;
      const traceFields: LogFields = {
        'logging.googleapis.com/trace': options.projectId ? `projects/${options.projectId}/traces/${trace.traceId}` : trace.traceId,
      };
      if (trace.spanId) traceFields['logging.googleapis.com/spanId'] = trace.spanId;
      if (trace.sampled !== undefined) traceFields['logging.googleapis.com/trace_sampled'] = trace.sampled;
      return createLogger(options, { ...context, ...traceFields });
    },
  };
}

/** Strings at any depth, escaped; a stack trace keeps its lines. Objects are copied only where something changed. */
function escapeFields(fields: LogFields): LogFields {
  let copy: LogFields | undefined;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    const escaped = escapeValue(value, key === 'stack', 0);
    if (escaped !== value) (copy ??= { ...fields })[key] = escaped;
  }
  return copy ?? fields;
}

function escapeValue(value: unknown, keepNewlines: boolean, depth: number): unknown {
  if (typeof value === 'string') return escapeInvisible(value, keepNewlines);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => escapeValue(item, false, depth + 1));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const escaped = escapeValue(record[key], false, depth + 1);
    if (escaped !== record[key]) (copy ??= { ...record })[key] = escaped;
  }
  return copy ?? value;
}

/** Plain JSON.stringify first (a replacer function slows every line); bigints then as strings; a cycle as a note. */
function safeStringify(entry: LogFields): string {
  try {
    return JSON.stringify(entry);
  } catch {
    // Only a bigint or a cycle gets here.
  }
  try {
    return JSON.stringify(entry, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch {
    return JSON.stringify({ severity: 'ERROR', message: 'Log entry could not be serialized', event: 'log.unserializable' });
  }
}

import type { DeliveryFacts, Rejection } from '../domain/outcomes';
import { describeError } from './errors';
import type { Logger } from './logger';
import type { ReconcileReport } from '../domain/reconcile';

/**
 * The catalogue of what this service logs, one function per event with a
 * stable `event` name to filter on in Cloud Logging. Fields are ids, types,
 * sizes and reasons only: nothing here ever receives conversation text.
 */

export function ingestStored(log: Logger, facts: DeliveryFacts): void {
  log.log('INFO', 'ingest.stored', `Stored ${describeEvent(facts)}`, { ...facts });
}

export function ingestDuplicate(log: Logger, facts: DeliveryFacts): void {
  log.log('INFO', 'ingest.duplicate', `Already stored: ${describeEvent(facts)}; acknowledged`, { ...facts });
}

export function ingestErased(log: Logger, facts: DeliveryFacts): void {
  log.log('INFO', 'ingest.erased', `Not stored: ${describeEvent(facts)} was erased; acknowledged`, { ...facts });
}

export function ingestRejected(log: Logger, facts: DeliveryFacts, rejection: Rejection, quarantineId: string): void {
  log.log('ERROR', 'ingest.rejected', `Rejected delivery (${rejection.code}): ${rejection.reason}. Quarantined as ${quarantineId}; acknowledged`, {
    ...facts,
    rejectionCode: rejection.code,
    reason: rejection.reason,
    quarantineId,
  });
}

export function ingestFailed(log: Logger, facts: DeliveryFacts | undefined, error: unknown, status: number): void {
  log.log('ERROR', 'ingest.failed', `Could not store the delivery; answered ${status} so that Pub/Sub delivers it again`, {
    ...facts,
    status,
    ...describeError(error),
  });
}

export function requestRefused(log: Logger, status: number, reason: string, request: { method: string; contentType?: string; bodyBytes?: number }): void {
  log.log('WARNING', 'http.refused', `Refused request with ${status}: ${reason}`, { status, reason, ...request });
}

/**
 * A request refused from its request line and headers, before any byte of its body was read (requestGuard.ts):
 * the reason's code and the sizes, never a header's text (Origin, Content-Encoding are the caller's to fill).
 */
export function requestRefusedUnread(
  log: Logger,
  fields: { function: string; method: string; status: number; reason: string; declaredBytes?: number; maxBodyBytes: number },
): void {
  log.log('WARNING', 'http.refused_unread', `Refused a ${fields.method} request with ${fields.status} before reading it: ${fields.reason}`, fields);
}

export function guardFailed(log: Logger, fields: { function: string; method: string }, error: unknown): void {
  log.log('ERROR', 'http.guard_failed', 'The request guard failed; answered 500 without reading the request', { ...fields, ...describeError(error) });
}

export function functionStarted(log: Logger, fields: Record<string, unknown>): void {
  log.log('INFO', 'function.started', `Function ${String(fields['function'])} loaded`, fields);
}

function describeEvent(facts: DeliveryFacts): string {
  const what = facts.eventKind === 'message' ? `message ${facts.messageId ?? '?'}` : `${String(facts.eventType ?? 'event')}`;
  return `${what} of ${facts.conversation ?? 'unknown conversation'}`;
}

export function historyServed(log: Logger, fields: { method: string; route: string; status: number; items?: number; latencyMs: number }): void {
  log.log('INFO', 'history.served', `Served ${fields.route} with ${fields.status}`, fields);
}

export function historyRefused(log: Logger, fields: { method: string; route?: string; status: number; reason: string }): void {
  log.log('INFO', 'history.refused', `Refused a history request with ${fields.status}: ${fields.reason}`, fields);
}

export function historyFailed(log: Logger, fields: { method: string; route: string; status: number }, error: unknown): void {
  log.log('ERROR', 'history.failed', `A history request failed with ${fields.status}`, { ...fields, ...describeError(error) });
}

export function authRefused(log: Logger, fields: { status: number; reason: string; method: string }): void {
  // 503 means our key fetch failed (Pub/Sub retries); 401/403 are the caller's.
  log.log(fields.status === 503 ? 'ERROR' : 'WARNING', 'auth.refused', `Refused with ${fields.status}: ${fields.reason}`, fields);
}

export function reconcileRan(log: Logger, report: ReconcileReport, latencyMs: number): void {
  const { failed, ...counts } = report;
  // Names of conversations and Dialogflow's error reasons: ids and statuses, never conversation text. oldestDueAgeSeconds
  // is the backlog's age the reconcile_backlog_age metric reads (terraform/monitoring.tf).
  log.log(report.failedCount > 0 ? 'WARNING' : 'INFO', 'reconcile.ran', `Reconciled ${report.taken} due conversations of ${report.parent}: ${report.refreshed} refreshed, ${report.purged} purged, ${report.failedCount} failed; stopped by ${report.stoppedBy}, oldest due ${report.oldestDueAgeSeconds} s ago`, {
    ...counts,
    failed: failed.slice(0, 20),
    latencyMs,
  });
}

export function reconcileFailed(log: Logger, fields: { parent: string; status: number }, error: unknown): void {
  log.log('ERROR', 'reconcile.failed', `Reconcile of ${fields.parent} stopped; answered ${fields.status} so that Cloud Scheduler tries again`, { ...fields, ...describeError(error) });
}

export function erasureDone(log: Logger, fields: { conversation: string; erasedBy: string; erasedAt: string; alreadyErased: boolean; documentsDeleted: number; complete: boolean }): void {
  // The audit line of an erasure: who, which conversation, when, how many documents; never content.
  const rest = fields.complete ? '' : ' so far (time budget spent: the sweep deletes the rest; nothing of it is readable)';
  log.audit('erasure.done', `${fields.erasedBy} erased ${fields.conversation}: ${fields.documentsDeleted} documents deleted${rest}`, fields);
}

export function erasureSwept(log: Logger, fields: { tombstones: number; documentsDeleted: number; complete: boolean; durationMs: number }): void {
  log.log(
    fields.documentsDeleted > 0 || !fields.complete ? 'NOTICE' : 'INFO',
    'erasure.swept',
    `Swept ${fields.tombstones} erased conversations in their late-write window: ${fields.documentsDeleted} documents deleted${fields.complete ? '' : '; time budget spent, the next run goes on'}`,
    fields,
  );
}

export function erasureSweepFailed(log: Logger, fields: { status: number }, error: unknown): void {
  log.log('ERROR', 'erasure.sweep_failed', `The erasure sweep failed; answered ${fields.status}, the next run goes on`, { ...fields, ...describeError(error) });
}

export function erasurePassedOn(log: Logger, fields: { status: number }): void {
  log.log(fields.status >= 500 ? 'WARNING' : 'INFO', 'erasure.passed_on', `Passed a DELETE on to the erasure function, which answered ${fields.status}`, fields);
}

export function erasurePassOnFailed(log: Logger, fields: { status: number }, error: unknown): void {
  log.log('ERROR', 'erasure.pass_on_failed', 'The erasure function could not be reached; answered 503', { ...fields, ...describeError(error) });
}

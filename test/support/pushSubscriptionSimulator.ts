import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import type { DocumentData } from '@google-cloud/firestore';
import { mergeLifecycleEvent, emptyConversationState, type ConversationState } from '../../shared/domain/conversationState';
import { decodeDelivery } from '../../shared/domain/decodeDelivery';
import { toConversationDocument, toMessageDocument } from '../../shared/firestore/conversationStore';
import { targetFor, toPushBody, type IngestTarget } from '../../shared/pubsub/pushDelivery';
import { testFirestore } from './stack';
import { runQueueWaitMs } from './runDelay';

/**
 * A stand-in for a Pub/Sub push subscription, for load and fault tests.
 *
 * Given recorded messages, it POSTs their push bodies to a base URL with
 * bounded concurrency, in shuffled order, some of them more than once (Pub/Sub
 * delivers at least once); it redelivers every delivery answered non-2xx, or
 * not answered at all (connection refused or reset, ack deadline passed), with
 * exponential backoff, up to a bound of attempts. It records every request
 * (status, latency) and every delivery's final result, and stops by itself:
 * after the last delivery is acknowledged or given up, or at its time limit.
 *
 * It only ever sends to 127.0.0.1. The base URL is asked for before every
 * request, so a test can move the subscription's endpoint to a restarted
 * process.
 */

/** A recorded Pub/Sub message: the event plus what Pub/Sub adds to it. */
export interface PushMessage {
  publishTime: string;
  messageId: string;
  event: Record<string, unknown>;
  attributes?: Record<string, string>;
}

export interface AttemptRecord {
  /** Where the request went (the base URL at the time). */
  origin: string;
  /** HTTP status; 0 when no answer came (connection refused or reset, or the ack deadline passed). */
  status: number;
  /** `outcome` of the answer's JSON body, when it had one. */
  outcome?: string;
  /** Why no answer came (ECONNREFUSED, ECONNRESET, ack-deadline, ...). */
  error?: string;
  /** When the request started, in ms since the run started. */
  startedAtMs: number;
  /** When the answer (or the failure) arrived, in ms since the run started. */
  endedAtMs: number;
  latencyMs: number;
  /** The latency less the answering process's wait for a CPU meanwhile (runDelay.ts), when `serverPid` says which. */
  ownLatencyMs: number;
}

export type DeliveryResult = 'acknowledged' | 'gave-up' | 'unfinished';

export interface DeliveryRecord {
  /** 0 for the first delivery of a message, 1 and 2 for the duplicates Pub/Sub may send. */
  copy: number;
  attempts: AttemptRecord[];
  result: DeliveryResult;
}

export interface MessageReport {
  message: PushMessage;
  target: IngestTarget;
  deliveries: DeliveryRecord[];
}

export interface SubscriptionReport {
  seed: number;
  messages: MessageReport[];
  /** Deliveries scheduled: one per message plus the duplicates. */
  deliveries: number;
  duplicateDeliveries: number;
  requests: number;
  /** Requests beyond each delivery's first attempt. */
  redeliveries: number;
  acknowledged: number;
  gaveUp: number;
  unfinished: number;
  /** Answers by status ("200", "503", "0:ECONNREFUSED", ...). */
  statusCounts: Record<string, number>;
  /** Acknowledged answers by outcome (stored, duplicate, rejected). */
  outcomeCounts: Record<string, number>;
  maxLatencyMs: number;
  /** The largest latency on the answering process's own time (`ownLatencyMs`). */
  maxOwnLatencyMs: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  elapsedMs: number;
}

export interface SubscriptionProgress {
  deliveries: number;
  acknowledged: number;
  requests: number;
  failedRequests: number;
  inFlight: number;
  elapsedMs: number;
}

export interface PushSubscriptionOptions {
  /** Where to deliver; asked before every request. Must be http://127.0.0.1:<port>. */
  baseUrl: () => string;
  concurrency: number;
  /** First redelivery delay; doubles on each further attempt up to `maxBackoffMs`. Default 50. */
  minBackoffMs?: number;
  /** Default 1000. */
  maxBackoffMs?: number;
  /** Attempts per delivery before giving up on it (Pub/Sub would dead-letter it). Default 30. */
  maxAttempts?: number;
  /** A request not answered within this is abandoned and counts as not acknowledged. Default 10 s. */
  ackDeadlineMs?: number;
  /** The whole run stops after this long; deliveries still pending are `unfinished`. Default 120 s. */
  timeLimitMs?: number;
  /** How many times each message is delivered (1 to 3). Default once. */
  copies?: (message: PushMessage, index: number, random: () => number) => number;
  /** Shuffle all deliveries (duplicates included). Default true. */
  shuffle?: boolean;
  seed?: number;
  /**
   * Reuse connections (default true). Off, every request opens its own
   * connection: what a front end that stops routing to a stopping instance
   * looks like to that instance.
   */
  keepAlive?: boolean;
  /**
   * The process that answers (asked before every request): its wait for a CPU during a request is taken out of
   * `ownLatencyMs`, so that a bound on latency holds whatever else the machine does. Linux only; elsewhere 0.
   */
  serverPid?: () => number | undefined;
  /** Called synchronously when a request is answered 2xx, before anything else happens. */
  onAcknowledged?: (message: PushMessage, attempt: AttemptRecord) => void;
}

export interface PushSubscriptionRun {
  readonly done: Promise<SubscriptionReport>;
  progress(): SubscriptionProgress;
  /** Resolves once `predicate` holds (checked every 10 ms); rejects after `timeoutMs` or when the run ended first. */
  waitFor(predicate: (progress: SubscriptionProgress) => boolean, timeoutMs?: number): Promise<SubscriptionProgress>;
  /** Stops scheduling requests; those in flight finish. */
  stop(): void;
}

interface PendingDelivery {
  report: MessageReport;
  record: DeliveryRecord;
  body: (deliveryAttempt: number) => string;
}

export function startPushSubscription(messages: PushMessage[], options: PushSubscriptionOptions): PushSubscriptionRun {
  const minBackoffMs = options.minBackoffMs ?? 50;
  const maxBackoffMs = options.maxBackoffMs ?? 1_000;
  const maxAttempts = options.maxAttempts ?? 30;
  const ackDeadlineMs = options.ackDeadlineMs ?? 10_000;
  const timeLimitMs = options.timeLimitMs ?? 120_000;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = mulberry32(seed);
  if (!(options.concurrency >= 1)) throw new Error('concurrency must be at least 1');
  checkLoopback(options.baseUrl());

  const reports: MessageReport[] = [];
  const queue: PendingDelivery[] = [];
  messages.forEach((message, index) => {
    const target = targetFor(message.event);
    const report: MessageReport = { message, target, deliveries: [] };
    reports.push(report);
    const copies = Math.max(1, Math.min(3, options.copies?.(message, index, random) ?? 1));
    for (let copy = 0; copy < copies; copy++) {
      const record: DeliveryRecord = { copy, attempts: [], result: 'unfinished' };
      report.deliveries.push(record);
      queue.push({ report, record, body: (attempt) => JSON.stringify(toPushBody(message, target, attempt)) });
    }
  });
  if (options.shuffle ?? true) shuffleInPlace(queue, random);
  const total = queue.length;

  const agent = new Agent({ keepAlive: options.keepAlive ?? true, maxSockets: options.concurrency });
  const started = performance.now();
  const retryTimers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let acknowledged = 0;
  let requests = 0;
  let failedRequests = 0;
  let stopped = false;
  let finished = false;
  let fatal: Error | undefined;
  let resolveDone!: (report: SubscriptionReport) => void;
  let rejectDone!: (error: Error) => void;
  const done = new Promise<SubscriptionReport>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const limitTimer = setTimeout(stop, timeLimitMs);
  const now = () => performance.now() - started;

  function stop() {
    stopped = true;
    for (const timer of retryTimers) clearTimeout(timer);
    retryTimers.clear();
    pump();
  }

  function pump() {
    while (!stopped && inFlight < options.concurrency && queue.length > 0) {
      const delivery = queue.shift()!;
      inFlight++;
      attempt(delivery).then(
        () => {
          inFlight--;
          pump();
        },
        (error: Error) => {
          inFlight--;
          fatal ??= error;
          stop();
        },
      );
    }
    if (inFlight === 0 && (stopped || (queue.length === 0 && retryTimers.size === 0))) finish();
  }

  async function attempt(delivery: PendingDelivery) {
    const number = delivery.record.attempts.length + 1;
    const url = new URL(`/${delivery.report.target}`, options.baseUrl());
    checkLoopback(url.href);
    requests++;
    const pid = options.serverPid?.();
    const waitedBefore = pid === undefined ? undefined : runQueueWaitMs(pid);
    const startedAtMs = now();
    const answer = await post(url, delivery.body(number), agent, ackDeadlineMs);
    const endedAtMs = now();
    const waitedAfter = pid === undefined ? undefined : runQueueWaitMs(pid);
    const waited = waitedBefore === undefined || waitedAfter === undefined ? 0 : waitedAfter - waitedBefore;
    const latencyMs = endedAtMs - startedAtMs;
    const record: AttemptRecord = { origin: url.origin, ...answer, startedAtMs, endedAtMs, latencyMs, ownLatencyMs: latencyMs - waited };
    delivery.record.attempts.push(record);
    if (answer.status >= 200 && answer.status < 300) {
      delivery.record.result = 'acknowledged';
      acknowledged++;
      options.onAcknowledged?.(delivery.report.message, record);
      return;
    }
    failedRequests++;
    if (number >= maxAttempts) {
      delivery.record.result = 'gave-up';
      return;
    }
    if (stopped) return;
    // Exponential backoff with a little jitter, as Pub/Sub's retry policy does.
    const backoff = Math.min(maxBackoffMs, minBackoffMs * 2 ** (number - 1)) * (0.8 + 0.4 * random());
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      // A redelivery is due now: ahead of deliveries not yet tried.
      queue.unshift(delivery);
      pump();
    }, backoff);
    retryTimers.add(timer);
  }

  function finish() {
    if (finished) return;
    finished = true;
    clearTimeout(limitTimer);
    for (const timer of retryTimers) clearTimeout(timer);
    agent.destroy();
    if (fatal) rejectDone(fatal);
    else resolveDone(summarize(reports, seed, total, now()));
  }

  function progress(): SubscriptionProgress {
    return { deliveries: total, acknowledged, requests, failedRequests, inFlight, elapsedMs: now() };
  }

  queueMicrotask(pump);
  return {
    done,
    progress,
    stop,
    // A condition on the run can wait as long as the run may last (its own guard), and no longer.
    async waitFor(predicate, timeoutMs = timeLimitMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const current = progress();
        if (predicate(current)) return current;
        if (finished) throw new Error(`The subscription run ended before the condition held: ${JSON.stringify(current)}`);
        if (performance.now() > deadline) throw new Error(`The condition did not hold within ${timeoutMs} ms: ${JSON.stringify(current)}`);
        await sleep(10);
      }
    },
  };
}

/** Runs a subscription to the end. */
export function deliverAll(messages: PushMessage[], options: PushSubscriptionOptions): Promise<SubscriptionReport> {
  return startPushSubscription(messages, options).done;
}

function checkLoopback(url: string): void {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || parsed.hostname !== '127.0.0.1') {
    throw new Error(`The push subscription simulator only delivers to http://127.0.0.1, not to ${parsed.origin}`);
  }
}

function post(url: URL, body: string, agent: Agent, timeoutMs: number): Promise<{ status: number; outcome?: string; error?: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: { status: number; outcome?: string; error?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => settle({ status: 0, error: errorCode(error) }));
        res.on('aborted', () => settle({ status: 0, error: 'response aborted' }));
        res.on('end', () => {
          let outcome: string | undefined;
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { outcome?: unknown };
            if (typeof parsed.outcome === 'string') outcome = parsed.outcome;
          } catch {
            // not JSON: the status is what Pub/Sub goes by
          }
          settle({ status: res.statusCode ?? 0, ...(outcome ? { outcome } : {}) });
        });
      },
    );
    const timer = setTimeout(() => {
      settle({ status: 0, error: 'ack-deadline' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => settle({ status: 0, error: errorCode(error) }));
    req.end(body);
  });
}

function errorCode(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.message;
}

function summarize(reports: MessageReport[], seed: number, deliveries: number, elapsedMs: number): SubscriptionReport {
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  const outcomeCounts: Record<string, number> = {};
  let requests = 0;
  let acknowledged = 0;
  let gaveUp = 0;
  let unfinished = 0;
  for (const report of reports) {
    for (const delivery of report.deliveries) {
      if (delivery.result === 'acknowledged') acknowledged++;
      else if (delivery.result === 'gave-up') gaveUp++;
      else unfinished++;
      for (const attempt of delivery.attempts) {
        requests++;
        latencies.push(attempt.latencyMs);
        const key = attempt.status === 0 ? `0:${attempt.error ?? '?'}` : String(attempt.status);
        statusCounts[key] = (statusCounts[key] ?? 0) + 1;
        if (attempt.status >= 200 && attempt.status < 300) outcomeCounts[attempt.outcome ?? '?'] = (outcomeCounts[attempt.outcome ?? '?'] ?? 0) + 1;
      }
    }
  }
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    seed,
    messages: reports,
    deliveries,
    duplicateDeliveries: deliveries - reports.length,
    requests,
    redeliveries: requests - reports.reduce((sum, report) => sum + report.deliveries.filter((d) => d.attempts.length > 0).length, 0),
    acknowledged,
    gaveUp,
    unfinished,
    statusCounts,
    outcomeCounts,
    maxLatencyMs: latencies.at(-1) ?? 0,
    maxOwnLatencyMs: Math.max(0, ...reports.flatMap((report) => report.deliveries.flatMap((d) => d.attempts.map((a) => a.ownLatencyMs)))),
    p50LatencyMs: percentile(0.5),
    p99LatencyMs: percentile(0.99),
    elapsedMs,
  };
}

/** Every request of the run, flattened. */
export function allAttempts(report: SubscriptionReport): Array<AttemptRecord & { messageId: string }> {
  return report.messages.flatMap((m) => m.deliveries.flatMap((d) => d.attempts.map((a) => ({ ...a, messageId: m.message.messageId }))));
}

export function describeReport(report: SubscriptionReport): string {
  return [
    `messages ${report.messages.length}, deliveries ${report.deliveries} (${report.duplicateDeliveries} duplicates), requests ${report.requests} (${report.redeliveries} redeliveries)`,
    `acknowledged ${report.acknowledged}, gave up ${report.gaveUp}, unfinished ${report.unfinished}`,
    `statuses ${JSON.stringify(report.statusCounts)}, outcomes ${JSON.stringify(report.outcomeCounts)}`,
    `latency p50 ${report.p50LatencyMs.toFixed(0)} ms, p99 ${report.p99LatencyMs.toFixed(0)} ms, max ${report.maxLatencyMs.toFixed(0)} ms (${report.maxOwnLatencyMs.toFixed(0)} ms on the server's own time); ${(report.elapsedMs / 1000).toFixed(1)} s (${((report.requests * 1000) / report.elapsedMs).toFixed(0)} requests/s); seed ${report.seed}`,
  ].join('\n  ');
}

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// Recorded conversations: what Dialogflow would publish for one conversation.
// ---------------------------------------------------------------------------

export interface RecordedConversationOptions {
  project?: string;
  /** Messages between CONVERSATION_STARTED and CONVERSATION_FINISHED. */
  messages: number;
  humanIntervention?: boolean;
  /** Minutes after 2026-11-02T00:00Z at which it starts, so that conversations do not all share one time. */
  startMinute?: number;
  /** Pub/Sub message ids are `${messageIdPrefix}${n}`; control copies reuse them so that their stored state is identical. */
  messageIdPrefix: string;
}

/**
 * A conversation's lifecycle and message events, in publish order:
 * STARTED, the messages (HUMAN_INTERVENTION_NEEDED half-way if asked), FINISHED.
 */
export function recordedConversation(conversationId: string, options: RecordedConversationOptions): PushMessage[] {
  const conversation = `projects/${options.project ?? 'demo-project'}/locations/global/conversations/${conversationId}`;
  const start = Date.UTC(2026, 10, 2) + (options.startMinute ?? 0) * 60_000;
  // Microsecond publish times, as Pub/Sub's are.
  const at = (ms: number) => new Date(start + ms).toISOString().replace('Z', '123Z');
  const out: PushMessage[] = [];
  let n = 0;
  const push = (offsetMs: number, event: Record<string, unknown>) => {
    out.push({ publishTime: at(offsetMs), messageId: `${options.messageIdPrefix}${String(n++).padStart(3, '0')}`, event });
  };
  push(0, { conversation, type: 'CONVERSATION_STARTED' });
  const half = Math.floor(options.messages / 2);
  for (let i = 0; i < options.messages; i++) {
    if (options.humanIntervention && i === half) push(i * 1_000 + 500, { conversation, type: 'HUMAN_INTERVENTION_NEEDED' });
    const id = `M${String(i).padStart(4, '0')}`;
    const role = i % 2 === 0 ? 'END_USER' : 'AUTOMATED_AGENT';
    push(i * 1_000 + 900, {
      conversation,
      type: 'NEW_MESSAGE',
      newMessagePayload: {
        name: `${conversation}/messages/${id}`,
        content: `${role === 'END_USER' ? 'customer' : 'agent'} says ${i}: ${'lorem ipsum '.repeat(1 + (i % 4))}`,
        languageCode: 'en-US',
        participant: `${conversation}/participants/${role === 'END_USER' ? 'P1' : 'P2'}`,
        participantRole: role,
        createTime: new Date(start + i * 1_000 + 800).toISOString().replace('Z', '456Z'),
      },
    });
  }
  push(options.messages * 1_000 + 1_000, { conversation, type: 'CONVERSATION_FINISHED' });
  return out;
}

// ---------------------------------------------------------------------------
// What must be stored, computed from the events, and checks against Firestore
// (read with the real client directly from the emulator, never through a proxy).
// ---------------------------------------------------------------------------

export interface ExpectedConversation {
  name: string;
  conversation: DocumentData;
  messages: Map<string, DocumentData>;
  lifecycleEvents: number;
}

/**
 * The documents a clean delivery of `messages` produces: each conversation is
 * the fold of its lifecycle events with mergeLifecycleEvent (from the empty
 * state a NEW_MESSAGE creates), each message is written as decoded.
 */
export function expectedStore(messages: PushMessage[]): Map<string, ExpectedConversation> {
  const states = new Map<string, { state: ConversationState; messages: Map<string, DocumentData>; lifecycleEvents: number }>();
  for (const message of messages) {
    const decoded = decodeDelivery(toPushBody(message));
    if (!decoded.ok) throw new Error(`Test event ${message.messageId} does not decode: ${decoded.rejection.reason}`);
    const event = decoded.event;
    const entry = states.get(event.conversation.name) ?? {
      state: emptyConversationState(event.conversation),
      messages: new Map<string, DocumentData>(),
      lifecycleEvents: 0,
    };
    states.set(event.conversation.name, entry);
    if (event.kind === 'lifecycle') {
      entry.state = mergeLifecycleEvent(entry.state, event.conversation, event.record);
      entry.lifecycleEvents++;
    } else if (event.kind === 'message') {
      entry.messages.set(event.record.messageId, toMessageDocument(event.record, 0));
    } else {
      throw new Error('recognition results are not part of these workloads');
    }
  }
  return new Map(
    [...states].map(([name, entry]) => [
      name,
      { name, conversation: normalize(toConversationDocument(entry.state, 0)) as DocumentData, messages: entry.messages, lifecycleEvents: entry.lifecycleEvents },
    ]),
  );
}

/** Firestore hands back plain data; compare like with like. */
function normalize(data: DocumentData | undefined): unknown {
  return data === undefined ? undefined : JSON.parse(JSON.stringify(data));
}

export interface StoreComparison {
  conversations: number;
  messageDocuments: number;
  expectedMessageDocuments: number;
  mismatches: string[];
}

/** Compares every expected conversation (document and messages) with what Firestore holds. */
export async function compareWithStore(expected: Map<string, ExpectedConversation>, concurrency = 8): Promise<StoreComparison> {
  const db = testFirestore();
  const entries = [...expected.values()];
  const mismatches: string[] = [];
  let messageDocuments = 0;
  let expectedMessageDocuments = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < entries.length) {
        const entry = entries[next++]!;
        const [conversation, messages] = await Promise.all([db.doc(entry.name).get(), db.doc(entry.name).collection('messages').get()]);
        const stored = normalize(conversation.data());
        if (JSON.stringify(stored) !== JSON.stringify(entry.conversation)) mismatches.push(describeConversationDifference(entry, stored));
        messageDocuments += messages.size;
        expectedMessageDocuments += entry.messages.size;
        const seen = new Set<string>();
        for (const doc of messages.docs) {
          seen.add(doc.id);
          const want = entry.messages.get(doc.id);
          if (!want) mismatches.push(`${entry.name}: unexpected message ${doc.id}`);
          else if (JSON.stringify(normalize(doc.data())) !== JSON.stringify(normalize(want))) mismatches.push(`${entry.name}: message ${doc.id} differs`);
        }
        for (const id of entry.messages.keys()) if (!seen.has(id)) mismatches.push(`${entry.name}: message ${id} missing`);
      }
    }),
  );
  return { conversations: entries.length, messageDocuments, expectedMessageDocuments, mismatches };
}

function describeConversationDifference(entry: ExpectedConversation, stored: unknown): string {
  if (stored === undefined) return `${entry.name}: conversation document missing`;
  const have = stored as Record<string, unknown>;
  const want = entry.conversation;
  const ids = (value: unknown) => new Set(((value ?? []) as Array<{ pubsubMessageId?: string }>).map((event) => String(event.pubsubMessageId)));
  const storedIds = ids(have['lifecycleEvents']);
  const expectedIds = ids(want['lifecycleEvents']);
  const missing = [...expectedIds].filter((id) => !storedIds.has(id));
  const extra = [...storedIds].filter((id) => !expectedIds.has(id));
  const fields = Object.keys({ ...want, ...have }).filter(
    (key) => key !== 'lifecycleEvents' && JSON.stringify(have[key]) !== JSON.stringify(want[key]),
  );
  return (
    `${entry.name}: conversation differs: lifecycle events missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]` +
    (fields.length > 0 ? `; fields ${fields.map((key) => `${key} stored ${JSON.stringify(have[key])} expected ${JSON.stringify(want[key])}`).join(', ')}` : '')
  );
}

/**
 * Checks, right after each acknowledgement, that what was acknowledged is in
 * Firestore: the message document for a NEW_MESSAGE, the event in the
 * conversation's lifecycleEvents for a lifecycle event. Reads are batched
 * (at most a few ms after the 2xx) and go straight to the emulator.
 */
export function createAckAuditor() {
  const pending: PushMessage[] = [];
  const missing: string[] = [];
  let checked = 0;
  let running: Promise<void> | undefined;

  async function drain() {
    const db = testFirestore();
    while (pending.length > 0) {
      const batch = pending.splice(0, 200);
      const refs = batch.map((message) => {
        const conversation = String(message.event['conversation']);
        if (message.event['type'] === 'NEW_MESSAGE') {
          const name = String((message.event['newMessagePayload'] as { name: string }).name);
          return db.doc(`${conversation}/messages/${name.slice(name.lastIndexOf('/') + 1)}`);
        }
        return db.doc(conversation);
      });
      const snapshots = await db.getAll(...refs);
      snapshots.forEach((snapshot, index) => {
        const message = batch[index]!;
        checked++;
        if (!snapshot.exists) {
          missing.push(`${message.messageId} (${String(message.event['type'])}): acknowledged, ${snapshot.ref.path} does not exist`);
        } else if (message.event['type'] !== 'NEW_MESSAGE') {
          const events = (snapshot.data()?.['lifecycleEvents'] ?? []) as Array<{ pubsubMessageId?: string }>;
          if (!events.some((event) => event.pubsubMessageId === message.messageId)) {
            missing.push(`${message.messageId} (${String(message.event['type'])}): acknowledged, not in ${snapshot.ref.path} lifecycleEvents`);
          }
        }
      });
    }
  }

  return {
    record(message: PushMessage) {
      pending.push(message);
      running ??= drain().finally(() => (running = undefined));
    },
    async settle(): Promise<{ checked: number; missing: string[] }> {
      while (running || pending.length > 0) await (running ?? drain());
      return { checked, missing };
    },
  };
}

// ---------------------------------------------------------------------------
// A spawned stack's health: still running, nothing crashed.
// ---------------------------------------------------------------------------

/** Collects what a spawned stack writes on stderr after its banner (Node prints crashes there). */
export function captureStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

const CRASH_PATTERN = /unhandledRejection|uncaughtException|Unhandled|FATAL ERROR|heap out of memory|Maximum call stack/;

export interface LogHealth {
  lines: number;
  events: Record<string, number>;
  problems: string[];
}

/** Reads a stack's JSON log: every line must be JSON, none CRITICAL, none naming a crash. */
export function checkStackLog(logPath: string, stderrText = ''): LogHealth {
  const problems: string[] = [];
  const events: Record<string, number> = {};
  const lines = readFileSync(logPath, 'utf8').split('\n').filter((line) => line.trim() !== '');
  for (const line of lines) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      problems.push(`not a JSON log line: ${line.slice(0, 200)}`);
      continue;
    }
    const event = String(entry['event']);
    events[event] = (events[event] ?? 0) + 1;
    if (entry['severity'] === 'CRITICAL') problems.push(`CRITICAL: ${line.slice(0, 300)}`);
    if (CRASH_PATTERN.test(line)) problems.push(`crash in log: ${line.slice(0, 300)}`);
  }
  for (const line of stderrText.split('\n')) if (CRASH_PATTERN.test(line)) problems.push(`crash on stderr: ${line.slice(0, 300)}`);
  return { lines: lines.length, events, problems };
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

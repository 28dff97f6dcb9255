import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Firestore } from '@google-cloud/firestore';
import { inject } from 'vitest';
import { EMULATOR_PROJECT_ID } from '../../shared/platform/config';
import { closeAfterFile } from './fileCleanup';

export interface StackTarget {
  baseUrl: string;
  firestoreHost: string;
  stackLogPath: string;
}

let target: StackTarget | undefined;

/**
 * Points this file's helpers (post, send, testFirestore, the stack's log) at another stack and its emulator: the
 * file's own (ownStack.ts) instead of the one globalSetup.ts starts for every file. Each file has its own modules.
 */
export function useStack(own: StackTarget): void {
  if (db) throw new Error('useStack comes before the first testFirestore(): that client talks to the shared emulator');
  target = own;
  // The Firestore client takes FIRESTORE_EMULATOR_HOST over its host setting, and globalSetup.ts set it for
  // every worker: this file's worker (and what it spawns without saying otherwise) now means the file's emulator.
  process.env['FIRESTORE_EMULATOR_HOST'] = own.firestoreHost;
}

/** The running stack's URL (see globalSetup.ts). */
export const baseUrl = () => target?.baseUrl ?? inject('baseUrl');
const firestoreHost = () => target?.firestoreHost ?? inject('firestoreHost');
const stackLogPath = () => target?.stackLogPath ?? inject('stackLogPath');

let db: Firestore | undefined;

/** The real Firestore client, against the emulator the stack uses. */
export function testFirestore(): Firestore {
  if (!db) {
    db = new Firestore({ projectId: EMULATOR_PROJECT_ID, host: firestoreHost(), ssl: false });
    closeAfterFile(closeTestFirestore);
  }
  return db;
}

/** Closes the client's channels so that the test worker can exit (see fileSetup.ts). */
export async function closeTestFirestore(): Promise<void> {
  await db?.terminate();
  db = undefined;
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
}

export async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<PostResult> {
  return send(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
}

export async function send(path: string, init: RequestInit): Promise<PostResult> {
  const response = await fetch(`${baseUrl()}${path}`, init);
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

/** Every JSON log line the stack has written so far. */
export function stackLogLines(): Array<Record<string, unknown>> {
  return readFileSync(stackLogPath(), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function stackLogText(): string {
  return readFileSync(stackLogPath(), 'utf8');
}

/** Posts push bodies with bounded concurrency; every one must be acknowledged. */
export async function ingestAll(deliveries: Array<{ path: string; body: unknown }>, concurrency = 25): Promise<void> {
  let next = 0;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries.length) {
        const delivery = deliveries[next++]!;
        const answer = await post(delivery.path, delivery.body);
        if (answer.status !== 200 || !['stored', 'duplicate'].includes(answer.body['outcome'] as string)) {
          failures.push(`${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
        }
      }
    }),
  );
  if (failures.length > 0) throw new Error(`${failures.length} deliveries not stored, first: ${failures[0]}`);
}

export async function getJson(path: string): Promise<PostResult> {
  return send(path, { method: 'GET' });
}

/** A GET of exactly this path: fetch would resolve '..' segments before sending them. */
export function rawGet(path: string): Promise<PostResult> {
  const url = new URL(baseUrl());
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        let body: Record<string, unknown> = {};
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          body = { text };
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

/**
 * The stack's log lines once `ready` holds for them: its stdout reaches the file through a pipe and a write
 * stream, sooner or later depending on how busy the machine is. Fails, listing nothing, after `timeoutMs`.
 */
export async function waitForStackLog(
  ready: (lines: Array<Record<string, unknown>>) => boolean,
  timeoutMs = 15_000,
): Promise<Array<Record<string, unknown>>> {
  const started = performance.now();
  for (;;) {
    const lines = stackLogLines();
    if (ready(lines)) return lines;
    if (performance.now() - started > timeoutMs) throw new Error(`The stack's log did not hold the lines awaited within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

import { readFileSync } from 'node:fs';
import { Firestore } from '@google-cloud/firestore';
import { inject } from 'vitest';
import { EMULATOR_PROJECT_ID } from '../../shared/platform/config';

/** The running stack's URL (see globalSetup.ts). */
export const baseUrl = () => inject('baseUrl');

let db: Firestore | undefined;

/** The real Firestore client, against the emulator the stack uses. */
export function testFirestore(): Firestore {
  db ??= new Firestore({ projectId: EMULATOR_PROJECT_ID, host: inject('firestoreHost'), ssl: false });
  return db;
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
  return readFileSync(inject('stackLogPath'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function stackLogText(): string {
  return readFileSync(inject('stackLogPath'), 'utf8');
}

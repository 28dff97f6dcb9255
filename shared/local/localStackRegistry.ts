import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a running `npm start` tells the local tools (replay-quarantine) what they cannot guess: the port of its
 * embedded Firestore emulator, which changes on every start. One small file per port, removed at stop.
 */
export interface LocalStackRecord {
  url: string;
  firestoreHost: string;
  pid: number;
}

const recordPath = (port: number) => join(tmpdir(), `conversation-history-local-stack-${port}.json`);

export function registerLocalStack(port: number, record: LocalStackRecord): () => void {
  const path = recordPath(port);
  writeFileSync(path, JSON.stringify(record));
  return () => rmSync(path, { force: true });
}

/** The stack recorded for a local URL, if one is running there (its process still alive). */
export function findLocalStack(url: string): LocalStackRecord | undefined {
  const parsed = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) return undefined;
  try {
    const record = JSON.parse(readFileSync(recordPath(Number(parsed.port || 80)), 'utf8')) as LocalStackRecord;
    process.kill(record.pid, 0);
    return record;
  } catch {
    return undefined;
  }
}

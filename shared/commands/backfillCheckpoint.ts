import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BackfillCheckpoint } from '../domain/backfillRun';

/**
 * The backfill's checkpoint as a local JSON file, beside what it was made for (parent, --since, --until and the
 * Firestore it wrote to), so that a resume with other arguments is refused instead of skipping what it never
 * stored. Written whole to a temporary file, flushed to disk, then renamed over the old one: a crash at any
 * point leaves the previous checkpoint or the new one, never half of either.
 */
export interface CheckpointFile {
  version: 2;
  run: BackfillRunIdentity;
  checkpoint: BackfillCheckpoint;
}

export interface BackfillRunIdentity {
  parent: string;
  since: string | null;
  until: string | null;
  target: string;
}

export function readCheckpointFile(path: string): CheckpointFile | undefined {
  if (!existsSync(path)) return undefined;
  const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<CheckpointFile>;
  const checkpoint = file.checkpoint;
  const isStrings = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (file.version !== 2 || !file.run || !checkpoint || typeof checkpoint.complete !== 'boolean' || !isStrings(checkpoint.storedAhead) || !isStrings(checkpoint.failed)) {
    throw new Error(`${path} is not a checkpoint of this backfill (version 2)`);
  }
  return file as CheckpointFile;
}

export function writeCheckpointFile(path: string, file: CheckpointFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, `${JSON.stringify(file)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  // The rename itself is made durable by flushing the directory that holds it.
  const directory = openSync(dirname(path), 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

export function sameRun(a: BackfillRunIdentity, b: BackfillRunIdentity): boolean {
  return a.parent === b.parent && a.since === b.since && a.until === b.until && a.target === b.target;
}

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedFirestore } from '../shared/local/embeddedFirestore';
import { startDialogflowDouble, type DialogflowDouble } from '../test/support/dialogflowDouble';

/**
 * `npm run backfill` as an operator runs it (its own process, Google's official client over HTTP to the
 * Dialogflow double), measured from outside:
 * - throughput: a generated listing stored into the embedded Firestore, the double answering every call after
 *   `latencyMs`, beside the double's own floor (concurrency / latency: what the run would reach if nothing but
 *   Dialogflow's latency took time);
 * - memory: a generated listing of `conversations` with --list-only (the store keeps nothing and reads nothing,
 *   so that the figure is the backfill's own), its resident set read from /proc as the listing goes.
 */
export interface BackfillCommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Resident set (MiB) when 25%, 50%, 75% and all of the listing had been served, and the peak (VmHWM). */
  rssMiB: { atQuarter: number; atHalf: number; atThreeQuarters: number; atEnd: number; peak: number };
}

const PARENT = 'projects/bench-backfill/locations/global';

export async function runBackfillCommand(double: DialogflowDouble, total: number, args: string[], env: Record<string, string>): Promise<BackfillCommandResult> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/commands/backfill.ts', '--parent', PARENT, '--endpoint', double.url, ...args], {
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-20_000)));
  const rss = { atQuarter: 0, atHalf: 0, atThreeQuarters: 0, atEnd: 0, peak: 0 };
  const pages = Math.ceil(total / 100);
  const sample = () => {
    const status = readStatus(child.pid!);
    if (!status) return;
    const served = double.counts.conversationsList;
    if (served >= pages * 0.25 && !rss.atQuarter) rss.atQuarter = status.rss;
    if (served >= pages * 0.5 && !rss.atHalf) rss.atHalf = status.rss;
    if (served >= pages * 0.75 && !rss.atThreeQuarters) rss.atThreeQuarters = status.rss;
    if (served >= pages) rss.atEnd = status.rss;
    rss.peak = Math.max(rss.peak, status.peak);
  };
  const sampler = setInterval(sample, 200);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  return { code, stdout, stderr, seconds: (performance.now() - started) / 1000, rssMiB: rss };
}

/** VmRSS and VmHWM of a process, in MiB (Linux); undefined once it has gone. */
function readStatus(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/** The run's own rate, from its last stderr line ("... in 12.3 s, 81.2 conversations/s"). */
export function reportedRate(stderr: string): number {
  return Number(/([\d.]+) conversations\/s$/m.exec(stderr)?.[1] ?? NaN);
}

export async function benchBackfillThroughput(options: { conversations: number; concurrency: number; latencyMs: number }) {
  const firestore = await startEmbeddedFirestore();
  const double = await startDialogflowDouble();
  try {
    double.generate({ parent: PARENT, count: options.conversations, messagesPerConversation: 3 });
    double.delayMs = options.latencyMs;
    const checkpoint = join(mkdtempSync(join(tmpdir(), 'bench-backfill-')), 'checkpoint.json');
    const run = await runBackfillCommand(double, options.conversations, ['--qps', '1000', '--concurrency', String(options.concurrency), '--checkpoint', checkpoint], {
      FIRESTORE_EMULATOR_HOST: firestore.host,
      GOOGLE_CLOUD_PROJECT: 'demo-bench-backfill',
    });
    if (run.code !== 0) throw new Error(`backfill exited ${run.code}: ${run.stdout}\n${run.stderr}`);
    const perSecond = reportedRate(run.stderr);
    const floorPerSecond = options.concurrency / (options.latencyMs / 1000);
    return { ...options, perSecond, floorPerSecond, ratioToFloor: perSecond / floorPerSecond, mostCallsAtOnce: double.maxInFlight, rssMiB: run.rssMiB };
  } finally {
    await double.close();
    await firestore.stop();
  }
}

export async function benchBackfillMemory(options: { conversations: number; concurrency: number }) {
  const double = await startDialogflowDouble();
  try {
    double.keepRequests = false;
    double.generate({ parent: PARENT, count: options.conversations, messagesPerConversation: 1 });
    const run = await runBackfillCommand(double, options.conversations, ['--list-only', '--qps', '10000', '--concurrency', String(options.concurrency)], {});
    if (run.code !== 0) throw new Error(`backfill exited ${run.code}: ${run.stdout}\n${run.stderr}`);
    return { ...options, perSecond: reportedRate(run.stderr), seconds: run.seconds, rssMiB: run.rssMiB, summary: run.stdout.trim().split('\n')[0]! };
  } finally {
    await double.close();
  }
}

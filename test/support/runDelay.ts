import { readFileSync } from 'node:fs';

/**
 * How long a process was ready to run but had no CPU: its main thread's run-queue wait, which Linux reports
 * in /proc/<pid>/schedstat (nanoseconds, second field). On a loaded machine a timer due in 1 s fires when the
 * process next gets a CPU, seconds later; that wait is the machine's, not the process's. A bound on how long a
 * process takes (to exit after SIGTERM, to answer within its deadline) subtracts it, and so holds what the
 * process does whatever else the machine is doing. Undefined where the platform does not report it (then
 * nothing is subtracted and the bound is as strict as the wall clock).
 */
export function runQueueWaitMs(pid: number): number | undefined {
  try {
    const [, waitNs] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
    const ms = Number(waitNs) / 1e6;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

export interface RunDelayTracker {
  /** The run-queue wait since the tracker started, up to the last sample while the process was alive. */
  waitedMs(): number;
  stop(): number;
}

/**
 * Samples a process's run-queue wait every `everyMs` from now on: once it has exited its /proc entry is gone,
 * so the last sample taken while it ran counts (what it waited in its last few milliseconds is not subtracted,
 * which only makes a bound stricter).
 */
export function trackRunDelay(pid: number | undefined, everyMs = 20): RunDelayTracker {
  const first = pid === undefined ? undefined : runQueueWaitMs(pid);
  let last = first;
  const sample = () => {
    const now = pid === undefined ? undefined : runQueueWaitMs(pid);
    if (now !== undefined) last = now;
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  const waitedMs = () => (first === undefined || last === undefined ? 0 : last - first);
  return {
    waitedMs() {
      sample();
      return waitedMs();
    },
    stop() {
      sample();
      clearInterval(timer);
      return waitedMs();
    },
  };
}

/**
 * Waits until `pid` has had `ms` of its own time: the wall clock less its run-queue wait. On a quiet machine
 * that is `ms`; on a loaded one, as long as the process needs to get that far.
 */
export async function sleepOwnTime(pid: number | undefined, ms: number): Promise<void> {
  const started = performance.now();
  const waiting = trackRunDelay(pid, 10);
  try {
    while (performance.now() - started - waiting.waitedMs() < ms) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    waiting.stop();
  }
}

/**
 * Progress of a long command: on a terminal, one line redrawn in place (a bar, counts, rate, time left);
 * otherwise (a log, CI) a plain line every `everyMs`, so that logs stay readable. A total not known yet (a
 * listing still being read) is undefined: the line gives counts and the rate, without a bar or time left.
 */
export interface Progress {
  update(done: number, detail?: string): void;
  /** Ends the line on a terminal; prints the last plain line otherwise. */
  finish(): void;
}

export function createProgress(options: { total: number | undefined; unit: string; stream?: NodeJS.WriteStream; everyMs?: number; now?: () => number }): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => Date.now());
  const started = now();
  const tty = stream.isTTY === true;
  const everyMs = options.everyMs ?? 5000;
  let lastPlain = 0;
  let last = { done: 0, detail: '' };

  const line = () => {
    const { done, detail } = last;
    const seconds = (now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const { total } = options;
    if (total === undefined) return [`${done} ${options.unit}`, ...(detail ? [detail] : []), `${rate.toFixed(1)}/s`].join(', ');
    const left = rate > 0 ? (total - done) / rate : undefined;
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    const parts = [`${done}/${total} ${options.unit}`, ...(detail ? [detail] : []), `${rate.toFixed(1)}/s`, `ETA ${left === undefined ? '?' : formatDuration(left)}`];
    if (!tty) return `${percent}% ${parts.join(', ')}`;
    const width = 24;
    const filled = Math.round((width * percent) / 100);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}% ${parts.join(', ')}`;
  };

  return {
    update(done, detail = '') {
      last = { done, detail };
      if (tty) {
        stream.write(`\r\u001b[2K${line()}`);
      } else if (now() - lastPlain >= everyMs) {
        lastPlain = now();
        stream.write(`${line()}\n`);
      }
    },
    finish() {
      stream.write(tty ? `\r\u001b[2K${line()}\n` : `${line()}\n`);
    },
  };
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

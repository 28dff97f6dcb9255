/**
 * Stops what a local command started when it is interrupted (Ctrl-C) or
 * terminated (SIGTERM, SIGHUP), in the reverse order it was started, then exits.
 * Installed before anything starts, so that a signal during start-up stops
 * whatever had already started.
 */
export function createShutdown() {
  const stoppers: Array<() => Promise<void>> = [];
  let stopping: Promise<void> | undefined;

  const stopAll = () =>
    (stopping ??= (async () => {
      for (const stop of stoppers.reverse()) {
        await stop().catch((error: Error) => process.stderr.write(`While stopping: ${error.message}\n`));
      }
    })());

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      process.stderr.write(`\nReceived ${signal}; finishing requests in flight and stopping.\n`);
      void stopAll().then(() => process.exit(0));
    });
  }

  return {
    /** Registers something to stop; returns it, so that start-up reads as a list of what starts. */
    add<T extends { stop(): Promise<void> | void }>(started: T): T {
      stoppers.push(async () => started.stop());
      return started;
    },
    /** Stops everything (a failed start-up), then exits with `code`. */
    async exit(code: number): Promise<never> {
      await stopAll();
      process.exit(code);
    },
  };
}

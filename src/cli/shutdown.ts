import type { Logger } from 'pino';

/**
 * SIGTERM/SIGINT: log `shutting down` with the signal, close() once, exit 0 (or log `shutdown
 * failed` and exit 1). A second signal while closing gives up on the drain: exit 1 at once.
 * Without a logger (the sandbox) nothing is logged.
 */
export function closeOnSignal(close: () => Promise<void>, log?: Pick<Logger, 'info' | 'warn' | 'error'>) {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      log?.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      process.exit(1);
    }
    closing = true;
    log?.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log?.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

import type { Logger } from 'pino';
import type { FaultHook } from '../context.js';

/** What a process's worker is given for LAYERS_TEST_PAUSE: a fault hook per worker, bound to its stop signal. */
export type TestPause = (log: Pick<Logger, 'warn'>, stopping: AbortSignal) => FaultHook;

/**
 * Test-only: `LAYERS_TEST_PAUSE=publisher:after-claim` holds a real process's worker at that
 * fault point (the first time it is reached) until the process shuts down, and logs
 * `{"testPause": point}` when it gets there — so a test can SIGTERM or SIGKILL a worker that is
 * provably mid-pass. Parsed with the configuration (src/config.ts), which refuses it outside NODE_ENV=test.
 */
export function testPause(point: string): TestPause {
  return (log, stopping) => {
    let reached = false;
    return async (at) => {
      if (at !== point || reached) return;
      reached = true;
      log.warn({ testPause: at }, 'test pause: holding the worker until shutdown');
      if (!stopping.aborted)
        await new Promise((resolve) => stopping.addEventListener('abort', resolve, { once: true }));
    };
  };
}

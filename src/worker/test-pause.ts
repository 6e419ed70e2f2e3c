import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import type { FaultHook } from '../context.js';

/**
 * Test-only: `LAYERS_TEST_PAUSE=publisher:after-claim` holds a real process's worker at that
 * fault point (the first time it is reached) until the process shuts down, and logs
 * `{"testPause": point}` when it gets there — so a test can SIGTERM or SIGKILL a worker that is
 * provably mid-pass. Honoured only with NODE_ENV=test; anywhere else it stops the start-up.
 */
export function testPauseFromEnv(spec: string | undefined, nodeEnv: string) {
  if (!spec) return undefined;
  if (nodeEnv !== 'test')
    throw new ConfigError('Invalid configuration:\n  LAYERS_TEST_PAUSE is honoured only with NODE_ENV=test');
  return (log: Pick<Logger, 'warn'>, stopping: AbortSignal): FaultHook => {
    let reached = false;
    return async (point) => {
      if (point !== spec || reached) return;
      reached = true;
      log.warn({ testPause: point }, 'test pause: holding the worker until shutdown');
      if (!stopping.aborted)
        await new Promise((resolve) => stopping.addEventListener('abort', resolve, { once: true }));
    };
  };
}

import { ConfigError } from './config.js';
import type { FaultHook } from './context.js';

/**
 * Test-only fault injection into a real server process, for tests that need a 500 from outside
 * (the SDKs' retry tests). `LAYERS_TEST_FAULTS="revoke:before-commit:1"` makes the next 1 pass
 * through the service fault point `revoke:before-commit` throw, so that request rolls back and
 * answers 500 INTERNAL. Several: comma-separated. `<point>:pause` instead holds the next pass
 * there forever (its transaction open) after printing `{"testFault":"paused","point":…}` on
 * stderr: crash tests kill -9 the process at that exact point. Honoured only with NODE_ENV=test;
 * set in any other environment it stops the start-up, so it can never reach production unnoticed.
 */
export function faultHookFromEnv(spec: string | undefined, nodeEnv: string): FaultHook | undefined {
  if (!spec) return undefined;
  if (nodeEnv !== 'test')
    throw new ConfigError('Invalid configuration:\n  LAYERS_TEST_FAULTS is honoured only with NODE_ENV=test');
  const remaining = new Map<string, number>();
  const pauses = new Set<string>();
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(.+):(\d+|pause)$/.exec(item);
    if (!m)
      throw new ConfigError(
        `Invalid configuration:\n  LAYERS_TEST_FAULTS: "${item}" is not <point>:<count> or <point>:pause`,
      );
    if (m[2] === 'pause') pauses.add(m[1]!);
    else remaining.set(m[1]!, (remaining.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return (point: string) => {
    if (pauses.delete(point)) {
      process.stderr.write(`${JSON.stringify({ testFault: 'paused', point })}\n`);
      return new Promise<void>(() => {});
    }
    const left = remaining.get(point) ?? 0;
    if (left <= 0) return;
    remaining.set(point, left - 1);
    throw new Error(`injected test fault at ${point}`);
  };
}

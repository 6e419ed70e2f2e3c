/**
 * Test-only fault injection: services call `fault(point)` at named points inside their
 * transaction; a test makes it throw to prove the transaction rolls back. Absent in production.
 */
export type FaultHook = (point: string) => void | Promise<void>;

/**
 * Test-only fault injection into a real server process, for tests that need a 500 from outside
 * (the SDKs' retry tests). `LAYERS_TEST_FAULTS="revoke:before-commit:1"` makes the next 1 pass
 * through the service fault point `revoke:before-commit` throw, so that request rolls back and
 * answers 500 INTERNAL. Several: comma-separated. `<point>:pause` instead holds the next pass
 * there forever (its transaction open) after printing `{"testFault":"paused","point":…}` on
 * stderr: crash tests kill -9 the process at that exact point. Parsed with the configuration
 * (src/config.ts), which refuses it outside NODE_ENV=test; unset, no hook is installed at all.
 */
export type TestFaults = ReadonlyArray<{ point: string; times: number | 'pause' }>;

/** Throws (a plain Error; loadConfig reports it as invalid configuration) on a malformed item. */
export function parseTestFaults(spec: string): TestFaults {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^(.+):(\d+|pause)$/.exec(item);
      if (!m) throw new Error(`"${item}" is not <point>:<count> or <point>:pause`);
      return { point: m[1]!, times: m[2] === 'pause' ? 'pause' : Number(m[2]) };
    });
}

/** The hook a process's services call at their fault points; its counts are its own. */
export function testFaultHook(faults: TestFaults): FaultHook {
  const remaining = new Map<string, number>();
  const pauses = new Set<string>();
  for (const { point, times } of faults) {
    if (times === 'pause') pauses.add(point);
    else remaining.set(point, (remaining.get(point) ?? 0) + times);
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

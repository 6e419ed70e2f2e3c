/**
 * Exponential back-off with "equal jitter": half the step fixed, half random, capped. Attempt 1
 * waits base/2–base; each later one doubles, up to the cap. `random` is [0, 1) (tests pin it).
 */
export function backoffMs(attempt: number, opts: { baseMs: number; capMs: number; random: () => number }): number {
  const step = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + opts.random() * (step / 2));
}

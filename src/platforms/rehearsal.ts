import { AsyncLocalStorage } from 'node:async_hooks';

// Faults a partner rehearses on a test account (PUT /v1/social-accounts/:id/test-faults,
// docs/platform-rules.md "Rehearsing faults"). The worker takes one for a publish attempt of a
// test account and runs the attempt inside `withRehearsedFault`; only adapters built for the
// sandbox (createSandboxAdapters) read it and send it as the X-Sandbox-Fault header, which the
// sandbox platform answers like the real platform's error. Live adapters never read it.

export const REHEARSABLE_FAULTS = [
  'token_expired',
  'token_invalid',
  'rate_limited',
  'server_error',
  'slow_moderation',
  'timeout_after_accept',
] as const;
export type RehearsableFault = (typeof REHEARSABLE_FAULTS)[number];

export type RehearsedFault = { fault: RehearsableFault; retryAfterSeconds?: number; delaySeconds?: number };

export const SANDBOX_FAULT_HEADER = 'x-sandbox-fault';

const current = new AsyncLocalStorage<RehearsedFault>();

/** Runs `fn` (one publish attempt) with `fault` armed for the sandbox calls it makes. */
export function withRehearsedFault<T>(fault: RehearsedFault | undefined, fn: () => Promise<T>): Promise<T> {
  return fault ? current.run(fault, fn) : fn();
}

/** The header sandbox adapters add to each call: `rate_limited; retry-after=30`. */
export function sandboxFaultHeaders(): Record<string, string> | undefined {
  const f = current.getStore();
  if (!f) return undefined;
  const params = [
    f.retryAfterSeconds !== undefined ? `retry-after=${f.retryAfterSeconds}` : undefined,
    f.delaySeconds !== undefined ? `delay=${f.delaySeconds}` : undefined,
  ].filter(Boolean);
  return { [SANDBOX_FAULT_HEADER]: [f.fault, ...params].join('; ') };
}

/** The sandbox's reading of the header; undefined when absent or malformed (then it is ignored). */
export function parseSandboxFaultHeader(value: string | string[] | undefined): RehearsedFault | undefined {
  if (typeof value !== 'string') return undefined;
  const [name, ...params] = value.split(';').map((s) => s.trim());
  if (!REHEARSABLE_FAULTS.includes(name as RehearsableFault)) return undefined;
  const fault: RehearsedFault = { fault: name as RehearsableFault };
  for (const p of params) {
    const [k, v] = p.split('=');
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) continue;
    if (k === 'retry-after') fault.retryAfterSeconds = n;
    if (k === 'delay') fault.delaySeconds = n;
  }
  return fault;
}

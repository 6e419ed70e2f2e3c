import { after, afterEach, before } from 'node:test';
import { pino } from 'pino';
import { createSandboxAdapters, type Platform, type PlatformAdapters } from '../../src/platforms/index.js';
import { type SandboxPlatform, startSandboxPlatform } from '../../src/platforms/sandbox/server.js';
import type { WorkerDeps } from '../../src/worker/index.js';
import type { Harness, Tenant } from '../harness.js';

// 2 s: the sandbox answers on loopback in milliseconds; only fault tests wait for a timeout,
// and they build their own adapters with a shorter one.
const TEST_PLATFORM_TIMEOUT_MS = 2_000;

export type SandboxFixture = { sandbox: SandboxPlatform; adapters: PlatformAdapters };

/** A real sandbox platform on 127.0.0.1, port 0, for the enclosing suite; faults disarmed after each test. */
export function useSandbox(): SandboxFixture {
  const fx = {} as SandboxFixture;
  before(async () => {
    fx.sandbox = await startSandboxPlatform({ port: 0 });
    fx.adapters = createSandboxAdapters(fx.sandbox.url, { timeoutMs: TEST_PLATFORM_TIMEOUT_MS });
  });
  afterEach(() => fx.sandbox.clearFaults());
  after(() => fx.sandbox.close());
  return fx;
}

/** Worker dependencies on the harness's database and clock, talking to the sandbox. */
export function workerDeps(h: Harness, fx: SandboxFixture, overrides: Partial<WorkerDeps> = {}): WorkerDeps {
  const ctx = h.adminCtx();
  return {
    db: ctx.db,
    clock: h.clock,
    tokenCrypto: ctx.tokenCrypto,
    adapters: fx.adapters,
    log: pino({ level: 'silent' }),
    ...overrides,
  };
}

/** A connected account holding a token the sandbox really issued, expiring at `expiresAt`. */
export async function sandboxAccount(h: Harness, t: Tenant, fx: SandboxFixture, platform: Platform, expiresAt: Date) {
  const id = await h.account(t, { platform });
  const { token, externalAccountId } = fx.sandbox.issueToken(platform);
  await h.setAccountToken(id, token, expiresAt);
  // Instagram publishes under the user id: the account must name the one the grant belongs to.
  await h.db
    .updateTable('social_accounts')
    .set({ external_account_id: externalAccountId })
    .where('id', '=', id)
    .execute();
  return { id, token, externalAccountId };
}

/** A promise and the function that resolves it: to hold a worker at a fault point. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

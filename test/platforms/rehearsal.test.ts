import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from '../../src/platforms/http.js';
import {
  createPlatformAdapters,
  isPlatformError,
  type PlatformAdapters,
  withRehearsedFault,
} from '../../src/platforms/index.js';
import { parseSandboxFaultHeader, SANDBOX_FAULT_HEADER } from '../../src/platforms/rehearsal.js';
import { SANDBOX_CLIENTS } from '../../src/platforms/sandbox/clients.js';
import { useSandbox } from '../support/sandbox.js';

// Rehearsed faults at the adapter boundary (docs/platform-rules.md "Rehearsing faults"): only the
// sandbox adapters send X-Sandbox-Fault; live adapters cannot, even pointed at the sandbox and
// called inside a rehearsal. No database: run once.

describe('platforms: rehearsed faults reach the sandbox only through sandbox adapters', () => {
  const fx = useSandbox();
  const liveAdapters = (): PlatformAdapters =>
    createPlatformAdapters({
      tiktok: { baseUrl: fx.sandbox.url, ...SANDBOX_CLIENTS.tiktok },
      instagram: { baseUrl: fx.sandbox.url, ...SANDBOX_CLIENTS.instagram },
      sandbox: { start: false, port: 0, url: fx.sandbox.url },
      timeoutMs: 2000,
      missingCredentials: [],
    });
  const post = (externalAccountId: string) => ({
    externalAccountId,
    mediaUrls: ['https://cdn.example.com/a.jpg'],
    caption: null,
    mode: 'publish' as const,
  });

  for (const platform of ['tiktok', 'instagram'] as const) {
    it(`${platform}: inside a rehearsal the sandbox adapter sends the header and gets the fault; the live adapter sends nothing and publishes`, async () => {
      const { token, externalAccountId } = fx.sandbox.issueToken(platform);
      const key = `rehearsal-${platform}-${Date.now()}`;
      const rehearsal = { fault: 'server_error' as const };
      await assert.rejects(
        withRehearsedFault(rehearsal, () => fx.adapters[platform].publish(token, post(externalAccountId), key)),
        (err) => isPlatformError(err) && err.kind === 'RETRYABLE' && err.status === 503,
      );
      const live = await withRehearsedFault(rehearsal, () =>
        liveAdapters()[platform].publish(token, post(externalAccountId), `${key}-live`),
      );
      assert.ok(live.externalId);
      const carried = fx.sandbox.log.filter((c) => c.idempotencyKey?.startsWith(key));
      const [sandboxCalls, liveCalls] = [
        carried.filter((c) => !c.idempotencyKey!.includes('-live')),
        carried.filter((c) => c.idempotencyKey!.includes('-live')),
      ];
      assert.deepEqual(
        sandboxCalls.map((c) => [c.status, c.rehearsal]),
        [[503, 'server_error']],
      );
      assert.ok(liveCalls.length > 0);
      assert.ok(
        liveCalls.every((c) => c.rehearsal === undefined && c.fault === undefined && c.status === 200),
        JSON.stringify(liveCalls),
      );
      // Outside a rehearsal the sandbox adapter sends no header either.
      await fx.adapters[platform].publish(token, post(externalAccountId), `${key}-plain`);
      assert.ok(fx.sandbox.log.filter((c) => c.idempotencyKey?.startsWith(`${key}-plain`)).every((c) => !c.rehearsal));
    });
  }

  it('rate_limited: the sandbox answers 429 with Retry-After, and the PlatformError carries it', async () => {
    const { token, externalAccountId } = fx.sandbox.issueToken('tiktok');
    await assert.rejects(
      withRehearsedFault({ fault: 'rate_limited', retryAfterSeconds: 42 }, () =>
        fx.adapters.tiktok.publish(token, post(externalAccountId), `rl-${Date.now()}`),
      ),
      (err) => isPlatformError(err) && err.kind === 'RETRYABLE' && err.status === 429 && err.retryAfterMs === 42_000,
    );
    // The control plane arms it too (default Retry-After 60 s), answered like Graph's code 4.
    fx.sandbox.setFault({ endpoint: 'instagram.media', mode: 'rate_limited', count: 1 });
    const ig = fx.sandbox.issueToken('instagram');
    await assert.rejects(
      fx.adapters.instagram.publish(ig.token, post(ig.externalAccountId), `rl-ig-${Date.now()}`),
      (err) =>
        isPlatformError(err) && err.kind === 'RETRYABLE' && err.platformCode === '4' && err.retryAfterMs === 60_000,
    );
  });

  it('Retry-After: delay-seconds or an HTTP date, clamped to [0, 1 day]; anything else ignored', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Fri, 04 Dec 2026 12:01:30 GMT', now), 90_000);
    assert.equal(parseRetryAfter('Fri, 04 Dec 2026 11:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('999999', now), 24 * 3600 * 1000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('-5', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it('the header: known faults with their parameters; anything else is ignored', () => {
    assert.equal(SANDBOX_FAULT_HEADER, 'x-sandbox-fault');
    assert.deepEqual(parseSandboxFaultHeader('rate_limited; retry-after=30'), {
      fault: 'rate_limited',
      retryAfterSeconds: 30,
    });
    assert.deepEqual(parseSandboxFaultHeader('slow_moderation; delay=5'), {
      fault: 'slow_moderation',
      delaySeconds: 5,
    });
    assert.equal(parseSandboxFaultHeader('drop_table'), undefined);
    assert.equal(parseSandboxFaultHeader(undefined), undefined);
  });
});

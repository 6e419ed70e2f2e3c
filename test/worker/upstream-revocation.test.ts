import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SANDBOX_CLIENTS } from '../../src/platforms/sandbox/clients.js';
import { createTikTokAdapter } from '../../src/platforms/tiktok.js';
import { runOnce, startWorker } from '../../src/worker/index.js';
import {
  MAX_ATTEMPTS,
  RETRY_BASE_MS,
  RETRY_CAP_MS,
  runUpstreamRevocations,
} from '../../src/worker/upstream-revocation.js';
import { describeEachDb, type Harness, json, type Tenant } from '../harness.js';
import { gate, type SandboxFixture, sandboxAccount, useSandbox, workerDeps } from '../support/sandbox.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DAY = 24 * 3600 * 1000;
// Beyond the longest back-off step and the claim lease: every pending job is due again.
const PAST_BACKOFF_MS = RETRY_CAP_MS + 5 * 60 * 1000;

describeEachDb('worker: upstream revocation', (h) => {
  const fx = useSandbox();

  async function revoke(t: Tenant, id: string) {
    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
  }
  const view = async (t: Tenant, id: string) =>
    json(await h.inject({ method: 'GET', url: `/v1/social-accounts/${id}`, headers: t.auth }));
  const job = (id: string) =>
    h.db.selectFrom('upstream_revocations').selectAll().where('social_account_id', '=', id).executeTakeFirstOrThrow();
  const revokeCalls = (token: string) => fx.sandbox.calls('tiktok.revoke').filter((c) => c.token === token);

  /** Runs passes, moving the clock past every back-off, until the account's job is settled. */
  async function runUntilSettled(h: Harness, fx: SandboxFixture, id: string, start: Date, maxPasses = 20) {
    for (let pass = 1; pass <= maxPasses; pass++) {
      h.clock.set(new Date(start.getTime() + pass * PAST_BACKOFF_MS));
      await runOnce(workerDeps(h, fx));
      if ((await job(id)).status !== 'pending') return pass;
    }
    assert.fail(`job of ${id} still pending after ${maxPasses} passes: ${JSON.stringify(await job(id))}`);
  }

  it('revoke through the API → one worker pass → the grant is revoked upstream and GET says so', async () => {
    const t = await h.tenant();
    const { id, token } = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    await revoke(t, id);
    const pending = await job(id);
    assert.equal(pending.status, 'pending');
    assert.ok(pending.token_ciphertext, 'the revoke hands the sealed token to the job');
    assert.equal((await view(t, id)).upstreamRevocation.status, 'pending');

    const pass = await runOnce(workerDeps(h, fx));
    assert.ok('claimed' in pass.upstreamRevocations && pass.upstreamRevocations.revoked! >= 1, JSON.stringify(pass));
    const upstream = (await view(t, id)).upstreamRevocation;
    assert.equal(upstream.status, 'revoked', JSON.stringify(upstream));
    assert.match(upstream.attemptedAt, TIMESTAMP);
    assert.equal(upstream.lastError, null);
    const calls = revokeCalls(token.accessToken);
    assert.deepEqual(
      calls.map((c) => [c.status, c.known]),
      [[200, true]],
      'the sandbox saw exactly this token revoked, once',
    );
    const settled = await job(id);
    assert.equal(settled.token_ciphertext, null);
    assert.equal(settled.token_wrapped_key, null);
    assert.equal(settled.attempts, 1);
    await assert.rejects(fx.adapters.tiktok.refreshToken(token), /revoked/, 'the grant is really gone upstream');

    // The outcome reaches partners too: a follow-up social_account.revoked event carries it.
    const events = await h.db
      .selectFrom('outbox_events')
      .select('data')
      .where('organization_id', '=', t.organizationId)
      .where('type', '=', 'social_account.revoked')
      .orderBy('seq')
      .execute();
    assert.equal(events.length, 2, 'the revoke’s event, then the upstream outcome’s');
    const update = events[1]!.data as Record<string, unknown>;
    assert.deepEqual(update.upstreamRevocation, upstream);
    assert.equal(update.socialAccountId, id);
    assert.equal(update.disconnectedReason, 'revoked_by_partner');
    assert.equal(update.disconnectedAt, (await view(t, id)).disconnectedAt);
  });

  it('sandbox failing 5xx for a while: retried with back-off, then revoked', async () => {
    const t = await h.tenant();
    const start = new Date();
    await h.atTime(start, async () => {
      const { id, token } = await sandboxAccount(h, t, fx, 'tiktok', new Date(start.getTime() + DAY));
      await revoke(t, id);
      fx.sandbox.setFault({ endpoint: 'tiktok.revoke', mode: '5xx', count: 3 });
      await runOnce(workerDeps(h, fx));
      const failed = await job(id);
      assert.equal(failed.status, 'pending');
      assert.equal(failed.attempts, 1);
      assert.match(failed.last_error ?? '', /503 temporarily_unavailable/);
      const delay = failed.next_attempt_at!.getTime() - start.getTime();
      assert.ok(delay >= RETRY_BASE_MS / 2 && delay <= RETRY_BASE_MS, `first back-off ${delay} ms`);
      const shown = (await view(t, id)).upstreamRevocation;
      assert.deepEqual([shown.status, shown.lastError], ['pending', failed.last_error]);

      await runOnce(workerDeps(h, fx)); // same instant: not due yet, nothing is called
      assert.equal(revokeCalls(token.accessToken).length, 1);

      await runUntilSettled(h, fx, id, start);
      const done = await job(id);
      assert.equal(done.status, 'revoked');
      assert.equal(done.attempts, 4);
      assert.equal(done.last_error, null);
      assert.equal(done.token_ciphertext, null);
      assert.deepEqual(
        revokeCalls(token.accessToken).map((c) => c.status),
        [503, 503, 503, 200],
      );
      assert.equal((await view(t, id)).upstreamRevocation.status, 'revoked');
    });
  });

  it('a timed-out call is retried like a 5xx', async () => {
    const t = await h.tenant();
    const start = new Date();
    await h.atTime(start, async () => {
      const { id, token } = await sandboxAccount(h, t, fx, 'tiktok', new Date(start.getTime() + DAY));
      await revoke(t, id);
      fx.sandbox.setFault({ endpoint: 'tiktok.revoke', mode: 'timeout', count: 1 });
      const quick = createTikTokAdapter({ baseUrl: fx.sandbox.url, ...SANDBOX_CLIENTS.tiktok, timeoutMs: 200 });
      await runUpstreamRevocations(workerDeps(h, fx, { adapters: { ...fx.adapters, tiktok: quick } }));
      assert.match((await job(id)).last_error ?? '', /timed out/);
      await runUntilSettled(h, fx, id, start);
      assert.equal((await job(id)).status, 'revoked');
      assert.deepEqual(
        revokeCalls(token.accessToken).map((c) => c.status),
        [0, 200],
      );
    });
  });

  it(`permanently failing: unconfirmed after ${MAX_ATTEMPTS} attempts, envelope erased, last error kept without the token`, async () => {
    const t = await h.tenant();
    const start = new Date();
    await h.atTime(start, async () => {
      const { id, token } = await sandboxAccount(h, t, fx, 'tiktok', new Date(start.getTime() + DAY));
      await revoke(t, id);
      fx.sandbox.setFault({ endpoint: 'tiktok.revoke', mode: '5xx' });
      await runOnce(workerDeps(h, fx));
      await runUntilSettled(h, fx, id, start);
      const done = await job(id);
      assert.equal(done.status, 'unconfirmed');
      assert.equal(done.attempts, MAX_ATTEMPTS);
      assert.equal(revokeCalls(token.accessToken).length, MAX_ATTEMPTS);
      assert.equal(done.token_ciphertext, null);
      assert.equal(done.token_wrapped_key, null);
      assert.match(done.last_error ?? '', /503/);
      assert.ok(!done.last_error!.includes(token.accessToken) && !done.last_error!.includes(token.refreshToken!));
      const shown = (await view(t, id)).upstreamRevocation;
      assert.deepEqual([shown.status, shown.lastError], ['unconfirmed', done.last_error]);
      assert.match(shown.attemptedAt, TIMESTAMP);
    });
  });

  it('a refusal that retrying cannot fix (our client credentials) is unconfirmed at once', async () => {
    const t = await h.tenant();
    const { id } = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    await revoke(t, id);
    const misconfigured = createTikTokAdapter({
      baseUrl: fx.sandbox.url,
      clientKey: SANDBOX_CLIENTS.tiktok.clientKey,
      clientSecret: 'rotated-away',
    });
    await runUpstreamRevocations(workerDeps(h, fx, { adapters: { ...fx.adapters, tiktok: misconfigured } }));
    const done = await job(id);
    assert.deepEqual([done.status, done.attempts, done.token_ciphertext], ['unconfirmed', 1, null]);
    assert.match(done.last_error ?? '', /invalid_client/);
  });

  it('Instagram: unsupported, nothing called upstream, envelope erased', async () => {
    const t = await h.tenant();
    const { id } = await sandboxAccount(h, t, fx, 'instagram', new Date(Date.now() + 30 * DAY));
    await revoke(t, id);
    const before = fx.sandbox.log.length;
    await runOnce(workerDeps(h, fx));
    const done = await job(id);
    assert.deepEqual(
      [done.status, done.token_ciphertext, done.token_wrapped_key, done.last_error],
      ['unsupported', null, null, null],
    );
    assert.deepEqual((await view(t, id)).upstreamRevocation, {
      status: 'unsupported',
      attemptedAt: null,
      lastError: null,
    });
    assert.equal(fx.sandbox.log.slice(before).filter((c) => c.endpoint.startsWith('instagram.')).length, 0);
  });

  it('a worker that dies after the call is recovered once its lease runs out (RFC 7009 makes the repeat harmless)', async () => {
    const t = await h.tenant();
    const start = new Date();
    await h.atTime(start, async () => {
      const { id, token } = await sandboxAccount(h, t, fx, 'tiktok', new Date(start.getTime() + DAY));
      await revoke(t, id);
      const crash = () => {
        throw new Error('worker killed');
      };
      const died = await runUpstreamRevocations(
        workerDeps(h, fx, {
          fault: async (p) => {
            if (p === 'upstream-revocation:before-record') crash();
          },
        }),
      );
      assert.equal(died.failed, 1, JSON.stringify(died));
      assert.equal((await job(id)).status, 'pending');
      await runOnce(workerDeps(h, fx)); // still leased: nobody touches it
      assert.equal(revokeCalls(token.accessToken).length, 1);
      await runUntilSettled(h, fx, id, start);
      assert.equal((await job(id)).status, 'revoked');
      assert.equal(revokeCalls(token.accessToken).length, 2);
    });
  });

  it('two workers, one held mid-call: the other never claims its jobs; each grant is revoked exactly once', async () => {
    const t = await h.tenant();
    const accounts = [];
    for (let i = 0; i < 12; i++) accounts.push(await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY)));
    for (const a of accounts) await revoke(t, a.id);
    const reached = gate();
    const release = gate();
    const held = runOnce(
      workerDeps(h, fx, {
        fault: async (p) => {
          if (p === 'upstream-revocation:before-record') {
            reached.open();
            await release.opened;
          }
        },
      }),
    );
    await reached.opened; // worker A has claimed its batch and made its calls; its records wait
    const other = await Promise.all([runOnce(workerDeps(h, fx)), runOnce(workerDeps(h, fx))]);
    release.open();
    const first = await held;
    const claimed = [first, ...other].map((p) =>
      'claimed' in p.upstreamRevocations ? p.upstreamRevocations.claimed : NaN,
    );
    assert.equal(
      claimed.reduce((a, b) => a + b, 0),
      12,
      `claims per worker: ${claimed}`,
    );
    for (const a of accounts) {
      assert.equal(revokeCalls(a.token.accessToken).length, 1, `revoke calls for ${a.id}`);
      assert.equal((await job(a.id)).status, 'revoked');
    }
  });

  it('two workers racing passes: every job revoked, each exactly once', async () => {
    const t = await h.tenant();
    const accounts = [];
    for (let i = 0; i < 25; i++) accounts.push(await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY)));
    for (const a of accounts) await revoke(t, a.id);
    for (let round = 0; round < 4; round++) await Promise.all([runOnce(workerDeps(h, fx)), runOnce(workerDeps(h, fx))]);
    for (const a of accounts) {
      assert.equal((await job(a.id)).status, 'revoked', a.id);
      assert.equal(revokeCalls(a.token.accessToken).length, 1, `revoke calls for ${a.id}`);
    }
  });

  it('startWorker: passes run on their own until stop(), which waits for the pass in flight', async () => {
    const t = await h.tenant();
    const { id } = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    await revoke(t, id);
    let clockReads = 0; // every pass reads the clock; none may after stop()
    const worker = startWorker(
      workerDeps(h, fx, {
        clock: {
          now: () => {
            clockReads++;
            return h.clock.now();
          },
        },
      }),
      {
        intervalMs: 10,
      },
    );
    try {
      for (let i = 0; i < 500 && (await job(id)).status === 'pending'; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await worker.stop();
    }
    assert.equal((await job(id)).status, 'revoked');
    const after = clockReads;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(clockReads, after, 'no pass runs after stop()');
  });
});

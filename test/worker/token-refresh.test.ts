import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runOnce } from '../../src/worker/index.js';
import { runTokenRefresh } from '../../src/worker/token-refresh.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { gate, sandboxAccount, useSandbox, workerDeps } from '../support/sandbox.js';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

describeEachDb('worker: token refresh', (h) => {
  const fx = useSandbox();

  const account = (id: string) =>
    h.db.selectFrom('social_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const events = (id: string, type: string) =>
    h.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('type', '=', type)
      .where(h.sql<boolean>`data->>'socialAccountId' = ${id}`)
      .execute();
  const audits = (id: string, type: string) =>
    h.db
      .selectFrom('audit_log')
      .selectAll()
      .where('event_type', '=', type)
      .where(h.sql<boolean>`data->>'socialAccountId' = ${id}`)
      .execute();
  const refreshCalls = (refreshToken: string) =>
    fx.sandbox.calls('tiktok.token').filter((c) => c.token === refreshToken);
  async function revoke(t: Tenant, id: string) {
    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
  }

  it('refreshes a TikTok token inside its window: new token and expiry stored, nothing else changed', async () => {
    const t = await h.tenant();
    const due = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + HOUR));
    const notDue = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + 20 * HOUR));
    const before = await account(due.id);
    const pass = await runOnce(workerDeps(h, fx));
    assert.ok('claimed' in pass.tokenRefresh && pass.tokenRefresh.refreshed! >= 1, JSON.stringify(pass));

    const after = await account(due.id);
    const stored = await h.accountToken(due.id);
    assert.ok(stored);
    assert.notEqual(stored.accessToken, due.token.accessToken);
    assert.notEqual(
      stored.refreshToken,
      due.token.refreshToken,
      'TikTok rotated the refresh token; we keep the new one',
    );
    assert.equal(after.token_expires_at?.toISOString(), stored.expiresAt, 'the column follows the new token');
    assert.ok(after.token_expires_at!.getTime() > Date.now() + 23 * HOUR);
    assert.equal(after.token_version, before.token_version, 'a refresh does not bump the fencing version');
    assert.equal(after.token_refresh_after, null);
    for (const k of ['status', 'handle', 'external_account_id', 'connected_at', 'project_id', 'leased'] as const) {
      assert.deepEqual(after[k], before[k], k);
    }
    assert.equal(refreshCalls(due.token.refreshToken!).length, 1);
    assert.deepEqual(await h.accountToken(notDue.id), notDue.token, 'an account outside the window is left alone');
    assert.equal(refreshCalls(notDue.token.refreshToken!).length, 0);
    assert.equal((await events(due.id, 'social_account.needs_reauth')).length, 0);
    // The stored token is a working one: the sandbox accepts it for a publish.
    await fx.adapters.tiktok.publish(
      stored,
      {
        externalAccountId: due.externalAccountId,
        mediaUrls: ['https://cdn.example/a.mp4'],
        caption: null,
        mode: 'publish',
      },
      'k',
    );
  });

  it('refreshes an Instagram long-lived token within its 7-day window', async () => {
    const t = await h.tenant();
    const due = await sandboxAccount(h, t, fx, 'instagram', new Date(Date.now() + 3 * DAY));
    await runTokenRefresh(workerDeps(h, fx));
    const stored = await h.accountToken(due.id);
    assert.notEqual(stored?.accessToken, due.token.accessToken);
    assert.ok((await account(due.id)).token_expires_at!.getTime() > Date.now() + 59 * DAY);
  });

  it('refresh racing a revoke (revoke lands between the platform call and the write): stays disconnected, no token', async () => {
    const t = await h.tenant();
    const due = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + HOUR));
    const deps = workerDeps(h, fx, {
      fault: async (p) => {
        if (p === 'token-refresh:before-write') await revoke(t, due.id);
      },
    });
    const summary = await runTokenRefresh(deps);
    assert.ok((summary.discarded ?? 0) >= 1, JSON.stringify(summary));

    const after = await account(due.id);
    assert.equal(after.status, 'disconnected');
    assert.equal(after.disconnected_reason, 'revoked_by_partner');
    assert.equal(after.token_ciphertext, null);
    assert.equal(after.token_wrapped_key, null);
    assert.equal(after.token_version, 1);
    assert.equal(await h.accountToken(due.id), null);
    // The platform issued a fresh token during the race; the worker revoked it rather than keep it.
    const revoked = fx.sandbox.calls('tiktok.revoke').filter((c) => c.known && c.token !== due.token.accessToken);
    assert.equal(refreshCalls(due.token.refreshToken!).length, 1);
    assert.ok(revoked.length >= 1, 'the refreshed token was revoked upstream');
    // The revoke's own job still holds the token that was current when it committed, and settles normally.
    await runOnce(workerDeps(h, fx));
    const shown = json(await h.inject({ method: 'GET', url: `/v1/social-accounts/${due.id}`, headers: t.auth }));
    assert.equal(shown.status, 'disconnected');
    assert.equal(shown.upstreamRevocation.status, 'revoked');
  });

  it('invalid_grant: reauth_required, one social_account.needs_reauth event and audit row, never twice', async () => {
    const t = await h.tenant();
    const id = await h.account(t); // its fixture token was never issued by the sandbox: refresh is refused
    await h.db
      .updateTable('social_accounts')
      .set({ token_expires_at: new Date(Date.now() + HOUR) })
      .where('id', '=', id)
      .execute();
    await runOnce(workerDeps(h, fx));
    const after = await account(id);
    assert.equal(after.status, 'reauth_required');
    assert.equal(after.token_version, 0);
    const evts = await events(id, 'social_account.needs_reauth');
    assert.equal(evts.length, 1);
    assert.equal(evts[0]!.organization_id, t.organizationId);
    assert.deepEqual(
      { ...(evts[0]!.data as Record<string, unknown>), handle: undefined },
      {
        socialAccountId: id,
        projectId: t.projectId,
        platform: 'tiktok',
        handle: undefined,
        status: 'reauth_required',
        reason: 'refresh_rejected',
      },
    );
    const audit = await audits(id, 'social_account.needs_reauth');
    assert.equal(audit.length, 1);
    assert.match(String((audit[0]!.data as Record<string, unknown>).error), /invalid_grant/);
    const shown = json(await h.inject({ method: 'GET', url: `/v1/social-accounts/${id}`, headers: t.auth }));
    assert.equal(shown.status, 'reauth_required');

    await runOnce(workerDeps(h, fx));
    assert.equal(
      (await events(id, 'social_account.needs_reauth')).length,
      1,
      'a reauth_required account is not refreshed again',
    );
  });

  it('invalid_grant racing a revoke: the revoke wins, the account is not marked reauth_required, no event', async () => {
    const t = await h.tenant();
    const due = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + HOUR));
    fx.sandbox.setFault({ endpoint: 'tiktok.token', mode: 'invalid_grant' });
    await runTokenRefresh(
      workerDeps(h, fx, {
        fault: async (p) => {
          if (p === 'token-refresh:before-write') await revoke(t, due.id);
        },
      }),
    );
    const after = await account(due.id);
    assert.equal(after.status, 'disconnected');
    assert.equal(after.token_ciphertext, null);
    assert.equal((await events(due.id, 'social_account.needs_reauth')).length, 0);
  });

  it('platform down: the refresh backs off (lease becomes back-off), then succeeds; the token stays usable meanwhile', async () => {
    const t = await h.tenant();
    const start = new Date();
    await h.atTime(start, async () => {
      const due = await sandboxAccount(h, t, fx, 'tiktok', new Date(start.getTime() + HOUR));
      fx.sandbox.setFault({ endpoint: 'tiktok.token', mode: '5xx', count: 1 });
      await runTokenRefresh(workerDeps(h, fx));
      const deferred = await account(due.id);
      assert.equal(deferred.status, 'connected');
      assert.deepEqual(await h.accountToken(due.id), due.token);
      const wait = deferred.token_refresh_after!.getTime() - start.getTime();
      assert.ok(wait >= 2.5 * 60 * 1000 && wait <= 5 * 60 * 1000, `back-off ${wait} ms`);
      await runTokenRefresh(workerDeps(h, fx)); // not yet due again
      assert.equal(refreshCalls(due.token.refreshToken!).length, 1);
      h.clock.set(new Date(start.getTime() + 6 * 60 * 1000));
      await runTokenRefresh(workerDeps(h, fx));
      assert.notEqual((await h.accountToken(due.id))?.accessToken, due.token.accessToken);
      assert.deepEqual(
        refreshCalls(due.token.refreshToken!).map((c) => c.status),
        [503, 200],
      );
    });
  });

  it('two workers, one held mid-refresh: the other does not refresh the same grant (which would fail on the rotated token)', async () => {
    const t = await h.tenant();
    const due = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + HOUR));
    const reached = gate();
    const release = gate();
    const held = runTokenRefresh(
      workerDeps(h, fx, {
        fault: async (p) => {
          if (p === 'token-refresh:before-write') {
            reached.open();
            await release.opened;
          }
        },
      }),
    );
    await reached.opened;
    await Promise.all([runTokenRefresh(workerDeps(h, fx)), runTokenRefresh(workerDeps(h, fx))]);
    release.open();
    await held;
    assert.equal(refreshCalls(due.token.refreshToken!).length, 1);
    const after = await account(due.id);
    assert.equal(after.status, 'connected');
    assert.notEqual((await h.accountToken(due.id))?.accessToken, due.token.accessToken);
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertEnvelope } from '../assertions.js';
import { describeEachDb, json } from '../harness.js';

describeEachDb('Idempotency-Key', (h) => {
  const revoke = (id: string, auth: Record<string, string>, key?: string) =>
    h.inject({
      method: 'DELETE',
      url: `/v1/social-accounts/${id}`,
      headers: key === undefined ? auth : { ...auth, 'idempotency-key': key },
    });

  it('a retried revoke replays the original bytes with Idempotent-Replayed, not 404', async () => {
    const t = await h.tenant();
    const id = await h.account(t);
    await h.queuedPosts(id, 4);
    const first = await revoke(id, t.auth, 'revoke-1');
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    // an hour later: still within 24 h
    await h.atTime(new Date(Date.now() + 3600_000), async () => {
      const again = await revoke(id, t.auth, 'revoke-1');
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.body, first.body, 'byte-for-byte replay');
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.notEqual(again.headers['x-request-id'], first.headers['x-request-id']);
    });
    assert.equal(json(first).canceledScheduledPosts, 4);
    assertEnvelope(await revoke(id, t.auth), 404, 'NOT_FOUND');
  });

  it('the same key on another socialAccountId path → 409 IDEMPOTENCY_CONFLICT, nothing revoked', async () => {
    const t = await h.tenant();
    const a = await h.account(t);
    const b = await h.account(t);
    await h.queuedPosts(b, 2);
    assert.equal((await revoke(a, t.auth, 'k')).statusCode, 200);
    assertEnvelope(await revoke(b, t.auth, 'k'), 409, 'IDEMPOTENCY_CONFLICT', { reason: 'different_request' });
    assert.deepEqual(await h.postStatuses(b), { queued: 2 });
  });

  it('keys are scoped to the API key: another key of the org may reuse the string', async () => {
    const t = await h.tenant();
    const other = await h.key(t, ['social:write']);
    const a = await h.account(t);
    const b = await h.account(t);
    assert.equal((await revoke(a, t.auth, 'shared')).statusCode, 200);
    const res = await revoke(b, other.auth, 'shared');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json(res).socialAccountId, b);
  });

  it('10 concurrent revokes with one key → ten identical 200 bodies, one cancellation', async () => {
    const t = await h.tenant();
    const id = await h.account(t);
    await h.queuedPosts(id, 6);
    const results = await Promise.all(Array.from({ length: 10 }, () => revoke(id, t.auth, 'burst')));
    for (const r of results) assert.equal(r.statusCode, 200, r.body);
    assert.equal(new Set(results.map((r) => r.body)).size, 1, 'every body identical');
    assert.equal(json(results[0]!).canceledScheduledPosts, 6);
    assert.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 9);
    const revocations = await h.db
      .selectFrom('audit_log')
      .select('id')
      .where('organization_id', '=', t.organizationId)
      .where('event_type', '=', 'social_account.revoked')
      .execute();
    assert.equal(revocations.length, 1);
  });

  it('a request that fails stores nothing: the retry with the same key runs and succeeds', async () => {
    const t = await h.tenant();
    const id = await h.account(t);
    await h.queuedPosts(id, 3);
    h.setFault((p) => {
      if (p === 'revoke:before-commit') throw new Error('injected');
    });
    try {
      assertEnvelope(await revoke(id, t.auth, 'flaky'), 500, 'INTERNAL');
    } finally {
      h.setFault(undefined);
    }
    const stored = await h.db
      .selectFrom('idempotency_keys')
      .select('key')
      .where('api_key_id', '=', t.apiKeyId)
      .execute();
    assert.deepEqual(stored, []);
    const retry = await revoke(id, t.auth, 'flaky');
    assert.equal(retry.statusCode, 200, retry.body);
    assert.equal(retry.headers['idempotent-replayed'], undefined);
    assert.equal(json(retry).canceledScheduledPosts, 3);
  });

  it('401, 403, 404 and 503 answers are not stored', async () => {
    const t = await h.tenant();
    const reader = await h.key(t, ['social:read']);
    const id = await h.account(t);
    assertEnvelope(await revoke(id, reader.auth, 'k1'), 403, 'FORBIDDEN_SCOPE', { requiredScope: 'social:write' });
    assertEnvelope(await revoke(id, { authorization: 'Bearer nope' }, 'k1'), 401, 'UNAUTHENTICATED');
    assertEnvelope(await revoke(`sa_00000000-0000-4000-8000-000000000000`, t.auth, 'k2'), 404, 'NOT_FOUND');
    const stored = await h.db
      .selectFrom('idempotency_keys')
      .select('key')
      .where('api_key_id', 'in', [t.apiKeyId, reader.apiKeyId])
      .execute();
    assert.deepEqual(stored, []);
    assert.equal((await revoke(id, t.auth, 'k2')).statusCode, 200, 'the 404 did not pin k2');
  });

  it('a key older than 24 h is forgotten', async () => {
    const t = await h.tenant();
    const a = await h.account(t);
    const b = await h.account(t);
    assert.equal((await revoke(a, t.auth, 'old')).statusCode, 200);
    await h.atTime(new Date(Date.now() + 24 * 3600_000 + 60_000), async () => {
      const res = await revoke(b, t.auth, 'old');
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).socialAccountId, b);
    });
  });

  it('400 VALIDATION for an empty or over-long key', async () => {
    const t = await h.tenant();
    const id = await h.account(t);
    for (const key of ['', 'x'.repeat(256)]) {
      assertEnvelope(await revoke(id, t.auth, key), 400, 'VALIDATION', {
        issues: [{ path: 'Idempotency-Key', message: 'must be 1–255 characters' }],
      });
    }
    assert.equal((await revoke(id, t.auth, 'x'.repeat(255))).statusCode, 200);
  });

  it('POST /v1/api-keys/:id/kill replays too', async () => {
    const t = await h.tenant();
    const victim = await h.key(t, ['social:read']);
    const first = await h.inject({
      method: 'POST',
      url: `/v1/api-keys/${victim.apiKeyId}/kill`,
      headers: { ...t.auth, 'idempotency-key': 'kill-1' },
    });
    assert.equal(first.statusCode, 200, first.body);
    const again = await h.inject({
      method: 'POST',
      url: `/v1/api-keys/${victim.apiKeyId}/kill`,
      headers: { ...t.auth, 'idempotency-key': 'kill-1' },
    });
    assert.equal(again.body, first.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
  });

  if (h.kind === 'postgres') {
    it('a duplicate waits for the first only up to the bound, then 409 in_progress with Retry-After', async () => {
      const t = await h.tenant();
      const id = await h.account(t);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      h.setFault(async (p) => {
        if (p !== 'revoke:before-commit') return;
        entered();
        await gate;
      });
      const previousWait = h.deps.idempotencyWaitMs;
      h.deps.idempotencyWaitMs = 300;
      try {
        const first = revoke(id, t.auth, 'slow');
        await inside;
        const dup = await revoke(id, t.auth, 'slow');
        assertEnvelope(dup, 409, 'IDEMPOTENCY_CONFLICT', { reason: 'in_progress' });
        assert.equal(dup.headers['retry-after'], '1');
        release();
        assert.equal((await first).statusCode, 200);
      } finally {
        h.setFault(undefined);
        h.deps.idempotencyWaitMs = previousWait;
        release();
      }
      const replay = await revoke(id, t.auth, 'slow');
      assert.equal(replay.headers['idempotent-replayed'], 'true');
    });
  }
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { insertSocialAccount } from '../../src/db/queries/social-accounts.js';
import { newId } from '../../src/ids.js';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { describeEachDb, json } from '../harness.js';

describeEachDb('GET /v1/projects/:projectId/social-accounts', (h) => {
  const list = (projectId: string, auth: Record<string, string>, query = '') =>
    h.inject({ method: 'GET', url: `/v1/projects/${projectId}/social-accounts${query}`, headers: auth });

  it('walks 450 accounts with no duplicates or gaps; filters combine', async () => {
    const t = await h.tenant();
    const now = new Date('2026-02-01T00:00:00Z');
    // Set-based fixture: 450 accounts, created in bursts that share timestamps (ties broken by id).
    const rows = Array.from({ length: 450 }, (_, i) => ({
      id: newId('sa'),
      organization_id: t.organizationId,
      project_id: t.projectId,
      platform: (i % 3 === 0 ? 'instagram' : 'tiktok') as 'instagram' | 'tiktok',
      external_account_id: null,
      handle: `acct${i}`,
      avatar_url: null,
      status: (i % 5 === 0 ? 'disconnected' : 'connected') as 'connected' | 'disconnected',
      leased: i % 7 === 0,
      connected_at: now,
      token_expires_at: null,
      disconnected_at: i % 5 === 0 ? now : null,
      disconnected_reason: i % 5 === 0 ? 'revoked_by_partner' : null,
      token_ciphertext: null,
      token_wrapped_key: null,
      created_at: new Date(now.getTime() + Math.floor(i / 10) * 1000),
      updated_at: now,
    }));
    for (const r of rows) await insertSocialAccount(h.db, r);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(t.projectId, t.auth, `?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.statusCode, 200, res.body.slice(0, 300));
      const body = json(res);
      seen.push(...body.items.map((a: { socialAccountId: string }) => a.socialAccountId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.equal(seen.length, 450);
    assert.equal(new Set(seen).size, 450, 'no duplicates');
    assert.deepEqual(new Set(seen), new Set(rows.map((r) => r.id)), 'no gaps');

    const leasedTiktok = json(await list(t.projectId, t.auth, '?leased=true&platform=tiktok&limit=200'));
    const expected = rows.filter((r) => r.leased && r.platform === 'tiktok').map((r) => r.id);
    assert.deepEqual(
      new Set(leasedTiktok.items.map((a: { socialAccountId: string }) => a.socialAccountId)),
      new Set(expected),
    );
    const disconnected = json(await list(t.projectId, t.auth, '?status=disconnected&limit=200'));
    assert.equal(disconnected.items.length, 90);
    assert.ok(
      disconnected.items.every(
        (a: { status: string; disconnectedReason: string }) =>
          a.status === 'disconnected' && a.disconnectedReason === 'revoked_by_partner',
      ),
    );
  });

  it('items have the documented shape; a revoked account shows its disconnection', async () => {
    const t = await h.tenant();
    const live = await h.account(t);
    const leased = await h.account(t, { leased: true, platform: 'instagram' });
    await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${live}`, headers: t.auth });
    const body = json(await list(t.projectId, t.auth));
    assert.equal(body.nextCursor, null);
    assert.equal(body.items.length, 2);
    const [a, b] = body.items;
    assert.deepEqual(Object.keys(a), [
      'socialAccountId',
      'projectId',
      'platform',
      'handle',
      'avatarUrl',
      'status',
      'leased',
      'connectedAt',
      'tokenExpiresAt',
      'disconnectedAt',
      'disconnectedReason',
    ]);
    assert.equal(a.socialAccountId, live);
    assert.equal(a.status, 'disconnected');
    assert.equal(a.disconnectedReason, 'revoked_by_partner');
    assert.equal(b.socialAccountId, leased);
    assert.equal(b.leased, true);
    assert.equal(b.platform, 'instagram');
    assert.equal(b.status, 'connected');
  });

  it('404 for an unknown or foreign project; 422 for bad filters', async () => {
    const t = await h.tenant();
    const other = await h.tenant();
    assertEnvelope(await list(other.projectId, t.auth), 404, 'NOT_FOUND');
    assertEnvelope(await list(`prj_${randomUUID()}`, t.auth), 404, 'NOT_FOUND');
    assertValidation(await list('prj_x', t.auth), 400, 'projectId');
    assertValidation(await list(t.projectId, t.auth, '?platform=myspace'), 422, 'platform');
    assertValidation(await list(t.projectId, t.auth, '?leased=yes'), 422, 'leased');
    assertValidation(await list(t.projectId, t.auth, '?limit=201'), 422, 'limit');
    assertValidation(await list(t.projectId, t.auth, '?cursor=%%%'), 422, 'cursor');
  });
});

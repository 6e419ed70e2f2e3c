import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPlatformError, type Platform, type PlatformAdapter } from '../../src/platforms/index.js';
import { useSandbox } from '../support/sandbox.js';

// Publishing budgets on the sandbox platform, through the adapters (no database: runs once).
// Instagram reports its budget (content_publishing_limit) and refuses media_publish past it with
// Graph code 9; TikTok reports nothing and refuses direct posts past its daily cap with
// spam_risk_too_many_posts. A replay of an accepted post (same idempotency key) spends nothing.

const VIDEO = { mediaUrls: ['https://cdn.example/clip.mp4'], caption: 'hello', mode: 'publish' as const };

describe('sandbox platform: publishing budgets', () => {
  const fx = useSandbox();
  const account = (platform: Platform) => fx.sandbox.issueToken(platform);
  const refusedWith = async (p: Promise<unknown>, platformCode: string) =>
    assert.rejects(p, (err: unknown) => {
      assert.ok(isPlatformError(err), String(err));
      assert.equal(err.platformCode, platformCode, err.message);
      assert.equal(err.kind, 'PERMANENT', err.message);
      return true;
    });

  it('Instagram: content_publishing_limit reports config and usage (posts made outside the API included); a publish past it is refused with code 9', async () => {
    const { token, externalAccountId } = account('instagram');
    const ig: PlatformAdapter = fx.adapters.instagram;
    assert.deepEqual(await ig.readPublishingQuota(token, externalAccountId), {
      limit: 100,
      windowSeconds: 86_400,
      source: 'platform',
      used: 0,
    });
    fx.sandbox.setQuota({ platform: 'instagram', externalAccountId, limit: 2, usedOutside: 1 });
    const input = { ...VIDEO, externalAccountId };
    const first = await ig.publish(token, input, 'key-1');
    assert.deepEqual(await ig.readPublishingQuota(token, externalAccountId), {
      limit: 2,
      windowSeconds: 86_400,
      source: 'platform',
      used: 2,
    });
    await refusedWith(ig.publish(token, input, 'key-2'), '9');
    assert.deepEqual(await ig.publish(token, input, 'key-1'), first, 'a replay is answered, not refused');
    const refused = fx.sandbox.calls('instagram.publish').filter((c) => c.idempotencyKey === 'key-2');
    assert.deepEqual(
      refused.map((c) => [c.status, c.externalId]),
      [[400, undefined]],
    );
  });

  it('TikTok: no quota endpoint (the documented default, no call); direct posts past the daily cap → spam_risk_too_many_posts; inbox uploads are not capped', async () => {
    const { token, externalAccountId } = account('tiktok');
    const tt: PlatformAdapter = fx.adapters.tiktok;
    const before = fx.sandbox.log.length;
    assert.deepEqual(await tt.readPublishingQuota(token, externalAccountId), {
      limit: 15,
      windowSeconds: 86_400,
      source: 'default',
      used: null,
    });
    assert.equal(fx.sandbox.log.length, before, 'TikTok was not called');
    fx.sandbox.setQuota({ platform: 'tiktok', externalAccountId, limit: 1 });
    const input = { ...VIDEO, externalAccountId };
    await tt.publish(token, input, 'tk-1');
    await refusedWith(tt.publish(token, input, 'tk-2'), 'spam_risk_too_many_posts');
    await tt.publish(token, { ...input, mode: 'draft' }, 'tk-3'); // inbox: not a direct post
    await tt.publish(token, input, 'tk-1'); // replay
  });

  it('the control plane: POST /__sandbox/quotas sets a budget and answers the window; bad bodies → 422', async () => {
    const { externalAccountId } = account('instagram');
    const post = (body: unknown) =>
      fetch(`${fx.sandbox.url}/__sandbox/quotas`, { method: 'POST', body: JSON.stringify(body) });
    const ok = await post({ platform: 'instagram', externalAccountId, limit: 5, usedOutside: 3 });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { quota: { limit: 5, windowSeconds: 86_400, used: 3 } });
    for (const bad of [
      { platform: 'x', externalAccountId },
      { platform: 'tiktok' },
      { platform: 'tiktok', externalAccountId, limit: -1 },
      { platform: 'tiktok', externalAccountId, windowSeconds: 0 },
    ]) {
      const res = await post(bad);
      assert.equal(res.status, 422, JSON.stringify(bad));
    }
  });
});

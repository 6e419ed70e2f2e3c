import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as admin from '../../src/services/admin.js';
import { assertEnvelope, assertValidation } from '../assertions.js';
import { describeEachDb, type Harness, json, type Tenant } from '../harness.js';
import { type SandboxFixture, useSandbox } from '../support/sandbox.js';

const RETURN = 'https://app.partner.test/connected?from=crm';

/** A tenant whose key may send users back to app.partner.test, *.crm.test and localhost. */
async function oauthTenant(h: Harness, env: 'live' | 'test' = 'test'): Promise<Tenant> {
  const t = await h.tenant();
  const k = await admin.createApiKey(h.adminCtx(), {
    organizationId: t.organizationId,
    scopes: ['*'],
    tier: 'partner',
    env,
    returnUrls: ['app.partner.test', '*.crm.test', 'localhost'],
  });
  return { ...t, env, apiKeyId: k.apiKeyId, key: k.key, auth: { authorization: `Bearer ${k.key}` } };
}

/** Plays the user's browser: consent at the sandbox, then the callback on our server. */
async function consent(h: Harness, authorizeUrl: string, user: Record<string, string>) {
  const url = new URL(authorizeUrl);
  for (const [k, v] of Object.entries(user)) url.searchParams.set(k, v);
  const atPlatform = await fetch(url, { redirect: 'manual' });
  assert.equal(atPlatform.status, 302, `sandbox authorize: ${atPlatform.status}`);
  const callback = new URL(atPlatform.headers.get('location')!);
  assert.equal(
    callback.origin + callback.pathname.replace(/\/(tiktok|instagram)$/, ''),
    'http://layers.test/oauth/callback',
  );
  const res = await h.inject({ method: 'GET', url: callback.pathname + callback.search });
  return { res, callbackPath: callback.pathname + callback.search };
}

const back = (res: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
  assert.equal(res.statusCode, 302, res.body.slice(0, 300));
  return new URL(String(res.headers.location));
};

describeEachDb('OAuth connect', (h) => {
  const fx: SandboxFixture = useSandbox();
  before(() => {
    h.deps.platforms = { live: fx.adapters, test: fx.adapters };
  });
  const start = (t: Tenant, body: object) =>
    h.inject({ method: 'POST', url: `/v1/projects/${t.projectId}/social/oauth-url`, headers: t.auth, payload: body });

  describe('POST /v1/projects/:projectId/social/oauth-url', () => {
    it('returnUrl must be https and on the allowlist (exact host or *.subdomain); 403 RETURN_URL_NOT_ALLOWED', async () => {
      const t = await oauthTenant(h);
      for (const returnUrl of [
        'https://evil.test/x',
        'http://app.partner.test/x',
        'https://crm.test/x',
        'https://app.partner.test.evil.test/',
      ]) {
        const host = new URL(returnUrl).hostname;
        assertEnvelope(await start(t, { platform: 'tiktok', returnUrl }), 403, 'RETURN_URL_NOT_ALLOWED', { host });
      }
      for (const returnUrl of ['https://eu.crm.test/back', 'http://localhost:3000/cb']) {
        assert.equal((await start(t, { platform: 'tiktok', returnUrl })).statusCode, 200, returnUrl);
      }
      assertValidation(await start(t, { platform: 'tiktok', returnUrl: 'not a url' }), 422, 'returnUrl');
      assertValidation(await start(t, { platform: 'myspace', returnUrl: RETURN }), 422, 'platform');
    });

    it('scopes: each must be one the platform defines → else 422 at scopes naming the unknown ones; known ones reach the platform', async () => {
      const t = await oauthTenant(h);
      const cases: [string, string[], string[]][] = [
        ['tiktok', ['video.publish', 'video.delete', 'user.email', 'video.delete'], ['video.delete', 'user.email']],
        ['tiktok', ['instagram_business_basic'], ['instagram_business_basic']],
        ['instagram', ['instagram_business_basic', 'video.publish'], ['video.publish']],
        ['instagram', ['INSTAGRAM_BUSINESS_BASIC'], ['INSTAGRAM_BUSINESS_BASIC']],
      ];
      for (const [platform, scopes, unknown] of cases) {
        const issues = assertValidation(await start(t, { platform, returnUrl: RETURN, scopes }), 422, 'scopes');
        assert.equal(issues.length, 1, JSON.stringify(issues));
        const named = issues[0]!.message.split('(known')[0]!;
        for (const s of scopes)
          assert.equal(named.includes(s), unknown.includes(s), `${issues[0]!.message}: names ${s} only if unknown`);
      }
      assert.equal(
        (await h.db.selectFrom('oauth_states').select('id').where('api_key_id', '=', t.apiKeyId).execute()).length,
        0,
        'no state for a refused request',
      );

      for (const [platform, scopes] of [
        ['tiktok', ['user.info.basic', 'video.list']],
        ['instagram', ['instagram_business_basic', 'instagram_business_manage_insights']],
      ] as const) {
        const res = await start(t, { platform, returnUrl: RETURN, scopes });
        assert.equal(res.statusCode, 200, res.body);
        const authorize = new URL(json(res).authorizeUrl);
        assert.equal(authorize.searchParams.get('scope'), scopes.join(','));
        const landing = back((await consent(h, json(res).authorizeUrl, { sandbox_user: `u_scopes_${platform}` })).res);
        assert.equal(landing.searchParams.get('status'), 'completed', landing.toString());
      }
    });
  });

  describe('POST /v1/projects/:projectId/social/reauth-url', () => {
    it('reauth keeps the id and history; canceled posts are not resurrected; another identity is refused', async () => {
      const t = await oauthTenant(h);
      const first = json(await start(t, { platform: 'tiktok', returnUrl: RETURN }));
      const id = back((await consent(h, first.authorizeUrl, { sandbox_user: 'u_reauth' })).res).searchParams.get(
        'socialAccountId',
      )!;
      const canceled = await h.postsWithStatus(t, id, 'canceled', 2);
      await h.postsWithStatus(t, id, 'published', 1);
      const reauth = (body: object) =>
        h.inject({
          method: 'POST',
          url: `/v1/projects/${t.projectId}/social/reauth-url`,
          headers: t.auth,
          payload: body,
        });
      assertEnvelope(await reauth({ socialAccountId: id, returnUrl: RETURN }), 409, 'CONFLICT', {
        reason: 'not_reauth_required',
      });
      await h.db.updateTable('social_accounts').set({ status: 'reauth_required' }).where('id', '=', id).execute();
      const before = await h.db
        .selectFrom('social_accounts')
        .select('token_version')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();

      const wrong = json(await reauth({ socialAccountId: id, returnUrl: RETURN }));
      const refused = back((await consent(h, wrong.authorizeUrl, { sandbox_user: 'someone_else' })).res);
      assert.equal(refused.searchParams.get('error'), 'different_account');
      assert.equal(
        (await h.db.selectFrom('social_accounts').select('status').where('id', '=', id).executeTakeFirstOrThrow())
          .status,
        'reauth_required',
      );

      const ok = json(await reauth({ socialAccountId: id, returnUrl: RETURN }));
      const landing = back((await consent(h, ok.authorizeUrl, { sandbox_user: 'u_reauth' })).res);
      assert.equal(landing.searchParams.get('socialAccountId'), id, 'same id');
      const after = await h.db.selectFrom('social_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(after.status, 'connected');
      assert.equal(after.token_version, before.token_version + 1, 'a new grant, a new version');
      assert.deepEqual(await h.postStatuses(id), { canceled: 2, published: 1 });
      const still = await h.db.selectFrom('scheduled_posts').select('status').where('id', 'in', canceled).execute();
      assert.ok(still.every((p) => p.status === 'canceled'));

      await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth });
      assertEnvelope(await reauth({ socialAccountId: id, returnUrl: RETURN }), 409, 'CONFLICT', {
        reason: 'not_reauth_required',
      });
    });
  });

  describe('GET /v1/social/oauth-status/:state', () => {
    it('the state is visible only to the key that created it', async () => {
      const t = await oauthTenant(h);
      const sibling = await h.key(t, ['social:read']);
      const auth = json(await start(t, { platform: 'tiktok', returnUrl: RETURN }));
      assertEnvelope(
        await h.inject({ method: 'GET', url: `/v1/social/oauth-status/${auth.state}`, headers: sibling.auth }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('GET /oauth/callback/:platform', () => {
    it('declined consent → failed; a 10-minute-old state → expired; unknown state → 400', async () => {
      const t = await oauthTenant(h);
      const denied = json(await start(t, { platform: 'tiktok', returnUrl: RETURN }));
      const { res } = await consent(h, denied.authorizeUrl, { sandbox_deny: '1' });
      assert.equal(back(res).searchParams.get('status'), 'failed');
      assert.equal(back(res).searchParams.get('error'), 'access_denied');
      assert.equal(
        json(await h.inject({ method: 'GET', url: `/v1/social/oauth-status/${denied.state}`, headers: t.auth })).error,
        'access_denied',
      );

      const late = json(await start(t, { platform: 'instagram', returnUrl: RETURN }));
      await h.atTime(new Date(Date.now() + 10 * 60_000 + 1000), async () => {
        assert.equal(
          json(await h.inject({ method: 'GET', url: `/v1/social/oauth-status/${late.state}`, headers: t.auth })).status,
          'expired',
        );
        const { res: lateCb } = await consent(h, late.authorizeUrl, { sandbox_user: 'u_late' });
        assert.equal(back(lateCb).searchParams.get('status'), 'expired');
      });
      const accounts = json(
        await h.inject({ method: 'GET', url: `/v1/projects/${t.projectId}/social-accounts`, headers: t.auth }),
      );
      assert.deepEqual(accounts.items, [], 'no account from a failed or expired flow');
      assertValidation(
        await h.inject({ method: 'GET', url: '/oauth/callback/tiktok?state=st_nope&code=x' }),
        400,
        'state',
      );
    });

    it('a replayed callback does not connect twice; a tampered PKCE verifier fails the exchange', async () => {
      const t = await oauthTenant(h);
      const auth = json(await start(t, { platform: 'tiktok', returnUrl: RETURN }));
      const { res, callbackPath } = await consent(h, auth.authorizeUrl, { sandbox_user: 'u_replay' });
      const id = back(res).searchParams.get('socialAccountId');
      const again = back(await h.inject({ method: 'GET', url: callbackPath }));
      assert.equal(again.searchParams.get('status'), 'completed');
      assert.equal(again.searchParams.get('socialAccountId'), id);
      const list = json(
        await h.inject({ method: 'GET', url: `/v1/projects/${t.projectId}/social-accounts`, headers: t.auth }),
      );
      assert.equal(list.items.length, 1);

      const pkce = json(await start(t, { platform: 'tiktok', returnUrl: RETURN }));
      await h.db
        .updateTable('oauth_states')
        .set({ code_verifier: 'x'.repeat(64) })
        .where('id', '=', pkce.state)
        .execute();
      const { res: bad } = await consent(h, pkce.authorizeUrl, { sandbox_user: 'u_pkce' });
      assert.equal(back(bad).searchParams.get('error'), 'exchange_failed');
    });
  });

  describe('flows', () => {
    for (const platform of ['tiktok', 'instagram'] as const) {
      it(`${platform}: full round trip — URL, consent, callback, status completed, account listed, token sealed`, async () => {
        const t = await oauthTenant(h);
        const res = await start(t, { platform, returnUrl: RETURN });
        assert.equal(res.statusCode, 200, res.body);
        const auth = json(res);
        assert.deepEqual(Object.keys(auth), ['authorizeUrl', 'state', 'expiresAt']);
        assert.match(auth.state, /^st_[0-9a-f-]{36}$/);
        assert.ok(Date.parse(auth.expiresAt) - Date.now() > 9 * 60_000);
        const authorize = new URL(auth.authorizeUrl);
        assert.equal(authorize.origin, fx.sandbox.url);
        assert.equal(authorize.searchParams.get('state'), auth.state);
        assert.equal(authorize.searchParams.get('redirect_uri'), `http://layers.test/oauth/callback/${platform}`);

        const pending = json(
          await h.inject({ method: 'GET', url: `/v1/social/oauth-status/${auth.state}`, headers: t.auth }),
        );
        assert.deepEqual(pending, { state: auth.state, status: 'pending', socialAccountId: null, error: null });

        const { res: cb } = await consent(h, auth.authorizeUrl, {
          sandbox_user: `u_${platform}_1`,
          sandbox_handle: 'the.creator',
        });
        const landing = back(cb);
        assert.equal(landing.origin + landing.pathname, 'https://app.partner.test/connected');
        assert.equal(landing.searchParams.get('from'), 'crm', 'the partner’s own query survives');
        assert.equal(landing.searchParams.get('state'), auth.state);
        assert.equal(landing.searchParams.get('status'), 'completed');
        const accountId = landing.searchParams.get('socialAccountId')!;
        assert.match(accountId, /^sa_/);

        const done = json(
          await h.inject({ method: 'GET', url: `/v1/social/oauth-status/${auth.state}`, headers: t.auth }),
        );
        assert.deepEqual(done, { state: auth.state, status: 'completed', socialAccountId: accountId, error: null });
        const list = json(
          await h.inject({ method: 'GET', url: `/v1/projects/${t.projectId}/social-accounts`, headers: t.auth }),
        );
        const listed = list.items.find((a: { socialAccountId: string }) => a.socialAccountId === accountId);
        assert.equal(listed.platform, platform);
        assert.equal(listed.handle, 'the.creator');
        assert.equal(listed.status, 'connected');

        const row = await h.db
          .selectFrom('social_accounts')
          .selectAll()
          .where('id', '=', accountId)
          .executeTakeFirstOrThrow();
        assert.equal(row.env, 'test', 'connected with an lp_test_ key: a sandbox account');
        const token = h.deps.tokenCrypto.open(accountId, row.token_version, {
          ciphertext: row.token_ciphertext!,
          wrappedKey: row.token_wrapped_key!,
        });
        assert.ok(token.accessToken.length > 10);
        assert.ok(
          !Buffer.from(row.token_ciphertext!).toString('latin1').includes(token.accessToken),
          'ciphertext does not contain the token',
        );
        const events = await h.db
          .selectFrom('outbox_events')
          .select(['type', 'data'])
          .where('organization_id', '=', t.organizationId)
          .execute();
        assert.deepEqual(events, [
          {
            type: 'social_account.connected',
            data: {
              socialAccountId: accountId,
              projectId: t.projectId,
              platform,
              handle: 'the.creator',
              reconnected: false,
            },
          },
        ]);
      });
    }

    it('the publishing budget is read at connect: Instagram’s from content_publishing_limit, TikTok’s never (its default applies)', async () => {
      const t = await oauthTenant(h);
      const quotaOf = (id: string) =>
        h.db
          .selectFrom('social_accounts')
          .select(['publish_quota_limit', 'publish_quota_source', 'publish_quota_platform_used'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
      const connect = async (platform: 'tiktok' | 'instagram', user: string) => {
        const auth = json(await start(t, { platform, returnUrl: RETURN }));
        return back((await consent(h, auth.authorizeUrl, { sandbox_user: user })).res).searchParams.get(
          'socialAccountId',
        )!;
      };
      fx.sandbox.setQuota({ platform: 'instagram', externalAccountId: '17841400000000042', limit: 42, usedOutside: 3 });
      const insta = await connect('instagram', '17841400000000042');
      assert.deepEqual(await quotaOf(insta), {
        publish_quota_limit: 42,
        publish_quota_source: 'platform',
        publish_quota_platform_used: 3,
      });
      const tiktok = await connect('tiktok', 'u_quota');
      assert.deepEqual(await quotaOf(tiktok), {
        publish_quota_limit: null,
        publish_quota_source: null,
        publish_quota_platform_used: null,
      });
    });

    it('a live key’s connection is a live account; each env uses its own adapters', async () => {
      const t = await oauthTenant(h, 'live');
      const auth = json(await start(t, { platform: 'tiktok', returnUrl: RETURN }));
      const id = back((await consent(h, auth.authorizeUrl, { sandbox_user: 'u_live' })).res).searchParams.get(
        'socialAccountId',
      )!;
      const row = await h.db.selectFrom('social_accounts').select('env').where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.env, 'live');
      const saved = h.deps.platforms;
      h.deps.platforms = { live: saved!.live, test: {} as never };
      try {
        assert.equal(
          (await start(t, { platform: 'tiktok', returnUrl: RETURN })).statusCode,
          200,
          'live keys never touch the test adapters',
        );
      } finally {
        h.deps.platforms = saved;
      }
    });

    it('environments are walls for connections too: a test key connecting the identity of a live account makes a test account, never re-binds the live one', async () => {
      const live = await oauthTenant(h, 'live');
      const k = await admin.createApiKey(h.adminCtx(), {
        organizationId: live.organizationId,
        scopes: ['*'],
        tier: 'partner',
        env: 'test',
        returnUrls: ['app.partner.test'],
      });
      const test = {
        ...live,
        env: 'test' as const,
        apiKeyId: k.apiKeyId,
        key: k.key,
        auth: { authorization: `Bearer ${k.key}` },
      };
      const connect = async (t: Tenant) => {
        const auth = json(await start(t, { platform: 'tiktok', returnUrl: RETURN }));
        return back((await consent(h, auth.authorizeUrl, { sandbox_user: 'u_both_envs' })).res).searchParams.get(
          'socialAccountId',
        )!;
      };
      const liveId = await connect(live);
      const before = await h.db
        .selectFrom('social_accounts')
        .select(['env', 'token_version', 'token_wrapped_key'])
        .where('id', '=', liveId)
        .executeTakeFirstOrThrow();
      const testId = await connect(test);
      assert.notEqual(testId, liveId, 'a new account, in the test environment');
      const rows = await h.db
        .selectFrom('social_accounts')
        .select(['id', 'env', 'external_account_id'])
        .where('id', 'in', [liveId, testId])
        .orderBy('env')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.id, r.env]),
        [
          [liveId, 'live'],
          [testId, 'test'],
        ],
      );
      assert.equal(rows[0]!.external_account_id, rows[1]!.external_account_id, 'the same platform identity');
      const after = await h.db
        .selectFrom('social_accounts')
        .select(['env', 'token_version', 'token_wrapped_key'])
        .where('id', '=', liveId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(after, before, 'the live account and its grant are untouched');
      assert.equal((await start(test, { platform: 'tiktok', returnUrl: RETURN })).statusCode, 200);
      const reauth = await h.inject({
        method: 'POST',
        url: `/v1/projects/${live.projectId}/social/reauth-url`,
        headers: test.auth,
        payload: { socialAccountId: liveId, returnUrl: RETURN },
      });
      assert.equal(reauth.statusCode, 404, reauth.body);
      assert.equal(json(reauth).error.code, 'NOT_FOUND');
    });
  });
});

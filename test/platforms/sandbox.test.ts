import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  createPkcePair,
  createSandboxAdapters,
  isPlatformError,
  type Platform,
  type PlatformAdapter,
  type PlatformErrorKind,
} from '../../src/platforms/index.js';
import { SANDBOX_CLIENTS } from '../../src/platforms/sandbox/clients.js';
import { createTikTokAdapter } from '../../src/platforms/tiktok.js';
import { useSandbox } from '../support/sandbox.js';

// The adapters against the sandbox platform, over real HTTP on loopback. No database is
// involved, so these run once rather than once per database.

const REDIRECT = 'https://partner.example/oauth/callback';

/** Follows the authorize URL like a browser would, without following the redirect back. */
async function authorize(url: string) {
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302, `authorize answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

async function rejects(p: Promise<unknown>, kind: PlatformErrorKind, pattern?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isPlatformError(err), `expected a PlatformError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

async function connect(adapter: PlatformAdapter, extra = '') {
  const pkce = createPkcePair();
  const url =
    adapter.authorizeUrl({ state: 'st_test', redirectUri: REDIRECT, codeChallenge: pkce.codeChallenge }) + extra;
  const back = await authorize(url);
  const grant = await adapter.exchangeCode({
    code: back.searchParams.get('code')!,
    redirectUri: REDIRECT,
    codeVerifier: pkce.codeVerifier,
  });
  return { back, grant, pkce };
}

const VIDEO = { mediaUrls: ['https://cdn.example/clip.mp4'], caption: 'hello', mode: 'publish' as const };

describe('sandbox platform through the adapters', () => {
  const fx = useSandbox();

  it('TikTok: authorization code with PKCE S256, round trip to a working token', async () => {
    const { tiktok } = fx.adapters;
    const { codeChallenge } = createPkcePair();
    const url = new URL(tiktok.authorizeUrl({ state: 'st_1', redirectUri: REDIRECT, codeChallenge }));
    assert.equal(url.pathname, '/v2/auth/authorize/');
    for (const [k, v] of Object.entries({
      client_key: SANDBOX_CLIENTS.tiktok.clientKey,
      response_type: 'code',
      redirect_uri: REDIRECT,
      state: 'st_1',
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    })) {
      assert.equal(url.searchParams.get(k), v, k);
    }
    assert.equal(url.searchParams.get('scope'), 'user.info.basic,video.publish,video.upload');

    const { back, grant } = await connect(tiktok, '&sandbox_handle=creator.one');
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    assert.equal(back.searchParams.get('state'), 'st_test');
    assert.match(grant.token.accessToken, /^act\./);
    assert.match(grant.token.refreshToken ?? '', /^rft\./);
    assert.ok(Date.parse(grant.token.expiresAt!) > Date.now() + 23 * 3600 * 1000, grant.token.expiresAt);
    assert.deepEqual(grant.scopes, ['user.info.basic', 'video.publish', 'video.upload']);
    const profile = await tiktok.fetchProfile(grant.token);
    assert.deepEqual(
      { ...profile, avatarUrl: undefined },
      { externalAccountId: grant.externalAccountId, handle: 'creator.one', avatarUrl: undefined },
    );
    const tokenCall = fx.sandbox.calls('tiktok.token').at(-1)!;
    assert.equal(tokenCall.status, 200);
    assert.equal(tokenCall.externalAccountId, grant.externalAccountId);
  });

  it('a scope the platform does not define is refused at authorization, as the platforms do', async () => {
    const { tiktok, instagram } = fx.adapters;
    const back = await authorize(
      tiktok.authorizeUrl({ state: 'st_s', redirectUri: REDIRECT, scopes: ['video.publish', 'video.delete'] }),
    );
    assert.equal(back.searchParams.get('error'), 'invalid_scope');
    assert.match(back.searchParams.get('error_description') ?? '', /video\.delete/);
    assert.equal(back.searchParams.get('code'), null);
    const res = await fetch(
      instagram.authorizeUrl({
        state: 'st_s',
        redirectUri: REDIRECT,
        scopes: ['instagram_business_basic', 'user.info.basic'],
      }),
      { redirect: 'manual' },
    );
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(await res.json()), /Invalid Scopes: user\.info\.basic/);
  });

  it('TikTok: a wrong code_verifier, a replayed code and a foreign redirect_uri are invalid_grant; a replay kills the first grant', async () => {
    const { tiktok } = fx.adapters;
    const pkce = createPkcePair();
    const back = await authorize(
      tiktok.authorizeUrl({ state: 's', redirectUri: REDIRECT, codeChallenge: pkce.codeChallenge }),
    );
    const code = back.searchParams.get('code')!;
    await rejects(
      tiktok.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: createPkcePair().codeVerifier }),
      'CREDENTIAL_INVALID',
      /code_verifier/,
    );
    // That attempt consumed the code: even the right verifier is refused now.
    await rejects(
      tiktok.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: pkce.codeVerifier }),
      'CREDENTIAL_INVALID',
      /already used/,
    );

    const second = await connect(tiktok);
    const replayCode = second.back.searchParams.get('code')!;
    await rejects(
      tiktok.exchangeCode({ code: replayCode, redirectUri: REDIRECT, codeVerifier: second.pkce.codeVerifier }),
      'CREDENTIAL_INVALID',
    );
    await rejects(tiktok.refreshToken(second.grant.token), 'CREDENTIAL_INVALID', /revoked/);

    const third = createPkcePair();
    const b3 = await authorize(
      tiktok.authorizeUrl({ state: 's', redirectUri: REDIRECT, codeChallenge: third.codeChallenge }),
    );
    await rejects(
      tiktok.exchangeCode({
        code: b3.searchParams.get('code')!,
        redirectUri: 'https://evil.example/cb',
        codeVerifier: third.codeVerifier,
      }),
      'CREDENTIAL_INVALID',
      /redirect_uri/,
    );
  });

  it('Instagram: authorize (no PKCE), code → short-lived → long-lived token, profile', async () => {
    const { instagram } = fx.adapters;
    const url = new URL(instagram.authorizeUrl({ state: 'st_2', redirectUri: REDIRECT, codeChallenge: 'ignored' }));
    assert.equal(url.pathname, '/oauth/authorize');
    assert.equal(url.searchParams.get('client_id'), SANDBOX_CLIENTS.instagram.clientId);
    assert.equal(url.searchParams.get('scope'), 'instagram_business_basic,instagram_business_content_publish');
    assert.equal(url.searchParams.get('code_challenge'), null);
    const { back, grant } = await connect(instagram, '&sandbox_handle=brand.one');
    assert.equal(back.hash, '#_');
    assert.match(grant.token.accessToken, /^IGAAsbx/, 'the long-lived token, not the short-lived one');
    assert.equal(grant.token.refreshToken, undefined);
    assert.ok(Date.parse(grant.token.expiresAt!) > Date.now() + 59 * 24 * 3600 * 1000, grant.token.expiresAt);
    assert.match(grant.externalAccountId, /^\d{17}$/);
    assert.deepEqual(
      fx.sandbox.log.slice(-2).map((c) => [c.endpoint, c.status]),
      [
        ['instagram.token', 200],
        ['instagram.exchange', 200],
      ],
    );
    assert.equal((await instagram.fetchProfile(grant.token)).handle, 'brand.one');
  });

  it('refresh: TikTok rotates the refresh token (the old one is then invalid_grant); Instagram extends the long-lived token', async () => {
    const { tiktok, instagram } = fx.adapters;
    const { grant } = await connect(tiktok);
    const fresh = await tiktok.refreshToken(grant.token);
    assert.notEqual(fresh.accessToken, grant.token.accessToken);
    assert.notEqual(fresh.refreshToken, grant.token.refreshToken);
    await rejects(tiktok.refreshToken(grant.token), 'CREDENTIAL_INVALID', /invalid_grant/);
    assert.ok((await tiktok.refreshToken(fresh)).accessToken);

    const ig = (await connect(instagram)).grant;
    const igFresh = await instagram.refreshToken(ig.token);
    assert.notEqual(igFresh.accessToken, ig.token.accessToken);
    assert.equal(igFresh.scope, ig.token.scope);
  });

  it('RFC 7009: revoke answers 200, the whole grant is dead afterwards; unknown tokens are 200 too', async () => {
    const { tiktok } = fx.adapters;
    const { grant } = await connect(tiktok);
    assert.deepEqual(await tiktok.revokeToken(grant.token), { outcome: 'revoked' });
    const call = fx.sandbox.calls('tiktok.revoke').at(-1)!;
    assert.deepEqual([call.status, call.token, call.known], [200, grant.token.accessToken, true]);
    await rejects(tiktok.refreshToken(grant.token), 'CREDENTIAL_INVALID', /revoked/);
    await rejects(
      tiktok.publish(grant.token, { ...VIDEO, externalAccountId: grant.externalAccountId }, 'k'),
      'CREDENTIAL_INVALID',
      /access_token_invalid/,
    );
    assert.deepEqual(await tiktok.revokeToken({ accessToken: 'act.never-issued' }), { outcome: 'revoked' });
    assert.equal(fx.sandbox.calls('tiktok.revoke').at(-1)!.known, false);
  });

  it('Instagram has no revocation endpoint: the adapter says unsupported and calls nothing', async () => {
    const before = fx.sandbox.log.length;
    assert.deepEqual(await fx.adapters.instagram.revokeToken({ accessToken: 'IGAAsbx-anything' }), {
      outcome: 'unsupported',
    });
    assert.equal(fx.sandbox.log.length, before);
  });

  for (const platform of ['tiktok', 'instagram'] as Platform[]) {
    it(`${platform}: publish is idempotent by key — same key, same external id; a new key, a new post`, async () => {
      const adapter = fx.adapters[platform];
      const { token, externalAccountId } = fx.sandbox.issueToken(platform);
      const post = { ...VIDEO, externalAccountId };
      const first = await adapter.publish(token, post, 'sp_key_1');
      const again = await adapter.publish(token, post, 'sp_key_1');
      const other = await adapter.publish(token, post, 'sp_key_2');
      assert.equal(again.externalId, first.externalId);
      assert.notEqual(other.externalId, first.externalId);
      const published = fx.sandbox
        .calls(`${platform}.publish`)
        .filter((c) => c.externalAccountId === externalAccountId);
      assert.deepEqual(
        published.map((c) => [c.idempotencyKey, c.replayed]),
        [
          ['sp_key_1', false],
          ['sp_key_1', true],
          ['sp_key_2', false],
        ],
      );
    });
  }

  it('fault switches over HTTP: 5xx for a count of calls is RETRYABLE, then the endpoint recovers', async () => {
    const arm = await fetch(`${fx.sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'tiktok.token', mode: '5xx', count: 2 }),
    });
    assert.equal(arm.status, 200, await arm.text());
    const { token } = fx.sandbox.issueToken('tiktok');
    await rejects(fx.adapters.tiktok.refreshToken(token), 'RETRYABLE', /503 temporarily_unavailable/);
    await rejects(fx.adapters.tiktok.refreshToken(token), 'RETRYABLE');
    assert.ok((await fx.adapters.tiktok.refreshToken(token)).accessToken);
    const log = (await (await fetch(`${fx.sandbox.url}/__sandbox/log`)).json()) as {
      calls: { endpoint: string; fault?: string; status: number }[];
    };
    assert.deepEqual(
      log.calls
        .filter((c) => c.endpoint === 'tiktok.token')
        .slice(-3)
        .map((c) => [c.status, c.fault]),
      [
        [503, '5xx'],
        [503, '5xx'],
        [200, undefined],
      ],
    );
    const bad = await fetch(`${fx.sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ endpoint: 'nope', mode: '5xx' }),
    });
    assert.equal(bad.status, 422);
  });

  it('fault switches: timeout is RETRYABLE at the adapter deadline; invalid_grant is CREDENTIAL_INVALID; DELETE disarms', async () => {
    const quick = createSandboxAdapters(fx.sandbox.url, { timeoutMs: 200 });
    const { token } = fx.sandbox.issueToken('tiktok');
    fx.sandbox.setFault({ endpoint: 'tiktok.token', mode: 'timeout', count: 1 });
    await rejects(quick.tiktok.refreshToken(token), 'RETRYABLE', /timed out/);
    assert.equal(fx.sandbox.calls('tiktok.token').at(-1)!.status, 0);
    fx.sandbox.setFault({ endpoint: '*', mode: 'invalid_grant' });
    await rejects(quick.tiktok.refreshToken(token), 'CREDENTIAL_INVALID');
    await rejects(quick.instagram.refreshToken(fx.sandbox.issueToken('instagram').token), 'CREDENTIAL_INVALID', /190/);
    assert.equal((await fetch(`${fx.sandbox.url}/__sandbox/faults`, { method: 'DELETE' })).status, 204);
    assert.ok((await quick.tiktok.refreshToken(token)).accessToken);
  });

  it('lost_response: the publish happens but the answer is lost; the retry with the same key finds the same post', async () => {
    const { token, externalAccountId } = fx.sandbox.issueToken('tiktok');
    fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode: 'lost_response', count: 1 });
    await rejects(fx.adapters.tiktok.publish(token, { ...VIDEO, externalAccountId }, 'sp_lost'), 'RETRYABLE');
    const lost = fx.sandbox.calls('tiktok.publish').at(-1)!;
    const retried = await fx.adapters.tiktok.publish(token, { ...VIDEO, externalAccountId }, 'sp_lost');
    assert.equal(retried.externalId, lost.externalId);
  });

  it('timeout_after_effect: the publish happens and no answer comes: outcome unknown (publishes only); the same key finds the same post', async () => {
    const quick = createSandboxAdapters(fx.sandbox.url, { timeoutMs: 200 });
    const { token, externalAccountId } = fx.sandbox.issueToken('tiktok');
    fx.sandbox.setFault({ endpoint: 'tiktok.publish', mode: 'timeout_after_effect', count: 1 });
    await assert.rejects(
      quick.tiktok.publish(token, { ...VIDEO, externalAccountId }, 'sp_unanswered'),
      (err: unknown) =>
        isPlatformError(err) && err.kind === 'RETRYABLE' && err.outcomeUnknown && /timed out/.test(err.message),
    );
    const lost = fx.sandbox.calls('tiktok.publish').at(-1)!;
    assert.deepEqual([lost.status, lost.fault, lost.replayed], [0, 'timeout_after_effect', false]);
    assert.equal(
      (await quick.tiktok.publish(token, { ...VIDEO, externalAccountId }, 'sp_unanswered')).externalId,
      lost.externalId,
    );
    fx.sandbox.setFault({ endpoint: 'tiktok.token', mode: 'timeout_after_effect', count: 1 });
    await assert.rejects(
      quick.tiktok.refreshToken(token),
      (err: unknown) => isPlatformError(err) && err.kind === 'RETRYABLE' && !err.outcomeUnknown,
    );
    const closed = net.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as net.AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = createSandboxAdapters(`http://127.0.0.1:${port}`, { timeoutMs: 1000 });
    await assert.rejects(
      refused.tiktok.publish(token, { ...VIDEO, externalAccountId }, 'sp_refused'),
      (err: unknown) =>
        isPlatformError(err) && err.kind === 'RETRYABLE' && !err.outcomeUnknown && /network error/.test(err.message),
    );
  });

  it('findPublished: each family looks a post up by the reference it was sent with; ignoring keys, a repeat is a second post', async () => {
    for (const platform of ['tiktok', 'instagram'] as const) {
      const adapter = fx.adapters[platform];
      assert.equal(adapter.reconcile, 'by_reference');
      const { token, externalAccountId } = fx.sandbox.issueToken(platform);
      const post = { ...VIDEO, mediaUrls: ['https://cdn.example.com/a.jpg'], externalAccountId };
      const reference = `sp_lookup_${platform}`;
      assert.deepEqual(await adapter.findPublished(token, { externalAccountId, reference }), { found: false });
      const made = await adapter.publish(token, post, reference);
      assert.deepEqual(await adapter.findPublished(token, { externalAccountId, reference }), {
        found: true,
        externalId: made.externalId,
        externalUrl: null,
      });
      // Another user's token does not see it.
      const other = fx.sandbox.issueToken(platform);
      assert.deepEqual(
        await adapter.findPublished(other.token, { externalAccountId: other.externalAccountId, reference }),
        { found: false },
      );
      fx.sandbox.configure({ ignoreIdempotencyKeys: true });
      try {
        const again = await adapter.publish(token, post, reference);
        assert.notEqual(again.externalId, made.externalId, 'as a real platform: a second post');
      } finally {
        fx.sandbox.configure({ ignoreIdempotencyKeys: false });
      }
      assert.deepEqual(
        fx.sandbox.posts(reference).map((p) => p.scope),
        [`${platform}:${externalAccountId}`, `${platform}:${externalAccountId}`],
      );
      // A lookup that gets no clear answer throws; it never says "not found".
      fx.sandbox.setFault({
        endpoint: platform === 'tiktok' ? 'tiktok.publish_status' : 'instagram.media_list',
        mode: '5xx',
        count: 1,
      });
      await rejects(adapter.findPublished(token, { externalAccountId, reference }), 'RETRYABLE');
      await rejects(
        adapter.findPublished({ accessToken: 'act.unknown' }, { externalAccountId, reference }),
        'CREDENTIAL_INVALID',
      );
    }
  });

  it('real platforms declare no lookup; the control plane sets and validates the settings and lists the posts', async () => {
    const real = createSandboxAdapters(fx.sandbox.url, { reconcile: 'none' });
    for (const platform of ['tiktok', 'instagram'] as const) {
      assert.equal(real[platform].reconcile, 'none');
      await rejects(
        real[platform].findPublished({ accessToken: 'x' }, { externalAccountId: 'u', reference: 'r' }),
        'PERMANENT',
        /no lookup by reference/,
      );
    }
    const post = (path: string, body: unknown) =>
      fetch(`${fx.sandbox.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const bad = await post('/__sandbox/settings', { ignoreIdempotencyKeys: 'yes' });
    assert.deepEqual([bad.status, await bad.json()], [422, { error: 'ignoreIdempotencyKeys must be a boolean' }]);
    const unknown = await post('/__sandbox/settings', { surprise: true });
    assert.deepEqual([unknown.status, await unknown.json()], [422, { error: 'unknown settings: surprise' }]);
    const on = await post('/__sandbox/settings', { ignoreIdempotencyKeys: true });
    assert.deepEqual([on.status, await on.json()], [200, { settings: { ignoreIdempotencyKeys: true } }]);
    assert.equal((await post('/__sandbox/reset', {})).status, 204);
    const { token, externalAccountId } = fx.sandbox.issueToken('tiktok');
    const first = await fx.adapters.tiktok.publish(token, { ...VIDEO, externalAccountId }, 'sp_after_reset');
    const second = await fx.adapters.tiktok.publish(token, { ...VIDEO, externalAccountId }, 'sp_after_reset');
    assert.equal(second.externalId, first.externalId, 'reset restores the default: keys honoured');
    const listed = await (await fetch(`${fx.sandbox.url}/__sandbox/posts?reference=sp_after_reset`)).json();
    assert.deepEqual(
      listed.posts.map((p: { externalId: string }) => p.externalId),
      [first.externalId],
    );
  });

  it('classifies our own misconfiguration (invalid_client) as PERMANENT, not a credential problem', async () => {
    const wrong = createTikTokAdapter({
      baseUrl: fx.sandbox.url,
      clientKey: SANDBOX_CLIENTS.tiktok.clientKey,
      clientSecret: 'wrong',
    });
    await rejects(wrong.revokeToken({ accessToken: 'act.x' }), 'PERMANENT', /401 invalid_client/);
  });

  it('a platform that is not there at all is RETRYABLE (network error)', async () => {
    const gone = createSandboxAdapters('http://127.0.0.1:9', { timeoutMs: 1000 });
    await rejects(gone.tiktok.revokeToken({ accessToken: 'act.x' }), 'RETRYABLE', /network error/);
  });
});

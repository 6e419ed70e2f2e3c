import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { sessionKeys } from '../../src/console/session.js';
import { OPERATOR_EVENTS } from '../../src/events/catalogue.js';
import { createFailedAuthLimiter } from '../../src/http/guards/rate-limit.js';
import type { Runtime } from '../../src/runtime.js';
import { appDeps } from '../../src/server.js';
import { ADMIN_TOKEN, describeEachDb, json } from '../harness.js';
import { FORM, form, page, post, signIn } from './helpers.js';

// The console's sessions and forms without a browser: redirects, cookies, CSRF, cross-site posts.

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describeEachDb('console sessions', (h) => {
  const globalSwitch = async () => json(await h.inject({ method: 'GET', url: '/admin/v1/overview', headers: admin }));

  describe('signing in', () => {
    it('without a session every page and form redirects (303) to the sign-in page', async () => {
      for (const url of ['/console', '/console/organizations', '/console/lease-requests', '/console/webhooks']) {
        const res = await h.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 303, url);
        assert.equal(res.headers.location, '/console/sign-in', url);
      }
      const res = await h.inject({
        method: 'POST',
        url: '/console/kill-switch',
        headers: FORM,
        payload: form({ on: 'true', confirm: 'yes' }),
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/console/sign-in');
      assert.equal((await globalSwitch()).globalKillSwitch, false, 'nothing changed');
      const signInPage = await h.inject({ method: 'GET', url: '/console/sign-in' });
      assert.equal(signInPage.statusCode, 200);
      assert.match(signInPage.body, /<label for="token">Operator token<\/label>/);
      assert.match(
        signInPage.body,
        /<form method="post" action="\/console\/sign-in"/,
        'the token is posted, never in a URL',
      );
      assert.match(String(signInPage.headers['content-security-policy']), /default-src 'none'/);
    });

    it('a wrong token is 401 with no cookie; the right one sets an HttpOnly, SameSite=Strict, Secure cookie', async () => {
      const wrong = await h.inject({
        method: 'POST',
        url: '/console/sign-in',
        headers: FORM,
        payload: form({ token: 'nope' }),
      });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.headers['set-cookie'], undefined);
      assert.match(wrong.body, /That is not the operator token/);
      const { cookie, setCookie } = await signIn(h);
      const attrs = setCookie.split('; ');
      for (const a of ['HttpOnly', 'SameSite=Strict', 'Path=/console', 'Secure'])
        assert.ok(attrs.includes(a), setCookie);
      assert.ok(!setCookie.includes(ADMIN_TOKEN), 'the token is not in the cookie');
      const { html } = await page(h, cookie, '/console');
      assert.match(html, /Global kill switch/);
      assert.ok(!html.includes(ADMIN_TOKEN), 'the token is not in the page');
    });

    it('in production the cookie is Secure (only development serves it without), and the docs say TLS', () => {
      const deps = (nodeEnv: string) =>
        appDeps({ limits: {}, database: { kind: 'pglite' }, config: { nodeEnv }, platforms: {} } as unknown as Runtime);
      assert.equal(deps('production').consoleSecureCookie, true);
      assert.equal(deps('test').consoleSecureCookie, true);
      assert.equal(deps('development').consoleSecureCookie, false);
      const ops = fs.readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
      assert.match(ops, /The operator console[\s\S]*behind TLS/);
    });

    it('wrong tokens spend the address’s budget of failed authentications: then 429, even for the right one', async () => {
      const saved = h.deps.failedAuthLimiter;
      h.deps.failedAuthLimiter = createFailedAuthLimiter({ perMinute: 2 });
      try {
        const attempt = (token: string) =>
          h.inject({ method: 'POST', url: '/console/sign-in', headers: FORM, payload: form({ token }) });
        assert.equal((await attempt('wrong-1')).statusCode, 401);
        assert.equal((await attempt('wrong-2')).statusCode, 401);
        const spent = await attempt(ADMIN_TOKEN);
        assert.equal(spent.statusCode, 429);
        assert.match(spent.body, /RATE_LIMITED: Too many failed authentication attempts/);
        assert.ok(Number(spent.headers['retry-after']) > 0);
        assert.equal(spent.headers['set-cookie'], undefined);
      } finally {
        h.deps.failedAuthLimiter = saved;
      }
    });

    it('a cookie signed under another token, a tampered one, or an expired one is no session', async () => {
      const now = h.clock.now().getTime();
      const other = sessionKeys('another_operator_token_0123456789abcdef').issue(now).cookie;
      const mine = sessionKeys(ADMIN_TOKEN).issue(now).cookie;
      const tampered = `${mine.slice(0, -2)}${mine.endsWith('A') ? 'B' : 'A'}A`;
      const expired = sessionKeys(ADMIN_TOKEN).issue(now - 9 * 3600_000).cookie;
      for (const value of [other, tampered, expired]) {
        const res = await h.inject({ method: 'GET', url: '/console', headers: { cookie: `layers_console=${value}` } });
        assert.equal(res.statusCode, 303, value);
      }
      const ok = await h.inject({ method: 'GET', url: '/console', headers: { cookie: `layers_console=${mine}` } });
      assert.equal(ok.statusCode, 200);
    });

    it('an unknown console page is an HTML 404 for a session, a redirect without one', async () => {
      assert.equal((await h.inject({ method: 'GET', url: '/console/nope' })).statusCode, 303);
      const { cookie } = await signIn(h);
      const res = await h.inject({ method: 'GET', url: '/console/nope', headers: { cookie } });
      assert.equal(res.statusCode, 404);
      assert.match(res.body, /<h1>No such page<\/h1>/);
    });

    it('signing out clears the cookie (Max-Age=0) and is on the operator audit trail', async () => {
      const { cookie } = await signIn(h);
      const { csrf } = await page(h, cookie, '/console');
      const res = await post(h, cookie, '/console/sign-out', { _csrf: csrf });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/console/sign-in');
      assert.match(String(res.headers['set-cookie']), /^layers_console=; Path=\/console; Max-Age=0; HttpOnly/);
      const rows = await h.db
        .selectFrom('operator_audit_log')
        .selectAll()
        .where('action', 'like', 'console.%')
        .execute();
      assert.ok(rows.some((r) => r.action === 'console.signed_out' && r.via === 'console' && r.session_id));
    });
  });

  describe('forms', () => {
    it('refuses (403) a post without the CSRF token, with another session’s, or from another site', async () => {
      const { cookie } = await signIn(h);
      const { csrf } = await page(h, cookie, '/console');
      const otherCsrf = (await page(h, (await signIn(h)).cookie, '/console')).csrf;
      const fields = { on: 'true', confirm: 'yes' };
      const refused = [
        await post(h, cookie, '/console/kill-switch', fields),
        await post(h, cookie, '/console/kill-switch', { ...fields, _csrf: otherCsrf }),
        await post(h, cookie, '/console/kill-switch', { ...fields, _csrf: csrf }, { origin: 'https://evil.example' }),
        await post(h, cookie, '/console/kill-switch', { ...fields, _csrf: csrf }, { 'sec-fetch-site': 'cross-site' }),
        await post(h, cookie, '/console/kill-switch', { ...fields, _csrf: csrf }, { 'sec-fetch-site': 'same-site' }),
      ];
      for (const res of refused) {
        assert.equal(res.statusCode, 403, res.body.slice(0, 300));
        assert.match(res.body, /did not come from this console/);
      }
      assert.equal((await globalSwitch()).globalKillSwitch, false, 'no refused post changed anything');
    });

    it('the global switch needs its confirmation; then flips, audited as the console session', async () => {
      const { cookie } = await signIn(h);
      const { csrf } = await page(h, cookie, '/console');
      const unconfirmed = await post(h, cookie, '/console/kill-switch', { on: 'true', _csrf: csrf });
      assert.equal(unconfirmed.statusCode, 422);
      assert.match(unconfirmed.body, /Tick the confirmation box/);
      assert.equal((await globalSwitch()).globalKillSwitch, false);
      const on = await post(
        h,
        cookie,
        '/console/kill-switch',
        { on: 'true', confirm: 'yes', _csrf: csrf },
        {
          origin: 'http://localhost:80',
          'sec-fetch-site': 'same-origin',
        },
      );
      assert.equal(on.statusCode, 303, on.body);
      assert.equal(on.headers.location, '/console?done=global_on');
      const t = await h.tenant();
      const refused = await h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth });
      assert.equal(refused.statusCode, 503);
      assert.equal(json(refused).error.code, 'KILL_SWITCH');
      const off = await post(h, cookie, '/console/kill-switch', { on: 'false', confirm: 'yes', _csrf: csrf });
      assert.equal(off.statusCode, 303);
      assert.equal((await h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth })).statusCode, 200);
      const rows = await h.db
        .selectFrom('operator_audit_log')
        .selectAll()
        .where('action', '=', 'kill_switch.set')
        .where('via', '=', 'console')
        .orderBy('id')
        .execute();
      const last2 = rows.slice(-2);
      assert.deepEqual(
        last2.map((r) => r.data),
        [
          { scope: 'global', on: true },
          { scope: 'global', on: false },
        ],
      );
      for (const r of last2) {
        assert.match(r.request_id ?? '', /^req_/);
        assert.ok(r.session_id);
        OPERATOR_EVENTS['kill_switch.set'].strict().parse(r.data);
      }
    });

    it('rejects a lease request with the reason the partner then sees; audited', async () => {
      const t = await h.tenant();
      const created = await h.inject({
        method: 'POST',
        url: `/v1/projects/${t.projectId}/leased-accounts/request`,
        headers: t.auth,
        payload: { count: 1, niche: { vertical: 'food' } },
      });
      const { requestId } = json(created);
      const { cookie } = await signIn(h);
      const { csrf, html } = await page(h, cookie, `/console/lease-requests/${requestId}`);
      assert.match(html, /<label for="reason">Reason \(the partner sees it\)<\/label>/);
      const res = await post(h, cookie, `/console/lease-requests/${requestId}/reject`, {
        reason: 'no food accounts',
        _csrf: csrf,
      });
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, `/console/lease-requests/${requestId}?done=rejected`);
      const seen = json(
        await h.inject({
          method: 'GET',
          url: `/v1/projects/${t.projectId}/leased-accounts/requests/${requestId}`,
          headers: t.auth,
        }),
      );
      assert.equal(seen.status, 'rejected');
      assert.equal(seen.rejectedReason, 'no food accounts');
      const after = await page(h, cookie, String(res.headers.location));
      assert.match(after.html, /Request rejected\./);
      assert.doesNotMatch(after.html, /<h2>Reject<\/h2>/, 'nothing left to reject');
      const rows = await h.db.selectFrom('operator_audit_log').selectAll().where('target', '=', requestId).execute();
      assert.deepEqual(
        rows.map((r) => [r.action, r.via, r.data]),
        [['lease_request.rejected', 'console', { reason: 'no food accounts' }]],
      );
      const again = await post(h, cookie, `/console/lease-requests/${requestId}/reject`, { reason: 'x', _csrf: csrf });
      assert.equal(again.statusCode, 409);
      assert.match(again.body, /CONFLICT: Lease request lreq_[0-9a-f-]+ is rejected\./);
    });

    it('escapes what partners named: an organization called <script> is text', async () => {
      const name = `<script>alert("x")</script><img src=x onerror=alert(1)> ${Date.now()}`;
      await h.inject({ method: 'POST', url: '/admin/v1/organizations', headers: admin, payload: { name } });
      const { cookie } = await signIn(h);
      const { html } = await page(h, cookie, `/console/organizations?q=${encodeURIComponent('<script>')}`);
      assert.ok(!html.includes('<script>alert'), 'no markup from data');
      assert.ok(!html.includes('<img src=x'), 'no markup from data');
      assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;'));
    });
  });
});

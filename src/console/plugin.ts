import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context.js';
import { INTERNAL_MESSAGE, toApiError } from '../http/errors.js';
import { operatorTokenCheck } from '../http/operator-token.js';
import type { AdminCtx } from '../services/admin-context.js';
import { recordConsoleSession } from '../services/operator-actions.js';
import { type ConsolePage, pageContext } from './context.js';
import { html } from './html.js';
import { CSP, CSS, JS, layout } from './layout.js';
import { accountPages } from './pages/accounts.js';
import { leasePages } from './pages/leases.js';
import { organizationPages } from './pages/organizations.js';
import { overviewPage } from './pages/overview.js';
import { webhookPages } from './pages/webhooks.js';
import {
  readCookie,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  type Session,
  sessionCookie,
  sessionKeys,
} from './session.js';

// The operator console at /console (docs/operations.md, "The operator console"): server-rendered
// pages over the operator plane's services, signed in with the operator token.

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: Session;
  }
}

const PUBLIC = new Set(['/console/sign-in', '/console/assets/console.css', '/console/assets/console.js']);

/** A request from another site: its browser says so (Fetch Metadata), or its Origin is not ours. */
function crossSite(request: FastifyRequest) {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    const o = new URL(origin);
    return o.host !== new URL(`${o.protocol}//${request.host}`).host; // default ports compare equal
  } catch {
    return true;
  }
}

export const consoleRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const keys = sessionKeys(deps.adminToken);
    const isOperator = operatorTokenCheck(deps.adminToken);
    const secure = deps.consoleSecureCookie ?? true;
    const base: AdminCtx = {
      db: deps.db,
      clock: deps.clock,
      tokenCrypto: deps.tokenCrypto,
      issueFixtureToken: deps.issueFixtureToken,
    };
    const nowMs = () => deps.clock.now().getTime();

    // Pages are not the partner API: none of them is in the OpenAPI document.
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    // Forms post application/x-www-form-urlencoded; only in this scope (the API reads JSON only).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(body as string)) {
        const seen = out[k];
        out[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
      }
      done(null, out);
    });

    app.addHook('onRequest', async (request, reply) => {
      reply
        .header('content-security-policy', CSP)
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'same-origin') // no-referrer would make the browser send Origin: null
        .header('x-content-type-options', 'nosniff');
      const path = request.url.split('?')[0]!;
      if (PUBLIC.has(path)) return;
      request.consoleSession = keys.verify(readCookie(request.headers.cookie, SESSION_COOKIE), nowMs());
      if (!request.consoleSession) return reply.redirect('/console/sign-in', 303);
    });
    // Every state change: the session's CSRF token in the form, and no sign of another site.
    app.addHook('preValidation', async (request, reply) => {
      if (request.method !== 'POST') return;
      const session = request.consoleSession;
      const token = (request.body as Record<string, unknown> | undefined)?._csrf;
      if (crossSite(request) || (session && !keys.csrfMatches(session, token))) {
        request.refusal = { code: 'FORBIDDEN', message: 'console: cross-site or CSRF-less form refused' };
        return reply
          .code(403)
          .type('text/html; charset=utf-8')
          .send(
            String(
              layout({
                title: 'Refused',
                body: html`<p>This form did not come from this console. Reload the page and try again.</p>`,
              }),
            ),
          );
      }
    });
    app.setErrorHandler((err, request, reply) => {
      const apiError = toApiError(err);
      const status = apiError && apiError.code !== 'INTERNAL' ? apiError.status : 500;
      if (status === 500) request.log.error({ err }, 'unhandled error');
      request.refusal = { code: apiError?.code ?? 'INTERNAL', message: apiError?.message ?? INTERNAL_MESSAGE };
      const message = status === 500 ? INTERNAL_MESSAGE : apiError!.message;
      const session = request.consoleSession;
      const page = layout({
        title: status === 500 ? 'Something went wrong' : 'That did not work',
        csrf: session && keys.csrfToken(session),
        notice: { kind: 'error', text: `${apiError?.code ?? 'INTERNAL'}: ${message}` },
        body: html`<p>Request <code>${request.id}</code>. Go back and try again, or
          <a href="/console">return to the overview</a>.</p>`,
      });
      return reply.code(status).type('text/html; charset=utf-8').send(String(page));
    });

    app.setNotFoundHandler((request, reply) => {
      const session = request.consoleSession;
      const page = layout({
        title: 'No such page',
        csrf: session && keys.csrfToken(session),
        body: html`<p><a href="/console">Back to the overview</a>.</p>`,
      });
      return reply.code(404).type('text/html; charset=utf-8').send(String(page));
    });
    app.get('/assets/console.css', async (_q, reply) => reply.type('text/css; charset=utf-8').send(CSS));
    app.get('/assets/console.js', async (_q, reply) => reply.type('text/javascript; charset=utf-8').send(JS));

    const signInPage = (reply: FastifyReply, status: number, error?: string) =>
      reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(
          String(
            layout({
              title: 'Sign in',
              notice: error ? { kind: 'error', text: error } : undefined,
              body: html`<form method="post" action="/console/sign-in" class="panel">
  <div class="field"><label for="token">Operator token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required size="50"></div>
  <p class="muted">The value of <code>LAYERS_ADMIN_TOKEN</code> (or <code>&lt;dataDir&gt;/admin-token</code>).</p>
  <button type="submit">Sign in</button>
</form>`,
            }),
          ),
        );

    app.get('/sign-in', async (_req, reply) => signInPage(reply, 200));
    app.post(
      '/sign-in',
      { schema: { body: z.object({ token: z.string().max(1000).default('') }) } },
      async (req, reply) => {
        const limiter = deps.failedAuthLimiter;
        await limiter?.refuseWhenSpent(req.ip, reply);
        if (!isOperator(req.body.token)) {
          await limiter?.count(req.ip);
          req.refusal = { code: 'UNAUTHENTICATED', message: 'console: wrong operator token' };
          return signInPage(reply, 401, 'That is not the operator token.');
        }
        const { cookie, session } = keys.issue(nowMs());
        await recordConsoleSession(pageContext(base, session, req.id), 'console.signed_in');
        reply.header('set-cookie', sessionCookie(cookie, { secure, maxAge: SESSION_TTL_SECONDS }));
        return reply.redirect('/console', 303);
      },
    );
    app.post('/sign-out', async (req, reply) => {
      await recordConsoleSession(pageContext(base, req.consoleSession!, req.id), 'console.signed_out');
      reply.header('set-cookie', sessionCookie('', { secure, maxAge: 0 }));
      return reply.redirect('/console/sign-in', 303);
    });

    const page: ConsolePage = { app, base, csrf: (req) => keys.csrfToken(req.consoleSession!) };
    overviewPage(page);
    organizationPages(page);
    leasePages(page);
    accountPages(page);
    webhookPages(page);
  };

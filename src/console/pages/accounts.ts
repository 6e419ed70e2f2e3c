import { z } from 'zod';
import { idParam } from '../../ids.js';
import { operatorRevokeSocialAccount } from '../../services/operator-actions.js';
import { findSocialAccounts, socialAccountDetail } from '../../services/operator-views.js';
import { type ConsolePage, ctxOf, noticeFrom, redirectDone, sendPage } from '../context.js';
import { html } from '../html.js';
import { csrfField } from '../layout.js';

const AccountParams = z.object({ socialAccountId: idParam('sa') });

/** Find an account by id or handle; its detail, queued posts and upstream revocation; revoke. */
export function accountPages(p: ConsolePage) {
  p.app.get(
    '/social-accounts',
    { schema: { querystring: z.object({ q: z.string().max(200).optional() }) } },
    async (req, reply) => {
      const q = req.query.q ?? '';
      const { items } = await findSocialAccounts(ctxOf(p, req), q);
      const body = html`
<form method="get" action="/console/social-accounts" role="search" class="row">
  <div class="field"><label for="q">Account id or handle</label>
    <input id="q" name="q" type="search" value="${q}" size="40" placeholder="sa_… or @handle"></div>
  <button type="submit">Find</button>
</form>
${
  q &&
  html`<table><thead><tr><th scope="col">Handle</th><th scope="col">Platform</th><th scope="col">Status</th>
  <th scope="col">Env</th><th scope="col">Organization</th><th scope="col">Id</th></tr></thead>
<tbody>${items.map(
    (a) => html`<tr><td><a href="/console/social-accounts/${a.socialAccountId}">@${a.handle}</a></td>
  <td>${a.platform}</td>
  <td>${a.status}${a.leased ? ' (leased)' : ''}</td><td>${a.env}</td><td>${a.organizationName ?? '—'}</td>
  <td class="mono">${a.socialAccountId}</td></tr>`,
  )}</tbody></table>
${items.length === 0 ? html`<p class="muted">No account with that id or handle.</p>` : ''}`
}`;
      return sendPage(p, req, reply, { title: 'Social accounts', active: 'accounts', body });
    },
  );

  p.app.get('/social-accounts/:socialAccountId', { schema: { params: AccountParams } }, async (req, reply) => {
    const a = await socialAccountDetail(ctxOf(p, req), req.params.socialAccountId);
    const up = a.upstreamRevocation;
    const body = html`
<dl class="panel">
  <dt>Id</dt><dd class="mono">${a.socialAccountId}</dd>
  <dt>Platform</dt><dd>${a.platform} (${a.env}${a.leased ? ', leased' : ''})</dd>
  <dt>Status</dt><dd id="account-status">${a.status}${a.disconnectedReason ? ` (${a.disconnectedReason})` : ''}</dd>
  <dt>Organization</dt><dd><a href="/console/organizations/${a.organizationId}">${a.organizationId}</a></dd>
  <dt>Project</dt><dd class="mono">${a.projectId}</dd>
  <dt>Connected</dt><dd>${a.connectedAt ?? '—'}</dd>
  <dt>Disconnected</dt><dd>${a.disconnectedAt ?? '—'}</dd>
  <dt>Upstream revocation</dt><dd id="upstream">${
    up ? [up.status, up.attemptedAt && `, attempted ${up.attemptedAt}`, up.lastError && ` (${up.lastError})`] : '—'
  }</dd>
  <dt>Queued posts</dt><dd>${a.queuedScheduledPosts}</dd>
</dl>
${
  a.status !== 'disconnected' &&
  html`<form method="post" action="/console/social-accounts/${a.socialAccountId}/revoke"
  data-confirm="Revoke @${a.handle}? ${a.queuedScheduledPosts} queued posts will be canceled.">${csrfField(p.csrf(req))}
  <button type="submit" class="danger">Revoke @${a.handle}</button>
  <span class="muted">Disconnects it, drops its token, cancels its ${a.queuedScheduledPosts} queued posts: what the
    partner's <code>DELETE /v1/social-accounts/:id</code> does.</span></form>`
}
<h2>Next queued posts</h2>
${
  a.queuedPosts.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table><thead><tr><th scope="col">Post</th><th scope="col">Due</th><th scope="col">Mode</th>
  <th scope="col">Retry at</th></tr></thead><tbody>${a.queuedPosts.map(
    (s) => html`<tr><td class="mono">${s.scheduledPostId}</td><td>${s.scheduledFor}</td><td>${s.mode}</td>
    <td>${s.retryAt ?? '—'}</td></tr>`,
  )}</tbody></table>`
}`;
    const notice = noticeFrom(req.query, {
      revoked: (n) => `Revoked: ${n} queued post${n === 1 ? '' : 's'} canceled.`,
    });
    return sendPage(p, req, reply, { title: `@${a.handle}`, active: 'accounts', body, notice });
  });

  p.app.post('/social-accounts/:socialAccountId/revoke', { schema: { params: AccountParams } }, async (req, reply) => {
    const r = await operatorRevokeSocialAccount(ctxOf(p, req), req.params.socialAccountId);
    return redirectDone(reply, `/console/social-accounts/${r.socialAccountId}`, 'revoked', r.canceledScheduledPosts);
  });
}

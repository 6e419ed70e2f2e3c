import { z } from 'zod';
import { idParam } from '../../ids.js';
import { createOrganization, setKillSwitch } from '../../services/admin.js';
import { findOrganizations, organizationDetail } from '../../services/operator-views.js';
import { type ConsolePage, ctxOf, noticeFrom, redirectDone, sendPage } from '../context.js';
import { html } from '../html.js';
import { csrfField } from '../layout.js';

const OrgParams = z.object({ orgId: idParam('org') });
const Flip = z.object({ on: z.enum(['true', 'false']), _csrf: z.string() });

const badge = (on: boolean) => html`<span class="badge ${on ? 'on' : 'off'}">${on ? 'killed' : 'live'}</span>`;

function flipForm(csrf: string, action: string, on: boolean, what: string) {
  return html`<form method="post" action="${action}" class="inline"
    data-confirm="${on ? `Let ${what} back in?` : `Kill ${what}? Its requests will answer 503.`}">${csrfField(csrf)}
    <input type="hidden" name="on" value="${on ? 'false' : 'true'}">
    <button type="submit" class="${on ? 'secondary' : 'danger'}" aria-label="${on ? 'Unkill' : 'Kill'} ${what}">
      ${on ? 'Unkill' : 'Kill'}</button></form>`;
}

/** Search, create, and one organization's keys (masked), projects and kill switches. */
export function organizationPages(p: ConsolePage) {
  p.app.get(
    '/organizations',
    { schema: { querystring: z.object({ q: z.string().max(200).optional() }) } },
    async (req, reply) => {
      const { items } = await findOrganizations(ctxOf(p, req), req.query.q);
      const body = html`
<form method="get" action="/console/organizations" role="search" class="row">
  <div class="field"><label for="q">Name or id</label>
    <input id="q" name="q" type="search" value="${req.query.q ?? ''}" size="40"></div>
  <button type="submit">Search</button>
</form>
<table><thead><tr><th scope="col">Organization</th><th scope="col">Id</th><th scope="col" class="num">Active keys</th>
  <th scope="col">Kill switch</th><th scope="col">Created</th></tr></thead>
<tbody>${items.map(
        (o) => html`<tr><td><a href="/console/organizations/${o.organizationId}">${o.name}</a></td>
  <td class="mono">${o.organizationId}</td><td class="num">${o.activeKeys}</td><td>${badge(o.killSwitch)}</td>
  <td>${o.createdAt}</td></tr>`,
      )}</tbody></table>
${items.length === 0 ? html`<p class="muted">No organization matches.</p>` : ''}
<h2>Create an organization</h2>
<form method="post" action="/console/organizations" class="row">${csrfField(p.csrf(req))}
  <div class="field"><label for="name">Name</label>
    <input id="name" name="name" type="text" required maxlength="200"></div>
  <button type="submit">Create</button>
</form>`;
      return sendPage(p, req, reply, { title: 'Organizations', active: 'organizations', body });
    },
  );

  p.app.post(
    '/organizations',
    { schema: { body: z.object({ name: z.string().trim().min(1).max(200), _csrf: z.string() }) } },
    async (req, reply) => {
      const org = await createOrganization(ctxOf(p, req), { name: req.body.name });
      return redirectDone(reply, `/console/organizations/${org.organizationId}`, 'created');
    },
  );

  p.app.get('/organizations/:orgId', { schema: { params: OrgParams } }, async (req, reply) => {
    const o = await organizationDetail(ctxOf(p, req), req.params.orgId);
    const csrf = p.csrf(req);
    const body = html`
<p><span class="mono">${o.organizationId}</span> · created ${o.createdAt}</p>
<section class="panel" aria-labelledby="oks"><h2 id="oks">Kill switch ${badge(o.killSwitch)}</h2>
  ${flipForm(csrf, `/console/organizations/${o.organizationId}/kill-switch`, o.killSwitch, `organization ${o.name}`)}
</section>
<h2>API keys</h2>
<table><thead><tr><th scope="col">Key</th><th scope="col">Name</th><th scope="col">Env</th><th scope="col">Tier</th>
  <th scope="col">Scopes</th><th scope="col">State</th><th scope="col">Kill switch</th></tr></thead>
<tbody>${o.apiKeys.map(
      (k) => html`<tr><td class="mono">${k.masked}</td><td>${k.name ?? '—'}</td><td>${k.env}</td>
  <td>${k.rateLimitTier}</td>
  <td>${k.scopes.join(', ')}</td><td>${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}</td>
  <td>${badge(k.killSwitch)}
    ${flipForm(csrf, `/console/api-keys/${k.apiKeyId}/kill-switch`, k.killSwitch, `key ${k.prefix}`)}</td></tr>`,
    )}</tbody></table>
${
  o.apiKeys.length === 0 &&
  html`<p class="muted">No keys:
  <code>layers admin key create --org ${o.organizationId}</code></p>`
}
<h2>Projects</h2>
<table><thead><tr><th scope="col">Project</th><th scope="col">Id</th><th scope="col">Status</th>
  <th scope="col" class="num">Connected</th><th scope="col" class="num">Needs reauth</th>
  <th scope="col" class="num">Disconnected</th></tr></thead>
<tbody>${o.projects.map(
      (pr) => html`<tr><td>${pr.name}</td><td class="mono">${pr.projectId}</td><td>${pr.status}</td>
  <td class="num">${pr.accounts.connected}</td><td class="num">${pr.accounts.reauthRequired}</td>
  <td class="num">${pr.accounts.disconnected}</td></tr>`,
    )}</tbody></table>`;
    const notice = noticeFrom(req.query, {
      created: () => 'Organization created.',
      org_on: () => 'Organization killed: its requests answer 503 KILL_SWITCH.',
      org_off: () => 'Organization unkilled.',
      key_on: () => 'Key killed: its requests answer 503 KILL_SWITCH.',
      key_off: () => 'Key unkilled.',
    });
    return sendPage(p, req, reply, { title: o.name, active: 'organizations', body, notice });
  });

  p.app.post('/organizations/:orgId/kill-switch', { schema: { params: OrgParams, body: Flip } }, async (req, reply) => {
    const on = req.body.on === 'true';
    await setKillSwitch(ctxOf(p, req), { scope: 'organization', target: req.params.orgId, on });
    return redirectDone(reply, `/console/organizations/${req.params.orgId}`, on ? 'org_on' : 'org_off');
  });

  p.app.post(
    '/api-keys/:keyId/kill-switch',
    { schema: { params: z.object({ keyId: idParam('key') }), body: Flip } },
    async (req, reply) => {
      const on = req.body.on === 'true';
      const r = await setKillSwitch(ctxOf(p, req), { scope: 'key', target: req.params.keyId, on });
      return redirectDone(reply, `/console/organizations/${r.organizationId}`, on ? 'key_on' : 'key_off');
    },
  );
}

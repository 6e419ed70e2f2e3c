import { z } from 'zod';
import { ApiError } from '../../http/errors.js';
import { idParam } from '../../ids.js';
import {
  addPoolAccount,
  fulfilLeaseRequest,
  getLeaseRequestForOperator,
  listPool,
  listRequestsForOperator,
  rejectLeaseRequest,
} from '../../services/lease-operator.js';
import { type ConsolePage, ctxOf, noticeFrom, redirectDone, sendPage } from '../context.js';
import { html, thead } from '../html.js';
import { csrfField } from '../layout.js';

const ReqParams = z.object({ requestId: idParam('lreq') });
const ids = z.union([z.string(), z.array(z.string())]).optional();
const niche = (n: Record<string, string>) =>
  Object.entries(n)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || '—';
const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

/** The open lease requests, oldest first; one request's fulfilment from the pool; the pool. */
export function leasePages(p: ConsolePage) {
  p.app.get('/lease-requests', async (req, reply) => {
    const ctx = ctxOf(p, req);
    const open = [
      ...(await listRequestsForOperator(ctx, 'requested')).items,
      ...(await listRequestsForOperator(ctx, 'partial')).items,
    ].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.requestId.localeCompare(b.requestId));
    const pool = (await listPool(ctx, 'available')).items;
    const body = html`
<h2>Open requests, oldest first</h2>
<table><thead><tr><th scope="col">Requested</th><th scope="col">Request</th><th scope="col">Organization</th>
  <th scope="col" class="num">Wanted</th><th scope="col" class="num">Assigned</th><th scope="col">Niche</th>
  <th scope="col">Note</th><th scope="col">Status</th></tr></thead>
<tbody>${open.map(
      (
        r,
      ) => html`<tr><td>${r.createdAt}</td><td><a href="/console/lease-requests/${r.requestId}">${r.requestId}</a></td>
  <td><a href="/console/organizations/${r.organizationId}">${r.organizationId}</a></td><td class="num">${r.count}</td>
  <td class="num">${r.assignedSocialAccountIds.length}</td><td>${niche(r.niche)}</td><td>${r.note ?? '—'}</td>
  <td>${r.status}</td></tr>`,
    )}</tbody></table>
${open.length === 0 ? html`<p class="muted">No open request.</p>` : ''}
<h2>Pool: ${pool.length} available</h2>
<table>${thead(['Pool account', 'Platform', 'Handle', '#Followers', '#Monthly', 'Niche'])}
<tbody>${pool.map(
      (a) => html`<tr><td class="mono">${a.poolAccountId}</td><td>${a.platform}</td><td>@${a.handle}</td>
  <td class="num">${a.followers}</td><td class="num">${dollars(a.monthlyPriceCents)}</td>
  <td>${niche(a.niche)}</td></tr>`,
    )}</tbody></table>
<h2>Add to the pool</h2>
<form method="post" action="/console/lease-pool" class="row">${csrfField(p.csrf(req))}
  <div class="field"><label for="platform">Platform</label>
    <select id="platform" name="platform">
      <option value="tiktok">TikTok</option><option value="instagram">Instagram</option></select></div>
  <div class="field"><label for="handle">Handle</label>
    <input id="handle" name="handle" type="text" required maxlength="100"></div>
  <div class="field"><label for="followers">Followers</label>
    <input id="followers" name="followers" type="number" min="0" value="0"></div>
  <button type="submit">Add</button>
</form>`;
    const notice = noticeFrom(req.query, { pool_added: () => 'Pool account added.' });
    return sendPage(p, req, reply, { title: 'Lease requests', active: 'leases', body, notice });
  });

  p.app.get('/lease-requests/:requestId', { schema: { params: ReqParams } }, async (req, reply) => {
    const ctx = ctxOf(p, req);
    const r = await getLeaseRequestForOperator(ctx, req.params.requestId);
    const pool = (await listPool(ctx, 'available')).items;
    const csrf = p.csrf(req);
    const missing = r.count - r.assignedSocialAccountIds.length;
    const open = r.status === 'requested' || r.status === 'partial';
    const body = html`
<dl class="panel"><dt>Organization</dt>
  <dd><a href="/console/organizations/${r.organizationId}">${r.organizationId}</a></dd>
  <dt>Project</dt><dd class="mono">${r.projectId}</dd><dt>Status</dt><dd>${r.status}</dd>
  <dt>Wanted / assigned</dt><dd>${r.count} / ${r.assignedSocialAccountIds.length}</dd>
  <dt>Niche</dt><dd>${niche(r.niche)}</dd><dt>Note</dt><dd>${r.note ?? '—'}</dd>
  ${r.rejectedReason ? html`<dt>Rejected because</dt><dd>${r.rejectedReason}</dd>` : ''}
  <dt>Assigned accounts</dt>
  <dd>${r.assignedSocialAccountIds.map(
    (id) => html`<a class="mono" href="/console/social-accounts/${id}">${id}</a>
  `,
  )}</dd>
</dl>
${
  open &&
  html`<h2>Fulfil from the pool (${missing} missing)</h2>
<form method="post" action="/console/lease-requests/${r.requestId}/fulfil">${csrfField(csrf)}
<fieldset><legend>Pick accounts (fewer than ${missing} leaves the request partial),
  or leave all unticked and give a count</legend>
<table><thead><tr><th scope="col">
  <input type="checkbox" id="all" data-select-all="poolAccountIds" aria-label="Select all"></th>
  <th scope="col">Handle</th><th scope="col">Platform</th><th scope="col" class="num">Followers</th>
  <th scope="col">Niche</th></tr></thead>
<tbody>${pool.map(
    (a) => html`<tr>
  <td><input type="checkbox" name="poolAccountIds" value="${a.poolAccountId}" id="${a.poolAccountId}"></td>
  <td><label for="${a.poolAccountId}">@${a.handle}</label></td><td>${a.platform}</td><td class="num">${a.followers}</td>
  <td>${niche(a.niche)}</td></tr>`,
  )}</tbody></table>
<div class="row"><div class="field"><label for="count">Or the oldest available, how many</label>
  <input id="count" name="count" type="number" min="1" max="${missing}"></div>
<button type="submit">Fulfil</button></div></fieldset>
</form>
${
  r.status === 'requested' &&
  html`<h2>Reject</h2>
<form method="post" action="/console/lease-requests/${r.requestId}/reject" class="row"
  data-confirm="Reject this request?">${csrfField(csrf)}
  <div class="field"><label for="reason">Reason (the partner sees it)</label>
    <input id="reason" name="reason" type="text" required maxlength="500" size="50"></div>
  <button type="submit" class="danger">Reject</button>
</form>`
}`
}`;
    const notice = noticeFrom(req.query, {
      fulfilled: (n) => `Assigned ${n} account${n === 1 ? '' : 's'}; the request is now ${r.status}.`,
      rejected: () => 'Request rejected.',
    });
    return sendPage(p, req, reply, { title: `Lease request ${r.requestId}`, active: 'leases', body, notice });
  });

  p.app.post(
    '/lease-requests/:requestId/fulfil',
    {
      schema: {
        params: ReqParams,
        body: z.object({ poolAccountIds: ids, count: z.string().optional(), _csrf: z.string() }),
      },
    },
    async (req, reply) => {
      const picked = [req.body.poolAccountIds ?? []].flat();
      const count = req.body.count ? Number.parseInt(req.body.count, 10) : undefined;
      if (picked.length === 0 && !(count && count > 0))
        throw new ApiError('UNPROCESSABLE', 'Pick pool accounts, or give how many of the oldest available to assign.');
      const before = await getLeaseRequestForOperator(ctxOf(p, req), req.params.requestId);
      const after = await fulfilLeaseRequest(ctxOf(p, req), {
        requestId: req.params.requestId,
        ...(picked.length ? { poolAccountIds: picked } : { count }),
      });
      const n = after.assignedSocialAccountIds.length - before.assignedSocialAccountIds.length;
      return redirectDone(reply, `/console/lease-requests/${after.requestId}`, 'fulfilled', n);
    },
  );

  p.app.post(
    '/lease-requests/:requestId/reject',
    { schema: { params: ReqParams, body: z.object({ reason: z.string().trim().min(1).max(500), _csrf: z.string() }) } },
    async (req, reply) => {
      await rejectLeaseRequest(ctxOf(p, req), { requestId: req.params.requestId, reason: req.body.reason });
      return redirectDone(reply, `/console/lease-requests/${req.params.requestId}`, 'rejected');
    },
  );

  p.app.post(
    '/lease-pool',
    {
      schema: {
        body: z.object({
          platform: z.enum(['tiktok', 'instagram']),
          handle: z.string().trim().min(1).max(100),
          followers: z.coerce.number().int().min(0).optional(),
          _csrf: z.string(),
        }),
      },
    },
    async (req, reply) => {
      const { platform, handle, followers } = req.body;
      await addPoolAccount(ctxOf(p, req), { platform, handle: handle.replace(/^@/, ''), followers });
      return redirectDone(reply, '/console/lease-requests', 'pool_added');
    },
  );
}

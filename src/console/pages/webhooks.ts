import { z } from 'zod';
import { idParam } from '../../ids.js';
import { operatorReplayDelivery } from '../../services/operator-actions.js';
import { failingWebhookEndpoints } from '../../services/operator-views.js';
import { type ConsolePage, ctxOf, noticeFrom, redirectDone, sendPage } from '../context.js';
import { html, thead } from '../html.js';
import { csrfField } from '../layout.js';

/** Endpoints failing or paused for failing, their last deliveries, and replay. */
export function webhookPages(p: ConsolePage) {
  p.app.get('/webhooks', async (req, reply) => {
    const { items } = await failingWebhookEndpoints(ctxOf(p, req));
    const csrf = p.csrf(req);
    const body = html`
${items.length === 0 ? html`<p class="muted">No endpoint is failing or paused for failing.</p>` : ''}
${items.map(
  (e) => html`<section class="panel" aria-labelledby="${e.webhookEndpointId}">
  <h2 id="${e.webhookEndpointId}"><span class="mono">${e.url}</span>
    <span class="badge ${e.status === 'active' ? 'off' : 'on'}">
      ${e.status}${e.pausedReason ? `: ${e.pausedReason}` : ''}</span></h2>
  <p><a href="/console/organizations/${e.organizationId}">${e.organizationName}</a>
    · <span class="mono">${e.webhookEndpointId}</span>
    · ${e.consecutiveFailures} consecutive failures${e.pausedAt ? ` · paused ${e.pausedAt}` : ''}</p>
  <table><caption class="muted">Last deliveries, newest first</caption>
  ${thead(['Delivery', 'Event', 'Status', '#Attempts', 'Last error', 'Last attempt', 'Replay'])}
  <tbody>${e.lastDeliveries.map(
    (d) => html`<tr><td class="mono">${d.id}</td><td>${d.eventType}</td><td>${d.status}</td>
    <td class="num">${d.attempts}</td>
    <td>${d.lastStatusCode ? `HTTP ${d.lastStatusCode} ` : ''}${d.lastError ?? ''}</td>
    <td>${d.lastAttemptAt ?? '—'}</td>
    <td>${
      e.status === 'active'
        ? html`<form method="post" action="/console/webhook-deliveries/${d.id}/replay" class="inline">${csrfField(csrf)}
        <button type="submit" class="secondary" aria-label="Replay ${d.id}">Replay</button></form>`
        : html`<span class="muted">paused: the partner re-activates it</span>`
    }</td></tr>`,
  )}</tbody></table>
</section>`,
)}`;
    const notice = noticeFrom(req.query, {
      replayed: () => 'Replay queued: a new event, sent on the next worker pass.',
    });
    return sendPage(p, req, reply, { title: 'Webhooks', active: 'webhooks', body, notice });
  });

  p.app.post(
    '/webhook-deliveries/:deliveryId/replay',
    { schema: { params: z.object({ deliveryId: idParam('dlv') }) } },
    async (req, reply) => {
      await operatorReplayDelivery(ctxOf(p, req), req.params.deliveryId);
      return redirectDone(reply, '/console/webhooks', 'replayed');
    },
  );
}

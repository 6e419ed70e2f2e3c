import { z } from 'zod';
import { ApiError } from '../../http/errors.js';
import { setKillSwitch } from '../../services/admin.js';
import { operatorOverview } from '../../services/operator-views.js';
import { hourlyBars } from '../chart.js';
import { type ConsolePage, ctxOf, noticeFrom, redirectDone, sendPage } from '../context.js';
import { html, thead } from '../html.js';
import { csrfField } from '../layout.js';

const QUEUE_LABELS: Record<string, string> = {
  due_posts: 'Due posts',
  webhook_deliveries: 'Webhook deliveries',
  upstream_revocations: 'Upstream revocations',
  outbox: 'Outbox',
  canceled_posts: 'Canceled posts to record',
};

export function age(seconds: number) {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** The global kill switch (with a confirmation) and the queues at a glance. */
export function overviewPage(p: ConsolePage) {
  p.app.get('/', async (req, reply) => {
    const o = await operatorOverview(ctxOf(p, req));
    const on = o.globalKillSwitch;
    const body = html`
<section class="panel" aria-labelledby="ks">
  <h2 id="ks">Global kill switch
    <span class="badge ${on ? 'on' : 'off'}">${on ? 'ON: every partner request answers 503' : 'off'}</span></h2>
  <form method="post" action="/console/kill-switch"
    data-confirm="${on ? 'Let every partner back in?' : 'Stop every partner request and all publishing?'}">
    ${csrfField(p.csrf(req))}<input type="hidden" name="on" value="${on ? 'false' : 'true'}">
    <div class="row"><label><input type="checkbox" name="confirm" value="yes" required>
      ${on ? 'I want to turn the global kill switch off' : 'I understand this stops every partner and all publishing'}
    </label>
    <button type="submit" class="${on ? '' : 'danger'}">${on ? 'Turn off' : 'Turn on'}</button></div>
  </form>
</section>
<h2>Queues</h2>
<table>
  <caption class="muted">At ${o.at}. Failures: posts the publisher gave up on, delivery attempts and platform
    revocations that failed.</caption>
  ${thead(['Queue', '#Depth', '#Oldest waiting', '#Failures, last hour', 'Failures per hour, last 24 h'])}
  <tbody>${o.queues.map(
    (q) => html`<tr><th scope="row">${QUEUE_LABELS[q.queue] ?? q.queue}</th><td class="num">${q.depth}</td>
      <td class="num">${q.depth ? age(q.oldestAgeSeconds) : '—'}</td>
      <td class="num">${q.failedLastHour ?? '—'}</td>
      <td>${
        q.failuresByHour
          ? hourlyBars(q.failuresByHour, `${QUEUE_LABELS[q.queue]} failures`)
          : html`<span class="muted">cannot fail</span>`
      }</td></tr>`,
  )}</tbody>
</table>
<h2>Latest operator actions</h2>
${
  o.recentActions.length === 0
    ? html`<p class="muted">None yet.</p>`
    : html`<table><thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Via</th>
  <th scope="col">Target</th></tr></thead><tbody>${o.recentActions.map(
    (a) => html`<tr><td>${a.at}</td><td><code>${a.action}</code></td><td>${a.via}</td>
      <td class="mono">${a.target ?? a.organizationId ?? '—'}</td></tr>`,
  )}</tbody></table>`
}`;
    const notice = noticeFrom(req.query, {
      global_on: () => 'Global kill switch ON: every partner request answers 503 KILL_SWITCH.',
      global_off: () => 'Global kill switch off.',
    });
    return sendPage(p, req, reply, { title: 'Overview', active: 'overview', body, notice });
  });

  p.app.post(
    '/kill-switch',
    {
      schema: { body: z.object({ on: z.enum(['true', 'false']), confirm: z.string().optional(), _csrf: z.string() }) },
    },
    async (req, reply) => {
      if (req.body.confirm !== 'yes')
        throw new ApiError('UNPROCESSABLE', 'Tick the confirmation box to flip the global kill switch.');
      const on = req.body.on === 'true';
      await setKillSwitch(ctxOf(p, req), { scope: 'global', on });
      return redirectDone(reply, '/console', on ? 'global_on' : 'global_off');
    },
  );
}

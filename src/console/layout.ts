import { type Html, html } from './html.js';

// The page shell: a skip link, the navigation, the sign-out form, a notice, the page. Styles and
// script are files of this origin (the CSP allows nothing else, inline included).

export const CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; " +
  "base-uri 'none'; frame-ancestors 'none'";

const NAV = [
  ['overview', '/console', 'Overview'],
  ['organizations', '/console/organizations', 'Organizations'],
  ['leases', '/console/lease-requests', 'Lease requests'],
  ['accounts', '/console/social-accounts', 'Social accounts'],
  ['webhooks', '/console/webhooks', 'Webhooks'],
] as const;

export type Section = (typeof NAV)[number][0];
export type Notice = { kind: 'ok' | 'error'; text: string };

export function csrfField(csrf: string) {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

export function layout(p: { title: string; active?: Section; csrf?: string; notice?: Notice; body: Html }) {
  const signedIn = p.csrf !== undefined;
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${p.title} · Layers operator console</title>
  <link rel="stylesheet" href="/console/assets/console.css">
  <script src="/console/assets/console.js" defer></script>
</head>
<body>
  <a class="skip" href="#main">Skip to content</a>
  <header>
    <span class="brand">Layers operator console</span>
    ${
      signedIn &&
      html`<nav aria-label="Sections"><ul>${NAV.map(
        ([id, href, label]) =>
          html`<li><a href="${href}"${p.active === id ? html` aria-current="page"` : ''}>${label}</a></li>`,
      )}</ul></nav>
    <form method="post" action="/console/sign-out" class="signout">${csrfField(p.csrf!)}
      <button type="submit">Sign out</button></form>`
    }
  </header>
  <main id="main">
    <h1>${p.title}</h1>
    ${
      p.notice &&
      html`<p class="notice ${p.notice.kind}" role="${p.notice.kind === 'error' ? 'alert' : 'status'}">
      ${p.notice.text}</p>`
    }
    ${p.body}
  </main>
</body>
</html>
`;
}

export const CSS = `
:root { color-scheme: light; --fg: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b57d0;
  --danger: #a50e0e; --ok: #0d652d; --bg-soft: #f3f5f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: .6rem 1.5rem;
  background: #14213d; color: #fff; }
header a { color: #fff; }
.brand { font-weight: 700; margin-right: 1rem; }
nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
nav a { text-decoration: none; padding: .2rem .1rem; }
nav a[aria-current="page"] { border-bottom: 3px solid #ffd166; }
.signout { margin-left: auto; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg-soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .9em; }
a { color: var(--accent); }
button, input, select, textarea { font: inherit; }
button { padding: .35rem .9rem; border: 1px solid #1f3a93; border-radius: 4px; background: #1f3a93; color: #fff;
  cursor: pointer; }
button.danger { background: var(--danger); border-color: var(--danger); }
button.secondary { background: #fff; color: #1f3a93; }
input[type=text], input[type=password], input[type=search], input[type=number], select, textarea {
  padding: .35rem .5rem; border: 1px solid #767676; border-radius: 4px; }
:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
label { font-weight: 600; }
form.inline { display: inline; }
.row { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin: .5rem 0; }
.field { display: flex; flex-direction: column; gap: .2rem; }
.notice { padding: .6rem .9rem; border-radius: 4px; border: 1px solid; }
.notice.ok { color: var(--ok); background: #e6f4ea; }
.notice.error { color: var(--danger); background: #fce8e6; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 3px; font-size: .85em; border: 1px solid; }
.badge.on { color: var(--danger); background: #fce8e6; }
.badge.off { color: var(--ok); background: #e6f4ea; }
.muted { color: var(--muted); }
.panel { border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin: .8rem 0; }
.panel > h2:first-child { margin-top: 0; }
dl.panel { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1.2rem; }
dl.panel dt { font-weight: 600; }
dl.panel dd { margin: 0; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: #fff; color: #000; padding: .3rem .6rem; z-index: 1; }
svg.chart text { font-size: 11px; fill: var(--muted); }
svg.chart rect.bar { fill: #1f3a93; }
`;

// Progressive: a form with data-confirm asks first; "select all" boxes. Without it, every form
// still works (the global switch's confirmation is a required checkbox the server checks).
export const JS = `
document.addEventListener('submit', function (e) {
  var msg = e.target.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) e.preventDefault();
});
document.addEventListener('change', function (e) {
  var name = e.target.getAttribute('data-select-all');
  if (!name) return;
  document.querySelectorAll('input[name="' + name + '"]').forEach(function (b) { b.checked = e.target.checked; });
});
`;

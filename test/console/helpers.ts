import assert from 'node:assert/strict';
import { ADMIN_TOKEN, type Harness } from '../harness.js';

// Driving the console with fastify's inject: sign in, read a page's CSRF token, post a form.

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export const form = (fields: Record<string, string | string[]>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) q.append(k, one);
  return q.toString();
};

/** Signs in with the operator token; the session cookie as a Cookie header, and the Set-Cookie line. */
export async function signIn(h: Harness, token = ADMIN_TOKEN) {
  const res = await h.inject({ method: 'POST', url: '/console/sign-in', headers: FORM, payload: form({ token }) });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, '/console');
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

export function csrfOf(html: string) {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, 'the page carries a CSRF token');
  return m[1]!;
}

/** GETs a console page (200 expected) and returns its HTML and CSRF token. */
export async function page(h: Harness, cookie: string, url: string) {
  const res = await h.inject({ method: 'GET', url, headers: { cookie } });
  assert.equal(res.statusCode, 200, res.body.slice(0, 800));
  assert.match(String(res.headers['content-type']), /text\/html/);
  return { html: res.body, csrf: csrfOf(res.body) };
}

export function post(h: Harness, cookie: string, url: string, fields: Record<string, string | string[]>, extra = {}) {
  return h.inject({ method: 'POST', url, headers: { ...FORM, cookie, ...extra }, payload: form(fields) });
}

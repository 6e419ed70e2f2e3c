import { createInstagramRoutes } from './instagram-routes.js';
import type { SandboxReply } from './routing.js';
import type { SandboxState } from './state.js';
import { FAULT_MODES, type FaultSpec, type QuotaSpec, type SandboxSettings } from './state-types.js';
import { tiktokRoutes } from './tiktok-routes.js';

// The sandbox platform's control plane, under /__sandbox (./server.ts routes it here):
//   GET    /__sandbox          endpoint names and fault modes
//   GET    /__sandbox/log      every call so far (the witness)
//   POST   /__sandbox/faults   {endpoint, mode: 5xx|timeout|invalid_grant|lost_response|timeout_after_effect|
//                                token_expired|rate_limited, count?}
//          (lost_response: the call takes effect, the answer is a 5xx; timeout_after_effect: it takes
//          effect and no answer comes, as when a caller's deadline passes just after the platform acted)
//   DELETE /__sandbox/faults   disarm every fault
//   POST   /__sandbox/quotas   {platform, externalAccountId, limit?, windowSeconds?, usedOutside?}: an
//          account's publishing budget (Instagram's content_publishing_limit, TikTok's daily cap) and
//          posts made outside the API; a publish past it is refused as the platform refuses it
//   POST   /__sandbox/settings {ignoreIdempotencyKeys?: boolean} (true: every publish makes a new
//          post, as on the real platforms; only a lookup by reference tells what a lost call did)
//   GET    /__sandbox/posts    every post made ({scope, reference, externalId, at}); ?reference= filters
//   POST   /__sandbox/reset    clear the log, the faults, the quotas and the settings (posts, tokens and
//          grants stay)

export const SANDBOX_ENDPOINTS = [...tiktokRoutes, ...createInstagramRoutes()].map((r) => r.endpoint);

/** The answer to a control-plane call. */
export function controlPlane(
  state: SandboxState,
  method: string,
  path: string,
  query: URLSearchParams,
  raw: string,
): SandboxReply {
  if (method === 'GET' && path === '/__sandbox')
    return { status: 200, body: { endpoints: SANDBOX_ENDPOINTS, faultModes: FAULT_MODES } };
  if (method === 'GET' && path === '/__sandbox/log') return { status: 200, body: { calls: state.log } };
  if (method === 'DELETE' && path === '/__sandbox/faults') {
    state.clearFaults();
    return { status: 204 };
  }
  if (method === 'GET' && path === '/__sandbox/posts') {
    const reference = query.get('reference');
    return {
      status: 200,
      body: { posts: state.posts.filter((p) => reference === null || p.reference === reference) },
    };
  }
  if (method === 'POST' && path === '/__sandbox/settings') {
    const settings = parseSettings(raw);
    if (typeof settings === 'string') return { status: 422, body: { error: settings } };
    state.configure(settings);
    return { status: 200, body: { settings: state.settings } };
  }
  if (method === 'POST' && path === '/__sandbox/reset') {
    state.reset();
    return { status: 204 };
  }
  if (method === 'POST' && path === '/__sandbox/quotas') {
    const spec = parseQuota(raw);
    if (typeof spec === 'string') return { status: 422, body: { error: spec } };
    return { status: 200, body: { quota: state.setQuota(spec) } };
  }
  if (method === 'POST' && path === '/__sandbox/faults') {
    const spec = parseFault(raw);
    if (typeof spec === 'string') return { status: 422, body: { error: spec } };
    state.setFault(spec);
    return { status: 200, body: { fault: spec } };
  }
  return { status: 404, body: { error: 'not_found', path } };
}

/** A control-plane body as an object, or the answer's error text. */
function jsonObject(raw: string): Record<string, unknown> | string {
  try {
    const body = JSON.parse(raw || '{}') as unknown;
    return body && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : 'body must be a JSON object';
  } catch {
    return 'body must be JSON';
  }
}

/** A fault to arm (POST /__sandbox/faults, setFault in-process), or the answer's error text. */
export function parseFault(raw: string): FaultSpec | string {
  const body = jsonObject(raw);
  if (typeof body === 'string') return body;
  const { endpoint, mode, count } = body;
  if (typeof endpoint !== 'string' || (endpoint !== '*' && !SANDBOX_ENDPOINTS.includes(endpoint))) {
    return `endpoint must be '*' or one of ${SANDBOX_ENDPOINTS.join(', ')}`;
  }
  if (!FAULT_MODES.includes(mode as never)) return `mode must be one of ${FAULT_MODES.join(', ')}`;
  if (count !== undefined && (!Number.isInteger(count) || (count as number) < 1))
    return 'count must be a positive integer';
  return { endpoint, mode: mode as FaultSpec['mode'], count: count as number | undefined };
}

/** An account's budget to set (POST /__sandbox/quotas, setQuota in-process), or the answer's error text. */
export function parseQuota(raw: string): QuotaSpec | string {
  const body = jsonObject(raw);
  if (typeof body === 'string') return body;
  const { platform, externalAccountId, limit, windowSeconds, usedOutside } = body;
  if (platform !== 'tiktok' && platform !== 'instagram') return "platform must be 'tiktok' or 'instagram'";
  if (typeof externalAccountId !== 'string' || externalAccountId === '') return 'externalAccountId is required';
  const count = (v: unknown, min: number) => v === undefined || (Number.isInteger(v) && (v as number) >= min);
  if (!count(limit, 0) || !count(usedOutside, 0) || !count(windowSeconds, 1))
    return 'limit and usedOutside must be integers >= 0, windowSeconds an integer >= 1';
  return {
    platform,
    externalAccountId,
    limit: limit as number | undefined,
    windowSeconds: windowSeconds as number | undefined,
    usedOutside: usedOutside as number | undefined,
  };
}

function parseSettings(raw: string): Partial<SandboxSettings> | string {
  const body = jsonObject(raw);
  if (typeof body === 'string') return body;
  const { ignoreIdempotencyKeys, ...rest } = body;
  if (Object.keys(rest).length > 0) return `unknown settings: ${Object.keys(rest).join(', ')}`;
  if (ignoreIdempotencyKeys !== undefined && typeof ignoreIdempotencyKeys !== 'boolean')
    return 'ignoreIdempotencyKeys must be a boolean';
  return ignoreIdempotencyKeys === undefined ? {} : { ignoreIdempotencyKeys };
}

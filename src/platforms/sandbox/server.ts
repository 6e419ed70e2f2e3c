import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlatformToken } from '../../crypto/token-envelope.js';
import { DEFAULT_SCOPES } from '../scopes.js';
import type { Platform } from '../types.js';
import { controlPlane, parseFault, parseQuota } from './control.js';
import { createInstagramRoutes } from './instagram-routes.js';
import { rehearsalOf, rehearsedMode } from './rehearsal.js';
import { faultReply, type SandboxReply, type SandboxRequest, type SandboxRoute } from './routing.js';
import { createSandboxState } from './state.js';
import type { FaultSpec, QuotaSpec, SandboxCall, SandboxPost, SandboxSettings } from './state-types.js';
import { tiktokRoutes } from './tiktok-routes.js';

// The sandbox platform: a real HTTP server speaking TikTok's and Instagram's OAuth, publish and
// revoke paths, for development, tests and `lp_test_` keys. Its control plane under /__sandbox
// (faults, quotas, settings, the log and the posts) is in ./control.ts.
// A call may also carry X-Sandbox-Fault (a partner's rehearsed fault, sent only by sandbox
// adapters for test accounts): ./rehearsal.ts says what it does on which endpoint.

export { SANDBOX_ENDPOINTS } from './control.js';

const MAX_BODY_BYTES = 1024 * 1024;

export type SandboxOptions = { port?: number; host?: string; now?: () => number };

export type SandboxPlatform = {
  url: string;
  /** Live view of every call, in arrival order. */
  log: readonly SandboxCall[];
  calls(endpoint: string): SandboxCall[];
  setFault(spec: FaultSpec): void;
  clearFaults(): void;
  /** An account's publishing budget and posts made outside the API; answers the window as it now stands. */
  setQuota(spec: QuotaSpec): { limit: number; windowSeconds: number; used: number };
  configure(settings: Partial<SandboxSettings>): void;
  /** Posts the sandbox made (a replayed answer makes none), oldest first; `reference` filters. */
  posts(reference?: string): SandboxPost[];
  reset(): void;
  /** A grant minted without the OAuth dance, for fixtures; the token works against this sandbox. */
  issueToken(
    platform: Platform,
    opts?: { externalAccountId?: string; handle?: string; scopes?: string[] },
  ): {
    token: PlatformToken;
    externalAccountId: string;
  };
  close(): Promise<void>;
};

export async function startSandboxPlatform(opts: SandboxOptions = {}): Promise<SandboxPlatform> {
  const now = opts.now ?? Date.now;
  const state = createSandboxState(now);
  const routes: SandboxRoute[] = [...tiktokRoutes, ...createInstagramRoutes()];
  const hanging = new Set<ServerResponse>(); // answers withheld by `timeout` faults

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      // A sandbox bug: say so in the answer (loopback-only, fake data) rather than a silent 500.
      if (!res.headersSent)
        send(res, { status: 500, body: { error: 'sandbox_internal', message: String(err?.message) } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const raw = await readBody(req);
    if (raw === undefined) return send(res, { status: 413, body: { error: 'body_too_large' } });
    if (url.pathname.startsWith('/__sandbox'))
      return send(res, controlPlane(state, req.method ?? 'GET', url.pathname, url.searchParams, raw));
    const route = routes.find((r) => r.method === req.method && r.path.test(url.pathname));
    if (!route) return send(res, { status: 404, body: { error: 'not_found', path: url.pathname } });
    const request = parseRequest(req, url, raw, url.pathname.match(route.path)!);
    const base = {
      endpoint: route.endpoint,
      method: request.method,
      path: url.pathname,
      idempotencyKey: request.idempotencyKey,
      token: presented(request),
    };
    const rehearsal = rehearsalOf(request); // a partner's rehearsed fault (test accounts; ./rehearsal.ts)
    if (rehearsal) Object.assign(base, { rehearsal: rehearsal.header });
    const fault = state.takeFault(route.endpoint) ?? rehearsedMode(route.endpoint, rehearsal?.fault);
    if (fault === 'timeout' || fault === 'timeout_after_effect') {
      const done = fault === 'timeout_after_effect' ? route.handle(request, state) : undefined;
      state.record({ ...base, ...done?.log, status: 0, fault });
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    let reply: SandboxReply;
    if (fault === 'lost_response') {
      const done = route.handle(request, state); // the effect happens; the caller never learns
      reply = { ...faultReply(route.family, '5xx', request), log: { ...done.log, error: 'lost_response' } };
    } else {
      reply = fault ? faultReply(route.family, fault, request, rehearsal?.fault) : route.handle(request, state);
    }
    state.record({ ...base, status: reply.status, ...(fault ? { fault } : {}), ...reply.log });
    send(res, reply);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    log: state.log,
    calls: (endpoint) => state.log.filter((c) => c.endpoint === endpoint),
    setFault(spec) {
      const parsed = parseFault(JSON.stringify(spec));
      if (typeof parsed === 'string') throw new Error(parsed);
      state.setFault(parsed);
    },
    clearFaults: () => state.clearFaults(),
    setQuota(spec) {
      const parsed = parseQuota(JSON.stringify(spec));
      if (typeof parsed === 'string') throw new Error(parsed);
      return state.setQuota(parsed);
    },
    configure: (settings) => state.configure(settings),
    posts: (reference) => state.posts.filter((p) => reference === undefined || p.reference === reference),
    reset: () => state.reset(),
    issueToken(platform, o = {}) {
      const scopes = o.scopes ?? [...DEFAULT_SCOPES[platform]];
      const grant = state.createGrant(platform, o.externalAccountId, scopes, o.handle);
      const ttl = platform === 'tiktok' ? 24 * 3600 : 60 * 24 * 3600;
      const token: PlatformToken = {
        accessToken: state.issueAccessToken(grant, platform === 'tiktok' ? 'act.' : 'IGAAsbx', ttl),
        refreshToken: platform === 'tiktok' ? state.issueRefreshToken(grant) : undefined,
        expiresAt: new Date(now() + ttl * 1000).toISOString(),
        scope: scopes.join(','),
      };
      return { token, externalAccountId: grant.externalAccountId };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The token a call is about, so faulted calls are witnessed too (handlers may refine it). */
function presented(req: SandboxRequest): string | undefined {
  const p = req.params;
  return p.token ?? p.refresh_token ?? p.access_token ?? req.bearer;
}

function parseRequest(req: IncomingMessage, url: URL, raw: string, match: RegExpMatchArray): SandboxRequest {
  const type = String(req.headers['content-type'] ?? '');
  let json: Record<string, unknown> | undefined;
  let form: Record<string, string> = {};
  if (type.startsWith('application/json') && raw) {
    try {
      json = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    form = Object.fromEntries(new URLSearchParams(raw));
  }
  const auth = String(req.headers.authorization ?? '');
  const key = req.headers['idempotency-key'];
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    match,
    query: url.searchParams,
    params: { ...Object.fromEntries(url.searchParams), ...form },
    json,
    headers: req.headers,
    bearer: auth.startsWith('Bearer ') ? auth.slice(7) : undefined,
    idempotencyKey: typeof key === 'string' && key !== '' ? key : undefined,
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: SandboxReply) {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (reply.location) headers.location = reply.location;
  Object.assign(headers, reply.headers);
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  headers['content-type'] = 'application/json; charset=utf-8';
  res.writeHead(reply.status, headers).end(JSON.stringify(reply.body));
}

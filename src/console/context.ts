import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AdminCtx } from '../services/admin-context.js';
import type { Html } from './html.js';
import { layout, type Notice, type Section } from './layout.js';
import type { Session } from './session.js';

/** What a page module registers its routes with. */
export type ConsolePage = {
  app: Parameters<FastifyPluginAsyncZod>[0];
  base: AdminCtx;
  csrf: (req: FastifyRequest) => string;
};

/** The operator plane's context for one console request: audited as this session, this request. */
export function pageContext(base: AdminCtx, session: Session, requestId: string): AdminCtx {
  return { ...base, actor: { via: 'console', sessionId: session.sid, requestId } };
}

export const ctxOf = (p: ConsolePage, req: FastifyRequest) => pageContext(p.base, req.consoleSession!, req.id);

export function sendPage(
  p: ConsolePage,
  req: FastifyRequest,
  reply: FastifyReply,
  page: { title: string; active: Section; body: Html; notice?: Notice },
) {
  return reply.type('text/html; charset=utf-8').send(String(layout({ ...page, csrf: p.csrf(req) })));
}

/**
 * After a change, back to a page (303, so a reload does not post again) with a notice named by
 * a code and a number: the page maps them to text, so nothing the URL carries is shown as is.
 */
export function redirectDone(reply: FastifyReply, path: string, code: string, n?: number) {
  const q = new URLSearchParams({ done: code, ...(n === undefined ? {} : { n: String(n) }) });
  return reply.redirect(`${path}?${q}`, 303);
}

export function noticeFrom(query: unknown, messages: Record<string, (n: number) => string>): Notice | undefined {
  const { done, n } = (query ?? {}) as { done?: string; n?: string };
  const message = done !== undefined && Object.hasOwn(messages, done) ? messages[done] : undefined;
  return message ? { kind: 'ok', text: message(Number.parseInt(n ?? '0', 10) || 0) } : undefined;
}

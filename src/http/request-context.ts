import type { FastifyRequest } from 'fastify';
import type { AppDeps, Ctx, Principal } from '../context.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** The scope a /v1 route requires; omitted means any valid key. */
    scope?: string;
  }
}

/** The service context for an authenticated request. */
export function ctxOf(request: FastifyRequest, deps: AppDeps): Ctx {
  if (!request.principal) throw new Error('ctxOf called on an unauthenticated request');
  return {
    db: deps.db,
    clock: deps.clock,
    log: request.log,
    requestId: request.id,
    principal: request.principal,
    tokenCrypto: deps.tokenCrypto,
    fault: deps.fault,
  };
}

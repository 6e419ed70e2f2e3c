import type { FastifyRequest } from 'fastify';
import type { AppDeps, Ctx, Principal } from '../context.js';
import type { Tx } from '../db/client.js';
import type { EndpointClass } from './guards/rate-limit.js';
import type { RouteScope } from './scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    /** The open transaction of an idempotent write; services join it. */
    tx: Tx | undefined;
    /** The error this request was answered with (code and message), for its access-log line and metrics. */
    refusal: { code: string; message: string } | undefined;
  }
  interface FastifyContextConfig {
    /** The scope a /v1 route requires; omitted means any valid key. */
    scope?: RouteScope;
    /** Rate-limit class; GET defaults to read-light, anything else to write-light. */
    rateClass?: EndpointClass;
    /** false: the route ignores Idempotency-Key (spec: oauth-url). */
    idempotent?: boolean;
  }
}

/** The service context for an authenticated request. */
export function ctxOf(request: FastifyRequest, deps: AppDeps): Ctx {
  if (!request.principal) throw new Error('ctxOf called on an unauthenticated request');
  return {
    db: request.tx ?? deps.db,
    clock: deps.clock,
    log: request.log,
    requestId: request.id,
    principal: request.principal,
    tokenCrypto: deps.tokenCrypto,
    fault: deps.fault,
  };
}

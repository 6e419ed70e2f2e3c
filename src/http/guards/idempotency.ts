import { createHash } from 'node:crypto';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { AppDeps } from '../../context.js';
import { claimIdempotencyKey, findIdempotencyKey, storeIdempotentResponse } from '../../db/queries/idempotency-keys.js';
import { ApiError } from '../errors.js';

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000; // keys are kept 24 hours (spec §3)
const MAX_KEY_LENGTH = 255;
const WRITE_METHODS = new Set(['POST', 'PATCH', 'DELETE']);

/** Recursively key-sorted JSON: two bodies that differ only in key order are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Wraps every POST/PATCH/DELETE handler of the plugin it is installed in. With an
 * `Idempotency-Key`, the handler runs inside one transaction that first claims the key; the
 * response is stored in that same transaction, so it exists exactly when the writes do.
 * A duplicate blocks on the claim until the first commits, then replays its stored response.
 */
export function installIdempotency(app: FastifyInstance, deps: AppDeps) {
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => WRITE_METHODS.has(m)) || route.config?.idempotent === false) return;
    const handler = route.handler;
    route.handler = async function (request, reply) {
      const raw = request.headers['idempotency-key'];
      // A dry run (docs/platform-rules.md) writes nothing, so it keeps nothing to replay either.
      const dryRun = (request.body as { dryRun?: unknown } | undefined)?.dryRun === true;
      if (raw === undefined || dryRun) return handler.call(this, request, reply);
      const key = Array.isArray(raw) ? (raw[0] ?? '') : raw;
      if (key.length < 1 || key.length > MAX_KEY_LENGTH || Array.isArray(raw)) {
        throw new ApiError('VALIDATION', `Idempotency-Key must be 1–${MAX_KEY_LENGTH} characters.`, {
          issues: [{ path: 'Idempotency-Key', message: `must be 1–${MAX_KEY_LENGTH} characters` }],
        });
      }
      const apiKeyId = request.principal!.apiKeyId;
      const fingerprint = createHash('sha256')
        .update(canonical([request.method, request.routeOptions.url, request.params, request.body]))
        .digest('hex');
      const now = deps.clock.now();
      const outcome = await deps.db.transaction().execute(async (tx) => {
        const owned = await claimIdempotencyKey(tx, {
          apiKeyId,
          key,
          fingerprint,
          now,
          expiredBefore: new Date(now.getTime() - IDEMPOTENCY_TTL_MS),
          lockTimeoutMs: deps.idempotencyWaitMs,
        }).catch((err: { code?: string }) => {
          if (err?.code !== '55P03') throw err;
          reply.header('retry-after', '1');
          throw new ApiError(
            'IDEMPOTENCY_CONFLICT',
            'A request with this Idempotency-Key is still in progress; retry shortly.',
            { reason: 'in_progress' },
          );
        });
        if (!owned) return { replay: await findIdempotencyKey(tx, apiKeyId, key) };
        request.tx = tx;
        try {
          const payload = await handler.call(this, request, reply);
          // The stored response is the returned payload: a handler must return it, not send it.
          if (payload === reply || reply.sent)
            throw new Error(`${request.routeOptions.url}: write handlers must return their payload`);
          await storeIdempotentResponse(tx, apiKeyId, key, reply.statusCode, JSON.stringify(payload));
          return { payload };
        } finally {
          request.tx = undefined;
        }
      });
      if (!('replay' in outcome)) return outcome.payload;
      const stored = outcome.replay!;
      if (stored.fingerprint !== fingerprint) {
        throw new ApiError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used with a different request.', {
          reason: 'different_request',
        });
      }
      reply.code(stored.status_code).header('idempotent-replayed', 'true');
      return JSON.parse(stored.response_body);
    };
  });
}

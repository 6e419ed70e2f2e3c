import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';
import { redactUrl } from './log-redaction.js';

/** Probes a load balancer or Prometheus sends every few seconds: logged at debug, not info. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One line per request, written when its answer has gone out (fastify's own two lines are off:
 * `disableRequestLogging`), and the request's observation in the metrics. The line holds no
 * secret: the route template, the URL with credential-looking query values redacted, ids.
 */
export function installAccessLog(app: FastifyInstance, metrics: Metrics | undefined) {
  app.decorateRequest('refusal', undefined);
  // At debug only: when a request arrived, for following a slow or stuck one (and for tests that
  // must know a request is in flight before they act).
  app.addHook('onRequest', async (request) => {
    request.log.debug({ method: request.method, url: redactUrl(request.url) }, 'request received');
  });
  app.addHook('onResponse', async (request, reply) => {
    // A request that matched no route has no template: one label for all of them, not one per path.
    const route = request.routeOptions.url ?? '(unmatched)';
    const statusCode = reply.statusCode;
    const errorCode = request.refusal?.code;
    metrics?.observeRequest({
      method: request.method,
      route,
      statusCode,
      seconds: reply.elapsedTime / 1000,
      errorCode,
    });
    const line = {
      method: request.method,
      route,
      url: redactUrl(request.url),
      statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      organizationId: request.principal?.organizationId,
      apiKeyId: request.principal?.apiKeyId,
      errorCode,
      errorMessage: request.refusal?.message,
    };
    if (PROBES.has(route)) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
  });
}

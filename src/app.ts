import type { IncomingMessage } from 'node:http';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { consoleRoutes } from './console/plugin.js';
import type { AppDeps } from './context.js';
import { installAccessLog } from './http/access-log.js';
import { registerDocsPage } from './http/docs-page.js';
import { ApiError, envelope, notFound, renderClientError, renderError } from './http/errors.js';
import { authenticateWithinBudget } from './http/guards/authenticate.js';
import { installIdempotency } from './http/guards/idempotency.js';
import { createFailedAuthLimiter, endpointClassOf } from './http/guards/rate-limit.js';
import { checkScope } from './http/guards/scope.js';
import { openapiTransform, openapiTransformObject } from './http/openapi.js';
import { rejectUnstorableStrings } from './http/unstorable-strings.js';
import { newRequestId } from './ids.js';
import { adminRoutes } from './routes/admin.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { approvalRoutes } from './routes/approvals.js';
import { auditLogRoutes } from './routes/audit-log.js';
import { contentRoutes } from './routes/content.js';
import { leasedAccountRoutes } from './routes/leased-accounts.js';
import { oauthCallbackRoute, oauthRoutes } from './routes/oauth.js';
import { organizationRoutes } from './routes/organizations.js';
import { projectRoutes } from './routes/projects.js';
import { scheduledPostRoutes } from './routes/scheduled-posts.js';
import { socialAccountRoutes } from './routes/social-accounts.js';
import { testFaultRoutes } from './routes/test-faults.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.js';

export const BODY_LIMIT = 1024 * 1024; // 1 MiB, the documented maximum (413 above it)
/** A refused body up to this size (by its Content-Length) is read off and dropped, not cut off by a close. */
export const DRAIN_LIMIT = 16 * BODY_LIMIT;

/** Whether a refused request's body is still arriving and small enough to read off rather than reset. */
function keepReading(raw: IncomingMessage): boolean {
  const length = Number(raw.headers['content-length']);
  return !raw.complete && Number.isFinite(length) && length <= DRAIN_LIMIT;
}

export type BuildOptions = {
  logger?: FastifyServerOptions['logger'];
  /** Which proxies' X-Forwarded-For to believe for the client address (LAYERS_TRUST_PROXY); none by default. */
  trustProxy?: string | number;
};

// A probe must answer within the load balancer's own timeout: a database that hangs is not ready.
const READY_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function buildApp(deps: AppDeps, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const { trustProxy } = opts;
  const app = Fastify({
    logger: opts.logger ?? false,
    // A hop count trusts that many proxies nearest to us (fastify's own reading of a number).
    trustProxy:
      typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : (trustProxy ?? false),
    genReqId: () => newRequestId(),
    // One line per request instead of fastify's two, with its outcome (src/http/access-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false, // never trust a client-sent id: ours correlate with our logs
    bodyLimit: BODY_LIMIT,
    http: { requireHostHeader: false }, // checked in onRequest instead, to answer in the envelope
    // Draining (SIGTERM): a request already on an open connection is served (with Connection: close)
    // rather than given fastify's bare 503, which is neither our envelope nor carries X-Request-Id.
    return503OnClosing: false,
    // Router-level failures (bad percent-encoding, an over-long path segment) get the one envelope too.
    frameworkErrors: (err, request, reply) => {
      reply.header('x-request-id', request.id);
      return renderError(err, request, reply);
    },
    clientErrorHandler: renderClientError, // what Node's HTTP parser rejects, before any route
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, request, reply) => renderError(err, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!.slice(0, 200);
    const err = notFound('route', `${request.method} ${path}`, '');
    request.refusal = { code: err.code, message: err.message };
    return reply.code(404).send(envelope(err, request.id));
  });
  installAccessLog(app, deps.metrics);
  // An empty body is fine whatever the Content-Type (DELETE from many clients carries one).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(request, body as string, done);
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    if ((body as Buffer).length === 0) return done(null, undefined);
    done(new ApiError('VALIDATION', 'Content-Type must be application/json.'));
  });
  // Fastify's own text/plain parser handed the text to the body schema (a 422 "expected object"):
  // a route that takes a JSON body answers 400 like any other media type. A route without a body
  // schema ignores the text, as before.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || !request.routeOptions.schema?.body) return done(null, undefined);
    done(new ApiError('VALIDATION', 'Content-Type must be application/json.'));
  });

  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400 — ours, since Node's own has no envelope or id.
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new ApiError('VALIDATION', 'An HTTP/1.1 request must carry a Host header.');
    }
  });
  rejectUnstorableStrings(app);
  // Draining: the answer to a request still in flight at close ends its keep-alive connection too;
  // otherwise the client's idle connection holds the shutdown for keepAliveTimeout (72 s).
  let draining = false;
  app.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    else if (reply.getHeader('connection') === 'close' && keepReading(request.raw)) {
      // fastify closes the connection after a body it refused without reading (413 on its
      // Content-Length) "as the client may send more data": a client still sending then meets
      // a reset instead of this answer. A body of a sensible size is read off and dropped
      // instead, and the connection kept (docs/guards.md, Validation).
      reply.removeHeader('connection');
      request.raw.resume();
    }
    done(null, payload);
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Layers partner API',
        version: '1.0.0',
        description:
          'Every `/v1` request is authenticated with `Authorization: Bearer lp_<live|test>_…`, checked ' +
          'against kill switches, rate limits and the route’s scope, and answers errors in one envelope. ' +
          'Guard order, retry advice per code and idempotency: docs/guards.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Scope, rate class, Idempotency-Key, guard headers and error envelopes come from route config here.
    transform: openapiTransform,
    transformObject: openapiTransformObject,
  });

  // The partner API. Guards in the spec's order, behind a budget of failed authentications per
  // client address (429, no database query): authenticate (401) and kill switches (503) in one
  // lookup → rate limit (429, counted whatever the outcome) → scope (403) → schema validation
  // (400/422) → idempotency (wraps the handler of every write route).
  app.decorateRequest('tx', undefined);
  const defaultFailedAuth = createFailedAuthLimiter();
  await app.register(
    async (v1) => {
      v1.addHook('onRequest', async (request, reply) => {
        request.principal = await authenticateWithinBudget(
          deps.db,
          request,
          reply,
          deps.failedAuthLimiter ?? defaultFailedAuth,
          deps.clock.now(),
        );
        const cls = endpointClassOf(request.method, request.routeOptions.config.rateClass);
        await deps.rateLimiter.consume(request.principal, cls, reply);
        checkScope(request.principal, request.routeOptions.config.scope);
      });
      installIdempotency(v1, deps);
      await v1.register(apiKeyRoutes(deps));
      await v1.register(auditLogRoutes(deps));
      await v1.register(organizationRoutes(deps));
      await v1.register(projectRoutes(deps));
      await v1.register(leasedAccountRoutes(deps));
      await v1.register(oauthRoutes(deps));
      await v1.register(socialAccountRoutes(deps));
      await v1.register(testFaultRoutes(deps));
      await v1.register(webhookEndpointRoutes(deps));
      await v1.register(contentRoutes(deps));
      await v1.register(approvalRoutes(deps));
      await v1.register(scheduledPostRoutes(deps));
    },
    { prefix: '/v1' },
  );
  await app.register(adminRoutes(deps), { prefix: '/admin/v1' });
  await app.register(consoleRoutes(deps), { prefix: '/console' });
  await app.register(oauthCallbackRoute(deps));

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerDocsPage(app);
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await withTimeout(sql`SELECT 1`.execute(deps.db), READY_TIMEOUT_MS);
      return { status: 'ready' };
    } catch (err) {
      request.log.warn({ err }, 'not ready: the database check failed');
      const notReady = new ApiError('NOT_READY', 'Not ready: the database did not answer.', { check: 'database' });
      request.refusal = { code: notReady.code, message: notReady.message };
      return reply.code(notReady.status).send(envelope(notReady, request.id));
    }
  });
  return app;
}

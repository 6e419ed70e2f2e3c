import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { newRequestId } from '../ids.js';

/**
 * The error table: every error the API returns, by the name the code throws, with its wire code
 * and HTTP status. A status comes from here and nowhere else. Wire codes are never renamed; the
 * spec gives a well-formed body or query that breaks a rule 422 with the wire code `VALIDATION`,
 * hence the one row whose name is not its code.
 */
export const ERRORS = {
  VALIDATION: { code: 'VALIDATION', status: 400 }, // malformed path, header, JSON or HTTP
  UNPROCESSABLE: { code: 'VALIDATION', status: 422 }, // body or query that breaks the schema or a rule
  UNAUTHENTICATED: { code: 'UNAUTHENTICATED', status: 401 },
  FORBIDDEN_SCOPE: { code: 'FORBIDDEN_SCOPE', status: 403 },
  RETURN_URL_NOT_ALLOWED: { code: 'RETURN_URL_NOT_ALLOWED', status: 403 },
  APPROVAL_REQUIRED: { code: 'APPROVAL_REQUIRED', status: 403 }, // publish-now of content awaiting approval
  TEST_MODE_ONLY: { code: 'TEST_MODE_ONLY', status: 403 }, // rehearsed faults (a test-mode feature) with a live key
  NOT_FOUND: { code: 'NOT_FOUND', status: 404 },
  CONFLICT: { code: 'CONFLICT', status: 409 },
  IDEMPOTENCY_CONFLICT: { code: 'IDEMPOTENCY_CONFLICT', status: 409 },
  CONTENT_REJECTED: { code: 'CONTENT_REJECTED', status: 409 }, // schedule or publish of rejected content
  PLATFORM_RULE_VIOLATION: { code: 'PLATFORM_RULE_VIOLATION', status: 422 }, // a target breaks its platform's rules
  PLATFORM_QUOTA_EXCEEDED: { code: 'PLATFORM_QUOTA_EXCEEDED', status: 409 }, // past an account's publishing budget
  PAYLOAD_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', status: 413 },
  RATE_LIMITED: { code: 'RATE_LIMITED', status: 429 },
  INTERNAL: { code: 'INTERNAL', status: 500 },
  KILL_SWITCH: { code: 'KILL_SWITCH', status: 503 },
  NOT_READY: { code: 'NOT_READY', status: 503 }, // GET /readyz only: this instance cannot serve yet
} as const;

export type ErrorName = keyof typeof ERRORS;
export type ErrorCode = (typeof ERRORS)[ErrorName]['code'];

/** Each wire code with the status of its first row (`VALIDATION` → 400; its 422 row is UNPROCESSABLE). */
export const ERROR_CODES = Object.fromEntries(
  Object.values(ERRORS)
    .reverse()
    .map((e) => [e.code, e.status]),
) as Record<ErrorCode, number>;

export const INTERNAL_MESSAGE =
  'An internal error occurred. The request changed nothing and is safe to retry; quote the requestId if it persists.';

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(
    name: ErrorName,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.code = ERRORS[name].code;
    this.status = ERRORS[name].status;
  }
}

/** 404: "No <entity> <id> in this organization." — `within` names another reach ('' for none). */
export function notFound(
  entity: string,
  id: string,
  within = 'in this organization',
  details?: Record<string, unknown>,
) {
  return new ApiError('NOT_FOUND', `No ${entity} ${id}${within ? ` ${within}` : ''}.`, details);
}

/** 422 at one field of a well-formed body (or query), in the shape schema failures have. */
export function invalidField(path: string, message: string, part: 'body' | 'query' = 'body') {
  return new ApiError('UNPROCESSABLE', `Invalid request ${part}.`, { issues: [{ path, message }] });
}

export type ErrorEnvelope = {
  error: { code: ErrorCode; message: string; requestId: string; details?: Record<string, unknown> };
};

export function envelope(err: ApiError, requestId: string): ErrorEnvelope {
  const body: ErrorEnvelope['error'] = { code: err.code, message: err.message, requestId };
  if (err.details !== undefined) body.details = err.details;
  return { error: body };
}

/** Maps anything thrown during a request to an ApiError; unknown faults become INTERNAL. */
export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext;
    // One issue per offending field; an unknown field is reported at its own path.
    const issues = err.validation.flatMap((v) => {
      const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const unknown = v.keyword === 'unrecognized_keys' ? ((v.params as { keys?: string[] }).keys ?? []) : [];
      if (unknown.length)
        return unknown.map((k) => ({ path: path ? `${path}.${k}` : k, message: 'is not a known field' }));
      return [{ path, message: v.message ?? 'Invalid value' }];
    });
    if (where === 'params' || where === 'headers') {
      const first = issues[0];
      const message = first
        ? `Invalid ${where === 'params' ? 'path parameter' : 'header'} ${first.path}: ${first.message}`
        : 'Invalid request';
      return new ApiError('VALIDATION', message, { issues });
    }
    return new ApiError('UNPROCESSABLE', `Invalid request ${where === 'body' ? 'body' : 'query'}.`, { issues });
  }
  const fe = err as Partial<FastifyError>;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', 'Request body exceeds the 1 MiB limit.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('VALIDATION', 'Request body is not valid JSON.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('VALIDATION', 'Content-Type must be application/json.');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('VALIDATION', 'Malformed request path.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('VALIDATION', 'Content-Length does not match the body.');
  }
  // Fastify's own 4xx for malformed requests (bad JSON syntax, bad encoding, …).
  if (fe.statusCode === 400) return new ApiError('VALIDATION', 'Malformed request.');
  return undefined;
}

/**
 * The one error renderer. A fault of ours (500 INTERNAL) is logged at error with its cause and
 * stack, never echoed. Every other code is an answer we meant to give (4xx, 503 KILL_SWITCH):
 * one info line with the code, no stack — a flood of them must not look like an incident.
 */
export function renderError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const apiError = toApiError(err);
  if (!apiError || apiError.code === 'INTERNAL') {
    request.log.error({ err }, 'unhandled error');
    request.refusal = { code: 'INTERNAL', message: INTERNAL_MESSAGE };
    return reply.code(500).send(envelope(new ApiError('INTERNAL', INTERNAL_MESSAGE), request.id));
  }
  // An expected refusal is no line of its own: the request's access-log line carries its code and message.
  request.refusal = { code: apiError.code, message: apiError.message };
  return reply.code(apiError.status).send(envelope(apiError, request.id));
}

/**
 * Requests Node's HTTP parser rejects (headers over 16 KiB, NUL bytes, a bad request line or
 * chunk) never become a fastify request: they still get the envelope and a request id, as a
 * raw response on the socket, which is then closed (the parser state is unrecoverable).
 * Fastify binds `this` to the instance.
 */
export function renderClientError(this: { log: FastifyBaseLogger }, err: ConnectionError, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const requestId = newRequestId();
  const apiError = new ApiError(
    'VALIDATION',
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 'Request headers exceed the 16 KiB limit.'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'The request was not received in time.'
        : 'Malformed HTTP request.',
  );
  this.log.info({ reqId: requestId, code: err.code }, 'malformed HTTP request rejected');
  if (socket.writable) {
    const body = JSON.stringify(envelope(apiError, requestId));
    const head = [
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${requestId}`,
      'Connection: close',
    ];
    socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy();
}

import { INTERNAL_MESSAGE } from './errors.js';
import { I, OAUTH_STATE } from './openapi-example-values.js';
import { OPERATION_EXAMPLES } from './openapi-examples.js';

// One error body per status for the OpenAPI document, with the code the error table gives it
// and, where an operation has one, its own conflict.

/** What a path parameter names, for the 404 example: `{projectId}` → "project prj_…". */
const NOT_FOUND_SUBJECT: Record<string, string> = {
  projectId: `project ${I.project}`,
  socialAccountId: `social account ${I.socialAccount}`,
  containerId: `content ${I.content}`,
  id: `scheduled post ${I.scheduledPost}`,
  requestId: `lease request ${I.leaseRequest}`,
  webhookEndpointId: `webhook endpoint ${I.webhookEndpoint}`,
  webhookDeliveryId: `webhook delivery ${I.delivery}`,
  keyId: `API key ${I.apiKey}`,
  orgId: `organization ${I.organization}`,
  state: `OAuth state ${OAUTH_STATE}`,
};

const PARAM_PREFIX: Record<string, string> = {
  projectId: 'prj',
  socialAccountId: 'sa',
  containerId: 'cnt',
  id: 'sp',
  requestId: 'lreq',
  webhookEndpointId: 'whe',
  webhookDeliveryId: 'dlv',
  keyId: 'key',
  orgId: 'org',
};

const body = (code: string, message: string, details?: Record<string, unknown>) => ({
  error: { code, message, requestId: I.request, ...(details ? { details } : {}) },
});

/**
 * The error body an operation shows for a status: its code is the error table's for that
 * status, its details what the guard or service really sends.
 */
export function errorExample(
  status: number,
  op: { operationId: string; scope: string | null; pathParams: string[] },
): unknown {
  switch (status) {
    case 400: {
      const param = op.pathParams[0];
      if (!param) return body('VALIDATION', 'Request body is not valid JSON.');
      const message = param === 'state' ? 'Invalid input' : `must be a ${PARAM_PREFIX[param] ?? 'sp'}_<uuid> id`;
      return body('VALIDATION', `Invalid path parameter ${param}: ${message}`, { issues: [{ path: param, message }] });
    }
    case 401:
      return body('UNAUTHENTICATED', 'Missing or invalid API key. Send "Authorization: Bearer lp_<live|test>_…".');
    case 403: {
      const scope = op.scope ?? OPERATION_EXAMPLES[op.operationId]?.requiredScope ?? 'social:write';
      return body('FORBIDDEN_SCOPE', `This API key lacks the ${scope} scope.`, { requiredScope: scope });
    }
    case 404: {
      const param = [...op.pathParams].reverse().find((p) => NOT_FOUND_SUBJECT[p]);
      if (param === 'orgId') return body('NOT_FOUND', `No ${NOT_FOUND_SUBJECT[param]}.`); // not "in this organization"
      return body('NOT_FOUND', `No ${param ? NOT_FOUND_SUBJECT[param] : 'such resource'} in this organization.`);
    }
    case 409: {
      const conflict = OPERATION_EXAMPLES[op.operationId]?.conflict;
      if (conflict) return body('CONFLICT', conflict.message, conflict.details);
      return body('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used with a different request.', {
        reason: 'different_request',
      });
    }
    case 413:
      return body('PAYLOAD_TOO_LARGE', 'Request body exceeds the 1 MiB limit.');
    case 422: {
      const request = OPERATION_EXAMPLES[op.operationId]?.request as Record<string, unknown> | undefined;
      const field = request && Object.keys(request)[0];
      if (!field) {
        return body('VALIDATION', 'Invalid request query.', {
          issues: [{ path: 'limit', message: 'Too big: expected number to be <=200' }],
        });
      }
      const expected = Array.isArray(request[field]) ? 'array' : typeof request[field];
      return body('VALIDATION', 'Invalid request body.', {
        issues: [{ path: field, message: `Invalid input: expected ${expected}, received null` }],
      });
    }
    case 429:
      return body('RATE_LIMITED', 'Rate limit exceeded for write-light requests on this key. Retry after 12 s.', {
        endpointClass: 'write-light',
        limit: 60,
        retryAfterSeconds: 12,
      });
    case 500:
      return body('INTERNAL', INTERNAL_MESSAGE);
    case 503:
      return body('KILL_SWITCH', 'This API key has been disabled by a kill switch.', { scope: 'key' });
    default:
      throw new Error(`no error example for status ${status}`);
  }
}

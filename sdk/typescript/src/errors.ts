import type { TargetValidation } from './types.gen.js';

/** One issue of a VALIDATION error: which field, and what is wrong with it. */
export type ValidationIssue = { path: string; message: string };

/**
 * Every error the SDK throws. API errors carry the envelope's `code`, `message`, `requestId`
 * and `details`, and the HTTP `status`; connection errors and timeouts have `status` 0.
 */
export class LayersError extends Error {
  override name = 'LayersError';
  readonly code: string;
  readonly status: number;
  readonly requestId: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Response headers (lower-case names), when there was a response. */
  readonly headers: Record<string, string>;

  constructor(init: {
    code: string;
    status: number;
    message: string;
    requestId?: string;
    details?: Record<string, unknown>;
    headers?: Record<string, string>;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.details = init.details;
    this.headers = init.headers ?? {};
  }
}

/** 400/422 `VALIDATION`: fix the request; `issues` names each field. */
export class ValidationError extends LayersError {
  override name = 'ValidationError';
  get issues(): ValidationIssue[] {
    return (this.details?.issues as ValidationIssue[] | undefined) ?? [];
  }
}
/** 422 `PLATFORM_RULE_VIOLATION`: a schedule or publish target breaks its platform's rules; nothing was written. */
export class PlatformRuleViolationError extends ValidationError {
  override name = 'PlatformRuleViolationError';
  /** Every target as judged: `{socialAccountId, platform, valid, issues, warnings, …}`. */
  get targets(): TargetValidation[] {
    return (this.details?.targets as TargetValidation[] | undefined) ?? [];
  }
}
/** 401 `UNAUTHENTICATED`: missing, malformed, unknown or revoked API key. */
export class AuthenticationError extends LayersError {
  override name = 'AuthenticationError';
}
/** 403 `FORBIDDEN_SCOPE`: the key lacks `requiredScope`. */
export class PermissionDeniedError extends LayersError {
  override name = 'PermissionDeniedError';
  get requiredScope(): string | undefined {
    return this.details?.requiredScope as string | undefined;
  }
}
/** 403 `RETURN_URL_NOT_ALLOWED`: the OAuth `returnUrl` is not on the key's allowlist. */
export class ReturnUrlNotAllowedError extends PermissionDeniedError {
  override name = 'ReturnUrlNotAllowedError';
}
/** 403 `APPROVAL_REQUIRED`: publish-now of content waiting for approval; approve it, or schedule it instead. */
export class ApprovalRequiredError extends PermissionDeniedError {
  override name = 'ApprovalRequiredError';
}
/** 403 `TEST_MODE_ONLY`: a test-mode feature (rehearsed faults) called with a live key; use an `lp_test_` key. */
export class TestModeOnlyError extends PermissionDeniedError {
  override name = 'TestModeOnlyError';
}
/** 404 `NOT_FOUND`: absent, or in another organization (or, for a revoke, already disconnected). */
export class NotFoundError extends LayersError {
  override name = 'NotFoundError';
}
/** 409 `CONFLICT`: the resource's state forbids this; `reason` says which. */
export class ConflictError extends LayersError {
  override name = 'ConflictError';
  get reason(): string | undefined {
    return this.details?.reason as string | undefined;
  }
}
/** 409 `IDEMPOTENCY_CONFLICT`: the key was used for a different request (`different_request`) or is still running (`in_progress`). */
export class IdempotencyConflictError extends ConflictError {
  override name = 'IdempotencyConflictError';
}
/** 409 `CONTENT_REJECTED`: the content was rejected; it is never scheduled or published. */
export class ContentRejectedError extends ConflictError {
  override name = 'ContentRejectedError';
}
/** 409 `PLATFORM_QUOTA_EXCEEDED`: the account's platform publishing budget is full then; see `earliestFreeSlot`. */
export class PlatformQuotaExceededError extends ConflictError {
  override name = 'PlatformQuotaExceededError';
  get earliestFreeSlot(): string | undefined {
    return this.details?.earliestFreeSlot as string | undefined;
  }
}
/** 413 `PAYLOAD_TOO_LARGE`: the body is over 1 MiB. */
export class PayloadTooLargeError extends LayersError {
  override name = 'PayloadTooLargeError';
}
/** 429 `RATE_LIMITED`, after the SDK's own retries: wait `retryAfter` seconds. */
export class RateLimitError extends LayersError {
  override name = 'RateLimitError';
  get retryAfter(): number | undefined {
    return retryAfterSeconds(this.headers) ?? (this.details?.retryAfterSeconds as number | undefined);
  }
}
/** 5xx `INTERNAL` (or a gateway's 5xx), after the SDK's own retries. Nothing changed; safe to retry. */
export class InternalServerError extends LayersError {
  override name = 'InternalServerError';
}
/** 503 `KILL_SWITCH`: the key, its organization or the API is switched off (`scope`). Never retried. */
export class KillSwitchError extends LayersError {
  override name = 'KillSwitchError';
  get scope(): 'key' | 'organization' | 'global' | undefined {
    return this.details?.scope as 'key' | 'organization' | 'global' | undefined;
  }
}
/** No response: the connection failed. The SDK already retried it. */
export class LayersConnectionError extends LayersError {
  override name = 'LayersConnectionError';
}
/** No response within `timeoutMs`. The SDK already retried it. */
export class LayersTimeoutError extends LayersConnectionError {
  override name = 'LayersTimeoutError';
}

type ErrorClass = new (init: ConstructorParameters<typeof LayersError>[0]) => LayersError;

/** The server's error codes (src/http/errors.ts ERROR_CODES), each with its class. */
export const ERROR_CLASSES: Record<string, ErrorClass> = {
  VALIDATION: ValidationError,
  UNAUTHENTICATED: AuthenticationError,
  FORBIDDEN_SCOPE: PermissionDeniedError,
  RETURN_URL_NOT_ALLOWED: ReturnUrlNotAllowedError,
  APPROVAL_REQUIRED: ApprovalRequiredError,
  TEST_MODE_ONLY: TestModeOnlyError,
  NOT_FOUND: NotFoundError,
  CONFLICT: ConflictError,
  IDEMPOTENCY_CONFLICT: IdempotencyConflictError,
  CONTENT_REJECTED: ContentRejectedError,
  PLATFORM_RULE_VIOLATION: PlatformRuleViolationError,
  PLATFORM_QUOTA_EXCEEDED: PlatformQuotaExceededError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  RATE_LIMITED: RateLimitError,
  INTERNAL: InternalServerError,
  KILL_SWITCH: KillSwitchError,
  NOT_READY: InternalServerError, // GET /readyz only, which the SDK does not call
};

/** A code this SDK does not know yet (a newer server) still gets the class of its status family. */
function classByStatus(status: number): ErrorClass {
  if (status === 400 || status === 422) return ValidationError;
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionDeniedError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 413) return PayloadTooLargeError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return InternalServerError;
  return LayersError;
}

export function retryAfterSeconds(headers: Record<string, string>): number | undefined {
  const raw = headers['retry-after'];
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(raw); // the HTTP-date form
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** The typed error for a non-2xx response; `body` is the parsed JSON, or the raw text when it was not JSON. */
export function errorFromResponse(status: number, body: unknown, headers: Record<string, string>): LayersError {
  const envelope = (
    body as { error?: { code?: unknown; message?: unknown; requestId?: unknown; details?: unknown } } | undefined
  )?.error;
  const code = typeof envelope?.code === 'string' ? envelope.code : `HTTP_${status}`;
  const message =
    typeof envelope?.message === 'string'
      ? envelope.message
      : `HTTP ${status}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}`;
  const Class = ERROR_CLASSES[code] ?? classByStatus(status);
  const details =
    envelope?.details && typeof envelope.details === 'object'
      ? (envelope.details as Record<string, unknown>)
      : undefined;
  return new Class({
    code,
    status,
    message: withFirstIssue(message, details),
    headers,
    requestId: typeof envelope?.requestId === 'string' ? envelope.requestId : headers['x-request-id'],
    details,
  });
}

/** `Invalid request body: name: Too small…` — the first validation issue in the message itself. */
export function withFirstIssue(message: string, details: Record<string, unknown> | undefined): string {
  const issues = Array.isArray(details?.issues) ? (details.issues as Partial<ValidationIssue>[]) : [];
  const first = issues[0];
  if (!first || typeof first.message !== 'string') return message;
  const issue = `${first.path || '(root)'}: ${first.message}`;
  if (message.includes(issue)) return message;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${message.replace(/\.$/, '')}: ${issue}${more}`;
}

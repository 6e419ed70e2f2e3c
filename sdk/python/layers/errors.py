"""Typed errors: one class per code family, each carrying the error envelope's fields."""

import email.utils
import time
from typing import Any, Dict, List, Optional, Type


class LayersError(Exception):
    """Every error the SDK raises.

    API errors carry the envelope's ``code``, ``message``, ``request_id`` and ``details``, and the
    HTTP ``status``; connection errors and timeouts have ``status`` 0.
    """

    def __init__(self, code: str, status: int, message: str, request_id: Optional[str] = None,
                 details: Optional[Dict[str, Any]] = None, headers: Optional[Dict[str, str]] = None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.request_id = request_id
        self.details = details
        self.headers = headers or {}

    def __str__(self) -> str:
        where = f", request_id={self.request_id}" if self.request_id else ""
        return f"{self.code} ({self.status}{where}): {self.message}"


class ValidationError(LayersError):
    """400/422 ``VALIDATION``: fix the request; ``issues`` names each field."""

    @property
    def issues(self) -> List[Dict[str, Any]]:
        """Each offending field: ``{"path": "name", "message": "..."}``."""
        issues: List[Dict[str, Any]] = (self.details or {}).get("issues", [])
        return issues


class PlatformRuleViolationError(ValidationError):
    """422 ``PLATFORM_RULE_VIOLATION``: a target breaks its platform's rules (docs/platform-rules.md); nothing written."""

    @property
    def targets(self) -> List[Dict[str, Any]]:
        """Every target as judged: ``{"socialAccountId", "platform", "valid", "issues", "warnings", ...}``."""
        targets: List[Dict[str, Any]] = (self.details or {}).get("targets", [])
        return targets


class AuthenticationError(LayersError):
    """401 ``UNAUTHENTICATED``: missing, malformed, unknown or revoked API key."""


class PermissionDeniedError(LayersError):
    """403 ``FORBIDDEN_SCOPE``: the key lacks ``required_scope``."""

    @property
    def required_scope(self) -> Optional[str]:
        return (self.details or {}).get("requiredScope")


class ReturnUrlNotAllowedError(PermissionDeniedError):
    """403 ``RETURN_URL_NOT_ALLOWED``: the OAuth ``returnUrl`` is not on the key's allowlist."""


class ApprovalRequiredError(PermissionDeniedError):
    """403 ``APPROVAL_REQUIRED``: publish-now of content waiting for approval; approve it, or schedule it instead."""


class TestModeOnlyError(PermissionDeniedError):
    """403 ``TEST_MODE_ONLY``: a test-mode feature (rehearsed faults) called with a live key; use an ``lp_test_`` key."""


class NotFoundError(LayersError):
    """404 ``NOT_FOUND``: absent, or in another organization (or, for a revoke, already disconnected)."""


class ConflictError(LayersError):
    """409 ``CONFLICT``: the resource's state forbids this; ``reason`` says which."""

    @property
    def reason(self) -> Optional[str]:
        return (self.details or {}).get("reason")


class IdempotencyConflictError(ConflictError):
    """409 ``IDEMPOTENCY_CONFLICT``: key used for a different request, or still ``in_progress``."""


class ContentRejectedError(ConflictError):
    """409 ``CONTENT_REJECTED``: the content was rejected; it is never scheduled or published."""


class PlatformQuotaExceededError(ConflictError):
    """409 ``PLATFORM_QUOTA_EXCEEDED``: the account's platform publishing budget is full then; see ``earliest_free_slot``."""

    @property
    def earliest_free_slot(self) -> Optional[str]:
        return (self.details or {}).get("earliestFreeSlot")


class PayloadTooLargeError(LayersError):
    """413 ``PAYLOAD_TOO_LARGE``: the body is over 1 MiB."""


class RateLimitError(LayersError):
    """429 ``RATE_LIMITED``, after the SDK's own retries: wait ``retry_after`` seconds."""

    @property
    def retry_after(self) -> Optional[float]:
        seconds = retry_after_seconds(self.headers)
        return seconds if seconds is not None else (self.details or {}).get("retryAfterSeconds")


class InternalServerError(LayersError):
    """5xx ``INTERNAL`` (or a gateway's 5xx), after the SDK's own retries. Nothing changed."""


class KillSwitchError(LayersError):
    """503 ``KILL_SWITCH``: the key, its organization or the API is switched off. Never retried."""

    @property
    def scope(self) -> Optional[str]:
        return (self.details or {}).get("scope")


class LayersConnectionError(LayersError):
    """No response: the connection failed. The SDK already retried it."""


class LayersTimeoutError(LayersConnectionError):
    """No response within the timeout. The SDK already retried it."""


# The server's error codes (src/http/errors.ts ERROR_CODES), each with its class.
ERROR_CLASSES: Dict[str, Type[LayersError]] = {
    "VALIDATION": ValidationError,
    "UNAUTHENTICATED": AuthenticationError,
    "FORBIDDEN_SCOPE": PermissionDeniedError,
    "RETURN_URL_NOT_ALLOWED": ReturnUrlNotAllowedError,
    "APPROVAL_REQUIRED": ApprovalRequiredError,
    "TEST_MODE_ONLY": TestModeOnlyError,
    "NOT_FOUND": NotFoundError,
    "CONFLICT": ConflictError,
    "IDEMPOTENCY_CONFLICT": IdempotencyConflictError,
    "CONTENT_REJECTED": ContentRejectedError,
    "PLATFORM_RULE_VIOLATION": PlatformRuleViolationError,
    "PLATFORM_QUOTA_EXCEEDED": PlatformQuotaExceededError,
    "PAYLOAD_TOO_LARGE": PayloadTooLargeError,
    "RATE_LIMITED": RateLimitError,
    "INTERNAL": InternalServerError,
    "KILL_SWITCH": KillSwitchError,
    "NOT_READY": InternalServerError,  # GET /readyz only, which the SDK does not call
}


def _class_by_status(status: int) -> Type[LayersError]:
    """A code this SDK does not know yet (a newer server) still gets its status family's class."""
    families = {400: ValidationError, 422: ValidationError, 401: AuthenticationError, 403: PermissionDeniedError,
                404: NotFoundError, 409: ConflictError, 413: PayloadTooLargeError, 429: RateLimitError}
    if status >= 500:
        return InternalServerError
    return families.get(status, LayersError)


def retry_after_seconds(headers: Dict[str, str]) -> Optional[float]:
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
        return seconds if seconds >= 0 else None
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(raw)  # the HTTP-date form
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


def error_from_response(status: int, body: Any, headers: Dict[str, str]) -> LayersError:
    """The typed error for a non-2xx response; ``body`` is the parsed JSON, or the raw text."""
    raw: Any = body.get("error") if isinstance(body, dict) else None  # type: ignore[reportUnknownMemberType]
    envelope: Dict[str, Any] = raw if isinstance(raw, dict) else {}  # type: ignore[reportUnknownVariableType]
    code: str = envelope["code"] if isinstance(envelope.get("code"), str) else f"HTTP_{status}"
    message: str = envelope["message"] if isinstance(envelope.get("message"), str) else (
        f"HTTP {status}" + (f": {body[:200]}" if isinstance(body, str) and body else ""))
    details: Optional[Dict[str, Any]] = envelope["details"] if isinstance(envelope.get("details"), dict) else None
    request_id: Optional[str] = envelope["requestId"] if isinstance(envelope.get("requestId"), str) else headers.get("x-request-id")
    cls = ERROR_CLASSES.get(code) or _class_by_status(status)
    return cls(code, status, with_first_issue(message, details), request_id=request_id, details=details, headers=headers)


def with_first_issue(message: str, details: Optional[Dict[str, Any]]) -> str:
    """``Invalid request body: name: Too small…``: the first validation issue in the message itself."""
    issues: Any = (details or {}).get("issues")
    if not isinstance(issues, list) or not issues or not isinstance(issues[0], dict):
        return message
    first: Dict[str, Any] = issues[0]  # type: ignore[reportUnknownVariableType]
    if not isinstance(first.get("message"), str):
        return message
    issue = f"{first.get('path') or '(root)'}: {first['message']}"
    if issue in message:
        return message
    more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""  # type: ignore[reportUnknownArgumentType]
    return f"{message[:-1] if message.endswith('.') else message}: {issue}{more}"

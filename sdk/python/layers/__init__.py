"""Python client for the Layers partner API (standard library only, Python >= 3.9).

    from layers import Layers
    layers = Layers(api_key="lp_test_...", base_url="https://api.layers.com")
    result = layers.social.revoke(social_account_id="sa_...")
    print(result["canceledScheduledPosts"])
    for account in layers.social.list(project_id="prj_...").auto_paging_iter():
        print(account["handle"])
"""

from ._base import ListPage, RateLimit, ResponseInfo, response_of
from ._client import Layers, __version__, to_camel
from ._resources import OPERATION_METHODS
from ._transport import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, MAX_RETRY_AFTER
from .errors import (
    ERROR_CLASSES,
    ApprovalRequiredError,
    AuthenticationError,
    ConflictError,
    ContentRejectedError,
    IdempotencyConflictError,
    InternalServerError,
    KillSwitchError,
    LayersConnectionError,
    LayersError,
    LayersTimeoutError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PlatformRuleViolationError,
    PlatformQuotaExceededError,
    RateLimitError,
    ReturnUrlNotAllowedError,
    TestModeOnlyError,
    ValidationError,
)
from .webhooks import DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, WebhookEvent, WebhookSignatureError, verify_webhook

__all__ = [
    "Layers", "OPERATION_METHODS", "ERROR_CLASSES", "DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT", "MAX_RETRY_AFTER",
    "LayersError", "ValidationError", "AuthenticationError", "PermissionDeniedError", "ReturnUrlNotAllowedError",
    "NotFoundError", "ConflictError", "IdempotencyConflictError", "PayloadTooLargeError", "RateLimitError",
    "InternalServerError", "KillSwitchError", "LayersConnectionError", "LayersTimeoutError", "to_camel", "__version__",
    "ApprovalRequiredError", "ContentRejectedError", "PlatformRuleViolationError", "PlatformQuotaExceededError",
    "TestModeOnlyError",
    "ListPage", "ResponseInfo", "RateLimit", "response_of",
    "verify_webhook", "WebhookEvent", "WebhookSignatureError", "DEFAULT_TOLERANCE_SECONDS", "SIGNATURE_HEADER",
]

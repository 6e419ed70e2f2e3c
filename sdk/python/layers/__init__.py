"""Python client for the Layers partner API (standard library only, Python >= 3.9).

    from layers import Layers
    layers = Layers(api_key="lp_test_...", base_url="https://api.layers.com")
    result = layers.social.revoke(social_account_id="sa_...")
    print(result["canceledScheduledPosts"])
"""

from ._client import OPERATION_METHODS, Layers, __version__, to_camel
from ._transport import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, MAX_RETRY_AFTER
from .errors import (
    ERROR_CLASSES,
    AuthenticationError,
    ConflictError,
    IdempotencyConflictError,
    InternalServerError,
    KillSwitchError,
    LayersConnectionError,
    LayersError,
    LayersTimeoutError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ReturnUrlNotAllowedError,
    ValidationError,
)

__all__ = [
    "Layers", "OPERATION_METHODS", "ERROR_CLASSES", "DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT", "MAX_RETRY_AFTER",
    "LayersError", "ValidationError", "AuthenticationError", "PermissionDeniedError", "ReturnUrlNotAllowedError",
    "NotFoundError", "ConflictError", "IdempotencyConflictError", "PayloadTooLargeError", "RateLimitError",
    "InternalServerError", "KillSwitchError", "LayersConnectionError", "LayersTimeoutError", "to_camel", "__version__",
]
